package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/rules"
)

// createStores makes n stores for o, perStoreRequest aliased createStore
// fields a request, and fails on any error.
func (e *env) createStores(o owner, n int) {
	e.t.Helper()
	const perRequest = 19 // the most the complexity limit lets through
	for done := 0; done < n; {
		k := min(perRequest, n-done)
		var q strings.Builder
		q.WriteString("mutation {")
		for i := range k {
			fmt.Fprintf(&q, ` s%d: createStore(data: { name: "Shop %d", email: "s@shop.test" }) { _id }`, i, done+i)
		}
		q.WriteString(" }")
		e.as(o.Secret, q.String(), nil).noErrors(e.t)
		done += k
	}
}

func (e *env) countStores(o owner) int {
	e.t.Helper()
	var d struct{ CountStores int }
	r := e.as(o.Secret, `{ countStores }`, nil)
	r.noErrors(e.t)
	r.decode(e.t, &d)
	return d.CountStores
}

// TestStoreCap: an owner has at most 1,000 stores by default; the next
// createStore is refused with a message saying so, and a delete makes room.
func TestStoreCap(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.Limits.Off = true })
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	e.createStores(ann, api.DefaultMaxStores)

	r := e.as(ann.Secret, createStoreMutation, map[string]any{"name": "One too many", "email": "x@shop.test", "ownerId": ann.ID})
	if code := r.code(t); code != rules.CodeValidationFailed || !strings.Contains(r.Errors[0].Message, "at most 1000 stores") {
		t.Fatalf("store 1,001: %s, want validation failed saying at most 1000 stores", r.raw)
	}
	if n := e.countStores(ann); n != api.DefaultMaxStores {
		t.Fatalf("countStores = %d, want %d", n, api.DefaultMaxStores)
	}
	e.createStore(bob, "bobs") // another owner's count is their own

	var first struct {
		FindOwnerByEmail struct{ Stores struct{ Data []shop } }
	}
	e.as(ann.Secret, `{ findOwnerByEmail(email: "ann@example.com") { stores(_size: 1) { data { _id } } } }`, nil).decode(t, &first)
	e.as(ann.Secret, `mutation($id: ID!) { deleteStore(id: $id) { _id } }`,
		map[string]any{"id": first.FindOwnerByEmail.Stores.Data[0].ID}).noErrors(t)
	e.createStore(ann, "freed")
}

// TestMaxStoresOption: Options.MaxStores sets the cap.
func TestMaxStoresOption(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.MaxStores = 2 })
	ann := e.register("ann@example.com", "Ann")
	e.createStores(ann, 2)
	r := e.as(ann.Secret, createStoreMutation, map[string]any{"name": "Third", "email": "x@shop.test", "ownerId": ann.ID})
	if code := r.code(t); code != rules.CodeValidationFailed || !strings.Contains(r.Errors[0].Message, "at most 2 stores") {
		t.Fatalf("store 3 of 2: %s", r.raw)
	}
}

// TestStoreWritesAreThrottled: 60 store writes a minute per owner, every
// kind of write counted, from every session of the owner; the 61st is
// TOO_MANY_REQUESTS with retryAfter and changes nothing.
func TestStoreWritesAreThrottled(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	other := e.login("ann@example.com", "password-Ann").Secret // a second session of ann's

	s := e.createStore(ann, "kept") // write 1
	e.createStores(ann, 19)         // writes 2 to 20
	for i := range 20 {             // writes 21 to 40
		e.as(other, `mutation($id: ID!, $n: String!) { updateStore(id: $id, data: { name: $n, email: "k@shop.test" }) { _id } }`,
			map[string]any{"id": s.ID, "n": fmt.Sprint("Kept ", i)}).noErrors(t)
	}
	for i := range 19 { // writes 41 to 59
		e.as(ann.Secret, `mutation($id: ID!, $n: String!) { partialUpdateStore(id: $id, data: { name: $n }) { _id } }`,
			map[string]any{"id": s.ID, "n": fmt.Sprint("Kept ", 20+i)}).noErrors(t)
	}
	e.as(ann.Secret, `mutation { deleteStore(id: "12345") { _id } }`, nil).noErrors(t) // write 60: an unknown store counts too

	for name, q := range map[string]string{
		"createStore":        `mutation { createStore(data: { name: "Late", email: "l@shop.test" }) { _id } }`,
		"updateStore":        `mutation { updateStore(id: "` + s.ID + `", data: { name: "Late", email: "l@shop.test" }) { _id } }`,
		"partialUpdateStore": `mutation { partialUpdateStore(id: "` + s.ID + `", data: { name: "Late" }) { _id } }`,
		"deleteStore":        `mutation { deleteStore(id: "` + s.ID + `") { _id } }`,
	} {
		for _, secret := range []string{ann.Secret, other} {
			r := e.as(secret, q, nil)
			if code := r.code(t); code != rules.CodeTooManyRequests {
				t.Fatalf("%s past 60 writes: %s, want TOO_MANY_REQUESTS", name, r.raw)
			}
			if secs, _ := r.Errors[0].Extensions["retryAfter"].(float64); secs < 1 {
				t.Fatalf("%s: retryAfter = %v, want at least 1 s", name, r.Errors[0].Extensions["retryAfter"])
			}
		}
	}
	var got struct{ FindStoreByID shop }
	e.as(ann.Secret, `query($id: ID!) { findStoreByID(id: $id) { name } }`, map[string]any{"id": s.ID}).decode(t, &got)
	if got.FindStoreByID.Name != "Kept 38" {
		t.Fatalf("the store after the refused writes: %+v, want it as write 59 left it", got.FindStoreByID)
	}
	if n := e.countStores(ann); n != 20 {
		t.Fatalf("ann has %d stores, want the 20 made before the limit", n)
	}
	if !strings.Contains(e.logs.String(), `"action":"store_write"`) {
		t.Error("the refusal was not audited")
	}

	e.createStore(bob, "bobs") // another owner's writes are counted apart
	e.clock.Advance(time.Second)
	e.createStore(ann, "later") // one write a second comes back
}

// TestStoreWritesUnthrottledWhenOff: Limits.Off (SHOP_RATE_LIMITS=off)
// lets an owner write as fast as they like.
func TestStoreWritesUnthrottledWhenOff(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.Limits.Off = true })
	ann := e.register("ann@example.com", "Ann")
	e.createStores(ann, 100)
	if n := e.countStores(ann); n != 100 {
		t.Fatalf("countStores = %d, want 100", n)
	}
}

// TestLogoutKeepCurrent: logout(allTokens: true, keepCurrent: true) ends
// every other session of the owner and keeps the caller's; logout(allTokens:
// true) still ends them all; keepCurrent alone is refused and ends nothing.
func TestLogoutKeepCurrent(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	others := []string{ann.Secret}
	for range 3 {
		others = append(others, e.login("ann@example.com", "password-Ann").Secret)
	}
	current := e.login("ann@example.com", "password-Ann").Secret
	live := func(secret string) bool {
		t.Helper()
		r := e.as(secret, `{ countStores }`, nil)
		if len(r.Errors) == 0 {
			return true
		}
		if code := r.code(t); code != rules.CodeInvalidToken {
			t.Fatalf("countStores: %s", r.raw)
		}
		return false
	}

	r := e.as(current, `mutation { logout(keepCurrent: true) }`, nil)
	if msg := r.invalidField(t, "keepCurrent"); msg == "" {
		t.Fatal("no message")
	}
	for _, s := range append(others, current) {
		if !live(s) {
			t.Fatal("a refused logout ended a session")
		}
	}

	e.as(current, `mutation { logout(allTokens: true, keepCurrent: true) }`, nil).noErrors(t)
	for i, s := range others {
		if live(s) {
			t.Fatalf("other session %d lives on after logging out the others", i)
		}
	}
	if !live(current) || !live(bob.Secret) {
		t.Fatal("the caller's session, or another owner's, ended")
	}
	if ss := e.sessions(current); len(ss) != 1 || !ss[0].Current {
		t.Fatalf("mySessions after logging out the others: %+v", ss)
	}

	second := e.login("ann@example.com", "password-Ann").Secret
	e.as(current, `mutation { logout(allTokens: true) }`, nil).noErrors(t)
	if live(current) || live(second) {
		t.Fatal("logout(allTokens: true) left a session of the owner")
	}
}
