package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shopkeeper/storage"
)

func (db *DB) CreateResetToken(ctx context.Context, t storage.ResetToken) error {
	owner, ok := storage.ParseID(t.OwnerID)
	if !ok {
		return storage.ErrNotFound
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	return db.inWrite(ctx, func(tx *sql.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reset_tokens WHERE owner_id = ?`, owner); err != nil {
			return fmt.Errorf("sqlite: create reset token: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO reset_tokens (hash, owner_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
			t.Hash, owner, t.ExpiresAt.UnixMicro(), t.CreatedAt.UnixMicro())
		if isForeignKeyViolation(err) {
			return storage.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: create reset token: %w", err)
		}
		return nil
	})
}

func (db *DB) UseResetToken(ctx context.Context, hash []byte, now time.Time, passwordHash string) (storage.Owner, error) {
	var o storage.Owner
	err := db.inWrite(ctx, func(tx *sql.Tx, _ time.Time) error {
		var owner int64
		err := tx.QueryRowContext(ctx, `DELETE FROM reset_tokens WHERE hash = ? AND expires_at > ? RETURNING owner_id`,
			hash, now.UnixMicro()).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return storage.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: use reset token: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE owners SET password_hash = ? WHERE id = ?`, passwordHash, owner)
		if err != nil {
			return fmt.Errorf("sqlite: use reset token: %w", err)
		}
		if err := mustHaveChanged(res); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = ?`, `DELETE FROM reset_tokens WHERE owner_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, owner); err != nil {
				return fmt.Errorf("sqlite: use reset token: %w", err)
			}
		}
		o, err = scanOwner(tx.QueryRowContext(ctx, `SELECT `+ownerColumns+` FROM owners WHERE id = ?`, owner))
		return err
	})
	if err != nil {
		return storage.Owner{}, err
	}
	return o, nil
}
