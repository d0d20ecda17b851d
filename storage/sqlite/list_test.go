package sqlite

import (
	"database/sql"
	"encoding/json"
	"slices"
	"testing"
)

// FuzzDecodeList checks the fast path against encoding/json: whatever it
// accepts, encoding/json reads the same, and every list encodeList writes
// comes back as it was.
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{`[]`, `["card","cash"]`, `["a\"b"]`, `["<&>"]`, `[ "x" ]`, `["",""]`, `["é","\u00e9"]`, `[`, `"x"`, `["a",]`, "[\"\x01\"]", "[\"\xff\"]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if l, ok := plainList(s); ok {
			var want []string
			if err := json.Unmarshal([]byte(s), &want); err != nil || !slices.Equal(l, want) {
				t.Fatalf("plainList(%q) = %q, encoding/json: %q, %v", s, l, want, err)
			}
		}
		var items []string
		if json.Unmarshal([]byte(s), &items) != nil || items == nil {
			return
		}
		enc := encodeList(items).(string)
		got, err := decodeList(sql.NullString{String: enc, Valid: true})
		if err != nil || !slices.Equal(got, items) {
			t.Fatalf("decodeList(encodeList(%q)) = %q, %v", items, got, err)
		}
	})
}

func TestDecodeListKeepsNullApartFromEmpty(t *testing.T) {
	if l, err := decodeList(sql.NullString{}); err != nil || l != nil {
		t.Fatalf("NULL = %#v, %v; want nil", l, err)
	}
	if l, err := decodeList(sql.NullString{String: "[]", Valid: true}); err != nil || l == nil || len(l) != 0 {
		t.Fatalf("[] = %#v, %v; want an empty list", l, err)
	}
}
