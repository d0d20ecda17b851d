package sqlite_test

import (
	"path/filepath"
	"testing"

	"shopkeeper/storage/sqlite"
	"shopkeeper/storage/storagetest"
)

func BenchmarkDashboardReads(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "shop.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storagetest.Bench(b, db)
}
