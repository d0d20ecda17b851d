package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"shopkeeper/storage/migrate"
)

// The same numbered migrations as storage/sqlite/migrations, in PostgreSQL's
// dialect; storage/migrate applies them.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key instances take while migrating
// ("shopkeep" in ASCII). It is the key the runner before goose took, so
// instances of that release and this one take turns too. Advisory locks
// are per database, so this only queues instances sharing one.
const migrationLock int64 = 0x73686f706b656570

// migrateDB runs the migrations through a database/sql pool of its own,
// which goose needs, opened for the purpose and closed afterwards: the
// advisory lock belongs to one of its sessions, so it is released even if
// unlocking fails or the process dies midway, and no connection of the
// app's pool is ever left holding it.
func migrateDB(ctx context.Context, cfg *pgx.ConnConfig) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	// goose tries the lock every 5 s by default; each second keeps
	// instances starting together from waiting long after it is free.
	// It gives up after 5 minutes, as goose does by default.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLock), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg.Copy())
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return wrap("connect", err)
	}
	err = migrate.Up(ctx, db, migrate.Backend{
		Dialect:    goose.DialectPostgres,
		Migrations: dir,
		Locker:     locker,
		HasTable:   `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1`,
		AdoptLock:  fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLock),
	})
	if err != nil {
		return wrap("", err) // the error names the step
	}
	return nil
}
