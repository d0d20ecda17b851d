package postgres

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"shopkeeper/storage"
)

// Write times come from the server's clock, read in the statement that
// writes (statement_timestamp() for a new row, clock_timestamp() once an
// update holds the row's lock), not from this process's clock before it
// waits for a connection or a lock: writes to a record then get their times
// in the order they take effect, whichever instance made them. A write
// returns the time as stored, so what it returns equals what a read returns.

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
	return 0, errors.New("postgres: could not find a free id")
}

func (db *DB) CreateOwner(ctx context.Context, o storage.Owner) (storage.Owner, error) {
	o.Email = storage.NormalizeEmail(o.Email)
	id, err := withFreshID(func(id int64) error {
		return db.pool.QueryRow(ctx, `INSERT INTO owners (id, name, email, password_hash, updated_at)
			VALUES ($1, $2, $3, $4, statement_timestamp()) RETURNING updated_at`,
			id, o.Name, o.Email, o.PasswordHash).Scan(&o.UpdatedAt)
	})
	if pgCode(err) == uniqueViolation {
		return storage.Owner{}, storage.ErrDuplicate
	}
	if err != nil {
		return storage.Owner{}, wrap("create owner", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), o.UpdatedAt.UTC()
	return o, nil
}

const ownerColumns = `id, name, email, password_hash, updated_at`

func scanOwner(row pgx.Row) (storage.Owner, error) {
	var (
		o  storage.Owner
		id int64
	)
	err := row.Scan(&id, &o.Name, &o.Email, &o.PasswordHash, &o.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.Owner{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Owner{}, wrap("read owner", err)
	}
	o.ID = storage.FormatID(id)
	o.UpdatedAt = o.UpdatedAt.UTC()
	return o, nil
}

func (db *DB) Owner(ctx context.Context, id string) (storage.Owner, error) {
	n, ok := storage.ParseID(id)
	if !ok {
		return storage.Owner{}, storage.ErrNotFound
	}
	return scanOwner(db.pool.QueryRow(ctx, `SELECT `+ownerColumns+` FROM owners WHERE id = $1`, n))
}

func (db *DB) OwnerByEmail(ctx context.Context, email string) (storage.Owner, error) {
	email = storage.NormalizeEmail(email)
	// PostgreSQL text cannot hold these, so no owner has such an email;
	// asking would fail with an encoding error instead of not found.
	if !utf8.ValidString(email) || strings.ContainsRune(email, 0) {
		return storage.Owner{}, storage.ErrNotFound
	}
	return scanOwner(db.pool.QueryRow(ctx, `SELECT `+ownerColumns+` FROM owners WHERE email = $1`, email))
}

func (db *DB) SetPasswordHash(ctx context.Context, ownerID, hash string) error {
	n, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.ErrNotFound
	}
	tag, err := db.pool.Exec(ctx, `UPDATE owners SET password_hash = $1 WHERE id = $2`, hash, n)
	if err != nil {
		return wrap("set password hash", err)
	}
	if tag.RowsAffected() == 0 {
		return storage.ErrNotFound
	}
	return nil
}
