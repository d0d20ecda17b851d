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
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// apiError is an error meant for the client: its message is safe to show,
// and written for people. field names the input at fault, if any.
type apiError struct {
	code    string
	message string
	field   string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

var (
	errInvalidToken = &apiError{code: rules.CodeInvalidToken, message: "The token is missing, expired or revoked"}
	// errLogin is the one answer to any failed login, so it cannot tell an
	// unknown email from a wrong password.
	errLogin            = &apiError{code: rules.CodeAuthenticationFailed, message: "The email or password is incorrect"}
	errPermissionDenied = &apiError{code: rules.CodePermissionDenied, message: "A store can only belong to the owner creating it"}
	errEmailTaken       = &apiError{code: rules.CodeNotUnique, message: "An account with this email already exists. Log in instead?", field: "email"}
	errBusy             = &apiError{code: rules.CodeUnavailable, message: "Too many logins at once, try again shortly"}
)

// validationError is input a rule refused: msg is the rule's message.
func validationError(field, msg string) error {
	return &apiError{code: rules.CodeValidationFailed, message: msg, field: field}
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
		if ae.field != "" {
			gerr.Extensions["field"] = ae.field
		}
		return gerr
	}
	if te, ok := errors.AsType[*throttledError](err); ok {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		gerr.Message = te.Error()
		gerr.Extensions = map[string]any{"code": rules.CodeTooManyRequests, "retryAfter": te.retryAfter}
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
		gerr.Extensions = map[string]any{"code": rules.CodeUnavailable}
		return gerr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.WarnContext(ctx, "graphql: request deadline passed", "request_id", requestid.FromContext(ctx),
			"path", graphql.GetPath(ctx).String())
		gerr := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("The request took too long, try again shortly"))
		gerr.Extensions = map[string]any{"code": rules.CodeUnavailable}
		return gerr
	}
	if errors.Is(err, context.Canceled) {
		s.log.DebugContext(ctx, "graphql: request canceled", "request_id", requestid.FromContext(ctx), "err", err)
	} else {
		s.log.ErrorContext(ctx, "graphql: internal error", "request_id", requestid.FromContext(ctx),
			"path", graphql.GetPath(ctx).String(), "err", err)
	}
	gerr := gqlerror.WrapPath(graphql.GetPath(ctx), errors.New("internal error"))
	gerr.Extensions = map[string]any{"code": rules.CodeInternal}
	return gerr
}

// recoverPanic logs a resolver panic with its stack; the client gets the
// same "internal error" as for any unexpected failure.
func (s *Server) recoverPanic(ctx context.Context, v any) error {
	s.log.ErrorContext(ctx, "graphql: panic", "request_id", requestid.FromContext(ctx),
		"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return &apiError{code: rules.CodeInternal, message: "internal error"}
}
