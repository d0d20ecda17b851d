package api

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"

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

// schemaNames are the names the schema defines (types, fields, arguments,
// input fields, enum values, directives) but for those every GraphQL
// schema has. With introspection off, they are what a client must not
// learn from an error it caused.
type schemaNames map[string]bool

func newSchemaNames(schema *ast.Schema) schemaNames {
	n := schemaNames{}
	for name, def := range schema.Types {
		if def.BuiltIn {
			continue
		}
		n[name] = true
		for _, f := range def.Fields {
			n[f.Name] = true
			for _, a := range f.Arguments {
				n[a.Name] = true
			}
		}
		for _, v := range def.EnumValues {
			n[v.Name] = true
		}
	}
	for name, d := range schema.Directives {
		if d.Position == nil || d.Position.Src == nil || !d.Position.Src.BuiltIn {
			n[name] = true
		}
	}
	return n
}

// hiddenName stands for a name of the schema the client did not write.
const hiddenName = "(hidden)"

var nameRE = regexp.MustCompile(`[_A-Za-z][_0-9A-Za-z]*`)

// hide rewrites the validator's errors about a request so that they name
// nothing of the schema the client did not write itself, in the document or
// its variables: gqlparser's messages name the type a field was looked up
// on, the arguments and input fields that are required, the types
// expected; a variable's error has the input field in its path. Such a name
// becomes hiddenName, and a path stops before it. What the client wrote is
// kept, so the message still points at its mistake. Suggestions ("Did you
// mean …?") are dropped whole, though the validator is set not to make any.
func (n schemaNames) hide(errs gqlerror.List, params *graphql.RawParams) gqlerror.List {
	var sent map[string]bool
	known := func(w string) bool { return !n[w] || sent[w] }
	for _, e := range errs {
		if e.Rule == "" && (len(e.Path) == 0 || e.Path[0] != ast.PathName("variable")) {
			continue // not the validator's: the limits' own, which name only what was sent
		}
		if sent == nil {
			sent = sentNames(params)
		}
		msg, _, _ := strings.Cut(e.Message, " Did you mean ")
		e.Message = nameRE.ReplaceAllStringFunc(msg, func(w string) string {
			if known(w) {
				return w
			}
			return hiddenName
		})
		for i, p := range e.Path {
			if name, ok := p.(ast.PathName); ok && !known(string(name)) {
				e.Path = e.Path[:i]
				break
			}
		}
	}
	return errs
}

// sentNames are the words a request holds: the names and strings of its
// document, and the keys and strings of its variables.
func sentNames(params *graphql.RawParams) map[string]bool {
	sent := map[string]bool{}
	words := func(s string) {
		for _, w := range nameRE.FindAllString(s, -1) {
			sent[w] = true
		}
	}
	lex := lexer.New(&ast.Source{Input: params.Query})
	for {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		words(tok.Value)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				sent[k] = true
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			words(v)
		}
	}
	walk(params.Variables)
	return sent
}
