package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shopkeeper/storage"
)

// now is the write time stamped on records, at the microsecond precision
// they are stored with, so what a write returns equals what a read returns.
// Writes read it only inside inWrite, once they hold the write lock.
func now() time.Time { return time.UnixMicro(time.Now().UnixMicro()).UTC() }

// inWrite runs fn in a transaction on the write connection and commits it
// if fn succeeds. BEGIN IMMEDIATE (see dsn) takes SQLite's write lock, and
// only then is the time fn stamps records with read: writes that queued for
// the lock, in this process or another one on the same file, commit in the
// order of their times. Reading the clock before queueing would let a write
// that waited longer commit last with an older time.
func (db *DB) inWrite(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin write: %w", err)
	}
	if err := fn(tx, now()); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// withFreshID runs insert with new random ids until one is not taken. A
// collision of 63-bit random ids is vanishingly rare, but cheap to handle.
func withFreshID(insert func(id int64) error) (int64, error) {
	for range 3 {
		id := storage.NewID()
		err := insert(id)
		if !isPrimaryKeyViolation(err) {
			return id, err
		}
	}
	return 0, errors.New("sqlite: could not find a free id")
}

func (db *DB) CreateOwner(ctx context.Context, o storage.Owner) (storage.Owner, error) {
	o.Email = storage.NormalizeEmail(o.Email)
	var id int64
	err := db.inWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		o.UpdatedAt = now
		var err error
		id, err = withFreshID(func(id int64) error {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO owners (id, name, email, password_hash, updated_at) VALUES (?, ?, ?, ?, ?)`,
				id, o.Name, o.Email, o.PasswordHash, o.UpdatedAt.UnixMicro())
			return err
		})
		if isUniqueViolation(err) {
			return storage.ErrDuplicate
		}
		if err != nil {
			return fmt.Errorf("sqlite: create owner: %w", err)
		}
		return nil
	})
	if err != nil {
		return storage.Owner{}, err
	}
	o.ID = storage.FormatID(id)
	return o, nil
}

const ownerColumns = `id, name, email, password_hash, updated_at`

func scanOwner(row *sql.Row) (storage.Owner, error) {
	var (
		o         storage.Owner
		id, micro int64
	)
	err := row.Scan(&id, &o.Name, &o.Email, &o.PasswordHash, &micro)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Owner{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Owner{}, fmt.Errorf("sqlite: read owner: %w", err)
	}
	o.ID = storage.FormatID(id)
	o.UpdatedAt = fromMicros(micro)
	return o, nil
}

const ownerByIDQuery = `SELECT ` + ownerColumns + ` FROM owners WHERE id = ?`

func (db *DB) Owner(ctx context.Context, id string) (storage.Owner, error) {
	n, ok := storage.ParseID(id)
	if !ok {
		return storage.Owner{}, storage.ErrNotFound
	}
	return scanOwner(db.ownerStmt.QueryRowContext(ctx, n))
}

func (db *DB) OwnerByEmail(ctx context.Context, email string) (storage.Owner, error) {
	return scanOwner(db.read.QueryRowContext(ctx,
		`SELECT `+ownerColumns+` FROM owners WHERE email = ?`, storage.NormalizeEmail(email)))
}

func (db *DB) SetPasswordHash(ctx context.Context, ownerID, hash string) error {
	n, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.ErrNotFound
	}
	res, err := db.write.ExecContext(ctx, `UPDATE owners SET password_hash = ? WHERE id = ?`, hash, n)
	if err != nil {
		return fmt.Errorf("sqlite: set password hash: %w", err)
	}
	return mustHaveChanged(res)
}

// mustHaveChanged turns "no row matched" into storage.ErrNotFound.
func mustHaveChanged(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: rows affected: %w", err)
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}
