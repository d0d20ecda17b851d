package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestHTTPRequestErrors(t *testing.T) {
	e := newEnv(t)
	big := `{"query":"query { countStores }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
		inBody      string
	}{
		{"malformed JSON", http.MethodPost, "application/json", `{"query": "query { countStores }", "password": "hunter22"`, http.StatusBadRequest, "json request body could not be decoded"},
		{"missing query", http.MethodPost, "application/json", `{"variables": {}}`, http.StatusBadRequest, "no query"},
		// Well-formed requests that never ran: 200 in application/json, the
		// media type of a request with no Accept (httpspec_test.go has the rest).
		{"syntax error", http.MethodPost, "application/json", `{"query": "query { countStores"}`, http.StatusOK, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", http.MethodPost, "application/json", `{"query": "query { nope }"}`, http.StatusOK, "nope"},
		{"oversized body", http.MethodPost, "application/json", big, http.StatusRequestEntityTooLarge, ""},
		{"invalid UTF-8", http.MethodPost, "application/json", "{\"query\": \"query { countStores }\", \"x\": \"\xff\xfe\"}", http.StatusBadRequest, ""},
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed, ""},
		{"PUT", http.MethodPut, "application/json", `{"query": "query { countStores }"}`, http.StatusMethodNotAllowed, ""},
		{"DELETE", http.MethodDelete, "", "", http.StatusMethodNotAllowed, ""},
		{"form post", http.MethodPost, "application/x-www-form-urlencoded", "query=query+%7B+countStores+%7D", http.StatusUnsupportedMediaType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.raw(tt.method, nil, tt.contentType, []byte(tt.body))
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", status, tt.status, body)
			}
			if !bytes.Contains(body, []byte(tt.inBody)) {
				t.Fatalf("body %.300s, want it to contain %q", body, tt.inBody)
			}
			if bytes.Contains(body, []byte("hunter22")) {
				t.Fatalf("body echoes the request: %s", body)
			}
		})
	}

	t.Run("chunked oversized body", func(t *testing.T) {
		// No Content-Length: the limit must hold while reading.
		req, _ := http.NewRequest(http.MethodPost, e.url, struct{ *strings.Reader }{strings.NewReader(big)})
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
			t.Fatalf("status %d (content length %d), want 413", res.StatusCode, req.ContentLength)
		}
	})

	t.Run("other path", func(t *testing.T) {
		res, err := http.Post(strings.TrimSuffix(e.url, "/graphql")+"/other", "application/json", strings.NewReader(`{"query":"{countStores}"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d, want 404", res.StatusCode)
		}
	})

	t.Run("GET answers Allow", func(t *testing.T) {
		res, err := http.Get(e.url + "?query={countStores}")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST, OPTIONS" {
			t.Fatalf("status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
		}
	})
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, e.url, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	res := preflight("https://allowed.example")
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://allowed.example",
		"Access-Control-Allow-Methods":     "POST",
		"Access-Control-Allow-Headers":     "Authorization, Content-Type",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Allow-Credentials": "",
	}
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("allowed preflight: status %d", res.StatusCode)
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("allowed preflight: %s = %q, want %q", k, got, v)
		}
	}

	for _, origin := range []string{"https://evil.example", "https://allowed.example.evil", "null", "http://allowed.example"} {
		res := preflight(origin)
		for k := range want {
			if got := res.Header.Get(k); got != "" {
				t.Errorf("origin %s: %s = %q, want none", origin, k, got)
			}
		}
	}

	// The actual request from an allowed origin carries Allow-Origin too.
	req, _ := http.NewRequest(http.MethodPost, e.url, strings.NewReader(`{"query":"{ countStores }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://allowed.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "https://allowed.example" || !strings.Contains(res.Header.Get("Vary"), "Origin") {
		t.Fatalf("POST from allowed origin: headers %v", res.Header)
	}
}

func TestQueryLimits(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	// _size: 1 keeps the deep query cheap, so the depth limit is what stops it.
	deep := `query { findOwnerByID(id: "` + ann.ID + `") { stores(_size: 1) { data { owner { stores(_size: 1) { data { owner { stores(_size: 1) { data { owner { stores(_size: 1) { data { _id } } } } } } } } } } } } }`
	costly := `query { findOwnerByID(id: "` + ann.ID + `") { stores(_size: 100) { data { owner { stores(_size: 100) { data { _id } } } } } } }`
	// A page over 100 is refused as such, before it is priced.
	tooLong := `query { findOwnerByID(id: "` + ann.ID + `") { stores(_size: 101) { data { _id } } } }`
	tests := []struct {
		name   string
		query  string
		status int // an operation over a size or cost limit never runs: 200 in application/json, an error and no data
		code   string
		msg    string
	}{
		{"depth", deep, http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED", "nested more than 12 levels"},
		{"complexity", costly, http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED", "complexity"},
		{"page size", tooLong, http.StatusOK, "validation failed", "1 to 100 stores"},
		{"page size, huge", strings.Replace(costly, "100", "2147483647", 2), http.StatusOK, "validation failed", "1 to 100 stores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"query": tt.query})
			h := "Bearer " + ann.Secret
			status, raw := e.raw(http.MethodPost, &h, "application/json", body)
			var r response
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			r.raw = raw
			if status != tt.status || r.code(t) != tt.code || !contains(r.Errors[0].Message, tt.msg) || r.Data != nil {
				t.Fatalf("status %d: %s; want %d, code %s, a message saying %q and no data", status, raw, tt.status, tt.code, tt.msg)
			}
		})
	}
	// The workshop's own queries are well within the limits.
	r := e.as(ann.Secret, `query { findOwnerByEmail(email: "ann@example.com") { _id name email stores { data { _id name email paymentMethods categories owner { _id } } } } }`, nil)
	r.noErrors(t)
}

func TestIntrospection(t *testing.T) {
	e := newEnv(t)
	r := e.as("", `{ __type(name: "StoreInput") { inputFields { name } } }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"__type":{"inputFields":[{"name":"name"},{"name":"email"},{"name":"paymentMethods"},{"name":"categories"},{"name":"owner"}]}}`)

	// The shape of the standard introspection query, which tools send, nests
	// deeper than the depth limit allows data queries to.
	r = e.as("", `query IntrospectionQuery { __schema { types { ...FullType } } }
		fragment FullType on __Type { name fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } } }
		fragment InputValue on __InputValue { name type { ...TypeRef } }
		fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
			kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`, nil)
	r.noErrors(t)
	if !contains(string(r.Data), `"name":"findOwnerByEmail"`) {
		t.Fatalf("introspection lacks the schema: %.300s", r.Data)
	}
}
