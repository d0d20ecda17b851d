package session

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"shopkeeper/throttle/redistest"
)

// TestACookieFromBeforeTheJSONFormatIsReissued: a login whose cookie the
// code before made, in gob, stays logged in, and the next answer re-issues
// the cookie in JSON.
func TestACookieFromBeforeTheJSONFormatIsReissued(t *testing.T) {
	before := newTestSite(Options{})
	before.m.store.(*cookieStore).codecs = securecookie.CodecsFromPairs(testKeys...) // gob, as before
	_, old := before.do(t, http.MethodPost, "/login", nil)
	if old == nil {
		t.Fatal("the login set no cookie")
	}
	var gobValues map[any]any
	if err := securecookie.DecodeMulti(CookieName, old.Value, &gobValues, securecookie.CodecsFromPairs(testKeys...)...); err != nil || !reflect.DeepEqual(gobValues, adaValues) {
		t.Fatalf("the cookie made before is not the gob of the login: %#v, %v", gobValues, err)
	}

	site := newTestSite(Options{})
	w, reissued := site.do(t, http.MethodGet, "/", old)
	wantAda(t, w)
	if reissued == nil || reissued.MaxAge <= 0 {
		t.Fatalf("the gob cookie was not re-issued: %+v", reissued)
	}
	var got decodedValues
	if _, err := site.m.store.(*cookieStore).open(CookieName, reissued.Value, &got); err != nil || got.legacy || !reflect.DeepEqual(got.values, adaValues) {
		t.Fatalf("the re-issued cookie holds %#v (legacy %v, %v), want the login and its welcome in JSON", got.values, got.legacy, err)
	}
	w, again := site.do(t, http.MethodGet, "/", reissued)
	wantAda(t, w)
	if again != nil {
		t.Errorf("a cookie in the JSON format was re-issued: %+v", again)
	}
}

// TestARedisRecordFromBeforeTheJSONFormatIsRewritten: a login kept in a gob
// record stays logged in, and the record is rewritten in JSON under its id.
func TestARedisRecordFromBeforeTheJSONFormatIsRewritten(t *testing.T) {
	rdb, prefix := redistest.Client(t), redistest.Prefix()
	ctx := context.Background()
	// What the store wrote before: gob of the values under the id, and the
	// id gob-encoded in the cookie (which it still is).
	record, err := securecookie.GobEncoder{}.Serialize(adaValues)
	if err != nil {
		t.Fatal(err)
	}
	const id = "OLDRECORDID"
	if err := rdb.Set(ctx, prefix+id, record, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), prefix+id) })
	value, err := securecookie.EncodeMulti(CookieName, id, securecookie.CodecsFromPairs(testKeys...)...)
	if err != nil {
		t.Fatal(err)
	}
	old := &http.Cookie{Name: CookieName, Value: value}

	site := newTestSite(Options{Redis: rdb, Prefix: prefix})
	w, reissued := site.do(t, http.MethodGet, "/", old)
	wantAda(t, w)
	if reissued == nil || reissued.MaxAge <= 0 {
		t.Fatalf("the session was not saved again: %+v", reissued)
	}
	var gotID string
	if _, err := site.m.store.(*redisStore).open(CookieName, reissued.Value, &gotID); err != nil || gotID != id {
		t.Fatalf("the cookie holds the id %q (%v), want the same record's %q", gotID, err, id)
	}
	b, err := rdb.Get(ctx, prefix+id).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var got decodedValues
	if err := (valuesSerializer{}).Deserialize(b, &got); err != nil || got.legacy || !reflect.DeepEqual(got.values, adaValues) {
		t.Fatalf("the record holds %q: %#v (legacy %v, %v), want the login and its welcome in JSON", b, got.values, got.legacy, err)
	}
	if ttl := rdb.TTL(ctx, prefix+id).Val(); ttl <= 0 || ttl > time.Duration(reissued.MaxAge)*time.Second {
		t.Errorf("the record expires in %v, the cookie in %ds", ttl, reissued.MaxAge)
	}
	w, again := site.do(t, http.MethodGet, "/", reissued)
	wantAda(t, w)
	if again != nil {
		t.Errorf("a record in the JSON format was written again: %+v", again)
	}
}

// TestOnlyALongCookieIsTooLarge: the Manager drops a draft only when the
// cookie is too long; values the session cannot keep are another error.
func TestOnlyALongCookieIsTooLarge(t *testing.T) {
	withLogin := func(key, value any) map[any]any {
		values := maps.Clone(adaValues)
		values[key] = value
		return values
	}
	cases := []struct {
		name     string
		values   map[any]any
		tooLarge bool
		refused  bool
	}{
		{"a long draft", withLogin(keyDraft, strings.Repeat("é", 3000)), true, false},
		{"an unknown key", withLogin("theme", "dark"), false, true},
		{"a ttl of another type", withLogin(keyTTL, ada.TTL), false, true},
	}
	site := newTestSite(Options{})
	st := site.m.store.(*cookieStore)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req = req.WithContext(context.WithValue(req.Context(), visitKey{}, &visit{m: site.m}))
			sess := st.newSession(st, CookieName)
			sess.Values = tc.values
			w := httptest.NewRecorder()
			err := st.Save(req, w, sess)
			if got := errors.Is(err, errTooLarge); got != tc.tooLarge {
				t.Errorf("Save = %v: too large %v, want %v", err, got, tc.tooLarge)
			}
			sc, _ := errors.AsType[securecookie.Error](err)
			if got := sc != nil && errors.Is(sc.Cause(), errUnkeepable); got != tc.refused {
				t.Errorf("Save = %v: refused %v, want %v", err, got, tc.refused)
			}
			if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("a cookie was set: %q", c)
			}
		})
	}
}
