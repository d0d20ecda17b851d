package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"shopkeeper/gql"
	"shopkeeper/handlers"
)

// fakeAPI is the real API, except for the operations it was told to answer
// itself, as an API of another version might.
type fakeAPI struct {
	api     http.Handler
	mu      sync.Mutex
	answers map[string]string // operation name → JSON body
}

// withFakeAPI puts a fakeAPI between the web front and its API.
func withFakeAPI(f *fakeAPI) appOption {
	return func(o *handlers.Options) {
		f.api = o.GraphQL
		o.API = gql.NewHandler(f)
	}
}

// answer makes every later call of operation get body.
func (f *fakeAPI) answer(operation, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.answers == nil {
		f.answers = map[string]string{}
	}
	f.answers[operation] = body
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		OperationName string `json:"operationName"`
	}
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	answer, ok := f.answers[req.OperationName]
	f.mu.Unlock()
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.api.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, answer)
}

// errorsAnswer is an API answer holding one error with extensions.
func errorsAnswer(message string, extensions map[string]any) string {
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": message, "extensions": extensions}}})
	return string(b)
}

// wantErrorLogged fails unless an ERROR line with the request id of r says want.
func wantErrorLogged(t *testing.T, a *app, r *response, want string) {
	t.Helper()
	id := r.Header.Get("X-Request-Id")
	for _, rec := range logLines(t, a) {
		if rec["level"] == "ERROR" && rec["request_id"] == id && strings.Contains(rec["err"].(string), want) {
			return
		}
	}
	t.Errorf("no ERROR log line with request id %q saying %q:\n%s", id, want, a.logs.String())
}

// TestUnknownAPIAnswerIsALogged500: an error code this version does not
// know is a failure of ours, logged, never a 200 with an empty alert.
func TestUnknownAPIAnswerIsALogged500(t *testing.T) {
	fake := &fakeAPI{}
	a := newApp(t, withFakeAPI(fake))
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	unknown := errorsAnswer("Something new", map[string]any{"code": "SOMETHING_NEW"})
	for _, op := range []string{"Login", "Dashboard", "CreateStore"} {
		fake.answer(op, unknown)
	}
	for _, htmx := range []bool{false, true} {
		for _, tc := range []struct {
			name string
			do   func() *response
			text string // where the message is
		}{
			{"login form", func() *response {
				return a.browser().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, htmx)
			}, `[role="alert"]`},
			{"store form", func() *response { return b.post("/stores", storeForm("Shop"), htmx) }, `[role="alert"]`},
			{"dashboard", func() *response { return b.get("/", htmx) }, `[data-testid="error-message"], [data-testid="error-fragment"]`},
		} {
			t.Run(tc.name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := tc.do()
				wantStatus(t, r, http.StatusInternalServerError)
				if r.isFullPage() == htmx {
					t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
				}
				if got := r.text(tc.text); !strings.Contains(got, "Something went wrong on our side") {
					t.Errorf("message = %q", got)
				}
				if strings.Contains(r.body, "SOMETHING_NEW") || strings.Contains(r.body, "Something new") {
					t.Error("the API's answer reached the user")
				}
				wantErrorLogged(t, a, r, "SOMETHING_NEW")
			})
		}
	}
}

// TestAPIFieldErrorsShowNextToTheirFields: input the page's quick check
// let through but the API refused is shown next to the field the API names,
// with the API's message.
func TestAPIFieldErrorsShowNextToTheirFields(t *testing.T) {
	fake := &fakeAPI{}
	a := newApp(t, withFakeAPI(fake))
	b := a.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	refuse := func(field, msg string) string {
		return errorsAnswer(msg, map[string]any{"code": "validation failed", "field": field})
	}
	fake.answer("RegisterOwner", refuse("email", "This address cannot receive mail."))
	fake.answer("CreateStore", refuse("categories", "Pick categories we know."))
	for _, htmx := range []bool{false, true} {
		for _, tc := range []struct {
			name        string
			do          func() *response
			field, want string
		}{
			{"sign-up", func() *response {
				return a.browser().post("/signup", url.Values{"name": {"Bea"}, "email": {"bea@example.com"}, "password": {"long enough"}}, htmx)
			}, "email", "This address cannot receive mail."},
			{"store", func() *response { return b.post("/stores", storeForm("Shop"), htmx) }, "categories", "Pick categories we know."},
		} {
			t.Run(tc.name+map[bool]string{false: " plain", true: " htmx"}[htmx], func(t *testing.T) {
				r := tc.do()
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if r.isFullPage() == htmx {
					t.Errorf("full page = %v for htmx = %v", r.isFullPage(), htmx)
				}
				if got := r.text("#" + tc.field + "-error"); got != tc.want {
					t.Errorf("%s error = %q, want %q", tc.field, got, tc.want)
				}
				if got := r.text(`[role="alert"] a[href="#` + tc.field + `"]`); got != tc.want {
					t.Errorf("error summary links %q, want %q", got, tc.want)
				}
				if v, _ := r.doc.Find(`input[name="name"]`).Attr("value"); v == "" {
					t.Error("the form lost what was typed")
				}
			})
		}
	}
	wantNoErrorLogged(t, a)
}

// TestTokenRevokedWhileEditingKeepsTheForm: when the API no longer takes
// the session's token (it was revoked elsewhere), the store form the user
// posted is kept for after the login, as when the session runs out.
func TestTokenRevokedWhileEditingKeepsTheForm(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "htmx"}[htmx], func(t *testing.T) {
			a := newApp(t)
			b := a.browser()
			b.signup("Ada", "ada@example.com", "correct horse")
			id := b.createStore("Before")
			// A copy of the cookie logs out, which revokes the token.
			wantStatus(t, a.browserWith(b.cookie("fauna-session")).post("/logout", nil, false), http.StatusSeeOther)

			r := b.post("/stores/"+id, storeForm("Typed meanwhile"), htmx)
			next := "/login?next=" + url.QueryEscape("/stores/"+id+"/edit")
			if htmx {
				wantStatus(t, r, http.StatusOK)
				if got := r.Header.Get("HX-Redirect"); got != next {
					t.Fatalf("HX-Redirect = %q, want %q", got, next)
				}
			} else {
				wantStatus(t, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != next {
					t.Fatalf("Location = %q, want %q", got, next)
				}
			}
			if got := b.get("/login", false).text(`[data-testid="flash"]`); !strings.Contains(got, "session has ended") {
				t.Errorf("flash = %q", got)
			}
			login := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "next": {"/stores/" + id + "/edit"}}, false)
			wantStatus(t, login, http.StatusSeeOther)
			edit := b.get("/stores/"+id+"/edit", false)
			if v, _ := edit.doc.Find(`input[name="name"]`).Attr("value"); v != "Typed meanwhile" {
				t.Errorf("the form typed before the login is lost: name %q", v)
			}
			if got := b.get("/stores/"+id, false).text(`[data-testid="store-name"]`); got != "Before" {
				t.Errorf("store name = %q, want it unchanged until the user saves", got)
			}
		})
	}
}
