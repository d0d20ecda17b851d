package api

import (
	"context"
	"fmt"

	"shopkeeper/rules"
)

// DefaultMaxStores is how many stores an owner may have unless
// Options.MaxStores says otherwise (SHOP_MAX_STORES).
const DefaultMaxStores = 1000

// errTooManyStores is createStore's answer when the owner has max stores.
func errTooManyStores(n int) error {
	return &apiError{code: rules.CodeValidationFailed,
		message: fmt.Sprintf("An owner may have at most %d stores. Delete one to add another.", n)}
}

// throttleStoreWrite counts one store write (create, update, partial update
// or delete) by the caller, whichever session or door it comes through, and
// fails with errThrottled past Limits.StoreWritesPerOwner. Aliased fields
// in one request each count.
func (s *Server) throttleStoreWrite(ctx context.Context, c *caller) error {
	return s.throttle(ctx, "store_write", c.owner.Email, counter{"store-write:owner:" + c.owner.ID, s.limits.StoreWritesPerOwner})
}
