package postgres_test

import (
	"context"
	"fmt"
	"os"
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

// TestOpenAdoptsTheOldRunnersDatabase opens a database the previous
// migration runner made: its schema_migrations table, the schema of 0001
// and a record. Nothing is applied again, nothing is lost, and the old
// table is left as it was.
func TestOpenAdoptsTheOldRunnersDatabase(t *testing.T) {
	url := pgtest.NewDatabase(t)
	initSQL, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	appliedAt := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ownerID := storage.NewID()
	for _, stmt := range []string{
		// What the old runner ran: its bookkeeping table, then 0001 and its row.
		`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			applied_at timestamptz NOT NULL
		)`,
		string(initSQL),
	} {
		if _, err := conn.Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (1, $1)`, appliedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(),
		`INSERT INTO owners (id, name, email, password_hash, updated_at) VALUES ($1, 'Old', 'old@example.com', 'hash', now())`,
		ownerID); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if _, err := conn.Exec(t.Context(),
		`INSERT INTO tokens (hash, owner_id, expires_at) VALUES ('old-token', $1, $2)`, ownerID, expires); err != nil {
		t.Fatal(err)
	}

	// Instances of the new release starting together adopt the versions
	// once; one opening later finds them adopted.
	for _, n := range []int{4, 1} {
		dbs := make([]*postgres.DB, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { dbs[i], errs[i] = postgres.Open(t.Context(), url) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open #%d of the old runner's database: %v", i, err)
			}
			defer dbs[i].Close()
		}
		o, err := dbs[n-1].OwnerByEmail(t.Context(), "old@example.com")
		if err != nil || o.ID != storage.FormatID(ownerID) {
			t.Fatalf("owner written before the switch: %+v, %v", o, err)
		}
		storagetest.NewOwner(t, dbs[0], fmt.Sprintf("new%d@example.com", n)) // and it takes writes
		if tok, err := dbs[0].Token(t.Context(), []byte("old-token"), time.Now()); err != nil ||
			!tok.CreatedAt.Equal(time.Unix(0, 0)) || !tok.ExpiresAt.Equal(expires) ||
			tok.UserAgent != "" || !validID(tok.ID) {
			t.Fatalf("token made before 0002: %+v, %v; want made at the epoch, expiring %v", tok, err, expires)
		}
		if got := versions(t, url); !slices.Equal(got, []int{1, 2, 3, 4}) {
			t.Fatalf("goose_db_version versions = %v, want [1 2 3 4]", got)
		}
	}
	var version int
	var at time.Time
	if err := conn.QueryRow(t.Context(), `SELECT version, applied_at FROM schema_migrations`).Scan(&version, &at); err != nil ||
		version != 1 || !at.Equal(appliedAt) {
		t.Fatalf("schema_migrations: %d %v, %v; want it left as the old runner wrote it", version, at, err)
	}
}

// validID reports whether id is a public id as storage.NewID makes them:
// 0003 gives tokens made before it one.
func validID(id string) bool {
	_, ok := storage.ParseID(id)
	return ok
}
