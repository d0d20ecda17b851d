package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"shopkeeper/storage"
	"shopkeeper/storage/postgres"
	"shopkeeper/storage/postgres/pgtest"
	"shopkeeper/storage/storagetest"
)

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	pgtest.ServerURL(t)
	storagetest.Run(t, func(t *testing.T) storage.DB {
		return open(t, pgtest.NewDatabase(t))
	})
}

func TestUpdatedAtNeverGoesBack(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := open(t, url)
	defer db.Close()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	storagetest.UpdatedAtNeverGoesBack(t, db, func(shopID string, at time.Time) {
		id, _ := storage.ParseID(shopID)
		tag, err := conn.Exec(t.Context(), `UPDATE stores SET updated_at = $1 WHERE id = $2`, at, id)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("set updated_at: %v, %d rows", err, tag.RowsAffected())
		}
	})
}

// versions reads goose_db_version directly: the migrations recorded as
// applied (not goose's own version 0), in the order recorded.
func versions(t *testing.T, url string) []int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConcurrentOpen starts several instances on a fresh database at once:
// the advisory lock makes them take turns, so all succeed and each
// migration is applied once.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const n = 4
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(t.Context(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if got := versions(t, url); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Fatalf("goose_db_version versions = %v, want [1 2 3 4]", got)
	}
	o := storagetest.NewOwner(t, dbs[0], "first@example.com")
	got, err := dbs[n-1].Owner(t.Context(), o.ID)
	if err != nil || got.Email != o.Email {
		t.Fatalf("owner written by one instance, read by another: %+v, %v", got, err)
	}
}

// TestReopenKeepsWrites closes the pool after writes that reported success
// and finds them all through a new one; opening again migrates nothing.
func TestReopenKeepsWrites(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := t.Context()
	db := open(t, url)
	o := storagetest.NewOwner(t, db, "keep@example.com")
	sh, err := db.CreateStore(ctx, storage.Store{OwnerID: o.ID, Name: "kept", Email: "k@x.test", Categories: []string{}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour)
	if err := db.CreateToken(ctx, storage.Token{Hash: []byte("token-hash"), OwnerID: o.ID, ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, url)
	defer db.Close()
	got, err := db.Store(ctx, o.ID, sh.ID)
	if err != nil {
		t.Fatalf("shop after reopen: %v", err)
	}
	if got.Name != "kept" || got.Categories == nil || got.PaymentMethods != nil || !got.UpdatedAt.Equal(sh.UpdatedAt) {
		t.Fatalf("shop after reopen = %+v, want %+v", got, sh)
	}
	if owner, err := db.OwnerByEmail(ctx, "KEEP@example.com"); err != nil || owner.ID != o.ID {
		t.Fatalf("owner after reopen: %+v, %v", owner, err)
	}
	if tok, err := db.Token(ctx, []byte("token-hash"), time.Now()); err != nil || tok.OwnerID != o.ID {
		t.Fatalf("token after reopen: %+v, %v", tok, err)
	}
	if got := versions(t, url); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Fatalf("goose_db_version versions after reopen = %v, want [1 2 3 4]", got)
	}
}

func TestOpenUnreachable(t *testing.T) {
	// Port 1 on the loopback refuses connections.
	_, err := postgres.Open(t.Context(), "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Open of a server that is not there: %v, want ErrUnavailable", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	for _, u := range []string{"", "postgres://%zz", "postgres://h/db?pool_max_conns=0"} {
		if db, err := postgres.Open(t.Context(), u); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", u)
		} else if errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("Open(%q): %v; a bad URL is not an outage", u, err)
		}
	}
}

// TestLostConnections ends every session of the database, as a server
// restart or failover would. A connection lost mid-use is reported as
// ErrUnavailable, and the pool recovers by itself with fresh connections.
func TestLostConnections(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := t.Context()

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	db := open(t, url+"&pool_max_conns=2")
	defer db.Close()
	o := storagetest.NewOwner(t, db, "ann@example.com")

	pgtest.Terminate(t, url)

	_, err = conn.Exec(ctx, `SELECT 1`)
	if err == nil || !postgres.Unavailable(err) {
		t.Fatalf("query on a terminated session: %v; want it classed as unavailable", err)
	}
	// The pool may notice the dead connections before using them (it
	// pings those idle for over a second); a failure must be ErrUnavailable.
	recovered := false
	for range 3 {
		_, err := db.Owner(ctx, o.ID)
		if err == nil {
			recovered = true
			break
		}
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("Owner after the sessions ended: %v; want success or ErrUnavailable", err)
		}
	}
	if !recovered {
		t.Fatal("the pool did not recover from lost connections")
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after recovery: %v", err)
	}
}

func TestUnavailableIsNotCancel(t *testing.T) {
	db := open(t, pgtest.NewDatabase(t))
	defer db.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := db.Owner(ctx, "12345")
	if err == nil || errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Owner with a cancelled context: %v; want context.Canceled, not ErrUnavailable", err)
	}
}
