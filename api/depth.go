package api

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit rejects operations nested deeper than its value. The complexity
// limit already bounds the total work; this stops pathological nesting
// through Store.owner and Owner.stores early and with a clear message.
type depthLimit int

var (
	_ graphql.HandlerExtension        = depthLimit(0)
	_ graphql.OperationContextMutator = depthLimit(0)
)

func (d depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (d depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := depthMeter{frags: oc.Doc.Fragments, memo: map[string]int{}}
	if m.depth(oc.Operation.SelectionSet) > int(d) {
		err := gqlerror.Errorf("operation is nested more than %d levels deep", int(d))
		err.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
		return err
	}
	return nil
}

// depthMeter measures the deepest field path. Each fragment is measured
// once, so fragments spread many times cannot make this exponential; the
// validator has already rejected fragment cycles.
type depthMeter struct {
	frags ast.FragmentDefinitionList
	memo  map[string]int
}

func (m depthMeter) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(sel.Name, "__") {
				// Introspection is as deep as the schema, not the data, and
				// the standard introspection query nests ofType deeply.
				d = 1
				break
			}
			d = 1 + m.depth(sel.SelectionSet)
		case *ast.InlineFragment:
			d = m.depth(sel.SelectionSet)
		case *ast.FragmentSpread:
			d = m.fragment(sel.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func (m depthMeter) fragment(name string) int {
	if d, ok := m.memo[name]; ok {
		return d
	}
	m.memo[name] = 0 // guards against cycles should validation ever miss one
	d := 0
	if f := m.frags.ForName(name); f != nil {
		d = m.depth(f.SelectionSet)
	}
	m.memo[name] = d
	return d
}
