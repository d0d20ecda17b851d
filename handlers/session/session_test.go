package session

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"shopkeeper/gql"
)

var (
	testNow = time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
	ada     = gql.Session{Secret: "fnAF-ada", TTL: testNow.Add(30 * time.Minute), Email: "ada@example.com", OwnerID: "412", Name: "Ada Lovelace"}
	// adaValues are the values Start keeps for ada's login.
	adaValues = map[any]any{
		keySecret: ada.Secret, keyTTL: ada.TTL.UnixMilli(), keyEmail: ada.Email, keyOwnerID: ada.OwnerID,
		keyName: ada.Name, keyFlashes: []any{"Welcome back."},
	}
)

// testSite serves a Manager's session: POST /login starts ada's login with
// a welcome, and GET / names who is logged in.
type testSite struct {
	m *Manager
	h http.Handler
}

// newTestSite serves a Manager made with o: testKeys unless o says, at
// testNow, over plain HTTP.
func newTestSite(o Options) *testSite {
	if o.Keys == nil {
		o.Keys = testKeys
	}
	o.Now = func() time.Time { return testNow }
	o.Secure = func(*gin.Context) bool { return false }
	o.Logger = func(*gin.Context) *slog.Logger { return slog.Default() }
	m := New(o)
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(m.Sessions())
	r.POST("/login", func(c *gin.Context) {
		if err := m.Start(c, ada, "Welcome back."); err != nil {
			c.String(http.StatusServiceUnavailable, err.Error())
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/", func(c *gin.Context) {
		if err := m.Load(c); err != nil {
			c.String(http.StatusServiceUnavailable, err.Error())
			return
		}
		login, _ := Current(c)
		c.String(http.StatusOK, login.Name)
	})
	return &testSite{m: m, h: r}
}

// do sends a request with the cookie, if any, and returns the answer and
// the session cookie it set, if any.
func (s *testSite) do(t *testing.T, method, path string, cookie *http.Cookie) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	var set *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName {
			set = c
		}
	}
	return w, set
}

// wantAda asserts that the answer to GET / named ada.
func wantAda(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK || w.Body.String() != ada.Name {
		t.Fatalf("GET / = %d %q, want ada logged in", w.Code, w.Body)
	}
}

func TestACookieAnOlderKeyOpenedIsReissuedOnAnyPage(t *testing.T) {
	_, old := newTestSite(Options{}).do(t, http.MethodPost, "/login", nil)
	if old == nil {
		t.Fatal("the login set no cookie")
	}
	newKeys := [][]byte{[]byte(strings.Repeat("H", 32)), []byte(strings.Repeat("B", 32))}
	rotated := newTestSite(Options{Keys: append(slices.Clone(newKeys), testKeys...)})
	// GET / takes no flash: nothing but the key asks for a new cookie.
	w, reissued := rotated.do(t, http.MethodGet, "/", old)
	wantAda(t, w)
	if reissued == nil || reissued.MaxAge <= 0 {
		t.Fatalf("the cookie was not re-issued: %+v", reissued)
	}
	w, _ = newTestSite(Options{Keys: newKeys}).do(t, http.MethodGet, "/", reissued)
	wantAda(t, w)
	if _, again := rotated.do(t, http.MethodGet, "/", reissued); again != nil {
		t.Errorf("a cookie made with the newest key was re-issued: %+v", again)
	}
}
