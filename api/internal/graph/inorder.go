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
