// Package api is Shopkeeper's GraphQL server: the schema Fauna generated
// for the fauna-shop workshop (schema.graphqls), served at POST /graphql
// over a storage.DB. It owns authentication (argon2id passwords, random
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
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"shopkeeper/api/internal/graph"
	"shopkeeper/api/internal/graph/model"
	"shopkeeper/password"
	"shopkeeper/requestid"
	"shopkeeper/storage"
	"shopkeeper/throttle"
	"shopkeeper/visitor"
)

// Options configure a Server. DB is required.
type Options struct {
	DB          storage.DB
	TokenTTL    time.Duration // lifetime of a login token; default 30m, as the workshop's LoginUser
	Logger      *slog.Logger  // nil = slog.Default()
	CORSOrigins []string      // exact origins allowed to call from a browser; empty = none
	Hasher      *password.Hasher
	Now         func() time.Time // nil = time.Now; tests move the clock with it
	// OnOperation, if set, is told each operation's name and how long it
	// took, for metrics.
	OnOperation func(name string, d time.Duration)
	// OnEvent, if set, is told each security event (throttled), for metrics.
	OnEvent func(name string)
	// Limiter counts login and sign-up attempts; nil means one in memory.
	Limiter Limiter
	// Limits are how many attempts Limiter allows; zero means DefaultLimits.
	Limits Limits
	// DisableIntrospection refuses __schema and __type queries.
	DisableIntrospection bool
	// RequestTimeout ends whatever a request still runs after it; zero
	// means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Limits on a request, so one client cannot tie the server up. The limits
// on a document's shape are in limits.go.
const (
	maxBodyBytes  = 1 << 20 // 1 MiB
	maxComplexity = 20000   // Owner.stores counts its children once per store asked for
	// databaseCost is what a field that queries the database adds to the
	// complexity: at most 20 such fields run in one request.
	databaseCost   = 1000
	queryCacheSize = 32 << 20 // estimated bytes of parsed documents kept
	corsMaxAge     = 600      // seconds a browser may cache a preflight
	// DefaultRequestTimeout ends a request still running after it, well
	// inside the server's own drain window.
	DefaultRequestTimeout = 5 * time.Second
)

// Server serves the GraphQL API at POST /graphql. Create it with New.
type Server struct {
	db       storage.DB
	hasher   *password.Hasher
	tokenTTL time.Duration
	log      *slog.Logger
	now      func() time.Time
	origins  []string
	gql      *handler.Server
	cache    *queryCache
	limiter  Limiter
	limits   Limits
	onEvent  func(string)
	timeout  time.Duration
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{
		db:       opts.DB,
		hasher:   opts.Hasher,
		tokenTTL: opts.TokenTTL,
		log:      opts.Logger,
		now:      opts.Now,
		origins:  slices.Clone(opts.CORSOrigins),
		limiter:  opts.Limiter,
		limits:   opts.Limits,
		onEvent:  opts.OnEvent,
		timeout:  opts.RequestTimeout,
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
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

	if s.limiter == nil {
		s.limiter = throttle.NewMemory(throttle.MemoryOptions{Now: s.now})
	}
	if s.limits == (Limits{}) {
		s.limits = DefaultLimits
	}
	cfg := graph.Config{Resolvers: &resolver{s}}
	setComplexity(&cfg.Complexity)

	s.cache = newQueryCache(queryCacheSize)
	gql := handler.New(graph.NewExecutableSchema(cfg))
	gql.AddTransport(transport.POST{}) // no GET (CSRF-prone), no websockets
	gql.SetQueryCache(s.cache)
	gql.SetParserTokenLimit(maxTokens)
	gql.Use(shapeLimit{cache: s.cache, introspection: !opts.DisableIntrospection})
	if !opts.DisableIntrospection {
		gql.Use(extension.Introspection{})
	}
	gql.Use(extension.FixedComplexityLimit(maxComplexity))
	gql.Use(admitToCache{s.cache}) // last: only documents every check passed
	gql.AroundRootFields(stopWhenDone)
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
	// JSON is UTF-8; rejecting other bytes, and escapes of half a UTF-16
	// pair, here keeps them from being silently turned into U+FFFD and stored.
	if !utf8.Valid(body) || loneSurrogate(body) {
		http.Error(w, "request body is not valid UTF-8", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	// The web front names its visitor in the context; anyone else is the
	// connection's address (gin has applied SHOP_TRUSTED_PROXIES to it).
	ctx := visitor.NewContext(r.Context(), visitor.Addr(r))
	ctx = withPending(withCaller(ctx, bearer(r.Header)))
	// The context also ends when the client goes away.
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.gql.ServeHTTP(w, r.WithContext(ctx))
}

// stopWhenDone skips the root fields still to run once the request's
// context has ended: the client left or the deadline passed. Mutations run
// one after another, so this is what stops a long list of them.
func stopWhenDone(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if err := ctx.Err(); err != nil {
		graphql.AddError(ctx, err)
		return graphql.Null
	}
	return next(ctx)
}

// setComplexity prices the fields that query the database; every other
// field costs 1 plus its children, gqlgen's default.
func setComplexity(c *graph.ComplexityRoot) {
	c.Owner.Stores = func(child int, size *int, _ *string) int {
		n := storage.DefaultPageSize
		if size != nil {
			n = max(1, min(*size, maxPageSize))
		}
		return databaseCost + child*n
	}
	c.Query.CountStores = func(int) int { return databaseCost }
	c.Query.FindStoreByID = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.CreateStore = func(child int, _ model.StoreInput) int { return databaseCost + child }
	c.Mutation.UpdateStore = func(child int, _ string, _ model.StoreInput) int { return databaseCost + child }
	c.Mutation.DeleteStore = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.Logout = func(child int, _ *bool) int { return databaseCost + child }
	c.Mutation.Login = func(child int, _, _ string) int { return databaseCost + child }
	c.Mutation.RegisterOwner = func(child int, _, _, _ string) int { return databaseCost + child }
}

// loneSurrogate reports whether a JSON text escapes half of a UTF-16
// surrogate pair (\ud800 alone), which decoders turn into U+FFFD. A
// backslash only occurs inside JSON strings, so no string tracking is
// needed.
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if i >= len(b) || b[i] != 'u' {
			continue
		}
		r, ok := hex4(b[i+1:])
		if !ok {
			continue // not JSON; the decoder says so
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return true
			}
			lo, ok := hex4(b[i+3:])
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
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
		n, err := s.db.PurgeExpiredTokens(ctx, s.now())
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
