// Package api is Shopkeeper's GraphQL server: the schema Fauna generated
// for the fauna-shop workshop (schema.graphqls), served at POST /graphql
// over a storage.DB. It owns authentication (argon2id passwords, random
// bearer secrets with a ttl) and the rule that an owner sees only their own
// records. It knows nothing about HTML.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/api/internal/graph"
	"shopkeeper/api/internal/graph/model"
	"shopkeeper/password"
	"shopkeeper/requestid"
	"shopkeeper/rules"
	"shopkeeper/storage"
	"shopkeeper/throttle"
	"shopkeeper/visitor"
)

// Options configure a Server. DB is required.
type Options struct {
	DB       storage.DB
	TokenTTL time.Duration // idle timeout of a login token; default 30m, as the workshop's LoginUser
	// SessionMax is the absolute lifetime of a login token, from the login,
	// however busy it stays; default 12h, and never less than TokenTTL.
	SessionMax  time.Duration
	Logger      *slog.Logger // nil = slog.Default()
	CORSOrigins []string     // exact origins allowed to call from a browser; empty = none
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
	// Mailer queues the mails of password resets; nil logs them instead.
	Mailer Mailer
	// BaseURL is the public URL the links in mails start with (no trailing
	// slash); never taken from a request's Host.
	BaseURL string
	// ResetTTL is how long a password reset link works; zero means
	// DefaultResetTTL.
	ResetTTL time.Duration
	// RequestTimeout ends whatever a request still runs after it; zero
	// means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxStores is how many stores an owner may have; zero means
	// DefaultMaxStores.
	MaxStores int
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
	maxTTL   time.Duration
	log      *slog.Logger
	now      func() time.Time
	origins  []string
	exec     *executor.Executor
	cache    *queryCache
	hidden   schemaNames // with introspection off, the names errors must not tell
	limiter  Limiter
	limits   Limits
	onEvent  func(string)
	timeout  time.Duration
	mailer   Mailer
	baseURL  string
	resetTTL time.Duration
	storeCap int // stores an owner may have
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{
		db:       opts.DB,
		hasher:   opts.Hasher,
		tokenTTL: opts.TokenTTL,
		maxTTL:   opts.SessionMax,
		log:      opts.Logger,
		now:      opts.Now,
		origins:  slices.Clone(opts.CORSOrigins),
		limiter:  opts.Limiter,
		limits:   opts.Limits,
		onEvent:  opts.OnEvent,
		timeout:  opts.RequestTimeout,
		mailer:   opts.Mailer,
		baseURL:  strings.TrimRight(opts.BaseURL, "/"),
		resetTTL: opts.ResetTTL,
		storeCap: opts.MaxStores,
	}
	if s.resetTTL <= 0 {
		s.resetTTL = DefaultResetTTL
	}
	if s.storeCap <= 0 {
		s.storeCap = DefaultMaxStores
	}
	if s.mailer == nil {
		s.mailer = logMailer{s}
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
	if s.maxTTL <= 0 {
		s.maxTTL = 12 * time.Hour
	}
	s.maxTTL = max(s.maxTTL, s.tokenTTL)
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
	s.limits.fillDefaults()
	cfg := graph.Config{Resolvers: &resolver{s}}
	setComplexity(&cfg.Complexity)

	s.cache = newQueryCache(queryCacheSize)
	es := graph.NewExecutableSchema(cfg)
	exec := executor.New(es)
	exec.SetQueryCache(s.cache)
	exec.SetParserTokenLimit(maxTokens)
	exec.Use(shapeLimit{cache: s.cache, introspection: !opts.DisableIntrospection})
	if opts.DisableIntrospection {
		// No schema hints either: no suggestions, and no names in
		// messages that the client did not send (hide).
		exec.SetDisableSuggestion(true)
		exec.SetDefaultRulesFn(rulesWithoutSuggestions)
		s.hidden = newSchemaNames(es.Schema())
	} else {
		exec.Use(extension.Introspection{})
	}
	exec.Use(pageSizeLimit{}) // before the complexity limit prices the pages
	exec.Use(extension.FixedComplexityLimit(maxComplexity))
	exec.Use(admitToCache{s.cache}) // last: only documents every check passed
	exec.AroundRootFields(stopWhenDone)
	exec.AroundFields(countAnswer)
	exec.SetErrorPresenter(s.presentError)
	exec.SetRecoverFunc(s.recoverPanic)
	if opts.OnOperation != nil {
		exec.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
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
	s.exec = exec
	return s
}

// ServeHTTP answers POST /graphql and its CORS preflight, following the
// GraphQL over HTTP spec (https://graphql.github.io/graphql-over-http/) for
// POST, as graphql-http's server audit checks it (conformance/):
//
//   - The answer's media type comes from Accept: application/graphql-response+json
//     or application/json, whichever the client prefers, the former when it
//     names both alike; application/json when it names neither but accepts
//     one through a wildcard (*/*), or sends no Accept, as clients written
//     before the spec expect. Nothing acceptable is a 406.
//   - The body must be application/json in UTF-8 (415 otherwise), at most
//     maxBodyBytes (413), with no invalid UTF-8 (400).
//   - A body that is not a GraphQL-over-HTTP request (not JSON, not an
//     object, no string query, operationName not a string, variables or
//     extensions not objects) is a 400 with errors and no data, whatever the
//     media type.
//   - A request that never ran (the document does not parse or validate, the
//     operation is not there, the variables do not fit it, or a limit in
//     limits.go refuses it) answers errors and no data: 200 in
//     application/json, 400 in application/graphql-response+json.
//   - A request that ran answers 200 with data, and errors for the fields
//     that failed.
//
// GET (and every method but POST and OPTIONS) is a 405, on purpose: a GET
// carries its variables, passwords included, in the URL, where logs and
// history keep them; any page can make a browser send one with no CORS
// preflight; and the workshop's clients only POST.
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

	w.Header().Add("Vary", "Accept")
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		http.Error(w, "not acceptable: /graphql answers "+mediaGraphQLResponse+" or "+mediaJSON, http.StatusNotAcceptable)
		return
	}
	if !jsonUTF8(r.Header.Get("Content-Type")) {
		// Only JSON: a form or text/plain post is one a browser sends
		// cross-site without asking first.
		w.Header().Set("Accept-Post", mediaJSON)
		http.Error(w, "unsupported media type: send the request as "+mediaJSON+" in UTF-8", http.StatusUnsupportedMediaType)
		return
	}

	// Read the body here rather than in gqlgen, so too large is a 413 and not
	// gqlgen's generic "could not read request body".
	if r.ContentLength > maxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if errors.Is(err, os.ErrDeadlineExceeded) { // it arrived too slowly
		http.Error(w, "request body arrived too slowly", http.StatusRequestTimeout)
		return
	}
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
	ctx := visitor.NewContext(r.Context(), visitor.Of(r))
	// The context also ends when the client goes away.
	ctx, cancel := s.requestContext(ctx, bearer(r.Header))
	defer cancel()
	r = r.WithContext(ctx)
	defer func() {
		if v := recover(); v != nil { // what gqlgen's own handler does
			writeResponse(ctx, w, media, http.StatusInternalServerError,
				&graphql.Response{Errors: gqlerror.List{s.presentRecovered(ctx, v)}})
		}
	}()
	s.answerPOST(w, r, media)
}

// requestContext is the context a request runs in, over ctx, which names
// the visitor: the request's own state (its caller, from the bearer
// secret, "" for none) and its deadline.
func (s *Server) requestContext(ctx context.Context, secret string) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, requestKey{}, &request{caller: caller{secret: secret}})
	return context.WithTimeout(graphql.StartOperationTrace(ctx), s.timeout)
}

// request is what the API keeps of one request while it runs, one value
// made as it starts: who calls (authenticated at most once), the document
// waiting for the cache, and the answer's byte budget.
type request struct {
	caller  caller
	pending pendingDoc
	budget  answerBudget
}

type requestKey struct{}

// requestFrom returns the state of the request ctx belongs to; nil outside
// one.
func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// presentRecovered turns a panic that escaped gqlgen's own recovery into
// the error the caller sees.
func (s *Server) presentRecovered(ctx context.Context, v any) *gqlerror.Error {
	gerr, ok := s.exec.PresentRecoveredError(ctx, v).(*gqlerror.Error)
	if !ok {
		gerr = gqlerror.Errorf("internal system error")
	}
	return gerr
}

// The media types /graphql answers in.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the media type of the answer from the request's Accept
// header lines, as RFC 9110 says: each type takes the quality of the most
// specific range that matches it, and the higher quality wins. When both
// are as good, application/graphql-response+json wins if the client named
// it, and application/json otherwise: "*/*" and no Accept at all are what
// clients written before the spec send, and they expect application/json
// with status 200. ok is false when neither is acceptable (406). Ranges
// that do not parse, or ask for a charset other than UTF-8, are ignored.
func negotiate(accept []string) (media string, ok bool) {
	type match struct {
		q    float64
		spec int // how specific the range was: -1 none, 0 */*, 1 application/*, 2 the type itself
	}
	gr, js := match{spec: -1}, match{spec: -1}
	ranges := 0
	for _, line := range accept {
		for part := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			ranges++
			typ, q, ok := mediaRange(part)
			if !ok {
				continue
			}
			for _, c := range []struct {
				m    *match
				name string
			}{{&gr, mediaGraphQLResponse}, {&js, mediaJSON}} {
				spec := -1
				switch typ {
				case c.name:
					spec = 2
				case "application/*":
					spec = 1
				case "*/*":
					spec = 0
				}
				if spec >= 0 && (spec > c.m.spec || (spec == c.m.spec && q > c.m.q)) {
					*c.m = match{q, spec}
				}
			}
		}
	}
	if ranges == 0 {
		return mediaJSON, true // no Accept, or an empty one
	}
	switch {
	case gr.q == 0 && js.q == 0:
		return "", false
	case gr.q != js.q:
		if gr.q > js.q {
			return mediaGraphQLResponse, true
		}
		return mediaJSON, true
	case gr.spec == 2:
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// mediaRange parses one range of an Accept header: its type, lower-cased,
// and its quality.
func mediaRange(s string) (typ string, q float64, ok bool) {
	params := strings.Split(s, ";")
	typ = strings.ToLower(strings.TrimSpace(params[0]))
	main, sub, found := strings.Cut(typ, "/")
	if !found || main == "" || sub == "" || strings.ContainsAny(sub, "/ ") || (main == "*" && sub != "*") {
		return "", 0, false
	}
	q = 1
	for _, p := range params[1:] {
		k, v, _ := strings.Cut(p, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "q":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				return "", 0, false
			}
			q = f
		case "charset":
			if !strings.EqualFold(v, "utf-8") {
				return "", 0, false // we answer in UTF-8 only
			}
		}
	}
	return typ, q, true
}

// jsonUTF8 reports whether a Content-Type is application/json in UTF-8,
// which is what a charset-less application/json is.
func jsonUTF8(contentType string) bool {
	typ, params, err := mime.ParseMediaType(contentType)
	if err != nil || typ != mediaJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// answerPOST answers the requests ServeHTTP lets through, in place of
// gqlgen's handler and its transport.POST: it reads the request's
// parameters, runs it, and answers in the media type ServeHTTP chose, with
// the status the GraphQL over HTTP spec gives it (see ServeHTTP). Unlike
// transport.POST, it refuses malformed parameters with 400 before anything
// runs, answers no data entry for a request that never ran, and treats the
// limits' refusals like validation errors.
func (s *Server) answerPOST(w http.ResponseWriter, r *http.Request, media string) {
	ctx, exec := r.Context(), s.exec
	// refused is the status of a well-formed request that never ran.
	refused := http.StatusOK
	if media == mediaGraphQLResponse {
		refused = http.StatusBadRequest
	}

	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(ctx, w, media, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body")}))
		return
	}
	params, perr := requestParams(body)
	if perr != nil {
		writeResponse(ctx, w, media, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{perr}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	resp, how := s.run(ctx, params)
	status := http.StatusOK
	switch {
	case how == notRun:
		status = refused
	case how == ended && media == mediaGraphQLResponse:
		status = http.StatusServiceUnavailable
	}
	writeResponse(ctx, w, media, status, resp)
}

// outcome says how far a request got.
type outcome int

const (
	ran    outcome = iota // the operation ran: the answer has data
	notRun                // refused before it ran: errors and no data
	ended                 // the client left, or the deadline passed, before it started
)

// run runs a request whose parameters have been read, as every caller's
// request runs, over HTTP or in process, and bounds its answer: at most
// maxErrors errors, and no data at all when the answer would pass
// maxAnswerBytes.
func (s *Server) run(ctx context.Context, params *graphql.RawParams) (*graphql.Response, outcome) {
	resp, how := s.execute(ctx, params)
	capErrors(resp) // first, so measuring the answer encodes at most maxErrors errors
	if how == ran && (budgetFrom(ctx).spent() || answerSize(resp) > maxAnswerBytes) {
		s.log.WarnContext(ctx, "graphql: answer too large", "request_id", requestid.FromContext(ctx), "data_bytes", len(resp.Data))
		resp, how = s.exec.DispatchError(ctx, gqlerror.List{s.presentError(ctx, errAnswerTooLarge)}), notRun
	}
	return resp, how
}

func (s *Server) execute(ctx context.Context, params *graphql.RawParams) (*graphql.Response, outcome) {
	exec := s.exec
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if s.hidden != nil {
			errs = s.hidden.hide(errs, params)
		}
		return exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs), notRun
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		gerr := gqlerror.Errorf("the request ended before it ran")
		errcode.Set(gerr, rules.CodeUnavailable)
		return exec.DispatchError(ctx, gqlerror.List{gerr}), ended
	}
	if resp.Data == nil {
		return resp, notRun // refused before execution, such as an operation type the schema lacks
	}
	return resp, ran
}

// requestParams reads a GraphQL-over-HTTP request encoded in JSON: an object
// whose query is a string and whose operationName, variables and extensions
// are a string, an object and an object, or null or absent. Members with
// other names (any other case included) are ignored, as the spec asks.
// Numbers stay json.Number, as gqlgen's own transports leave them for the
// scalars to read (a Long keeps all 64 bits). The error, for a 400, says
// what is wrong without quoting the body.
func requestParams(body []byte) (*graphql.RawParams, *gqlerror.Error) {
	undecodable := func(err error) *gqlerror.Error {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return gqlerror.Errorf("json request body could not be decoded: %v", err)
	}
	// One pass over the members, matching their names exactly, where
	// decoding into a struct would match them in any case.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return nil, undecodable(err)
	} else if tok != json.Delim('{') {
		return nil, gqlerror.Errorf("the request body must be a JSON object")
	}
	members := map[string]any{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, undecodable(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, undecodable(err)
		}
		switch name, _ := key.(string); name {
		case "query", "operationName", "variables", "extensions":
			members[name] = v
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, undecodable(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("more after the object")
		}
		return nil, undecodable(err)
	}

	p := &graphql.RawParams{}
	var ok bool
	switch q := members["query"].(type) {
	case nil:
		return nil, gqlerror.Errorf("the request has no query: a GraphQL document as a string")
	case string:
		p.Query = q
	default:
		return nil, gqlerror.Errorf("query must be a string")
	}
	if name := members["operationName"]; name != nil {
		if p.OperationName, ok = name.(string); !ok {
			return nil, gqlerror.Errorf("operationName must be a string or null")
		}
	}
	if v := members["variables"]; v != nil {
		if p.Variables, ok = v.(map[string]any); !ok {
			return nil, gqlerror.Errorf("variables must be an object or null")
		}
	}
	if v := members["extensions"]; v != nil {
		if p.Extensions, ok = v.(map[string]any); !ok {
			return nil, gqlerror.Errorf("extensions must be an object or null")
		}
	}
	return p, nil
}

// writeResponse writes resp as /graphql answers: unlike graphql.Response,
// with no data entry when the request never ran, as the GraphQL spec asks.
// The data, already JSON, is written as gqlgen made it rather than encoded
// again. Writing ends at the request's deadline (ctx's), so a client that
// reads slowly holds no answer, and no shutdown, past it; an answer written
// when the deadline has already passed (the one saying it passed) gets
// lastWords.
func writeResponse(ctx context.Context, w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	var b bytes.Buffer
	b.Grow(len(resp.Data) + 256)
	b.WriteByte('{')
	member := func(name string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + name + `":`)
		enc, err := json.Marshal(v)
		if err != nil {
			panic(err) // gqlgen's handler answers 500, and recoverPanic logs it
		}
		b.Write(enc)
	}
	if len(resp.Errors) > 0 {
		member("errors", resp.Errors)
	}
	if len(resp.Data) > 0 {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"data":`)
		b.Write(resp.Data)
	}
	if len(resp.Extensions) > 0 {
		member("extensions", resp.Extensions)
	}
	b.WriteByte('}')

	if deadline, ok := ctx.Deadline(); ok {
		// Not every ResponseWriter can (httptest's cannot); those that
		// cannot are not on a network.
		if soon := time.Now().Add(lastWords); deadline.Before(soon) {
			deadline = soon
		}
		_ = http.NewResponseController(w).SetWriteDeadline(deadline)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// lastWords is how long an answer written after the request's deadline
// still has to go out: the deadline having passed is what it says.
const lastWords = time.Second

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
			n = *size // within 1 and maxPageSize: pageSizeLimit runs first
		}
		return databaseCost + child*n
	}
	c.Query.CountStores = func(int) int { return databaseCost }
	c.Query.FindStoreByID = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.CreateStore = func(child int, _ model.StoreInput) int { return databaseCost + child }
	c.Mutation.UpdateStore = func(child int, _ string, _ model.StoreInput) int { return databaseCost + child }
	c.Mutation.PartialUpdateStore = func(child int, _ string, _ model.PartialUpdateStoreInput) int { return databaseCost + child }
	c.Mutation.DeleteStore = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.Logout = func(child int, _, _ *bool) int { return databaseCost + child }
	c.Mutation.Login = func(child int, _, _ string) int { return databaseCost + child }
	c.Mutation.RegisterOwner = func(child int, _, _, _ string) int { return databaseCost + child }
	c.Query.MySessions = func(child int) int { return databaseCost + child*maxSessions }
	c.Mutation.RevokeSession = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.ChangePassword = func(child int, _, _ string) int { return databaseCost + child }
	c.Mutation.DeleteOwner = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.RequestPasswordReset = func(child int, _ string) int { return databaseCost + child }
	c.Mutation.ResetPassword = func(child int, _, _ string) int { return databaseCost + child }
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
