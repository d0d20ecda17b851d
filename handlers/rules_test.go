package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"shopkeeper/api"
)

// gqlAnswer is what /graphql answered.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// graphql sends a GraphQL request to /graphql on the web front's own port,
// as the workshop front ends do, with secret as the bearer token ("" for none).
func (b *browser) graphql(secret, query string, vars map[string]any) gqlAnswer {
	b.app.t.Helper()
	return b.graphqlWith(nil, secret, query, vars)
}

// graphqlWith is graphql with extra request headers.
func (b *browser) graphqlWith(header map[string]string, secret, query string, vars map[string]any) gqlAnswer {
	b.app.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, b.app.url+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		b.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	r := b.do(req)
	var out gqlAnswer
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		b.app.t.Fatalf("%d %s: %v", r.StatusCode, r.body, err)
	}
	return out
}

// wantRefused fails unless the answer is one validation error naming field
// with message msg, the message the web shows for it.
func wantRefused(t *testing.T, ans gqlAnswer, field, msg string) {
	t.Helper()
	if len(ans.Errors) != 1 {
		t.Fatalf("want one error, got %+v", ans.Errors)
	}
	e := ans.Errors[0]
	if e.Extensions["code"] != "validation failed" || e.Extensions["field"] != field || !strings.Contains(e.Message, msg) {
		t.Fatalf("got %q %v; want validation failed naming %s with %q", e.Message, e.Extensions, field, msg)
	}
}

const (
	registerQuery    = `mutation($e: String!, $p: String!, $n: String!) { registerOwner(email: $e, password: $p, name: $n) { _id } }`
	loginQuery       = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { secret } }`
	createStoreQuery = `mutation($d: StoreInput!) { createStore(data: $d) { paymentMethods categories } }`
)

// secret logs in through /graphql and returns the bearer secret.
func (b *browser) secret(email, password string) string {
	b.app.t.Helper()
	var d struct{ Login struct{ Secret string } }
	ans := b.graphql("", loginQuery, map[string]any{"e": email, "p": password})
	if err := json.Unmarshal(ans.Data, &d); err != nil || d.Login.Secret == "" {
		b.app.t.Fatalf("login through /graphql: %s %+v", ans.Data, ans.Errors)
	}
	return d.Login.Secret
}

// TestBothDoorsRefuseTheSameInput: the form and /graphql apply one set of
// rules with one set of messages. An email needs a dot in its domain, and
// invisible characters are refused, whichever door they come through.
func TestBothDoorsRefuseTheSameInput(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	secret := b.secret("ada@example.com", "correct horse")
	const (
		dotless   = "Enter an email address like name@example.com."
		invisible = "invisible characters"
	)
	for _, tc := range []struct {
		name, path   string
		form         url.Values
		field, msg   string
		secret       string
		query        string
		vars         map[string]any
		graphqlField string
	}{
		{"sign-up, no dot in the email's domain", "/signup",
			url.Values{"name": {"Bea"}, "email": {"bea@b"}, "password": {"long enough"}}, "email", dotless,
			"", registerQuery, map[string]any{"e": "bea@b", "p": "long enough", "n": "Bea"}, "email"},
		{"sign-up, a bidi override in the name", "/signup",
			url.Values{"name": {"Bea\u202e"}, "email": {"bea@example.com"}, "password": {"long enough"}}, "name", invisible,
			"", registerQuery, map[string]any{"e": "bea@example.com", "p": "long enough", "n": "Bea\u202e"}, "name"},
		{"store, no dot in the email's domain", "/stores",
			url.Values{"name": {"Shop"}, "email": {"shop@localhost"}}, "email", dotless,
			secret, createStoreQuery, map[string]any{"d": map[string]any{"name": "Shop", "email": "shop@localhost"}}, "email"},
		{"store, a zero-width space in a category", "/stores",
			url.Values{"name": {"Shop"}, "email": {"shop@example.com"}, "categories": {"Bo\u200boks"}}, "categories", invisible,
			secret, createStoreQuery, map[string]any{"d": map[string]any{"name": "Shop", "email": "shop@example.com", "categories": []string{"Bo\u200boks"}}}, "categories"},
	} {
		for _, htmx := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := b.post(tc.path, tc.form, htmx)
				if tc.path == "/signup" {
					r = a.browser().post(tc.path, tc.form, htmx)
				}
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if got := r.text("#" + tc.field + "-error"); !strings.Contains(got, tc.msg) {
					t.Errorf("%s error = %q, want %q", tc.field, got, tc.msg)
				}
			})
		}
		t.Run(tc.name+" /graphql", func(t *testing.T) {
			wantRefused(t, b.graphql(tc.secret, tc.query, tc.vars), tc.graphqlField, tc.msg)
		})
	}
	// Nothing was made: no account for bea, one store for ada.
	for _, email := range []string{"bea@b", "bea@example.com"} {
		ans := b.graphql("", loginQuery, map[string]any{"e": email, "p": "long enough"})
		if len(ans.Errors) != 1 || ans.Errors[0].Extensions["code"] != "authentication failed" {
			t.Errorf("login as %s: %+v", email, ans.Errors)
		}
	}
	if n := b.get("/", false).doc.Find(`[data-testid="store-row"]`).Length(); n != 0 {
		t.Errorf("%d stores made", n)
	}
}

// TestBothDoorsDropRepeatedItemsIgnoringCase: "Card" and "card" are one
// payment method through the form and through /graphql alike.
func TestBothDoorsDropRepeatedItemsIgnoringCase(t *testing.T) {
	a := newApp(t)
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	wantPayment, wantCategories := []string{"Card", "CASH"}, []string{"Café"}

	id := b.createStore("Shop")
	r := b.post("/stores/"+id, url.Values{"name": {"Shop"}, "email": {"shop@example.com"}, "paymentMethods": {"Card, card, CASH, cash"}, "categories": {"Café, CAFÉ"}}, false)
	wantStatus(t, r, http.StatusSeeOther)
	page := b.get("/stores/"+id, false)
	tags := func(testid string) []string {
		return page.doc.Find(`[data-testid="` + testid + `"] [data-testid="tag"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	}
	if got := tags("store-payment-methods"); !slices.Equal(got, wantPayment) {
		t.Errorf("form: payment methods %q, want %q", got, wantPayment)
	}
	if got := tags("store-categories"); !slices.Equal(got, wantCategories) {
		t.Errorf("form: categories %q, want %q", got, wantCategories)
	}

	ans := b.graphql(b.secret("ada@example.com", "correct horse"), createStoreQuery, map[string]any{"d": map[string]any{
		"name": "Shop", "email": "shop@example.com",
		"paymentMethods": []string{"Card", "card", "CASH", "cash"}, "categories": []string{"Café", "CAFÉ"},
	}})
	var d struct {
		CreateStore struct{ PaymentMethods, Categories []string }
	}
	if err := json.Unmarshal(ans.Data, &d); err != nil || len(ans.Errors) > 0 {
		t.Fatalf("%s %+v", ans.Data, ans.Errors)
	}
	if !slices.Equal(d.CreateStore.PaymentMethods, wantPayment) || !slices.Equal(d.CreateStore.Categories, wantCategories) {
		t.Errorf("/graphql: %+v, want %q and %q", d.CreateStore, wantPayment, wantCategories)
	}
}

// TestAnyWrongPasswordIsAWrongPassword: at login a password of any length
// is tried, so a short or an overlong one gets the answer every wrong
// password gets, on both doors, never a rule about its length.
func TestAnyWrongPasswordIsAWrongPassword(t *testing.T) {
	limits := api.DefaultLimits
	limits.Off = true // six tries at one account; the limits are tested apart
	a := newAppWithAPI(t, withLimits(limits))
	a.browser().signup("Ada", "ada@example.com", "correct horse")
	for _, pw := range []string{"short", strings.Repeat("p", 1025)} {
		name := map[bool]string{true: "5 characters", false: "1025 characters"}[len(pw) == 5]
		for _, htmx := range []bool{false, true} {
			t.Run(name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {pw}}, htmx)
				wantStatus(t, r, http.StatusUnauthorized)
				if got := r.text(`[role="alert"] li`); got != "The email or password is incorrect." {
					t.Errorf("alert = %q", got)
				}
				if r.doc.Find(`[data-testid="field-error"]`).Length() != 0 {
					t.Error("a field error names the password")
				}
			})
		}
		t.Run(name+" /graphql", func(t *testing.T) {
			ans := a.browser().graphql("", loginQuery, map[string]any{"e": "ada@example.com", "p": pw})
			if len(ans.Errors) != 1 || ans.Errors[0].Extensions["code"] != "authentication failed" || ans.Errors[0].Message != "The email or password is incorrect" {
				t.Errorf("%+v", ans.Errors)
			}
		})
	}
}
