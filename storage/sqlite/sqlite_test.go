package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shopkeeper/storage"
	"shopkeeper/storage/sqlite"
	"shopkeeper/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.DB {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "shop.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestUpdatedAtNeverGoesBack(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storagetest.UpdatedAtNeverGoesBack(t, db, func(id string, at time.Time) { sqlite.SetStoreUpdatedAt(t, db, id, at) })
}

func TestOpenCreatesDirsAndPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "shop.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	o := storagetest.NewOwner(t, db, "keep@example.com")
	sh, err := db.CreateStore(ctx, storage.Store{OwnerID: o.ID, Name: "kept", Email: "k@x.test", Categories: []string{}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}

	// Reopening runs the migrations again, which must be a no-op.
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Store(ctx, o.ID, sh.ID)
	if err != nil {
		t.Fatalf("shop after reopen: %v", err)
	}
	if got.Name != "kept" || got.Categories == nil || got.PaymentMethods != nil {
		t.Fatalf("shop after reopen = %+v", got)
	}
	if _, err := db.OwnerByEmail(ctx, "keep@example.com"); err != nil {
		t.Fatalf("owner after reopen: %v", err)
	}
}

func TestPragmas(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := sqlite.Pragmas(t, db) // of the read connections
	// A read waits at most a request's deadline for a lock (see hotRead).
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "5000"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("pragma %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

// TestOpenPaths covers a relative path (the default data dir is ./data) and
// characters that mean something in a URI.
func TestOpenPaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, p := range []string{"data/shop.db", filepath.Join(dir, "with space", "a#b?c%20.db")} {
		db, err := sqlite.Open(context.Background(), p)
		if err != nil {
			t.Fatalf("Open(%q): %v", p, err)
		}
		storagetest.NewOwner(t, db, "a@example.com")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, strings.TrimPrefix(p, dir))); err != nil {
			t.Fatalf("Open(%q) did not create that file: %v", p, err)
		}
	}
}

// TestConcurrentOpen opens one new file from several DBs at once, as
// processes starting together would: each migration's IMMEDIATE
// transaction makes them take turns, so all succeed.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	const n = 4
	dbs := make([]*sqlite.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = sqlite.Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	o := storagetest.NewOwner(t, dbs[0], "first@example.com")
	if got, err := dbs[n-1].Owner(t.Context(), o.ID); err != nil || got.Email != o.Email {
		t.Fatalf("owner written through one DB, read through another: %+v, %v", got, err)
	}
}
