package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/password"
	"shopkeeper/storage"
)

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.TokenTTL = time.Minute })
	ann := e.register("ann@example.com", "Ann")
	tok := e.login("ann@example.com", "password-Ann")
	if tok.TTL != "2026-11-28T13:36:00Z" {
		t.Fatalf("ttl = %s, want the test clock + 1m", tok.TTL)
	}
	// A use with half the ttl or more left does not slide it; without
	// another use the token dies at its ttl (idle timeout).
	e.clock.Advance(30 * time.Second)
	e.as(ann.Secret, `query { countStores }`, nil).noErrors(t)
	e.clock.Advance(30 * time.Second)
	if c := e.as(ann.Secret, `query { countStores }`, nil).code(t); c != "invalid token" {
		t.Fatalf("at ttl: code %q, want invalid token", c)
	}
	// A fresh login works again.
	fresh := e.login("ann@example.com", "password-Ann")
	e.as(fresh.Secret, `query { countStores }`, nil).noErrors(t)
}

func TestPurgeExpiredTokens(t *testing.T) {
	e := newEnv(t)
	srv := api.New(api.Options{DB: e.db, Hasher: password.New(password.Options{Params: cheapParams}), Now: e.clock.Now, TokenTTL: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	e.url = serve(t, srv)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	e.clock.Advance(30 * time.Second)
	bobLater := e.login("bob@example.com", "password-Bob").Secret // expires 30s after the others
	e.clock.Advance(45 * time.Second)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { srv.PurgeExpiredTokens(ctx, time.Hour); close(done) }()

	// The first purge runs at once. Look with an earlier clock: a purged
	// token is gone even where it would still count as live.
	earlier := e.clock.Now().Add(-time.Hour)
	hash := sha256.Sum256([]byte(ann.Secret))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, err := e.db.Token(t.Context(), hash[:], earlier)
		if errors.Is(err, storage.ErrNotFound) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("expired token still stored (err %v)", err)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("PurgeExpiredTokens did not return after ctx was done")
	}
	for _, secret := range []string{ann.Secret, bob.Secret} {
		h := sha256.Sum256([]byte(secret))
		if _, err := e.db.Token(t.Context(), h[:], earlier); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("expired token survived the purge: %v", err)
		}
	}
	e.as(bobLater, `query { countStores }`, nil).noErrors(t) // the live one stays
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	second := e.login("ann@example.com", "password-Ann").Secret
	third := e.login("ann@example.com", "password-Ann").Secret
	bob := e.register("bob@example.com", "Bob")

	r := e.as(ann.Secret, `mutation { logout }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"logout":true}`)
	if c := e.as(ann.Secret, `query { countStores }`, nil).code(t); c != "invalid token" {
		t.Fatalf("revoked token: code %q", c)
	}
	e.as(second, `query { countStores }`, nil).noErrors(t) // other sessions live on

	r = e.as(second, `mutation { logout(allTokens: true) }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"logout":true}`)
	for _, s := range []string{second, third} {
		if c := e.as(s, `query { countStores }`, nil).code(t); c != "invalid token" {
			t.Fatalf("after logout(allTokens): code %q", c)
		}
	}
	e.as(bob.Secret, `query { countStores }`, nil).noErrors(t) // other owners untouched

	r = e.as(bob.Secret, `mutation { logout(allTokens: false) }`, nil)
	r.noErrors(t)
	if c := e.as(bob.Secret, `query { countStores }`, nil).code(t); c != "invalid token" {
		t.Fatalf("after logout(allTokens: false): code %q", c)
	}
}

// TestLoginFailuresLookAlike: a wrong password and an unknown email give
// byte-identical responses.
func TestLoginFailuresLookAlike(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	attempt := func(email, pw string) []byte {
		r := e.as("", loginMutation, map[string]any{"email": email, "password": pw})
		if c := r.code(t); c != "authentication failed" || r.Errors[0].Message != "The email or password is incorrect" {
			t.Fatalf("login(%s): %s", email, r.raw)
		}
		return r.raw
	}
	wrong := attempt("ann@example.com", "not the password")
	unknown := attempt("nobody@example.com", "not the password")
	malformed := attempt("not an email", "not the password")
	if !bytes.Equal(wrong, unknown) || !bytes.Equal(wrong, malformed) {
		t.Fatalf("responses differ:\nwrong    %s\nunknown  %s\nmalformed %s", wrong, unknown, malformed)
	}
	// The email is matched case-insensitively and trimmed.
	if tok := e.login("  ANN@example.com ", "password-Ann"); tok.Email != "ann@example.com" {
		t.Fatalf("login with another case: %+v", tok)
	}
}

func TestDuplicateEmail(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	for _, email := range []string{"ann@example.com", "ANN@Example.com", "  ann@example.com\t"} {
		r := e.as("", registerMutation, map[string]any{"email": email, "password": "another password", "name": "Impostor"})
		if c := r.code(t); c != "instance not unique" {
			t.Fatalf("register %q: code %q: %s", email, c, r.raw)
		}
		jsonEq(t, r.Data, `{"registerOwner":null}`)
	}
	// The original account is untouched.
	if tok := e.login("ann@example.com", "password-Ann"); tok.Email != "ann@example.com" {
		t.Fatalf("original login: %+v", tok)
	}
	r := e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "another password"})
	if c := r.code(t); c != "authentication failed" {
		t.Fatalf("impostor password: code %q", c)
	}
}

func TestRehashOnLogin(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	stronger := cheapParams
	stronger.Time = 2
	e2 := newEnvAt(t, e.dbAt, func(o *api.Options) {
		o.DB = e.db
		o.Hasher = password.New(password.Options{Params: stronger})
	})
	before, err := e.db.OwnerByEmail(t.Context(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before.PasswordHash, ",t=1,") {
		t.Fatalf("hash %q, want t=1", before.PasswordHash)
	}
	e2.login("ann@example.com", "password-Ann")
	after, err := e.db.OwnerByEmail(t.Context(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after.PasswordHash, ",t=2,") || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("after login: hash %q, updated %v; want t=2 and _ts unchanged", after.PasswordHash, after.UpdatedAt)
	}
	e2.login("ann@example.com", "password-Ann") // the new hash verifies
}

// TestHasherBusy: with one hashing slot and almost no patience, concurrent
// logins get "unavailable" instead of queueing without bound.
func TestHasherBusy(t *testing.T) {
	slow := password.Params{Memory: 8 * 1024, Time: 4, Threads: 1, SaltLen: 16, KeyLen: 32}
	e := newEnv(t, func(o *api.Options) {
		o.Hasher = password.New(password.Options{Params: slow, MaxConcurrent: 1, MaxWait: time.Millisecond})
		o.Limits.Off = true // eight logins at once from one address are the point
	})
	e.register("ann@example.com", "Ann")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[string]int{}
	)
	for range 8 {
		wg.Go(func() {
			r := e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann"})
			code := "ok"
			if len(r.Errors) > 0 {
				code = fmt.Sprint(r.Errors[0].Extensions["code"]) + ": " + r.Errors[0].Message
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes["ok"] == 0 || codes["unavailable: Too many logins at once, try again shortly"] == 0 || len(codes) != 2 {
		t.Fatalf("outcomes %v; want some ok and some unavailable, nothing else", codes)
	}
}
