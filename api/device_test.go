package api_test

import (
	"context"
	"testing"

	"shopkeeper/rules"
	"shopkeeper/visitor"
)

// deviceLogin logs in through the in-process executor as the web does for
// a browser whose device cookie it checked, and returns the error code, ""
// for a login.
func (e *env) deviceLogin(dev visitor.Device, email, pw string) string {
	e.t.Helper()
	ctx := visitor.NewContext(context.Background(), visitor.Visitor{Addr: "192.0.2.7", Device: &dev})
	_, errs, _ := e.srv.Execute(ctx, "", loginMutation, "", map[string]any{"email": email, "password": pw})
	if len(errs) == 0 {
		return ""
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

func TestDeviceHasItsOwnLoginBudget(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	const right = "password-Ann"
	for range 5 {
		if r := e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "wrong guess"}); r.code(t) != rules.CodeAuthenticationFailed {
			t.Fatalf("%s", r.raw)
		}
	}
	retryAfter(t, e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": right}))

	annsPhone := visitor.Device{Email: "ann@example.com", ID: "phone"}
	if code := e.deviceLogin(visitor.Device{Email: "bea@example.com", ID: "beas"}, "ann@example.com", right); code != rules.CodeTooManyRequests {
		t.Fatalf("a device of another account: %q, want the account's limit", code)
	}
	if code := e.deviceLogin(annsPhone, " ANN@example.com", right); code != "" {
		t.Fatalf("the owner's device while the account is throttled: %q, want logged in", code)
	}
	// Four mistakes and a login: the login clears the device's count, so
	// five more mistakes are allowed before it waits.
	for range 4 {
		if code := e.deviceLogin(annsPhone, "ann@example.com", "wrong guess"); code != rules.CodeAuthenticationFailed {
			t.Fatalf("device mistake: %q", code)
		}
	}
	if code := e.deviceLogin(annsPhone, "ann@example.com", right); code != "" {
		t.Fatalf("device login: %q", code)
	}
	for i := range 5 {
		if code := e.deviceLogin(annsPhone, "ann@example.com", "wrong guess"); code != rules.CodeAuthenticationFailed {
			t.Fatalf("device mistake %d after a login: %q; the login did not clear the device's count", i+1, code)
		}
	}
	if code := e.deviceLogin(annsPhone, "ann@example.com", right); code != rules.CodeTooManyRequests {
		t.Fatalf("sixth device attempt: %q, want the device's own limit", code)
	}
	// The device's logins left the account's count alone: guessers do not
	// get it back whenever the owner logs in.
	retryAfter(t, e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": right}))
}
