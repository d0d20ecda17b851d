package graph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestMarshalInOrder(t *testing.T) {
	recovered := errors.New("recovered")
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(context.Context, any) error { return recovered })

	var indexes []int
	got := marshalInOrder(ctx, 3, func(ctx context.Context, i int) graphql.Marshaler {
		fc := graphql.GetFieldContext(ctx)
		indexes = append(indexes, *fc.Index)
		if i == 1 {
			panic("element 1")
		}
		return graphql.MarshalInt(i)
	})

	if len(indexes) != 3 || indexes[0] != 0 || indexes[1] != 1 || indexes[2] != 2 {
		t.Fatalf("elements marshalled with indexes %v, want 0, 1, 2 in order", indexes)
	}
	var b strings.Builder
	got.MarshalGQL(&b)
	if b.String() != "[0,null,2]" {
		t.Errorf("list = %s, want [0,null,2]: the panicking element null, the others kept", b.String())
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || !errors.Is(errs[0], recovered) || errs[0].Path.String() != "[1]" {
		t.Errorf("errors = %v, want the recovered panic at path [1]", errs)
	}
}
