package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/internal/testkit"
	"shopkeeper/password"
	"shopkeeper/requestid"
	"shopkeeper/rules"
	"shopkeeper/storage"
	"shopkeeper/storage/postgres"
	"shopkeeper/storage/postgres/pgtest"
	"shopkeeper/storage/sqlite"
)

// backend is the store the suite is running on. TestMain runs the whole
// suite on SQLite, then again on PostgreSQL when SHOP_TEST_POSTGRES_URL is
// set; under CI (CI set) the second run is required, and fails without it.
var backend = "sqlite"

func TestMain(m *testing.M) {
	code := m.Run()
	if pgtest.Wanted() {
		fmt.Println("=== the API suite again, on PostgreSQL")
		backend = "postgres"
		// Calling m.Run twice is supported (go.dev/issue/23129).
		code = max(code, m.Run())
	}
	os.Exit(code)
}

// newDatabase returns where a fresh, empty database of the backend is: a
// file path for SQLite, a URL for PostgreSQL.
func newDatabase(t testing.TB) string {
	t.Helper()
	if backend == "postgres" {
		return pgtest.NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "shop.db")
}

// cheapParams keep argon2id fast in tests; production uses password.DefaultParams.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type (
	clock      = testkit.Clock
	syncBuffer = testkit.Buffer
)

// env is an API served over real HTTP with a store of its own.
type env struct {
	t     *testing.T
	url   string
	db    storage.DB
	clock *clock
	logs  *syncBuffer
	dbAt  string      // the database, as newDatabase returned it
	srv   *api.Server // the server under test
}

// openDB opens the backend's database at, as newDatabase returned it.
func openDB(t testing.TB, at string) storage.DB {
	t.Helper()
	var (
		db  storage.DB
		err error
	)
	if backend == "postgres" {
		db, err = postgres.Open(t.Context(), at)
	} else {
		db, err = sqlite.Open(t.Context(), at)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newEnv starts a server over a fresh database; change adjusts the options
// (it may replace Store).
func newEnv(t *testing.T, change ...func(*api.Options)) *env {
	t.Helper()
	return newEnvAt(t, newDatabase(t), change...)
}

// newEnvAt starts a server over the database at, as newDatabase returned it.
func newEnvAt(t *testing.T, at string, change ...func(*api.Options)) *env {
	t.Helper()
	t.Logf("store: %s", backend)
	e := &env{
		t:     t,
		clock: testkit.NewClock(time.Date(2026, 11, 28, 13, 35, 0, 0, time.UTC)),
		logs:  &syncBuffer{},
		dbAt:  at,
	}
	e.db = openDB(t, e.dbAt)
	opts := api.Options{
		DB:          e.db,
		Logger:      slog.New(slog.NewJSONHandler(e.logs, nil)),
		Hasher:      password.New(password.Options{Params: cheapParams}),
		Now:         e.clock.Now,
		CORSOrigins: []string{"https://allowed.example"},
	}
	for _, f := range change {
		f(&opts)
	}
	e.srv = api.New(opts)
	e.url = serve(t, e.srv)
	return e
}

// serve runs h behind a request-id middleware like the app's.
func serve(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestid.Header)
		if id == "" {
			id = requestid.New()
		}
		h.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/graphql"
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
	raw        []byte
}

// code returns the extensions.code of the only error, failing otherwise.
func (r response) code(t *testing.T) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, got %s", r.raw)
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// invalidFields returns extensions.field → message of the errors, failing
// unless every one is a validation failure naming its field.
func (r response) invalidFields(t *testing.T) map[string]string {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("want validation errors, got %s", r.raw)
	}
	fields := map[string]string{}
	for _, e := range r.Errors {
		field, _ := e.Extensions["field"].(string)
		if e.Extensions["code"] != rules.CodeValidationFailed || field == "" || e.Message == "" {
			t.Fatalf("want validation failed with a field and a message, got %s", r.raw)
		}
		fields[field] = e.Message
	}
	return fields
}

// invalidField returns the message of the only error, failing unless it is
// a validation failure naming field.
func (r response) invalidField(t *testing.T, field string) string {
	t.Helper()
	fields := r.invalidFields(t)
	if len(fields) != 1 || fields[field] == "" {
		t.Fatalf("want validation failed naming only %s, got %s", field, r.raw)
	}
	return fields[field]
}

func (r response) noErrors(t *testing.T) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %s", r.raw)
	}
}

// decode unmarshals data into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.raw, err)
	}
}

// post sends a GraphQL request. auth is the whole Authorization header; nil
// sends none.
func (e *env) post(auth *string, query string, vars map[string]any) response {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	status, raw := e.raw(http.MethodPost, auth, "application/json", body)
	if status != http.StatusOK {
		e.t.Fatalf("status %d for %s: %s", status, query, raw)
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		e.t.Fatalf("response %s: %v", raw, err)
	}
	r.raw = raw
	return r
}

// as sends a request as the holder of secret ("" = no header at all).
func (e *env) as(secret, query string, vars map[string]any) response {
	e.t.Helper()
	if secret == "" {
		return e.post(nil, query, vars)
	}
	h := "Bearer " + secret
	return e.post(&h, query, vars)
}

func (e *env) raw(method string, auth *string, contentType string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != nil {
		req.Header.Set("Authorization", *auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, out
}

const registerMutation = `mutation Register($email: String!, $password: String!, $name: String!) {
  registerOwner(email: $email, password: $password, name: $name) { _id name email }
}`

const loginMutation = `mutation OwnerLogin($email: String!, $password: String!) {
  login(email: $email, password: $password) { secret ttl email ownerId }
}`

const createStoreMutation = `mutation CreateStore($name: String!, $email: String!, $ownerId: ID!) {
  createStore(data: { name: $name, email: $email, owner: { connect: $ownerId } }) { _id name }
}`

type owner struct {
	ID     string `json:"_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Secret string `json:"-"`
}

// register creates an owner and logs them in.
func (e *env) register(email, name string) owner {
	e.t.Helper()
	r := e.as("", registerMutation, map[string]any{"email": email, "password": "password-" + name, "name": name})
	r.noErrors(e.t)
	var d struct{ RegisterOwner owner }
	r.decode(e.t, &d)
	d.RegisterOwner.Secret = e.login(email, "password-"+name).Secret
	return d.RegisterOwner
}

type token struct {
	Secret  string `json:"secret"`
	TTL     string `json:"ttl"`
	Email   string `json:"email"`
	OwnerID string `json:"ownerId"`
}

func (e *env) login(email, pw string) token {
	e.t.Helper()
	r := e.as("", loginMutation, map[string]any{"email": email, "password": pw})
	r.noErrors(e.t)
	var d struct{ Login token }
	r.decode(e.t, &d)
	return d.Login
}

type shop struct {
	ID             string    `json:"_id"`
	Ts             int64     `json:"_ts"`
	Name           string    `json:"name"`
	Email          string    `json:"email"`
	PaymentMethods *[]string `json:"paymentMethods"`
	Categories     *[]string `json:"categories"`
	Owner          *owner    `json:"owner"`
}

const shopFields = `_id _ts name email paymentMethods categories owner { _id }`

func (e *env) createStore(o owner, name string) shop {
	e.t.Helper()
	r := e.as(o.Secret, createStoreMutation, map[string]any{"name": name, "email": name + "@shop.test", "ownerId": o.ID})
	r.noErrors(e.t)
	var d struct{ CreateStore shop }
	r.decode(e.t, &d)
	return d.CreateStore
}

func jsonEq(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if !bytes.Equal(ga, gb) {
		t.Fatalf("data = %s\nwant   %s", ga, gb)
	}
}

func ptr[T any](v T) *T { return &v }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeJSON(res *http.Response, r *response) error {
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	r.raw = raw
	return json.Unmarshal(raw, r)
}
