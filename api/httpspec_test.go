package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
)

// The GraphQL over HTTP spec's rules for POST, as ServeHTTP documents them.
// graphql-http's audit (conformance/) checks them too; these tests show a
// regression without Node.

const (
	mediaJSON     = "application/json"
	mediaResponse = "application/graphql-response+json"
)

// specAnswer is what one POST /graphql got back.
type specAnswer struct {
	status      int
	contentType string
	vary        []string
	body        map[string]json.RawMessage // nil when the body is not a JSON object
	raw         string
}

// send posts body with the given Content-Type and Accept ("" = no header).
func (e *env) send(contentType, accept, body string) specAnswer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := specAnswer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), vary: res.Header.Values("Vary"), raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// TestHTTPSpecStatus: every Accept a client sends × every kind of request →
// the status, the media type, and whether the answer has a data entry.
func TestHTTPSpecStatus(t *testing.T) {
	e := newEnv(t)
	// 14 levels; the id need not exist, the document never runs.
	deep := `{ findOwnerByID(id: "1") { ` + strings.Repeat("stores(_size: 1) { data { owner { ", 4) + "_id" + strings.Repeat(" } } }", 4) + " } }"
	var costly []string // 25 fields that query the database, 1,000 each
	for i := range 25 {
		costly = append(costly, "c"+strconv.Itoa(i)+": countStores")
	}
	type outcome int
	const (
		ran           outcome = iota // 200, data and no errors, whatever the media type
		ranWithErrors                // 200, data and errors for the fields that failed
		neverRan                     // errors and no data: 200 in application/json, 400 in application/graphql-response+json
		malformed                    // not a GraphQL-over-HTTP request: 400, errors and no data in either
	)
	kinds := []struct {
		name string
		body string
		want outcome
	}{
		{"query", `{"query": "{ __typename }"}`, ran},
		{"named operation", `{"query": "query A { __typename } query B { countStores }", "operationName": "A"}`, ran},
		{"nulls for the optional members", `{"query": "{ __typename }", "operationName": null, "variables": null, "extensions": null}`, ran},
		{"variables and extensions", `{"query": "query T($n: String!) { __type(name: $n) { name } }", "variables": {"n": "Store"}, "extensions": {"some": "value"}}`, ran},
		{"unknown members ignored", `{"query": "{ __typename }", "QUERY": 7, "qeury": {}}`, ran},
		{"field error", `{"query": "{ countStores }"}`, ranWithErrors}, // no token: the field fails, the request ran
		{"parse error", `{"query": "{"}`, neverRan},
		{"empty document", `{"query": ""}`, neverRan},
		{"validation error", `{"query": "{ nope }"}`, neverRan},
		{"unknown operation", `{"query": "query A { __typename }", "operationName": "B"}`, neverRan},
		{"ambiguous operation", `{"query": "query A { __typename } query B { __typename }"}`, neverRan},
		{"variable coercion", `{"query": "query Q($id: ID!) { __typename }", "variables": {"id": null}}`, neverRan},
		{"missing variable", `{"query": "query Q($n: String!) { __type(name: $n) { name } }"}`, neverRan},
		{"shape limit", `{"query": "{ ` + strings.Repeat("__typename ", 101) + `}"}`, neverRan},
		{"depth limit", `{"query": ` + quote(deep) + `}`, neverRan},
		{"complexity limit", `{"query": ` + quote("{ "+strings.Join(costly, " ")+" }") + `}`, neverRan},
		{"one login per request", `{"query": "mutation { a: login(email: \"a@b.c\", password: \"x\") { secret } b: login(email: \"a@b.c\", password: \"y\") { secret } }"}`, neverRan},
		{"subscription", `{"query": "subscription { __typename }"}`, neverRan},
		{"malformed JSON", `{"query": "{ __typename }"`, malformed},
		{"trailing garbage", `{"query": "{ __typename }"} x`, malformed},
		{"empty body", ``, malformed},
		{"array body", `[{"query": "{ __typename }"}]`, malformed},
		{"null body", `null`, malformed},
		{"string body", `"{ __typename }"`, malformed},
		{"no query", `{"variables": {}}`, malformed},
		{"null query", `{"query": null}`, malformed},
		{"number query", `{"query": 7}`, malformed},
		{"object query", `{"query": {"obj": "ect"}}`, malformed},
		{"number operationName", `{"query": "{ __typename }", "operationName": 0}`, malformed},
		{"array operationName", `{"query": "{ __typename }", "operationName": ["a"]}`, malformed},
		{"string variables", `{"query": "{ __typename }", "variables": "{}"}`, malformed},
		{"array variables", `{"query": "{ __typename }", "variables": [7]}`, malformed},
		{"boolean extensions", `{"query": "{ __typename }", "extensions": false}`, malformed},
		{"string extensions", `{"query": "{ __typename }", "extensions": "x"}`, malformed},
	}
	accepts := []struct {
		accept string
		media  string
	}{
		{"", mediaJSON},
		{"*/*", mediaJSON},
		{mediaJSON, mediaJSON},
		{mediaResponse, mediaResponse},
		{mediaResponse + ", " + mediaJSON + ";q=0.9", mediaResponse}, // what the spec tells clients to send
	}
	for _, k := range kinds {
		for _, a := range accepts {
			t.Run(k.name+"/accept "+a.accept, func(t *testing.T) {
				got := e.send(mediaJSON, a.accept, k.body)
				wantStatus, wantData := http.StatusOK, true
				switch {
				case k.want == neverRan && a.media == mediaResponse:
					wantStatus, wantData = http.StatusBadRequest, false
				case k.want == neverRan:
					wantData = false
				case k.want == malformed:
					wantStatus, wantData = http.StatusBadRequest, false
				}
				if got.status != wantStatus {
					t.Errorf("status %d, want %d", got.status, wantStatus)
				}
				if want := a.media + "; charset=utf-8"; got.contentType != want {
					t.Errorf("Content-Type %q, want %q", got.contentType, want)
				}
				if got.body == nil {
					t.Fatalf("not a JSON object: %s", got.raw)
				}
				if _, has := got.body["data"]; has != wantData {
					t.Errorf("data entry present: %v, want %v", has, wantData)
				}
				if _, has := got.body["errors"]; has != (k.want != ran) {
					t.Errorf("errors entry present: %v, want %v", has, k.want != ran)
				}
				if t.Failed() {
					t.Logf("answer: %s", got.raw)
				}
			})
		}
	}
}

// TestHTTPSpecAccept: which media type each Accept header gets, or 406.
func TestHTTPSpecAccept(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		accept string
		media  string // "" = 406
	}{
		{"", mediaJSON},
		{"*/*", mediaJSON},
		{"application/*", mediaJSON},
		{mediaJSON, mediaJSON},
		{mediaJSON + "; charset=utf-8", mediaJSON},
		{mediaResponse, mediaResponse},
		{mediaResponse + ";charset=UTF-8", mediaResponse},
		{"APPLICATION/GRAPHQL-RESPONSE+JSON", mediaResponse},
		// Both named alike: application/graphql-response+json, in either order.
		{mediaResponse + ", " + mediaJSON, mediaResponse},
		{mediaJSON + ", " + mediaResponse, mediaResponse},
		{mediaResponse + ", " + mediaJSON + ";q=0.9", mediaResponse},
		// The quality decides first.
		{mediaJSON + ", " + mediaResponse + ";q=0.9", mediaJSON},
		{mediaResponse + ";q=0.5, " + mediaJSON + ";q=0.8", mediaJSON},
		// A type named beats one reached by a wildcard.
		{mediaJSON + ", */*", mediaJSON},
		{mediaResponse + ", */*", mediaResponse},
		{"text/html, " + mediaJSON + ";q=0.9, */*;q=0.8", mediaJSON},
		{"text/html, */*;q=0.1", mediaJSON},
		// q=0 refuses a type, even one a wildcard would allow.
		{"*/*, " + mediaJSON + ";q=0", mediaResponse},
		{"*/*, " + mediaResponse + ";q=0", mediaJSON},
		// Nothing acceptable.
		{"text/html", ""},
		{"application/xml, text/plain", ""},
		{mediaJSON + ";q=0", ""},
		{"*/*;q=0", ""},
		{mediaJSON + "; charset=iso-8859-1", ""},
		{"json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			got := e.send(mediaJSON, tt.accept, `{"query": "{ __typename }"}`)
			if tt.media == "" {
				if got.status != http.StatusNotAcceptable {
					t.Fatalf("status %d, want 406: %s", got.status, got.raw)
				}
				return
			}
			if got.status != http.StatusOK || got.contentType != tt.media+"; charset=utf-8" {
				t.Fatalf("status %d, Content-Type %q; want 200, %s: %s", got.status, got.contentType, tt.media, got.raw)
			}
			if !strings.Contains(strings.Join(got.vary, ","), "Accept") {
				t.Errorf("Vary %q, want it to name Accept", got.vary)
			}
		})
	}

	t.Run("several Accept lines", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.url, strings.NewReader(`{"query": "{ __typename }"}`))
		req.Header.Set("Content-Type", mediaJSON)
		req.Header.Add("Accept", "text/html")
		req.Header.Add("Accept", mediaResponse)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), mediaResponse) {
			t.Fatalf("status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}

// TestHTTPSpecContentType: the request must be JSON in UTF-8; anything else
// is a 415 before the body is read.
func TestHTTPSpecContentType(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		contentType string
		status      int
	}{
		{mediaJSON, http.StatusOK},
		{mediaJSON + "; charset=utf-8", http.StatusOK},
		{"Application/JSON; charset=UTF-8", http.StatusOK},
		{"", http.StatusUnsupportedMediaType},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		{"application/graphql", http.StatusUnsupportedMediaType},
		{mediaJSON + "; charset=iso-8859-1", http.StatusUnsupportedMediaType},
		{"application/", http.StatusUnsupportedMediaType}, // does not parse
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			got := e.send(tt.contentType, "", `{"query": "{ __typename }"}`)
			if got.status != tt.status {
				t.Fatalf("status %d, want %d: %s", got.status, tt.status, got.raw)
			}
		})
	}

	// A client that accepts nothing the API answers in learns that first.
	if got := e.send("text/plain", "text/html", `{}`); got.status != http.StatusNotAcceptable {
		t.Errorf("text/plain accepting text/html: status %d, want 406", got.status)
	}
	// GET stays refused, whatever it accepts.
	req, _ := http.NewRequest(http.MethodGet, e.url+"?query=%7B__typename%7D", nil)
	req.Header.Set("Accept", mediaResponse)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST, OPTIONS" {
		t.Errorf("GET: status %d, Allow %q; want 405, POST, OPTIONS", res.StatusCode, res.Header.Get("Allow"))
	}
}

// TestHTTPSpecEndedBeforeRun: a request whose deadline passed before its
// operation started never ran: errors and no data, 200 in application/json
// and 503 in application/graphql-response+json.
func TestHTTPSpecEndedBeforeRun(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.RequestTimeout = time.Nanosecond })
	for _, tt := range []struct {
		accept string
		status int
	}{{mediaJSON, http.StatusOK}, {mediaResponse, http.StatusServiceUnavailable}} {
		got := e.send(mediaJSON, tt.accept, `{"query": "{ __typename }"}`)
		_, hasData := got.body["data"]
		if got.status != tt.status || hasData || !strings.Contains(got.raw, `"code":"unavailable"`) {
			t.Errorf("accept %s: status %d: %s; want %d, unavailable and no data", tt.accept, got.status, got.raw, tt.status)
		}
	}
}
