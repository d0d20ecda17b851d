package gql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shopkeeper/rules"
	"shopkeeper/visitor"
)

// apiAnswering is an API that answers every request with status and body,
// and remembers the last Authorization header it saw.
type apiAnswering struct {
	status int
	body   string
	auth   string
}

func (a *apiAnswering) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.auth = r.Header.Get("Authorization")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func TestSecretTravelsAsBearerToken(t *testing.T) {
	api := &apiAnswering{status: 200, body: `{"data":{"logout":true}}`}
	c := NewHandler(api)
	if err := c.Logout(WithSecret(context.Background(), "s3cret")); err != nil {
		t.Fatal(err)
	}
	if api.auth != "Bearer s3cret" {
		t.Errorf("Authorization = %q", api.auth)
	}
	if err := c.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if api.auth != "" {
		t.Errorf("anonymous call sent Authorization %q", api.auth)
	}
}

func TestBearerTransportLeavesTheRequestAlone(t *testing.T) {
	req, _ := http.NewRequestWithContext(WithSecret(context.Background(), "s3cret"), http.MethodPost, "http://x/graphql", nil)
	bearerTransport{base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("sent Authorization %q", r.Header.Get("Authorization"))
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})}.RoundTrip(req)
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was changed")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAPIErrorsKeepTheirCodeAndFields(t *testing.T) {
	answer := func(code, msg string) string {
		return fmt.Sprintf(`{"errors":[{"message":%q,"extensions":{"code":%q}}],"data":{"login":null}}`, msg, code)
	}
	cases := []struct {
		name   string
		status int
		body   string
		code   string
		fields map[string]string
		wait   time.Duration
	}{
		{"wrong credentials", 200, answer(rules.CodeAuthenticationFailed, "The email or password is incorrect"), rules.CodeAuthenticationFailed, nil, 0},
		{"dead token", 200, answer(rules.CodeInvalidToken, "expired"), rules.CodeInvalidToken, nil, 0},
		{"busy", 200, answer(rules.CodeUnavailable, "Too many logins"), rules.CodeUnavailable, nil, 0},
		{"internal", 200, answer(rules.CodeInternal, "internal error"), rules.CodeInternal, nil, 0},
		{"a code this client does not know", 200, answer("SOMETHING_NEW", "?"), "SOMETHING_NEW", nil, 0},
		{"no code", 200, `{"errors":[{"message":"?"}]}`, "", nil, 0},
		{"HTTP 502", 502, `<html>bad gateway</html>`, rules.CodeUnavailable, nil, 0},
		{"not JSON", 200, `<html>`, rules.CodeUnavailable, nil, 0},
		{"throttled", 200, `{"errors":[{"message":"wait","extensions":{"code":"TOO_MANY_REQUESTS","retryAfter":12}}]}`, rules.CodeTooManyRequests, nil, 12 * time.Second},
		{"taken email", 200, `{"errors":[{"message":"Taken.","extensions":{"code":"instance not unique","field":"email"}}]}`,
			rules.CodeNotUnique, map[string]string{"email": "Taken."}, 0},
		{"several fields", 200, `{"errors":[` +
			`{"message":"Enter your name.","extensions":{"code":"validation failed","field":"name"}},` +
			`{"message":"Too short.","extensions":{"code":"validation failed","field":"password"}},` +
			`{"message":"Again.","extensions":{"code":"validation failed","field":"name"}}]}`,
			rules.CodeValidationFailed, map[string]string{"name": "Enter your name.", "password": "Too short."}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewHandler(&apiAnswering{status: tc.status, body: tc.body})
			ctx := WithReply(context.Background())
			_, err := c.Login(ctx, "a@example.com", "pw")
			if err == nil {
				t.Fatal("no error")
			}
			if got := Code(err); got != tc.code {
				t.Errorf("Code = %q, want %q (err %v)", got, tc.code, err)
			}
			if got := FieldErrors(err); !maps.Equal(got, tc.fields) {
				t.Errorf("FieldErrors = %q, want %q", got, tc.fields)
			}
			if got := ReplyFrom(ctx).RetryAfter; got != tc.wait {
				t.Errorf("RetryAfter = %v, want %v", got, tc.wait)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		_, err := NewRemote("http://127.0.0.1:1/graphql").Login(context.Background(), "a@example.com", "pw")
		if Code(err) != rules.CodeUnavailable || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a login answered with no token is no success", func(t *testing.T) {
		c := NewHandler(&apiAnswering{status: 200, body: `{"data":{"login":null}}`})
		if s, err := c.Login(context.Background(), "a@example.com", "pw"); err == nil || s.Secret != "" {
			t.Fatalf("session %+v, err %v", s, err)
		}
	})
}

func TestNullResultsAreNotFound(t *testing.T) {
	c := NewHandler(&apiAnswering{status: 200, body: `{"data":{"findStoreByID":null}}`})
	if _, err := c.Store(context.Background(), "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Store: err = %v", err)
	}
	c = NewHandler(&apiAnswering{status: 200, body: `{"data":{"deleteStore":null}}`})
	if err := c.DeleteStore(context.Background(), "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteStore: err = %v", err)
	}
}

// TestRemoteClientNamesTheVisitor: a web role talking to a remote API passes
// the browser's address on, for the API's limits (believed from trusted
// proxies only); without a visitor it sends none.
func TestRemoteClientNamesTheVisitor(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Forwarded-For"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"logout":true}}`)
	}))
	defer srv.Close()
	c := NewRemote(srv.URL + "/graphql")
	if err := c.Logout(visitor.NewContext(WithSecret(context.Background(), "s"), visitor.Visitor{Addr: "203.0.113.7"})); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(WithSecret(context.Background(), "s")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "203.0.113.7" || got[1] != "" {
		t.Fatalf("X-Forwarded-For sent: %q", got)
	}
}

// TestRemoteClientPassesTheDevice: a device cookie the web checked goes to
// a remote API still sealed, for it to check again; without one, no header.
func TestRemoteClientPassesTheDevice(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get(visitor.DeviceHeader))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"logout":true}}`)
	}))
	defer srv.Close()
	c := NewRemote(srv.URL + "/graphql")
	dev := visitor.Device{Email: "ada@example.com", ID: "d1", Seal: "sealed-cookie"}
	if err := c.Logout(visitor.NewContext(WithSecret(context.Background(), "s"), visitor.Visitor{Device: &dev})); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(WithSecret(context.Background(), "s")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "sealed-cookie" || got[1] != "" {
		t.Fatalf("%s sent: %q", visitor.DeviceHeader, got)
	}
}

// TestLogoutOfADeadTokenSucceeds: a token the API no longer knows is revoked
// already; any other failure is still an error.
func TestLogoutOfADeadTokenSucceeds(t *testing.T) {
	dead := &apiAnswering{status: 200, body: `{"errors":[{"message":"gone","extensions":{"code":"invalid token"}}],"data":{"logout":null}}`}
	if err := NewHandler(dead).Logout(WithSecret(context.Background(), "s")); err != nil {
		t.Fatalf("logout of a dead token: %v", err)
	}
	down := &apiAnswering{status: 200, body: `{"errors":[{"message":"down","extensions":{"code":"unavailable"}}],"data":{"logout":null}}`}
	if err := NewHandler(down).Logout(WithSecret(context.Background(), "s")); err == nil {
		t.Fatal("logout while the API is down reported success")
	}
}

func TestTokenExpiryIsReported(t *testing.T) {
	type report struct {
		secret  string
		expires time.Time
	}
	cases := []struct {
		name   string
		secret string
		body   string
		want   []report
	}{
		{"an authenticated answer", "s3cret",
			`{"data":{"findOwnerByID":null},"extensions":{"tokenExpiresAt":"2026-11-28T14:05:00Z"}}`,
			[]report{{"s3cret", time.Date(2026, 11, 28, 14, 5, 0, 0, time.UTC)}}},
		{"an answer with errors too", "s3cret",
			`{"data":null,"errors":[{"message":"x"}],"extensions":{"tokenExpiresAt":"2026-11-28T14:05:00Z"}}`,
			[]report{{"s3cret", time.Date(2026, 11, 28, 14, 5, 0, 0, time.UTC)}}},
		{"no expiry in the answer", "s3cret", `{"data":{"findOwnerByID":null}}`, nil},
		{"a malformed expiry", "s3cret", `{"data":{"findOwnerByID":null},"extensions":{"tokenExpiresAt":"soon"}}`, nil},
		{"an anonymous call", "", `{"data":{"findOwnerByID":null},"extensions":{"tokenExpiresAt":"2026-11-28T14:05:00Z"}}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewHandler(&apiAnswering{status: 200, body: tc.body})
			var got []report
			ctx := WithReply(WithSecret(context.Background(), tc.secret))
			_, _ = OwnerName(ctx, c.gql, "1")
			if r := ReplyFrom(ctx); r.Secret != "" {
				got = append(got, report{r.Secret, r.TokenExpiresAt})
			}
			if len(got) != len(tc.want) || (len(got) == 1 && (got[0].secret != tc.want[0].secret || !got[0].expires.Equal(tc.want[0].expires))) {
				t.Fatalf("reports = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRevokeSessionOfNoSessionIsNotFound(t *testing.T) {
	ctx := WithSecret(context.Background(), "s")
	if err := NewHandler(&apiAnswering{status: 200, body: `{"data":{"revokeSession":false}}`}).RevokeSession(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revokeSession false: err = %v, want ErrNotFound", err)
	}
	if err := NewHandler(&apiAnswering{status: 200, body: `{"data":{"revokeSession":true}}`}).RevokeSession(ctx, "x"); err != nil {
		t.Errorf("revokeSession true: err = %v", err)
	}
}

func TestChangePasswordReturnsTheFreshLogin(t *testing.T) {
	api := &apiAnswering{status: 200, body: `{"data":{"changePassword":{"secret":"new","ttl":"2026-01-02T03:04:05Z","email":"ada@example.com","ownerId":"7"}}}`}
	s, err := NewHandler(api).ChangePassword(WithSecret(context.Background(), "old"), "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if s.Secret != "new" || s.Email != "ada@example.com" || s.OwnerID != "7" || !s.TTL.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("login = %+v", s)
	}
	if api.auth != "Bearer old" {
		t.Errorf("Authorization = %q", api.auth)
	}
	wrong := &apiAnswering{status: 200, body: `{"errors":[{"message":"The current password is incorrect","extensions":{"code":"authentication failed"}}],"data":null}`}
	if _, err := NewHandler(wrong).ChangePassword(context.Background(), "a", "b"); Code(err) != rules.CodeAuthenticationFailed {
		t.Errorf("wrong password: code %q, err %v", Code(err), err)
	}
}

func TestPasswordResetCalls(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		body     string
		call     func(*Client) error
		wantCode string // "" for success
		wantErr  bool
	}{
		{"request sent", `{"data":{"requestPasswordReset":true}}`, func(c *Client) error { return c.RequestPasswordReset(ctx, "ada@example.com") }, "", false},
		{"request false", `{"data":{"requestPasswordReset":false}}`, func(c *Client) error { return c.RequestPasswordReset(ctx, "ada@example.com") }, "", true},
		{"request throttled", `{"errors":[{"message":"slow down","extensions":{"code":"TOO_MANY_REQUESTS","retryAfter":3}}],"data":null}`, func(c *Client) error { return c.RequestPasswordReset(ctx, "ada@example.com") }, rules.CodeTooManyRequests, true},
		{"reset done", `{"data":{"resetPassword":true}}`, func(c *Client) error { return c.ResetPassword(ctx, "tok", "new password") }, "", false},
		{"reset false", `{"data":{"resetPassword":false}}`, func(c *Client) error { return c.ResetPassword(ctx, "tok", "new password") }, "", true},
		{"reset bad token", `{"errors":[{"message":"no longer valid","extensions":{"code":"invalid reset token"}}],"data":null}`, func(c *Client) error { return c.ResetPassword(ctx, "tok", "new password") }, rules.CodeInvalidResetToken, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &apiAnswering{status: 200, body: tc.body}
			err := tc.call(NewHandler(api))
			if (err != nil) != tc.wantErr || Code(err) != tc.wantCode {
				t.Errorf("err = %v (code %q), want error %v with code %q", err, Code(err), tc.wantErr, tc.wantCode)
			}
			if api.auth != "" {
				t.Errorf("Authorization = %q, want none", api.auth)
			}
		})
	}
}

// TestReplyKeepsTheLatestExpiryOfTheLastToken: calls may answer out of
// order; an older expiry for the same token does not undo a later one, and
// a token told last wins over one told before.
func TestReplyKeepsTheLatestExpiryOfTheLastToken(t *testing.T) {
	t1 := time.Date(2026, 11, 28, 14, 5, 0, 0, time.UTC)
	t2 := t1.Add(time.Minute)
	steps := []struct {
		secret  string
		expires time.Time
		want    Reply
	}{
		{"a", t2, Reply{Secret: "a", TokenExpiresAt: t2}},
		{"a", t1, Reply{Secret: "a", TokenExpiresAt: t2}},
		{"b", t1, Reply{Secret: "b", TokenExpiresAt: t1}},
	}
	ctx := WithReply(context.Background())
	for _, s := range steps {
		body := fmt.Sprintf(`{"data":{"findOwnerByID":null},"extensions":{"tokenExpiresAt":%q}}`, s.expires.Format(time.RFC3339))
		_, _ = OwnerName(WithSecret(ctx, s.secret), NewHandler(&apiAnswering{status: 200, body: body}).gql, "1")
		if got := ReplyFrom(ctx); got != s.want {
			t.Fatalf("after %s at %v: reply %+v, want %+v", s.secret, s.expires, got, s.want)
		}
	}
}
