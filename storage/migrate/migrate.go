// Package migrate brings a database's schema up to date at start-up with
// goose (github.com/pressly/goose/v3). Every backend uses it; what differs
// between databases (the SQL of the migration files, the lock, a query and
// a statement) comes from the backend.
//
// Migrations are files named NNNN_name.sql whose first line is
// "-- +goose Up", applied in order, each in its own transaction together
// with its row in goose_db_version, so a migration is either wholly applied
// and recorded or not at all. Released files are never edited: a change is
// a new file. Every backend has the same numbers and names, each written in
// its own dialect. Versions the database has and the binary does not know
// are left alone, so instances of the previous release keep working while
// a new one rolls out.
//
// Releases before goose recorded versions in their own table,
// schema_migrations. Up copies them into goose's table once (adoptLegacy)
// and leaves schema_migrations as it was, so the previous release can still
// start against the database if a roll-out is reversed.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Backend is what Up needs to know about a database.
type Backend struct {
	Dialect goose.Dialect
	// Migrations holds the NNNN_name.sql files at its root.
	Migrations fs.FS
	// Locker keeps two processes from migrating the same database at once.
	// Locker, if set, keeps other processes from migrating at the same time;
	// nil when the caller holds a lock of its own around Up.
	Locker lock.SessionLocker
	// HasTable is a query whose one argument is a table name and whose
	// answer counts the tables of that name in the schema in use.
	HasTable string
	// AdoptLock, if set, runs first in the transaction that adopts
	// schema_migrations and holds other processes off until it ends.
	AdoptLock string
}

// legacyTable is where releases before goose recorded versions: one row
// (version, applied_at) per migration applied.
const legacyTable = "schema_migrations"

// Up applies the migrations db does not have yet.
func Up(ctx context.Context, db *sql.DB, b Backend) error {
	if err := adoptLegacy(ctx, db, b); err != nil {
		return fmt.Errorf("migrate: adopt %s: %w", legacyTable, err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)} // the files are the migrations
	if b.Locker != nil {
		opts = append(opts, goose.WithSessionLocker(b.Locker))
	}
	p, err := goose.NewProvider(b.Dialect, db, b.Migrations, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		if pe, ok := errors.AsType[*goose.PartialError](err); ok {
			return fmt.Errorf("migrate: %s: %w", path.Base(pe.Failed.Source.Path), pe.Err)
		}
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// adoptLegacy records the versions in schema_migrations in goose's table,
// if the database has the one and not yet the other, so goose carries on
// where the previous runner stopped instead of applying everything again.
// Either goose's table appears with every version, or not at all.
func adoptLegacy(ctx context.Context, db *sql.DB, b Backend) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if b.AdoptLock != "" {
		if _, err := tx.ExecContext(ctx, b.AdoptLock); err != nil {
			return err
		}
	}
	has := func(table string) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, b.HasTable, table).Scan(&n)
		return n > 0, err
	}
	if legacy, err := has(legacyTable); err != nil || !legacy {
		return err
	}
	if adopted, err := has(goose.DefaultTablename); err != nil || adopted {
		return err
	}

	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+legacyTable+` ORDER BY version`)
	if err != nil {
		return err
	}
	// goose's table starts with version 0, as goose itself creates it.
	versions := []int64{0}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	store, err := database.NewStore(b.Dialect, goose.DefaultTablename)
	if err != nil {
		return err
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range versions {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	return tx.Commit()
}
