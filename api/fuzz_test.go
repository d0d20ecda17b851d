package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"shopkeeper/password"
	"shopkeeper/rules"
	"shopkeeper/storage/sqlite"
)

// FuzzGraphQLDocument sends any document to the API and checks that
//   - the answer is never a 5xx and always JSON, of at most maxAnswerBytes
//     and maxErrors errors;
//   - the shape check agrees with a naive count that expands every fragment
//     where it is spread: what it accepts is within the limits, and what it
//     refuses for its fields, depth or aliases is over one of those.
//
// Run with `go test -fuzz=FuzzGraphQLDocument ./api/`; the seeds run with
// every `go test`.
func FuzzGraphQLDocument(f *testing.F) {
	for _, seed := range []string{
		`{ __typename }`,
		`query IntrospectionQuery { __schema { types { ...FullType } } } fragment FullType on __Type { name fields(includeDeprecated: true) { name type { ...TypeRef } } } fragment TypeRef on __Type { kind name ofType { kind name } }`,
		`mutation { login(email: "a@b.c", password: "longenough") { secret } }`,
		`mutation { a: login(email: "a@b.c", password: "x") { secret } b: login(email: "a@b.c", password: "y") { secret } }`,
		`mutation { ...L } fragment L on Mutation { login(email: "a", password: "b") { secret } registerOwner(email: "a", password: "b", name: "c") { _id } }`,
		`{ ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C } fragment C on Query { __typename a: __typename }`,
		`{ ...A } fragment A on Query { ...A }`,
		`{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`,
		`{ findOwnerByID(id: "1") { stores(_size: 1000) { data { owner { stores { data { _id } } } } } } }`,
		`{ ` + strings.Repeat("nope ", 40) + `}`,
		`mutation { revokeSession(id: "1") revokeSession(id: "2") ...F } fragment F on Mutation { revokeSession(id: "3") }`,
		`query($v: Int @a @a @a) { ... { ... @skip(if: true) { __typename } } }`,
		`{ countStores c: countStores d: countStores }`,
		`{ __typename @include(if: true) @skip(if: false) }`,
		`{ x(a: [[[[[[[[1]]]]]]]], b: {c: {d: {e: "f"}}}) }`,
		"{ " + strings.Repeat("__typename ", 120) + "}",
		`query Q($v: [String!]! = ["a"]) { findOwnerByEmail(email: $v) { _id } }`,
		`"""doc""" query { __typename } # comment`,
		`{`,
		``,
	} {
		f.Add(seed)
	}
	db, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	srv := New(Options{DB: db, Hasher: password.New(password.Options{Params: cheap}), Limits: Limits{Off: true}})

	f.Fuzz(func(t *testing.T, query string) {
		body, _ := json.Marshal(map[string]string{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, query, w.Body)
		}
		var answer struct {
			Errors []struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			t.Fatalf("status %d, not JSON for %q: %s", w.Code, query, w.Body)
		}
		if len(answer.Errors) > maxErrors || w.Body.Len() > maxAnswerBytes {
			t.Fatalf("%d errors in %d bytes for %q", len(answer.Errors), w.Body.Len(), query)
		}

		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
		if err != nil {
			return
		}
		_, refused := measure(doc, true)
		over := naiveOver(doc)
		if over == "a fragment cycle" {
			return // the validator refuses these; the two counts may differ
		}
		sizeRefusal := refused != nil && refused.Extensions["code"] == rules.CodeTooComplex &&
			(strings.HasSuffix(refused.Message, " fields") || strings.Contains(refused.Message, "nested") || strings.Contains(refused.Message, "aliases"))
		switch {
		case refused == nil && over != "":
			t.Fatalf("accepted %q, but naively it has %s", query, over)
		case sizeRefusal && over == "":
			t.Fatalf("refused %q (%s), but naively it is within every limit", query, refused.Message)
		}
	})
}

// naiveOver counts doc the slow way, expanding each fragment wherever it is
// spread, and names the first limit it is over ("" if none): fields count
// across all the operations, and an inline fragment is a level of depth.
// It gives up, calling the document too large, past a budget of visited
// selections.
func naiveOver(doc *ast.QueryDocument) string {
	frags := map[string]*ast.FragmentDefinition{}
	for _, f := range doc.Fragments {
		frags[f.Name] = f
	}
	budget, cycle := 200_000, false
	type count struct{ width, fields, depth, maxWidth int }
	var walk func(set ast.SelectionSet, seen map[string]bool) (count, bool)
	walk = func(set ast.SelectionSet, seen map[string]bool) (count, bool) {
		var c count
		for _, sel := range set {
			if budget--; budget < 0 {
				return c, false
			}
			var sub count
			var ok bool
			switch sel := sel.(type) {
			case *ast.Field:
				if sub, ok = walk(sel.SelectionSet, seen); !ok {
					return c, false
				}
				c.width++
				c.fields += 1 + sub.fields
				d := 1 + sub.depth
				if strings.HasPrefix(sel.Name, "__") {
					d = 1
				}
				c.depth = max(c.depth, d)
				c.maxWidth = max(c.maxWidth, sub.maxWidth)
				continue
			case *ast.InlineFragment:
				sub, ok = walk(sel.SelectionSet, seen)
				sub.depth++
			case *ast.FragmentSpread:
				def := frags[sel.Name]
				if def == nil {
					continue
				}
				if seen[sel.Name] {
					cycle = true
					continue
				}
				seen[sel.Name] = true
				sub, ok = walk(def.SelectionSet, seen)
				delete(seen, sel.Name)
			}
			if !ok {
				return c, false
			}
			c.width += sub.width
			c.fields += sub.fields
			c.depth = max(c.depth, sub.depth)
			c.maxWidth = max(c.maxWidth, sub.maxWidth)
		}
		c.maxWidth = max(c.maxWidth, c.width)
		return c, true
	}
	over := func(c count, ok bool) string {
		switch {
		case cycle:
			return "a fragment cycle"
		case !ok:
			return "too many selections to count"
		case c.maxWidth > maxFieldsPerSet:
			return "a wide selection set"
		case c.fields > maxFields:
			return "too many fields"
		case c.depth > maxDepth:
			return "too much depth"
		}
		return ""
	}
	fields := 0
	for _, op := range doc.Operations {
		c, ok := walk(op.SelectionSet, map[string]bool{})
		fields += c.fields
		c.fields = fields
		if o := over(c, ok); o != "" {
			return o
		}
	}
	for _, f := range doc.Fragments {
		if o := over(walk(f.SelectionSet, map[string]bool{f.Name: true})); o != "" {
			return o
		}
	}
	aliases := 0
	var countAliases func(ast.SelectionSet)
	countAliases = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Alias != sel.Name {
					aliases++
				}
				countAliases(sel.SelectionSet)
			case *ast.InlineFragment:
				countAliases(sel.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		countAliases(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		countAliases(f.SelectionSet)
	}
	if aliases > maxAliases {
		return "too many aliases"
	}
	return ""
}
