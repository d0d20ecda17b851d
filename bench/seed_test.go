package main

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"shopkeeper/api"
	"shopkeeper/password"
	"shopkeeper/storage/sqlite"
)

// seededAPI serves the real API over a fresh SQLite database and returns a
// client logged in as an owner with no stores.
func seededAPI(t *testing.T) *apiClient {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(api.New(api.Options{
		DB:     db,
		Logger: slog.New(slog.DiscardHandler),
		Hasher: password.New(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}),
		Limits: api.Limits{Off: true},
	}))
	t.Cleanup(srv.Close)
	anon := &apiClient{url: srv.URL + "/graphql", hc: srv.Client()}
	var registered struct {
		RegisterOwner struct {
			ID string `json:"_id"`
		}
	}
	if err := anon.do(t.Context(), `mutation { registerOwner(email: "seed@example.com", password: "correct horse", name: "Seed") { _id } }`, nil, &registered); err != nil {
		t.Fatal(err)
	}
	c, err := loginAPI(t.Context(), srv.URL, "seed@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateStores(t *testing.T) {
	c := seededAPI(t)
	owned := func() int {
		var n struct{ CountStores int }
		if err := c.do(t.Context(), `{ countStores }`, nil, &n); err != nil {
			t.Fatal(err)
		}
		return n.CountStores
	}
	// 0 → 5 fits one request; 5 → 45 needs a full request, then a partial one.
	for _, to := range []int{5, 5 + storesPerRequest + 21} {
		from := owned()
		if err := c.createStores(t.Context(), from, to); err != nil {
			t.Fatalf("createStores(%d, %d): %v", from, to, err)
		}
		if got := owned(); got != to {
			t.Fatalf("after createStores(%d, %d) the owner has %d stores, want %d", from, to, got, to)
		}
	}

	t.Run("storesPerRequest is the most the API allows", func(t *testing.T) {
		query, vars := storeBatch(1, storesPerRequest+1)
		var created map[string]any
		err := c.do(t.Context(), query, vars, &created)
		if err == nil || !strings.Contains(err.Error(), "complex") {
			t.Fatalf("a request of %d createStore fields: error %v, want the API to refuse it as too complex", storesPerRequest+1, err)
		}
	})
}

func TestStoreBatchNamesEachStore(t *testing.T) {
	query, vars := storeBatch(41, 3)
	if strings.Count(query, "createStore(") != 3 {
		t.Fatalf("want 3 createStore fields in %s", query)
	}
	for i, want := range []string{"Store 41", "Store 42", "Store 43"} {
		d, _ := vars["d"+string(rune('0'+i))].(map[string]any)
		if d["name"] != want {
			t.Errorf("d%d: name %v, want %q", i, d["name"], want)
		}
	}
}
