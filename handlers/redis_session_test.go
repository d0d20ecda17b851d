package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/securecookie"
	"github.com/redis/go-redis/v9"

	"shopkeeper/handlers"
	"shopkeeper/throttle/redistest"
)

// withRedisSessions keeps sessions in the test Redis, under a prefix of
// their own, through a client whose commands fail while down is set.
func withRedisSessions(t *testing.T, down *atomic.Bool) appOption {
	rdb := redistest.Client(t)
	rdb.AddHook(outage{down})
	prefix := redistest.Prefix() + "session:"
	return func(o *handlers.Options) { o.SessionRedis, o.SessionRedisPrefix = rdb, prefix }
}

// outage makes a Redis client fail as if the server were gone while down is set.
type outage struct{ down *atomic.Bool }

var errRedisDown = errors.New("dial tcp: connection refused")

func (o outage) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.down.Load() {
			return errRedisDown
		}
		return next(ctx, cmd)
	}
}

func (o outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.down.Load() {
			return errRedisDown
		}
		return next(ctx, cmds)
	}
}

// sessionID opens a server-side session cookie: it holds only the id.
func sessionID(t *testing.T, c *http.Cookie) string {
	t.Helper()
	var id string
	if err := securecookie.DecodeMulti(c.Name, c.Value, &id, securecookie.CodecsFromPairs(testKeys...)...); err != nil {
		t.Fatalf("the cookie does not hold a session id: %v", err)
	}
	return id
}

func TestRedisSessionsTakeANewIDAtEveryLogin(t *testing.T) {
	a := newApp(t, withRedisSessions(t, new(atomic.Bool)))
	owner := a.browser()
	owner.signup("Ada", "ada@example.com", "correct horse")
	wantStatus(t, owner.post("/logout", url.Values{}, false), http.StatusSeeOther)

	// An attacker gets an id of their own (a kept draft starts a session)
	// and plants it in the victim's browser.
	attacker := a.browser()
	wantStatus(t, attacker.post("/stores", url.Values{"name": {"x"}, "email": {"x@example.com"}}, false), http.StatusSeeOther)
	planted := attacker.cookie("fauna-session")
	if planted == nil {
		t.Fatal("no session to plant")
	}
	victim := a.browserWith(planted)
	for _, htmx := range []bool{false, true} {
		r := victim.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}, htmx)
		if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
			t.Fatalf("login (htmx=%v): status %d", htmx, r.StatusCode)
		}
		fresh := setCookie(r)
		if fresh == nil || fresh.MaxAge <= 0 {
			t.Fatalf("login (htmx=%v) set no live cookie: %+v", htmx, fresh)
		}
		if sessionID(t, fresh) == sessionID(t, planted) {
			t.Fatalf("login (htmx=%v) kept the session id the browser came with", htmx)
		}
		if !victim.loggedIn() {
			t.Fatal("the victim is not logged in")
		}
		if attacker.loggedIn() {
			t.Fatal("the planted id is logged in as the victim")
		}
		planted = fresh // the next login must replace this one too
	}

	stolen := victim.cookie("fauna-session")
	wantStatus(t, victim.post("/logout", url.Values{}, false), http.StatusSeeOther)
	if a.browserWith(stolen).loggedIn() {
		t.Fatal("a copy of the cookie works after logout")
	}
}

func TestRedisSessionsDownAnswer503(t *testing.T) {
	var down atomic.Bool
	a := newApp(t, withRedisSessions(t, &down))
	ada := a.browser()
	ada.signup("Ada", "ada@example.com", "correct horse")
	down.Store(true)

	for _, htmx := range []bool{false, true} {
		home := ada.get("/", htmx)
		wantStatus(t, home, http.StatusServiceUnavailable)
		if !strings.Contains(home.body, "Service unavailable, please try again") {
			t.Errorf("home (htmx=%v) with the session store down:\n%.400s", htmx, home.body)
		}
		if c := setCookie(home); c != nil {
			t.Errorf("home (htmx=%v) touched the cookie while its session could not be read: %+v", htmx, c)
		}
	}
	bea := a.browser()
	if r := bea.get("/login", false); r.StatusCode != http.StatusOK {
		t.Errorf("the login page with the session store down: %d", r.StatusCode)
	}
	wantStatus(t, bea.post("/signup", url.Values{"name": {"Bea"}, "email": {"bea@example.com"}, "password": {"correct horse"}}, false), http.StatusServiceUnavailable)
	revoked := false
	for _, e := range a.auditEvents() {
		revoked = revoked || (e["event"] == "logout" && e["email"] == "bea@example.com")
	}
	if !revoked {
		t.Error("the login whose session could not be kept was not revoked")
	}
	if strings.Contains(a.logs.String(), `"status":500`) {
		t.Error("a request answered 500 while the session store was down")
	}

	down.Store(false)
	if !ada.loggedIn() {
		t.Fatal("the session was lost while the store was down")
	}
	// The account was made before the session could not be kept: it logs in.
	wantStatus(t, bea.post("/login", url.Values{"email": {"bea@example.com"}, "password": {"correct horse"}}, false), http.StatusSeeOther)
	if !bea.loggedIn() {
		t.Fatal("logging in after the store came back did not work")
	}
}

func TestRedisSessionsAreNotRewrittenOnEveryRequestWithSeveralKeys(t *testing.T) {
	older := [][]byte{[]byte(strings.Repeat("o", 32)), []byte(strings.Repeat("p", 32))}
	a := newApp(t, func(o *handlers.Options) { o.SessionKeys = append(append([][]byte{}, testKeys...), older...) }, withRedisSessions(t, new(atomic.Bool)))
	ada := a.browser()
	ada.signup("Ada", "ada@example.com", "correct horse")
	wantStatus(t, ada.get("/", false), http.StatusOK) // shows, and so rewrites, the welcome flash
	home := ada.get("/", false)
	wantStatus(t, home, http.StatusOK)
	if c := setCookie(home); c != nil {
		t.Errorf("a session made with the newest key was re-issued: %+v", c)
	}
}
