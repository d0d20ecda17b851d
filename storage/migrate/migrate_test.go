package migrate_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"

	"shopkeeper/storage/migrate"
)

// noLock stands in for a backend's lock: these tests migrate from one
// goroutine.
type noLock struct{}

func (noLock) SessionLock(context.Context, *sql.Conn) error   { return nil }
func (noLock) SessionUnlock(context.Context, *sql.Conn) error { return nil }

func backend(files fstest.MapFS) migrate.Backend {
	return migrate.Backend{
		Dialect:    goose.DialectSQLite3,
		Migrations: files,
		Locker:     noLock{},
		HasTable:   `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`,
	}
}

func file(sql string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("-- +goose Up\n" + sql)}
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// versions lists what goose_db_version records, in the order recorded.
func versions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version_id FROM goose_db_version ORDER BY id`)
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

func TestUp(t *testing.T) {
	db := openSQLite(t)
	files := fstest.MapFS{
		"0002_b.sql": file("CREATE TABLE b (x INTEGER);\n"),
		"0001_a.sql": file("CREATE TABLE a (x INTEGER);\n"),
	}
	if err := migrate.Up(t.Context(), db, backend(files)); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, db), []int64{0, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("first run recorded %v, want %v (in order)", got, want)
	}

	// A second run, with a new migration, applies only that one.
	files["0003_c.sql"] = file("CREATE TABLE c (x INTEGER);\n")
	if err := migrate.Up(t.Context(), db, backend(files)); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, db), []int64{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Fatalf("second run recorded %v, want %v", got, want)
	}
	if got, want := tables(t, db), []string{"a", "b", "c", "goose_db_version"}; !slices.Equal(got, want) {
		t.Fatalf("tables %v, want %v", got, want)
	}
}

// TestUpStopsAtAFailure: the failing migration leaves nothing behind, not
// even the statements before the one that failed, and the error names it.
func TestUpStopsAtAFailure(t *testing.T) {
	db := openSQLite(t)
	files := fstest.MapFS{
		"0001_a.sql":    file("CREATE TABLE a (x INTEGER);\n"),
		"0002_fail.sql": file("CREATE TABLE half (x INTEGER);\nCREATE TABLE oops (x NOTATYPE,);\n"),
		"0003_c.sql":    file("CREATE TABLE c (x INTEGER);\n"),
	}
	err := migrate.Up(t.Context(), db, backend(files))
	if err == nil || !strings.Contains(err.Error(), "0002_fail.sql") || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("Up: %v, want the failing file and its error", err)
	}
	if got, want := versions(t, db), []int64{0, 1}; !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	if got, want := tables(t, db), []string{"a", "goose_db_version"}; !slices.Equal(got, want) {
		t.Fatalf("tables %v, want %v", got, want)
	}
}

// TestUpLeavesNewerDatabasesAlone: during a roll-out, instances of the
// previous release start against a database the new one has migrated.
func TestUpLeavesNewerDatabasesAlone(t *testing.T) {
	db := openSQLite(t)
	files := fstest.MapFS{"0001_a.sql": file("CREATE TABLE a (x INTEGER);\n")}
	if err := migrate.Up(t.Context(), db, backend(files)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE b (x INTEGER); INSERT INTO goose_db_version (version_id, is_applied) VALUES (2, 1)`); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Up(t.Context(), db, backend(files)); err != nil {
		t.Fatalf("Up on a database one version ahead: %v", err)
	}
	if got, want := versions(t, db), []int64{0, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

// TestUpAdoptsLegacyVersions: a database the previous runner migrated gets
// only the migrations that runner had not applied, and keeps its old table.
func TestUpAdoptsLegacyVersions(t *testing.T) {
	db := openSQLite(t)
	if _, err := db.Exec(`
		CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;
		CREATE TABLE a (x INTEGER);
		INSERT INTO a VALUES (42);
		INSERT INTO schema_migrations VALUES (1, 1700000000000000);
	`); err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{
		"0001_a.sql": file("CREATE TABLE a (x INTEGER);\n"), // fails if applied again
		"0002_b.sql": file("CREATE TABLE b (x INTEGER);\n"),
	}
	for range 2 { // the second run finds goose's table and adopts nothing more
		if err := migrate.Up(t.Context(), db, backend(files)); err != nil {
			t.Fatal(err)
		}
		if got, want := versions(t, db), []int64{0, 1, 2}; !slices.Equal(got, want) {
			t.Fatalf("recorded %v, want %v", got, want)
		}
	}
	var x, legacy int
	if err := db.QueryRow(`SELECT x FROM a`).Scan(&x); err != nil || x != 42 {
		t.Fatalf("row in a: %d, %v; want 42", x, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = 1`).Scan(&legacy); err != nil || legacy != 1 {
		t.Fatalf("schema_migrations rows for version 1: %d, %v; want it left as it was", legacy, err)
	}
}
