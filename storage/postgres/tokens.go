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
	_, fixed := storage.ParseID(t.ID)
	var err error
	for range 3 {
		err = db.inTx(ctx, "create token", func(tx pgx.Tx) error { return createToken(ctx, tx, owner, t) })
		if fixed || pgCode(err) != uniqueViolation { // unique: the id is taken
			break
		}
	}
	return err
}

// lockOwner locks the owner's row until the transaction ends, so the
// writes that count the owner's records (logins, store creates) take turns
// for one owner. FOR NO KEY UPDATE does not block the key-share locks that
// inserting a token or a store for the owner takes. ErrNotFound if there is
// no such owner.
func lockOwner(ctx context.Context, tx pgx.Tx, owner int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM owners WHERE id = $1 FOR NO KEY UPDATE`, owner).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	if err != nil {
		return wrap("lock owner", err)
	}
	return nil
}

// createToken inserts t for owner in tx, under a fresh public id unless t
// names one, and ends the owner's least recently used live tokens past
// storage.MaxSessions. A taken id (one chance in 2^63) fails with
// uniqueViolation.
func createToken(ctx context.Context, tx pgx.Tx, owner int64, t storage.Token) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	if t.LastUsedAt.IsZero() {
		t.LastUsedAt = t.CreatedAt
	}
	id, ok := storage.ParseID(t.ID)
	if !ok {
		id = storage.NewID()
	}
	if err := lockOwner(ctx, tx, owner); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO tokens (hash, owner_id, expires_at, created_at, last_used_at, id, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.Hash, owner, t.ExpiresAt, t.CreatedAt, t.LastUsedAt, id, storage.TruncateUserAgent(t.UserAgent))
	if pgCode(err) == foreignKeyViolation {
		return storage.ErrNotFound
	}
	if err != nil {
		return wrap("create token", err)
	}
	// The owner's row is locked, so no other login counts meanwhile.
	if _, err := tx.Exec(ctx, `DELETE FROM tokens WHERE owner_id = $1 AND hash IN (
			SELECT hash FROM tokens WHERE owner_id = $1 AND hash <> $2 AND expires_at > $3
			ORDER BY last_used_at DESC, created_at DESC, id DESC OFFSET $4)`,
		owner, t.Hash, t.CreatedAt, storage.MaxSessions-1); err != nil {
		return wrap("end least recently used tokens", err)
	}
	return nil
}

func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (storage.Token, error) {
	var (
		o                          storage.Owner
		id, tokenID                int64
		ua                         string
		expires, created, lastUsed time.Time
	)
	err := db.pool.QueryRow(ctx, `SELECT t.id, t.user_agent, t.expires_at, t.created_at, t.last_used_at, o.id, o.name, o.email, o.password_hash, o.updated_at
		FROM tokens t JOIN owners o ON o.id = t.owner_id
		WHERE t.hash = $1 AND t.expires_at > $2`,
		hash, now).Scan(&tokenID, &ua, &expires, &created, &lastUsed, &id, &o.Name, &o.Email, &o.PasswordHash, &o.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.Token{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Token{}, wrap("read token", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), o.UpdatedAt.UTC()
	return storage.Token{Hash: hash, ID: storage.FormatID(tokenID), OwnerID: o.ID, ExpiresAt: expires.UTC(),
		CreatedAt: created.UTC(), LastUsedAt: lastUsed.UTC(), UserAgent: ua, Owner: o}, nil
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

func (db *DB) DeleteOwnerTokens(ctx context.Context, ownerID string, keep []byte) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return nil // no such owner, so no tokens
	}
	query, args := `DELETE FROM tokens WHERE owner_id = $1`, []any{owner}
	if keep != nil {
		query, args = query+` AND hash <> $2`, append(args, keep)
	}
	if _, err := db.pool.Exec(ctx, query, args...); err != nil {
		return wrap("delete owner tokens", err)
	}
	return nil
}

func (db *DB) OwnerTokens(ctx context.Context, ownerID string, now time.Time, limit int) ([]storage.Token, error) {
	owner, ok := storage.ParseID(ownerID)
	if !ok || limit <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT hash, id, user_agent, expires_at, created_at, last_used_at
		FROM tokens WHERE owner_id = $1 AND expires_at > $2
		ORDER BY created_at DESC, id DESC LIMIT $3`, owner, now, limit)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	var out []storage.Token
	for rows.Next() {
		var (
			t  storage.Token
			id int64
		)
		if err := rows.Scan(&t.Hash, &id, &t.UserAgent, &t.ExpiresAt, &t.CreatedAt, &t.LastUsedAt); err != nil {
			return nil, wrap("list tokens", err)
		}
		t.ID, t.OwnerID = storage.FormatID(id), ownerID
		t.ExpiresAt, t.CreatedAt, t.LastUsedAt = t.ExpiresAt.UTC(), t.CreatedAt.UTC(), t.LastUsedAt.UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list tokens", err)
	}
	return out, nil
}

func (db *DB) DeleteOwnerToken(ctx context.Context, ownerID, id string) (bool, error) {
	owner, ok := storage.ParseID(ownerID)
	tok, ok2 := storage.ParseID(id)
	if !ok || !ok2 {
		return false, nil
	}
	tag, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE id = $1 AND owner_id = $2`, tok, owner)
	if err != nil {
		return false, wrap("delete owner token", err)
	}
	return tag.RowsAffected() > 0, nil
}

func (db *DB) ChangePassword(ctx context.Context, ownerID, hash string, t storage.Token) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.ErrNotFound
	}
	return db.inTx(ctx, "change password", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE owners SET password_hash = $1 WHERE id = $2`, hash, owner)
		if err != nil {
			return wrap("change password", err)
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrNotFound
		}
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = $1`, `DELETE FROM reset_tokens WHERE owner_id = $1`} {
			if _, err := tx.Exec(ctx, q, owner); err != nil {
				return wrap("change password", err)
			}
		}
		return createToken(ctx, tx, owner, t)
	})
}

func (db *DB) DeleteOwner(ctx context.Context, ownerID string) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.ErrNotFound
	}
	return db.inTx(ctx, "delete owner", func(tx pgx.Tx) error {
		// The owner's row first, as logins and store creates lock it: taking
		// the tokens' rows first could deadlock with a login ending some.
		if err := lockOwner(ctx, tx, owner); err != nil {
			return err
		}
		// The foreign keys cascade too; this says what goes.
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = $1`, `DELETE FROM reset_tokens WHERE owner_id = $1`,
			`DELETE FROM stores WHERE owner_id = $1`} {
			if _, err := tx.Exec(ctx, q, owner); err != nil {
				return wrap("delete owner", err)
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM owners WHERE id = $1`, owner)
		if err != nil {
			return wrap("delete owner", err)
		}
		if tag.RowsAffected() == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
}

func (db *DB) PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{`DELETE FROM tokens WHERE expires_at <= $1`, `DELETE FROM reset_tokens WHERE expires_at <= $1`} {
		tag, err := db.pool.Exec(ctx, q, now)
		if err != nil {
			return total, wrap("purge tokens", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}
