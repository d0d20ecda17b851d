package handlers_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/password"
)

// An unknown email must cost the same password hash as a wrong password, or
// the response time tells which emails have accounts. Rather than timing
// (flaky), the test makes the hash observable: with the hasher's only slot
// held, every path that hashes fails fast as "busy", and a path that skipped
// the hash would answer 401 instead.
func TestUnknownEmailSpendsAPasswordHashToo(t *testing.T) {
	h := password.New(password.Options{
		Params:        password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		MaxConcurrent: 1,
		MaxWait:       20 * time.Millisecond,
	})
	a := newAppWithAPI(t, func(o *api.Options) { o.Hasher = h })
	a.browser().signup("Ada", "ada@example.com", "correct horse")

	// Hold the only slot with one slow verification (32 MiB, many passes);
	// if it ends before both logins are answered, try again slower.
	var answers map[string]*response
	for passes := 12; answers == nil; passes *= 2 {
		if passes > 100 {
			t.Fatal("could not keep the hasher busy for two logins")
		}
		answers = loginsWhileHasherBusy(t, a, h, passes)
	}
	wrong, unknown := answers["ada@example.com"], answers["nobody@example.com"]
	wantStatus(t, wrong, http.StatusServiceUnavailable)
	if unknown.StatusCode != wrong.StatusCode || strings.ReplaceAll(unknown.body, "nobody@", "ada@") != wrong.body {
		t.Errorf("with the hasher busy, unknown email answered %d, wrong password %d: only one of them hashes",
			unknown.StatusCode, wrong.StatusCode)
	}
}

// loginsWhileHasherBusy answers a wrong password and an unknown email while
// a verification of the given passes holds h's only slot, or nil if the slot
// came free before both were answered.
func loginsWhileHasherBusy(t *testing.T, a *app, h *password.Hasher, passes int) map[string]*response {
	b64 := base64.RawStdEncoding
	slow := fmt.Sprintf("$argon2id$v=19$m=32768,t=%d,p=1$%s$%s", passes, b64.EncodeToString(make([]byte, 16)), b64.EncodeToString(make([]byte, 32)))
	done := make(chan struct{})
	defer func() { <-done }()
	go func() { defer close(done); _, _, _ = h.Verify(context.Background(), slow, "x") }()
	busy := func() bool { return errors.Is(h.VerifyDummy(context.Background(), "probe"), password.ErrBusy) }
	for !busy() {
		select {
		case <-done:
			return nil
		case <-time.After(time.Millisecond):
		}
	}
	answers := map[string]*response{}
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		answers[email] = a.browser().post("/login", url.Values{"email": {email}, "password": {"wrong guess"}}, true)
	}
	if !busy() {
		return nil
	}
	return answers
}
