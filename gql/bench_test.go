package gql_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"shopkeeper/api"
	"shopkeeper/gql"
	"shopkeeper/password"
	"shopkeeper/storage/sqlite"
)

// BenchmarkInProcessDashboard is the dashboard's one API call through the
// in-process transport: encode, the API handler, SQLite, decode.
func BenchmarkInProcessDashboard(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "shop.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	server := api.New(api.Options{
		DB:     db,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Hasher: password.New(password.Options{Params: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}),
	})
	c := gql.NewInProcess(server)
	if err := c.Register(ctx, "Bench", "bench@example.com", "correct horse"); err != nil {
		b.Fatal(err)
	}
	s, err := c.Login(ctx, "bench@example.com", "correct horse")
	if err != nil {
		b.Fatal(err)
	}
	ctx = gql.WithSecret(ctx, s.Secret)
	for i := range 10 {
		in := gql.StoreInput{Name: fmt.Sprintf("Store %d", i), Email: "s@example.com", Categories: []string{"food", "drinks"}}
		if _, err := c.CreateStore(ctx, s.OwnerID, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		o, err := c.Dashboard(ctx, s.Email, "", 50)
		if err != nil || len(o.Stores.Data) != 10 {
			b.Fatalf("dashboard: %d stores, %v", len(o.Stores.Data), err)
		}
	}
}
