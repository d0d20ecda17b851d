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
	"time"

	"github.com/99designs/gqlgen/graphql"

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

// ExtensionTokenExpiresAt names the entry of a GraphQL response's
// extensions that tells an authenticated caller when its token now expires
// (RFC 3339), so a client keeping the expiry (the web's cookie) follows it.
const ExtensionTokenExpiresAt = "tokenExpiresAt"

// slide moves the expiry of a token in use to min(now + ttl, login + max),
// in whole seconds, when less than half the ttl is left: a busy session
// writes about twice per ttl, not on every request. The store moves it only
// forward, so instances sliding one token at once agree on the latest. A
// failed write leaves the token as it was, still live: it is logged, and the
// request goes on.
func (s *Server) slide(ctx context.Context, t *storage.Token, now time.Time) {
	if t.ExpiresAt.Sub(now) >= s.tokenTTL/2 {
		return
	}
	next := now.Add(s.tokenTTL)
	if limit := t.CreatedAt.Add(s.maxTTL); limit.Before(next) {
		next = limit
	}
	next = next.Truncate(time.Second).UTC()
	if !next.After(t.ExpiresAt) {
		return // at the cap
	}
	moved, err := s.db.SlideToken(ctx, t.Hash, now, next)
	if err != nil {
		s.logError(ctx, "api: slide token expiry", err)
		return
	}
	if moved {
		t.ExpiresAt, t.LastUsedAt = next, now
	}
}

// revoked marks the caller's token as gone, for the fields of the request
// that run after the mutation that ended it. Mutation fields run one at a
// time, so nothing reads c meanwhile.
func (c *caller) revoked() {
	c.once.Do(func() {})
	c.err = errInvalidToken
}

// authenticate returns the owner whose live token the request carries, or
// errInvalidToken.
func (s *Server) authenticate(ctx context.Context) (*caller, error) {
	r := requestFrom(ctx)
	if r == nil || r.caller.secret == "" {
		return nil, errInvalidToken
	}
	c := &r.caller
	c.once.Do(func() {
		now := s.now()
		c.token, c.err = s.db.Token(ctx, hashSecret(c.secret), now)
		c.owner = c.token.Owner
		if errors.Is(c.err, storage.ErrNotFound) {
			c.err = errInvalidToken
		}
		if c.err == nil {
			s.slide(ctx, &c.token, now)
			// The web front keeps the expiry in its cookie: it learns the
			// new one with the answer, without asking.
			graphql.RegisterExtension(ctx, ExtensionTokenExpiresAt, c.token.ExpiresAt.UTC().Format(time.RFC3339Nano))
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}
