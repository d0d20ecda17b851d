package api

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CachedDocuments is how many parsed documents s keeps, and their estimated
// bytes.
func CachedDocuments(s *Server) (n, bytes int) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.lru.Len(), s.cache.bytes
}

// QueryCacheBudget is the cache's byte budget.
const QueryCacheBudget = queryCacheSize

// Prepare runs what a request runs before its operation executes: the
// document limits, parsing, validation, the variables and the complexity
// limit. It answers the errors that refuse the document, nil when it would
// run.
func Prepare(s *Server, query string) gqlerror.List {
	ctx, cancel := s.requestContext(context.Background(), "")
	defer cancel()
	_, errs := s.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	return errs
}

// MaxFragments is how many fragments a document may define.
const MaxFragments = maxFragments
