package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"shopkeeper/storage"
)

// testSessionCap: a login past storage.MaxSessions ends the owner's least
// recently used live session, not the oldest one, and never the new one;
// expired tokens and other owners' tokens do not count.
func testSessionCap(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	exp := base.Add(24 * time.Hour)
	secret := func(i int) string { return fmt.Sprint("ann-", i) }
	noErr(t, "CreateToken expired", s.CreateToken(ctx(t), storage.Token{Hash: hash("ann-expired"), OwnerID: ann.ID,
		CreatedAt: base.Add(-2 * time.Hour), ExpiresAt: base.Add(-time.Hour)}))
	noErr(t, "CreateToken bob", s.CreateToken(ctx(t), storage.Token{Hash: hash("bob"), OwnerID: bob.ID,
		CreatedAt: base, ExpiresAt: exp}))
	// Session 0 is the oldest but was used last; session 1 is the least
	// recently used; the others were used in the order they were made.
	for i := range storage.MaxSessions {
		used := base.Add(time.Duration(i) * time.Minute)
		if i == 0 {
			used = base.Add(5 * time.Hour)
		}
		noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash(secret(i)), OwnerID: ann.ID,
			CreatedAt: base.Add(time.Duration(i) * time.Second), LastUsedAt: used, ExpiresAt: exp}))
	}

	now := base.Add(6 * time.Hour)
	live := func(owner string) int {
		t.Helper()
		toks, err := s.OwnerTokens(ctx(t), owner, now, 10*storage.MaxSessions)
		noErr(t, "OwnerTokens", err)
		return len(toks)
	}
	if n := live(ann.ID); n != storage.MaxSessions {
		t.Fatalf("%d live sessions before the cap is passed, want %d", n, storage.MaxSessions)
	}

	for k, gone := range []int{1, 2} {
		fresh := fmt.Sprint("ann-new-", k)
		noErr(t, "CreateToken past the cap", s.CreateToken(ctx(t), storage.Token{Hash: hash(fresh), OwnerID: ann.ID,
			CreatedAt: now, ExpiresAt: exp}))
		_, err := s.Token(ctx(t), hash(secret(gone)), now)
		wantErr(t, fmt.Sprintf("the least recently used session (%d) after login %d past the cap", gone, k+1), err, storage.ErrNotFound)
		for _, kept := range []string{fresh, secret(0), secret(gone + 1), secret(storage.MaxSessions - 1)} {
			_, err := s.Token(ctx(t), hash(kept), now)
			noErr(t, "session "+kept+" after a login past the cap", err)
		}
		if n := live(ann.ID); n != storage.MaxSessions {
			t.Fatalf("%d live sessions after login %d past the cap, want %d", n, k+1, storage.MaxSessions)
		}
	}
	_, err := s.Token(ctx(t), hash("bob"), now)
	noErr(t, "another owner's session", err)

	// A password change keeps only its own new token, whatever the count.
	noErr(t, "ChangePassword", s.ChangePassword(ctx(t), ann.ID, "new-hash",
		storage.Token{Hash: hash("after-change"), OwnerID: ann.ID, CreatedAt: now, ExpiresAt: exp}))
	if n := live(ann.ID); n != 1 {
		t.Fatalf("%d live sessions after a password change, want 1", n)
	}
}

// testDeleteOwnerTokensKeep: DeleteOwnerTokens with keep ends every other
// session of the owner, as many as there are, and only the owner's.
func testDeleteOwnerTokensKeep(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	for i := range storage.MaxSessions {
		noErr(t, "CreateToken", s.CreateToken(ctx(t), storage.Token{Hash: hash(fmt.Sprint("ann-", i)), OwnerID: ann.ID, ExpiresAt: exp}))
	}
	noErr(t, "CreateToken bob", s.CreateToken(ctx(t), storage.Token{Hash: hash("bob"), OwnerID: bob.ID, ExpiresAt: exp}))
	keep := hash("ann-42")
	noErr(t, "DeleteOwnerTokens keeping one", s.DeleteOwnerTokens(ctx(t), ann.ID, keep))
	for i := range storage.MaxSessions {
		_, err := s.Token(ctx(t), hash(fmt.Sprint("ann-", i)), now)
		if i == 42 {
			noErr(t, "the kept session", err)
			continue
		}
		wantErr(t, fmt.Sprint("session ", i, " after DeleteOwnerTokens keeping another"), err, storage.ErrNotFound)
	}
	_, err := s.Token(ctx(t), hash("bob"), now)
	noErr(t, "another owner's session", err)

	// Keeping another owner's token keeps none of the owner's, and not
	// that one's either when its owner is the one asked.
	noErr(t, "DeleteOwnerTokens keeping bob's", s.DeleteOwnerTokens(ctx(t), ann.ID, hash("bob")))
	_, err = s.Token(ctx(t), keep, now)
	wantErr(t, "ann's kept session after keeping bob's", err, storage.ErrNotFound)
	_, err = s.Token(ctx(t), hash("bob"), now)
	noErr(t, "bob's session after ann's delete", err)
	noErr(t, "DeleteOwnerTokens malformed with keep", s.DeleteOwnerTokens(ctx(t), "bogus", keep))
}

// testStoreCap: CreateStore refuses a shop past the limit it is given, per
// owner; a delete makes room again; limit <= 0 is no limit.
func testStoreCap(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	const limit = 3
	var ids []string
	for i := range limit {
		sh, err := s.CreateStore(ctx(t), storage.Store{OwnerID: ann.ID, Name: fmt.Sprint("s", i), Email: "s@x.test"}, limit)
		noErr(t, fmt.Sprint("CreateStore ", i+1, " of ", limit), err)
		ids = append(ids, sh.ID)
	}
	_, err := s.CreateStore(ctx(t), storage.Store{OwnerID: ann.ID, Name: "one too many", Email: "s@x.test"}, limit)
	wantErr(t, "CreateStore past the limit", err, storage.ErrLimitReached)
	if n, err := s.CountStores(ctx(t), ann.ID); err != nil || n != limit {
		t.Fatalf("CountStores = %d, %v; want %d", n, err, limit)
	}
	_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: bob.ID, Name: "bob's", Email: "s@x.test"}, limit)
	noErr(t, "another owner's CreateStore", err)
	_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: "98765", Name: "orphan", Email: "o@x.test"}, limit)
	wantErr(t, "CreateStore for an unknown owner", err, storage.ErrNotFound)

	_, err = s.DeleteStore(ctx(t), ann.ID, ids[0])
	noErr(t, "DeleteStore", err)
	_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: ann.ID, Name: "after a delete", Email: "s@x.test"}, limit)
	noErr(t, "CreateStore after a delete made room", err)
	_, err = s.CreateStore(ctx(t), storage.Store{OwnerID: ann.ID, Name: "no limit", Email: "s@x.test"}, 0)
	noErr(t, "CreateStore with no limit", err)
	if n, err := s.CountStores(ctx(t), ann.ID); err != nil || n != limit+1 {
		t.Fatalf("CountStores = %d, %v; want %d", n, err, limit+1)
	}
}

// testConcurrentStoreCap: creates racing for the last places never leave
// the owner with more shops than the limit.
func testConcurrentStoreCap(t *testing.T, s storage.DB) {
	o := NewOwner(t, s, "race@example.com")
	const limit, tries = 10, 40
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		created, refused int
	)
	for i := range tries {
		wg.Go(func() {
			_, err := s.CreateStore(ctx(t), storage.Store{OwnerID: o.ID, Name: fmt.Sprint("s", i), Email: "c@x.test"}, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, storage.ErrLimitReached):
				refused++
			default:
				t.Errorf("CreateStore %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	n, err := s.CountStores(ctx(t), o.ID)
	noErr(t, "CountStores", err)
	if created != limit || refused != tries-limit || n != limit {
		t.Fatalf("%d creates raced for %d places: %d created, %d refused, %d stored", tries, limit, created, refused, n)
	}
}
