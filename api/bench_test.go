package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"shopkeeper/api"
	"shopkeeper/password"
)

// benchServer returns the API handler over a fresh database, with one
// registered owner (ann@example.com / "password-Ann") and their secret.
func benchServer(b *testing.B, hasher *password.Hasher, limits api.Limits) (http.Handler, string) {
	b.Helper()
	db := openDB(b, newDatabase(b))
	h := api.New(api.Options{DB: db, Hasher: hasher, Limits: limits, Logger: slog.New(slog.DiscardHandler)})
	call(b, h, "", registerMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann", "name": "Ann"})
	var d struct{ Login token }
	decodeData(b, call(b, h, "", loginMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann"}), &d)
	return h, d.Login.Secret
}

// call runs one GraphQL request through the handler, without a socket.
func call(b *testing.B, h http.Handler, secret, query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		b.Fatalf("status %d: %s", rec.Code, out)
	}
	return out
}

func decodeData(b *testing.B, raw []byte, v any) {
	var r struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &r); err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLogin measures a login with the production argon2id parameters,
// which dominate its cost by design. Every login is the same account's from
// the same address, so throttling is off, as in the load benchmark.
func BenchmarkLogin(b *testing.B) {
	h, _ := benchServer(b, password.New(password.Options{}), api.Limits{Off: true})
	vars := map[string]any{"email": "ann@example.com", "password": "password-Ann"}
	b.ReportAllocs()
	for b.Loop() {
		call(b, h, "", loginMutation, vars)
	}
}

// BenchmarkFindOwnerByEmail measures the workshop's home-page query for an
// owner with 10 stores: token lookup, owner and one page of stores.
func BenchmarkFindOwnerByEmail(b *testing.B) {
	h, secret := benchServer(b, password.New(password.Options{Params: cheapParams}), api.Limits{})
	for i := range 10 {
		call(b, h, secret, `mutation($name: String!) { createStore(data: { name: $name, email: "s@shop.test", categories: ["food", "drinks"] }) { _id } }`,
			map[string]any{"name": fmt.Sprint("store ", i)})
	}
	const q = `query { findOwnerByEmail(email: "ann@example.com") { _id name email stores { data { _id name email paymentMethods categories } } } }`
	var check struct {
		FindOwnerByEmail struct{ Stores struct{ Data []any } }
	}
	decodeData(b, call(b, h, secret, q, nil), &check)
	if n := len(check.FindOwnerByEmail.Stores.Data); n != 10 {
		b.Fatalf("%d stores, want 10", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		call(b, h, secret, q, nil)
	}
}

// BenchmarkLargeDocuments sends 1 MiB documents of awkward shapes, each a
// new one (a cache hit would measure nothing). Every one must be answered
// in well under 100 ms: the limits refuse the large ones before validation,
// and a long comment costs only its reading.
func BenchmarkLargeDocuments(b *testing.B) {
	h, secret := benchServer(b, password.New(password.Options{Params: cheapParams}), api.Limits{})
	const size = 1<<20 - 64 // leaves room for the JSON around it
	fill := func(prefix, unit, suffix string) string {
		return prefix + strings.Repeat(unit, (size-len(prefix)-len(suffix))/len(unit)) + suffix
	}
	shapes := map[string]string{
		"same field": fill("{ ", "__typename ", "}"),
		"distinct aliases": func() string {
			var s strings.Builder
			s.WriteString("{ ")
			for i := 0; s.Len() < size-16; i++ {
				fmt.Fprintf(&s, "a%d: __typename ", i)
			}
			return s.String() + "}"
		}(),
		"nested lists":     fill(`{ findOwnerByEmail(email: `, "[", ""),
		"one string":       fill(`{ findOwnerByEmail(email: "`, "x", `") { _id } }`),
		"comment":          fill("{ __typename } #", "x", ""),
		"fragment spreads": fill("{ ...A } fragment A on Query { __typename } fragment B on Query { ", "...A ", "}"),
		"directives":       fill("{ __typename ", "@skip(if: false) ", "}"),
		"unused fragments": func() string {
			var s strings.Builder
			s.WriteString("{ __typename } ")
			for i := 0; s.Len() < size-64; i++ {
				fmt.Fprintf(&s, "fragment F%d on Query { __typename } ", i)
			}
			return s.String()
		}(),
	}
	for name, doc := range shapes {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				body, _ := json.Marshal(map[string]string{"query": doc[:len(doc)-len(strconv.Itoa(i))-2] + "#" + strconv.Itoa(i) + "\n"})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					b.Fatalf("status %d: %.300s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// worstDocuments are the documents that cost the validator most, each
// just within the limits in limits.go or just past one (they must be
// refused as cheaply), for BenchmarkValidation; refused says what refuses
// them ("" for none). All are under the token limit. The validator's
// costly rule is OverlappingFieldsCanBeMerged, which compares pairs of
// fields sharing a response name and pairs of fragments spread together;
// the walk every rule shares visits each operation with the fragments it
// spreads; and some rules report an error every few tokens.
func worstDocuments() []struct{ name, doc, refused string } {
	rep := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
			b.WriteByte(' ')
		}
		return b.String()
	}
	word := func(w string) func(int) string { return func(int) string { return w } }
	chains := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ...A0 ...B0 }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment A%d on Query { ...A%d }\nfragment B%d on Query { ...B%d }\n", i, i+1, i, i+1)
		}
		fmt.Fprintf(&b, "fragment A%d on Query { __typename }\nfragment B%d on Query { countStores }\n", n, n)
		return b.String()
	}
	// owner selects every field of an Owner, and of its stores, n times
	// down: 15 fields and 3 levels each time.
	var owner func(n int) string
	owner = func(n int) string {
		if n == 0 {
			return "_id"
		}
		return "_id _ts name email stores { after before data { _id _ts name email paymentMethods categories owner { " + owner(n-1) + " } } }"
	}
	ops := func(n int, frag string) string {
		return rep(n, func(i int) string { return fmt.Sprintf("query Q%d { ...F }", i) }) + "fragment F on Query { " + frag + " }"
	}
	return []struct{ name, doc, refused string }{
		// The outside test's attack: 15 mutations of 100 revokeSession
		// fields with different ids, half from one shared fragment.
		{"conflicting fields in 15 operations", rep(15, func(op int) string {
			return fmt.Sprintf("mutation M%d { %s ...Shared }", op, rep(50, func(i int) string { return fmt.Sprintf(`revokeSession(id: "%d")`, op*50+i) }))
		}) + "fragment Shared on Mutation { " + rep(50, func(i int) string { return fmt.Sprintf(`revokeSession(id: "x%d")`, i) }) + "}",
			"conflict because they have differing arguments"},

		// Fields that merge, as many pairs of them as the limit allows,
		// compared once more by each of 11 inline fragments around them.
		{"repeated fields in nested inline fragments", "{ " + strings.Repeat("... { ", 11) + rep(29, word("__typename")) + strings.Repeat("} ", 11) + "}", ""},
		{"repeated fields in nested inline fragments past the limit", "{ " + strings.Repeat("... { ", 11) + rep(30, word("__typename")) + strings.Repeat("} ", 11) + "}", "more than 5000 pairs"},
		{"repeated fields in one set", "{ " + rep(100, word("__typename")) + "}", ""},
		{"repeated fields with sub-selections", "{ " + rep(50, word("listOwners { _id name email }")) + "}", ""},
		{"repeated fields past the limit", "{ " + rep(20, word("listOwners { "+rep(99, word("_id"))+"}")) + "}", "more than 5000 pairs"},

		// Two chains of fragments that spread only the next: the rule
		// compares each fragment of one with each of the other.
		{"two chains of fragments", chains(api.MaxFragments/2 - 1), ""},
		{"two chains of fragments past the limit", chains(290), "more than 100 fragments"},

		// Operations sharing a fragment: the validator walks it in each.
		{"fields in 42 operations", ops(42, "listOwners { "+owner(3)+" }"), "not found"},
		{"values in 20 operations", ops(20, "findOwnerByEmail(email: ["+rep(98, word(`"a"`))+"]) { _id }"), "cannot represent"},
		{"a deep value in 500 operations", ops(500, "findOwnerByEmail(email: "+strings.Repeat("[", 990)+strings.Repeat("]", 990)+") { _id }"), "more than 2000 values"},
		{"many operations", rep(999, func(i int) string { return fmt.Sprintf("query Q%d { __typename }", i) }), "not found"},

		// An error every few tokens.
		{"unused variables", "query(" + rep(1200, func(i int) string { return fmt.Sprintf("$v%d: Int", i) }) + ") { __typename }", "never used"},
		{"unknown arguments", "{ countStores(" + rep(1600, func(i int) string { return fmt.Sprintf("a%d: 1", i) }) + ") }", "Unknown argument"},
		{"unknown fields", "{ " + rep(100, func(i int) string { return fmt.Sprintf("f%d", i) }) + "}", "Cannot query field"},
		{"a deep value", "{ findOwnerByEmail(email: " + strings.Repeat("[", 990) + strings.Repeat("]", 990) + ") { _id } }", "cannot represent"},
	}
}

// BenchmarkValidation measures what the worst documents cost before any
// of them runs: limits, parsing, validation and complexity, each time a new
// document (a cached one would cost nothing). Each must take well under
// 50 ms; TestWorstDocuments checks they are what their names say.
func BenchmarkValidation(b *testing.B) {
	srv := api.New(api.Options{DB: openDB(b, newDatabase(b)), Logger: slog.New(slog.DiscardHandler)})
	for _, w := range worstDocuments() {
		b.Run(w.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				api.Prepare(srv, w.doc+"\n#"+strconv.Itoa(i))
			}
		})
	}
}

// TestWorstDocuments: BenchmarkValidation's documents are refused, or not,
// as their names say, so it measures the worst the limits let through.
func TestWorstDocuments(t *testing.T) {
	srv := api.New(api.Options{DB: openDB(t, newDatabase(t)), Logger: slog.New(slog.DiscardHandler)})
	for _, w := range worstDocuments() {
		t.Run(w.name, func(t *testing.T) {
			errs := api.Prepare(srv, w.doc)
			switch {
			case w.refused == "" && len(errs) > 0:
				t.Fatalf("refused: %.300v", errs)
			case w.refused != "" && (len(errs) == 0 || !strings.Contains(errs[0].Message, w.refused)):
				t.Fatalf("errors %.300v, want the first to say %q", errs, w.refused)
			}
		})
	}
}
