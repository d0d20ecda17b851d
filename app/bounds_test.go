package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"

	"shopkeeper/rules"
)

// The tests below send, through the whole server, the documents an outside
// test used to make the API answer far more than anyone asked for.

const (
	maxErrors      = 20      // errors in one answer
	maxAnswerBytes = 8 << 20 // bytes in one answer
)

// refusedOnce checks an answer refused as a whole: one error with code,
// no data, and a small body.
func refusedOnce(t *testing.T, a gqlAnswer, code string) string {
	t.Helper()
	if a.Status != http.StatusOK || len(a.Errors) != 1 || (len(a.Data) > 0 && string(a.Data) != "null") || a.Size > 4<<10 {
		t.Fatalf("status %d, %d errors, %d bytes, data %.100s; want 200, one error and no data in a small answer. First errors: %.600v",
			a.Status, len(a.Errors), a.Size, a.Data, a.Errors[:min(3, len(a.Errors))])
	}
	if got := a.Errors[0].Extensions["code"]; got != code {
		t.Fatalf("code %v (%q), want %s", got, a.Errors[0].Message, code)
	}
	return a.Errors[0].Message
}

// TestBoundsConflictingFields: fields that cannot be merged (one response
// name, different arguments) are refused with one error before the
// validator compares every pair of them, however many operations repeat
// them; and no answer holds more than 20 errors.
func TestBoundsConflictingFields(t *testing.T) {
	d := startDoor(t, nil)
	secret := d.signUp(t, "conflicts@example.com", "long enough password")

	// The attack: 15 mutations of 100 revokeSession fields with different
	// ids and no aliases, half of them from one shared fragment.
	revokes := func(from, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `revokeSession(id:"%d") `, from+i)
		}
		return b.String()
	}
	var doc strings.Builder
	for op := range 15 {
		fmt.Fprintf(&doc, "mutation M%d { %s...Shared }\n", op, revokes(op*50, 50))
	}
	fmt.Fprintf(&doc, "fragment Shared on Mutation { %s}\n", revokes(10_000, 50))
	if doc.Len() < 15<<10 {
		t.Fatalf("the document is %d bytes, smaller than the attack's", doc.Len())
	}
	a := d.graphql(t, secret, doc.String(), nil)
	msg := refusedOnce(t, a, "GRAPHQL_VALIDATION_FAILED")
	if !strings.Contains(msg, `"revokeSession"`) || !strings.Contains(msg, "alias") {
		t.Fatalf("message %q: want it to name revokeSession and suggest aliases", msg)
	}

	// Many errors of another kind: 40 unknown fields are 40 validation
	// errors; the answer holds the first 19 and a 20th counting the rest.
	var unknown strings.Builder
	unknown.WriteString("{ ")
	for i := range 40 {
		fmt.Fprintf(&unknown, "nope%d ", i)
	}
	unknown.WriteString("}")
	a = d.graphql(t, secret, unknown.String(), nil)
	if len(a.Errors) != maxErrors || (len(a.Data) > 0 && string(a.Data) != "null") {
		t.Fatalf("%d errors and data %.100s; want %d errors and no data", len(a.Errors), a.Data, maxErrors)
	}
	for i, e := range a.Errors[:maxErrors-1] {
		if want := fmt.Sprintf(`"nope%d"`, i); !strings.Contains(e.Message, want) {
			t.Fatalf("error %d is %q, want the one about %s", i, e.Message, want)
		}
	}
	last := a.Errors[maxErrors-1]
	if last.Extensions["code"] != rules.CodeTooManyErrors || !strings.Contains(last.Message, "21 more errors") {
		t.Fatalf("last error %q %v; want %s saying 21 more errors were left out", last.Message, last.Extensions, rules.CodeTooManyErrors)
	}
	if got := a.Extensions["errorsDropped"]; got != float64(21) {
		t.Fatalf("extensions.errorsDropped = %v, want 21", got)
	}
}

// TestBoundsDirectivesOnVariables: directives on variable definitions
// count toward the 50 directives of a document.
func TestBoundsDirectivesOnVariables(t *testing.T) {
	d := startDoor(t, nil)
	doc := "query Q($v: Int" + strings.Repeat(" @a", 2400) + ") { __typename }"
	msg := refusedOnce(t, d.graphql(t, "", doc, nil), rules.CodeTooComplex)
	if !strings.Contains(msg, "more than 50 directives") {
		t.Fatalf("message %q", msg)
	}
	// 51 on one variable is already too many.
	doc = "query Q($v: Int" + strings.Repeat(" @skip(if: true)", 51) + ") { __typename }"
	refusedOnce(t, d.graphql(t, "", doc, nil), rules.CodeTooComplex)
}

// TestBoundsLargeAnswer: an owner with stores of long lists asks for
// three pages of 100 under three roots. The answer would pass 8 MiB, so the
// client gets one error and no data, as JSON: never a cut-off body.
func TestBoundsLargeAnswer(t *testing.T) {
	d := startDoor(t, nil)
	secret := d.signUp(t, "big@example.com", "long enough password")

	// Each store holds 2 lists of 50 items of 200 characters, 4 bytes each
	// in UTF-8 but for a few: about 77 KB. 40 of them, three times over,
	// pass 8 MiB.
	const stores = 40
	items := func(store, list int) []string {
		out := make([]string, rules.MaxListItems)
		for i := range out {
			out[i] = strings.Repeat("😀", rules.MaxListItem-10) + fmt.Sprintf("%02d%02d%02d%04d", store, list, i, 0)
		}
		return out
	}
	const batch = 8 // createStore fields in one request: the body stays under 1 MiB
	for from := 0; from < stores; from += batch {
		var q strings.Builder
		vars := map[string]any{}
		q.WriteString("mutation(")
		for i := from; i < from+batch; i++ {
			fmt.Fprintf(&q, "$p%d: [String], $c%d: [String], ", i, i)
			vars[fmt.Sprint("p", i)], vars[fmt.Sprint("c", i)] = items(i, 0), items(i, 1)
		}
		q.WriteString(") { ")
		for i := from; i < from+batch; i++ {
			fmt.Fprintf(&q, `s%d: createStore(data: {name: "Store %d", email: "s@shop.test", paymentMethods: $p%d, categories: $c%d}) { _id } `, i, i, i, i)
		}
		q.WriteString("}")
		if a := d.graphql(t, secret, q.String(), vars); len(a.Errors) > 0 {
			t.Fatalf("createStore: %.300v", a.Errors)
		}
	}

	const lists = `stores(_size: 100) { data { paymentMethods categories } }`
	one := `{ findOwnerByEmail(email: "big@example.com") { ` + lists + ` } }`
	a := d.graphql(t, secret, one, nil)
	if len(a.Errors) > 0 || a.Size < 2<<20 || a.Size > maxAnswerBytes {
		t.Fatalf("one root: %d bytes, errors %.300v; want the page of %d stores, under 8 MiB", a.Size, a.Errors, stores)
	}

	three := `{ findOwnerByEmail(email: "big@example.com") { ` + lists + ` } findOwnerByID(id: "` + ownerID(t, d, secret) + `") { ` + lists + ` } listOwners { ` + lists + ` } }`
	a = d.graphql(t, secret, three, nil) // fails the test unless the body is JSON
	msg := refusedOnce(t, a, rules.CodeAnswerTooLarge)
	if !strings.Contains(msg, "8 MiB") {
		t.Fatalf("message %q: want it to say the limit", msg)
	}
}

func ownerID(t *testing.T, d *door, secret string) string {
	t.Helper()
	var data struct {
		ListOwners []struct {
			ID string `json:"_id"`
		}
	}
	a := d.graphql(t, secret, `{ listOwners { _id } }`, nil)
	if err := json.Unmarshal(a.Data, &data); err != nil || len(data.ListOwners) != 1 {
		t.Fatalf("listOwners: %s %v", a.Data, a.Errors)
	}
	return data.ListOwners[0].ID
}

// TestBoundsNoSchemaHints: with introspection off, no validation message
// names a part of the schema the client did not write: no "did you mean",
// no required argument, field or type it did not send.
func TestBoundsNoSchemaHints(t *testing.T) {
	d := startDoor(t, map[string]string{"SHOP_GRAPHQL_INTROSPECTION": "off"})
	secret := d.signUp(t, "hints@example.com", "long enough password")
	names := schemaNames(t)
	tests := []struct {
		name, doc string
		vars      map[string]any
	}{
		{"field", `{ findOwner }`, nil},
		{"field below", `{ listOwners { nam } }`, nil},
		{"field with a selection", `{ countStores { x } }`, nil},
		{"object without a selection", `{ listOwners }`, nil},
		{"argument", `{ findOwnerByID(idd: "1") { _id } }`, nil},
		{"missing argument", `{ findOwnerByID { _id } }`, nil},
		{"argument of the wrong type", `{ findOwnerByID(id: true) { _id } }`, nil},
		{"input field", `mutation { createStore(data: {nam: "x", emial: "a@b.c"}) { _id } }`, nil},
		{"type", `query($e: Strin) { findOwnerByEmail(email: $e) { _id } }`, nil},
		{"input type", `query($d: StoreInpt!) { __typename }`, nil},
		{"variable position", `query($e: Boolean) { findOwnerByEmail(email: $e) { _id } }`, nil},
		{"fragment type", `{ ...F } fragment F on Stor { _id }`, nil},
		{"fragment spread here", `{ ...F } fragment F on Owner { _id }`, nil},
		{"directive", `{ __typename @skp(if: true) }`, nil},
		{"variable's input field", `mutation($d: StoreInput!) { createStore(data: $d) { _id } }`, map[string]any{"d": map[string]any{"nam": "x"}}},
		{"variable's type", `mutation($d: StoreInput!) { createStore(data: $d) { _id } }`, map[string]any{"d": "text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := errorsWithPaths(t, d, secret, tt.doc, tt.vars)
			if len(errs) == 0 {
				t.Fatalf("no error for %s", tt.doc)
			}
			sent := documentNames(tt.doc, tt.vars)
			for _, e := range errs {
				raw, _ := json.Marshal(e)
				text := e.Message + " " + string(raw)
				if strings.Contains(strings.ToLower(text), "did you mean") {
					t.Fatalf("a suggestion: %s", text)
				}
				for _, w := range hintWords(e.Message, e.Path) {
					if names[w] && !sent[w] {
						t.Fatalf("%q names %q, which %s does not: %s", e.Message, w, tt.doc, raw)
					}
				}
			}
		})
	}
	// Introspection on, the same mistakes get their hints.
	on := startDoor(t, nil)
	a := on.graphql(t, "", `{ findOwner }`, nil)
	if len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "Did you mean") {
		t.Fatalf("with introspection on: %+v", a.Errors)
	}
}

type pathError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// errorsWithPaths sends doc as d.graphql does and returns the answer's
// errors with their paths, which gqlAnswer leaves out.
func errorsWithPaths(t *testing.T, d *door, secret, doc string, vars map[string]any) []pathError {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, d.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ Errors []pathError }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	return answer.Errors
}

var wordRE = regexp.MustCompile(`[_A-Za-z][_0-9A-Za-z]*`)

// hintWords are the words of an error that may name the schema: the
// quoted parts of its message, every capitalised word (type names), and
// its path.
func hintWords(msg string, path []any) []string {
	var words []string
	for i, part := range strings.Split(msg, `"`) {
		if i%2 == 1 {
			words = append(words, wordRE.FindAllString(part, -1)...)
			continue
		}
		for _, w := range wordRE.FindAllString(part, -1) {
			if w[0] >= 'A' && w[0] <= 'Z' {
				words = append(words, w)
			}
		}
	}
	for _, p := range path {
		if s, ok := p.(string); ok {
			words = append(words, s)
		}
	}
	return words
}

// schemaNames are the names the API's schema defines: types, fields,
// arguments, input fields, enum values and directives, less the scalars
// every GraphQL schema has.
func schemaNames(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../api/schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	names := map[string]bool{}
	for name, def := range schema.Types {
		if def.BuiltIn {
			continue
		}
		names[name] = true
		for _, f := range def.Fields {
			names[f.Name] = true
			for _, a := range f.Arguments {
				names[a.Name] = true
			}
		}
		for _, v := range def.EnumValues {
			names[v.Name] = true
		}
	}
	for name, def := range schema.Directives {
		if def.Position != nil && def.Position.Src != nil && !def.Position.Src.BuiltIn {
			names[name] = true
		}
	}
	return names
}

// documentNames are the words a client wrote: the document's names, and
// the keys and strings of its variables.
func documentNames(doc string, vars map[string]any) map[string]bool {
	sent := map[string]bool{}
	lex := lexer.New(&ast.Source{Input: doc})
	for {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		for _, w := range wordRE.FindAllString(tok.Value, -1) {
			sent[w] = true
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				sent[k] = true
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			for _, w := range wordRE.FindAllString(v, -1) {
				sent[w] = true
			}
		}
	}
	walk(vars)
	return sent
}
