package api_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"shopkeeper/api"
)

// TestSlidingExpiry follows one login through uses at set times: each use
// with less than half the ttl left moves the expiry to now + ttl, never past
// login + SessionMax, and reports the expiry in the answer's extensions.
func TestSlidingExpiry(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.TokenTTL = 10 * time.Minute; o.SessionMax = 25 * time.Minute })
	login := e.clock.Now() // 13:35:00
	e.register("ann@example.com", "Ann")
	tok := e.login("ann@example.com", "password-Ann")
	if want := login.Add(10 * time.Minute).Format(time.RFC3339); tok.TTL != want {
		t.Fatalf("login ttl = %s, want %s", tok.TTL, want)
	}
	hash := sha256.Sum256([]byte(tok.Secret))
	steps := []struct {
		name    string
		at      time.Duration // after the login
		expires time.Duration // after the login, as reported and stored
	}{
		{"half the ttl left: unchanged", 5 * time.Minute, 10 * time.Minute},
		{"less than half left: slides to now + ttl", 5*time.Minute + time.Second, 15*time.Minute + time.Second},
		{"again more than half left: unchanged", 10 * time.Minute, 15*time.Minute + time.Second},
		{"slides again", 12 * time.Minute, 22 * time.Minute},
		{"the cap stops it", 20 * time.Minute, 25 * time.Minute},
		{"at the cap nothing moves", 24 * time.Minute, 25 * time.Minute},
	}
	for _, st := range steps {
		e.clock.Set(login.Add(st.at))
		resp := e.as(tok.Secret, `query { countStores }`, nil)
		resp.noErrors(t)
		want := login.Add(st.expires)
		if got := resp.Extensions[api.ExtensionTokenExpiresAt]; got != want.Format(time.RFC3339) {
			t.Errorf("%s: extensions.%s = %v, want %s", st.name, api.ExtensionTokenExpiresAt, got, want.Format(time.RFC3339))
		}
		stored, err := e.db.Token(t.Context(), hash[:], login)
		if err != nil || !stored.ExpiresAt.Equal(want) {
			t.Errorf("%s: stored expiry %v (%v), want %v", st.name, stored.ExpiresAt, err, want)
		}
	}
	// Busy to the end, the login dies at the cap.
	e.clock.Set(login.Add(25 * time.Minute))
	resp := e.as(tok.Secret, `query { countStores }`, nil)
	if c := resp.code(t); c != "invalid token" {
		t.Fatalf("at the cap: code %q, want invalid token", c)
	}
	if _, ok := resp.Extensions[api.ExtensionTokenExpiresAt]; ok {
		t.Fatalf("an invalid token's answer reports an expiry: %s", resp.raw)
	}
}

// TestSlideRecordsLastUse checks the stored last use follows the writes,
// and only them.
func TestSlideRecordsLastUse(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.TokenTTL = 10 * time.Minute })
	login := e.clock.Now()
	e.register("ann@example.com", "Ann")
	tok := e.login("ann@example.com", "password-Ann")
	hash := sha256.Sum256([]byte(tok.Secret))
	for _, at := range []time.Duration{time.Minute, 6 * time.Minute, 7 * time.Minute} {
		e.clock.Set(login.Add(at))
		e.as(tok.Secret, `query { countStores }`, nil).noErrors(t)
	}
	stored, err := e.db.Token(t.Context(), hash[:], login)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.CreatedAt.Equal(login) || !stored.LastUsedAt.Equal(login.Add(6*time.Minute)) ||
		!stored.ExpiresAt.Equal(login.Add(16*time.Minute)) {
		t.Fatalf("token made %v, last used %v, expires %v; want %v, +6m, +16m",
			stored.CreatedAt, stored.LastUsedAt, stored.ExpiresAt, login)
	}
}

// TestSessionMaxBelowTTL: a cap shorter than the ttl is raised to it, so a
// login lasts at least its first ttl.
func TestSessionMaxBelowTTL(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.TokenTTL = 10 * time.Minute; o.SessionMax = time.Minute })
	e.register("ann@example.com", "Ann")
	tok := e.login("ann@example.com", "password-Ann")
	e.clock.Advance(9 * time.Minute)
	e.as(tok.Secret, `query { countStores }`, nil).noErrors(t)
	e.clock.Advance(time.Minute)
	if c := e.as(tok.Secret, `query { countStores }`, nil).code(t); c != "invalid token" {
		t.Fatalf("after ttl = cap: code %q, want invalid token", c)
	}
}
