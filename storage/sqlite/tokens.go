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
	return db.inWrite(ctx, func(tx *sql.Tx, _ time.Time) error { return createToken(ctx, tx, owner, t) })
}

// createToken inserts t for owner in tx, under a fresh public id unless t
// names one.
func createToken(ctx context.Context, tx *sql.Tx, owner int64, t storage.Token) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	if t.LastUsedAt.IsZero() {
		t.LastUsedAt = t.CreatedAt
	}
	id, fixed := storage.ParseID(t.ID)
	var err error
	for range 3 {
		if !fixed {
			id = storage.NewID()
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tokens (hash, owner_id, expires_at, created_at, last_used_at, id, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.Hash, owner, t.ExpiresAt.UnixMicro(), t.CreatedAt.UnixMicro(), t.LastUsedAt.UnixMicro(), id,
			storage.TruncateUserAgent(t.UserAgent))
		if fixed || !isUniqueViolation(err) { // unique: the id is taken
			break
		}
	}
	if isForeignKeyViolation(err) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	// The owner's other live tokens past the MaxSessions-1 most recently
	// used go. The write lock is held, so no other login counts meanwhile.
	if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE owner_id = ? AND hash IN (
			SELECT hash FROM tokens WHERE owner_id = ? AND hash <> ? AND expires_at > ?
			ORDER BY last_used_at DESC, created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
		owner, owner, t.Hash, t.CreatedAt.UnixMicro(), storage.MaxSessions-1); err != nil {
		return fmt.Errorf("sqlite: end least recently used tokens: %w", err)
	}
	return nil
}

const tokenQuery = `SELECT t.id, t.user_agent, t.expires_at, t.created_at, t.last_used_at, o.id, o.name, o.email, o.password_hash, o.updated_at
	FROM tokens t JOIN owners o ON o.id = t.owner_id
	WHERE t.hash = ? AND t.expires_at > ?`

func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (storage.Token, error) {
	var (
		o                        storage.Owner
		tokenID, expires, id, us int64
		created, lastUsed        int64
		ua                       string
	)
	err := db.tokenStmt.QueryRowContext(hotRead(ctx), hash, now.UnixMicro()).
		Scan(&tokenID, &ua, &expires, &created, &lastUsed, &id, &o.Name, &o.Email, &o.PasswordHash, &us)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Token{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Token{}, fmt.Errorf("sqlite: read token: %w", err)
	}
	o.ID, o.UpdatedAt = storage.FormatID(id), fromMicros(us)
	return storage.Token{Hash: hash, ID: storage.FormatID(tokenID), OwnerID: o.ID, ExpiresAt: fromMicros(expires),
		CreatedAt: fromMicros(created), LastUsedAt: fromMicros(lastUsed), UserAgent: ua, Owner: o}, nil
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

func (db *DB) DeleteOwnerTokens(ctx context.Context, ownerID string, keep []byte) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return nil // no such owner, so no tokens
	}
	query, args := `DELETE FROM tokens WHERE owner_id = ?`, []any{owner}
	if keep != nil {
		query, args = query+` AND hash <> ?`, append(args, keep)
	}
	if _, err := db.write.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("sqlite: delete owner tokens: %w", err)
	}
	return nil
}

func (db *DB) OwnerTokens(ctx context.Context, ownerID string, now time.Time, limit int) ([]storage.Token, error) {
	owner, ok := storage.ParseID(ownerID)
	if !ok || limit <= 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT hash, id, user_agent, expires_at, created_at, last_used_at
		FROM tokens WHERE owner_id = ? AND expires_at > ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, owner, now.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tokens: %w", err)
	}
	defer rows.Close()
	var out []storage.Token
	for rows.Next() {
		var (
			t                          storage.Token
			id, expires, created, used int64
		)
		if err := rows.Scan(&t.Hash, &id, &t.UserAgent, &expires, &created, &used); err != nil {
			return nil, fmt.Errorf("sqlite: list tokens: %w", err)
		}
		t.ID, t.OwnerID = storage.FormatID(id), ownerID
		t.ExpiresAt, t.CreatedAt, t.LastUsedAt = fromMicros(expires), fromMicros(created), fromMicros(used)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tokens: %w", err)
	}
	return out, nil
}

func (db *DB) DeleteOwnerToken(ctx context.Context, ownerID, id string) (bool, error) {
	owner, ok := storage.ParseID(ownerID)
	tok, ok2 := storage.ParseID(id)
	if !ok || !ok2 {
		return false, nil
	}
	res, err := db.write.ExecContext(ctx, `DELETE FROM tokens WHERE id = ? AND owner_id = ?`, tok, owner)
	if err != nil {
		return false, fmt.Errorf("sqlite: delete owner token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: delete owner token: %w", err)
	}
	return n > 0, nil
}

func (db *DB) ChangePassword(ctx context.Context, ownerID, hash string, t storage.Token) error {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.ErrNotFound
	}
	return db.inWrite(ctx, func(tx *sql.Tx, _ time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE owners SET password_hash = ? WHERE id = ?`, hash, owner)
		if err != nil {
			return fmt.Errorf("sqlite: change password: %w", err)
		}
		if err := mustHaveChanged(res); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = ?`, `DELETE FROM reset_tokens WHERE owner_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, owner); err != nil {
				return fmt.Errorf("sqlite: change password: %w", err)
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
	return db.inWrite(ctx, func(tx *sql.Tx, _ time.Time) error {
		// The foreign keys cascade too; deleting explicitly does not lean
		// on the connection having foreign_keys on.
		for _, q := range []string{`DELETE FROM tokens WHERE owner_id = ?`, `DELETE FROM reset_tokens WHERE owner_id = ?`,
			`DELETE FROM stores WHERE owner_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, owner); err != nil {
				return fmt.Errorf("sqlite: delete owner: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM owners WHERE id = ?`, owner)
		if err != nil {
			return fmt.Errorf("sqlite: delete owner: %w", err)
		}
		return mustHaveChanged(res)
	})
}

func (db *DB) PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{`DELETE FROM tokens WHERE expires_at <= ?`, `DELETE FROM reset_tokens WHERE expires_at <= ?`} {
		res, err := db.write.ExecContext(ctx, q, now.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("sqlite: purge tokens: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: purge tokens: %w", err)
		}
		total += n
	}
	return total, nil
}
