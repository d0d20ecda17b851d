package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"shopkeeper/api"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// repeat joins n copies of f(i) with spaces.
func repeat(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

// anyStatus sends query as the holder of secret, whatever status comes back.
func (e *env) anyStatus(secret, query string) response {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	h := "Bearer " + secret
	_, raw := e.raw(http.MethodPost, &h, "application/json", body)
	r := response{raw: raw}
	if err := json.Unmarshal(raw, &r); err != nil {
		e.t.Fatalf("%s: %v", raw, err)
	}
	return r
}

// refusal sends query and returns the only error's code and message, failing
// when the document ran (data other than null) or more than one error came.
func (e *env) refusal(secret, query string) (code, msg string) {
	e.t.Helper()
	r := e.anyStatus(secret, query)
	if len(r.Errors) != 1 || (len(r.Data) > 0 && string(r.Data) != "null") {
		e.t.Fatalf("want one error and no data, got %.600s", r.raw)
	}
	code, _ = r.Errors[0].Extensions["code"].(string)
	return code, r.Errors[0].Message
}

// TestDocumentShapeLimits: documents over a shape limit are refused with
// COMPLEXITY_LIMIT_EXCEEDED before validation. Several would also fail
// validation (unknown fields), and the answer is still the shape limit:
// the validator never saw them.
func TestDocumentShapeLimits(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	fields := func(n int, name string) string { return repeat(n, func(int) string { return name }) }
	// A chain of fragments each spreading the next twice: 2^30 fields
	// if expanded, a few hundred bytes written down.
	var bomb strings.Builder
	bomb.WriteString("{ ...F0 }\n")
	for i := range 30 {
		fmt.Fprintf(&bomb, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	bomb.WriteString("fragment F30 on Query { __typename }\n")
	tests := []struct {
		name, query, msg string
	}{
		{"duplicate fields", "{ " + fields(101, "__typename") + " }", "more than 100 fields"},
		{"unknown duplicate fields", "{ " + fields(101, "nope") + " }", "more than 100 fields"},
		{"wide through fragments", "{ ...A ...B } fragment A on Query { " + fields(60, "__typename") + " } fragment B on Query { " + fields(60, "__typename") + " }", "more than 100 fields"},
		{"wide unused fragment", "{ __typename } fragment A on Query { " + fields(101, "__typename") + " }", "more than 100 fields"},
		{"fragment bomb", bomb.String(), "more than 100 fields"},
		{"many fields", "{ " + repeat(25, func(i int) string { return fmt.Sprintf("o%d: findOwnerByID(id: %q) { ...W }", i, ann.ID) }) + " } fragment W on Owner { " + fields(99, "__typename") + " }", "more than 2000 fields"},
		{"aliases", "{ " + repeat(31, func(i int) string { return "a" + strconv.Itoa(i) + ": __typename" }) + " }", "more than 30 aliases"},
		{"tokens", "{ " + repeat(2600, func(int) string { return "__typename @skip(if: false)" })[:5*5001] + " }", "more than 5000 tokens"},
		{"directives", "{ " + fields(51, "__typename @include(if: true)") + " }", "more than 50 directives"},
		{"depth", "{ findOwnerByID(id: \"" + ann.ID + "\") { stores { data { owner { stores { data { owner { stores { data { owner { stores { data { owner { _id } } } } } } } } } } } } } }", "nested more than 12 levels"},
		{"__schema twice", "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }", "__schema more than once"},
		{"directives on a variable", "query($v: Int" + strings.Repeat(" @skip(if: true)", 51) + ") { __typename }", "more than 50 directives"},
		{"fields in two operations", "query A { " + fields(1, "...W") + " } query B { ...W } fragment W on Query { " + repeat(11, func(i int) string {
			return fmt.Sprintf("o%d: findOwnerByID(id: %q) { %s }", i, ann.ID, fields(99, "__typename"))
		}) + " }", "more than 2000 fields"},
		{"inline fragments nested", "{ " + strings.Repeat("... { ", 12) + "__typename" + strings.Repeat(" }", 12) + " }", "nested more than 12 levels"},
		{"values", "{ findOwnerByEmail(email: [" + fields(2001, "1") + "]) { _id } }", "more than 2000 values"},
		{"values in fragments", "{ ...F ...F } fragment F on Query { findOwnerByEmail(email: [" + fields(1000, "1") + "]) { _id } }", "more than 2000 values"},
		{"values of directives", "{ __typename @skip(if: [" + fields(2001, "true") + "]) }", "more than 2000 values"},
		{"fragments", "{ ...F0 } " + repeat(101, func(i int) string { return fmt.Sprintf("fragment F%d on Query { ...F%d }", i, i+1) }) + " fragment F101 on Query { __typename }", "more than 100 fragments"},
		{"pairs of fields named alike", "{ " + fields(51, "listOwners { _id name email }") + " }", "more than 5000 pairs"},
		{"__type eleven times", "{ " + repeat(11, func(i int) string { return "t" + strconv.Itoa(i) + `: __type(name: "Owner") { name }` }) + " }", "__type more than 10 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := e.refusal(ann.Secret, tt.query)
			if code != rules.CodeTooComplex || !strings.Contains(msg, tt.msg) {
				t.Fatalf("code %q, message %q; want %s saying %q", code, msg, rules.CodeTooComplex, tt.msg)
			}
		})
	}
	// Just under each limit passes.
	for _, q := range []string{
		"{ " + fields(50, "listOwners { _id name email }") + " }",
		"{ " + strings.Repeat("... { ", 11) + "__typename" + strings.Repeat(" }", 11) + " }",
		"{ ...F0 } " + repeat(99, func(i int) string { return fmt.Sprintf("fragment F%d on Query { ...F%d }", i, i+1) }) + " fragment F99 on Query { __typename }",
		"{ " + fields(100, "__typename") + " }",
		"{ " + repeat(30, func(i int) string { return "a" + strconv.Itoa(i) + ": __typename" }) + " }",
		"{ " + repeat(10, func(i int) string { return "t" + strconv.Itoa(i) + `: __type(name: "Owner") { name }` }) + " }",
	} {
		e.as(ann.Secret, q, nil).noErrors(t)
	}
}

// TestOneCredentialFieldPerRequest: aliases cannot turn one request into
// many password checks, and the refused request costs the account nothing.
func TestOneCredentialFieldPerRequest(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	logins := func(n int) string {
		return "mutation { " + repeat(n, func(i int) string {
			return fmt.Sprintf(`l%d: login(email: "ann@example.com", password: "guess-%03d") { secret }`, i, i)
		}) + " }"
	}
	for name, q := range map[string]string{
		"two logins":            logins(2),
		"login via fragments":   `mutation { ...L login(email: "ann@example.com", password: "guess-one") { secret } } fragment L on Mutation { a: login(email: "ann@example.com", password: "guess-two") { secret } }`,
		"two sign-ups":          `mutation { a: registerOwner(email: "x1@example.com", password: "long enough", name: "X") { _id } b: registerOwner(email: "x2@example.com", password: "long enough", name: "X") { _id } }`,
		"login and sign-up":     `mutation { a: registerOwner(email: "x3@example.com", password: "long enough", name: "X") { _id } login(email: "ann@example.com", password: "guess-three") { secret } }`,
		"two password changes":  `mutation { a: changePassword(currentPassword: "guess-1", newPassword: "long enough") { secret } b: changePassword(currentPassword: "guess-2", newPassword: "long enough") { secret } }`,
		"login and deleteOwner": `mutation { deleteOwner(password: "guess-4") login(email: "ann@example.com", password: "guess-five") { secret } }`,
		"two reset requests":    `mutation { a: requestPasswordReset(email: "ann@example.com") b: requestPasswordReset(email: "ann@example.com") }`,
		"two resets":            `mutation { a: resetPassword(token: "t1", newPassword: "long enough") b: resetPassword(token: "t2", newPassword: "long enough") }`,
	} {
		t.Run(name, func(t *testing.T) {
			code, msg := e.refusal("", q)
			if code != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(msg, "at most one login, registerOwner, changePassword, deleteOwner, requestPasswordReset or resetPassword") {
				t.Fatalf("code %q, message %q", code, msg)
			}
		})
	}
	// None of them was counted or run: five guesses are still allowed and
	// no account was made.
	for i := range 5 {
		r := e.as("", loginMutation, map[string]any{"email": "ann@example.com", "password": "wrong guess " + strconv.Itoa(i)})
		if r.code(t) != rules.CodeAuthenticationFailed {
			t.Fatalf("guess %d: %s", i, r.raw)
		}
	}
	if _, err := e.db.OwnerByEmail(t.Context(), "x1@example.com"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused document registered an owner: %v", err)
	}
}

// retryAfter checks a throttled answer and returns its retryAfter.
func retryAfter(t *testing.T, r response) int {
	t.Helper()
	if r.code(t) != rules.CodeTooManyRequests {
		t.Fatalf("want %s, got %s", rules.CodeTooManyRequests, r.raw)
	}
	secs, ok := r.Errors[0].Extensions["retryAfter"].(float64)
	if !ok || secs < 1 {
		t.Fatalf("retryAfter missing: %s", r.raw)
	}
	return int(secs)
}

func TestLoginIsThrottledInTheAPI(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	guess := map[string]any{"email": "ann@example.com", "password": "wrong guess"}
	for range 5 {
		if r := e.as("", loginMutation, guess); r.code(t) != rules.CodeAuthenticationFailed {
			t.Fatalf("%s", r.raw)
		}
	}
	// The right password waits too, and so does the email in another case.
	r := e.as("", loginMutation, map[string]any{"email": " ANN@example.com", "password": "password-Ann"})
	if secs := retryAfter(t, r); secs != 12 {
		t.Fatalf("retryAfter %d, want 12 (five a minute)", secs)
	}
	// Another account is not affected; after the wait the login works and
	// the count starts again.
	if r := e.as("", loginMutation, map[string]any{"email": "bea@example.com", "password": "wrong guess"}); r.code(t) != rules.CodeAuthenticationFailed {
		t.Fatalf("%s", r.raw)
	}
	e.clock.Advance(12 * time.Second)
	e.login("ann@example.com", "password-Ann")
	for range 5 {
		if r := e.as("", loginMutation, guess); r.code(t) != rules.CodeAuthenticationFailed {
			t.Fatalf("%s", r.raw)
		}
	}
	retryAfter(t, e.as("", loginMutation, guess))
	if !strings.Contains(e.logs.String(), `"event":"throttled"`) {
		t.Error("no audit line for the throttled attempt")
	}
}

func TestSignupIsThrottledInTheAPI(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		r := e.as("", registerMutation, map[string]any{"email": fmt.Sprintf("o%d@example.com", i), "password": "long enough", "name": "O"})
		r.noErrors(t)
	}
	// Taken or not, the eleventh is refused the same way, so emails cannot
	// be tested in bulk.
	for _, email := range []string{"o1@example.com", "new@example.com"} {
		r := e.as("", registerMutation, map[string]any{"email": email, "password": "long enough", "name": "O"})
		if secs := retryAfter(t, r); secs != 360 {
			t.Fatalf("retryAfter %d, want 360 (ten an hour)", secs)
		}
	}
	// Invalid input is refused before it is counted.
	e.clock.Advance(6 * time.Minute)
	for range 3 {
		r := e.as("", registerMutation, map[string]any{"email": "not an email", "password": "long enough", "name": "O"})
		if r.code(t) != rules.CodeValidationFailed {
			t.Fatalf("%s", r.raw)
		}
	}
	e.as("", registerMutation, map[string]any{"email": "later@example.com", "password": "long enough", "name": "O"}).noErrors(t)
}

// TestDatabaseFieldsCountTowardComplexity: fields that query the database
// are priced so that a request cannot run more than twenty of them.
func TestDatabaseFieldsCountTowardComplexity(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	counts := func(n int) string {
		return "{ " + repeat(n, func(i int) string { return "c" + strconv.Itoa(i) + ": countStores" }) + " }"
	}
	code, msg := e.refusal(ann.Secret, counts(25))
	if code != rules.CodeTooComplex || !strings.Contains(msg, "complexity") {
		t.Fatalf("25 countStores: %s %q", code, msg)
	}
	e.as(ann.Secret, counts(15), nil).noErrors(t)
	updates := "mutation { " + repeat(25, func(i int) string {
		return fmt.Sprintf(`u%d: partialUpdateStore(id: "1", data: {name: "N%d"}) { _id }`, i, i)
	}) + " }"
	if code, msg := e.refusal(ann.Secret, updates); code != rules.CodeTooComplex || !strings.Contains(msg, "complexity") {
		t.Fatalf("25 partialUpdateStore: %s %q", code, msg)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.DisableIntrospection = true })
	for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Owner") { name } }`} {
		code, msg := e.refusal("", q)
		if code != "GRAPHQL_VALIDATION_FAILED" || msg != "introspection is disabled" {
			t.Fatalf("introspection off answered %s %q", code, msg)
		}
	}
	// __typename is not introspection; clients add it everywhere.
	e.as("", `{ __typename }`, nil).noErrors(t)

	// Nor do errors hint at the schema: no suggestion, and no name the
	// client did not write, in a message or a path.
	ann := e.register("ann@example.com", "Ann")
	for _, tt := range []struct {
		query   string
		vars    map[string]any
		want    string   // the message, as the client gets it
		path    []any    // and its path
		unheard []string // names of the schema it must not hold
	}{
		{`{ findOwner }`, nil, `Cannot query field "findOwner" on type "(hidden)".`, nil, []string{"findOwnerByID", "Query"}},
		{`{ findOwnerByID { _id } }`, nil, `Field "findOwnerByID" argument "(hidden)" of type "ID!" is required, but it was not provided.`, nil, []string{`"id"`}},
		{`mutation($d: StoreInput!) { createStore(data: $d) { _id } }`, map[string]any{"d": map[string]any{"email": "a@b.c"}}, "must be defined", []any{"variable", "d"}, []string{"name"}},
	} {
		r := e.as(ann.Secret, tt.query, tt.vars)
		if len(r.Errors) != 1 || r.Errors[0].Message != tt.want || fmt.Sprint(r.Errors[0].Path) != fmt.Sprint(tt.path) {
			t.Fatalf("%s: %s; want %q at %v", tt.query, r.raw, tt.want, tt.path)
		}
		for _, name := range tt.unheard {
			if strings.Contains(string(r.raw), name) || strings.Contains(string(r.raw), "Did you mean") {
				t.Fatalf("%s: %s tells %s", tt.query, r.raw, name)
			}
		}
	}
}

// TestQueryCacheKeepsOnlyCheckedDocuments: documents refused for their shape,
// their validity or their complexity take no place in the cache, and the
// cache stays within its byte budget however many distinct documents come.
func TestQueryCacheKeepsOnlyCheckedDocuments(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	before, _ := api.CachedDocuments(e.srv)
	for i := range 20 {
		tag := strconv.Itoa(i)
		e.anyStatus(ann.Secret, "{ "+repeat(101, func(int) string { return "__typename" })+" } # "+tag)                             // shape
		e.anyStatus(ann.Secret, "{ nope"+tag+" }")                                                                                  // validation
		e.anyStatus(ann.Secret, "{ "+repeat(25, func(i int) string { return "c" + strconv.Itoa(i) + ": countStores" })+" } # "+tag) // complexity
	}
	if n, _ := api.CachedDocuments(e.srv); n != before {
		t.Fatalf("refused documents were cached: %d documents, %d before", n, before)
	}
	e.as(ann.Secret, "{ countStores }", nil).noErrors(t)
	if n, _ := api.CachedDocuments(e.srv); n != before+1 {
		t.Fatalf("a valid document was not cached: %d documents, %d before", n, before)
	}
	// Distinct valid documents near the limits: the cache evicts to stay
	// within its budget.
	for i := range 300 {
		q := "{ " + repeat(30, func(j int) string { return fmt.Sprintf("a%d: __typename", j) }) + " " +
			repeat(60, func(int) string { return "__typename" }) + " } # " + strconv.Itoa(i)
		e.as(ann.Secret, q, nil).noErrors(t)
	}
	if n, bytes := api.CachedDocuments(e.srv); bytes > api.QueryCacheBudget || n == 0 {
		t.Fatalf("cache holds %d documents, %d estimated bytes; budget %d", n, bytes, api.QueryCacheBudget)
	}
}

// blockingStore holds CountStores until the request's context ends, and
// reports why it ended.
type blockingStore struct {
	storage.DB
	started chan struct{}
	ended   chan error
}

func (b *blockingStore) CountStores(ctx context.Context, _ string) (int, error) {
	b.started <- struct{}{}
	<-ctx.Done()
	b.ended <- ctx.Err()
	return 0, ctx.Err()
}

func newBlockingEnv(t *testing.T, timeout time.Duration) (*env, *blockingStore, owner) {
	var bs *blockingStore
	e := newEnv(t, func(o *api.Options) {
		bs = &blockingStore{DB: o.DB, started: make(chan struct{}, 1), ended: make(chan error, 1)}
		o.DB = bs
		o.RequestTimeout = timeout
	})
	return e, bs, e.register("ann@example.com", "Ann")
}

// waitFor returns what ch yields, failing if nothing comes within a bound
// far beyond what the behaviour needs.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never happened", what)
		panic("unreachable")
	}
}

func TestRequestDeadlineEndsWork(t *testing.T) {
	e, bs, ann := newBlockingEnv(t, 200*time.Millisecond)
	answer := make(chan response, 1)
	go func() { answer <- e.anyStatus(ann.Secret, "{ countStores }") }()
	if err := waitFor(t, bs.ended, "the store call ending"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("store call ended with %v, want the deadline", err)
	}
	if r := waitFor(t, answer, "the answer"); r.code(t) != rules.CodeUnavailable {
		t.Fatalf("answer %s", r.raw)
	}
}

func TestWorkStopsWhenTheClientLeaves(t *testing.T) {
	e, bs, ann := newBlockingEnv(t, time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(`{"query":"{ countStores }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ann.Secret)
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	waitFor(t, bs.started, "the store call starting")
	cancel()
	if err := waitFor(t, bs.ended, "the store call ending"); !errors.Is(err, context.Canceled) {
		t.Fatalf("store call ended with %v, want canceled", err)
	}
	waitFor(t, done, "the client returning")
}

// TestLoneSurrogatesAreRefused: JSON escapes of half a UTF-16 pair would be
// stored as U+FFFD; a whole pair is an ordinary character.
func TestLoneSurrogatesAreRefused(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	h := "Bearer " + ann.Secret
	for _, name := range []string{`Caf\ud800`, `\udc00Shop`, `A\ud83d\u0041`, `\\\ud83d`} {
		body := `{"query":"mutation($n: String!) { createStore(data: {name: $n, email: \"s@example.com\"}) { _id } }","variables":{"n":"` + name + `"}}`
		if status, raw := e.raw(http.MethodPost, &h, "application/json", []byte(body)); status != http.StatusBadRequest {
			t.Errorf("name %s: status %d %s", name, status, raw)
		}
	}
	body := `{"query":"mutation($n: String!) { createStore(data: {name: $n, email: \"s@example.com\"}) { name } }","variables":{"n":"Shop \ud83d\ude00 \\ud800"}}`
	status, raw := e.raw(http.MethodPost, &h, "application/json", []byte(body))
	var r response
	if err := json.Unmarshal(raw, &r); status != http.StatusOK || err != nil || !strings.Contains(string(r.Data), `"Shop 😀 \\ud800"`) {
		t.Fatalf("a whole pair and an escaped backslash: %d %s", status, raw)
	}
}

// TestShutdownDrainsWithAStuckRequest: a request stuck in the database ends
// at its deadline, so a graceful shutdown finishes inside its window
// instead of waiting for the request.
func TestShutdownDrainsWithAStuckRequest(t *testing.T) {
	var bs *blockingStore
	e := newEnv(t, func(o *api.Options) {
		bs = &blockingStore{DB: o.DB, started: make(chan struct{}, 1), ended: make(chan error, 1)}
		o.DB = bs
		o.RequestTimeout = 500 * time.Millisecond
	})
	ann := e.register("ann@example.com", "Ann")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e.srv}
	go srv.Serve(ln)
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/graphql", strings.NewReader(`{"query":"{ countStores }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ann.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	waitFor(t, bs.started, "the store call starting")
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown did not drain: %v", err)
	}
	if status := waitFor(t, answered, "the answer"); status != http.StatusOK {
		t.Fatalf("the stuck request got %d, want its 200 with an error", status)
	}
}

// TestFieldsThatCannotMerge: fields answered under one name must be one
// field with one set of arguments, fragments merged in. The first conflict
// is the one error, however many there are, and a fragment no operation
// spreads is refused as the validator would.
func TestFieldsThatCannotMerge(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	revokes := func(from, n int) string {
		return repeat(n, func(i int) string { return fmt.Sprintf(`revokeSession(id: "%d")`, from+i) })
	}
	tests := []struct{ name, query, msg string }{
		{"different arguments", "mutation { " + revokes(0, 100) + " }", `Fields "revokeSession" conflict because they have differing arguments`},
		{"from a fragment", "mutation { " + revokes(0, 1) + " ...F } fragment F on Mutation { " + revokes(1, 1) + " }", `"revokeSession" conflict`},
		{"in every operation", repeat(15, func(i int) string { return fmt.Sprintf("mutation M%d { %s ...F }", i, revokes(i*50, 50)) }) + " fragment F on Mutation { " + revokes(1000, 50) + " }", `"revokeSession" conflict`},
		{"different fields", "{ countStores: listOwners { _id } countStores }", `Fields "countStores" conflict because "listOwners" and "countStores" are different fields`},
		{"below, in inline fragments", `{ listOwners { ... { n: name } } listOwners { n: email } }`, `Fields "n" conflict because "name" and "email" are different fields`},
		{"variables", `query($a: ID!, $b: ID!) { findOwnerByID(id: $a) { _id } findOwnerByID(id: $b) { _id } }`, `"findOwnerByID" conflict`},
		{"input objects", `mutation { createStore(data: {name: "a", email: "a@b.c"}) { _id } createStore(data: {name: "b", email: "a@b.c"}) { _id } }`, `"createStore" conflict`},
		{"a fragment nobody spreads", "{ __typename } fragment F on Query { countStores }", `Fragment "F" is never used.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := e.refusal(ann.Secret, tt.query)
			if code != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(msg, tt.msg) {
				t.Fatalf("code %q, message %q; want GRAPHQL_VALIDATION_FAILED saying %q", code, msg, tt.msg)
			}
		})
	}
	// The same field twice, fragments and argument order notwithstanding,
	// is one field.
	for _, q := range []string{
		`{ countStores countStores ...F ... { countStores } } fragment F on Query { countStores }`,
		`{ findOwnerByEmail(email: "ann@example.com") { name } findOwnerByEmail(email: "ann@example.com") { email } }`,
		`mutation { partialUpdateStore(id: "1", data: {name: "a", email: "a@b.c"}) { _id } partialUpdateStore(data: {email: "a@b.c", name: "a"}, id: "1") { _id } }`,
	} {
		r := e.as(ann.Secret, q, nil)
		if len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
}

// TestSchemaHasNoAbstractTypes: the check that fields can merge (merge.go)
// relies on every selection set having one parent type. An interface or a
// union would let fields of different object types share a response name;
// adding one means teaching it the spec's exception for them.
func TestSchemaHasNoAbstractTypes(t *testing.T) {
	src, err := os.ReadFile("schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	for name, def := range schema.Types {
		if def.Kind == ast.Interface || def.Kind == ast.Union {
			t.Errorf("%s is an %s", name, def.Kind)
		}
	}
}
