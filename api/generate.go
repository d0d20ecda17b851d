package api

// gqlgen writes the executor; inorder then makes it marshal lists without a
// goroutine for each element (see api/internal/graph/inorder.go). gqlgen
// has no setting for that (https://github.com/99designs/gqlgen/issues/3202),
// so the step stays until it does.
//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go run ./internal/inorder internal/graph/generated.go
