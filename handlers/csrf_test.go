package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// loggedIn reports whether the browser's session shows a logged-in page.
func (b *browser) loggedIn() bool {
	return b.get("/", false).doc.Find(`[data-testid="nav-user"]`).Length() > 0
}

// auditEvents are the audit log lines written so far.
func (a *app) auditEvents() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(a.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "audit" {
			out = append(out, m)
		}
	}
	return out
}

// errorText is the message of an error page or fragment.
func (r *response) errorText() string {
	return r.text(`[data-testid="error-message"], [data-testid="error-fragment"]`)
}

// crossSite are the headers a browser sends with a form another site posts.
var crossSite = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}

func TestCrossOriginWritesAreRefused(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Original")
	stranger := a.browser()

	cases := []struct {
		name         string
		b            *browser
		method, path string
		form         url.Values
		htmx         bool
		header       map[string]string
	}{
		{"login form from another site", stranger, http.MethodPost, "/login",
			url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, false, crossSite},
		{"signup with htmx from another site", stranger, http.MethodPost, "/signup",
			url.Values{"name": {"Eve"}, "email": {"eve@example.com"}, "password": {"long enough"}}, true, crossSite},
		{"create store, only Origin (older browser)", b, http.MethodPost, "/stores",
			storeForm("Planted"), false, map[string]string{"Origin": "https://evil.example"}},
		{"edit store with htmx PUT", b, http.MethodPut, "/stores/" + id, storeForm("Changed"), true, crossSite},
		{"edit store, plain form", b, http.MethodPost, "/stores/" + id, storeForm("Changed"), false, crossSite},
		{"delete store from a sibling subdomain", b, http.MethodDelete, "/stores/" + id, nil, true,
			map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.shop.example"}},
		{"delete store, plain form", b, http.MethodPost, "/stores/" + id + "/delete", nil, false, crossSite},
		{"logout from another site", b, http.MethodPost, "/logout", nil, false, crossSite},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.b.sendRaw(tc.method, tc.path, tc.form.Encode(), tc.htmx, tc.header)
			wantStatus(t, r, http.StatusForbidden)
			if r.isFullPage() == tc.htmx {
				t.Errorf("full page = %v for htmx = %v", r.isFullPage(), tc.htmx)
			}
			if got := r.errorText(); !strings.Contains(got, "sent from another site") {
				t.Errorf("error message = %q", got)
			}
			if setCookie(r) != nil {
				t.Error("a refused request set the session cookie")
			}
		})
	}

	// Nothing changed: the store is there as it was, the owner still logged
	// in, the stranger not, and no account for Eve.
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Original" {
		t.Errorf("store is now %q", got)
	}
	if n := b.get("/", false).doc.Find(`[data-testid="store-row"]`).Length(); n != 1 {
		t.Errorf("%d stores, want 1", n)
	}
	if !b.loggedIn() {
		t.Error("a cross-site logout logged the owner out")
	}
	if stranger.loggedIn() {
		t.Error("a cross-site login logged the stranger in")
	}
	r := a.browser().post("/login", url.Values{"email": {"eve@example.com"}, "password": {"long enough"}}, false)
	wantStatus(t, r, http.StatusUnauthorized)

	n := 0
	for _, e := range a.auditEvents() {
		if e["event"] == "csrf.rejected" {
			n++
		}
	}
	if n != len(cases) {
		t.Errorf("%d csrf.rejected audit lines, want %d", n, len(cases))
	}
}

func TestSameOriginAndNonBrowserWritesPass(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	sameOrigin := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": a.url}
	r := b.sendRaw(http.MethodPost, "/stores", storeForm("Mine").Encode(), false, sameOrigin)
	wantStatus(t, r, http.StatusSeeOther)
	// An older browser sends Origin only; it matches the host.
	r = b.sendRaw(http.MethodPost, "/stores", storeForm("Also mine").Encode(), true, map[string]string{"Origin": a.url})
	wantStatus(t, r, http.StatusOK)
	// A link followed from another site is a GET, and works.
	r = b.sendRaw(http.MethodGet, "/", "", false, crossSite)
	wantStatus(t, r, http.StatusOK)
	if n := r.doc.Find(`[data-testid="store-row"]`).Length(); n != 2 {
		t.Errorf("%d stores, want 2", n)
	}
}

// /graphql takes a bearer token, never the cookie, and browsers call it from
// other origins on purpose (SHOP_CORS_ORIGINS), so cross-origin protection
// does not stand in front of it: SECURITY.md explains why.
func TestGraphQLIsNotBehindCrossOriginProtection(t *testing.T) {
	a := newApp(t)
	query := `{"query":"mutation { registerOwner(email: \"ada@example.com\", password: \"correct horse\", name: \"Ada\") { name } }"}`
	for name, header := range map[string]map[string]string{
		"curl":              nil,
		"browser elsewhere": {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost:3000"},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", strings.NewReader(query))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range header {
				req.Header.Set(k, v)
			}
			r := a.browser().do(req)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(r.body, `"name":"Ada"`) && !strings.Contains(r.body, "instance not unique") {
				t.Errorf("body = %s", r.body)
			}
		})
	}
}

// TestRefusalPageShowsNobody: the 403 page asks the API nothing, so its nav
// shows nobody logged in (a cookie alone may outlive its logout), and the
// refused request changes nothing in the session: no cookie is written, not
// even to end an expired login.
func TestRefusalPageShowsNobody(t *testing.T) {
	a := newApp(t)
	ada := a.browser()
	ada.signup("Ada Lovelace", "ada@example.com", "correct horse")
	refused := func(b *browser) *response {
		t.Helper()
		r := b.sendRaw(http.MethodPost, "/stores", storeForm("Planted").Encode(), false, crossSite)
		wantStatus(t, r, http.StatusForbidden)
		if c := setCookie(r); c != nil {
			t.Errorf("a refused request set the session cookie: %+v", c)
		}
		return r
	}

	r := refused(ada)
	if r.doc.Find(`[data-testid="nav-user"]`).Length() != 0 || r.doc.Find(`[data-testid="nav-login"]`).Length() != 1 {
		t.Error("the refusal page shows the cookie's owner as logged in without asking the API")
	}
	if got := ada.get("/", false).text(`[data-testid="flash"]`); got != "Welcome to Shopkeeper, Ada Lovelace." {
		t.Errorf("flash after the refusal = %q, want the welcome still waiting", got)
	}

	if r := refused(a.browser()); r.doc.Find(`[data-testid="nav-login"]`).Length() != 1 {
		t.Error("a visitor's refusal page has no Login link")
	}

	a.clock.Set(time.Now().Add(31 * time.Minute))
	if r := refused(ada); r.doc.Find(`[data-testid="nav-user"]`).Length() != 0 {
		t.Error("the refusal page shows an expired login as logged in")
	}
}
