package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"shopkeeper/storage"
	"shopkeeper/storage/sqlite"
	"shopkeeper/storage/storagetest"
)

// gooseVersions lists the migrations goose_db_version records as applied
// (not goose's own version 0), in the order recorded.
func gooseVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenAdoptsTheOldRunnersDatabase opens a file the previous migration
// runner made: its schema_migrations table, the schema of 0001 and a
// record. Nothing is applied again, nothing is lost, and the old table is
// left as it was.
func TestOpenAdoptsTheOldRunnersDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	initSQL, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ownerID := storage.NewID()
	for _, stmt := range []string{
		// What the old runner ran: its bookkeeping table, then 0001 and its row.
		`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`,
		string(initSQL),
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1700000000000000)`,
	} {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.ExecContext(t.Context(),
		`INSERT INTO owners (id, name, email, password_hash, updated_at) VALUES (?, 'Old', 'old@example.com', 'hash', ?)`,
		ownerID, time.Now().UnixMicro()); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if _, err := raw.ExecContext(t.Context(),
		`INSERT INTO tokens (hash, owner_id, expires_at) VALUES (CAST('old-token' AS BLOB), ?, ?)`, ownerID, expires.UnixMicro()); err != nil {
		t.Fatal(err)
	}

	for i := range 2 { // the second open finds the versions already adopted
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open of the old runner's database: %v", err)
		}
		o, err := db.OwnerByEmail(t.Context(), "old@example.com")
		if err != nil || o.ID != storage.FormatID(ownerID) {
			t.Fatalf("owner written before the switch: %+v, %v", o, err)
		}
		storagetest.NewOwner(t, db, fmt.Sprintf("new%d@example.com", i)) // and it takes writes
		oldTokenMadeAtTheEpoch(t, db, []byte("old-token"), expires)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if got := gooseVersions(t, raw); !slices.Equal(got, []int64{1, 2, 3, 4}) {
			t.Fatalf("goose_db_version = %v, want [1 2 3 4]", got)
		}
	}
	var version, appliedAt int64
	if err := raw.QueryRowContext(t.Context(), `SELECT version, applied_at FROM schema_migrations`).Scan(&version, &appliedAt); err != nil ||
		version != 1 || appliedAt != 1700000000000000 {
		t.Fatalf("schema_migrations: %d %d, %v; want it left as the old runner wrote it", version, appliedAt, err)
	}
}

// oldTokenMadeAtTheEpoch checks that a token made before 0002 keeps the
// expiry it was issued with and is taken as made at the epoch, so its
// absolute cap is long past and no slide can extend it.
func oldTokenMadeAtTheEpoch(t *testing.T, db storage.DB, hash []byte, expires time.Time) {
	t.Helper()
	tok, err := db.Token(t.Context(), hash, time.Now())
	if err != nil || !tok.CreatedAt.Equal(time.Unix(0, 0)) || !tok.ExpiresAt.Equal(expires) ||
		tok.UserAgent != "" || !validID(tok.ID) {
		t.Fatalf("token made before 0002: %+v, %v; want made at the epoch, expiring %v", tok, err, expires)
	}
}

// validID reports whether id is a public id as storage.NewID makes them:
// 0003 gives tokens made before it one.
func validID(id string) bool {
	_, ok := storage.ParseID(id)
	return ok
}
