package handlers

import (
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
)

// Field limits, shared with the API's own validation.
const (
	maxEmailLen    = 254
	maxNameLen     = 100
	minPasswordLen = 8
	maxPasswordLen = 1024
)

// maxFormBytes bounds a posted form. The largest real form (a store with
// every field at its limit) is a few KiB; 64 KiB leaves room without letting
// a client make the server buffer megabytes.
const maxFormBytes = 64 << 10

// limitBody caps the request body at n bytes; reading past it fails with
// *http.MaxBytesError, which readForm turns into a 413.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// readForm parses the posted form. A body that is not a form, or whose text
// is not valid UTF-8 or holds NUL bytes, is refused as a whole (400); one
// over the size limit is 413. status is 0 when the form is usable.
func readForm(c *gin.Context) (values url.Values, status int) {
	if err := c.Request.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge
		}
		return nil, http.StatusBadRequest
	}
	for _, vs := range c.Request.PostForm {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return nil, http.StatusBadRequest
			}
		}
	}
	return c.Request.PostForm, 0
}

// badForm answers a form readForm refused with status.
func badForm(c *gin.Context, status int) {
	if status == http.StatusRequestEntityTooLarge {
		showError(c, status, tooLargeView)
		return
	}
	showError(c, http.StatusBadRequest, badFormView)
}

var tooLargeView = components.ErrorView{
	Status: http.StatusRequestEntityTooLarge, Title: "Form too large",
	Message: "The form is larger than this site accepts. Please shorten what you typed and try again.",
}

// checkEmail returns a message when s is not a plausible email address.
func checkEmail(s string) string {
	switch {
	case s == "":
		return "Enter your email address."
	case len(s) > maxEmailLen:
		return "Email addresses are at most 254 characters."
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "Enter an email address like name@example.com."
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") {
		return "Enter an email address like name@example.com."
	}
	return ""
}

// checkName returns a message when s is not a usable name of what.
func checkName(what, s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "Enter " + what + "."
	case n > maxNameLen:
		return "Use at most 100 characters."
	}
	return ""
}

// checkNewPassword returns a message when s is not acceptable as a password.
func checkNewPassword(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n < minPasswordLen:
		return "Use at least 8 characters."
	case n > maxPasswordLen:
		return "Use at most 1024 characters."
	}
	return ""
}

// fieldErrors collects field messages, skipping empty ones.
type fieldErrors components.FieldErrors

func (fe fieldErrors) add(field, msg string) {
	if msg != "" {
		fe[field] = msg
	}
}

// safeNext returns next if it is a path on this site, else "/". It refuses
// anything a browser could read as another host: schemes, "//host", "/\host".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
