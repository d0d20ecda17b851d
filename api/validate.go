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
