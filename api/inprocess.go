package api

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Execute runs one request for a caller inside this process (the web
// front's client, gql.NewInProcess) as POST /graphql runs it: the same
// document limits, throttles, deadline, resolvers and error codes, for the
// visitor ctx names. Only HTTP is left out: no body to read and check, no
// media type to choose, no JSON envelope to write and read back. secret is
// the caller's bearer secret, "" for none; variables are as JSON decodes
// them, numbers as json.Number. A request that never ran answers errors
// and no data.
func (s *Server) Execute(ctx context.Context, secret, query, operationName string, variables map[string]any) (data json.RawMessage, errs gqlerror.List, extensions map[string]any) {
	ctx, cancel := s.requestContext(ctx, secret)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			data, errs, extensions = nil, gqlerror.List{s.presentRecovered(ctx, v)}, nil
		}
	}()
	start := graphql.Now()
	resp, _ := s.run(ctx, &graphql.RawParams{
		Query:         query,
		OperationName: operationName,
		Variables:     variables,
		ReadTime:      graphql.TraceTiming{Start: start, End: start},
	})
	return resp.Data, resp.Errors, resp.Extensions
}
