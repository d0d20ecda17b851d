package gql

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

//go:embed operations.graphql
var operationsSource string

// OperationNames returns the names of the operations in operations.graphql:
// every operation the web sends, in the file's order.
func OperationNames() ([]string, error) {
	names, err := parsedOperations()
	return slices.Clone(names), err
}

// parsedOperations parses the file once.
var parsedOperations = sync.OnceValues(func() ([]string, error) {
	doc, err := parser.ParseQuery(&ast.Source{Name: "gql/operations.graphql", Input: operationsSource})
	if err != nil {
		return nil, fmt.Errorf("gql: parsing operations.graphql: %w", err)
	}
	names := make([]string, 0, len(doc.Operations))
	for _, op := range doc.Operations {
		names = append(names, op.Name)
	}
	return names, nil
})
