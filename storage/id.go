package storage

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"strings"
)

// IDs look like Fauna's: positive 63-bit integers written in decimal. They
// are random, so they reveal neither how many records exist nor when they
// were made.

// NewID returns a fresh random id.
func NewID() int64 {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		if id := int64(binary.BigEndian.Uint64(b[:]) >> 1); id > 0 {
			return id
		}
	}
}

// ParseID turns an id string back into its number. Only the canonical form
// NewID's ids are written in is accepted, so every record has exactly one id
// string; anything else reports false and callers answer ErrNotFound.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

// FormatID writes id the way ParseID reads it.
func FormatID(id int64) string { return strconv.FormatInt(id, 10) }

// NormalizeEmail returns the form emails are stored and compared in:
// surrounding space removed and lower-cased, so "Ann@Example.com " and
// "ann@example.com" are the same account. Lower-casing the local part is
// not strictly RFC 5321, but it is what users expect of a login.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
