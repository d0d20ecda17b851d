package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder marshals the n elements of a list one after another, in
// the calling goroutine. gqlgen's generated code calls
// graphql.MarshalSliceConcurrently for every list of objects, which starts a
// goroutine for each element whatever the element holds: a dashboard of 50
// stores started 50 goroutines to write three plain fields each, about a
// tenth of the page's cost on two cores. The fields of an element that do
// run concurrently (resolvers that query the database) still do, within the
// element. api/internal/inorder rewrites the generated calls to this one
// after each generation.
//
// gqlgen v0.17.98 cannot be told not to do this: its template
// (codegen/type.gotpl) emits MarshalSliceConcurrently for every list of
// non-scalars, and exec.worker_limit only caps how many of those goroutines
// run at once. Opting a type out is what gqlgen issue #3202 asks for
// (https://github.com/99designs/gqlgen/issues/3202, a @concurrent directive;
// #4321 asks the like for fields), which v0.17.98 does not have; drop this
// step when gqlgen can.
//
// Each element gets what MarshalSliceConcurrently gives it: a field context
// holding its index, and a panic turned into the element's null and an
// error on its path.
func marshalInOrder(ctx context.Context, n int, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	for i := range n {
		ret[i] = marshalElement(ctx, i, marshal)
	}
	return ret
}

func marshalElement(ctx context.Context, i int, marshal func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	index := i
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshal(ctx, i)
}
