package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/handlers"
	"shopkeeper/metrics"
)

// storeForm is a valid store form.
func storeForm(name string) url.Values {
	return url.Values{
		"name":           {name},
		"email":          {"shop@example.com"},
		"paymentMethods": {"card, cash"},
		"categories":     {"food, drinks"},
	}
}

// createStore creates a store through the plain form and returns its id.
func (b *browser) createStore(name string) string {
	b.app.t.Helper()
	r := b.post("/stores", storeForm(name), false)
	wantStatus(b.app.t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/stores/") {
		b.app.t.Fatalf("create: Location = %q", loc)
	}
	return strings.TrimPrefix(loc, "/stores/")
}

func TestStoreLifecycle(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada Lovelace", "ada@example.com", "correct horse")

	newPage := b.get("/stores/new", false)
	wantStatus(t, newPage, http.StatusOK)
	form := newPage.doc.Find("form#store-form")
	if act, _ := form.Attr("action"); act != "/stores" {
		t.Errorf("new form action = %q", act)
	}
	if hx, _ := form.Attr("hx-post"); hx != "/stores" {
		t.Errorf("new form hx-post = %q", hx)
	}

	// Create through htmx.
	r := b.post("/stores", url.Values{
		"name": {"Corner Shop"}, "email": {"corner@example.com"},
		"paymentMethods": {" card, cash,, Card "}, "categories": {"food"},
	}, true)
	wantStatus(t, r, http.StatusOK)
	loc := r.Header.Get("HX-Redirect")
	if !strings.HasPrefix(loc, "/stores/") {
		t.Fatalf("HX-Redirect = %q", loc)
	}
	id := strings.TrimPrefix(loc, "/stores/")

	// View.
	view := b.get(loc, false)
	wantStatus(t, view, http.StatusOK)
	if got := view.text(`[data-testid="store-name"]`); got != "Corner Shop" {
		t.Errorf("store name = %q", got)
	}
	for _, want := range []string{"corner@example.com", "card", "cash", "food", "Ada Lovelace"} {
		if !strings.Contains(view.text("main"), want) {
			t.Errorf("store page lacks %q", want)
		}
	}
	if strings.Count(strings.ToLower(view.text("main")), "card") != 1 {
		t.Error("duplicate payment method (card / Card) was kept")
	}
	if view.doc.Find(`a[href="/stores/`+id+`/edit"]`).Length() == 0 {
		t.Error("store page has no Edit link")
	}
	if view.doc.Find(`form[action="/stores/`+id+`/delete"]`).Length() == 0 {
		t.Error("store page has no Delete form")
	}

	// Dashboard lists it.
	home := b.get("/", false)
	if got := home.text(`[data-testid="store-list"]`); !strings.Contains(got, "Corner Shop") {
		t.Errorf("dashboard list = %q", got)
	}

	// Edit: prefilled, then updated through htmx PUT.
	edit := b.get("/stores/"+id+"/edit", false)
	wantStatus(t, edit, http.StatusOK)
	if v, _ := edit.doc.Find(`input[name="paymentMethods"]`).Attr("value"); v != "card, cash" {
		t.Errorf("edit form paymentMethods = %q", v)
	}
	if hx, _ := edit.doc.Find("form#store-form").Attr("hx-put"); hx != "/stores/"+id {
		t.Errorf("edit form hx-put = %q", hx)
	}
	upd := b.send(http.MethodPut, "/stores/"+id, url.Values{
		"name": {"Corner Shop & Café"}, "email": {"corner@example.com"}, "categories": {"food, coffee"},
	}, true)
	wantStatus(t, upd, http.StatusOK)
	if upd.Header.Get("HX-Redirect") != "/stores/"+id {
		t.Errorf("update HX-Redirect = %q", upd.Header.Get("HX-Redirect"))
	}
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Corner Shop & Café" {
		t.Errorf("after update name = %q", got)
	}

	// Plain update too.
	plain := b.post("/stores/"+id, storeForm("Plain Shop"), false)
	wantStatus(t, plain, http.StatusSeeOther)
	if plain.Header.Get("Location") != "/stores/"+id {
		t.Errorf("plain update Location = %q", plain.Header.Get("Location"))
	}

	// Delete from the store page with htmx: redirect home.
	del := b.send(http.MethodDelete, "/stores/"+id, nil, true)
	wantStatus(t, del, http.StatusOK)
	if del.Header.Get("HX-Redirect") != "/" {
		t.Errorf("delete HX-Redirect = %q", del.Header.Get("HX-Redirect"))
	}
	wantStatus(t, b.get("/stores/"+id, false), http.StatusNotFound)
	after := b.get("/", false)
	if strings.Contains(after.text(`main`), "Plain Shop") {
		t.Error("deleted store still on the dashboard")
	}
	if after.text(`[data-testid="flash"]`) != "Store deleted." {
		t.Errorf("flash = %q", after.text(`[data-testid="flash"]`))
	}
}

func TestDeleteStore(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")

	t.Run("plain form", func(t *testing.T) {
		id := b.createStore("Plain")
		r := b.post("/stores/"+id+"/delete", nil, false)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Header.Get("Location") != "/" {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		wantStatus(t, b.get("/stores/"+id, false), http.StatusNotFound)
	})
	t.Run("dashboard row with htmx", func(t *testing.T) {
		id := b.createStore("Row")
		home := b.get("/", false)
		row := home.doc.Find("#store-" + id)
		del, ok := row.Find("[hx-delete]").Attr("hx-delete")
		if !ok {
			t.Fatalf("dashboard row has no hx-delete control:\n%s", home.body)
		}
		r := b.send(http.MethodDelete, del, nil, true)
		wantStatus(t, r, http.StatusOK)
		// The body is out-of-band swaps only; dashboard_test.go checks them.
		if r.Header.Get("HX-Redirect") != "" || r.isFullPage() {
			t.Errorf("row delete should answer a 200 fragment, got HX-Redirect %q body %q", r.Header.Get("HX-Redirect"), r.body)
		}
		wantStatus(t, b.get("/stores/"+id, false), http.StatusNotFound)
	})
}

func TestStoreValidation(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Original")
	long := strings.Repeat("x", 201)
	var manyItems []string
	for i := range 51 {
		manyItems = append(manyItems, strings.Repeat("i", i+1))
	}
	cases := []struct {
		name, field, msg string
		form             url.Values
	}{
		{"no name", "name", "Enter the store's name", url.Values{"name": {""}, "email": {"s@example.com"}}},
		{"long name", "name", "at most 200", url.Values{"name": {strings.Repeat("n", 201)}, "email": {"s@example.com"}}},
		{"bad email", "email", "Enter an email address", url.Values{"name": {"S"}, "email": {"nope"}}},
		{"long category", "categories", "at most 200", url.Values{"name": {"S"}, "email": {"s@example.com"}, "categories": {long}}},
		{"too many payment methods", "paymentMethods", "at most 50", url.Values{"name": {"S"}, "email": {"s@example.com"}, "paymentMethods": {strings.Join(manyItems, ",")}}},
	}
	for _, tc := range cases {
		for _, target := range []struct{ method, path string }{{http.MethodPost, "/stores"}, {http.MethodPut, "/stores/" + id}, {http.MethodPost, "/stores/" + id}} {
			for _, htmx := range []bool{false, true} {
				if target.method == http.MethodPut && !htmx {
					continue
				}
				t.Run(tc.name+" "+target.method+" "+target.path, func(t *testing.T) {
					r := b.send(target.method, target.path, tc.form, htmx)
					wantStatus(t, r, http.StatusUnprocessableEntity)
					if r.isFullPage() == htmx {
						t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
					}
					if got := r.text("#" + tc.field + "-error"); !strings.Contains(got, tc.msg) {
						t.Errorf("%s error = %q, want %q", tc.field, got, tc.msg)
					}
					if r.doc.Find(`[role="alert"]`).Length() == 0 {
						t.Error("no role=alert summary")
					}
					if v, _ := r.doc.Find(`input[name="name"]`).Attr("value"); v != tc.form.Get("name") {
						t.Errorf("name kept as %q", v)
					}
				})
			}
		}
	}
	// Nothing was stored or changed.
	home := b.get("/", false)
	if n := home.doc.Find(`[data-testid="store-row"]`).Length(); n != 1 {
		t.Errorf("dashboard has %d stores, want 1", n)
	}
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Original" {
		t.Errorf("store changed to %q by invalid input", got)
	}
}

func TestStoreIsolation(t *testing.T) {
	a := newApp(t)
	alice := a.browser()
	alice.signup("Alice", "alice@example.com", "correct horse")
	theirs := alice.createStore("Alice's Secret Shop")
	mallory := a.browser()
	mallory.signup("Mallory", "mallory@example.com", "correct horse")

	for _, id := range []string{theirs, "999999999999", "not-an-id", "%27%20OR%201%3D1"} {
		requests := []struct {
			method, path string
			form         url.Values
		}{
			{http.MethodGet, "/stores/" + id, nil},
			{http.MethodGet, "/stores/" + id + "/edit", nil},
			{http.MethodPost, "/stores/" + id, storeForm("Hijacked")},
			{http.MethodPut, "/stores/" + id, storeForm("Hijacked")},
			{http.MethodPost, "/stores/" + id + "/delete", nil},
			{http.MethodDelete, "/stores/" + id, nil},
		}
		for _, req := range requests {
			for _, htmx := range []bool{false, true} {
				t.Run(req.method+" "+req.path+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
					var r *response
					if req.method == http.MethodGet {
						r = mallory.get(req.path, htmx)
					} else {
						r = mallory.send(req.method, req.path, req.form, htmx)
					}
					wantStatus(t, r, http.StatusNotFound)
					if r.isFullPage() == htmx {
						t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
					}
					if strings.Contains(r.body, "Secret Shop") {
						t.Error("another owner's store leaked")
					}
				})
			}
		}
	}
	// Alice's store is untouched.
	if got := alice.get("/stores/"+theirs, false).text(`[data-testid="store-name"]`); got != "Alice's Secret Shop" {
		t.Errorf("alice's store is now %q", got)
	}
	if strings.Contains(mallory.get("/", false).body, "Secret Shop") {
		t.Error("alice's store is on mallory's dashboard")
	}
}

func TestStoreTextIsEscaped(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup(`<b>Owner</b>`, "owner@example.com", "correct horse")
	id := b.createStore(`<script>alert("x")</script>`)
	for _, path := range []string{"/", "/stores/" + id, "/stores/" + id + "/edit"} {
		r := b.get(path, false)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, `<script>alert`) || strings.Contains(r.body, "<b>Owner</b>") {
			t.Errorf("%s renders user text unescaped", path)
		}
	}
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != `<script>alert("x")</script>` {
		t.Errorf("store name shown as %q", got)
	}
}

func TestExpiredSessionKeepsTheUnsavedForm(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	id := b.createStore("Before")
	a.clock.Set(time.Now().Add(31 * time.Minute))
	a.apiNow.Set(time.Now().Add(31 * time.Minute))

	r := b.send(http.MethodPut, "/stores/"+id, storeForm("Typed while away"), true)
	wantStatus(t, r, http.StatusOK)
	next := "/stores/" + id + "/edit"
	if got := r.Header.Get("HX-Redirect"); got != "/login?next="+url.QueryEscape(next) {
		t.Fatalf("HX-Redirect = %q", got)
	}
	login := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "next": {next}}, false)
	wantStatus(t, login, http.StatusSeeOther)
	if login.Header.Get("Location") != next {
		t.Fatalf("after login Location = %q", login.Header.Get("Location"))
	}
	edit := b.get(next, false)
	wantStatus(t, edit, http.StatusOK)
	if v, _ := edit.doc.Find(`input[name="name"]`).Attr("value"); v != "Typed while away" {
		t.Errorf("the unsaved name is lost: form has %q", v)
	}
	if !strings.Contains(edit.text(`[data-testid="flash"]`), "kept the changes") {
		t.Errorf("flash = %q", edit.text(`[data-testid="flash"]`))
	}
	// It was not saved behind the user's back.
	if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Before" {
		t.Errorf("store name = %q, want it unchanged until the user saves", got)
	}
}

func TestNotFoundPageKeepsTheNav(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada Lovelace", "ada@example.com", "correct horse")
	for _, htmx := range []bool{false, true} {
		r := b.get("/no/such/page", htmx)
		wantStatus(t, r, http.StatusNotFound)
		if htmx {
			if r.isFullPage() {
				t.Error("htmx got a full 404 page, want the fragment")
			}
			continue
		}
		if got := r.text(`[data-testid="nav-user"]`); got == "" {
			t.Error("a logged-in visitor's 404 page shows them logged out")
		}
	}
	if r := a.browser().get("/no/such/page", false); r.doc.Find(`[data-testid="nav-login"]`).Length() != 1 {
		t.Error("a visitor's 404 page has no Login link")
	}
}

func TestMetricsCountRoutesAndLogins(t *testing.T) {
	m := metrics.New()
	// As app.Run wires it: the API reports logins, the web front requests.
	a := newAppWithAPI(t, func(o *api.Options) { o.OnEvent = m.Event },
		func(o *handlers.Options) { o.Metrics = m; o.MetricsHandler = m.Handler() })
	b := a.browser()
	b.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}, true)
	b.get("/stores/123/not-a-route-"+strings.Repeat("x", 20), false)
	r := b.get("/metrics", false)
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{
		`shopkeeper_auth_events_total{event="login.failure"} 1`,
		`shopkeeper_http_requests_total{method="POST",route="/login",status="401"} 1`,
		`shopkeeper_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(r.body, "not-a-route") {
		t.Error("a raw path became a label")
	}
}
