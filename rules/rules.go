// Package rules owns what Shopkeeper accepts as input and the codes its API
// answers with. The API enforces the rules; the web front calls the same
// functions for a quick answer before it asks the API, so both doors accept
// exactly the same input and say the same thing about what they refuse.
//
// Each rule cleans a value (trims it, drops empty and repeated list items)
// and returns a message written for people, or "" when the value is fine.
package rules

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on input. Lengths count characters (runes), as people do, except
// an email's, which counts bytes as RFC 5321 does. They bound what one
// request can make the server store, and are generous for real input: the
// workshop's Svelte app sends a whole comma-separated list as one item.
const (
	MaxName      = 200
	MaxEmail     = 254
	MinPassword  = 8
	MaxPassword  = 1024 // at most 4 KiB: cheap for argon2id
	MaxListItems = 50
	MaxListItem  = 200 // characters in one item of a list
)

const (
	msgEmailFormat  = "Enter an email address like name@example.com."
	msgNotText      = "Use only text: this holds bytes that are not valid UTF-8."
	msgControlChars = "Remove the line breaks, tabs and other control characters."
	msgInvisible    = "Remove the invisible characters (zero-width spaces, direction marks)."
)

// OwnerName cleans an owner's name.
func OwnerName(s string) (string, string) { return name(s, "Enter your name.") }

// StoreName cleans a store's name.
func StoreName(s string) (string, string) { return name(s, "Enter the store's name.") }

func name(s, missing string) (string, string) {
	s = strings.TrimSpace(s)
	if msg := checkText(s, true); msg != "" {
		return s, msg
	}
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return s, missing
	case n > MaxName:
		return s, fmt.Sprintf("Use at most %d characters.", MaxName)
	}
	return s, ""
}

// Email cleans an email address being registered or given to a store: a
// bare address (no display name) whose domain has a dot, as every address
// mail can reach from the internet has. Case is left alone: the API stores
// owner emails lower-cased and store emails as typed.
func Email(s string) (string, string) {
	s = strings.TrimSpace(s)
	if msg := checkText(s, false); msg != "" {
		return s, msg
	}
	switch {
	case s == "":
		return s, "Enter an email address."
	case len(s) > MaxEmail:
		return s, fmt.Sprintf("Email addresses are at most %d characters.", MaxEmail)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return s, msgEmailFormat
	}
	return s, ""
}

// LoginEmail checks only that an email was typed to log in. Any other value
// is tried: an address no account has is answered as a wrong password is,
// so the answer never tells which of the two was wrong, and an account
// registered under older rules still logs in.
func LoginEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return s, "Enter your email address."
	}
	return s, ""
}

// NewPassword checks a password being chosen. Passwords are never trimmed.
func NewPassword(pw string) string {
	if !utf8.ValidString(pw) || strings.ContainsRune(pw, 0) {
		return "Use a password without NUL characters or bytes that are not valid UTF-8."
	}
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPassword:
		return fmt.Sprintf("Use at least %d characters.", MinPassword)
	case n > MaxPassword:
		return fmt.Sprintf("Use at most %d characters.", MaxPassword)
	}
	return ""
}

// LoginPassword checks only that a password was typed to log in. Any other
// value is tried: one made under older rules must still log in, and one no
// rule allows is simply wrong.
func LoginPassword(pw string) string {
	if pw == "" {
		return "Enter your password."
	}
	return ""
}

// List cleans the items of a list field (a store's payment methods or
// categories): items are trimmed, empty ones dropped, and repeats dropped
// ignoring case, keeping the first spelling. On a message the list is nil.
func List(items []string) ([]string, string) {
	out := make([]string, 0, min(len(items), MaxListItems))
	for _, item := range items {
		item = strings.TrimSpace(item)
		if msg := checkText(item, true); msg != "" {
			return nil, msg
		}
		if item == "" || slices.ContainsFunc(out, func(kept string) bool { return strings.EqualFold(kept, item) }) {
			continue
		}
		if utf8.RuneCountInString(item) > MaxListItem {
			return nil, fmt.Sprintf("Keep each item to at most %d characters.", MaxListItem)
		}
		if len(out) == MaxListItems {
			return nil, fmt.Sprintf("List at most %d items.", MaxListItems)
		}
		out = append(out, item)
	}
	return out, ""
}

// CommaList is List for a list typed as comma-separated text ("Cash, Card").
func CommaList(s string) ([]string, string) {
	return List(strings.Split(s, ","))
}

// checkText refuses text no form should produce: invalid UTF-8, control
// characters (which include NUL) and invisible format characters (bidi
// controls, zero-width spaces), which make one text look like another:
// "ada\u200b@example.com" reads as ada@example.com. With joiners, the
// zero-width joiner and non-joiner are allowed, as names in scripts such as
// Persian and emoji sequences need them; emails never hold them.
func checkText(s string, joiners bool) string {
	switch {
	case !utf8.ValidString(s):
		return msgNotText
	case strings.ContainsFunc(s, unicode.IsControl):
		return msgControlChars
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.Is(unicode.Cf, r) && !(joiners && (r == zwnj || r == zwj))
	}):
		return msgInvisible
	}
	return ""
}

const (
	zwnj = '\u200c' // zero-width non-joiner
	zwj  = '\u200d' // zero-width joiner
)
