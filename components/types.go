// Package components holds Shopkeeper's HTML: templ pages, the forms that
// double as htmx fragments, and the view models of the forms. What the API
// answers, the components take as gql's generated fragment types.
package components

import (
	"sort"
	"strings"
	"time"

	"shopkeeper/gql"
)

// User is the logged-in owner shown in the navigation.
type User struct{ Name, Email string }

// Page carries what every full page needs besides its content.
type Page struct {
	Title string // rendered as "<Title> · Shopkeeper"
	User  *User  // nil when logged out
	Flash string // one-time notice shown in the flash area
}

// FieldErrors maps a form field name to the message shown next to it.
type FieldErrors map[string]string

// LoginForm is the view model of the login form. The password is never part
// of it, so it cannot be echoed back.
type LoginForm struct {
	Email, Next string
	Errors      FieldErrors
	Alert       string // form-level message, e.g. wrong credentials
}

// SignupForm is the view model of the sign-up form.
type SignupForm struct {
	Name, Email string
	Errors      FieldErrors
	Alert       string
}

// ForgotForm is the view model of the form that asks for a reset link.
type ForgotForm struct {
	Email  string
	Errors FieldErrors
	Alert  string
}

// ResetForm is the view model of the form that sets a new password with a
// reset token; the password is never part of it.
type ResetForm struct {
	Token  string
	Errors FieldErrors
	Alert  string
}

// MsgResetInvalid is what a reset link that cannot be used any more says.
const MsgResetInvalid = "This reset link is no longer valid: it has been used, it has expired, or it was never sent. You can ask for a new one."

// StoreForm is the view model of the create and edit store form.
type StoreForm struct {
	ID                                      string // "" for a new store
	Name, Email, PaymentMethods, Categories string // comma-separated lists as typed
	Errors                                  FieldErrors
	Alert                                   string
}

// EditStoreForm is the store form filled with s as it is stored, its lists
// written the way the form takes them.
func EditStoreForm(s gql.StoreDetail) StoreForm {
	return StoreForm{
		ID: s.ID, Name: s.Name, Email: s.Email,
		PaymentMethods: strings.Join(s.PaymentMethods, ", "),
		Categories:     strings.Join(s.Categories, ", "),
	}
}

// ErrorView describes an error shown as a page or as an htmx fragment.
type ErrorView struct {
	Status         int
	Title, Message string
}

// summaryItem is one entry of a form's error summary; Field is "" for the
// form-level alert.
type summaryItem struct{ Field, Message string }

// errorSummary lists the alert first, then field errors in the form's own
// field order, then any other keys sorted, so the output is stable.
func errorSummary(alert string, errs FieldErrors, order ...string) []summaryItem {
	var items []summaryItem
	if alert != "" {
		items = append(items, summaryItem{Message: alert})
	}
	seen := make(map[string]bool, len(order))
	for _, name := range order {
		seen[name] = true
		if msg := errs[name]; msg != "" {
			items = append(items, summaryItem{Field: name, Message: msg})
		}
	}
	var rest []string
	for name, msg := range errs {
		if !seen[name] && msg != "" {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		items = append(items, summaryItem{Message: errs[name]})
	}
	return items
}

// pageTitle is the document title for a page.
func pageTitle(title string) string {
	if title == "" {
		return "Shopkeeper"
	}
	return title + " · Shopkeeper"
}

// AccountView is the view model of the account page.
type AccountView struct {
	Name, Email string
	// Sessions are the owner's live sessions, this one among them.
	Sessions []SessionRow
	Password PasswordForm
	Delete   DeleteAccountForm
}

// SessionRow is one of the owner's sessions as the account page lists it.
type SessionRow struct {
	ID string
	// Device is the browser and system it was started from, "Firefox on Linux".
	Device                     string
	Started, LastUsed, Expires time.Time
	// Current marks the session of the browser looking at the page.
	Current bool
}

// PasswordForm is the view model of the change-password form; the
// passwords are never part of it.
type PasswordForm struct {
	Errors FieldErrors
	Alert  string
}

// DeleteAccountForm is the view model of the delete-account form.
type DeleteAccountForm struct {
	Errors FieldErrors
	Alert  string
}

// SessionEnded is what the account page shows once a session row is ended
// in place: the message, and where the focus goes now that the row (and
// the button that had the focus) is gone.
type SessionEnded struct {
	Message string
	// Next is the row whose button takes the focus: the other session
	// after the ended one, or the one before; nil sends the focus to the
	// list's heading.
	Next *SessionRow
}
