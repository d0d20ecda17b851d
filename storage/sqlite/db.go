// Package sqlite is the SQLite backend of storage.DB, using the pure-Go
// modernc.org/sqlite driver (no cgo).
//
// SQLite allows one writer at a time, so the DB keeps two pools: a single
// connection that performs every write (writers queue in Go instead of
// failing with "database is locked") and a pool of read-only connections
// that WAL mode lets run alongside it. busy_timeout still covers another
// process opening the same file.
//
// Durability: WAL with synchronous=FULL, so a write that returned success
// survives both a killed process and a power cut.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"shopkeeper/storage"
)

// DB is a storage.DB backed by one SQLite file.
type DB struct {
	write *sql.DB // exactly one connection: SQLite's single writer
	read  *sql.DB // query_only connections
	// Statements every logged-in request runs, prepared once per read
	// connection instead of parsed again for each query.
	tokenStmt, ownerStmt, storesStmt *sql.Stmt
}

var _ storage.DB = (*DB)(nil)

// Open opens (creating if needed, with its directories) the SQLite database
// at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	// The DSN is a file: URI, in which a relative path would read as a host.
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data dir: %w", err)
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	if err := migrateDB(ctx, write, path); err != nil {
		write.Close()
		return nil, err
	}

	// The readers open only after migrate has switched the file to WAL.
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := &DB{write: write, read: read}
	if err := db.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&db.tokenStmt, tokenQuery},
		{&db.ownerStmt, ownerByIDQuery},
		{&db.storesStmt, storesQuery},
	} {
		stmt, err := db.read.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.stmt = stmt
	}
	return nil
}

// hotRead is the context of the reads every logged-in page makes (its
// token, its stores page). They are not cancelled with the request: each is
// one indexed lookup on a WAL snapshot, which does not wait for writers and
// ends in microseconds (in WAL's rare edge cases it waits, at most the read
// connections' busy_timeout, a request's deadline). A cancellable context
// would buy nothing and cost two
// goroutines a query, database/sql's and the driver's watchers, about 9% of
// a dashboard's CPU.
func hotRead(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// dsn sets every pragma through _pragma so each pooled connection gets them,
// not just the first one.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	// A read waits no longer than a request may take (api's 5 s deadline),
	// since the hot reads do not end with the request.
	busy := "busy_timeout(10000)"
	if readOnly {
		busy = "busy_timeout(5000)"
	}
	q.Add("_pragma", busy)
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// Take the write lock at BEGIN, so a transaction never fails halfway
		// when upgrading from a read lock.
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Ping reports whether both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Close closes both pools.
func (db *DB) Close() error {
	for _, stmt := range []*sql.Stmt{db.tokenStmt, db.ownerStmt, db.storesStmt} {
		if stmt != nil {
			stmt.Close()
		}
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// PoolStats reports the write and read pools.
func (db *DB) PoolStats() []storage.PoolStats {
	out := make([]storage.PoolStats, 0, 2)
	for name, p := range map[string]*sql.DB{"write": db.write, "read": db.read} {
		s := p.Stats()
		out = append(out, storage.PoolStats{Name: name, Open: s.OpenConnections, InUse: s.InUse,
			MaxOpen: s.MaxOpenConnections, WaitCount: s.WaitCount, WaitDuration: s.WaitDuration})
	}
	return out
}
