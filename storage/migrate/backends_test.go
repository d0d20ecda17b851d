package migrate_test

import (
	"os"
	"slices"
	"testing"

	"shopkeeper/storage/migrate"
)

// TestBackendsHaveTheSameMigrations: each backend writes every migration
// in its own dialect, under the same number and name.
func TestBackendsHaveTheSameMigrations(t *testing.T) {
	names := func(dir string) []string {
		ms, err := migrate.Load(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	sqlite, postgres := names("../sqlite/migrations"), names("../postgres/migrations")
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Fatalf("sqlite migrations %v, postgres migrations %v; want the same", sqlite, postgres)
	}
}
