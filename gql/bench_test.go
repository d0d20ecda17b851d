package gql_test

import (
	"context"
	"fmt"
	"testing"

	"shopkeeper/api"
	"shopkeeper/gql"
)

// BenchmarkInProcessDashboard is the dashboard's one API call through the
// in-process client: encode, the API's executor, SQLite, decode.
func BenchmarkInProcessDashboard(b *testing.B) {
	ctx := context.Background()
	c := gql.NewInProcess(newAPI(b, api.Options{}))
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
