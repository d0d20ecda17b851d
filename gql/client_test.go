package gql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	c := NewInProcess(api)
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

func TestAPIErrorsBecomeTypedErrors(t *testing.T) {
	answer := func(code, msg string) string {
		return fmt.Sprintf(`{"errors":[{"message":%q,"extensions":{"code":%q}}],"data":{"login":null}}`, msg, code)
	}
	cases := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"wrong credentials", 200, answer("authentication failed", "The email or password is incorrect"), ErrBadCredentials},
		{"dead token", 200, answer("invalid token", "expired"), ErrInvalidToken},
		{"taken email", 200, answer("instance not unique", "taken"), ErrNotUnique},
		{"foreign owner", 200, answer("permission denied", "no"), ErrPermission},
		{"busy", 200, answer("unavailable", "Too many logins"), ErrUnavailable},
		{"internal", 200, answer("internal", "internal error"), ErrUnavailable},
		{"HTTP 502", 502, `<html>bad gateway</html>`, ErrUnavailable},
		{"not JSON", 200, `<html>`, ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewInProcess(&apiAnswering{status: tc.status, body: tc.body})
			_, err := c.Login(context.Background(), "a@example.com", "pw")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("validation keeps the message", func(t *testing.T) {
		c := NewInProcess(&apiAnswering{status: 200, body: answer("validation failed", "name: too long")})
		_, err := c.Login(context.Background(), "a@example.com", "pw")
		var v *ValidationError
		if !errors.As(err, &v) || v.Message != "name: too long" {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		_, err := NewRemote("http://127.0.0.1:1/graphql").Login(context.Background(), "a@example.com", "pw")
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNullResultsAreNotFound(t *testing.T) {
	c := NewInProcess(&apiAnswering{status: 200, body: `{"data":{"findStoreByID":null}}`})
	if _, err := c.Store(context.Background(), "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Store: err = %v", err)
	}
	c = NewInProcess(&apiAnswering{status: 200, body: `{"data":{"deleteStore":null}}`})
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
	if err := c.Logout(visitor.NewContext(WithSecret(context.Background(), "s"), "203.0.113.7")); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(WithSecret(context.Background(), "s")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "203.0.113.7" || got[1] != "" {
		t.Fatalf("X-Forwarded-For sent: %q", got)
	}
}
