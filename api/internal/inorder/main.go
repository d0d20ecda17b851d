// Command inorder rewrites gqlgen's generated executor so lists of objects
// are marshalled in the calling goroutine (graph.marshalInOrder) rather than
// with a goroutine for each element (graphql.MarshalSliceConcurrently). It
// runs after gqlgen in go generate, and fails when it finds nothing to
// rewrite, so a gqlgen that generates these calls differently is noticed
// rather than left concurrent.
//
// gqlgen v0.17.98 cannot be told not to do this: its template
// (codegen/type.gotpl) emits MarshalSliceConcurrently for every list of
// non-scalars, and exec.worker_limit only caps how many of those goroutines
// run at once. Opting a type out is what gqlgen issue #3202 asks for
// (https://github.com/99designs/gqlgen/issues/3202, a @concurrent directive;
// #4321 asks the like for fields), which v0.17.98 does not have; drop this
// step when gqlgen can.
//
//	go run ./internal/inorder internal/graph/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
)

const (
	concurrent = "graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {"
	inOrder    = "marshalInOrder(ctx, len(v), func(ctx context.Context, i int) graphql.Marshaler {"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: inorder GENERATED.go")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := bytes.Count(src, []byte(concurrent))
	if n == 0 {
		return fmt.Errorf("%s: no %q to rewrite; has gqlgen changed how it marshals lists?", path, concurrent)
	}
	out := bytes.ReplaceAll(src, []byte(concurrent), []byte(inOrder))
	if bytes.Contains(out, []byte("MarshalSliceConcurrently")) {
		return fmt.Errorf("%s: a call of MarshalSliceConcurrently in another form is left", path)
	}
	return os.WriteFile(path, out, 0o644)
}
