package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"shopkeeper/storage"
)

// testResetTokens: a reset token sets the password once, ends every
// session of its owner and no other's, and makes its owner's other reset
// tokens useless.
func testResetTokens(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	bob := NewOwner(t, s, "bob@example.com")
	now := time.Now()
	exp := now.Add(30 * time.Minute)
	for _, tok := range []storage.Token{
		{Hash: hash("a1"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("a2"), OwnerID: ann.ID, ExpiresAt: exp},
		{Hash: hash("b1"), OwnerID: bob.ID, ExpiresAt: exp},
	} {
		noErr(t, "CreateToken", s.CreateToken(ctx(t), tok))
	}
	noErr(t, "CreateResetToken ann", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r-ann"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "CreateResetToken bob", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r-bob"), OwnerID: bob.ID, ExpiresAt: exp}))

	_, err := s.UseResetToken(ctx(t), hash("unknown"), now, "h")
	wantErr(t, "UseResetToken unknown", err, storage.ErrNotFound)
	_, err = s.UseResetToken(ctx(t), hash("a1"), now, "h")
	wantErr(t, "UseResetToken with a login token's hash", err, storage.ErrNotFound)

	o, err := s.UseResetToken(ctx(t), hash("r-ann"), now, "new-hash")
	noErr(t, "UseResetToken", err)
	if o.ID != ann.ID || o.Email != ann.Email || o.PasswordHash != "new-hash" {
		t.Fatalf("UseResetToken returned %+v, want ann with the new hash", o)
	}
	got, err := s.Owner(ctx(t), ann.ID)
	noErr(t, "Owner", err)
	if got.PasswordHash != "new-hash" || !got.UpdatedAt.Equal(ann.UpdatedAt) {
		t.Fatalf("after UseResetToken: %+v, want the new hash and UpdatedAt unchanged", got)
	}
	for _, secret := range []string{"a1", "a2"} {
		_, err := s.Token(ctx(t), hash(secret), now)
		wantErr(t, "ann's session after a reset", err, storage.ErrNotFound)
	}
	_, err = s.Token(ctx(t), hash("b1"), now)
	noErr(t, "another owner's session survives", err)

	_, err = s.UseResetToken(ctx(t), hash("r-ann"), now, "again")
	wantErr(t, "UseResetToken a second time", err, storage.ErrNotFound)
	got, _ = s.Owner(ctx(t), ann.ID)
	if got.PasswordHash != "new-hash" {
		t.Fatalf("a used token changed the password to %q", got.PasswordHash)
	}

	o, err = s.UseResetToken(ctx(t), hash("r-bob"), now, "bob-hash")
	noErr(t, "another owner's reset token still works", err)
	if o.ID != bob.ID {
		t.Fatalf("UseResetToken r-bob returned owner %s, want %s", o.ID, bob.ID)
	}

	wantErr(t, "CreateResetToken unknown owner",
		s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("x"), OwnerID: "42", ExpiresAt: exp}), storage.ErrNotFound)
	wantErr(t, "CreateResetToken malformed owner",
		s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("y"), OwnerID: "bogus", ExpiresAt: exp}), storage.ErrNotFound)
}

// testResetTokenExpiry: a token works until its expiry and not at it, and
// the purge removes it.
func testResetTokenExpiry(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	now := time.Now().Truncate(time.Microsecond)
	exp := now.Add(30 * time.Minute)
	noErr(t, "CreateResetToken", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r1"), OwnerID: ann.ID, ExpiresAt: exp, CreatedAt: now}))
	_, err := s.UseResetToken(ctx(t), hash("r1"), exp, "h")
	wantErr(t, "UseResetToken at its expiry", err, storage.ErrNotFound)
	got, _ := s.Owner(ctx(t), ann.ID)
	if got.PasswordHash != ann.PasswordHash {
		t.Fatalf("an expired token changed the password")
	}
	n, err := s.PurgeExpiredTokens(ctx(t), exp)
	noErr(t, "PurgeExpiredTokens", err)
	if n != 1 {
		t.Fatalf("PurgeExpiredTokens deleted %d, want the 1 expired reset token", n)
	}
	// Purged: not even an earlier clock finds it.
	_, err = s.UseResetToken(ctx(t), hash("r1"), now, "h")
	wantErr(t, "UseResetToken after the purge", err, storage.ErrNotFound)

	noErr(t, "CreateResetToken", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r2"), OwnerID: ann.ID, ExpiresAt: exp}))
	_, err = s.UseResetToken(ctx(t), hash("r2"), exp.Add(-time.Microsecond), "h")
	noErr(t, "UseResetToken just before its expiry", err)
}

// testNewResetTokenReplaces: asking again makes the earlier tokens useless;
// so do changing the password and deleting the owner.
func testNewResetTokenReplaces(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	now := time.Now()
	exp := now.Add(time.Hour)
	noErr(t, "CreateResetToken 1", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r1"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "CreateResetToken 2", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r2"), OwnerID: ann.ID, ExpiresAt: exp}))
	_, err := s.UseResetToken(ctx(t), hash("r1"), now, "h")
	wantErr(t, "the earlier token after a new request", err, storage.ErrNotFound)

	noErr(t, "ChangePassword", s.ChangePassword(ctx(t), ann.ID, "changed",
		storage.Token{Hash: hash("login"), OwnerID: ann.ID, ExpiresAt: exp}))
	_, err = s.UseResetToken(ctx(t), hash("r2"), now, "h")
	wantErr(t, "a reset token after ChangePassword", err, storage.ErrNotFound)

	noErr(t, "CreateResetToken 3", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r3"), OwnerID: ann.ID, ExpiresAt: exp}))
	noErr(t, "DeleteOwner", s.DeleteOwner(ctx(t), ann.ID))
	_, err = s.UseResetToken(ctx(t), hash("r3"), now, "h")
	wantErr(t, "a reset token after DeleteOwner", err, storage.ErrNotFound)
}

// testConcurrentResetUse: of many uses of one token at once, exactly one
// succeeds.
func testConcurrentResetUse(t *testing.T, s storage.DB) {
	ann := NewOwner(t, s, "ann@example.com")
	now := time.Now()
	noErr(t, "CreateResetToken", s.CreateResetToken(ctx(t), storage.ResetToken{Hash: hash("r"), OwnerID: ann.ID, ExpiresAt: now.Add(time.Hour)}))
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, fail int
	)
	for range n {
		wg.Go(func() {
			_, err := s.UseResetToken(ctx(t), hash("r"), now, "h")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, storage.ErrNotFound):
				fail++
			default:
				t.Errorf("UseResetToken: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d of %d concurrent uses of one reset token succeeded, want exactly 1", ok, n)
	}
}
