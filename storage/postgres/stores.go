package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"shopkeeper/storage"
	"shopkeeper/storage/internal/keyset"
)

// Lists are text[]; pgx writes a nil slice as NULL and reads NULL back as
// nil, so "never set" stays apart from the empty list.

func (db *DB) CreateStore(ctx context.Context, s storage.Store, limit int) (storage.Store, error) {
	owner, ok := storage.ParseID(s.OwnerID)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	// statement_timestamp() is the same in both columns.
	insert := func(q interface {
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}, id int64) error {
		return q.QueryRow(ctx, `INSERT INTO stores
			(id, owner_id, name, email, payment_methods, categories, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, statement_timestamp(), statement_timestamp())
			RETURNING updated_at`,
			id, owner, s.Name, s.Email, s.PaymentMethods, s.Categories).Scan(&s.UpdatedAt)
	}
	id, err := withFreshID(func(id int64) error {
		if limit <= 0 {
			return insert(db.pool, id)
		}
		// With the owner's row locked, concurrent creates for the owner
		// count one after the other. The count is a statement of its own,
		// after the lock: under READ COMMITTED it then reads a snapshot
		// taken once the creates that held the lock before had committed
		// (a count inside the locking statement would read an older one).
		return db.inTx(ctx, "create store", func(tx pgx.Tx) error {
			if err := lockOwner(ctx, tx, owner); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT FROM stores WHERE owner_id = $1 LIMIT $2) AS s`,
				owner, limit).Scan(&n); err != nil {
				return wrap("count stores", err)
			}
			if n >= limit {
				return storage.ErrLimitReached
			}
			return insert(tx, id)
		})
	})
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrLimitReached):
		return storage.Store{}, err
	case pgCode(err) == foreignKeyViolation:
		return storage.Store{}, storage.ErrNotFound
	case err != nil:
		return storage.Store{}, wrap("create store", err)
	}
	s.ID, s.UpdatedAt = storage.FormatID(id), s.UpdatedAt.UTC()
	return s, nil
}

const storeColumns = `id, owner_id, name, email, payment_methods, categories, updated_at, created_at`

// scanStore also returns created_at, which only the paging cursor needs.
func scanStore(row pgx.Row) (storage.Store, time.Time, error) {
	var (
		s         storage.Store
		id, owner int64
		created   time.Time
	)
	err := row.Scan(&id, &owner, &s.Name, &s.Email, &s.PaymentMethods, &s.Categories, &s.UpdatedAt, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.Store{}, time.Time{}, storage.ErrNotFound
	}
	if err != nil {
		return storage.Store{}, time.Time{}, wrap("read store", err)
	}
	s.ID, s.OwnerID, s.UpdatedAt = storage.FormatID(id), storage.FormatID(owner), s.UpdatedAt.UTC()
	return s, created, nil
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
	s, _, err := scanStore(db.pool.QueryRow(ctx,
		`SELECT `+storeColumns+` FROM stores WHERE id = $1 AND owner_id = $2`, shop, owner))
	return s, err
}

func (db *DB) UpdateStore(ctx context.Context, ownerID, id string, ch storage.StoreChange) (storage.Store, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	// Only the named columns are set, in one statement: a field left out
	// keeps whatever a concurrent update wrote, as the row is locked and
	// re-read before it is changed. The column names are constants; values
	// are parameters.
	var (
		set  strings.Builder
		args []any
	)
	add := func(column string, v any) {
		args = append(args, v)
		set.WriteString(column + " = $" + strconv.Itoa(len(args)) + ", ")
	}
	if ch.Name != nil {
		add("name", *ch.Name)
	}
	if ch.Email != nil {
		add("email", *ch.Email)
	}
	if ch.PaymentMethods != nil {
		add("payment_methods", *ch.PaymentMethods)
	}
	if ch.Categories != nil {
		add("categories", *ch.Categories)
	}
	// An update that waited for the row's lock has its SET evaluated again
	// on the row as the write it waited for left it (READ COMMITTED's
	// recheck), so updated_at + 1µs is after that write's time, and
	// clock_timestamp() is read after the wait. UpdatedAt thus moves forward
	// on every write, in lock order, even if the server's clock steps back,
	// and no two writes of a shop share a time.
	set.WriteString("updated_at = GREATEST(clock_timestamp(), updated_at + interval '1 microsecond')")
	args = append(args, shop, owner)
	query := `UPDATE stores SET ` + set.String() +
		` WHERE id = $` + strconv.Itoa(len(args)-1) + ` AND owner_id = $` + strconv.Itoa(len(args)) +
		` RETURNING ` + storeColumns
	out, _, err := scanStore(db.pool.QueryRow(ctx, query, args...))
	return out, err
}

func (db *DB) DeleteStore(ctx context.Context, ownerID, id string) (storage.Store, error) {
	owner, shop, ok := ids(ownerID, id)
	if !ok {
		return storage.Store{}, storage.ErrNotFound
	}
	s, _, err := scanStore(db.pool.QueryRow(ctx,
		`DELETE FROM stores WHERE id = $1 AND owner_id = $2 RETURNING `+storeColumns, shop, owner))
	return s, err
}

// Cursor times outside what timestamptz holds are moved to its edges; no
// row was created that far out, so the page is the same.
var (
	minCursorTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxCursorTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()
)

func (db *DB) Stores(ctx context.Context, ownerID string, size int, cursor string) (storage.StorePage, error) {
	if size <= 0 {
		size = storage.DefaultPageSize
	}
	after, err := keyset.Decode(cursor)
	if err != nil {
		return storage.StorePage{}, err
	}
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return storage.StorePage{Stores: []storage.Store{}}, nil
	}
	query := `SELECT ` + storeColumns + ` FROM stores WHERE owner_id = $1`
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
		return storage.StorePage{}, wrap("list stores", err)
	}
	defer rows.Close()
	page := storage.StorePage{Stores: make([]storage.Store, 0, min(size, 64))}
	var lastCreated time.Time
	for rows.Next() {
		s, created, err := scanStore(rows)
		if err != nil {
			return storage.StorePage{}, err
		}
		if len(page.Stores) == size {
			last, _ := storage.ParseID(page.Stores[size-1].ID)
			page.Next = keyset.Encode(keyset.Position{Created: lastCreated.UnixMicro(), ID: last})
			break
		}
		page.Stores = append(page.Stores, s)
		lastCreated = created
	}
	if err := rows.Err(); err != nil {
		return storage.StorePage{}, wrap("list stores", err)
	}
	return page, nil
}

func (db *DB) CountStores(ctx context.Context, ownerID string) (int, error) {
	owner, ok := storage.ParseID(ownerID)
	if !ok {
		return 0, nil
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM stores WHERE owner_id = $1`, owner).Scan(&n); err != nil {
		return 0, wrap("count stores", err)
	}
	return n, nil
}
