package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestGeneratedSessionKeyIsKeptPrivateAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := sessionKeyPairs(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, sessionKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	again, err := sessionKeyPairs(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || !bytes.Equal(first[0], again[0]) || !bytes.Equal(first[1], again[1]) {
		t.Error("a restart generated new keys: every session would be lost")
	}
	if bytes.Equal(first[0], first[1]) || len(first[0]) != 32 || len(first[1]) != 32 {
		t.Error("hash and block keys must be distinct 32-byte keys")
	}
}

func TestConfiguredSessionKeysKeepTheirOrder(t *testing.T) {
	pairs, err := sessionKeyPairs([]string{"new-key-new-key-new-key-new-key-!", "old-key-old-key-old-key-old-key-!"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 4 {
		t.Fatalf("got %d keys, want 2 pairs", len(pairs))
	}
	if !bytes.Equal(pairs[0], derive("new-key-new-key-new-key-new-key-!", "shopkeeper session hash key")) {
		t.Error("the newest key must come first: it signs new cookies")
	}
}
