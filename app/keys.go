package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sessionKeyFile holds the generated session key when SHOP_SESSION_KEYS is unset.
const sessionKeyFile = "session.key"

// sessionKeyPairs turns the configured keys (newest first) into securecookie
// hash and block key pairs. With none configured, one key is generated into
// the data dir once (mode 0600) and reused after restarts.
func sessionKeyPairs(keys []string, dataDir string) ([][]byte, error) {
	if len(keys) == 0 {
		k, err := loadOrCreateKey(filepath.Join(dataDir, sessionKeyFile))
		if err != nil {
			return nil, err
		}
		keys = []string{k}
	}
	pairs := make([][]byte, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, derive(k, "shopkeeper session hash key"), derive(k, "shopkeeper session block key"))
	}
	return pairs, nil
}

// derive gives independent 32-byte keys for signing (HMAC-SHA256) and
// encrypting (AES-256) from one configured secret.
func derive(secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func loadOrCreateKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k := strings.TrimSpace(string(b))
		if len(k) < 32 {
			return "", fmt.Errorf("session key in %s is shorter than 32 characters", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading session key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating data dir: %w", err)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails
	k := base64.RawURLEncoding.EncodeToString(raw)
	// O_EXCL: if another instance sharing the data dir wrote one first, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateKey(path)
	}
	if err != nil {
		return "", fmt.Errorf("creating session key: %w", err)
	}
	if _, err := f.WriteString(k + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("writing session key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("writing session key: %w", err)
	}
	return k, f.Close()
}
