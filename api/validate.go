package api

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"shopkeeper/api/internal/graph/model"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// maxPageSize bounds a page of stores. The field rules live in package
// rules, which the web front checks too.
const maxPageSize = 1000

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
// A null list stays nil, so "never set" stays apart from "empty".
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

// storeFromInput validates a StoreInput into the fields of a storage.Store.
func storeFromInput(ctx context.Context, in model.StoreInput) (storage.Store, error) {
	var (
		s   storage.Store
		v   invalid
		msg string
	)
	s.Name, msg = rules.StoreName(in.Name)
	v.check("name", msg)
	s.Email, msg = rules.Email(in.Email)
	v.check("email", msg)
	s.PaymentMethods, msg = cleanList(in.PaymentMethods)
	v.check("paymentMethods", msg)
	s.Categories, msg = cleanList(in.Categories)
	v.check("categories", msg)
	return s, v.err(ctx)
}
