package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
)

// maxFormBytes bounds a posted form. The largest real form is a store with
// every field at its limit (rules: a 200-character name, a 254-byte email,
// two lists of 50 items of 200 characters) typed in four-byte characters,
// each sent as 12 bytes of percent-encoding: about 245 KiB. 256 KiB takes
// it whole without letting a client make the server buffer megabytes.
const maxFormBytes = 256 << 10

// limitBody caps the request body at n bytes; reading past it fails with
// *http.MaxBytesError, which readForm turns into a 413. A request without
// a body is left alone.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength != 0 && c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// readForm parses the posted form. A body that is not a form, or whose text
// is not valid UTF-8 or holds NUL bytes, is refused as a whole (400); one
// over the size limit is 413; one cut off for arriving too slowly is 408.
// status is 0 when the form is usable.
func readForm(c *gin.Context) (values url.Values, status int) {
	if err := c.Request.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// net/http ended the request's context when the read failed,
			// but the client is still there to be told.
			c.Request = c.Request.WithContext(context.WithoutCancel(c.Request.Context()))
			return nil, http.StatusRequestTimeout
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
	switch status {
	case http.StatusRequestEntityTooLarge:
		showError(c, status, tooLargeView)
		return
	case http.StatusRequestTimeout:
		showError(c, status, tooSlowView)
		return
	}
	showError(c, http.StatusBadRequest, badFormView)
}

var tooLargeView = components.ErrorView{
	Status: http.StatusRequestEntityTooLarge, Title: "Form too large",
	Message: "The form is larger than this site accepts. Please shorten what you typed and try again.",
}

// fieldErrors collects the messages of the rules (package rules) a form's
// fields break, skipping empty ones.
type fieldErrors components.FieldErrors

func (fe fieldErrors) add(field, msg string) {
	if msg != "" {
		fe[field] = msg
	}
}

// clean applies rule to value, recording its message under field, and
// returns the cleaned value.
func (fe fieldErrors) clean(field string, rule func(string) (string, string), value string) string {
	value, msg := rule(value)
	fe.add(field, msg)
	return value
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
