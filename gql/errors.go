package gql

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/rules"
)

// ErrNotFound is a record the API answered null for: missing, or another
// owner's, which the API does not tell apart.
var ErrNotFound = errors.New("not found")

// Code returns what the API said went wrong with err's call: one of the
// rules.Code constants, or a code this client does not know, which callers
// must treat as an unexpected failure. Transport failures and answers that
// cannot be read are rules.CodeUnavailable. It is "" for nil and for
// errors that are no answer of the API, such as ErrNotFound.
func Code(err error) string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.code
	}
	return ""
}

// FieldErrors returns the messages the API wrote about the input it
// refused, by the name of the field at fault (extensions.field); nil when it
// named no field.
func FieldErrors(err error) map[string]string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.fields
	}
	return nil
}

// Message returns what the API wrote, for people, about the first error of
// err's call; "" when it wrote nothing (a transport failure).
func Message(err error) string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.message
	}
	return ""
}

// apiError is a call that did not go through: what the API's errors array
// said, or a transport failure.
type apiError struct {
	code    string            // extensions.code of the first error
	message string            // the first error's message
	fields  map[string]string // extensions.field → message
	err     error             // what the client got, for the log
}

func (e *apiError) Error() string { return fmt.Sprintf("API answered %q: %v", e.code, e.err) }
func (e *apiError) Unwrap() error { return e.err }

// classify turns what a call returned into an *apiError. The API names what
// happened in extensions.code; transport failures and answers we cannot
// read mean the service is unavailable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	list, ok := errors.AsType[gqlerror.List](err)
	if !ok || len(list) == 0 {
		return &apiError{code: rules.CodeUnavailable, err: err}
	}
	e := &apiError{err: err}
	e.code, _ = list[0].Extensions["code"].(string)
	e.message = list[0].Message
	for _, ge := range list {
		if field, _ := ge.Extensions["field"].(string); field != "" {
			if e.fields == nil {
				e.fields = map[string]string{}
			}
			if _, seen := e.fields[field]; !seen {
				e.fields[field] = ge.Message
			}
		}
	}
	return e
}
