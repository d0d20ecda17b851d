package gql_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/password"
	"shopkeeper/storage/sqlite"
	"shopkeeper/throttle"
	"shopkeeper/visitor"
)

// TestInProcessAnswersAsOverHTTP runs the same calls through the executor
// client the web front uses and through the API's HTTP handler, against one
// API, and wants the same outcome from both: data, error codes, field
// errors, the throttle's Retry-After and the token's sliding expiry.
func TestInProcessAnswersAsOverHTTP(t *testing.T) {
	ctx := context.Background()
	server := newAPI(t, api.Options{
		Limits: api.Limits{
			LoginPerIP: throttle.PerMinute(100), LoginPerAccount: throttle.PerMinute(3),
			LoginPerAccountLong: throttle.PerHour(100), SignupPerIP: throttle.PerHour(100),
		},
	})
	doors := []struct {
		name string
		c    *gql.Client
	}{{"executor", gql.NewInProcess(server)}, {"http", gql.NewHandler(server)}}
	if err := doors[1].c.Register(ctx, "Ada", "ada@example.com", "correct horse"); err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		code       string
		fields     map[string]string
		retryAfter time.Duration
		result     string
	}
	calls := []struct {
		name string
		call func(ctx context.Context, c *gql.Client) (string, error)
	}{
		{"sign-up with a taken email", func(ctx context.Context, c *gql.Client) (string, error) {
			return "", c.Register(ctx, "Ada", "ada@example.com", "correct horse")
		}},
		{"sign-up with bad input", func(ctx context.Context, c *gql.Client) (string, error) {
			return "", c.Register(ctx, "", "not-an-email", "short")
		}},
		{"a store with bad input", func(ctx context.Context, c *gql.Client) (string, error) {
			s, err := c.Login(ctx, "ada@example.com", "correct horse")
			if err != nil {
				return "", err
			}
			return c.CreateStore(gql.WithSecret(ctx, s.Secret), s.OwnerID, gql.StoreInput{Name: "", Email: "nope"})
		}},
		{"the dashboard", func(ctx context.Context, c *gql.Client) (string, error) {
			s, err := c.Login(ctx, "ada@example.com", "correct horse")
			if err != nil {
				return "", err
			}
			o, err := c.Dashboard(gql.WithSecret(ctx, s.Secret), s.Email, "", 50)
			return o.Name + " " + o.Email, err
		}},
		{"an unknown token", func(ctx context.Context, c *gql.Client) (string, error) {
			_, err := c.Dashboard(gql.WithSecret(ctx, "unknown"), "ada@example.com", "", 50)
			return "", err
		}},
		{"wrong passwords until throttled", func(ctx context.Context, c *gql.Client) (string, error) {
			// An account of its own for each door, so both start afresh.
			email := rand.Text() + "@example.com"
			if err := c.Register(ctx, "Bob", email, "correct horse"); err != nil {
				return "", err
			}
			var err error
			for range 4 {
				_, err = c.Login(ctx, email, "wrong horse")
			}
			return "", err
		}},
	}
	for i, tc := range calls {
		got := map[string]outcome{}
		for j, door := range doors {
			// Each call from each door comes from a visitor of its own.
			vctx := gql.WithReply(visitor.NewContext(ctx, visitor.Visitor{Addr: fmt.Sprintf("192.0.2.%d", 2*i+j+1)}))
			res, err := tc.call(vctx, door.c)
			got[door.name] = outcome{code: gql.Code(err), fields: gql.FieldErrors(err), retryAfter: gql.ReplyFrom(vctx).RetryAfter, result: res}
		}
		e, h := got["executor"], got["http"]
		if e.code != h.code || !maps.Equal(e.fields, h.fields) || (e.retryAfter-h.retryAfter).Abs() > time.Second || e.result != h.result {
			t.Errorf("%s: executor %+v, over HTTP %+v", tc.name, e, h)
		}
		if tc.name == "wrong passwords until throttled" && e.retryAfter < 2*time.Second {
			t.Errorf("%s: no Retry-After: %+v", tc.name, e)
		}
		if tc.name == "a store with bad input" && len(e.fields) == 0 {
			t.Errorf("%s: no field errors: %+v", tc.name, e)
		}
	}
}

// TestInProcessReportsTheTokensExpiry checks the executor client passes the
// API's extensions on: the expiry of the caller's token, for the cookie.
func TestInProcessReportsTheTokensExpiry(t *testing.T) {
	ctx := context.Background()
	c := gql.NewInProcess(newAPI(t, api.Options{}))
	if err := c.Register(ctx, "Ada", "ada@example.com", "correct horse"); err != nil {
		t.Fatal(err)
	}
	s, err := c.Login(ctx, "ada@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	var reported time.Time
	ctx = gql.WithReply(gql.WithSecret(ctx, s.Secret))
	if _, err := c.Dashboard(ctx, s.Email, "", 50); err != nil {
		t.Fatal(err)
	}
	if r := gql.ReplyFrom(ctx); r.Secret == s.Secret {
		reported = r.TokenExpiresAt
	}
	if reported.IsZero() || reported.Sub(s.TTL).Abs() > time.Second {
		t.Fatalf("reported expiry %v, login's ttl %v", reported, s.TTL)
	}
}

// newAPI is an API over a fresh SQLite database, with o's other options,
// quiet, and hashing passwords cheaply.
func newAPI(tb testing.TB, o api.Options) *api.Server {
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "shop.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	o.DB = db
	o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	o.Hasher = password.New(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	return api.New(o)
}
