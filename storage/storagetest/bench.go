package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shopkeeper/storage"
)

// Bench measures what every logged-in page asks of db: the token with its
// owner, and the first page of the owner's stores (10 of them, each with two
// lists), as the dashboard reads them.
func Bench(b *testing.B, db storage.DB) {
	ctx := context.Background()
	o, err := db.CreateOwner(ctx, storage.Owner{Name: "Bench Owner", Email: "bench@example.com", PasswordHash: "hash"})
	if err != nil {
		b.Fatal(err)
	}
	tok := hash("bench")
	if err := db.CreateToken(ctx, storage.Token{Hash: tok, OwnerID: o.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		if _, err := db.CreateStore(ctx, storage.Store{
			OwnerID: o.ID, Name: fmt.Sprintf("Store %d", i+1), Email: "store@example.com",
			PaymentMethods: []string{"card", "cash"}, Categories: []string{"food", "drinks", "household"},
		}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.Token(ctx, tok, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Stores10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			page, err := db.Stores(ctx, o.ID, storage.DefaultPageSize, "")
			if err != nil || len(page.Stores) != 10 || len(page.Stores[9].Categories) != 3 {
				b.Fatalf("Stores = %d stores, %v", len(page.Stores), err)
			}
		}
	})
}
