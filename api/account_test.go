package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/rules"
	"shopkeeper/storage"
	"shopkeeper/visitor"
)

const mySessionsQuery = `query { mySessions { _id createdAt lastUsedAt expiresAt userAgent current } }`

type session struct {
	ID         string  `json:"_id"`
	CreatedAt  string  `json:"createdAt"`
	LastUsedAt string  `json:"lastUsedAt"`
	ExpiresAt  string  `json:"expiresAt"`
	UserAgent  *string `json:"userAgent"`
	Current    bool    `json:"current"`
}

func (e *env) sessions(secret string) []session {
	e.t.Helper()
	r := e.as(secret, mySessionsQuery, nil)
	r.noErrors(e.t)
	var d struct{ MySessions []session }
	r.decode(e.t, &d)
	return d.MySessions
}

// withUA sends a request with its own User-Agent header, as a client
// calling /graphql directly does.
func withUA(t *testing.T, url, ua, secret, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r response
	if err := decodeJSON(res, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func loginWithUA(t *testing.T, url, ua, email, pw string) string {
	t.Helper()
	r := withUA(t, url, ua, "", loginMutation, map[string]any{"email": email, "password": pw})
	r.noErrors(t)
	var d struct{ Login token }
	r.decode(t, &d)
	return d.Login.Secret
}

func revoke(t *testing.T, e *env, secret, id string) bool {
	t.Helper()
	r := e.as(secret, `mutation($id: ID!) { revokeSession(id: $id) }`, map[string]any{"id": id})
	r.noErrors(t)
	var d struct{ RevokeSession bool }
	r.decode(t, &d)
	return d.RevokeSession
}

// live reports whether secret still authenticates.
func (e *env) live(secret string) bool {
	e.t.Helper()
	r := e.as(secret, `query { countStores }`, nil)
	if len(r.Errors) == 0 {
		return true
	}
	if r.code(e.t) != rules.CodeInvalidToken {
		e.t.Fatalf("want invalid token, got %s", r.raw)
	}
	return false
}

func TestMySessions(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann") // the first session: Go's default User-Agent
	bob := e.register("bob@example.com", "Bob")
	e.clock.Advance(time.Minute)
	second := loginWithUA(t, e.url, "TestBrowser/1.0", "ann@example.com", "password-Ann")
	e.clock.Advance(time.Minute)
	long := strings.Repeat("x", 1000)
	third := loginWithUA(t, e.url, long, "ann@example.com", "password-Ann")

	got := e.sessions(second)
	if len(got) != 3 {
		t.Fatalf("mySessions: %+v, want ann's 3 sessions", got)
	}
	if got[0].UserAgent == nil || *got[0].UserAgent != long[:storage.MaxUserAgent] {
		t.Fatalf("newest first, User-Agent cut to %d bytes: %+v", storage.MaxUserAgent, got[0])
	}
	if got[1].UserAgent == nil || *got[1].UserAgent != "TestBrowser/1.0" || !got[1].Current {
		t.Fatalf("the second session: %+v, want TestBrowser/1.0 and current", got[1])
	}
	if got[2].UserAgent == nil || !strings.HasPrefix(*got[2].UserAgent, "Go-http-client/") {
		t.Fatalf("the first session: %+v, want Go's User-Agent", got[2])
	}
	for i, s := range got {
		if s.Current != (i == 1) {
			t.Fatalf("current is %v for session %d: %+v", s.Current, i, got)
		}
		if s.ID == "" || strings.Contains(s.ID, "=") || len(s.ID) > 20 {
			t.Fatalf("session id %q does not look like a public id", s.ID)
		}
	}
	if got[0].CreatedAt != "2026-11-28T13:37:00Z" || got[2].CreatedAt != "2026-11-28T13:35:00Z" {
		t.Fatalf("createdAt: %+v", got)
	}
	// Each caller's own is the current one.
	for _, s := range e.sessions(third) {
		if s.Current != (s.ID == got[0].ID) {
			t.Fatalf("as the third session: %+v", s)
		}
	}
	// Bob sees only his.
	if b := e.sessions(bob.Secret); len(b) != 1 || !b[0].Current {
		t.Fatalf("bob's sessions: %+v", b)
	}
	// An expired session is not listed.
	e.clock.Advance(28*time.Minute + 30*time.Second) // 14:05:30: the first (made 13:35) expired at 14:05
	if n := len(e.sessions(third)); n != 2 {
		t.Fatalf("after the first expired: %d sessions, want 2", n)
	}
	_ = ann
}

// TestRevokeSession: only the caller's own sessions, and revoking the
// current one is a logout.
func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	other := e.login("ann@example.com", "password-Ann").Secret
	annSessions := e.sessions(ann.Secret)
	bobSessions := e.sessions(bob.Secret)
	if len(annSessions) != 2 || len(bobSessions) != 1 {
		t.Fatalf("sessions: ann %+v, bob %+v", annSessions, bobSessions)
	}

	for _, s := range annSessions {
		if revoke(t, e, bob.Secret, s.ID) {
			t.Fatalf("bob revoked ann's session %s", s.ID)
		}
	}
	for _, id := range []string{"42", "bogus", "", bobSessions[0].ID + "0"} {
		if revoke(t, e, ann.Secret, id) {
			t.Fatalf("revokeSession(%q) = true", id)
		}
	}
	if !e.live(ann.Secret) || !e.live(other) || !e.live(bob.Secret) {
		t.Fatal("a refused revokeSession ended a session")
	}

	var otherID string
	for _, s := range annSessions {
		if !s.Current {
			otherID = s.ID
		}
	}
	if !revoke(t, e, ann.Secret, otherID) {
		t.Fatal("ann could not revoke her other session")
	}
	if e.live(other) || !e.live(ann.Secret) {
		t.Fatal("revokeSession ended the wrong session")
	}
	if revoke(t, e, ann.Secret, otherID) {
		t.Fatal("revoking twice = true")
	}
	if !revoke(t, e, ann.Secret, e.sessions(ann.Secret)[0].ID) {
		t.Fatal("ann could not revoke her current session")
	}
	if e.live(ann.Secret) || !e.live(bob.Secret) {
		t.Fatal("revoking the current session: ann should be logged out, bob not")
	}
	if !contains(e.logs.String(), `"event":"session.revoked"`) {
		t.Fatal("no session.revoked audit line")
	}
}

// TestUserAgentFromVisitor: the web passes the browser's User-Agent in the
// context, and it wins over the in-process client's header, even when the
// browser sent none.
func TestUserAgentFromVisitor(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	var browserUA string
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := visitor.NewContext(r.Context(), visitor.Visitor{Addr: "203.0.113.9", UserAgent: browserUA})
		e.srv.ServeHTTP(w, r.WithContext(ctx))
	}))
	browserUA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
	secret := loginWithUA(t, url, "shopkeeper-web/in-process", "ann@example.com", "password-Ann")
	got := e.sessions(secret)
	var cur session
	for _, s := range got {
		if s.Current {
			cur = s
		}
	}
	if cur.UserAgent == nil || *cur.UserAgent != browserUA {
		t.Fatalf("the web's login recorded %v, want the browser's %q", cur.UserAgent, browserUA)
	}

	browserUA = ""
	secret = loginWithUA(t, url, "shopkeeper-web/in-process", "ann@example.com", "password-Ann")
	for _, s := range e.sessions(secret) {
		if s.Current && s.UserAgent != nil {
			t.Fatalf("a browser without a User-Agent recorded %q, want null", *s.UserAgent)
		}
	}
}

const changePasswordMutation = `mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { secret ttl email ownerId }
}`

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	other := e.login("ann@example.com", "password-Ann").Secret

	r := e.as(ann.Secret, changePasswordMutation, map[string]any{"current": "not it", "new": "a new password"})
	if r.code(t) != rules.CodeAuthenticationFailed {
		t.Fatalf("wrong current password: %s", r.raw)
	}
	if !contains(e.logs.String(), `"event":"login.failure"`) {
		t.Fatal("a wrong current password was not audited as a failed login")
	}
	r = e.as(ann.Secret, changePasswordMutation, map[string]any{"current": "password-Ann", "new": "short"})
	r.invalidField(t, "newPassword")
	if !e.live(ann.Secret) || !e.live(other) {
		t.Fatal("a refused change ended sessions")
	}

	r = withUA(t, e.url, "NewBrowser/2", ann.Secret, changePasswordMutation, map[string]any{"current": "password-Ann", "new": "a new password"})
	r.noErrors(t)
	var d struct{ ChangePassword token }
	r.decode(t, &d)
	tok := d.ChangePassword
	if tok.Email != "ann@example.com" || tok.OwnerID != ann.ID || tok.Secret == "" || tok.Secret == ann.Secret || tok.TTL != "2026-11-28T14:05:00Z" {
		t.Fatalf("changePassword returned %+v", tok)
	}
	if e.live(ann.Secret) || e.live(other) {
		t.Fatal("sessions survived a password change")
	}
	if !e.live(bob.Secret) {
		t.Fatal("another owner's session ended")
	}
	s := e.sessions(tok.Secret)
	if len(s) != 1 || !s[0].Current || s[0].UserAgent == nil || *s[0].UserAgent != "NewBrowser/2" {
		t.Fatalf("sessions after the change: %+v", s)
	}
	if r := e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann"}); r.code(t) != rules.CodeAuthenticationFailed {
		t.Fatalf("the old password still logs in: %s", r.raw)
	}
	e.login("ann@example.com", "a new password")
	if !contains(e.logs.String(), `"event":"password.changed"`) {
		t.Fatal("no password.changed audit line")
	}
	// The token of the request is gone for the fields after it.
	r = e.as(tok.Secret, `mutation { changePassword(currentPassword: "a new password", newPassword: "a third password") { secret } logout }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != rules.CodeInvalidToken {
		t.Fatalf("logout after changePassword in one request: %s", r.raw)
	}
}

// TestReauthenticationIsThrottled: wrong current passwords count against
// the account's login limit, and each is audited.
func TestReauthenticationIsThrottled(t *testing.T) {
	for _, op := range []struct{ name, query string }{
		{"changePassword", `mutation($pw: String!) { changePassword(currentPassword: $pw, newPassword: "a new password") { secret } }`},
		{"deleteOwner", `mutation($pw: String!) { deleteOwner(password: $pw) }`},
	} {
		t.Run(op.name, func(t *testing.T) {
			e := newEnv(t)
			ann := e.register("ann@example.com", "Ann")
			for i := range 5 {
				r := e.as(ann.Secret, op.query, map[string]any{"pw": fmt.Sprint("guess ", i)})
				if r.code(t) != rules.CodeAuthenticationFailed {
					t.Fatalf("guess %d: %s", i, r.raw)
				}
			}
			retryAfter(t, e.as(ann.Secret, op.query, map[string]any{"pw": "password-Ann"}))
			// The same counters as login's.
			retryAfter(t, e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann"}))
			if n := strings.Count(e.logs.String(), `"event":"login.failure"`); n != 5 {
				t.Fatalf("%d login.failure audit lines, want 5", n)
			}
			if _, err := e.db.OwnerByEmail(t.Context(), "ann@example.com"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDeleteOwner(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	other := e.login("ann@example.com", "password-Ann").Secret
	shop := e.createStore(ann, "annshop")
	bobShop := e.createStore(bob, "bobshop")

	del := func(secret, pw string) response {
		return e.as(secret, `mutation($pw: String!) { deleteOwner(password: $pw) }`, map[string]any{"pw": pw})
	}
	if r := del(ann.Secret, "password-Bob"); r.code(t) != rules.CodeAuthenticationFailed {
		t.Fatalf("wrong password: %s", r.raw)
	}
	del(ann.Secret, "").invalidField(t, "password")
	if _, err := e.db.Store(t.Context(), ann.ID, shop.ID); err != nil {
		t.Fatalf("a refused deleteOwner deleted: %v", err)
	}

	r := del(ann.Secret, "password-Ann")
	r.noErrors(t)
	jsonEq(t, r.Data, `{"deleteOwner": true}`)
	if e.live(ann.Secret) || e.live(other) {
		t.Fatal("sessions survived deleteOwner")
	}
	if _, err := e.db.Owner(t.Context(), ann.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("owner after deleteOwner: %v", err)
	}
	if _, err := e.db.Store(t.Context(), ann.ID, shop.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("store after deleteOwner: %v", err)
	}
	if toks, err := e.db.OwnerTokens(t.Context(), ann.ID, e.clock.Now(), 100); err != nil || len(toks) != 0 {
		t.Fatalf("tokens after deleteOwner: %+v, %v", toks, err)
	}
	if !e.live(bob.Secret) {
		t.Fatal("bob's session ended")
	}
	if _, err := e.db.Store(t.Context(), bob.ID, bobShop.ID); err != nil {
		t.Fatalf("bob's store: %v", err)
	}
	if !contains(e.logs.String(), `"event":"owner.deleted"`) {
		t.Fatal("no owner.deleted audit line")
	}
	again := e.register("ann@example.com", "Ann")
	if again.ID == ann.ID {
		t.Fatal("the new account has the old id")
	}
}

// TestAccountFieldsCost: each account field is priced as a database field.
func TestAccountFieldsCost(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	q := "mutation {"
	for i := range 21 {
		q += fmt.Sprintf(` r%d: revokeSession(id: "%d")`, i, i+1)
	}
	q += " }"
	if code, _ := e.refusal(ann.Secret, q); code != rules.CodeTooComplex {
		t.Fatalf("21 revokeSession fields: code %q", code)
	}
}

var _ = api.EventOwnerDeleted
