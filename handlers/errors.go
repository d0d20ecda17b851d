package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
)

// Messages users see when the API lets a request down.
const (
	msgUnavailable  = "Service unavailable, please try again."
	msgSessionEnded = "Your session has ended. Please log in again."
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
)

// showError answers with an error page, or its fragment for htmx.
func showError(c *gin.Context, status int, view components.ErrorView) {
	respond(c, status,
		components.ErrorPage(components.Page{Title: view.Title, User: navUser(c, "")}, view),
		components.ErrorFragment(view))
}

// failPage answers a page request whose API call failed: an ended session
// goes to the login page, a missing or foreign record is a 404, input the
// API refused (a page's address was tampered with) a 400, an API outage a
// 503, and anything else a logged 500.
func failPage(c *gin.Context, sm sessionManager, err error) {
	var invalid *gql.ValidationError
	switch {
	case errors.Is(err, gql.ErrInvalidToken):
		sessionEnded(c, sm, c.Request.URL.RequestURI())
	case errors.Is(err, gql.ErrNotFound), errors.Is(err, gql.ErrPermission):
		showError(c, http.StatusNotFound, notFoundView)
	case errors.As(err, &invalid):
		showError(c, http.StatusBadRequest, badRequestView)
	case errors.Is(err, gql.ErrUnavailable):
		logUnexpected(c, "API unavailable", err)
		showError(c, http.StatusServiceUnavailable, unavailableView)
	default:
		logUnexpected(c, "unexpected error", err)
		showError(c, http.StatusInternalServerError, internalErrorView)
	}
}

// formFailure maps an API error met while handling a form to the status and
// form-level message to show inline. ok is false for errors that are not the
// form's business (an ended session), which the caller hands to failPage.
func formFailure(c *gin.Context, err error) (status int, alert string, ok bool) {
	var (
		invalid   *gql.ValidationError
		throttled *gql.ThrottledError
	)
	switch {
	case errors.As(err, &invalid):
		return http.StatusUnprocessableEntity, invalid.Message, true
	case errors.As(err, &throttled):
		return http.StatusTooManyRequests, retryLater(c, throttled.RetryAfter), true
	case errors.Is(err, gql.ErrUnavailable):
		logUnexpected(c, "API unavailable", err)
		return http.StatusServiceUnavailable, msgUnavailable, true
	case errors.Is(err, gql.ErrInvalidToken), errors.Is(err, gql.ErrNotFound), errors.Is(err, gql.ErrPermission):
		return 0, "", false
	}
	logUnexpected(c, "unexpected error", err)
	return http.StatusInternalServerError, internalErrorView.Message, true
}

// sessionEnded forgets a session the API no longer accepts and sends the user
// to log in again, coming back to next afterwards.
func sessionEnded(c *gin.Context, sm sessionManager, next string) {
	sm.end(c)
	_ = sm.flash(c, msgSessionEnded)
	redirect(c, loginURL(next))
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
