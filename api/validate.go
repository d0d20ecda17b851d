package api

import (
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"shopkeeper/api/internal/graph/model"
	"shopkeeper/storage"
)

// Limits on input. Lengths count characters (runes), as users do.
const (
	maxEmail        = 254 // RFC 5321 path limit
	maxName         = 100
	minPassword     = 8
	maxPassword     = 1024
	maxListItems    = 20
	maxListItemSize = 40
	maxPageSize     = 1000
)

// checkText rejects text no form should produce: invalid UTF-8, control
// characters (which include NUL) and invisible format characters (bidi
// controls, zero-width spaces), which make one text look like another:
// "ada\u200b@example.com" reads as ada@example.com. Names may hold the
// zero-width joiner and non-joiner, which scripts such as Persian and
// emoji sequences need; emails may not.
func checkText(field, s string) error {
	return checkChars(field, s, func(r rune) bool { return r == zwnj || r == zwj })
}

const (
	zwnj = '\u200c' // zero-width non-joiner
	zwj  = '\u200d' // zero-width joiner
)

func checkChars(field, s string, allowFormat func(rune) bool) error {
	if !utf8.ValidString(s) {
		return validationError(field, "must be valid UTF-8")
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return validationError(field, "must not contain control characters")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) && !allowFormat(r) }) {
		return validationError(field, "must not contain invisible characters")
	}
	return nil
}

// cleanName trims s and checks it is 1 to maxName characters.
func cleanName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkText(field, s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > maxName {
		return "", validationError(field, "must be 1 to %d characters", maxName)
	}
	return s, nil
}

// cleanEmail trims s and checks it is a bare address (no display name).
// Case is left alone: owner emails are lower-cased by the store, store
// emails are shown as typed.
func cleanEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkChars(field, s, func(rune) bool { return false }); err != nil {
		return "", err
	}
	if s == "" {
		return "", validationError(field, "is required")
	}
	if len(s) > maxEmail {
		return "", validationError(field, "must be at most %d characters", maxEmail)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s, "@") {
		return "", validationError(field, "must be an email address like name@example.com")
	}
	return s, nil
}

// checkPassword counts characters, not bytes, so "8 characters" means what
// users think; 1024 characters are at most 4 KiB, cheap for argon2id.
// Passwords are never trimmed.
func checkPassword(field, pw string) error {
	if !utf8.ValidString(pw) || strings.ContainsRune(pw, 0) {
		return validationError(field, "must be valid UTF-8 without NUL characters")
	}
	if n := utf8.RuneCountInString(pw); n < minPassword || n > maxPassword {
		return validationError(field, "must be %d to %d characters", minPassword, maxPassword)
	}
	return nil
}

// cleanList trims items, drops empty and repeated ones and checks the
// limits. A null list stays nil, so "never set" stays apart from "empty".
func cleanList(field string, in []*string) ([]string, error) {
	if in == nil {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, p := range in {
		if p == nil {
			continue
		}
		item := strings.TrimSpace(*p)
		if err := checkText(field, item); err != nil {
			return nil, err
		}
		if item == "" || slices.Contains(out, item) {
			continue
		}
		if utf8.RuneCountInString(item) > maxListItemSize {
			return nil, validationError(field, "items must be at most %d characters", maxListItemSize)
		}
		out = append(out, item)
		if len(out) > maxListItems {
			return nil, validationError(field, "must have at most %d items", maxListItems)
		}
	}
	return out, nil
}

// storeFromInput validates a StoreInput into the fields of a storage.Store.
func storeFromInput(in model.StoreInput) (storage.Store, error) {
	var (
		s   storage.Store
		err error
	)
	if s.Name, err = cleanName("name", in.Name); err != nil {
		return s, err
	}
	if s.Email, err = cleanEmail("email", in.Email); err != nil {
		return s, err
	}
	if s.PaymentMethods, err = cleanList("paymentMethods", in.PaymentMethods); err != nil {
		return s, err
	}
	if s.Categories, err = cleanList("categories", in.Categories); err != nil {
		return s, err
	}
	return s, nil
}
