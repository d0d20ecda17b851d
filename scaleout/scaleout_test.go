package scaleout

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shopkeeper/storage/postgres/pgtest"
	"shopkeeper/throttle/redistest"
)

func TestTwoInstancesShareEverything(t *testing.T) {
	env := map[string]string{
		"SHOP_DATABASE_URL": pgtest.NewDatabase(t),
		"SHOP_REDIS_URL":    redistest.URL(t),
	}
	a, b := start(t, env), start(t, env)
	ada := newBrowser(t)
	email := uniqueEmail("ada")
	ada.want(ada.post(a.url+"/signup", url.Values{"name": {"Ada Lovelace"}, "email": {email}, "password": {"correct horse"}}), http.StatusSeeOther, "signup on A")

	t.Run("a cookie from A works on B", func(t *testing.T) {
		if !ada.loggedIn(b.url, "Ada Lovelace") {
			t.Fatal("B does not accept A's session cookie")
		}
	})

	t.Run("a store made on B shows on A", func(t *testing.T) {
		ada.want(ada.post(b.url+"/stores", url.Values{"name": {"Made On B"}, "email": {"b@example.com"}}), http.StatusSeeOther, "create on B")
		if home := ada.get(a.url + "/"); !strings.Contains(home.body, "Made On B") {
			t.Fatal("A's dashboard lacks the store made on B")
		}
	})

	t.Run("wrong passwords spread across A and B hit 429", func(t *testing.T) {
		target := uniqueEmail("target")
		mallory := newBrowser(t)
		mallory.want(mallory.post(a.url+"/signup", url.Values{"name": {"T"}, "email": {target}, "password": {"correct horse"}}), http.StatusSeeOther, "signup")
		attacker := newBrowser(t)
		for i := range 5 {
			in := []*instance{a, b}[i%2]
			attacker.want(attacker.post(in.url+"/login", url.Values{"email": {target}, "password": {"guess number " + string(rune('a'+i))}}), http.StatusUnauthorized, "guess")
		}
		for _, in := range []*instance{a, b} {
			got := attacker.post(in.url+"/login", url.Values{"email": {target}, "password": {"one more guess"}})
			if got.status != http.StatusTooManyRequests {
				t.Errorf("6th guess: status %d, want 429: the instances do not share the limit", got.status)
			}
		}
	})

	t.Run("logout on B kills the session on A", func(t *testing.T) {
		copyOfCookie := newBrowser(t)
		u, _ := url.Parse(a.url)
		copyOfCookie.jar.SetCookies(u, ada.jar.Cookies(u))
		ada.want(ada.post(b.url+"/logout", url.Values{}), http.StatusSeeOther, "logout on B")
		if copyOfCookie.loggedIn(a.url, "Ada Lovelace") {
			t.Fatal("a copy of the cookie still works on A after logout on B")
		}
	})

	t.Run("kill -9 of one instance loses no committed data", func(t *testing.T) {
		bea := newBrowser(t)
		bea.want(bea.post(a.url+"/signup", url.Values{"name": {"Bea"}, "email": {uniqueEmail("bea")}, "password": {"correct horse"}}), http.StatusSeeOther, "signup")
		bea.want(bea.post(a.url+"/stores", url.Values{"name": {"Saved Before The Crash"}, "email": {"c@example.com"}}), http.StatusSeeOther, "create on A")
		a.kill()
		if home := bea.get(b.url + "/"); !strings.Contains(home.body, "Saved Before The Crash") {
			t.Fatal("the store A reported as saved is gone")
		}
	})
}

func TestSplitWebAndAPIRoles(t *testing.T) {
	db := pgtest.NewDatabase(t)
	apiOnly := start(t, map[string]string{"SHOP_ROLE": "api", "SHOP_DATABASE_URL": db})
	web := start(t, map[string]string{"SHOP_ROLE": "web", "SHOP_GRAPHQL_URL": apiOnly.url + "/graphql"})

	v := newBrowser(t)
	if got := v.get(apiOnly.url + "/login"); got.status != http.StatusNotFound {
		t.Errorf("the api role serves pages: GET /login is %d", got.status)
	}
	for _, path := range []string{"/readyz", "/metrics"} {
		v.want(v.get(web.url+path), http.StatusOK, "web "+path)
		v.want(v.get(apiOnly.url+path), http.StatusOK, "api "+path)
	}
	v.want(v.post(web.url+"/signup", url.Values{"name": {"Grace"}, "email": {uniqueEmail("grace")}, "password": {"correct horse"}}), http.StatusSeeOther, "signup")
	created := v.post(web.url+"/stores", url.Values{"name": {"Split Store"}, "email": {"s@example.com"}, "categories": {"tea"}})
	v.want(created, http.StatusSeeOther, "create")
	if page := v.get(web.url + created.location); !strings.Contains(page.body, "Split Store") {
		t.Fatalf("store page: %d", page.status)
	}
	v.want(v.post(web.url+"/logout", url.Values{}), http.StatusSeeOther, "logout")
	if v.loggedIn(web.url, "Grace") {
		t.Fatal("still logged in after logout")
	}
}

func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	db := pgtest.NewDatabase(t)
	in := start(t, map[string]string{"SHOP_DATABASE_URL": db})
	v := newBrowser(t)
	v.want(v.post(in.url+"/signup", url.Values{"name": {"Ada"}, "email": {uniqueEmail("ada")}, "password": {"correct horse"}}), http.StatusSeeOther, "signup")

	restore := pgtest.Outage(t, db)
	restored := false
	defer func() {
		if !restored {
			restore()
		}
	}()
	for _, htmx := range []bool{false, true} {
		page := v.do(http.MethodGet, in.url+"/", nil, htmx)
		if page.status != http.StatusServiceUnavailable || !strings.Contains(page.body, "Service unavailable, please try again") {
			t.Errorf("dashboard (htmx=%v) while the database is down: %d\n%.400s", htmx, page.status, page.body)
		}
		form := v.do(http.MethodPost, in.url+"/stores", url.Values{"name": {"X"}, "email": {"x@example.com"}}, htmx)
		if form.status != http.StatusServiceUnavailable || !strings.Contains(form.body, "Service unavailable, please try again") || !strings.Contains(form.body, `role="alert"`) {
			t.Errorf("store form (htmx=%v) while the database is down: %d\n%.400s", htmx, form.status, form.body)
		}
	}
	if got := v.get(in.url + "/readyz"); got.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down: %d", got.status)
	}
	// Request lines are written in batches, at most 100 ms late.
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(in.log(), `"status":500`) {
		t.Error("a request answered 500 during the outage")
	}

	restore()
	restored = true
	deadline := time.Now().Add(20 * time.Second)
	for !v.loggedIn(in.url, "Ada") {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 20s after the database came back:\n%s", in.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	v.want(v.get(in.url+"/readyz"), http.StatusOK, "/readyz after recovery")
}

func TestRedisOutageKeepsLoginsWorking(t *testing.T) {
	in := start(t, map[string]string{"SHOP_REDIS_URL": "redis://127.0.0.1:1/0"})
	v := newBrowser(t)
	email := uniqueEmail("ada")
	v.want(v.post(in.url+"/signup", url.Values{"name": {"Ada"}, "email": {email}, "password": {"correct horse"}}), http.StatusSeeOther, "signup with Redis down")
	v.want(v.post(in.url+"/logout", url.Values{}), http.StatusSeeOther, "logout")
	v.want(v.post(in.url+"/login", url.Values{"email": {email}, "password": {"correct horse"}}), http.StatusSeeOther, "login with Redis down")
	if !strings.Contains(in.log(), "shared rate limiter unavailable") {
		t.Error("no warning that limits fell back to this instance")
	}
	if got := v.get(in.url + "/readyz"); got.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down: %d, want 503", got.status)
	}
}

func TestServerSideSessionsInRedis(t *testing.T) {
	env := map[string]string{
		"SHOP_DATABASE_URL":  pgtest.NewDatabase(t),
		"SHOP_REDIS_URL":     redistest.URL(t),
		"SHOP_SESSION_STORE": "redis",
	}
	a, b := start(t, env), start(t, env)
	email := uniqueEmail("ada")
	ada := newBrowser(t)
	ada.want(ada.post(a.url+"/signup", url.Values{"name": {"Ada"}, "email": {email}, "password": {"correct horse"}}), http.StatusSeeOther, "signup on A")
	if !ada.loggedIn(b.url, "Ada") {
		t.Fatal("B does not find A's server-side session")
	}
	ada.want(ada.post(a.url+"/logout", url.Values{}), http.StatusSeeOther, "logout")

	// Session fixation: an attacker obtains a session id before login and
	// plants it in the victim's browser. After the victim logs in, the
	// planted id must not be logged in.
	attacker := newBrowser(t)
	attacker.want(attacker.post(a.url+"/stores", url.Values{"name": {"draft"}, "email": {"d@example.com"}}), http.StatusSeeOther, "anonymous post that starts a session")
	u, _ := url.Parse(a.url)
	planted := attacker.jar.Cookies(u)
	if len(planted) == 0 {
		t.Fatal("the anonymous post started no session to plant")
	}
	victim := newBrowser(t)
	victim.jar.SetCookies(u, planted)
	victim.want(victim.post(b.url+"/login", url.Values{"email": {email}, "password": {"correct horse"}}), http.StatusSeeOther, "victim logs in")
	if !victim.loggedIn(a.url, "Ada") {
		t.Fatal("the victim is not logged in")
	}
	if attacker.loggedIn(a.url, "Ada") {
		t.Fatal("the planted session id is logged in as the victim: session fixation")
	}
}
