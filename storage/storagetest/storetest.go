// Package storagetest is the conformance suite every storage.DB backend must
// pass. It uses only the store interface, so SQLite and PostgreSQL run the
// same cases.
package storagetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shopkeeper/storage"
)

// Run runs the suite. open must return a fresh, empty store for each call;
// the suite closes it.
func Run(t *testing.T, open func(t *testing.T) storage.DB) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, s storage.DB)
	}{
		{"Owners", testOwners},
		{"DuplicateEmail", testDuplicateEmail},
		{"PasswordHash", testPasswordHash},
		{"Tokens", testTokens},
		{"TokenExpiry", testTokenExpiry},
		{"SlideToken", testSlideToken},
		{"ConcurrentSlides", testConcurrentSlides},
		{"OwnerTokens", testOwnerTokens},
		{"DeleteOwnerToken", testDeleteOwnerToken},
		{"SessionCap", testSessionCap},
		{"DeleteOwnerTokensKeep", testDeleteOwnerTokensKeep},
		{"ChangePassword", testChangePassword},
		{"DeleteOwner", testDeleteOwner},
		{"ResetTokens", testResetTokens},
		{"ResetTokenExpiry", testResetTokenExpiry},
		{"NewResetTokenReplaces", testNewResetTokenReplaces},
		{"ConcurrentResetUse", testConcurrentResetUse},
		{"Shops", testStores},
		{"ShopLists", testStoreLists},
		{"PartialUpdate", testPartialUpdate},
		{"NoLostUpdate", testNoLostUpdate},
		{"OwnerIsolation", testOwnerIsolation},
		{"MalformedIDs", testMalformedIDs},
		{"Paging", testPaging},
		{"ConcurrentWrites", testConcurrentWrites},
		{"StoreCap", testStoreCap},
		{"ConcurrentStoreCap", testConcurrentStoreCap},
		{"UpdatedAtFollowsWriteOrder", testUpdatedAtFollowsWriteOrder},
		{"Ping", testPing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			c.fn(t, s)
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// NewOwner creates an owner with a unique email, for tests.
func NewOwner(t *testing.T, s storage.DB, email string) storage.Owner {
	t.Helper()
	o, err := s.CreateOwner(ctx(t), storage.Owner{Name: "Owner " + email, Email: email, PasswordHash: "hash-of-" + email})
	if err != nil {
		t.Fatalf("CreateOwner(%q): %v", email, err)
	}
	return o
}

func newStore(t *testing.T, s storage.DB, ownerID, name string) storage.Store {
	t.Helper()
	sh, err := s.CreateStore(ctx(t), storage.Store{OwnerID: ownerID, Name: name, Email: name + "@shop.test"}, 0)
	if err != nil {
		t.Fatalf("CreateShop(%q): %v", name, err)
	}
	return sh
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testOwners(t *testing.T, s storage.DB) {
	before := time.Now().Add(-time.Second)
	o, err := s.CreateOwner(ctx(t), storage.Owner{Name: "Ann", Email: "  Ann@Example.COM ", PasswordHash: "h1"})
	noErr(t, "CreateOwner", err)
	if o.ID == "" || o.Email != "ann@example.com" || o.Name != "Ann" || o.PasswordHash != "h1" {
		t.Fatalf("created %+v; want an id, the normalised email and the given name and hash", o)
	}
	if o.UpdatedAt.Before(before) || o.UpdatedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("UpdatedAt = %v, want about now", o.UpdatedAt)
	}
	got, err := s.Owner(ctx(t), o.ID)
	noErr(t, "Owner", err)
	if !equalOwner(got, o) {
		t.Fatalf("Owner = %+v, want %+v", got, o)
	}
	for _, email := range []string{"ann@example.com", "ANN@example.com", " ann@EXAMPLE.com\t"} {
		got, err = s.OwnerByEmail(ctx(t), email)
		noErr(t, "OwnerByEmail "+email, err)
		if got.ID != o.ID {
			t.Fatalf("OwnerByEmail(%q) = %s, want %s", email, got.ID, o.ID)
		}
	}
	_, err = s.OwnerByEmail(ctx(t), "bob@example.com")
	wantErr(t, "OwnerByEmail unknown", err, storage.ErrNotFound)
	other := NewOwner(t, s, "bob@example.com")
	if other.ID == o.ID {
		t.Fatal("two owners share an id")
	}
}

func equalOwner(a, b storage.Owner) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Email == b.Email &&
		a.PasswordHash == b.PasswordHash && a.UpdatedAt.Equal(b.UpdatedAt)
}

func testDuplicateEmail(t *testing.T, s storage.DB) {
	first := NewOwner(t, s, "dup@example.com")
	for _, email := range []string{"dup@example.com", "DUP@example.com", "  dup@example.com  "} {
		_, err := s.CreateOwner(ctx(t), storage.Owner{Name: "Other", Email: email, PasswordHash: "h"})
		wantErr(t, "CreateOwner "+email, err, storage.ErrDuplicate)
	}
	got, err := s.OwnerByEmail(ctx(t), "dup@example.com")
	noErr(t, "OwnerByEmail", err)
	if !equalOwner(got, first) {
		t.Fatalf("after duplicates the owner is %+v, want it unchanged %+v", got, first)
	}
}

func testPasswordHash(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "pw@example.com")
	noErr(t, "SetPasswordHash", s.SetPasswordHash(ctx(t), o.ID, "new-hash"))
	got, err := s.Owner(ctx(t), o.ID)
	noErr(t, "Owner", err)
	if got.PasswordHash != "new-hash" {
		t.Fatalf("PasswordHash = %q, want new-hash", got.PasswordHash)
	}
	if !got.UpdatedAt.Equal(o.UpdatedAt) {
		t.Fatalf("UpdatedAt moved from %v to %v on a rehash", o.UpdatedAt, got.UpdatedAt)
	}
	wantErr(t, "SetPasswordHash unknown", s.SetPasswordHash(ctx(t), "12345", "x"), storage.ErrNotFound)
	wantErr(t, "SetPasswordHash malformed", s.SetPasswordHash(ctx(t), "x'; --", "x"), storage.ErrNotFound)
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func testTokens(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	for _, tok := range []storage.Token{
		{Hash: hash("a1"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("a2"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("b1"), OwnerID: bob.ID, ExpiresAt: exp},
	} {
		noErr(t, "CreateToken", s.CreateToken(ctx(t), tok))
	}
	got, err := s.Token(ctx(t), hash("a1"), now)
	noErr(t, "Token", err)
	if got.OwnerID != ann.ID || !got.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || string(got.Hash) != string(hash("a1")) {
		t.Fatalf("Token = %+v, want owner %s expiring %v", got, ann.ID, exp)
	}
	if got.Owner.ID != ann.ID || got.Owner.Email != ann.Email || got.Owner.Name != ann.Name ||
		got.Owner.PasswordHash != ann.PasswordHash || !got.Owner.UpdatedAt.Equal(ann.UpdatedAt) {
		t.Fatalf("Token's Owner = %+v, want %+v", got.Owner, ann)
	}
	_, err = s.Token(ctx(t), hash("unknown"), now)
	wantErr(t, "Token unknown", err, storage.ErrNotFound)

	wantErr(t, "CreateToken for unknown owner",
		s.CreateToken(ctx(t), storage.Token{Hash: hash("x"), OwnerID: "42", ExpiresAt: exp}), storage.ErrNotFound)
	wantErr(t, "CreateToken for malformed owner",
		s.CreateToken(ctx(t), storage.Token{Hash: hash("y"), OwnerID: "nope", ExpiresAt: exp}), storage.ErrNotFound)

	noErr(t, "DeleteToken", s.DeleteToken(ctx(t), hash("a1")))
	_, err = s.Token(ctx(t), hash("a1"), now)
	wantErr(t, "Token after delete", err, storage.ErrNotFound)
	_, err = s.Token(ctx(t), hash("a2"), now)
	noErr(t, "other token of the owner survives DeleteToken", err)
	noErr(t, "DeleteToken twice", s.DeleteToken(ctx(t), hash("a1")))

	noErr(t, "CreateToken a3", s.CreateToken(ctx(t), storage.Token{Hash: hash("a3"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "DeleteOwnerTokens", s.DeleteOwnerTokens(ctx(t), ann.ID, nil))
	for _, secret := range []string{"a2", "a3"} {
		_, err = s.Token(ctx(t), hash(secret), now)
		wantErr(t, "Token after DeleteOwnerTokens", err, storage.ErrNotFound)
	}
	_, err = s.Token(ctx(t), hash("b1"), now)
	noErr(t, "another owner's token survives DeleteOwnerTokens", err)
	noErr(t, "DeleteOwnerTokens malformed", s.DeleteOwnerTokens(ctx(t), "bogus", nil))
}

func testTokenExpiry(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "exp@example.com")
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	noErr(t, "CreateToken short", s.CreateToken(ctx(t), storage.Token{Hash: hash("short"), OwnerID: o.ID, ExpiresAt: base.Add(time.Minute)}))
	noErr(t, "CreateToken long", s.CreateToken(ctx(t), storage.Token{Hash: hash("long"), OwnerID: o.ID, ExpiresAt: base.Add(time.Hour)}))

	_, err := s.Token(ctx(t), hash("short"), base.Add(time.Minute-time.Microsecond))
	noErr(t, "Token just before expiry", err)
	_, err = s.Token(ctx(t), hash("short"), base.Add(time.Minute))
	wantErr(t, "Token at expiry", err, storage.ErrNotFound)

	n, err := s.PurgeExpiredTokens(ctx(t), base)
	noErr(t, "PurgeExpiredTokens early", err)
	if n != 0 {
		t.Fatalf("purged %d tokens before any expired", n)
	}
	n, err = s.PurgeExpiredTokens(ctx(t), base.Add(30*time.Minute))
	noErr(t, "PurgeExpiredTokens", err)
	if n != 1 {
		t.Fatalf("purged %d tokens, want 1", n)
	}
	// Purged is gone even for a clock that reads earlier.
	_, err = s.Token(ctx(t), hash("short"), base)
	wantErr(t, "Token after purge", err, storage.ErrNotFound)
	_, err = s.Token(ctx(t), hash("long"), base)
	noErr(t, "live token survives purge", err)
}

func testSlideToken(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "slide@example.com")
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("s"), OwnerID: o.ID,
		ExpiresAt: base.Add(30 * time.Minute), CreatedAt: base}))
	got, err := s.Token(ctx(t), hash("s"), base)
	noErr(t, "Token", err)
	if !got.CreatedAt.Equal(base) || !got.LastUsedAt.Equal(base) {
		t.Fatalf("new token made %v, last used %v; want both %v", got.CreatedAt, got.LastUsedAt, base)
	}

	steps := []struct {
		name         string
		now, expires time.Time
		moved        bool
		wantExpiry   time.Time
		wantLastUsed time.Time
	}{
		{"forward", base.Add(20 * time.Minute), base.Add(50 * time.Minute), true, base.Add(50 * time.Minute), base.Add(20 * time.Minute)},
		{"backwards is refused", base.Add(21 * time.Minute), base.Add(40 * time.Minute), false, base.Add(50 * time.Minute), base.Add(20 * time.Minute)},
		{"to the same expiry changes nothing", base.Add(22 * time.Minute), base.Add(50 * time.Minute), false, base.Add(50 * time.Minute), base.Add(20 * time.Minute)},
		{"an expired token is not revived", base.Add(50 * time.Minute), base.Add(80 * time.Minute), false, base.Add(50 * time.Minute), base.Add(20 * time.Minute)},
	}
	for _, st := range steps {
		moved, err := s.SlideToken(ctx(t), hash("s"), st.now, st.expires)
		noErr(t, "SlideToken "+st.name, err)
		if moved != st.moved {
			t.Errorf("%s: moved = %v, want %v", st.name, moved, st.moved)
		}
		got, err := s.Token(ctx(t), hash("s"), base)
		noErr(t, "Token after "+st.name, err)
		if !got.ExpiresAt.Equal(st.wantExpiry) || !got.LastUsedAt.Equal(st.wantLastUsed) || !got.CreatedAt.Equal(base) {
			t.Errorf("%s: token expires %v, last used %v, made %v; want %v, %v, %v",
				st.name, got.ExpiresAt, got.LastUsedAt, got.CreatedAt, st.wantExpiry, st.wantLastUsed, base)
		}
	}
	moved, err := s.SlideToken(ctx(t), hash("unknown"), base, base.Add(time.Hour))
	noErr(t, "SlideToken unknown", err)
	if moved {
		t.Error("SlideToken moved an unknown token")
	}
}

// testConcurrentSlides has several instances slide one token at once, each
// to its own expiry: the latest wins whatever the order.
func testConcurrentSlides(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "slides@example.com")
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("c"), OwnerID: o.ID,
		ExpiresAt: base.Add(30 * time.Minute), CreatedAt: base}))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			now := base.Add(time.Duration(20+i) * time.Minute)
			if _, err := s.SlideToken(ctx(t), hash("c"), now, now.Add(30*time.Minute)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SlideToken: %v", err)
	}
	got, err := s.Token(ctx(t), hash("c"), base)
	noErr(t, "Token", err)
	if want := base.Add(time.Duration(20+n-1+30) * time.Minute); !got.ExpiresAt.Equal(want) {
		t.Fatalf("after concurrent slides the token expires %v, want the latest, %v", got.ExpiresAt, want)
	}
	if want := base.Add(time.Duration(20+n-1) * time.Minute); !got.LastUsedAt.Equal(want) {
		t.Fatalf("last used %v, want %v (the slide that won)", got.LastUsedAt, want)
	}
}

func testStores(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "shop@example.com")
	created, err := s.CreateStore(ctx(t), storage.Store{
		OwnerID: o.ID, Name: "Corner", Email: "Corner@Shop.test",
		PaymentMethods: []string{"cash", "card"}, Categories: []string{"food"},
	}, 0)
	noErr(t, "CreateShop", err)
	if created.ID == "" || created.OwnerID != o.ID || created.Email != "Corner@Shop.test" || created.UpdatedAt.IsZero() {
		t.Fatalf("created %+v", created)
	}
	got, err := s.Store(ctx(t), o.ID, created.ID)
	noErr(t, "Shop", err)
	assertStore(t, got, created)

	time.Sleep(2 * time.Microsecond) // so UpdatedAt must move
	upd := got
	upd.Name, upd.Email, upd.PaymentMethods, upd.Categories = "Corner 2", "c2@shop.test", []string{"card"}, nil
	updated, err := s.UpdateStore(ctx(t), o.ID, upd.ID, every(upd))
	noErr(t, "UpdateShop", err)
	if updated.Name != "Corner 2" || updated.Email != "c2@shop.test" || !slices.Equal(updated.PaymentMethods, []string{"card"}) ||
		updated.Categories != nil || !updated.UpdatedAt.After(created.UpdatedAt) || updated.ID != created.ID || updated.OwnerID != o.ID {
		t.Fatalf("updated %+v (created %+v)", updated, created)
	}
	got, err = s.Store(ctx(t), o.ID, created.ID)
	noErr(t, "Shop after update", err)
	assertStore(t, got, updated)

	_, err = s.UpdateStore(ctx(t), o.ID, "12345", every(storage.Store{Name: "x", Email: "x@x.test"}))
	wantErr(t, "UpdateShop unknown", err, storage.ErrNotFound)

	_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: "98765", Name: "orphan", Email: "o@x.test"}, 0)
	wantErr(t, "CreateShop for unknown owner", err, storage.ErrNotFound)

	n, err := s.CountStores(ctx(t), o.ID)
	noErr(t, "CountShops", err)
	if n != 1 {
		t.Fatalf("CountShops = %d, want 1", n)
	}
	deleted, err := s.DeleteStore(ctx(t), o.ID, created.ID)
	noErr(t, "DeleteShop", err)
	assertStore(t, deleted, updated)
	_, err = s.Store(ctx(t), o.ID, created.ID)
	wantErr(t, "Shop after delete", err, storage.ErrNotFound)
	_, err = s.DeleteStore(ctx(t), o.ID, created.ID)
	wantErr(t, "DeleteShop twice", err, storage.ErrNotFound)
	n, err = s.CountStores(ctx(t), o.ID)
	noErr(t, "CountShops", err)
	if n != 0 {
		t.Fatalf("CountShops after delete = %d, want 0", n)
	}
}

func assertStore(t *testing.T, got, want storage.Store) {
	t.Helper()
	if got.ID != want.ID || got.OwnerID != want.OwnerID || got.Name != want.Name || got.Email != want.Email ||
		!slices.Equal(got.PaymentMethods, want.PaymentMethods) || (got.PaymentMethods == nil) != (want.PaymentMethods == nil) ||
		!slices.Equal(got.Categories, want.Categories) || (got.Categories == nil) != (want.Categories == nil) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("shop = %+v, want %+v", got, want)
	}
}

func testStoreLists(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "lists@example.com")
	for _, tc := range []struct {
		name     string
		payments []string
	}{
		{"nil", nil},
		{"empty", []string{}},
		{"some", []string{"cash", "card with \"quotes\" and ünïcode"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.CreateStore(ctx(t), storage.Store{OwnerID: o.ID, Name: tc.name, Email: "l@x.test", PaymentMethods: tc.payments, Categories: tc.payments}, 0)
			noErr(t, "CreateShop", err)
			got, err := s.Store(ctx(t), o.ID, c.ID)
			noErr(t, "Shop", err)
			assertStore(t, got, c)
		})
	}
}

// every names all of sh's fields, as a full update does.
func every(sh storage.Store) storage.StoreChange {
	return storage.StoreChange{Name: &sh.Name, Email: &sh.Email, PaymentMethods: &sh.PaymentMethods, Categories: &sh.Categories}
}

// testPartialUpdate: UpdateStore sets only the fields it names. A list
// set to nil is cleared (never set), one set to empty is empty, and
// UpdatedAt moves on every update, even one that names nothing.
func testPartialUpdate(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "partial@example.com")
	want, err := s.CreateStore(ctx(t), storage.Store{
		OwnerID: o.ID, Name: "Corner", Email: "corner@shop.test",
		PaymentMethods: []string{"cash"}, Categories: []string{"food", "drinks"},
	}, 0)
	noErr(t, "CreateShop", err)
	steps := []struct {
		name  string
		ch    storage.StoreChange
		apply func(*storage.Store)
	}{
		{"name", storage.StoreChange{Name: new("Corner 2")}, func(w *storage.Store) { w.Name = "Corner 2" }},
		{"email", storage.StoreChange{Email: new("c2@shop.test")}, func(w *storage.Store) { w.Email = "c2@shop.test" }},
		{"payment methods", storage.StoreChange{PaymentMethods: new([]string{"card", "cheque"})}, func(w *storage.Store) { w.PaymentMethods = []string{"card", "cheque"} }},
		{"categories cleared", storage.StoreChange{Categories: new([]string(nil))}, func(w *storage.Store) { w.Categories = nil }},
		{"payment methods emptied", storage.StoreChange{PaymentMethods: new([]string{})}, func(w *storage.Store) { w.PaymentMethods = []string{} }},
		{"nothing", storage.StoreChange{}, func(*storage.Store) {}},
		{"name and categories", storage.StoreChange{Name: new("Corner 3"), Categories: new([]string{"books"})}, func(w *storage.Store) {
			w.Name, w.Categories = "Corner 3", []string{"books"}
		}},
	}
	for _, st := range steps {
		time.Sleep(2 * time.Microsecond) // so UpdatedAt must move
		got, err := s.UpdateStore(ctx(t), o.ID, want.ID, st.ch)
		noErr(t, "UpdateShop "+st.name, err)
		if !got.UpdatedAt.After(want.UpdatedAt) {
			t.Fatalf("update of %s: UpdatedAt %v is not after %v", st.name, got.UpdatedAt, want.UpdatedAt)
		}
		st.apply(&want)
		want.UpdatedAt = got.UpdatedAt
		assertStore(t, got, want)
		stored, err := s.Store(ctx(t), o.ID, want.ID)
		noErr(t, "Shop after updating "+st.name, err)
		assertStore(t, stored, want)
	}

	// Another owner's shop and an unknown one are not found, and the shop
	// stays as it was.
	bob := NewOwner(t, s, "bob@example.com")
	_, err = s.UpdateStore(ctx(t), bob.ID, want.ID, storage.StoreChange{Name: new("stolen")})
	wantErr(t, "UpdateShop of another owner", err, storage.ErrNotFound)
	_, err = s.UpdateStore(ctx(t), bob.ID, want.ID, storage.StoreChange{})
	wantErr(t, "empty UpdateShop of another owner", err, storage.ErrNotFound)
	_, err = s.UpdateStore(ctx(t), o.ID, "12345", storage.StoreChange{Categories: new([]string(nil))})
	wantErr(t, "UpdateShop unknown", err, storage.ErrNotFound)
	stored, err := s.Store(ctx(t), o.ID, want.ID)
	noErr(t, "Shop", err)
	assertStore(t, stored, want)
}

// testNoLostUpdate races updates that each name one field, one writer a
// field. However they interleave, every field ends with the last value its
// own writer set, which it would not if an update read the shop, changed
// its field and wrote every field back.
func testNoLostUpdate(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "lost@example.com")
	sh := newStore(t, s, o.ID, "lost")
	const n = 50
	writers := []func(i int) storage.StoreChange{
		func(i int) storage.StoreChange { return storage.StoreChange{Name: new(fmt.Sprint("name ", i))} },
		func(i int) storage.StoreChange {
			return storage.StoreChange{Email: new(fmt.Sprintf("e%d@shop.test", i))}
		},
		func(i int) storage.StoreChange {
			return storage.StoreChange{PaymentMethods: new([]string{fmt.Sprint("pay ", i)})}
		},
		func(i int) storage.StoreChange {
			return storage.StoreChange{Categories: new([]string{fmt.Sprint("cat ", i), "shared"})}
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(writers))
	for _, change := range writers {
		wg.Go(func() {
			for i := range n {
				if _, err := s.UpdateStore(ctx(t), o.ID, sh.ID, change(i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.Store(ctx(t), o.ID, sh.ID)
	noErr(t, "Shop", err)
	const last = n - 1
	assertStore(t, got, storage.Store{
		ID: sh.ID, OwnerID: o.ID, Name: fmt.Sprint("name ", last), Email: fmt.Sprintf("e%d@shop.test", last),
		PaymentMethods: []string{fmt.Sprint("pay ", last)}, Categories: []string{fmt.Sprint("cat ", last), "shared"},
		UpdatedAt: got.UpdatedAt,
	})
}

func testOwnerIsolation(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	annStore := newStore(t, s, ann.ID, "anns")
	newStore(t, s, bob.ID, "bobs")

	_, err := s.Store(ctx(t), bob.ID, annStore.ID)
	wantErr(t, "Shop of another owner", err, storage.ErrNotFound)
	_, err = s.UpdateStore(ctx(t), bob.ID, annStore.ID, every(storage.Store{Name: "stolen", Email: "s@x.test"}))
	wantErr(t, "UpdateShop of another owner", err, storage.ErrNotFound)
	_, err = s.DeleteStore(ctx(t), bob.ID, annStore.ID)
	wantErr(t, "DeleteShop of another owner", err, storage.ErrNotFound)

	got, err := s.Store(ctx(t), ann.ID, annStore.ID)
	noErr(t, "Shop", err)
	assertStore(t, got, annStore)

	for _, o := range []storage.Owner{ann, bob} {
		page, err := s.Stores(ctx(t), o.ID, 0, "")
		noErr(t, "Shops", err)
		if len(page.Stores) != 1 || page.Stores[0].OwnerID != o.ID || page.Next != "" {
			t.Fatalf("Shops(%s) = %+v, want exactly their one shop", o.Email, page)
		}
		n, err := s.CountStores(ctx(t), o.ID)
		noErr(t, "CountShops", err)
		if n != 1 {
			t.Fatalf("CountShops(%s) = %d, want 1", o.Email, n)
		}
	}
}

func testMalformedIDs(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "ids@example.com")
	sh := newStore(t, s, o.ID, "real")
	bad := []string{"", "abc", "-1", "0", "+" + sh.ID, "0" + sh.ID, sh.ID + " ", "1e5", "99999999999999999999999",
		"1; DROP TABLE stores", "' OR 1=1 --", "\x00", "12\x003"}
	for _, id := range bad {
		_, err := s.Owner(ctx(t), id)
		wantErr(t, fmt.Sprintf("Owner(%q)", id), err, storage.ErrNotFound)
		_, err = s.Store(ctx(t), o.ID, id)
		wantErr(t, fmt.Sprintf("Shop(%q)", id), err, storage.ErrNotFound)
		_, err = s.Store(ctx(t), id, sh.ID)
		wantErr(t, fmt.Sprintf("Shop(owner %q)", id), err, storage.ErrNotFound)
		_, err = s.UpdateStore(ctx(t), o.ID, id, every(storage.Store{Name: "x", Email: "x@x.test"}))
		wantErr(t, fmt.Sprintf("UpdateShop(%q)", id), err, storage.ErrNotFound)
		_, err = s.DeleteStore(ctx(t), o.ID, id)
		wantErr(t, fmt.Sprintf("DeleteShop(%q)", id), err, storage.ErrNotFound)
		_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: id, Name: "x", Email: "x@x.test"}, 0)
		wantErr(t, fmt.Sprintf("CreateShop(owner %q)", id), err, storage.ErrNotFound)
		n, err := s.CountStores(ctx(t), id)
		if err != nil || n != 0 {
			t.Fatalf("CountShops(%q) = %d, %v; want 0, nil", id, n, err)
		}
		page, err := s.Stores(ctx(t), id, 10, "")
		if err != nil || len(page.Stores) != 0 {
			t.Fatalf("Shops(%q) = %+v, %v; want empty", id, page, err)
		}
	}
	got, err := s.Store(ctx(t), o.ID, sh.ID)
	noErr(t, "the real shop survives", err)
	assertStore(t, got, sh)
}

func testPaging(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "pages@example.com")
	other := NewOwner(t, s, "other@example.com")
	var want []string
	for i := range 7 {
		want = append(want, newStore(t, s, o.ID, fmt.Sprintf("s%d", i)).ID)
		newStore(t, s, other.ID, fmt.Sprintf("o%d", i))
	}
	for _, size := range []int{1, 2, 3, 7, 8, 100} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				page, err := s.Stores(ctx(t), o.ID, size, cursor)
				noErr(t, "Shops", err)
				if len(page.Stores) > size {
					t.Fatalf("page of %d, want at most %d", len(page.Stores), size)
				}
				for _, sh := range page.Stores {
					got = append(got, sh.ID)
				}
				if page.Next == "" {
					break
				}
				if len(page.Stores) != size {
					t.Fatalf("a page with a next cursor has %d shops, want %d", len(page.Stores), size)
				}
				cursor = page.Next
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged ids = %v, want %v (creation order, no repeats)", got, want)
			}
		})
	}
	page, err := s.Stores(ctx(t), o.ID, 0, "")
	noErr(t, "Shops default size", err)
	if len(page.Stores) != 7 || page.Next != "" {
		t.Fatalf("default page has %d shops, next %q", len(page.Stores), page.Next)
	}
	for _, c := range []string{"garbage", "!!!", "bm90IGEgY3Vyc29y"} {
		_, err := s.Stores(ctx(t), o.ID, 2, c)
		wantErr(t, "Shops with cursor "+c, err, storage.ErrInvalidCursor)
	}
	empty := NewOwner(t, s, "empty@example.com")
	page, err = s.Stores(ctx(t), empty.ID, 5, "")
	noErr(t, "Shops of an owner without shops", err)
	if page.Stores == nil || len(page.Stores) != 0 || page.Next != "" {
		t.Fatalf("empty page = %+v, want non-nil empty slice and no cursor", page)
	}
}

func testConcurrentWrites(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "busy@example.com")
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n*3)
	for i := range n {
		wg.Go(func() {
			sh, err := s.CreateStore(ctx(t), storage.Store{OwnerID: o.ID, Name: fmt.Sprint(i), Email: "c@x.test"}, 0)
			if err != nil {
				errs <- err
				return
			}
			if _, err := s.UpdateStore(ctx(t), o.ID, sh.ID, every(sh)); err != nil {
				errs <- err
			}
			if err := s.CreateToken(ctx(t), storage.Token{Hash: hash(fmt.Sprint(i)), OwnerID: o.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				errs <- err
			}
			if _, err := s.Stores(ctx(t), o.ID, 5, ""); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	count, err := s.CountStores(ctx(t), o.ID)
	noErr(t, "CountShops", err)
	if count != n {
		t.Fatalf("CountShops = %d, want %d", count, n)
	}
}

// testUpdatedAtFollowsWriteOrder races many updates of one shop, with
// creates of other shops in between. UpdatedAt (the API's _ts) must follow
// the order the writes took effect: every update gets a distinct time, and
// the shop as stored is the one the update with the greatest time wrote.
// A backend that takes the time before waiting for its turn to write lets
// a write that waited longer land last with an older time.
func testUpdatedAtFollowsWriteOrder(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "race@example.com")
	created := newStore(t, s, o.ID, "race")
	const n = 200
	results := make([]storage.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if i%4 == 0 {
				if _, err := s.CreateStore(ctx(t), storage.Store{OwnerID: o.ID, Name: fmt.Sprint("other", i), Email: "o@x.test"}, 0); err != nil {
					errs[i] = fmt.Errorf("CreateShop: %w", err)
					return
				}
			}
			upd := created
			upd.Name, upd.Email = fmt.Sprint("update ", i), fmt.Sprintf("u%d@shop.test", i)
			results[i], errs[i] = s.UpdateStore(ctx(t), o.ID, created.ID, every(upd))
		})
	}
	wg.Wait()
	for i, err := range errs {
		noErr(t, fmt.Sprint("write ", i), err)
	}

	last := 0
	seen := map[int64]int{}
	for i, r := range results {
		if want := fmt.Sprint("update ", i); r.Name != want {
			t.Fatalf("update %d returned name %q, want %q", i, r.Name, want)
		}
		if !r.UpdatedAt.After(created.UpdatedAt) {
			t.Errorf("update %d: UpdatedAt %v is not after the create's %v", i, r.UpdatedAt, created.UpdatedAt)
		}
		us := r.UpdatedAt.UnixMicro()
		if j, dup := seen[us]; dup {
			t.Errorf("updates %d and %d both returned UpdatedAt %v", j, i, r.UpdatedAt)
		}
		seen[us] = i
		if r.UpdatedAt.After(results[last].UpdatedAt) {
			last = i
		}
	}
	got, err := s.Store(ctx(t), o.ID, created.ID)
	noErr(t, "Shop", err)
	if !got.UpdatedAt.Equal(results[last].UpdatedAt) || got.Name != results[last].Name {
		t.Fatalf("stored shop is %q at %v; the update with the greatest UpdatedAt wrote %q at %v",
			got.Name, got.UpdatedAt.Format(time.RFC3339Nano), results[last].Name, results[last].UpdatedAt.Format(time.RFC3339Nano))
	}
	assertStore(t, got, results[last])
}

// UpdatedAtNeverGoesBack checks that a shop's UpdatedAt moves forward on
// every update even when the clock reads earlier than the stored time, as
// after the clock steps back. setUpdatedAt writes a shop's stored time
// directly, which only the backend's own tests can do.
func UpdatedAtNeverGoesBack(t *testing.T, s storage.DB, setUpdatedAt func(shopID string, at time.Time)) {
	t.Helper()
	o := NewOwner(t, s, "clock@example.com")
	sh := newStore(t, s, o.ID, "clock")
	future := time.Now().Add(time.Hour).Truncate(time.Microsecond).UTC()
	setUpdatedAt(sh.ID, future)
	prev := future
	for i := range 3 {
		sh.Name = fmt.Sprint("after step back ", i)
		upd, err := s.UpdateStore(ctx(t), o.ID, sh.ID, every(sh))
		noErr(t, "UpdateShop", err)
		if want := prev.Add(time.Microsecond); !upd.UpdatedAt.Equal(want) {
			t.Fatalf("update %d over a stored time an hour ahead: UpdatedAt = %v, want %v", i, upd.UpdatedAt, want)
		}
		got, err := s.Store(ctx(t), o.ID, sh.ID)
		noErr(t, "Shop", err)
		assertStore(t, got, upd)
		prev = upd.UpdatedAt
	}
}

func testPing(t *testing.T, s storage.DB) {
	noErr(t, "Ping", s.Ping(ctx(t)))
}

func testOwnerTokens(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	long := strings.Repeat("é", storage.MaxUserAgent) // 2 bytes a rune
	for i, tok := range []storage.Token{
		{Hash: hash("old"), OwnerID: ann.ID, CreatedAt: base, ExpiresAt: base.Add(time.Hour), UserAgent: "Firefox"},
		{Hash: hash("new"), OwnerID: ann.ID, CreatedAt: base.Add(2 * time.Minute), ExpiresAt: base.Add(time.Hour), UserAgent: long},
		{Hash: hash("mid"), OwnerID: ann.ID, CreatedAt: base.Add(time.Minute), ExpiresAt: base.Add(time.Hour)},
		{Hash: hash("gone"), OwnerID: ann.ID, CreatedAt: base.Add(3 * time.Minute), ExpiresAt: base.Add(10 * time.Minute)},
		{Hash: hash("bob"), OwnerID: bob.ID, CreatedAt: base.Add(4 * time.Minute), ExpiresAt: base.Add(time.Hour)},
	} {
		noErr(t, fmt.Sprint("CreateToken ", i), s.CreateToken(ctx(t), tok))
	}
	now := base.Add(30 * time.Minute) // "gone" has expired
	got, err := s.OwnerTokens(ctx(t), ann.ID, now, 100)
	noErr(t, "OwnerTokens", err)
	var hashes []string
	ids := map[string]bool{}
	for _, tok := range got {
		hashes = append(hashes, string(tok.Hash))
		if _, ok := storage.ParseID(tok.ID); !ok || ids[tok.ID] {
			t.Fatalf("token id %q: not a fresh id", tok.ID)
		}
		ids[tok.ID] = true
		if tok.OwnerID != ann.ID {
			t.Fatalf("OwnerTokens listed %+v of another owner", tok)
		}
	}
	if want := []string{string(hash("new")), string(hash("mid")), string(hash("old"))}; !slices.Equal(hashes, want) {
		t.Fatalf("OwnerTokens: %d tokens, want new, mid, old (live ones, newest first): %+v", len(got), got)
	}
	if got[2].UserAgent != "Firefox" || got[1].UserAgent != "" || !got[2].CreatedAt.Equal(base) || !got[2].LastUsedAt.Equal(base) ||
		!got[2].ExpiresAt.Equal(base.Add(time.Hour)) {
		t.Fatalf("OwnerTokens: oldest = %+v", got[2])
	}
	if ua := got[0].UserAgent; len(ua) > storage.MaxUserAgent || !strings.HasPrefix(long, ua) || len(ua) < storage.MaxUserAgent-1 {
		t.Fatalf("a long User-Agent was stored as %d bytes %q, want cut to %d", len(ua), ua, storage.MaxUserAgent)
	}
	byHash, err := s.Token(ctx(t), hash("old"), now)
	noErr(t, "Token", err)
	if byHash.ID != got[2].ID || byHash.UserAgent != "Firefox" {
		t.Fatalf("Token = id %q ua %q, want the id OwnerTokens listed (%q) and Firefox", byHash.ID, byHash.UserAgent, got[2].ID)
	}

	got, err = s.OwnerTokens(ctx(t), ann.ID, now, 2)
	noErr(t, "OwnerTokens limit 2", err)
	if len(got) != 2 || string(got[0].Hash) != string(hash("new")) {
		t.Fatalf("OwnerTokens limit 2: %+v", got)
	}
	for _, id := range []string{"bogus", "42"} {
		got, err = s.OwnerTokens(ctx(t), id, now, 100)
		noErr(t, "OwnerTokens "+id, err)
		if len(got) != 0 {
			t.Fatalf("OwnerTokens(%q) = %+v, want none", id, got)
		}
	}
}

func testDeleteOwnerToken(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("a1"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("a2"), OwnerID: ann.ID, ExpiresAt: exp}))
	a1, err := s.Token(ctx(t), hash("a1"), now)
	noErr(t, "Token", err)

	for _, c := range []struct{ owner, id string }{
		{bob.ID, a1.ID},   // another owner's
		{ann.ID, "42"},    // unknown
		{ann.ID, "bogus"}, // malformed
		{"bogus", a1.ID},
	} {
		ok, err := s.DeleteOwnerToken(ctx(t), c.owner, c.id)
		noErr(t, "DeleteOwnerToken", err)
		if ok {
			t.Fatalf("DeleteOwnerToken(%q, %q) = true", c.owner, c.id)
		}
	}
	_, err = s.Token(ctx(t), hash("a1"), now)
	noErr(t, "a token survives DeleteOwnerToken by another owner", err)

	ok, err := s.DeleteOwnerToken(ctx(t), ann.ID, a1.ID)
	noErr(t, "DeleteOwnerToken", err)
	if !ok {
		t.Fatal("DeleteOwnerToken of the owner's own token = false")
	}
	_, err = s.Token(ctx(t), hash("a1"), now)
	wantErr(t, "Token after DeleteOwnerToken", err, storage.ErrNotFound)
	_, err = s.Token(ctx(t), hash("a2"), now)
	noErr(t, "the owner's other token survives", err)
	if ok, _ := s.DeleteOwnerToken(ctx(t), ann.ID, a1.ID); ok {
		t.Fatal("DeleteOwnerToken twice = true")
	}
}

func testChangePassword(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	for _, tok := range []storage.Token{
		{Hash: hash("a1"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("a2"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("b1"), OwnerID: bob.ID, ExpiresAt: exp},
	} {
		noErr(t, "CreateToken", s.CreateToken(ctx(t), tok))
	}
	noErr(t, "ChangePassword", s.ChangePassword(ctx(t), ann.ID, "new-hash",
		storage.Token{Hash: hash("a3"), OwnerID: ann.ID, ExpiresAt: exp, UserAgent: "Safari"}))
	o, err := s.Owner(ctx(t), ann.ID)
	noErr(t, "Owner", err)
	if o.PasswordHash != "new-hash" || !o.UpdatedAt.Equal(ann.UpdatedAt) {
		t.Fatalf("after ChangePassword: %+v, want the new hash and UpdatedAt unchanged", o)
	}
	for _, secret := range []string{"a1", "a2"} {
		_, err := s.Token(ctx(t), hash(secret), now)
		wantErr(t, "old token after ChangePassword", err, storage.ErrNotFound)
	}
	tok, err := s.Token(ctx(t), hash("a3"), now)
	noErr(t, "the new token", err)
	if tok.UserAgent != "Safari" || tok.OwnerID != ann.ID {
		t.Fatalf("the new token: %+v", tok)
	}
	_, err = s.Token(ctx(t), hash("b1"), now)
	noErr(t, "another owner's token survives", err)

	wantErr(t, "ChangePassword unknown owner",
		s.ChangePassword(ctx(t), "42", "h", storage.Token{Hash: hash("x"), OwnerID: "42", ExpiresAt: exp}), storage.ErrNotFound)
	wantErr(t, "ChangePassword malformed owner",
		s.ChangePassword(ctx(t), "bogus", "h", storage.Token{Hash: hash("y"), OwnerID: "bogus", ExpiresAt: exp}), storage.ErrNotFound)
	if _, err := s.Token(ctx(t), hash("x"), now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a failed ChangePassword stored its token: %v", err)
	}
}

func testDeleteOwner(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	annShop := newStore(t, s, ann.ID, "ann-shop")
	bobShop := newStore(t, s, bob.ID, "bob-shop")
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("a1"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash("b1"), OwnerID: bob.ID, ExpiresAt: exp}))

	noErr(t, "DeleteOwner", s.DeleteOwner(ctx(t), ann.ID))
	_, err := s.Owner(ctx(t), ann.ID)
	wantErr(t, "Owner after DeleteOwner", err, storage.ErrNotFound)
	_, err = s.OwnerByEmail(ctx(t), ann.Email)
	wantErr(t, "OwnerByEmail after DeleteOwner", err, storage.ErrNotFound)
	_, err = s.Store(ctx(t), ann.ID, annShop.ID)
	wantErr(t, "the owner's store after DeleteOwner", err, storage.ErrNotFound)
	_, err = s.Token(ctx(t), hash("a1"), now)
	wantErr(t, "the owner's token after DeleteOwner", err, storage.ErrNotFound)
	if n, err := s.PurgeExpiredTokens(ctx(t), now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("tokens left after DeleteOwner: purge found %d (want only bob's), %v", n, err)
	}
	_, err = s.Store(ctx(t), bob.ID, bobShop.ID)
	noErr(t, "another owner's store survives", err)

	again, err := s.CreateOwner(ctx(t), storage.Owner{Name: "Ann again", Email: ann.Email, PasswordHash: "h"})
	noErr(t, "the email registers again", err)
	if again.ID == ann.ID {
		t.Fatal("the new owner got the deleted owner's id")
	}
	wantErr(t, "DeleteOwner twice", s.DeleteOwner(ctx(t), ann.ID), storage.ErrNotFound)
	wantErr(t, "DeleteOwner malformed", s.DeleteOwner(ctx(t), "bogus"), storage.ErrNotFound)
}
