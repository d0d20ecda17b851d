package components

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"shopkeeper/gql"
	"shopkeeper/static"
)

func render(t testing.TB, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func attr(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return v
}

func one(t *testing.T, doc *goquery.Document, selector string) *goquery.Selection {
	t.Helper()
	s := doc.Find(selector)
	if s.Length() != 1 {
		t.Fatalf("%s: found %d elements, want 1", selector, s.Length())
	}
	return s
}

var owner = &User{Name: "Ada Lovelace", Email: "ada@example.com"}

func someStores(n int) []gql.StoreSummary {
	stores := make([]gql.StoreSummary, n)
	for i := range stores {
		stores[i] = gql.StoreSummary{ID: fmt.Sprint(1000 + i), Name: fmt.Sprintf("Store %d", i), Categories: []string{"Books", "Coffee"}}
	}
	return stores
}

// allPages renders every full page, for checks that hold everywhere.
func allPages() map[string]templ.Component {
	p := Page{Title: "T", User: owner, Flash: "Saved"}
	bad := FieldErrors{"email": "Enter an email", "name": "Enter a name", "password": "Too short"}
	return map[string]templ.Component{
		"login":         LoginPage(Page{Title: "Login"}, LoginForm{Email: "a@b.c", Next: "/stores/1", Errors: bad, Alert: "Nope"}),
		"signup":        SignupPage(Page{Title: "Sign up"}, SignupForm{Name: "A", Errors: bad}),
		"home out":      HomePage(Page{Title: "Home"}, nil),
		"home empty":    HomePage(p, &gql.OwnerDashboard{Name: "Ada", Email: "ada@example.com"}),
		"home stores":   HomePage(p, &gql.OwnerDashboard{Name: "Ada", Email: "ada@example.com", Stores: gql.StoreList{Data: someStores(3)}}),
		"store new":     StoreFormPage(p, StoreForm{Errors: bad, Alert: "Service unavailable"}),
		"store edit":    StoreFormPage(p, StoreForm{ID: "42", Name: "Shop"}),
		"store":         StorePage(p, gql.StoreDetail{ID: "42", Name: "Shop", Categories: []string{"A"}, PaymentMethods: []string{"Cash"}}),
		"account":       AccountPage(p, someAccount()),
		"account bad":   AccountPage(p, AccountView{Name: "Ada", Email: "ada@example.com", Password: PasswordForm{Errors: FieldErrors{"new_password": "Too short"}, Alert: "Nope"}, Delete: DeleteAccountForm{Alert: "Nope"}}),
		"forgot":        ForgotPage(Page{Title: "Forgot your password?"}, ForgotForm{Email: "a@b.c", Errors: bad}),
		"reset":         ResetPage(Page{Title: "Choose a new password"}, ResetForm{Token: "t", Errors: FieldErrors{"new_password": "Too short"}}),
		"reset invalid": ResetInvalidPage(Page{Title: "Choose a new password"}),
		"error":         ErrorPage(Page{Title: "Not found"}, ErrorView{Status: 404, Title: "Not found", Message: "No such page"}),
	}
}

func TestLayout(t *testing.T) {
	doc, html := render(t, Layout(Page{Title: "Dashboard"}, templ.Raw("<p id=content>hi</p>")))

	if !strings.HasPrefix(html, "<!doctype html>") && !strings.HasPrefix(strings.ToLower(html), "<!doctype html>") {
		t.Errorf("document does not start with a doctype: %.40q", html)
	}
	if got := attr(doc.Find("html"), "lang"); got != "en" {
		t.Errorf("lang = %q, want en", got)
	}
	if got := doc.Find("title").Text(); got != "Dashboard · Shopkeeper" {
		t.Errorf("title = %q", got)
	}
	one(t, doc, `meta[charset="utf-8"]`)
	if got := attr(one(t, doc, `meta[name="viewport"]`), "content"); !strings.Contains(got, "width=device-width") {
		t.Errorf("viewport = %q", got)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(attr(one(t, doc, `meta[name="htmx-config"]`), "content")), &cfg); err != nil {
		t.Fatalf("htmx-config is not JSON: %v", err)
	}
	if cfg["includeIndicatorCSS"] != false {
		t.Errorf("htmx-config = %v, want includeIndicatorCSS false", cfg)
	}

	assets := []struct{ selector, attr, name string }{
		{`link[rel="stylesheet"]`, "href", "app.css"},
		{`script`, "src", "htmx.min.js"},
		{`link[rel="icon"]`, "href", "favicon.svg"},
	}
	for _, a := range assets {
		t.Run(a.name, func(t *testing.T) {
			want := static.Path(a.name)
			if want == "" {
				t.Fatalf("static.Path(%q) is empty: asset not embedded", a.name)
			}
			if got := attr(one(t, doc, a.selector), a.attr); got != want {
				t.Errorf("%s %s = %q, want %q", a.selector, a.attr, got, want)
			}
		})
	}
	if _, ok := doc.Find("script").Attr("defer"); !ok {
		t.Error("htmx script is not deferred")
	}
	if got := attr(doc.Find("a.skip-link"), "href"); got != "#main" {
		t.Errorf("skip link href = %q, want #main", got)
	}
	if one(t, doc, "main#main").Find("#content").Length() != 1 {
		t.Error("content is not rendered inside <main>")
	}
}

func TestNav(t *testing.T) {
	tests := []struct {
		name       string
		user       *User
		wantLinks  map[string]string // data-testid -> href
		absent     []string
		wantUser   string
		wantLogout bool
	}{
		{
			name:      "logged out",
			wantLinks: map[string]string{"nav-home": "/", "nav-login": "/login", "nav-signup": "/signup"},
			absent:    []string{"nav-user", "nav-add-store", "logout-form"},
		},
		{
			name:       "logged in",
			user:       &User{Name: "Ada <b>Lovelace</b>", Email: "ada@example.com"},
			wantLinks:  map[string]string{"nav-home": "/", "nav-add-store": "/stores/new", "nav-user": "/account"},
			absent:     []string{"nav-login", "nav-signup"},
			wantUser:   "Ada <b>Lovelace</b>",
			wantLogout: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, Layout(Page{Title: "X", User: tc.user}, templ.NopComponent))
			nav := one(t, doc, "nav")
			for id, href := range tc.wantLinks {
				if got := attr(nav.Find(`[data-testid="`+id+`"]`), "href"); got != href {
					t.Errorf("%s href = %q, want %q", id, got, href)
				}
			}
			for _, id := range tc.absent {
				if nav.Find(`[data-testid="`+id+`"]`).Length() != 0 {
					t.Errorf("%s present, want absent", id)
				}
			}
			if tc.wantUser != "" {
				u := nav.Find(`[data-testid="nav-user"]`)
				if got := u.Text(); got != tc.wantUser {
					t.Errorf("nav-user = %q, want %q", got, tc.wantUser)
				}
				if u.Find("b").Length() != 0 {
					t.Error("owner name was not escaped")
				}
			}
			if tc.wantLogout {
				f := nav.Find(`form[data-testid="logout-form"]`)
				for k, v := range map[string]string{"method": "post", "action": "/logout", "hx-post": "/logout"} {
					if got := attr(f, k); got != v {
						t.Errorf("logout form %s = %q, want %q", k, got, v)
					}
				}
				if f.Find(`button[type="submit"]`).Length() != 1 {
					t.Error("logout form has no submit button")
				}
			}
		})
	}
}

// TestFlash checks the flash sits in a live region every page has, even
// with nothing to say, so a notice swapped in later is announced.
func TestFlash(t *testing.T) {
	tests := []struct {
		flash string
		want  int
	}{{"", 0}, {"Store deleted", 1}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.flash), func(t *testing.T) {
			doc, _ := render(t, Layout(Page{Flash: tc.flash}, templ.NopComponent))
			region := one(t, doc, `#flash[role="status"]`)
			if got := strings.TrimSpace(region.Text()); got != tc.flash {
				t.Errorf("live region text = %q, want %q", got, tc.flash)
			}
			f := region.Find(`[data-testid="flash"]`)
			if f.Length() != tc.want {
				t.Fatalf("flash elements = %d, want %d", f.Length(), tc.want)
			}
			if tc.want == 1 && f.Text() != tc.flash {
				t.Errorf("flash text = %q", f.Text())
			}
			if n := doc.Find(`[role="status"]`).Length(); n != 1 {
				t.Errorf("%d live regions, want the one", n)
			}
		})
	}
}

// A strict CSP (script-src 'self'; style-src 'self') forbids inline scripts,
// inline event handlers and style attributes.
func TestNoInlineScriptOrStyle(t *testing.T) {
	for name, c := range allPages() {
		t.Run(name, func(t *testing.T) {
			doc, html := render(t, c)
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if attr(s, "src") == "" || strings.TrimSpace(s.Text()) != "" {
					h, _ := goquery.OuterHtml(s)
					t.Errorf("inline script: %s", h)
				}
			})
			if n := doc.Find("style, [style]").Length(); n != 0 {
				t.Errorf("%d inline style(s)", n)
			}
			doc.Find("*").Each(func(_ int, s *goquery.Selection) {
				for _, a := range s.Nodes[0].Attr {
					if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
						t.Errorf("inline handler %s on <%s>", a.Key, goquery.NodeName(s))
					}
				}
			})
			if strings.Contains(html, "javascript:") {
				t.Error("javascript: URL in page")
			}
		})
	}
}

// Every visible control has a visible label, on every page.
func TestEveryInputIsLabelled(t *testing.T) {
	for name, c := range allPages() {
		t.Run(name, func(t *testing.T) {
			doc, _ := render(t, c)
			doc.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
				if attr(s, "type") == "hidden" {
					return
				}
				id := attr(s, "id")
				if id == "" {
					t.Errorf("input %q has no id", attr(s, "name"))
					return
				}
				if l := doc.Find(`label[for="` + id + `"]`); l.Length() != 1 || strings.TrimSpace(l.Text()) == "" {
					t.Errorf("input #%s has %d labels", id, l.Length())
				}
			})
			ids := map[string]bool{}
			doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
				id := attr(s, "id")
				if ids[id] {
					t.Errorf("duplicate id %q", id)
				}
				ids[id] = true
			})
		})
	}
}

type formCase struct {
	name      string
	c         templ.Component
	id        string
	action    string
	hxAttr    string
	hxValue   string
	inputs    []string // names, in order
	required  []string
	wantValue map[string]string
}

func formCases() []formCase {
	return []formCase{
		{
			name: "login", c: LoginFormView(LoginForm{Email: "ada@example.com"}),
			id: "login-form", action: "/login", hxAttr: "hx-post", hxValue: "/login",
			inputs: []string{"email", "password"}, required: []string{"email", "password"},
			wantValue: map[string]string{"email": "ada@example.com"},
		},
		{
			name: "signup", c: SignupFormView(SignupForm{Name: "Ada", Email: "ada@example.com"}),
			id: "signup-form", action: "/signup", hxAttr: "hx-post", hxValue: "/signup",
			inputs: []string{"name", "email", "password"}, required: []string{"name", "email", "password"},
			wantValue: map[string]string{"name": "Ada", "email": "ada@example.com"},
		},
		{
			name: "new store", c: StoreFormView(StoreForm{Name: "Corner Shop", Email: "shop@example.com", PaymentMethods: "Cash, Card", Categories: "Books"}),
			id: "store-form", action: "/stores", hxAttr: "hx-post", hxValue: "/stores",
			inputs: []string{"name", "email", "paymentMethods", "categories"}, required: []string{"name", "email"},
			wantValue: map[string]string{"name": "Corner Shop", "email": "shop@example.com", "paymentMethods": "Cash, Card", "categories": "Books"},
		},
		{
			name: "change password", c: PasswordFormView(PasswordForm{}),
			id: "password-form", action: "/account/password", hxAttr: "hx-post", hxValue: "/account/password",
			inputs: []string{"current_password", "new_password"}, required: []string{"current_password", "new_password"},
		},
		{
			name: "delete account", c: DeleteAccountFormView(DeleteAccountForm{}),
			id: "delete-account-form", action: "/account/delete", hxAttr: "hx-post", hxValue: "/account/delete",
			inputs: []string{"password"}, required: []string{"password"},
		},
		{
			name: "edit store", c: StoreFormView(StoreForm{ID: "42", Name: "Corner Shop", Email: "shop@example.com"}),
			id: "store-form", action: "/stores/42", hxAttr: "hx-put", hxValue: "/stores/42",
			inputs: []string{"name", "email", "paymentMethods", "categories"}, required: []string{"name", "email"},
			wantValue: map[string]string{"name": "Corner Shop"},
		},
	}
}

func TestForms(t *testing.T) {
	for _, tc := range formCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, tc.c)
			f := one(t, doc, "form#"+tc.id)
			want := map[string]string{
				"data-testid": tc.id, "method": "post", "action": tc.action,
				tc.hxAttr: tc.hxValue, "hx-target": "this", "hx-swap": "outerHTML", "hx-disable": "find button",
			}
			for k, v := range want {
				if got := attr(f, k); got != v {
					t.Errorf("form %s = %q, want %q", k, got, v)
				}
			}
			for _, other := range []string{"hx-post", "hx-put", "hx-delete"} {
				if _, ok := f.Attr(other); ok && other != tc.hxAttr {
					t.Errorf("form also has %s", other)
				}
			}
			var names []string
			f.Find("input:not([type=hidden])").Each(func(_ int, s *goquery.Selection) { names = append(names, attr(s, "name")) })
			if strings.Join(names, ",") != strings.Join(tc.inputs, ",") {
				t.Errorf("inputs = %v, want %v", names, tc.inputs)
			}
			for _, name := range tc.required {
				if _, ok := f.Find(`input[name="` + name + `"]`).Attr("required"); !ok {
					t.Errorf("%s is not required", name)
				}
			}
			for name, v := range tc.wantValue {
				if got := attr(f.Find(`input[name="`+name+`"]`), "value"); got != v {
					t.Errorf("%s value = %q, want %q", name, got, v)
				}
			}
			if f.Find(`button[type="submit"] .htmx-indicator`).Length() != 1 {
				t.Error("submit button has no htmx indicator")
			}
			if doc.Find(`[data-testid="error-summary"], [aria-invalid]`).Length() != 0 {
				t.Error("error markup rendered for a form without errors")
			}
		})
	}
}

func TestPasswordFields(t *testing.T) {
	tests := []struct {
		name         string
		c            templ.Component
		autocomplete string
		minlength    string
	}{
		{"login", LoginFormView(LoginForm{Email: "a@b.c", Alert: "The email or password is incorrect"}), "current-password", ""},
		{"signup", SignupFormView(SignupForm{Errors: FieldErrors{"password": "Too short"}}), "new-password", "8"},
		{"delete account", DeleteAccountFormView(DeleteAccountForm{Alert: "The email or password is incorrect."}), "current-password", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, tc.c)
			pw := one(t, doc, `input[name="password"]`)
			if attr(pw, "type") != "password" {
				t.Errorf("password type = %q", attr(pw, "type"))
			}
			if _, ok := pw.Attr("value"); ok {
				t.Error("password input has a value attribute")
			}
			if got := attr(pw, "autocomplete"); got != tc.autocomplete {
				t.Errorf("autocomplete = %q, want %q", got, tc.autocomplete)
			}
			if got := attr(pw, "minlength"); got != tc.minlength {
				t.Errorf("minlength = %q, want %q", got, tc.minlength)
			}
		})
	}
	doc, _ := render(t, LoginFormView(LoginForm{}))
	if got := attr(doc.Find(`input[name="email"]`), "autocomplete"); got != "username" {
		t.Errorf("login email autocomplete = %q, want username", got)
	}
	if got := attr(doc.Find(`input[name="email"]`), "type"); got != "email" {
		t.Errorf("login email type = %q, want email", got)
	}
}

func TestLoginNext(t *testing.T) {
	doc, _ := render(t, LoginFormView(LoginForm{Next: "/stores/7?x=1&y=2"}))
	if got := attr(one(t, doc, `input[type="hidden"][name="next"]`), "value"); got != "/stores/7?x=1&y=2" {
		t.Errorf("next = %q", got)
	}
	doc, _ = render(t, LoginFormView(LoginForm{}))
	if doc.Find(`input[name="next"]`).Length() != 0 {
		t.Error("next rendered when empty")
	}
}

func TestErrorSummary(t *testing.T) {
	tests := []struct {
		name      string
		c         templ.Component
		wantItems []string
		invalid   []string
		valid     []string
	}{
		{
			name:      "login alert only",
			c:         LoginFormView(LoginForm{Email: "a@b.c", Alert: "The email or password is incorrect"}),
			wantItems: []string{"The email or password is incorrect"},
			valid:     []string{"email", "password"},
		},
		{
			name:      "signup field errors in form order",
			c:         SignupFormView(SignupForm{Errors: FieldErrors{"password": "Use at least 8 characters", "name": "Enter your name", "email": "Enter a valid email"}}),
			wantItems: []string{"Enter your name", "Enter a valid email", "Use at least 8 characters"},
			invalid:   []string{"name", "email", "password"},
		},
		{
			name: "store alert, fields and an unknown key",
			c: StoreFormView(StoreForm{Alert: "Service unavailable, please try again",
				Errors: FieldErrors{"categories": "Too many categories", "name": "Enter a name", "zeta": "Other problem", "alpha": "First other"}}),
			wantItems: []string{"Service unavailable, please try again", "Enter a name", "Too many categories", "First other", "Other problem"},
			invalid:   []string{"name", "categories"},
			valid:     []string{"email", "paymentMethods"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, tc.c)
			form := doc.Find("form")
			sum := one(t, doc, `[data-testid="error-summary"]`)
			if attr(sum, "role") != "alert" || attr(sum, "tabindex") != "-1" {
				t.Errorf("summary role=%q tabindex=%q", attr(sum, "role"), attr(sum, "tabindex"))
			}
			if form.Children().First().Get(0) != sum.Get(0) {
				t.Error("error summary is not the first element of the form")
			}
			var items []string
			sum.Find("li").Each(func(_ int, s *goquery.Selection) { items = append(items, strings.TrimSpace(s.Text())) })
			if strings.Join(items, "|") != strings.Join(tc.wantItems, "|") {
				t.Errorf("summary items = %q, want %q", items, tc.wantItems)
			}
			for _, name := range tc.invalid {
				in := form.Find(`input[name="` + name + `"]`)
				if attr(in, "aria-invalid") != "true" {
					t.Errorf("%s: aria-invalid = %q", name, attr(in, "aria-invalid"))
				}
				errID := name + "-error"
				if !strings.Contains(" "+attr(in, "aria-describedby")+" ", " "+errID+" ") {
					t.Errorf("%s: aria-describedby = %q, want it to include %s", name, attr(in, "aria-describedby"), errID)
				}
				msg := one(t, doc, "#"+errID)
				if strings.TrimSpace(msg.Text()) == "" {
					t.Errorf("%s: empty error text", name)
				}
				if got := attr(sum.Find(`a[href="#`+name+`"]`), "href"); got == "" {
					t.Errorf("%s: summary does not link to the field", name)
				}
			}
			for _, name := range tc.valid {
				in := form.Find(`input[name="` + name + `"]`)
				if _, ok := in.Attr("aria-invalid"); ok {
					t.Errorf("%s marked invalid", name)
				}
				if doc.Find("#"+name+"-error").Length() != 0 {
					t.Errorf("%s has error text", name)
				}
			}
		})
	}
}

func TestPagesWrapTheirForms(t *testing.T) {
	tests := []struct {
		name, formID, title string
		c                   templ.Component
	}{
		{"login", "login-form", "Login", LoginPage(Page{Title: "Login"}, LoginForm{})},
		{"signup", "signup-form", "Sign up", SignupPage(Page{Title: "Sign up"}, SignupForm{})},
		{"forgot", "forgot-form", "Forgot your password?", ForgotPage(Page{Title: "Forgot your password?"}, ForgotForm{})},
		{"reset", "reset-form", "Choose a new password", ResetPage(Page{Title: "Choose a new password"}, ResetForm{Token: "t"})},
		{"new store", "store-form", "Add store", StoreFormPage(Page{Title: "Add store", User: owner}, StoreForm{})},
		{"edit store", "store-form", "Edit store", StoreFormPage(Page{Title: "Edit store", User: owner}, StoreForm{ID: "9"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, tc.c)
			card := one(t, doc, "main .uk-card.uk-card-default.uk-card-body")
			if got := card.Find("h1.uk-card-title").Text(); got != tc.title {
				t.Errorf("card title = %q, want %q", got, tc.title)
			}
			if card.Find("form#"+tc.formID).Length() != 1 {
				t.Errorf("card has no #%s", tc.formID)
			}
		})
	}
	doc, _ := render(t, StoreFormPage(Page{User: owner}, StoreForm{ID: "9"}))
	if got := attr(doc.Find("#store-form a.uk-button"), "href"); got != "/stores/9" {
		t.Errorf("edit cancel href = %q, want /stores/9", got)
	}
	doc, _ = render(t, StoreFormPage(Page{User: owner}, StoreForm{}))
	if got := attr(doc.Find("#store-form a.uk-button"), "href"); got != "/" {
		t.Errorf("new cancel href = %q, want /", got)
	}
	if got := doc.Find("#paymentMethods-hint").Text(); !strings.Contains(got, "comma-separated") {
		t.Errorf("payment methods hint = %q", got)
	}
}

func TestHomePage(t *testing.T) {
	t.Run("logged out", func(t *testing.T) {
		doc, _ := render(t, HomePage(Page{Title: "Home"}, nil))
		box := one(t, doc, `main [data-testid="logged-out"]`)
		if !strings.Contains(box.Text(), "You are not logged in") {
			t.Errorf("text = %q", box.Text())
		}
		for _, href := range []string{"/login", "/signup"} {
			if box.Find(`a[href="`+href+`"]`).Length() != 1 {
				t.Errorf("no %s link", href)
			}
		}
		if doc.Find(`[data-testid="store-list"], [data-testid="empty-state"]`).Length() != 0 {
			t.Error("dashboard shown while logged out")
		}
	})

	tests := []struct {
		name      string
		stores    []gql.StoreSummary
		wantRows  int
		wantEmpty bool
	}{
		{"no stores", nil, 0, true},
		{"three stores", someStores(3), 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &gql.OwnerDashboard{Name: "Ada Lovelace", Email: "ada@example.com", Stores: gql.StoreList{Data: tc.stores}}
			doc, _ := render(t, HomePage(Page{Title: "Home", User: owner}, d))
			if got := doc.Find(`[data-testid="owner-name"]`).Text(); !strings.Contains(got, "Ada Lovelace") {
				t.Errorf("owner name = %q", got)
			}
			if got := doc.Find(`[data-testid="owner-email"]`).Text(); got != "ada@example.com" {
				t.Errorf("owner email = %q", got)
			}
			if got := doc.Find(`[data-testid="empty-state"]`).Length() == 1; got != tc.wantEmpty {
				t.Errorf("empty state shown = %v, want %v", got, tc.wantEmpty)
			}
			if tc.wantEmpty {
				if doc.Find(`[data-testid="empty-state"] a[href="/stores/new"]`).Length() != 1 {
					t.Error("empty state does not link to /stores/new")
				}
				if doc.Find(`[data-testid="store-list"]`).Length() != 0 {
					t.Error("empty store list rendered")
				}
				return
			}
			rows := doc.Find(`ul[data-testid="store-list"] > li[data-testid="store-row"]`)
			if rows.Length() != tc.wantRows {
				t.Errorf("rows = %d, want %d", rows.Length(), tc.wantRows)
			}
		})
	}
}

func TestStoreRow(t *testing.T) {
	doc, _ := render(t, StoreRow(gql.StoreSummary{ID: "42", Name: "Corner Shop", Categories: []string{"Books", "Coffee"}}))
	li := one(t, doc, `li[data-testid="store-row"]`)
	if attr(li, "id") != "store-42" {
		t.Errorf("row id = %q", attr(li, "id"))
	}
	link := li.Find(`a[data-testid="store-link"]`)
	if attr(link, "href") != "/stores/42" || link.Text() != "Corner Shop" {
		t.Errorf("link = %q %q", attr(link, "href"), link.Text())
	}
	var tags []string
	li.Find(`[data-testid="tag"]`).Each(func(_ int, s *goquery.Selection) { tags = append(tags, s.Text()) })
	if strings.Join(tags, ",") != "Books,Coffee" {
		t.Errorf("tags = %v", tags)
	}
	if got := attr(li.Find(`a[data-testid="store-edit"]`), "href"); got != "/stores/42/edit" {
		t.Errorf("edit href = %q", got)
	}
	del := li.Find(`form[data-testid="store-delete"]`)
	want := map[string]string{
		"method": "post", "action": "/stores/42/delete", "hx-delete": "/stores/42?from=dashboard",
		"hx-confirm": "Delete store Corner Shop?", "hx-target": "closest li", "hx-swap": "delete",
	}
	for k, v := range want {
		if got := attr(del, k); got != v {
			t.Errorf("delete form %s = %q, want %q", k, got, v)
		}
	}
	if del.Find(`button[type="submit"]`).Length() != 1 {
		t.Error("delete form has no submit button")
	}
	// A failed delete shows its error in the row, not in place of the <li>.
	for _, status := range []string{"hx-status:4xx", "hx-status:5xx"} {
		if got := attr(del, status); got != "target:'next .row-status' swap:innerHTML" {
			t.Errorf("delete form %s = %q", status, got)
		}
	}
	if li.Find(`.row-status[data-testid="store-row-status"]`).Length() != 1 {
		t.Error("row has no status slot for a failed delete")
	}
}

// TestRowDeletedSwaps checks the answer to a dashboard row's delete: only
// out-of-band swaps, each replacing an element the dashboard has, the
// message going into the live region's content (the region stays), and
// exactly one element taking the focus.
func TestRowDeletedSwaps(t *testing.T) {
	next := someStores(2)[1]
	tests := []struct {
		name string
		in   RowDeleted
		// page is the dashboard the answer lands on.
		page *gql.OwnerDashboard
		// focus is the element that takes the focus, and swapped the
		// out-of-band element holding it.
		focus, swapped string
	}{
		{"last store", RowDeleted{Message: "Store deleted.", Empty: true},
			&gql.OwnerDashboard{Stores: gql.StoreList{Data: someStores(1)}},
			`[data-testid="empty-state"] a[href="/stores/new"]`, "#stores"},
		{"next row", RowDeleted{Message: "Store deleted.", Next: &next},
			&gql.OwnerDashboard{Stores: gql.StoreList{Data: someStores(3)}},
			`a#store-link-1001[href="/stores/1001"][data-testid="store-link"]`, "#store-link-1001"},
		{"row not placed", RowDeleted{Message: "Store deleted."},
			&gql.OwnerDashboard{Stores: gql.StoreList{Data: someStores(3)}},
			`h2#stores-heading[tabindex="-1"]`, "#stores-heading"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, html := render(t, RowDeletedSwaps(tc.in))
			page, _ := render(t, HomePage(Page{Title: "Your stores", User: owner}, tc.page))

			oob := doc.Find("[hx-swap-oob]")
			oob.Each(func(_ int, s *goquery.Selection) {
				id := attr(s, "id")
				if id == "" || page.Find("#"+id).Length() != 1 {
					t.Errorf("out-of-band <%s id=%q> has no counterpart on the dashboard", goquery.NodeName(s), id)
				}
			})
			if n := doc.Find("body > *").Not("[hx-swap-oob]").Length(); n != 0 {
				t.Errorf("%d top-level elements are not out-of-band swaps:\n%s", n, html)
			}

			region := one(t, doc, `#flash[role="status"]`)
			if attr(region, "hx-swap-oob") != "innerHTML" || strings.TrimSpace(region.Find(`[data-testid="flash"]`).Text()) != "Store deleted." {
				t.Errorf("message swap = %q with %q, want Store deleted. into the region's content", attr(region, "hx-swap-oob"), region.Text())
			}

			focused := doc.Find("[autofocus]")
			if focused.Length() != 1 || !focused.Is(tc.focus) {
				t.Fatalf("autofocus on %d element(s), want one, %s:\n%s", focused.Length(), tc.focus, html)
			}
			holder := one(t, doc, tc.swapped)
			if attr(holder, "hx-swap-oob") != "true" || !(holder.Is("[autofocus]") || holder.Find("[autofocus]").Length() == 1) {
				t.Errorf("%s does not swap in the focused element:\n%s", tc.swapped, html)
			}
			if tc.in.Empty && holder.Find(`[data-testid="store-row"]`).Length() != 0 {
				t.Error("the empty state lists stores")
			}
			if tc.in.Next != nil && strings.TrimSpace(focused.Text()) != next.Name {
				t.Errorf("next row's link text = %q, want %q", focused.Text(), next.Name)
			}
		})
	}
}

func TestStorePage(t *testing.T) {
	s := gql.StoreDetail{ID: "42", Name: "Corner Shop", Email: "shop@example.com", Owner: gql.StoreDetailOwner{Name: "Ada"},
		PaymentMethods: []string{"Cash", "Card"}, Categories: []string{"Books"}}
	doc, _ := render(t, StorePage(Page{Title: s.Name, User: owner}, s))
	texts := map[string]string{"store-name": "Corner Shop", "store-email": "shop@example.com", "store-owner": "Ada"}
	for id, want := range texts {
		if got := strings.TrimSpace(doc.Find(`[data-testid="` + id + `"]`).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	tagLists := map[string]string{"store-categories": "Books", "store-payment-methods": "Cash,Card"}
	for id, want := range tagLists {
		var tags []string
		doc.Find(`[data-testid="` + id + `"] [data-testid="tag"]`).Each(func(_ int, s *goquery.Selection) { tags = append(tags, s.Text()) })
		if got := strings.Join(tags, ","); got != want {
			t.Errorf("%s tags = %q, want %q", id, got, want)
		}
	}
	if n := doc.Find(`[data-testid="store-payment-methods"] [data-testid="tag"]`).Length(); n != 2 {
		t.Errorf("payment method tags = %d, want 2", n)
	}
	if got := attr(doc.Find(`main a[data-testid="store-edit"]`), "href"); got != "/stores/42/edit" {
		t.Errorf("edit href = %q", got)
	}
	del := one(t, doc, `main form[data-testid="store-delete"]`)
	for k, v := range map[string]string{"method": "post", "action": "/stores/42/delete", "hx-delete": "/stores/42", "hx-confirm": "Delete store Corner Shop?"} {
		if got := attr(del, k); got != v {
			t.Errorf("delete form %s = %q, want %q", k, got, v)
		}
	}
	if del.Find(`input[name="from"]`).Length() != 0 {
		t.Error("store page delete form sends from")
	}
	if _, ok := del.Attr("hx-target"); ok {
		t.Error("store page delete form targets a row")
	}
}

// TestEditStoreForm: the edit form starts from the store as stored, its
// lists written the way the form takes them back.
func TestEditStoreForm(t *testing.T) {
	s := gql.StoreDetail{ID: "42", Name: "Corner Shop", Email: "shop@example.com", Owner: gql.StoreDetailOwner{Name: "Ada"},
		PaymentMethods: []string{"Cash", "Card"}}
	got := EditStoreForm(s)
	want := StoreForm{ID: "42", Name: "Corner Shop", Email: "shop@example.com", PaymentMethods: "Cash, Card"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EditStoreForm = %+v, want %+v", got, want)
	}
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script>`
	tests := []struct {
		name     string
		c        templ.Component
		selector string
	}{
		{"row", StoreRow(gql.StoreSummary{ID: "1", Name: evil, Categories: []string{evil}}), `[data-testid="store-link"]`},
		{"dashboard", HomePage(Page{User: &User{Name: evil}}, &gql.OwnerDashboard{Name: evil, Email: evil, Stores: gql.StoreList{Data: []gql.StoreSummary{{ID: "1", Name: evil}}}}), `[data-testid="store-link"]`},
		{"store page", StorePage(Page{Title: evil}, gql.StoreDetail{ID: "1", Name: evil, Owner: gql.StoreDetailOwner{Name: evil}}), `[data-testid="store-name"]`},
		{"store form", StoreFormView(StoreForm{Name: evil, Alert: evil, Errors: FieldErrors{"name": evil}}), `#name-error`},
		{"error page", ErrorPage(Page{Title: evil, Flash: evil}, ErrorView{Status: 400, Title: evil, Message: evil}), `[data-testid="error-title"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, html := render(t, tc.c)
			if strings.Contains(html, "<script>alert") {
				t.Fatal("raw script tag in output")
			}
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if attr(s, "src") == "" {
					t.Error("script element without src")
				}
			})
			if got := doc.Find(tc.selector).First().Text(); !strings.Contains(got, evil) {
				t.Errorf("%s text = %q, want the name shown as text", tc.selector, got)
			}
		})
	}
	doc, _ := render(t, StoreRow(gql.StoreSummary{ID: "1", Name: evil}))
	if got := attr(doc.Find("form"), "hx-confirm"); got != "Delete store "+evil+"?" {
		t.Errorf("hx-confirm = %q", got)
	}
	doc, _ = render(t, StoreRow(gql.StoreSummary{ID: "a/b?c", Name: "x"}))
	if got := attr(doc.Find("form"), "hx-delete"); got != "/stores/a%2Fb%3Fc?from=dashboard" {
		t.Errorf("hx-delete with odd id = %q, want the id escaped as one path segment", got)
	}
}

func TestErrorViews(t *testing.T) {
	e := ErrorView{Status: 404, Title: "Store not found", Message: "It may have been deleted."}
	doc, _ := render(t, ErrorPage(Page{Title: "Not found"}, e))
	want := map[string]string{"error-status": "Error 404", "error-title": e.Title, "error-message": e.Message}
	for id, v := range want {
		if got := doc.Find(`main [data-testid="` + id + `"]`).Text(); got != v {
			t.Errorf("%s = %q, want %q", id, got, v)
		}
	}
	if doc.Find(`main a[href="/"]`).Length() == 0 {
		t.Error("error page has no link home")
	}
	if doc.Find("nav").Length() != 1 {
		t.Error("error page is not in the layout")
	}

	doc, html := render(t, ErrorFragment(e))
	frag := one(t, doc, `[data-testid="error-fragment"]`)
	if attr(frag, "role") != "alert" {
		t.Errorf("fragment role = %q", attr(frag, "role"))
	}
	if !strings.Contains(frag.Text(), e.Title) || !strings.Contains(frag.Text(), e.Message) {
		t.Errorf("fragment text = %q", frag.Text())
	}
	if strings.Contains(html, "<html") || strings.Contains(html, "<nav") {
		t.Error("fragment renders a whole page")
	}
}

func BenchmarkRenderLogin(b *testing.B) {
	c := LoginPage(Page{Title: "Login"}, LoginForm{Email: "ada@example.com", Next: "/stores/1", Alert: "The email or password is incorrect"})
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Render(context.Background(), &buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderDashboard(b *testing.B) {
	c := HomePage(Page{Title: "Home", User: owner}, &gql.OwnerDashboard{Name: owner.Name, Email: owner.Email, Stores: gql.StoreList{Data: someStores(10)}})
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Render(context.Background(), &buf); err != nil {
			b.Fatal(err)
		}
	}
}
