package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"

	"shopkeeper/storage"
)

// newSecret returns a fresh bearer secret and the hash the store keeps.
// 32 random bytes make guessing hopeless; storing only SHA-256 (not a slow
// hash: the input is already uniformly random) means a copy of the database
// holds no usable secrets.
func newSecret() (secret string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashSecret(secret)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// bearer extracts the secret from an Authorization header. An absent or
// empty header is anonymous (""): the workshop clients send an empty one
// when logged out. Anything else that is not a bearer token is returned
// as-is, so it fails the lookup with "invalid token" instead of passing as
// anonymous.
func bearer(h http.Header) string {
	v := strings.TrimSpace(h.Get("Authorization"))
	if scheme, secret, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(secret)
	}
	return v
}

// caller is the authentication state of one request. The token is looked up
// lazily, on the first field that needs it, so registerOwner and login never
// touch it, and at most once however many fields ask.
type caller struct {
	secret string

	once  sync.Once
	token storage.Token
	owner storage.Owner
	err   error
}

type callerKey struct{}

func withCaller(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, callerKey{}, &caller{secret: secret})
}

// authenticate returns the owner whose live token the request carries, or
// errInvalidToken.
func (s *Server) authenticate(ctx context.Context) (*caller, error) {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil || c.secret == "" {
		return nil, errInvalidToken
	}
	c.once.Do(func() {
		c.token, c.err = s.db.Token(ctx, hashSecret(c.secret), s.now())
		c.owner = c.token.Owner
		if errors.Is(c.err, storage.ErrNotFound) {
			c.err = errInvalidToken
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}
