// Package migrate brings a database's schema up to date. It is the one
// runner every backend uses; what differs between databases (the SQL of
// the migration files, the bookkeeping statements, how to lock) comes from
// the backend.
//
// Migrations are files named NNNN_name.sql, applied in order, each in its
// own transaction together with its row in schema_migrations, so a
// migration is either wholly applied and recorded or not at all. Released
// files are never edited: a change is a new file. Every backend has the
// same numbers and names, each written in its own dialect.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Migration is one numbered file.
type Migration struct {
	Version int
	Name    string // the file name, such as 0001_init.sql
	SQL     string
}

var fileName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// Load reads the migrations at the root of fsys in version order. Every
// file there must be a migration, with a version no other file has.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migrate: %s is not a migration: want a file named like 0001_name.sql", e.Name())
		}
		version, _ := strconv.Atoi(m[1]) // four digits always parse
		if version == 0 {
			return nil, fmt.Errorf("migrate: %s: versions start at 0001", e.Name())
		}
		if other, ok := seen[version]; ok {
			return nil, fmt.Errorf("migrate: %s and %s have the same version", other, e.Name())
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		out = append(out, Migration{Version: version, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Conn is the one database connection migrations run on. Backends adapt
// their driver to it.
type Conn interface {
	// Lock blocks until no other process is migrating this database, and
	// returns what lets the next one in.
	Lock(ctx context.Context) (unlock func(context.Context) error, err error)
	// Exec runs a statement outside a transaction.
	Exec(ctx context.Context, sql string, args ...any) error
	Begin(ctx context.Context) (Tx, error)
}

// Tx is a transaction on a Conn.
type Tx interface {
	Exec(ctx context.Context, sql string, args ...any) error
	// QueryInt runs a query whose answer is one integer.
	QueryInt(ctx context.Context, sql string, args ...any) (int64, error)
	Commit(ctx context.Context) error
	// Rollback after Commit is a harmless no-op.
	Rollback(ctx context.Context) error
}

// Dialect is the bookkeeping SQL, which differs between databases. The
// table is schema_migrations (version, applied_at).
type Dialect struct {
	// CreateTable creates schema_migrations if it does not exist.
	CreateTable string
	// Applied counts the rows whose version is the one argument.
	Applied string
	// Record inserts a row from its two arguments: the version and
	// AppliedAt of the time.
	Record    string
	AppliedAt func(time.Time) any
}

// Run applies the migrations c's database does not have yet, holding c's
// lock throughout. Each is checked and applied inside its own transaction,
// so even without an exclusive lock two runners could not both apply one.
func Run(ctx context.Context, c Conn, d Dialect, ms []Migration) (err error) {
	unlock, err := c.Lock(ctx)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx has ended, or the next runner waits in vain.
		if uerr := unlock(context.WithoutCancel(ctx)); uerr != nil {
			err = errors.Join(err, fmt.Errorf("migrate: unlock: %w", uerr))
		}
	}()
	if err := c.Exec(ctx, d.CreateTable); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := apply(ctx, c, d, m); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, c Conn, d Dialect, m Migration) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	done, err := tx.QueryInt(ctx, d.Applied, m.Version)
	if err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if err := tx.Exec(ctx, d.Record, m.Version, d.AppliedAt(time.Now())); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
