package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"shopkeeper/storage"
)

func (db *DB) CreateToken(ctx context.Context, t storage.Token) error {
	owner, ok := storage.ParseID(t.OwnerID)
	if !ok {
		return storage.ErrNotFound
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO tokens (hash, owner_id, expires_at) VALUES ($1, $2, $3)`,
		t.Hash, owner, t.ExpiresAt)
	if pgCode(err) == foreignKeyViolation {
		return storage.ErrNotFound
	}
	if err != nil {
		return wrap("create token", err)
	}
	return nil
}

func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (storage.Token, error) {
	var (
		o       storage.Owner
		id      int64
		expires time.Time
	)
	err := db.pool.QueryRow(ctx, `SELECT t.expires_at, o.id, o.name, o.email, o.password_hash, o.updated_at
		FROM tokens t JOIN owners o ON o.id = t.owner_id
		WHERE t.hash = $1 AND t.expires_at > $2`,
		hash, now).Scan(&expires, &id, &o.Name, &o.Email, &o.PasswordHash, &o.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.Token{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Token{}, wrap("read token", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), o.UpdatedAt.UTC()
	return storage.Token{Hash: hash, OwnerID: o.ID, ExpiresAt: expires.UTC(), Owner: o}, nil
}

func (db *DB) DeleteToken(ctx context.Context, hash []byte) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE hash = $1`, hash); err != nil {
		return wrap("delete token", err)
	}
	return nil
}

func (db *DB) DeleteOwnerTokens(ctx context.Context, ownerID string) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return nil // no such owner, so no tokens
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE owner_id = $1`, owner); err != nil {
		return wrap("delete owner tokens", err)
	}
	return nil
}

func (db *DB) PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, wrap("purge tokens", err)
	}
	return tag.RowsAffected(), nil
}
