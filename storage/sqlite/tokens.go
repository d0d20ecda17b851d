package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	_, err := db.write.ExecContext(ctx, `INSERT INTO tokens (hash, owner_id, expires_at, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash, owner, t.ExpiresAt.UnixMicro(), t.CreatedAt.UnixMicro(), t.LastUsedAt.UnixMicro())
	if isForeignKeyViolation(err) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

const tokenQuery = `SELECT t.expires_at, t.created_at, t.last_used_at, o.id, o.name, o.email, o.password_hash, o.updated_at
	FROM tokens t JOIN owners o ON o.id = t.owner_id
	WHERE t.hash = ? AND t.expires_at > ?`

func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (storage.Token, error) {
	var (
		o                   storage.Owner
		expires, id, micros int64
		created, lastUsed   int64
	)
	err := db.tokenStmt.QueryRowContext(ctx, hash, now.UnixMicro()).
		Scan(&expires, &created, &lastUsed, &id, &o.Name, &o.Email, &o.PasswordHash, &micros)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Token{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Token{}, fmt.Errorf("sqlite: read token: %w", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), fromMicros(micros)
	return storage.Token{Hash: hash, OwnerID: o.ID, ExpiresAt: fromMicros(expires),
		CreatedAt: fromMicros(created), LastUsedAt: fromMicros(lastUsed), Owner: o}, nil
}

func (db *DB) SlideToken(ctx context.Context, hash []byte, now, expires time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE tokens SET expires_at = ?, last_used_at = ?
		WHERE hash = ? AND expires_at < ? AND expires_at > ?`,
		expires.UnixMicro(), now.UnixMicro(), hash, expires.UnixMicro(), now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("sqlite: slide token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: slide token: %w", err)
	}
	return n > 0, nil
}

func (db *DB) DeleteToken(ctx context.Context, hash []byte) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM tokens WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlite: delete token: %w", err)
	}
	return nil
}

func (db *DB) DeleteOwnerTokens(ctx context.Context, ownerID string) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return nil // no such owner, so no tokens
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM tokens WHERE owner_id = ?`, owner); err != nil {
		return fmt.Errorf("sqlite: delete owner tokens: %w", err)
	}
	return nil
}

func (db *DB) PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at <= ?`, now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge tokens: %w", err)
	}
	return res.RowsAffected()
}
