package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"

	"shopkeeper/storage/migrate"
)

// The same numbered migrations as storage/sqlite/migrations, in PostgreSQL's
// dialect; storage/migrate applies them.
//
//go:embed migrations/*.sql
var migrations embed.FS

var dialect = migrate.Dialect{
	CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`,
	Applied:   `SELECT count(*) FROM schema_migrations WHERE version = $1`,
	Record:    `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
	AppliedAt: func(t time.Time) any { return t },
}

// migrationLock is the pg_advisory_lock key instances take while migrating
// ("shopkeep" in ASCII). Advisory locks are per database, so this only
// queues instances sharing one.
const migrationLock int64 = 0x73686f706b656570

// migrateDB runs the migrations on a connection of its own, opened for the
// purpose and closed afterwards: the advisory lock belongs to that session,
// so it is released even if unlocking fails or the process dies midway, and
// no pooled connection is ever left holding it.
func migrateDB(ctx context.Context, cfg *pgx.ConnConfig) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	ms, err := migrate.Load(dir)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return wrap("connect", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := migrate.Run(ctx, session{conn}, dialect, ms); err != nil {
		return wrap("", err) // the runner's error names the step
	}
	return nil
}

// session adapts one pgx connection to migrate.Conn.
type session struct{ conn *pgx.Conn }

// Lock waits for the session-level advisory lock; ctx ending cancels the
// wait.
func (s session) Lock(ctx context.Context) (func(context.Context) error, error) {
	if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrationLock)
		return err
	}, nil
}

// Exec without arguments uses the simple protocol, so a migration file may
// hold several statements.
func (s session) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.conn.Exec(ctx, sql, args...)
	return err
}

func (s session) Begin(ctx context.Context) (migrate.Tx, error) {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return sessionTx{tx}, nil
}

type sessionTx struct{ tx pgx.Tx }

func (t sessionTx) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := t.tx.Exec(ctx, sql, args...)
	return err
}

func (t sessionTx) QueryInt(ctx context.Context, sql string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

func (t sessionTx) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

func (t sessionTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
