package api

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"shopkeeper/rules"
)

// Limits on the shape of a GraphQL document, checked on the parsed document
// before validation, so no validation rule, complexity walk or cache ever
// sees a document larger than this. Fragments count where they are spread.
// SECURITY.md lists them with the rest.
const (
	maxTokens         = 5000 // lexer tokens in the document
	maxAliases        = 30   // aliased fields in the document
	maxDirectives     = 50   // directives in the document
	maxFieldsPerSet   = 100  // fields in one selection set
	maxFields         = 2000 // fields in the document, nested ones included: all its operations together
	maxMergedPairs    = 5000 // pairs of fields the validator compares because they share a response name
	maxDepth          = 12   // findOwnerByEmail { stores { data { owner { … } } } } nests fast; an inline fragment is a level too
	maxValues         = 2000 // nodes of argument values (a list, each of its items, …) in the document
	maxFragments      = 100  // fragment definitions in the document
	maxSchemaFields   = 1    // __schema fields in an operation
	maxTypeFields     = 10   // __type fields in an operation
	maxCredentialCall = 1    // login, registerOwner, changePassword, deleteOwner, requestPasswordReset or resetPassword fields in an operation
)

// shapeLimit refuses documents over the limits above. It runs before gqlgen
// parses and validates a document that is not in the query cache; cached
// documents passed it already.
type shapeLimit struct {
	cache         *queryCache
	introspection bool // __schema and __type are answered
}

var (
	_ graphql.OperationParameterMutator = shapeLimit{}
	_ graphql.OperationContextMutator   = admitToCache{}
	_ graphql.Cache[*ast.QueryDocument] = (*queryCache)(nil)
)

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l shapeLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.cache.has(p.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, maxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "token limit") {
			return tooComplex("the document has more than %d tokens", maxTokens)
		}
		return nil // gqlgen reports the syntax error itself
	}
	s, gerr := measure(doc, l.introspection)
	if gerr != nil {
		return gerr
	}
	if pd := pendingFrom(ctx); pd != nil {
		pd.weight = s.weight(len(p.Query))
	}
	return nil
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, rules.CodeTooComplex) // the code gqlgen's complexity limit uses
	return err
}

// shape is what the limits look at in a selection set, fragments expanded.
// Counts saturate rather than overflow: a fragment spread many times over
// can only make them large, never wrap round.
type shape struct {
	width    int // fields directly in this set
	fields   int // fields in this set and below
	depth    int
	values   int // nodes of argument values in this set and below
	maxWidth int // the widest set in this one or below
	schema   int // __schema fields
	types    int // __type fields
	creds    int // login, registerOwner, changePassword, deleteOwner, requestPasswordReset and resetPassword fields directly in this set
}

const saturated = 1 << 40

func sat(n int) int { return min(n, saturated) }

func (s *shape) add(o shape) {
	s.width = sat(s.width + o.width)
	s.fields = sat(s.fields + o.fields)
	s.depth = max(s.depth, o.depth)
	s.values = sat(s.values + o.values)
	s.maxWidth = max(s.maxWidth, o.maxWidth)
	s.schema = sat(s.schema + o.schema)
	s.types = sat(s.types + o.types)
	s.creds = sat(s.creds + o.creds)
}

// docStats is the whole document measured: per-document counts that do not
// expand fragments, and the operations' shapes.
type docStats struct {
	aliases, directives, nodes int
}

// weight estimates the memory a parsed and validated document holds, for
// the query cache's byte budget: its source and a few hundred bytes a node.
func (d docStats) weight(sourceLen int) int { return sourceLen + 512*d.nodes }

// measure checks doc against the shape limits.
func measure(doc *ast.QueryDocument, introspection bool) (docStats, *gqlerror.Error) {
	m := meter{frags: map[string]*ast.FragmentDefinition{}, memo: map[string]*shape{}}
	for _, f := range doc.Fragments {
		m.frags[f.Name] = f
		m.stats.directives += len(f.Directives)
	}
	if len(doc.Fragments) > maxFragments {
		return m.stats, tooComplex("the document has more than %d fragments", maxFragments)
	}
	// The validator walks each operation with the fragments it spreads, so
	// fields and values count in every operation that has them.
	var doc1 shape
	for _, op := range doc.Operations {
		m.stats.directives += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			m.stats.directives += len(v.Directives)
		}
		s := m.set(op.SelectionSet)
		doc1.fields, doc1.values = sat(doc1.fields+s.fields), sat(doc1.values+s.values)
		s.fields, s.values = doc1.fields, doc1.values
		if err := s.check(); err != nil {
			return m.stats, err
		}
		if !introspection && s.schema+s.types > 0 {
			err := gqlerror.Errorf("introspection is disabled")
			errcode.Set(err, errcode.ValidationFailed)
			return m.stats, err
		}
		if op.Operation == ast.Mutation && s.creds > maxCredentialCall {
			// Each would cost a password hash (or queue a mail): one
			// request, one attempt.
			err := gqlerror.Errorf("a request may hold at most one login, registerOwner, changePassword, deleteOwner, requestPasswordReset or resetPassword")
			errcode.Set(err, errcode.ValidationFailed)
			return m.stats, err
		}
	}
	// Fragments nobody spreads are still validated, so they are held to the
	// same limits.
	for _, f := range doc.Fragments {
		if err := m.fragment(f.Name).check(); err != nil {
			return m.stats, err
		}
	}
	switch {
	case m.stats.aliases > maxAliases:
		return m.stats, tooComplex("the document has more than %d aliases", maxAliases)
	case m.stats.directives > maxDirectives:
		return m.stats, tooComplex("the document has more than %d directives", maxDirectives)
	}
	// Every limit above holds, so expanding the fragments where they are
	// spread is at most maxFields fields.
	return m.stats, merge(doc)
}

// check holds an operation's or a fragment's shape to the limits.
func (s shape) check() *gqlerror.Error {
	switch {
	case s.maxWidth > maxFieldsPerSet:
		return tooComplex("a selection set has more than %d fields", maxFieldsPerSet)
	case s.fields > maxFields:
		return tooComplex("the document has more than %d fields", maxFields)
	case s.depth > maxDepth:
		return tooComplex("the operation is nested more than %d levels deep", maxDepth)
	case s.values > maxValues:
		return tooComplex("the document's arguments hold more than %d values", maxValues)
	case s.schema > maxSchemaFields:
		return tooComplex("the operation asks for __schema more than once")
	case s.types > maxTypeFields:
		return tooComplex("the operation asks for __type more than %d times", maxTypeFields)
	}
	return nil
}

// meter measures selection sets, each fragment once: spreading a fragment
// many times costs a lookup, not a walk, so measuring stays linear in the
// document however its fragments nest.
type meter struct {
	frags map[string]*ast.FragmentDefinition
	memo  map[string]*shape
	stats docStats
}

func (m *meter) set(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		m.stats.nodes++
		switch sel := sel.(type) {
		case *ast.Field:
			m.stats.directives += len(sel.Directives)
			m.stats.nodes += len(sel.Arguments)
			values := sat(argumentValues(sel.Arguments) + directiveValues(sel.Directives))
			if sel.Alias != "" && sel.Alias != sel.Name {
				m.stats.aliases++
			}
			sub := m.set(sel.SelectionSet)
			f := shape{width: 1, fields: sat(1 + sub.fields), depth: 1 + sub.depth, values: sat(values + sub.values), maxWidth: sub.maxWidth, schema: sub.schema, types: sub.types}
			switch sel.Name {
			case "__schema":
				f.schema++
			case "__type":
				f.types++
			case "login", "registerOwner", "changePassword", "deleteOwner", "requestPasswordReset", "resetPassword":
				f.creds++
			}
			if strings.HasPrefix(sel.Name, "__") {
				// Introspection is as deep as the schema, not the data, and
				// the standard introspection query nests ofType deeply; it
				// is capped by count instead.
				f.depth = 1
			}
			s.add(f)
		case *ast.InlineFragment:
			m.stats.directives += len(sel.Directives)
			// The validator checks the fields of an inline fragment again
			// on their own, so nesting them is nesting the work.
			sub := m.set(sel.SelectionSet)
			sub.depth++
			sub.values = sat(sub.values + directiveValues(sel.Directives))
			s.add(sub)
		case *ast.FragmentSpread:
			m.stats.directives += len(sel.Directives)
			s.add(m.fragment(sel.Name))
			s.values = sat(s.values + directiveValues(sel.Directives))
		}
	}
	s.maxWidth = max(s.maxWidth, s.width)
	return s
}

func (m *meter) fragment(name string) shape {
	if s, ok := m.memo[name]; ok {
		if s == nil {
			return shape{} // a cycle: the validator refuses it
		}
		return *s
	}
	m.memo[name] = nil
	var s shape
	if f := m.frags[name]; f != nil {
		s = m.set(f.SelectionSet)
		s.values = sat(s.values + directiveValues(f.Directives))
	}
	m.memo[name] = &s
	return s
}

// queryCache keeps parsed, validated documents that passed every limit,
// least recently used first out, within a budget of estimated bytes. gqlgen
// adds a document once it is validated but before the complexity limit has
// looked at it; the document waits in the request (pendingDoc) and only
// admitToCache, which runs after every other check, puts it in the cache.
type queryCache struct {
	mu     sync.Mutex
	lru    *simplelru.LRU[string, cachedDoc]
	bytes  int
	budget int
}

type cachedDoc struct {
	doc    *ast.QueryDocument
	weight int
}

// maxCacheEntries bounds the entry count besides the byte budget.
const maxCacheEntries = 1000

func newQueryCache(budget int) *queryCache {
	c := &queryCache{budget: budget}
	c.lru, _ = simplelru.NewLRU(maxCacheEntries, func(_ string, v cachedDoc) { c.bytes -= v.weight })
	return c
}

func (c *queryCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.lru.Get(query)
	return v.doc, ok
}

func (c *queryCache) has(query string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Contains(query)
}

// Add holds doc in the request until admitToCache lets it in.
func (c *queryCache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if pd := pendingFrom(ctx); pd != nil {
		pd.query, pd.doc = query, doc
	}
}

func (c *queryCache) admit(pd *pendingDoc) {
	if pd.doc == nil || pd.weight <= 0 || pd.weight > c.budget/8 {
		return // measured nothing, or too big to be worth a slot
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lru.Contains(pd.query) {
		return
	}
	c.lru.Add(pd.query, cachedDoc{pd.doc, pd.weight})
	c.bytes += pd.weight
	for c.bytes > c.budget {
		c.lru.RemoveOldest()
	}
}

// pendingDoc is a document on its way into the cache, one per request.
type pendingDoc struct {
	query  string
	doc    *ast.QueryDocument
	weight int
}

func pendingFrom(ctx context.Context) *pendingDoc {
	if r := requestFrom(ctx); r != nil {
		return &r.pending
	}
	return nil
}

// admitToCache puts the request's document in the cache; it is the last
// operation check, so only documents every limit accepted get there.
type admitToCache struct{ cache *queryCache }

func (admitToCache) ExtensionName() string                   { return "AdmitToCache" }
func (admitToCache) Validate(graphql.ExecutableSchema) error { return nil }

func (a admitToCache) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	if pd := pendingFrom(ctx); pd != nil {
		a.cache.admit(pd)
	}
	return nil
}

// valueNodes counts the nodes of an argument's value: 1 for a scalar or a
// variable, 1 plus its items' for a list or an input object.
func valueNodes(v *ast.Value) int {
	if v == nil {
		return 0
	}
	n := 1
	for _, c := range v.Children {
		n = sat(n + valueNodes(c.Value))
	}
	return n
}

func argumentValues(args ast.ArgumentList) int {
	n := 0
	for _, a := range args {
		n = sat(n + valueNodes(a.Value))
	}
	return n
}

func directiveValues(dirs ast.DirectiveList) int {
	n := 0
	for _, d := range dirs {
		n = sat(n + argumentValues(d.Arguments))
	}
	return n
}
