package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"shopkeeper/handlers"
)

func withKeys(keys ...[]byte) appOption {
	return func(o *handlers.Options) { o.SessionKeys = keys }
}

func TestSessionKeyRotation(t *testing.T) {
	oldKeys := testKeys
	newKeys := [][]byte{[]byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32))}
	onlyOld := newApp(t, withKeys(oldKeys...))
	rotated := onlyOld.sibling(false, withKeys(append(append([][]byte{}, newKeys...), oldKeys...)...))
	onlyNew := onlyOld.sibling(false, withKeys(newKeys...))

	b := onlyOld.browser()
	b.signup("Ada", "ada@example.com", "correct horse")
	b.get("/", false) // shows the welcome, so nothing else would rewrite the cookie
	oldCookie := b.cookie("fauna-session")

	// The rotated server still opens the old cookie, and re-issues it with
	// the new key.
	r := rotated.browserWith(oldCookie).get("/", false)
	wantStatus(t, r, http.StatusOK)
	if r.doc.Find(`[data-testid="nav-user"]`).Length() == 0 {
		t.Fatal("the rotated server does not accept a cookie made with the old key")
	}
	reissued := setCookie(r)
	if reissued == nil {
		t.Fatal("the old cookie was not re-issued")
	}
	sessionValues(t, reissued, newKeys) // fails the test if it does not open with the new key alone
	if !onlyNew.browserWith(reissued).loggedIn() {
		t.Error("the re-issued cookie does not work once the old key is gone")
	}
	// A cookie already on the new key is left alone.
	if c := setCookie(rotated.browserWith(reissued).get("/", false)); c != nil {
		t.Errorf("a current cookie was re-issued: %+v", c)
	}

	// New logins on the rotated server use the new key.
	fresh := rotated.browser()
	fresh.signup("Bea", "bea@example.com", "correct horse")
	sessionValues(t, fresh.cookie("fauna-session"), newKeys)
	if onlyOld.browserWith(fresh.cookie("fauna-session")).loggedIn() {
		t.Error("a server with only the old key opened a cookie made with the new one")
	}

	// Once the old key is dropped, its cookies are refused: the visitor is
	// simply logged out.
	r = onlyNew.browserWith(oldCookie).get("/", false)
	wantStatus(t, r, http.StatusOK)
	if r.doc.Find(`[data-testid="nav-user"]`).Length() != 0 {
		t.Error("a server without the old key accepted its cookie")
	}
}
