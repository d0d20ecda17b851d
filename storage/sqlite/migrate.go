package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"shopkeeper/storage/migrate"
)

// The same numbered migrations as storage/postgres/migrations, in SQLite's
// dialect; storage/migrate applies them.
//
//go:embed migrations/*.sql
var migrations embed.FS

var dialect = migrate.Dialect{
	CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`,
	Applied:   `SELECT count(*) FROM schema_migrations WHERE version = ?`,
	Record:    `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
	AppliedAt: func(t time.Time) any { return t.UnixMicro() },
}

// migrateDB runs the migrations through the single write connection.
func migrateDB(ctx context.Context, write *sql.DB) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	ms, err := migrate.Load(dir)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := migrate.Run(ctx, writer{write}, dialect, ms); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// writer adapts the write pool to migrate.Conn. It needs no lock of its
// own: in this process the pool is one connection, and every transaction
// on it begins IMMEDIATE (see dsn), which takes the file's write lock
// before the runner checks schema_migrations, so another process opening
// the same file waits (busy_timeout) and then finds the migration done.
type writer struct{ db *sql.DB }

func (w writer) Lock(context.Context) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}

func (w writer) Exec(ctx context.Context, query string, args ...any) error {
	_, err := w.db.ExecContext(ctx, query, args...)
	return err
}

func (w writer) Begin(ctx context.Context) (migrate.Tx, error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return writerTx{tx}, nil
}

type writerTx struct{ tx *sql.Tx }

func (t writerTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t writerTx) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

func (t writerTx) Commit(context.Context) error { return t.tx.Commit() }

func (t writerTx) Rollback(context.Context) error { return t.tx.Rollback() }
