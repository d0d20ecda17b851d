package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
	return db.inTx(ctx, "create reset token", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reset_tokens WHERE owner_id = $1`, owner); err != nil {
			return wrap("create reset token", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO reset_tokens (hash, owner_id, expires_at, created_at) VALUES ($1, $2, $3, $4)`,
			t.Hash, owner, t.ExpiresAt, t.CreatedAt)
		if pgCode(err) == foreignKeyViolation {
			return storage.ErrNotFound
		}
		if err != nil {
			return wrap("create reset token", err)
		}
		return nil
	})
}

func (db *DB) UseResetToken(ctx context.Context, hash []byte, now time.Time, passwordHash string) (storage.Owner, error) {
	var o storage.Owner
	err := db.inTx(ctx, "use reset token", func(tx pgx.Tx) error {
		var owner int64
		err := tx.QueryRow(ctx, `DELETE FROM reset_tokens WHERE hash = $1 AND expires_at > $2 RETURNING owner_id`,
			hash, now).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			return storage.ErrNotFound
		}
		if err != nil {
			return wrap("use reset token", err)
		}
		tag, err := tx.Exec(ctx, `UPDATE owners SET password_hash = $1 WHERE id = $2`, passwordHash, owner)
		if err != nil {
			return wrap("use reset token", err)
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrNotFound
		}
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = $1`, `DELETE FROM reset_tokens WHERE owner_id = $1`} {
			if _, err := tx.Exec(ctx, q, owner); err != nil {
				return wrap("use reset token", err)
			}
		}
		o, err = scanOwner(tx.QueryRow(ctx, `SELECT `+ownerColumns+` FROM owners WHERE id = $1`, owner))
		return err
	})
	if err != nil {
		return storage.Owner{}, err
	}
	return o, nil
}
