// Package keyset encodes the page cursors every backend hands out, so a
// cursor means the same thing whichever database issued it.
package keyset

import (
	"encoding/base64"
	"strconv"
	"strings"

	"shopkeeper/storage"
)

// Position is where a page ended: the creation time (Unix microseconds)
// and id of its last row. Pages are ordered by (created, id).
type Position struct {
	Created int64
	ID      int64
}

// Encode writes p as "created.id", base64url-encoded so clients treat it as
// opaque.
func Encode(p Position) string {
	return base64.RawURLEncoding.EncodeToString(
		[]byte(strconv.FormatInt(p.Created, 10) + "." + strconv.FormatInt(p.ID, 10)))
}

// Decode reads a cursor Encode wrote. The empty cursor is the start of the
// list and decodes to nil; anything unreadable is storage.ErrInvalidCursor.
func Decode(c string) (*Position, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, storage.ErrInvalidCursor
	}
	a, z, ok := strings.Cut(string(b), ".")
	if !ok {
		return nil, storage.ErrInvalidCursor
	}
	created, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(z, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, storage.ErrInvalidCursor
	}
	return &Position{Created: created, ID: id}, nil
}
