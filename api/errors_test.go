package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"shopkeeper/api"
	"shopkeeper/requestid"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// failingStore breaks CountStores the way a database outage would, and
// panics in DeleteStore like a bug would.
type failingStore struct{ storage.DB }

func (failingStore) CountStores(context.Context, string) (int, error) {
	return 0, errors.New(`sqlite: count stores: SQL logic error: no such table: stores (1)`)
}

func (failingStore) DeleteStore(context.Context, string, string) (storage.Store, error) {
	panic("boom: nil map in DeleteShop")
}

func TestUnexpectedErrorsAreHidden(t *testing.T) {
	e := newEnv(t)
	e = newEnvAt(t, e.dbAt, func(o *api.Options) { o.DB = failingStore{e.db} })
	ann := e.register("ann@example.com", "Ann")

	tests := []struct {
		name   string
		query  string
		logged string
	}{
		{"store error", `query { countStores }`, "no such table"},
		{"panic", `mutation { deleteStore(id: "1") { _id } }`, "boom: nil map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := "Bearer " + ann.Secret
			body := `{"query": ` + quote(tt.query) + `}`
			req, _ := http.NewRequest(http.MethodPost, e.url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", h)
			req.Header.Set(requestid.Header, "req-"+strings.ReplaceAll(tt.name, " ", "-"))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var r response
			if err := decodeJSON(res, &r); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK || r.code(t) != "internal" || r.Errors[0].Message != "internal error" {
				t.Fatalf("status %d: %s; want 200 with code internal", res.StatusCode, r.raw)
			}
			for _, leak := range []string{"sqlite", "SQL", "boom", "goroutine", ".go:"} {
				if strings.Contains(string(r.raw), leak) {
					t.Fatalf("response leaks %q: %s", leak, r.raw)
				}
			}
			logs := e.logs.String()
			if !strings.Contains(logs, tt.logged) || !strings.Contains(logs, `"request_id":"req-`+strings.ReplaceAll(tt.name, " ", "-")+`"`) {
				t.Fatalf("log does not hold the error with its request id:\n%s", logs)
			}
		})
	}
}

// downStore fails every count as an unreachable database does.
type downStore struct{ storage.DB }

func (downStore) CountStores(context.Context, string) (int, error) {
	return 0, fmt.Errorf("%w: dial tcp 127.0.0.1:5432: connect: connection refused", storage.ErrUnavailable)
}

func TestDatabaseOutageIsUnavailable(t *testing.T) {
	e := newEnv(t)
	e = newEnvAt(t, e.dbAt, func(o *api.Options) { o.DB = downStore{e.db} })
	ann := e.register("ann@example.com", "Ann")
	r := e.as(ann.Secret, `query { countStores }`, nil)
	if r.code(t) != rules.CodeUnavailable {
		t.Fatalf("%s; want code unavailable", r.raw)
	}
	if strings.Contains(string(r.raw), "5432") || strings.Contains(string(r.raw), "refused") {
		t.Fatalf("response leaks the driver error: %s", r.raw)
	}
}

func TestOnOperationSeesEachOperation(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]time.Duration{}
	e := newEnv(t, func(o *api.Options) {
		o.OnOperation = func(name string, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			seen[name] = d
		}
	})
	ann := e.register("ann@example.com", "Ann")
	e.as(ann.Secret, `query CountThem { countStores }`, nil)
	mu.Lock()
	defer mu.Unlock()
	if d, ok := seen["CountThem"]; !ok || d <= 0 {
		t.Fatalf("operations seen: %v, want CountThem with its duration", seen)
	}
}
