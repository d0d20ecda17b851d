package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"shopkeeper/storage"
)

// SetStoreUpdatedAt writes a shop's stored time directly.
func SetStoreUpdatedAt(t *testing.T, db *DB, shopID string, at time.Time) {
	t.Helper()
	id, _ := storage.ParseID(shopID)
	res, err := db.write.ExecContext(t.Context(), `UPDATE stores SET updated_at = ? WHERE id = ?`, at.UnixMicro(), id)
	if err == nil {
		err = mustHaveChanged(res)
	}
	if err != nil {
		t.Fatalf("set updated_at: %v", err)
	}
}

// Pragmas reads the settings that matter from several pooled read
// connections at once, proving every connection got them, not just the first.
func Pragmas(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx := context.Background()
	for range 3 {
		c, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Go(func() {
			for _, p := range []string{"journal_mode", "foreign_keys", "synchronous", "busy_timeout"} {
				var v string
				if err := c.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, ok := out[p]; ok && prev != v {
					out[p] = "differs between connections"
				} else {
					out[p] = v
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var fk string
	if err := db.write.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != "1" {
		t.Errorf("write connection foreign_keys = %q, %v", fk, err)
	}
	return out
}
