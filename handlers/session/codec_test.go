package session

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
)

var testKeys = [][]byte{[]byte(strings.Repeat("h", 32)), []byte(strings.Repeat("b", 32))}

// sessionsKept are values the Manager writes: a login and its welcome, an
// ended session's notice with a draft, and the odd corners (empty strings,
// no flash left, nothing at all).
var sessionsKept = map[string]map[any]any{
	"login": {
		keySecret: "fnAF-secret", keyTTL: int64(1_780_000_000_000), keyEmail: "ada@example.com",
		keyOwnerID: "412", keyName: "Ada Lovelace", keyFlashes: []any{"Welcome back, Ada Lovelace."},
	},
	"ended, with a draft": {
		keyDraft:   `{"Path":"/stores/7","Form":{"Name":"Fish \u0026 Chips <b>","Email":"é@example.com"}}`,
		keyFlashes: []any{"Your session has ended.", "Log in again."},
	},
	"empty strings and no flash left": {keySecret: "", keyTTL: int64(-1), keyName: "", keyFlashes: []any{}},
	"nothing":                         {},
}

// oldCookie is a cookie as the code before the JSON format wrote it: the
// values gob-encoded by securecookie's default serializer.
func oldCookie(t testing.TB, values map[any]any) string {
	t.Helper()
	v, err := securecookie.EncodeMulti(CookieName, values, securecookie.CodecsFromPairs(testKeys...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValuesOpenAsTheyWereSealed(t *testing.T) {
	k := keys{codecs: valueCodecs(testKeys)}
	for name, values := range sessionsKept {
		t.Run(name, func(t *testing.T) {
			sealed, err := k.seal(CookieName, values)
			if err != nil {
				t.Fatal(err)
			}
			var got decodedValues
			if _, err := k.open(CookieName, sealed, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.values, values) || got.legacy {
				t.Errorf("opened %#v (legacy %v), want %#v", got.values, got.legacy, values)
			}
			if err := securecookie.DecodeMulti(CookieName, sealed, &map[any]any{}, securecookie.CodecsFromPairs(testKeys...)...); err == nil {
				t.Error("the cookie is still gob")
			}
		})
	}
}

func TestGobValuesStillOpen(t *testing.T) {
	k := keys{codecs: valueCodecs(testKeys)}
	login := sessionsKept["login"]
	withOldFlash := map[any]any{"flash": "Store created."} // a key nothing reads any more
	for key, v := range login {
		withOldFlash[key] = v
	}
	cases := []struct {
		name string
		old  map[any]any
		want map[any]any // nil: refused
	}{
		{"login", login, login},
		{"ended, with a draft", sessionsKept["ended, with a draft"], sessionsKept["ended, with a draft"]},
		{"an unknown key is dropped", withOldFlash, login},
		{"a secret that is no string", map[any]any{keySecret: int64(7), keyTTL: int64(1)}, nil},
		{"a ttl that is no int64", map[any]any{keySecret: "s", keyTTL: "soon"}, nil},
		{"flashes that are no list", map[any]any{keyFlashes: "Welcome"}, nil},
		{"a flash that is no string", map[any]any{keyFlashes: []any{int64(1)}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got decodedValues
			_, err := k.open(CookieName, oldCookie(t, tc.old), &got)
			switch {
			case tc.want == nil && err == nil:
				t.Fatalf("opened %#v", got.values)
			case tc.want == nil:
				return
			case err != nil:
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.values, tc.want) || !got.legacy {
				t.Errorf("opened %#v (legacy %v), want %#v from gob", got.values, got.legacy, tc.want)
			}
		})
	}
}

func TestSerializeRefusesWhatTheSessionDoesNotHold(t *testing.T) {
	cases := map[string]any{
		"an unknown key":         map[any]any{"theme": "dark"},
		"a key that is no text":  map[any]any{7: "x"},
		"a ttl in seconds":       map[any]any{keyTTL: 1_780_000_000},
		"a name that is no text": map[any]any{keyName: []byte("Ada")},
		"a name that is no UTF-8": map[any]any{
			keyName: "Ada \xff",
		},
		"a draft that is nil":      map[any]any{keyDraft: nil},
		"flashes of strings":       map[any]any{keyFlashes: []string{"hi"}},
		"a flash that is no text":  map[any]any{keyFlashes: []any{"hi", 3}},
		"values that are no map":   "secret",
		"a pointer to the values":  &map[any]any{},
		"values of another map":    map[string]any{keySecret: "s"},
		"an empty key is not text": map[any]any{"": "x"},
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := valuesSerializer{}.Serialize(src)
			if !errors.Is(err, errUnkeepable) {
				t.Errorf("Serialize = %q, %v; want errUnkeepable", b, err)
			}
		})
	}
}

func TestDeserializeRefusesMalformedValues(t *testing.T) {
	cases := map[string]string{
		"nothing":                "",
		"the format byte alone":  "\x81",
		"unfinished JSON":        "\x81{\"secret\":\"s\"",
		"trailing bytes":         "\x81{}{}",
		"a JSON list":            "\x81[]",
		"a ttl that is text":     "\x81{\"ttl\":\"1\"}",
		"a ttl with a fraction":  "\x81{\"ttl\":1.5}",
		"a ttl past int64":       "\x81{\"ttl\":9223372036854775808}",
		"flashes that are text":  "\x81{\"_flash\":\"hi\"}",
		"a flash that is a list": "\x81{\"_flash\":[[]]}",
		"a secret that is a map": "\x81{\"secret\":{}}",
		"bytes that are no gob":  "\x05\x00\x01\x02\x03\x04",
		"a gob string":           "\x07\x0c\x00\x04abcd",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			var got decodedValues
			if err := (valuesSerializer{}).Deserialize([]byte(src), &got); err == nil {
				t.Errorf("Deserialize(%q) = %#v", src, got.values)
			}
		})
	}
}

// FuzzSessionValues: no input makes Deserialize panic, and values it
// decodes, from either format, serialize again and decode to themselves.
func FuzzSessionValues(f *testing.F) {
	gob := securecookie.GobEncoder{}
	for _, values := range sessionsKept {
		b, err := valuesSerializer{}.Serialize(values)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if b, err = gob.Serialize(values); err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x81{\"SECRET\":\"s\",\"secret\":null,\"extra\":[1,2],\"_flash\":[null]}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		var got decodedValues
		if (valuesSerializer{}).Deserialize(src, &got) != nil {
			return
		}
		b, err := valuesSerializer{}.Serialize(got.values)
		if err != nil {
			t.Fatalf("decoded %#v, which does not serialize: %v", got.values, err)
		}
		var again decodedValues
		if err := (valuesSerializer{}).Deserialize(b, &again); err != nil {
			t.Fatalf("%q does not decode: %v", b, err)
		}
		if !reflect.DeepEqual(again.values, got.values) || again.legacy {
			t.Fatalf("decoded %#v, then %#v (legacy %v)", got.values, again.values, again.legacy)
		}
	})
}
