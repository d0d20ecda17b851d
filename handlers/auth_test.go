package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/gql"
	"shopkeeper/handlers"
)

func TestLoginForm(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	r := b.get("/login", false)
	wantStatus(t, r, http.StatusOK)
	if !r.isFullPage() {
		t.Fatal("GET /login is not a full page")
	}
	form := r.doc.Find("form#login-form")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("form method = %q, want post", m)
	}
	if act, _ := form.Attr("action"); act != "/login" {
		t.Errorf("form action = %q, want /login", act)
	}
	if hx, _ := form.Attr("hx-post"); hx != "/login" {
		t.Errorf("form hx-post = %q, want /login", hx)
	}
	for _, name := range []string{"email", "password"} {
		in := form.Find(`input[name="` + name + `"]`)
		id, _ := in.Attr("id")
		if in.Length() != 1 || id == "" || r.doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %s has no visible label", name)
		}
	}
}

func TestLoginBehaviour(t *testing.T) {
	a := newApp(t)
	owner := a.browser()
	owner.signup("Ada Lovelace", "ada@example.com", "correct horse")
	owner.post("/logout", nil, false)

	cases := []struct {
		name       string
		form       url.Values
		htmx       bool
		wantStatus int
		wantAlert  string
		wantEmail  string
	}{
		{"malformed email, plain", url.Values{"email": {"ada-at-example"}, "password": {"x"}}, false, 401, "The email or password is incorrect", "ada-at-example"},
		{"malformed email, htmx", url.Values{"email": {"ada-at-example"}, "password": {"x"}}, true, 401, "The email or password is incorrect", "ada-at-example"},
		{"missing email, plain", url.Values{"email": {" "}, "password": {"x"}}, false, 422, "Enter your email address", ""},
		{"missing password, htmx", url.Values{"email": {"ada@example.com"}}, true, 422, "Enter your password", "ada@example.com"},
		{"wrong password, plain", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}, false, 401, "The email or password is incorrect", "ada@example.com"},
		{"wrong password, htmx", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}, true, 401, "The email or password is incorrect", "ada@example.com"},
		{"unknown email, htmx", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}, true, 401, "The email or password is incorrect", "nobody@example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := a.browser()
			r := b.post("/login", tc.form, tc.htmx)
			wantStatus(t, r, tc.wantStatus)
			if r.isFullPage() == tc.htmx {
				t.Errorf("full page = %v for htmx = %v", r.isFullPage(), tc.htmx)
			}
			if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary = %q, want HX-Request", r.Header.Get("Vary"))
			}
			alert := r.text(`[role="alert"]`)
			if !strings.Contains(alert, tc.wantAlert) {
				t.Errorf("alert = %q, want it to contain %q", alert, tc.wantAlert)
			}
			if v, _ := r.doc.Find(`input[name="email"]`).Attr("value"); v != tc.wantEmail {
				t.Errorf("email kept as %q, want %q", v, tc.wantEmail)
			}
			if pw, ok := r.doc.Find(`input[name="password"]`).Attr("value"); ok && pw != "" {
				t.Errorf("password echoed back: %q", pw)
			}
			if pw := tc.form.Get("password"); len(pw) >= 8 && strings.Contains(r.body, pw) {
				t.Error("the typed password appears in the answer")
			}
			if b.get("/", false).doc.Find(`[data-testid="nav-user"]`).Length() != 0 {
				t.Error("a failed login left the browser logged in")
			}
		})
	}
}

func TestWrongPasswordAndUnknownEmailLookTheSame(t *testing.T) {
	a := newApp(t)
	for _, htmx := range []bool{false, true} {
		email := map[bool]string{false: "plain@example.com", true: "htmx@example.com"}[htmx]
		attempt := url.Values{"email": {email}, "password": {"not it at all"}}
		unknown := a.browser().post("/login", attempt, htmx)
		a.browser().signup("Someone", email, "correct horse")
		wrong := a.browser().post("/login", attempt, htmx)
		if unknown.StatusCode != wrong.StatusCode || unknown.body != wrong.body {
			t.Fatalf("htmx=%v: unknown email and wrong password differ:\n%d %s\n---\n%d %s",
				htmx, unknown.StatusCode, unknown.body, wrong.StatusCode, wrong.body)
		}
	}
}

func TestLoginSuccess(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "htmx"}[htmx]
		t.Run(name, func(t *testing.T) {
			a := newApp(t)
			a.browser().signup("Ada Lovelace", "ada@example.com", "correct horse")
			b := a.browser()
			before := time.Now()
			r := b.post("/login", url.Values{"email": {" ADA@example.com "}, "password": {"correct horse"}}, htmx)
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if got := r.Header.Get("HX-Redirect"); got != "/" {
					t.Errorf("HX-Redirect = %q, want /", got)
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != "/" {
					t.Errorf("Location = %q, want /", got)
				}
			}
			c := setCookie(r)
			if c == nil {
				t.Fatal("no fauna-session cookie set")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
				t.Errorf("cookie attributes: HttpOnly=%v SameSite=%v Path=%q Secure=%v", c.HttpOnly, c.SameSite, c.Path, c.Secure)
			}
			if c.MaxAge < 29*60 || c.MaxAge > 30*60 {
				t.Errorf("cookie Max-Age = %d, want the token's 30 minutes", c.MaxAge)
			}
			if exp := c.Expires.Sub(before); exp < 29*time.Minute || exp > 31*time.Minute {
				t.Errorf("cookie Expires in %v, want about 30m", exp)
			}
			for _, secretish := range []string{"ada@example.com", "secret", "ownerId"} {
				if strings.Contains(c.Value, secretish) {
					t.Errorf("cookie value is readable: contains %q", secretish)
				}
			}

			home := b.get("/", false)
			wantStatus(t, home, http.StatusOK)
			if got := home.text(`[data-testid="flash"]`); got != "Welcome back, Ada Lovelace." {
				t.Errorf("flash = %q, want the welcome", got)
			}
			if got := home.text(`[data-testid="nav-user"]`); !strings.Contains(got, "Ada Lovelace") {
				t.Errorf("nav user = %q", got)
			}
			if home.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q on a logged-in page", home.Header.Get("Cache-Control"))
			}
			again := b.get("/", false)
			if again.doc.Find(`[data-testid="flash"]`).Length() != 0 {
				t.Error("the welcome flash showed twice")
			}
		})
	}
}

func TestLoginNext(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Ada", "ada@example.com", "correct horse")
	cases := map[string]string{
		"/stores/new":            "/stores/new",
		"/stores/abc/edit?x=1":   "/stores/abc/edit?x=1",
		"https://evil.example/":  "/",
		"//evil.example/":        "/",
		`/\evil.example/`:        "/",
		"javascript:alert(1)":    "/",
		"/%0d%0aSet-Cookie:%20x": "/%0d%0aSet-Cookie:%20x",
	}
	for next, want := range cases {
		t.Run(next, func(t *testing.T) {
			b := a.browser()
			page := b.get("/login?next="+url.QueryEscape(next), false)
			wantStatus(t, page, http.StatusOK)
			r := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "next": {next}}, false)
			wantStatus(t, r, http.StatusSeeOther)
			if got := r.Header.Get("Location"); got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
		})
	}
}

func TestLoggedInVisitToLoginOrSignupGoesHome(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	for _, path := range []string{"/login", "/signup"} {
		r := b.get(path, false)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Header.Get("Location") != "/" {
			t.Errorf("%s: Location = %q", path, r.Header.Get("Location"))
		}
	}
}

func TestSignup(t *testing.T) {
	a := newApp(t)
	a.browser().signup("Taken", "taken@example.com", "correct horse")
	cases := []struct {
		name       string
		form       url.Values
		htmx       bool
		wantStatus int
		wantField  string
		wantMsg    string
	}{
		{"empty name", url.Values{"name": {" "}, "email": {"a@example.com"}, "password": {"long enough"}}, true, 422, "name", "Enter your name"},
		{"long name", url.Values{"name": {strings.Repeat("n", 201)}, "email": {"a@example.com"}, "password": {"long enough"}}, false, 422, "name", "at most 200"},
		{"bad email", url.Values{"name": {"A"}, "email": {"a@"}, "password": {"long enough"}}, true, 422, "email", "Enter an email address"},
		{"short password", url.Values{"name": {"A"}, "email": {"a@example.com"}, "password": {"short"}}, false, 422, "password", "at least 8"},
		{"long password", url.Values{"name": {"A"}, "email": {"a@example.com"}, "password": {strings.Repeat("p", 1025)}}, true, 422, "password", "at most 1024"},
		{"taken email", url.Values{"name": {"A"}, "email": {"TAKEN@example.com"}, "password": {"long enough"}}, true, 422, "email", "already exists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.browser().post("/signup", tc.form, tc.htmx)
			wantStatus(t, r, tc.wantStatus)
			if r.isFullPage() == tc.htmx {
				t.Errorf("full page = %v for htmx = %v", r.isFullPage(), tc.htmx)
			}
			if got := r.text("#" + tc.wantField + "-error"); !strings.Contains(got, tc.wantMsg) {
				t.Errorf("%s error = %q, want %q", tc.wantField, got, tc.wantMsg)
			}
			if !strings.Contains(r.text(`[role="alert"]`), tc.wantMsg) {
				t.Errorf("error summary %q lacks %q", r.text(`[role="alert"]`), tc.wantMsg)
			}
			if v, _ := r.doc.Find(`input[name="email"]`).Attr("value"); v != strings.TrimSpace(tc.form.Get("email")) {
				t.Errorf("email kept as %q", v)
			}
			if v, _ := r.doc.Find(`input[name="password"]`).Attr("value"); v != "" {
				t.Errorf("password echoed: %q", v)
			}
		})
	}

	t.Run("success logs in", func(t *testing.T) {
		b := a.browser()
		r := b.post("/signup", url.Values{"name": {"Grace Hopper"}, "email": {"grace@example.com"}, "password": {"long enough"}}, true)
		wantStatus(t, r, http.StatusOK)
		if r.Header.Get("HX-Redirect") != "/" {
			t.Fatalf("HX-Redirect = %q", r.Header.Get("HX-Redirect"))
		}
		home := b.get("/", false)
		if got := home.text(`[data-testid="nav-user"]`); !strings.Contains(got, "Grace Hopper") {
			t.Errorf("after signup nav user = %q", got)
		}
		if got := home.text(`[data-testid="empty-state"]`); got == "" {
			t.Error("a new owner's dashboard has no empty state")
		}
	})
}

func TestHomeLoggedOut(t *testing.T) {
	a := newApp(t)
	r := a.browser().get("/", false)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "You are not logged in") {
		t.Error("logged-out home lacks its prompt")
	}
	for _, href := range []string{"/login", "/signup"} {
		if r.doc.Find(`main a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("logged-out home has no link to %s", href)
		}
	}
}

func TestProtectedPageNeedsLogin(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	plain := b.get("/stores/new", false)
	wantStatus(t, plain, http.StatusSeeOther)
	if got := plain.Header.Get("Location"); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("Location = %q", got)
	}
	htmx := b.get("/stores/new", true)
	wantStatus(t, htmx, http.StatusOK)
	if got := htmx.Header.Get("HX-Redirect"); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("HX-Redirect = %q", got)
	}
}

func TestLogoutRevokesTheToken(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			b := a.browser()
			b.signup("Ada", "ada@example.com", "correct horse")
			stolen := b.cookie("fauna-session")
			r := b.post("/logout", nil, htmx)
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if r.Header.Get("HX-Redirect") != "/" {
					t.Errorf("HX-Redirect = %q", r.Header.Get("HX-Redirect"))
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
			}
			if c := setCookie(r); c == nil || c.MaxAge >= 0 {
				t.Errorf("logout did not expire the cookie: %+v", c)
			}
			// The device cookie outlives logout: no Clear-Site-Data "cookies".
			if got := r.Header.Get("Clear-Site-Data"); strings.Contains(got, "cookies") {
				t.Errorf("Clear-Site-Data = %q", got)
			}
			if b.get("/", false).doc.Find(`[data-testid="nav-user"]`).Length() != 0 {
				t.Error("still logged in after logout")
			}
			// A copy of the cookie made before logout is dead: the token was revoked.
			thief := a.browser()
			u := mustURL(a.url)
			thief.jar.SetCookies(u, []*http.Cookie{{Name: stolen.Name, Value: stolen.Value, Path: "/"}})
			home := thief.get("/", false)
			wantStatus(t, home, http.StatusSeeOther)
			if !strings.HasPrefix(home.Header.Get("Location"), "/login") {
				t.Errorf("stolen cookie: Location = %q, want the login page", home.Header.Get("Location"))
			}
		})
	}
}

func TestGetLogoutIsNotAllowed(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	r := b.get("/logout", false)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if b.get("/", false).doc.Find(`[data-testid="nav-user"]`).Length() == 0 {
		t.Error("GET /logout logged the user out")
	}
}

func TestExpiredSessionIsLoggedOut(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	// The browser still sends the cookie, but the server checks ttl itself.
	a.clock.Set(time.Now().Add(31 * time.Minute))
	r := b.get("/stores/new", false)
	wantStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != "/login?next=%2Fstores%2Fnew" {
		t.Errorf("Location = %q", got)
	}
	if c := setCookie(r); c == nil || c.Value == "" {
		t.Error("an expired session should be replaced by a cookie holding only the notice")
	}
	login := b.get("/login?next=%2Fstores%2Fnew", false)
	if got := login.text(`[data-testid="flash"]`); !strings.Contains(got, "session has ended") {
		t.Errorf("login page flash = %q, want the session-ended notice", got)
	}
}

func TestInvalidTokenClearsTheSession(t *testing.T) {
	a := newApp(t)
	plainUser, htmxUser := a.browser(), a.browser()
	plainUser.signup("Ada", "ada@example.com", "correct horse")
	htmxUser.signup("Bea", "bea@example.com", "correct horse")
	// The API no longer accepts the tokens (here: they expired at the API first).
	a.apiNow.Set(time.Now().Add(time.Hour))
	for _, htmx := range []bool{false, true} {
		b := map[bool]*browser{false: plainUser, true: htmxUser}[htmx]
		r := b.get("/", htmx)
		if htmx {
			wantStatus(t, r, http.StatusOK)
			if got := r.Header.Get("HX-Redirect"); !strings.HasPrefix(got, "/login") {
				t.Errorf("HX-Redirect = %q", got)
			}
			continue
		}
		wantStatus(t, r, http.StatusSeeOther)
		if got := r.Header.Get("Location"); got != "/login" {
			t.Errorf("Location = %q", got)
		}
		login := b.get("/login", false)
		if got := login.text(`[data-testid="flash"]`); !strings.Contains(got, "session has ended") {
			t.Errorf("flash = %q", got)
		}
	}
}

func TestAPIUnavailable(t *testing.T) {
	down := gql.NewRemote("http://127.0.0.1:1/graphql") // nothing listens on port 1
	a := newApp(t, func(o *handlers.Options) { o.API = down })
	for _, htmx := range []bool{false, true} {
		r := a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, htmx)
		wantStatus(t, r, http.StatusServiceUnavailable)
		if got := r.text(`[role="alert"]`); !strings.Contains(got, "Service unavailable, please try again") {
			t.Errorf("htmx=%v: alert = %q", htmx, got)
		}
		if r.isFullPage() == htmx {
			t.Errorf("htmx=%v: full page = %v", htmx, r.isFullPage())
		}
		if strings.Contains(r.body, "127.0.0.1") || strings.Contains(r.body, "connection refused") {
			t.Error("the raw error leaked into the page")
		}
	}
	r := a.browser().post("/signup", url.Values{"name": {"A"}, "email": {"a@example.com"}, "password": {"long enough"}}, true)
	wantStatus(t, r, http.StatusServiceUnavailable)
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	wantStatus(t, b.get("/healthz", false), http.StatusOK)
	r := b.get("/readyz", false)
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the answer")
	}
	if !strings.Contains(a.logs.String(), `"route":"/readyz"`) {
		t.Error("the request was not logged with its route")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
