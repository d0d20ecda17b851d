// Package pgtest gives tests their own empty PostgreSQL database on the
// server named by SHOP_TEST_POSTGRES_URL, so any package's tests (store,
// API, app) can run against PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the server's URL. The role in it must
// be allowed to create databases.
const EnvURL = "SHOP_TEST_POSTGRES_URL"

// ExampleURL is a local server with trust authentication, as CI runs it.
const ExampleURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Wanted reports whether PostgreSQL tests should run: the server is
// configured, or CI is set, where its absence is a failure, not a skip.
func Wanted() bool {
	return os.Getenv(EnvURL) != "" || os.Getenv("CI") != ""
}

// ServerURL returns the server's URL. When it is not set, t is skipped,
// loudly; under CI (CI set) t fails instead, so a CI run cannot pass
// without having run the PostgreSQL tests.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	how := "set it to a server URL whose role may create databases, such as " + ExampleURL
	if os.Getenv("CI") != "" {
		t.Fatal(EnvURL + " is not set, and CI is: the PostgreSQL tests must run in CI; " + how)
	}
	t.Skip(EnvURL + " is not set: PostgreSQL tests skipped; " + how)
	return ""
}

// NewDatabase creates an empty database with a random name
// (shopkeeper_test_…), drops it when t and its subtests are done, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", EnvURL, server)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "shopkeeper_test_" + hex.EncodeToString(b[:])

	admin(t, server, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		// FORCE ends sessions a failed test left open.
		admin(t, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the server's own database. It has its own
// deadline because t's context has already ended when cleanups run.
func admin(t testing.TB, server, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// Terminate ends every session connected to the database at databaseURL,
// as a server restart or failover would, and waits until they are gone.
func Terminate(t testing.TB, databaseURL string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	admin(t, ServerURL(t), `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, u.Path[1:])
}

// Outage makes the database at databaseURL refuse connections and ends the
// ones it has, as a crashed server would; the returned func brings it back.
func Outage(t testing.TB, databaseURL string) (restore func()) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	name := u.Path[1:]
	admin(t, ServerURL(t), "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH ALLOW_CONNECTIONS false")
	Terminate(t, databaseURL)
	return func() {
		admin(t, ServerURL(t), "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH ALLOW_CONNECTIONS true")
	}
}
