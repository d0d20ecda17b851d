package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"shopkeeper/storage/migrate"
)

func TestLoad(t *testing.T) {
	ms, err := migrate.Load(fstest.MapFS{
		"0002_more.sql": {Data: []byte("two")},
		"0010_late.sql": {Data: []byte("ten")},
		"0001_init.sql": {Data: []byte("one")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name+"="+m.SQL)
	}
	if want := []string{"0001_init.sql=one", "0002_more.sql=two", "0010_late.sql=ten"}; !slices.Equal(got, want) {
		t.Fatalf("Load = %v, want %v (in version order)", got, want)
	}
	if ms[2].Version != 10 {
		t.Fatalf("version of 0010_late.sql = %d", ms[2].Version)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"same version", fstest.MapFS{"0001_a.sql": {}, "0001_b.sql": {}}, "same version"},
		{"no number", fstest.MapFS{"init.sql": {}}, "not a migration"},
		{"short number", fstest.MapFS{"1_init.sql": {}}, "not a migration"},
		{"not sql", fstest.MapFS{"0001_init.txt": {}}, "not a migration"},
		{"version zero", fstest.MapFS{"0000_init.sql": {}}, "start at 0001"},
		{"directory", fstest.MapFS{"0001_dir.sql/x": {}}, "not a migration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := migrate.Load(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// fakeDB records what the runner does. Statements are the migrations'
// bodies; one saying "fail" fails.
type fakeDB struct {
	log     []string
	applied map[int]bool
	locked  bool
}

func (db *fakeDB) Lock(context.Context) (func(context.Context) error, error) {
	if db.locked {
		return nil, errors.New("already locked")
	}
	db.locked = true
	db.log = append(db.log, "lock")
	return func(context.Context) error {
		db.locked = false
		db.log = append(db.log, "unlock")
		return nil
	}, nil
}

func (db *fakeDB) Exec(_ context.Context, sql string, _ ...any) error {
	db.log = append(db.log, sql)
	return nil
}

func (db *fakeDB) Begin(context.Context) (migrate.Tx, error) {
	if !db.locked {
		return nil, errors.New("migrating without the lock")
	}
	return &fakeTx{db: db, pending: map[int]bool{}}, nil
}

type fakeTx struct {
	db      *fakeDB
	pending map[int]bool
	wrote   bool // rolling back a transaction that only read is not news
	done    bool
}

func (tx *fakeTx) Exec(_ context.Context, sql string, args ...any) error {
	tx.wrote = true
	if sql == "fail" {
		return errors.New("syntax error")
	}
	if sql == "record" {
		if _, ok := args[1].(time.Time); !ok {
			return errors.New("applied_at is not what AppliedAt made")
		}
		tx.pending[args[0].(int)] = true
		return nil
	}
	tx.db.log = append(tx.db.log, sql)
	return nil
}

func (tx *fakeTx) QueryInt(_ context.Context, sql string, args ...any) (int64, error) {
	if tx.db.applied[args[0].(int)] {
		return 1, nil
	}
	return 0, nil
}

func (tx *fakeTx) Commit(context.Context) error {
	for v := range tx.pending {
		tx.db.applied[v] = true
	}
	tx.done = true
	return nil
}

func (tx *fakeTx) Rollback(context.Context) error {
	if !tx.done && tx.wrote {
		tx.db.log = append(tx.db.log, "rollback")
	}
	tx.done = true
	return nil
}

var dialect = migrate.Dialect{
	CreateTable: "create",
	Applied:     "applied",
	Record:      "record",
	AppliedAt:   func(t time.Time) any { return t },
}

func migrations(bodies ...string) []migrate.Migration {
	var ms []migrate.Migration
	for i, b := range bodies {
		ms = append(ms, migrate.Migration{Version: i + 1, Name: b + ".sql", SQL: b})
	}
	return ms
}

func TestRun(t *testing.T) {
	db := &fakeDB{applied: map[int]bool{}}
	if err := migrate.Run(t.Context(), db, dialect, migrations("one", "two")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"lock", "create", "one", "two", "unlock"}; !slices.Equal(db.log, want) {
		t.Fatalf("first run: %v, want %v", db.log, want)
	}

	// A second run, with a new migration, applies only that one.
	db.log = nil
	if err := migrate.Run(t.Context(), db, dialect, migrations("one", "two", "three")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"lock", "create", "three", "unlock"}; !slices.Equal(db.log, want) {
		t.Fatalf("second run: %v, want %v", db.log, want)
	}
}

func TestRunStopsAtAFailure(t *testing.T) {
	db := &fakeDB{applied: map[int]bool{}}
	err := migrate.Run(t.Context(), db, dialect, migrations("one", "fail", "three"))
	if err == nil || !strings.Contains(err.Error(), "fail.sql") || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("Run: %v, want the failing file and its error", err)
	}
	if want := []string{"lock", "create", "one", "rollback", "unlock"}; !slices.Equal(db.log, want) {
		t.Fatalf("log %v, want %v", db.log, want)
	}
	if !db.applied[1] || db.applied[2] || db.applied[3] {
		t.Fatalf("applied %v, want only 1", db.applied)
	}
}
