package api

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/requestid"
	"shopkeeper/storage"
)

// Error codes sent in errors[].extensions.code. The first five are the ones
// Fauna's GraphQL API used, so the workshop clients understand them.
const (
	CodeAuthenticationFailed = "authentication failed" // wrong email or password
	CodeInvalidToken         = "invalid token"         // missing, unknown, expired or revoked bearer secret
	CodePermissionDenied     = "permission denied"     // acting for another owner
	CodeNotUnique            = "instance not unique"   // email already registered
	CodeValidationFailed     = "validation failed"     // bad input; the message names the field
	CodeUnavailable          = "unavailable"           // overloaded or the database is down; retry shortly
	CodeInternal             = "internal"              // a bug or an outage; details only in the log
	CodeTooManyRequests      = "TOO_MANY_REQUESTS"     // throttled; extensions.retryAfter says how many seconds to wait
)

// apiError is an error meant for the client: its message is safe to show.
type apiError struct {
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

var (
	errInvalidToken = &apiError{CodeInvalidToken, "The token is missing, expired or revoked"}
	// errLogin is the one answer to any failed login, so it cannot tell an
	// unknown email from a wrong password.
	errLogin            = &apiError{CodeAuthenticationFailed, "The email or password is incorrect"}
	errPermissionDenied = &apiError{CodePermissionDenied, "A store can only belong to the owner creating it"}
	errEmailTaken       = &apiError{CodeNotUnique, "An account with this email cannot be created"}
	errBusy             = &apiError{CodeUnavailable, "Too many logins at once, try again shortly"}
)

func validationError(field, format string, args ...any) error {
	return &apiError{CodeValidationFailed, field + ": " + fmt.Sprintf(format, args...)}
}

// presentError turns any error into what the client sees: apiErrors keep
// their message and code, gqlgen's own request errors (syntax, unknown
// field, bad variables) pass through, and everything else is logged and
// replaced by a bare "internal error".
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	if ae, ok := errors.AsType[*apiError](err); ok {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		gerr.Message = ae.message
		gerr.Extensions = map[string]any{"code": ae.code}
		return gerr
	}
	if te, ok := errors.AsType[*throttledError](err); ok {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		gerr.Message = te.Error()
		gerr.Extensions = map[string]any{"code": CodeTooManyRequests, "retryAfter": te.retryAfter}
		return gerr
	}
	if gerr, ok := errors.AsType[*gqlerror.Error](err); ok && gerr.Err == nil {
		// gqlgen quotes the whole body when it is not JSON; don't echo
		// passwords back, and keep responses small.
		if msg, _, cut := strings.Cut(gerr.Message, " body:"); cut && strings.HasPrefix(msg, "json request body") {
			gerr.Message = msg
		}
		return gerr
	}
	if errors.Is(err, storage.ErrUnavailable) {
		// An outage, not a bug: the client may retry, and the web shows its
		// "Service unavailable" message.
		s.log.WarnContext(ctx, "graphql: database unavailable", "request_id", requestid.FromContext(ctx),
			"path", graphql.GetPath(ctx).String(), "err", err)
		gerr := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("The service is unavailable, try again shortly"))
		gerr.Extensions = map[string]any{"code": CodeUnavailable}
		return gerr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.WarnContext(ctx, "graphql: request deadline passed", "request_id", requestid.FromContext(ctx),
			"path", graphql.GetPath(ctx).String())
		gerr := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("The request took too long, try again shortly"))
		gerr.Extensions = map[string]any{"code": CodeUnavailable}
		return gerr
	}
	if errors.Is(err, context.Canceled) {
		s.log.DebugContext(ctx, "graphql: request canceled", "request_id", requestid.FromContext(ctx), "err", err)
	} else {
		s.log.ErrorContext(ctx, "graphql: internal error", "request_id", requestid.FromContext(ctx),
			"path", graphql.GetPath(ctx).String(), "err", err)
	}
	gerr := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("internal error"))
	gerr.Extensions = map[string]any{"code": CodeInternal}
	return gerr
}

// recoverPanic logs a resolver panic with its stack; the client gets the
// same "internal error" as for any unexpected failure.
func (s *Server) recoverPanic(ctx context.Context, v any) error {
	s.log.ErrorContext(ctx, "graphql: panic", "request_id", requestid.FromContext(ctx),
		"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return &apiError{CodeInternal, "internal error"}
}
