package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"shopkeeper/store"
	"shopkeeper/store/internal/keyset"
)

func (db *DB) CreateShop(ctx context.Context, s store.Shop) (store.Shop, error) {
	owner, ok := store.ParseID(s.OwnerID)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	var id int64
	err := db.inWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		s.UpdatedAt = now
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
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: create store: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Shop{}, err
	}
	s.ID = store.FormatID(id)
	return s, nil
}

const shopColumns = `id, owner_id, name, email, payment_methods, categories, updated_at, created_at`

type scanner interface{ Scan(dest ...any) error }

// scanShop also returns created_at, which only the paging cursor needs.
func scanShop(row scanner) (store.Shop, int64, error) {
	var (
		s                      store.Shop
		id, owner, upd, create int64
		payments, categories   sql.NullString
	)
	err := row.Scan(&id, &owner, &s.Name, &s.Email, &payments, &categories, &upd, &create)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Shop{}, 0, store.ErrNotFound
	}
	if err != nil {
		return store.Shop{}, 0, fmt.Errorf("sqlite: read store: %w", err)
	}
	s.ID, s.OwnerID, s.UpdatedAt = store.FormatID(id), store.FormatID(owner), fromMicros(upd)
	if s.PaymentMethods, err = decodeList(payments); err != nil {
		return store.Shop{}, 0, err
	}
	if s.Categories, err = decodeList(categories); err != nil {
		return store.Shop{}, 0, err
	}
	return s, create, nil
}

// ids parses an owner id and a shop id; either malformed means not found.
func ids(ownerID, id string) (owner, shop int64, ok bool) {
	owner, ok1 := store.ParseID(ownerID)
	shop, ok2 := store.ParseID(id)
	return owner, shop, ok1 && ok2
}

func (db *DB) Shop(ctx context.Context, ownerID, id string) (store.Shop, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	s, _, err := scanShop(db.read.QueryRowContext(ctx,
		`SELECT `+shopColumns+` FROM stores WHERE id = ? AND owner_id = ?`, shop, owner))
	return s, err
}

func (db *DB) UpdateShop(ctx context.Context, s store.Shop) (store.Shop, error) {
	owner, shop, ok := ids(s.OwnerID, s.ID)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	// UpdatedAt moves forward by at least a microsecond on every write, even
	// if the clock has stepped back, so a later write always has the later
	// time and no two writes of a shop share one.
	var out store.Shop
	err := db.inWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		out, _, err = scanShop(tx.QueryRowContext(ctx, `UPDATE stores
			SET name = ?, email = ?, payment_methods = ?, categories = ?, updated_at = max(updated_at + 1, ?)
			WHERE id = ? AND owner_id = ?
			RETURNING `+shopColumns,
			s.Name, s.Email, encodeList(s.PaymentMethods), encodeList(s.Categories), now.UnixMicro(),
			shop, owner))
		return err
	})
	return out, err
}

func (db *DB) DeleteShop(ctx context.Context, ownerID, id string) (store.Shop, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	s, _, err := scanShop(db.write.QueryRowContext(ctx,
		`DELETE FROM stores WHERE id = ? AND owner_id = ? RETURNING `+shopColumns, shop, owner))
	return s, err
}

const shopsQuery = `SELECT ` + shopColumns + ` FROM stores
	WHERE owner_id = ? AND (created_at, id) > (?, ?)
	ORDER BY created_at, id
	LIMIT ?`

func (db *DB) Shops(ctx context.Context, ownerID string, size int, cursor string) (store.ShopPage, error) {
	if size <= 0 {
		size = store.DefaultPageSize
	}
	after, err := keyset.Decode(cursor)
	if err != nil {
		return store.ShopPage{}, err
	}
	if after == nil {
		after = &keyset.Position{Created: math.MinInt64} // before everything
	}
	owner, ok := store.ParseID(ownerID)
	if !ok {
		return store.ShopPage{Shops: []store.Shop{}}, nil
	}
	// One row more than asked tells whether another page follows.
	rows, err := db.shopsStmt.QueryContext(ctx, owner, after.Created, after.ID, size+1)
	if err != nil {
		return store.ShopPage{}, fmt.Errorf("sqlite: list stores: %w", err)
	}
	defer rows.Close()
	page := store.ShopPage{Shops: make([]store.Shop, 0, min(size, 64))}
	var lastCreated int64
	for rows.Next() {
		s, created, err := scanShop(rows)
		if err != nil {
			return store.ShopPage{}, err
		}
		if len(page.Shops) == size {
			last := page.Shops[size-1]
			n, _ := store.ParseID(last.ID)
			page.Next = keyset.Encode(keyset.Position{Created: lastCreated, ID: n})
			break
		}
		page.Shops = append(page.Shops, s)
		lastCreated = created
	}
	if err := rows.Err(); err != nil {
		return store.ShopPage{}, fmt.Errorf("sqlite: list stores: %w", err)
	}
	return page, nil
}

func (db *DB) CountShops(ctx context.Context, ownerID string) (int, error) {
	owner, ok := store.ParseID(ownerID)
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
	l := []string{}
	if err := json.Unmarshal([]byte(v.String), &l); err != nil {
		return nil, fmt.Errorf("sqlite: decode list: %w", err)
	}
	return l, nil
}
