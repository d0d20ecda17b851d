package keyset_test

import (
	"errors"
	"math"
	"testing"

	"shopkeeper/storage"
	"shopkeeper/storage/internal/keyset"
)

func TestRoundTrip(t *testing.T) {
	for _, p := range []keyset.Position{
		{Created: 1764336900123456, ID: 4611686018427387904},
		{Created: 0, ID: 1},
		{Created: math.MinInt64, ID: math.MaxInt64},
	} {
		c := keyset.Encode(p)
		got, err := keyset.Decode(c)
		if err != nil || got == nil || *got != p {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", p, got, err)
		}
	}
}

// TestFormat pins the encoding: cursors a running server handed out must
// stay valid across an upgrade and across backends.
func TestFormat(t *testing.T) {
	if got, want := keyset.Encode(keyset.Position{Created: 12, ID: 34}), "MTIuMzQ"; got != want {
		t.Fatalf("Encode = %q, want %q", got, want)
	}
}

func TestDecode(t *testing.T) {
	if p, err := keyset.Decode(""); p != nil || err != nil {
		t.Fatalf(`Decode("") = %+v, %v; want the start`, p, err)
	}
	for _, c := range []string{"garbage", "!!!", "bm90IGEgY3Vyc29y", "MTIuMzQ=", "MTI", "YS4x"} {
		if p, err := keyset.Decode(c); !errors.Is(err, storage.ErrInvalidCursor) {
			t.Errorf("Decode(%q) = %+v, %v; want ErrInvalidCursor", c, p, err)
		}
	}
}
