package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"shopkeeper/storage"
	"shopkeeper/storage/internal/keyset"
)

func (db *DB) CreateStore(ctx context.Context, s storage.Store, limit int) (storage.Store, error) {
	owner, ok := storage.ParseID(s.OwnerID)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	var id int64
	err := db.inWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		s.UpdatedAt = now
		// The write lock is held: no other create counts or inserts until
		// this one commits. The count stops at limit.
		if limit > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM stores WHERE owner_id = ? LIMIT ?)`,
				owner, limit).Scan(&n); err != nil {
				return fmt.Errorf("sqlite: count stores: %w", err)
			}
			if n >= limit {
				return storage.ErrLimitReached
			}
		}
		var err error
		id, err = withFreshID(func(id int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO stores
				(id, owner_id, name, email, payment_methods, categories, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				id, owner, s.Name, s.Email, encodeList(s.PaymentMethods), encodeList(s.Categories),
				s.UpdatedAt.UnixMicro(), s.UpdatedAt.UnixMicro())
			return err
		})
		if isForeignKeyViolation(err) {
			return storage.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: create store: %w", err)
		}
		return nil
	})
	if err != nil {
		return storage.Store{}, err
	}
	s.ID = storage.FormatID(id)
	return s, nil
}

const storeColumns = `id, owner_id, name, email, payment_methods, categories, updated_at, created_at`

type scanner interface{ Scan(dest ...any) error }

// scanStore also returns created_at, which only the paging cursor needs.
func scanStore(row scanner) (storage.Store, int64, error) {
	var (
		s                      storage.Store
		id, owner, upd, create int64
		payments, categories   sql.NullString
	)
	err := row.Scan(&id, &owner, &s.Name, &s.Email, &payments, &categories, &upd, &create)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Store{}, 0, storage.ErrNotFound
	}
	if err != nil {
		return storage.Store{}, 0, fmt.Errorf("sqlite: read store: %w", err)
	}
	s.ID, s.OwnerID, s.UpdatedAt = storage.FormatID(id), storage.FormatID(owner), fromMicros(upd)
	if s.PaymentMethods, err = decodeList(payments); err != nil {
		return storage.Store{}, 0, err
	}
	if s.Categories, err = decodeList(categories); err != nil {
		return storage.Store{}, 0, err
	}
	return s, create, nil
}

// ids parses an owner id and a shop id; either malformed means not found.
func ids(ownerID, id string) (owner, shop int64, ok bool) {
	owner, ok1 := storage.ParseID(ownerID)
	shop, ok2 := storage.ParseID(id)
	return owner, shop, ok1 && ok2
}

func (db *DB) Store(ctx context.Context, ownerID, id string) (storage.Store, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	s, _, err := scanStore(db.read.QueryRowContext(ctx,
		`SELECT `+storeColumns+` FROM stores WHERE id = ? AND owner_id = ?`, shop, owner))
	return s, err
}

func (db *DB) UpdateStore(ctx context.Context, ownerID, id string, ch storage.StoreChange) (storage.Store, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	// Only the named columns are set, in the one statement that also reads
	// the row back, so a field left out keeps whatever a concurrent update
	// wrote. The column names are constants; values are parameters.
	var (
		set  strings.Builder
		args []any
	)
	add := func(column string, v any) {
		set.WriteString(column + " = ?, ")
		args = append(args, v)
	}
	if ch.Name != nil {
		add("name", *ch.Name)
	}
	if ch.Email != nil {
		add("email", *ch.Email)
	}
	if ch.PaymentMethods != nil {
		add("payment_methods", encodeList(*ch.PaymentMethods))
	}
	if ch.Categories != nil {
		add("categories", encodeList(*ch.Categories))
	}
	// UpdatedAt moves forward by at least a microsecond on every write, even
	// if the clock has stepped back, so a later write always has the later
	// time and no two writes of a shop share one.
	set.WriteString("updated_at = max(updated_at + 1, ?)")
	query := `UPDATE stores SET ` + set.String() + ` WHERE id = ? AND owner_id = ? RETURNING ` + storeColumns
	var out storage.Store
	err := db.inWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		out, _, err = scanStore(tx.QueryRowContext(ctx, query, append(args, now.UnixMicro(), shop, owner)...))
		return err
	})
	return out, err
}

func (db *DB) DeleteStore(ctx context.Context, ownerID, id string) (storage.Store, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	s, _, err := scanStore(db.write.QueryRowContext(ctx,
		`DELETE FROM stores WHERE id = ? AND owner_id = ? RETURNING `+storeColumns, shop, owner))
	return s, err
}

const storesQuery = `SELECT ` + storeColumns + ` FROM stores
	WHERE owner_id = ? AND (created_at, id) > (?, ?)
	ORDER BY created_at, id
	LIMIT ?`

func (db *DB) Stores(ctx context.Context, ownerID string, size int, cursor string) (storage.StorePage, error) {
	if size <= 0 {
		size = storage.DefaultPageSize
	}
	after, err := keyset.Decode(cursor)
	if err != nil {
		return storage.StorePage{}, err
	}
	if after == nil {
		after = &keyset.Position{Created: math.MinInt64} // before everything
	}
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.StorePage{Stores: []storage.Store{}}, nil
	}
	// One row more than asked tells whether another page follows. Not
	// cancellable: see hotRead.
	rows, err := db.storesStmt.QueryContext(hotRead(ctx), owner, after.Created, after.ID, size+1)
	if err != nil {
		return storage.StorePage{}, fmt.Errorf("sqlite: list stores: %w", err)
	}
	defer rows.Close()
	page := storage.StorePage{Stores: make([]storage.Store, 0, min(size, 64))}
	var lastCreated int64
	for rows.Next() {
		s, created, err := scanStore(rows)
		if err != nil {
			return storage.StorePage{}, err
		}
		if len(page.Stores) == size {
			last := page.Stores[size-1]
			n, _ := storage.ParseID(last.ID)
			page.Next = keyset.Encode(keyset.Position{Created: lastCreated, ID: n})
			break
		}
		page.Stores = append(page.Stores, s)
		lastCreated = created
	}
	if err := rows.Err(); err != nil {
		return storage.StorePage{}, fmt.Errorf("sqlite: list stores: %w", err)
	}
	return page, nil
}

func (db *DB) CountStores(ctx context.Context, ownerID string) (int, error) {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return 0, nil
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM stores WHERE owner_id = ?`, owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count stores: %w", err)
	}
	return n, nil
}

// Lists are stored as JSON arrays; SQL NULL keeps "never set" apart from [].
func encodeList(l []string) any {
	if l == nil {
		return nil
	}
	b, _ := json.Marshal(l) // []string always marshals
	return string(b)
}

func decodeList(v sql.NullString) ([]string, error) {
	if !v.Valid {
		return nil, nil
	}
	if l, ok := plainList(v.String); ok {
		return l, nil
	}
	l := []string{}
	if err := json.Unmarshal([]byte(v.String), &l); err != nil {
		return nil, fmt.Errorf("sqlite: decode list: %w", err)
	}
	return l, nil
}

// plainList reads s if it is a JSON array of strings with no escapes and no
// spaces, as encodeList writes nearly every list: each item is then the text
// between its quotes. Anything else is not ok, and left to encoding/json.
// It runs for every store of every page, where encoding/json's reflection
// cost more than the query.
func plainList(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return []string{}, true
	}
	l := make([]string, 0, strings.Count(body, `","`)+1)
	for {
		rest, ok := strings.CutPrefix(body, `"`)
		if !ok {
			return nil, false
		}
		item, rest, ok := strings.Cut(rest, `"`)
		if !ok || !plainString(item) {
			return nil, false // an escape, maybe of a quote: encoding/json's job
		}
		l = append(l, item)
		if rest == "" {
			return l, true
		}
		if body, ok = strings.CutPrefix(rest, ","); !ok {
			return nil, false
		}
	}
}

// plainString reports whether s reads the same inside JSON quotes: no
// escape, no control character, valid UTF-8.
func plainString(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}
