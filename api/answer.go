package api

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/rules"
)

// Limits on an answer, through either door. SECURITY.md lists them.
const (
	maxErrors      = 20      // errors in one answer, the last saying how many more were left out
	maxAnswerBytes = 8 << 20 // bytes of one answer's JSON
)

// capErrors keeps resp to maxErrors errors: the first maxErrors-1 as they
// are, then one whose code is rules.CodeTooManyErrors, saying how many more
// there were; extensions.errorsDropped counts them too.
func capErrors(resp *graphql.Response) {
	if len(resp.Errors) <= maxErrors {
		return
	}
	dropped := len(resp.Errors) - (maxErrors - 1)
	last := gqlerror.Errorf("%d more errors were left out: an answer holds at most %d", dropped, maxErrors-1)
	last.Extensions = map[string]any{"code": rules.CodeTooManyErrors}
	resp.Errors = append(resp.Errors[:maxErrors-1:maxErrors-1], last)
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["errorsDropped"] = dropped
}

// errAnswerTooLarge is the whole answer to a request whose answer would
// pass maxAnswerBytes, and what each field still resolving gets once the
// budget is spent (those answers are dropped with the rest).
var errAnswerTooLarge = &apiError{
	code:    rules.CodeAnswerTooLarge,
	message: fmt.Sprintf("The answer would be larger than %d MiB: ask for fewer stores at a time (a smaller _size) or fewer fields", maxAnswerBytes>>20),
}

// answerBudget counts the bytes of a request's answer as its fields
// resolve, before gqlgen writes any of them, so that an answer too large
// is stopped at about maxAnswerBytes rather than built whole first.
type answerBudget struct{ bytes atomic.Int64 }

func budgetFrom(ctx context.Context) *answerBudget {
	if r := requestFrom(ctx); r != nil {
		return &r.budget
	}
	return nil
}

func (b *answerBudget) spent() bool { return b != nil && b.bytes.Load() > maxAnswerBytes }

// countAnswer is the field middleware that keeps the budget: each field
// adds its name and, for a scalar or a list of them, its value as JSON
// spells it. Once the budget is spent, fields no longer resolve.
func countAnswer(ctx context.Context, next graphql.Resolver) (any, error) {
	b := budgetFrom(ctx)
	if b == nil {
		return next(ctx)
	}
	if b.spent() {
		return nil, errAnswerTooLarge
	}
	res, err := next(ctx)
	n := jsonSize(res)
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		n += len(fc.Field.Alias) + 4 // "name":,
	}
	if b.bytes.Add(int64(n)) > maxAnswerBytes {
		return nil, errAnswerTooLarge
	}
	return res, err
}

// answerSize is the length of resp's JSON but for its few bytes of
// punctuation.
func answerSize(resp *graphql.Response) int {
	n := len(resp.Data)
	if len(resp.Errors) > 0 {
		b, _ := json.Marshal(resp.Errors)
		n += len(b)
	}
	if len(resp.Extensions) > 0 {
		b, _ := json.Marshal(resp.Extensions)
		n += len(b)
	}
	return n
}

// jsonSize is how many bytes gqlgen writes for a resolved value: exact for
// strings and lists of them, at most that for other scalars, and the
// brackets alone for objects and lists of them, whose fields count
// themselves.
func jsonSize(v any) int {
	switch v := v.(type) {
	case nil:
		return 4
	case string:
		return quotedSize(v)
	case *string:
		if v == nil {
			return 4
		}
		return quotedSize(*v)
	case []string:
		n := 2
		for _, s := range v {
			n += quotedSize(s) + 1
		}
		return n
	case []*string:
		n := 2
		for _, s := range v {
			n += jsonSize(s) + 1
		}
		return n
	case bool:
		return 5
	case int, int32, int64, float64, *int, *int64:
		return 24
	case time.Time, *time.Time:
		return 40
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		if r.IsNil() {
			return 4
		}
	}
	if r.Kind() == reflect.Slice || r.Kind() == reflect.Array {
		return 2 + r.Len() // brackets and commas; the items count themselves
	}
	return 2
}

// quotedSize is the length of s as a JSON string as gqlgen writes it.
func quotedSize(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n++
		case c < 0x20:
			n += 5
		}
	}
	return n
}
