package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"shopkeeper/store"
	"shopkeeper/store/internal/keyset"
)

// Lists are text[]; pgx writes a nil slice as NULL and reads NULL back as
// nil, so "never set" stays apart from the empty list.

func (db *DB) CreateShop(ctx context.Context, s store.Shop) (store.Shop, error) {
	owner, ok := store.ParseID(s.OwnerID)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	// statement_timestamp() is the same in both columns.
	id, err := withFreshID(func(id int64) error {
		return db.pool.QueryRow(ctx, `INSERT INTO stores
			(id, owner_id, name, email, payment_methods, categories, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, statement_timestamp(), statement_timestamp())
			RETURNING updated_at`,
			id, owner, s.Name, s.Email, s.PaymentMethods, s.Categories).Scan(&s.UpdatedAt)
	})
	if pgCode(err) == foreignKeyViolation {
		return store.Shop{}, store.ErrNotFound
	}
	if err != nil {
		return store.Shop{}, wrap("create store", err)
	}
	s.ID, s.UpdatedAt = store.FormatID(id), s.UpdatedAt.UTC()
	return s, nil
}

const shopColumns = `id, owner_id, name, email, payment_methods, categories, updated_at, created_at`

// scanShop also returns created_at, which only the paging cursor needs.
func scanShop(row pgx.Row) (store.Shop, time.Time, error) {
	var (
		s         store.Shop
		id, owner int64
		created   time.Time
	)
	err := row.Scan(&id, &owner, &s.Name, &s.Email, &s.PaymentMethods, &s.Categories, &s.UpdatedAt, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Shop{}, time.Time{}, store.ErrNotFound
	}
	if err != nil {
		return store.Shop{}, time.Time{}, wrap("read store", err)
	}
	s.ID, s.OwnerID, s.UpdatedAt = store.FormatID(id), store.FormatID(owner), s.UpdatedAt.UTC()
	return s, created, nil
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
	s, _, err := scanShop(db.pool.QueryRow(ctx,
		`SELECT `+shopColumns+` FROM stores WHERE id = $1 AND owner_id = $2`, shop, owner))
	return s, err
}

func (db *DB) UpdateShop(ctx context.Context, s store.Shop) (store.Shop, error) {
	owner, shop, ok := ids(s.OwnerID, s.ID)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	// An update that waited for the row's lock has its SET evaluated again
	// on the row as the write it waited for left it (READ COMMITTED's
	// recheck), so updated_at + 1µs is after that write's time, and
	// clock_timestamp() is read after the wait. UpdatedAt thus moves forward
	// on every write, in lock order, even if the server's clock steps back,
	// and no two writes of a shop share a time.
	out, _, err := scanShop(db.pool.QueryRow(ctx, `UPDATE stores
		SET name = $1, email = $2, payment_methods = $3, categories = $4,
			updated_at = GREATEST(clock_timestamp(), updated_at + interval '1 microsecond')
		WHERE id = $5 AND owner_id = $6
		RETURNING `+shopColumns,
		s.Name, s.Email, s.PaymentMethods, s.Categories, shop, owner))
	return out, err
}

func (db *DB) DeleteShop(ctx context.Context, ownerID, id string) (store.Shop, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return store.Shop{}, store.ErrNotFound
	}
	s, _, err := scanShop(db.pool.QueryRow(ctx,
		`DELETE FROM stores WHERE id = $1 AND owner_id = $2 RETURNING `+shopColumns, shop, owner))
	return s, err
}

// Cursor times outside what timestamptz holds are moved to its edges; no
// row was created that far out, so the page is the same.
var (
	minCursorTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxCursorTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()
)

func (db *DB) Shops(ctx context.Context, ownerID string, size int, cursor string) (store.ShopPage, error) {
	if size <= 0 {
		size = store.DefaultPageSize
	}
	after, err := keyset.Decode(cursor)
	if err != nil {
		return store.ShopPage{}, err
	}
	owner, ok := store.ParseID(ownerID)
	if !ok {
		return store.ShopPage{Shops: []store.Shop{}}, nil
	}
	query := `SELECT ` + shopColumns + ` FROM stores WHERE owner_id = $1`
	// One row more than asked tells whether another page follows.
	args := []any{owner, size + 1}
	if after != nil {
		query += ` AND (created_at, id) > ($3, $4)`
		created := time.UnixMicro(min(max(after.Created, minCursorTime), maxCursorTime))
		args = append(args, created, after.ID)
	}
	query += ` ORDER BY created_at, id LIMIT $2`
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return store.ShopPage{}, wrap("list stores", err)
	}
	defer rows.Close()
	page := store.ShopPage{Shops: make([]store.Shop, 0, min(size, 64))}
	var lastCreated time.Time
	for rows.Next() {
		s, created, err := scanShop(rows)
		if err != nil {
			return store.ShopPage{}, err
		}
		if len(page.Shops) == size {
			last, _ := store.ParseID(page.Shops[size-1].ID)
			page.Next = keyset.Encode(keyset.Position{Created: lastCreated.UnixMicro(), ID: last})
			break
		}
		page.Shops = append(page.Shops, s)
		lastCreated = created
	}
	if err := rows.Err(); err != nil {
		return store.ShopPage{}, wrap("list stores", err)
	}
	return page, nil
}

func (db *DB) CountShops(ctx context.Context, ownerID string) (int, error) {
	owner, ok := store.ParseID(ownerID)
	if !ok {
		return 0, nil
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM stores WHERE owner_id = $1`, owner).Scan(&n); err != nil {
		return 0, wrap("count stores", err)
	}
	return n, nil
}
