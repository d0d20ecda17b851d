package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"time"

	"github.com/pressly/goose/v3"
	sqlite3 "modernc.org/sqlite/lib"

	"shopkeeper/storage/migrate"
)

// The same numbered migrations as storage/postgres/migrations, in SQLite's
// dialect; storage/migrate applies them.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrateDB runs the migrations of the database at path through its write
// pool, the single connection.
func migrateDB(ctx context.Context, write *sql.DB, path string) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	// The lock is held around the whole run, from the write connection's
	// first use on: that first use switches a new file to WAL, which fails
	// at once (busy_timeout does not cover it) while another opener holds
	// the file.
	lk := &fileLock{path: path + "-migrate-lock"}
	if err := lk.SessionLock(ctx, nil); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	err = migrate.Up(ctx, write, migrate.Backend{
		Dialect:    goose.DialectSQLite3,
		Migrations: dir,
		HasTable:   `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`,
	})
	if err != nil {
		err = fmt.Errorf("sqlite: %w", err)
	}
	return errors.Join(err, lk.SessionUnlock(ctx, nil))
}

// fileLock keeps DBs, in this process or others, from migrating one file
// at once, which would have both plan to apply the same migration and the
// second fail. goose runs each migration in a transaction of its own, so
// the database's lock cannot be held from one to the next; this is an
// exclusive transaction on an empty SQLite file beside it instead, which
// SQLite's locking makes portable and the system drops if the process dies.
type fileLock struct {
	path string
	db   *sql.DB
	tx   *sql.Tx
}

func (l *fileLock) SessionLock(ctx context.Context, _ *sql.Conn) error {
	u := url.URL{Scheme: "file", Path: l.path, RawQuery: "_txlock=exclusive"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	// Poll rather than set busy_timeout, so ctx ending stops the wait.
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err == nil {
			l.db, l.tx = db, tx
			return nil
		}
		if sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY {
			db.Close()
			return fmt.Errorf("migration lock: %w", err)
		}
		select {
		case <-ctx.Done():
			db.Close()
			return fmt.Errorf("migration lock: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (l *fileLock) SessionUnlock(context.Context, *sql.Conn) error {
	return errors.Join(l.tx.Rollback(), l.db.Close())
}
