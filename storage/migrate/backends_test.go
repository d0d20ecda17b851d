package migrate_test

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var fileName = regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+\.sql$`)

// TestBackendsHaveTheSameMigrations: each backend writes every migration
// in its own dialect, under the same number and name, and marks it for
// goose.
func TestBackendsHaveTheSameMigrations(t *testing.T) {
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if !fileName.MatchString(e.Name()) || e.IsDir() {
				t.Errorf("%s/%s is not a migration: want a file named like 0001_name.sql", dir, e.Name())
				continue
			}
			body, err := fs.ReadFile(os.DirFS(dir), e.Name())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(body), "-- +goose Up\n") {
				t.Errorf("%s/%s does not start with the line -- +goose Up", dir, e.Name())
			}
			out = append(out, e.Name())
		}
		return out
	}
	sqlite, postgres := names("../sqlite/migrations"), names("../postgres/migrations")
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Fatalf("sqlite migrations %v, postgres migrations %v; want the same", sqlite, postgres)
	}
}
