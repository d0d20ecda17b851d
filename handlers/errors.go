package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
	"shopkeeper/rules"
)

// Messages users see when the API lets a request down.
const (
	msgUnavailable    = "Service unavailable, please try again."
	msgSessionEnded   = "Your session has ended. Please log in again."
	msgBadCredentials = "The email or password is incorrect."
)

var (
	notFoundView = components.ErrorView{
		Status: http.StatusNotFound, Title: "Not found",
		Message: "There is nothing here, or it is not yours to see.",
	}
	unavailableView = components.ErrorView{
		Status: http.StatusServiceUnavailable, Title: "Service unavailable",
		Message: msgUnavailable,
	}
	badRequestView = components.ErrorView{
		Status: http.StatusBadRequest, Title: "Bad request",
		Message: "The link you followed is not valid. Please go back and try again.",
	}
	badCredentialsView = components.ErrorView{
		Status: http.StatusUnauthorized, Title: "Login failed",
		Message: msgBadCredentials,
	}
)

// showError answers with an error page, or its fragment for htmx.
func showError(c *gin.Context, status int, view components.ErrorView) {
	respond(c, status,
		components.ErrorPage(components.Page{Title: view.Title, User: navUser(c, "")}, view),
		components.ErrorFragment(view))
}

// formReply is a posted form to show again when its API call failed: fail
// fills in its field errors or its alert, and show renders it with a
// status, as the page or, for htmx, the form alone.
type formReply struct {
	errors components.FieldErrors
	alert  *string
	show   func(status int)
	// fields names the form's fields by the API's names for them
	// (extensions.field), where the two differ.
	fields map[string]string
}

// invalid shows the form with errs next to their fields: input refused (422).
func (f *formReply) invalid(errs map[string]string) {
	for field, msg := range errs {
		if name, ok := f.fields[field]; ok {
			field = name
		}
		f.errors[field] = msg
	}
	f.show(http.StatusUnprocessableEntity)
}

// fail answers a request whose API call failed with err, after a form post
// (form is the form to show again) or on a page (form is nil). It is the
// one place that reads the API's error codes:
//   - an ended session: dropped, and the user sent to log in again, coming
//     back afterwards, with a store form they typed kept;
//   - a missing record, or another owner's: 404;
//   - input the API refused: the API's messages next to their fields (422),
//     or as the form's alert when it named no field; on a page, whose
//     address was tampered with, a 400;
//   - wrong credentials (401), throttling (429 with Retry-After) and an
//     outage (503, logged): the form's alert, or an error page;
//   - anything else, a code this version does not know included: a logged
//     500, never an answer that looks like success.
func fail(c *gin.Context, sm *session.Manager, err error, form *formReply) {
	code := gql.Code(err)
	fields := gql.FieldErrors(err)
	switch {
	case errors.Is(err, gql.ErrNotFound), code == rules.CodePermissionDenied:
		showError(c, http.StatusNotFound, notFoundView)
	case code == rules.CodeInvalidToken:
		sessionEnded(c, sm)
	case code == rules.CodeValidationFailed && form == nil:
		showError(c, http.StatusBadRequest, badRequestView)
	case (code == rules.CodeValidationFailed || code == rules.CodeNotUnique) && form != nil && len(fields) > 0:
		form.invalid(fields)
	case code == rules.CodeValidationFailed && form != nil && gql.Message(err) != "":
		// Refused as a whole, not for one field (an owner's store limit):
		// the API's message is the form's alert.
		answer(c, form, components.ErrorView{Status: http.StatusUnprocessableEntity, Title: "Not saved", Message: gql.Message(err)})
	case code == rules.CodeAuthenticationFailed:
		answer(c, form, badCredentialsView)
	case code == rules.CodeTooManyRequests:
		answer(c, form, components.ErrorView{
			Status: http.StatusTooManyRequests, Title: "Too many attempts",
			Message: retryLater(c, gql.ReplyFrom(c.Request.Context()).RetryAfter),
		})
	case code == rules.CodeUnavailable:
		logUnexpected(c, "API unavailable", err)
		answer(c, form, unavailableView)
	default:
		logUnexpected(c, "unexpected API answer", err)
		answer(c, form, internalErrorView)
	}
}

// answer shows view's message as the form's alert, with its status, or as
// an error page when there is no form.
func answer(c *gin.Context, form *formReply, view components.ErrorView) {
	if form == nil {
		showError(c, view.Status, view)
		return
	}
	*form.alert = view.Message
	form.show(view.Status)
}

// sessionEnded forgets a session the API no longer accepts and sends the
// user to log in again.
func sessionEnded(c *gin.Context, sm *session.Manager) {
	sm.End(c, msgSessionEnded)
	toLogin(c, sm)
}

// loginURL is the login page that returns to next afterwards.
func loginURL(next string) string {
	if next = safeNext(next); next == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// logUnexpected logs what users are not shown; the logger carries the request id.
// A failure that only says the client went away is no error of ours.
func logUnexpected(c *gin.Context, msg string, err error) {
	if clientGone(c) || errors.Is(err, context.Canceled) {
		logger(c).DebugContext(c.Request.Context(), msg+" (client went away)", "err", err)
		return
	}
	logger(c).ErrorContext(c.Request.Context(), msg, "err", err)
}

// clientGone reports whether the client closed the request, which net/http
// signals by canceling its context; nothing written to it arrives.
func clientGone(c *gin.Context) bool {
	return errors.Is(c.Request.Context().Err(), context.Canceled)
}
