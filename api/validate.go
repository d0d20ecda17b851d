package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	validatorcore "github.com/vektah/gqlparser/v2/validator/core"
	validatorrules "github.com/vektah/gqlparser/v2/validator/rules"

	"shopkeeper/api/internal/graph/model"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// maxPageSize bounds a page of stores: with stores of long lists, 100 is
// already about 8 MB. The field rules live in package rules, which the web
// front checks too.
const maxPageSize = 100

// pageSizeLimit refuses an operation that asks for a page of stores
// larger than maxPageSize (or smaller than 1), before the complexity limit
// prices it, so the price is always of a page that can be served, and
// before anything runs. The resolver checks the same again.
type pageSizeLimit struct{}

var _ graphql.OperationContextMutator = pageSizeLimit{}

func (pageSizeLimit) ExtensionName() string                   { return "PageSizeLimit" }
func (pageSizeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (pageSizeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	c := pageSizes{vars: oc.Variables, frags: oc.Doc.Fragments, seen: map[string]bool{}}
	return c.set(oc.Operation.SelectionSet)
}

// pageSizes walks an operation, each fragment once (a size depends only
// on the variables, the same everywhere in the operation).
type pageSizes struct {
	vars  map[string]any
	frags ast.FragmentDefinitionList
	seen  map[string]bool
}

func (c pageSizes) set(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			if err = c.field(sel); err == nil {
				err = c.set(sel.SelectionSet)
			}
		case *ast.InlineFragment:
			err = c.set(sel.SelectionSet)
		case *ast.FragmentSpread:
			if f := c.frags.ForName(sel.Name); f != nil && !c.seen[sel.Name] {
				c.seen[sel.Name] = true
				err = c.set(f.SelectionSet)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c pageSizes) field(f *ast.Field) *gqlerror.Error {
	if f.Name != "stores" || f.ObjectDefinition == nil || f.ObjectDefinition.Name != "Owner" {
		return nil
	}
	arg := f.Arguments.ForName("_size")
	if arg == nil {
		return nil
	}
	v, err := arg.Value.Value(c.vars)
	if err != nil || v == nil {
		return nil // no size: the default page
	}
	if n, ok := integer(v); ok && n >= 1 && n <= maxPageSize {
		return nil
	}
	gerr := gqlerror.ErrorPosf(arg.Position, "%s", pageSizeMessage)
	gerr.Extensions = map[string]any{"code": rules.CodeValidationFailed, "field": "_size"}
	return gerr
}

// pageSizeMessage is the answer to a _size out of range.
var pageSizeMessage = fmt.Sprintf("Ask for 1 to %d stores at a time.", maxPageSize)

// integer reads an Int argument as gqlparser and the variables give it.
func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case float64:
		return int64(v), v == math.Trunc(v) && math.Abs(v) < 1<<53
	}
	return 0, false
}

// invalid collects the input problems of one call, so the answer names
// every field at fault, not only the first.
type invalid []error

// check records msg, a rule's message about field, unless it is "".
func (v *invalid) check(field, msg string) {
	if msg != "" {
		*v = append(*v, validationError(field, msg))
	}
}

// err adds every problem but the last to the response and returns the
// last, for the resolver to return; nil when there is none.
func (v invalid) err(ctx context.Context) error {
	if len(v) == 0 {
		return nil
	}
	for _, e := range v[:len(v)-1] {
		graphql.AddError(ctx, e)
	}
	return v[len(v)-1]
}

// cleanList applies rules.List to a GraphQL list, whose items may be null.
// A null list stays nil: never set, which the API answers as [].
func cleanList(in []*string) ([]string, string) {
	if in == nil {
		return nil, ""
	}
	items := make([]string, 0, len(in))
	for _, p := range in {
		if p != nil {
			items = append(items, *p)
		}
	}
	return rules.List(items)
}

// listChange is what an update does to a list: nothing when the field was
// left out (nil), clear it for an explicit null (a pointer to nil), else
// set it to the cleaned items.
func listChange(in graphql.Omittable[[]*string]) (*[]string, string) {
	items, set := in.ValueOK()
	if !set {
		return nil, ""
	}
	l, msg := cleanList(items)
	return &l, msg
}

// storeChange validates the fields of a store an update sets. A field left
// out of in is left as it is. An explicit null name or email is refused as
// a missing one; an explicit null list clears it.
func storeChange(ctx context.Context, in model.PartialUpdateStoreInput) (storage.StoreChange, error) {
	var (
		ch  storage.StoreChange
		v   invalid
		msg string
	)
	if name, set := in.Name.ValueOK(); set {
		ch.Name = new(orEmpty(name))
		*ch.Name, msg = rules.StoreName(*ch.Name)
		v.check("name", msg)
	}
	if email, set := in.Email.ValueOK(); set {
		ch.Email = new(orEmpty(email))
		*ch.Email, msg = rules.Email(*ch.Email)
		v.check("email", msg)
	}
	ch.PaymentMethods, msg = listChange(in.PaymentMethods)
	v.check("paymentMethods", msg)
	ch.Categories, msg = listChange(in.Categories)
	v.check("categories", msg)
	return ch, v.err(ctx)
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// storeFromInput validates a StoreInput into the fields of a new
// storage.Store. A list left out or null is never set.
func storeFromInput(ctx context.Context, in model.StoreInput) (storage.Store, error) {
	ch, err := storeChange(ctx, partial(in))
	if err != nil {
		return storage.Store{}, err
	}
	s := storage.Store{Name: *ch.Name, Email: *ch.Email}
	if ch.PaymentMethods != nil {
		s.PaymentMethods = *ch.PaymentMethods
	}
	if ch.Categories != nil {
		s.Categories = *ch.Categories
	}
	return s, nil
}

// partial is in as the partial update it means: name and email always set,
// the lists set only when sent, and no owner relation meaning the caller.
func partial(in model.StoreInput) model.PartialUpdateStoreInput {
	return model.PartialUpdateStoreInput{
		Name:           graphql.OmittableOf(&in.Name),
		Email:          graphql.OmittableOf(&in.Email),
		PaymentMethods: in.PaymentMethods,
		Categories:     in.Categories,
		Owner:          graphql.OmittableOf(in.Owner),
	}
}

// rulesWithoutSuggestions are gqlparser's rules with every one that can
// suggest a name ("Did you mean …?") replaced by its variant that does
// not, for a server whose schema is not to be discovered.
func rulesWithoutSuggestions() *validatorrules.Rules {
	r := validatorrules.NewDefaultRules()
	for _, rule := range []validatorcore.Rule{
		validatorrules.FieldsOnCorrectTypeRuleWithoutSuggestions,
		validatorrules.KnownArgumentNamesRuleWithoutSuggestions,
		validatorrules.KnownTypeNamesRuleWithoutSuggestions,
		validatorrules.ScalarLeafsRuleWithoutSuggestions,
		validatorrules.ValuesOfCorrectTypeRuleWithoutSuggestions,
	} {
		r.RemoveRule(strings.TrimSuffix(rule.Name, "WithoutSuggestions"))
		r.AddRule(rule.Name, rule.RuleFunc)
	}
	return r
}
