package postgres_test

import (
	"testing"

	"shopkeeper/storage/postgres"
	"shopkeeper/storage/postgres/pgtest"
	"shopkeeper/storage/storagetest"
)

func BenchmarkDashboardReads(b *testing.B) {
	db, err := postgres.Open(b.Context(), pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.Bench(b, db)
}
