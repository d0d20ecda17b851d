package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shopkeeper/gql"
	"shopkeeper/handlers"
	"shopkeeper/rules"
)

func TestBadFormInput(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Original")
	big := "name=" + strings.Repeat("n", 257<<10) + "&email=s%40example.com"
	cases := []struct {
		name         string
		method, path string
		body         string
		want         int
		wantMsg      string
	}{
		{"too large store form", http.MethodPost, "/stores", big, 413, "larger than this site accepts"},
		{"too large edit", http.MethodPut, "/stores/" + id, big, 413, "larger than this site accepts"},
		{"too large login", http.MethodPost, "/login", "email=a%40example.com&password=" + strings.Repeat("p", 260<<10), 413, "larger than this site accepts"},
		{"invalid UTF-8", http.MethodPost, "/stores", "name=%ff%fe&email=s%40example.com", 400, "could not be read"},
		{"NUL byte", http.MethodPost, "/stores/" + id, "name=a%00b&email=s%40example.com", 400, "could not be read"},
		{"NUL in a login", http.MethodPost, "/login", "email=a%40example.com%00&password=correct+horse", 400, "could not be read"},
		{"malformed encoding", http.MethodPost, "/signup", "name=%zz&email=x", 400, "could not be read"},
		{"long login email", http.MethodPost, "/login", "email=" + strings.Repeat("e", 250) + "%40example.com&password=x", 401, "The email or password is incorrect"},
		{"long sign-up email", http.MethodPost, "/signup", "name=Ada&email=" + strings.Repeat("e", 250) + "%40example.com&password=long+enough", 422, "at most 254"},
	}
	for _, tc := range cases {
		for _, htmx := range []bool{false, true} {
			if tc.method == http.MethodPut && !htmx {
				continue
			}
			t.Run(tc.name+map[bool]string{false: "", true: " htmx"}[htmx], func(t *testing.T) {
				r := b.sendRaw(tc.method, tc.path, tc.body, htmx, nil)
				wantStatus(t, r, tc.want)
				if r.isFullPage() == htmx {
					t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
				}
				if got := r.errorText() + r.text(`[role="alert"]`); !strings.Contains(got, tc.wantMsg) {
					t.Errorf("message = %q, want %q", got, tc.wantMsg)
				}
				wantSecurityHeaders(t, r)
			})
		}
	}
	// Nothing was stored or changed, and the session survived.
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Original" {
		t.Errorf("store is now %q", got)
	}
	if n := b.get("/", false).doc.Find(`[data-testid="store-row"]`).Length(); n != 1 {
		t.Errorf("%d stores, want 1", n)
	}
}

// panickingAPI is the real API except that logging in panics with a message
// that must never reach the user.
type panickingAPI struct{ handlers.API }

func (panickingAPI) Login(context.Context, string, string) (gql.Session, error) {
	panic("internal detail: connection string postgres://admin:hunter2@db")
}

func TestPanicIsAPlainLogged500(t *testing.T) {
	a := newApp(t, func(o *handlers.Options) { o.API = panickingAPI{o.API} })
	for _, htmx := range []bool{false, true} {
		r := a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, htmx)
		wantStatus(t, r, http.StatusInternalServerError)
		wantSecurityHeaders(t, r)
		if !strings.Contains(r.errorText(), "Something went wrong on our side") {
			t.Errorf("htmx=%v: message = %q", htmx, r.errorText())
		}
		for _, leak := range []string{"hunter2", "internal detail", "goroutine", ".go:"} {
			if strings.Contains(r.body, leak) {
				t.Errorf("htmx=%v: the answer reveals %q", htmx, leak)
			}
		}
		id := r.Header.Get("X-Request-Id")
		found := false
		for _, line := range strings.Split(a.logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "panic" && m["request_id"] == id {
				found = strings.Contains(line, "hunter2") && strings.Contains(line, "goroutine")
			}
		}
		if !found {
			t.Errorf("htmx=%v: no panic log line with the value, stack and request id %q", htmx, id)
		}
	}
}

// abortingAPI aborts the answer while logging in, as a handler proxying
// another server does when that server fails half-way.
type abortingAPI struct{ handlers.API }

func (abortingAPI) Login(context.Context, string, string) (gql.Session, error) {
	panic(http.ErrAbortHandler)
}

// TestAbortHandlerAbortsTheAnswer: a panic with http.ErrAbortHandler
// reaches net/http, which drops the connection: no answer that looks whole,
// and no panic logged.
func TestAbortHandlerAbortsTheAnswer(t *testing.T) {
	a := newApp(t, func(o *handlers.Options) { o.API = abortingAPI{o.API} })
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}
	res, err := http.Post(a.url+"/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err == nil {
		res.Body.Close()
		t.Fatalf("got a %d answer, want the connection dropped", res.StatusCode)
	}
	if strings.Contains(a.logs.String(), `"msg":"panic"`) {
		t.Errorf("an abort was logged as a panic:\n%s", a.logs.String())
	}
}

// TestLargestStoreFormFits: a store form with every field at its limit, in
// four-byte characters, is within the body limit: it is saved, not refused.
func TestLargestStoreFormFits(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	item := strings.Repeat("😀", rules.MaxListItem)
	list := strings.TrimSuffix(strings.Repeat(item+",", rules.MaxListItems), ",")
	email := strings.Repeat("e", rules.MaxEmail-len("@example.com")) + "@example.com"
	form := url.Values{"name": {strings.Repeat("😀", rules.MaxName)}, "email": {email}, "paymentMethods": {list}, "categories": {list}}
	if n := len(form.Encode()); n < 200<<10 {
		t.Fatalf("the form is only %d bytes; the test means the largest one", n)
	}
	wantStatus(t, b.post("/stores", form, false), http.StatusSeeOther)
}
