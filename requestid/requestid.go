// Package requestid carries the id of the HTTP request being served in its
// context, so every layer can log it without knowing about HTTP middleware.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the response (and trusted upstream request) header carrying the id.
const Header = "X-Request-Id"

type key struct{}

// New returns a fresh random request id.
func New() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// FromContext returns the id carried by ctx, or "" when there is none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
