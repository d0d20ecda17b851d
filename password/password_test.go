package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"shopkeeper/password"
)

// cheap keeps tests fast; production uses password.DefaultParams.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newCheap(t *testing.T) *password.Hasher {
	t.Helper()
	return password.New(password.Options{Params: cheap})
}

func TestHashFormat(t *testing.T) {
	h := password.New(password.Options{}) // production defaults
	enc, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoded = %q, want OWASP default parameters", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 { // 16 and 32 bytes, unpadded base64
		t.Fatalf("encoded = %q, want 16-byte salt and 32-byte key", enc)
	}
	ok, rehash, err := h.Verify(context.Background(), enc, "correct horse")
	if err != nil || !ok || rehash {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	enc, err := h.Hash(ctx, "s3cret pässword")
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.Hash(ctx, "s3cret pässword")
	if err != nil {
		t.Fatal(err)
	}
	if enc == other {
		t.Fatal("two hashes of the same password are equal: salt not random")
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"right", "s3cret pässword", true},
		{"wrong", "s3cret password", false},
		{"empty", "", false},
		{"prefix", "s3cret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, enc, tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want || rehash {
				t.Fatalf("Verify = %v, rehash %v; want %v, false", ok, rehash, tt.want)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	old := newCheap(t)
	enc, err := old.Hash(ctx, "password1")
	if err != nil {
		t.Fatal(err)
	}
	stronger := cheap
	stronger.Time = 2
	h := password.New(password.Options{Params: stronger})
	ok, rehash, err := h.Verify(ctx, enc, "password1")
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash.
	ok, rehash, err = h.Verify(ctx, enc, "password2")
	if err != nil || ok || rehash {
		t.Fatalf("Verify wrong = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newCheap(t)
	const salt = "c2FsdHNhbHRzYWx0c2FsdA" // 16 bytes
	const key = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	valid := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, _, err := h.Verify(context.Background(), valid, "x"); err != nil {
		t.Fatalf("control case: %v", err)
	}
	for _, enc := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$extra",
		"x$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
	} {
		ok, _, err := h.Verify(context.Background(), enc, "x")
		if !errors.Is(err, password.ErrMalformed) || ok {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", enc, ok, err)
		}
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newCheap(t)
	if err := h.VerifyDummy(context.Background(), "dummy password"); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledContext(t *testing.T) {
	h := newCheap(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled ctx: err = %v, want context.Canceled", err)
	}
	if err := h.VerifyDummy(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("VerifyDummy with a cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func BenchmarkHash(b *testing.B) {
	h := password.New(password.Options{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
