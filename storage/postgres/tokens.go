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
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	if t.LastUsedAt.IsZero() {
		t.LastUsedAt = t.CreatedAt
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO tokens (hash, owner_id, expires_at, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5)`,
		t.Hash, owner, t.ExpiresAt, t.CreatedAt, t.LastUsedAt)
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
		o                          storage.Owner
		id                         int64
		expires, created, lastUsed time.Time
	)
	err := db.pool.QueryRow(ctx, `SELECT t.expires_at, t.created_at, t.last_used_at, o.id, o.name, o.email, o.password_hash, o.updated_at
		FROM tokens t JOIN owners o ON o.id = t.owner_id
		WHERE t.hash = $1 AND t.expires_at > $2`,
		hash, now).Scan(&expires, &created, &lastUsed, &id, &o.Name, &o.Email, &o.PasswordHash, &o.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.Token{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Token{}, wrap("read token", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), o.UpdatedAt.UTC()
	return storage.Token{Hash: hash, OwnerID: o.ID, ExpiresAt: expires.UTC(),
		CreatedAt: created.UTC(), LastUsedAt: lastUsed.UTC(), Owner: o}, nil
}

func (db *DB) SlideToken(ctx context.Context, hash []byte, now, expires time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET expires_at = $1, last_used_at = $2
		WHERE hash = $3 AND expires_at < $1 AND expires_at > $2`,
		expires, now, hash)
	if err != nil {
		return false, wrap("slide token", err)
	}
	return tag.RowsAffected() > 0, nil
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
