// Package api is Shopkeeper's GraphQL server: the schema Fauna generated
// for the fauna-shop workshop (schema.graphqls), served at POST /graphql
// over a store.Store. It owns authentication (argon2id passwords, random
// bearer secrets with a ttl) and the rule that an owner sees only their own
// records. It knows nothing about HTML.
package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"shopkeeper/api/internal/graph"
	"shopkeeper/password"
	"shopkeeper/requestid"
	"shopkeeper/store"
)

// Options configure a Server. Store is required.
type Options struct {
	Store       store.Store
	TokenTTL    time.Duration // lifetime of a login token; default 30m, as the workshop's LoginUser
	Logger      *slog.Logger  // nil = slog.Default()
	CORSOrigins []string      // exact origins allowed to call from a browser; empty = none
	Hasher      *password.Hasher
	Now         func() time.Time // nil = time.Now; tests move the clock with it
	// OnOperation, if set, is told each operation's name and how long it
	// took, for metrics.
	OnOperation func(name string, d time.Duration)
}

// Limits on a request, so one client cannot tie the server up.
const (
	maxBodyBytes  = 1 << 20 // 1 MiB
	maxComplexity = 20000   // Owner.stores counts its children once per store asked for
	maxDepth      = 12      // findOwnerByEmail { stores { data { owner { … } } } } nests fast
	corsMaxAge    = 600     // seconds a browser may cache a preflight
)

// Server serves the GraphQL API at POST /graphql. Create it with New.
type Server struct {
	store    store.Store
	hasher   *password.Hasher
	tokenTTL time.Duration
	log      *slog.Logger
	now      func() time.Time
	origins  []string
	gql      *handler.Server
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{
		store:    opts.Store,
		hasher:   opts.Hasher,
		tokenTTL: opts.TokenTTL,
		log:      opts.Logger,
		now:      opts.Now,
		origins:  slices.Clone(opts.CORSOrigins),
	}
	if s.hasher == nil {
		s.hasher = password.New(password.Options{})
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = 30 * time.Minute
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}

	cfg := graph.Config{Resolvers: &resolver{s}}
	cfg.Complexity.Owner.Stores = func(child int, size *int, _ *string) int {
		n := store.DefaultPageSize
		if size != nil {
			n = max(1, min(*size, maxPageSize))
		}
		return 1 + child*n
	}

	gql := handler.New(graph.NewExecutableSchema(cfg))
	gql.AddTransport(transport.POST{}) // no GET (CSRF-prone), no websockets
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	gql.Use(extension.Introspection{})
	gql.Use(extension.FixedComplexityLimit(maxComplexity))
	gql.Use(depthLimit(maxDepth))
	gql.SetErrorPresenter(s.presentError)
	gql.SetRecoverFunc(s.recoverPanic)
	if opts.OnOperation != nil {
		gql.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			resp := next(ctx)
			if graphql.HasOperationContext(ctx) {
				oc := graphql.GetOperationContext(ctx)
				name := oc.OperationName
				if name == "" && oc.Operation != nil {
					name = oc.Operation.Name // the request named none: the document's
				}
				opts.OnOperation(name, time.Since(oc.Stats.OperationStart))
			}
			return resp
		})
	}
	s.gql = gql
	return s
}

// ServeHTTP answers POST /graphql and its CORS preflight.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/graphql" {
		http.NotFound(w, r)
		return
	}
	s.cors(w, r)
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	// Read the body here rather than in gqlgen, so too large is a 413 and not
	// gqlgen's generic "could not read request body".
	if r.ContentLength > maxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		http.Error(w, "could not read request body", http.StatusBadRequest)
		return
	}
	if len(body) > maxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// JSON is UTF-8; rejecting other bytes here keeps them from being
	// silently turned into U+FFFD and stored.
	if !utf8.Valid(body) {
		http.Error(w, "request body is not valid UTF-8", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	ctx := withCaller(r.Context(), bearer(r.Header))
	s.gql.ServeHTTP(w, r.WithContext(ctx))
}

// cors lets browsers on the configured origins call the API. Credentials
// (cookies) are never allowed: the API authenticates by bearer token only.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	w.Header().Add("Vary", "Origin")
	if !slices.Contains(s.origins, origin) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
	}
}

// PurgeExpiredTokens deletes expired tokens now and then every interval
// until ctx is done. Expired tokens are already refused; this only keeps
// the table small.
func (s *Server) PurgeExpiredTokens(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.store.PurgeExpiredTokens(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.ErrorContext(ctx, "api: purge expired tokens", "err", err)
		case n > 0:
			s.log.InfoContext(ctx, "api: purged expired tokens", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// logError logs an error that the client does not see in full.
func (s *Server) logError(ctx context.Context, msg string, err error) {
	s.log.ErrorContext(ctx, msg, "request_id", requestid.FromContext(ctx), "err", err)
}
