package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopkeeper/password"
)

// owner is a logged-in account the dashboard phases use: its browser
// cookie, and an API client to add stores with.
type owner struct {
	email, password string
	cookie          *http.Cookie
	api             *apiClient
	stores          int
}

var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// dashboardPage is how many stores the dashboard lists before its "More
// stores" link (dashboardPageSize in handlers/home.go).
const dashboardPage = 50

// prepareOwner signs an owner up through the web form, as a browser with a
// cookie jar, adds stores through the API, and visits the dashboard once:
// the sign-up's cookie carries a flash message, which that first visit
// consumes, so the cookie kept is the one a browser sends from then on.
func prepareOwner(ctx context.Context, base, email string, stores int) (*owner, error) {
	o := &owner{email: email, password: "correct horse battery"}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: noRedirect.Timeout, CheckRedirect: noRedirect.CheckRedirect}
	resp, err := browser.PostForm(base+"/signup", url.Values{"name": {"Bench Owner"}, "email": {o.email}, "password": {o.password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("signup: status %d", resp.StatusCode)
	}
	if o.api, err = loginAPI(ctx, base, o.email, o.password); err != nil {
		return nil, err
	}
	if err := o.grow(ctx, stores); err != nil {
		return nil, err
	}
	resp, err = browser.Get(base + "/")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == "fauna-session" {
			o.cookie = c
		}
	}
	if o.cookie == nil {
		return nil, errors.New("signup: no fauna-session cookie")
	}
	return o, o.checkDashboard(base)
}

// grow adds stores through the API until the owner has n.
func (o *owner) grow(ctx context.Context, n int) error {
	if n <= o.stores {
		return nil
	}
	if err := o.api.createStores(ctx, o.stores, n); err != nil {
		return err
	}
	o.stores = n
	return nil
}

// What the dashboard marks for tests (components/stores.templ).
var (
	storeRow   = []byte(`data-testid="store-row"`)
	moreStores = []byte(`data-testid="more-stores"`)
	ownerName  = []byte(`data-testid="owner-name"`)
)

// checkDashboard loads the dashboard at base with the owner's cookie, as the
// load phases will, and fails unless it is the owner's steady page: 200, no
// cookie set, the first page of stores, and a "More stores" link when more
// follow. A cookie the server does not accept would show the logged-out
// page, also a 200, and the phase would measure the wrong page.
func (o *owner) checkDashboard(base string) error {
	resp, err := noRedirect.Do(getRequest(base+"/", o.cookie)())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	rows, more := bytes.Count(body, storeRow), bytes.Contains(body, moreStores)
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s/: status %d", base, resp.StatusCode)
	case len(resp.Header.Values("Set-Cookie")) > 0:
		return fmt.Errorf("GET %s/ a second time sets a cookie again: %q", base, resp.Header.Values("Set-Cookie"))
	case !bytes.Contains(body, ownerName):
		return fmt.Errorf("GET %s/ does not show the logged-in dashboard", base)
	case rows != min(o.stores, dashboardPage) || more != (o.stores > dashboardPage):
		return fmt.Errorf("GET %s/ with %d stores shows %d rows (more link: %t), want %d", base, o.stores, rows, more, min(o.stores, dashboardPage))
	}
	return nil
}

func fetchBody(u string) ([]byte, error) {
	resp, err := noRedirect.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// weight is what a browser downloads for a page, as sent on the wire.
type weight struct{ items []weighed }

type weighed struct {
	what     string
	bytes    int
	encoding string
}

func (w weight) total() int {
	n := 0
	for _, it := range w.items {
		n += it.bytes
	}
	return n
}

func (w weight) String() string {
	var parts []string
	for _, it := range w.items {
		enc := it.encoding
		if enc == "" {
			enc = "identity"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", it.what, kb(it.bytes), enc))
	}
	return strings.Join(parts, " + ")
}

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js))"`)

// pageWeight fetches the page and its CSS and JavaScript the way a browser
// does (accepting brotli and gzip) and counts the bytes as sent.
func pageWeight(pageURL string) (weight, error) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
	get := func(u, what string) ([]byte, weighed, error) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept-Encoding", "br, gzip")
		resp, err := client.Do(req)
		if err != nil {
			return nil, weighed{}, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil, weighed{}, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
		}
		return b, weighed{what: what, bytes: len(b), encoding: resp.Header.Get("Content-Encoding")}, err
	}
	page, w, err := get(pageURL, "HTML")
	if err != nil {
		return weight{}, err
	}
	out := weight{items: []weighed{w}}
	if w.encoding != "" { // read the links from the uncompressed page
		if page, err = fetchBody(pageURL); err != nil {
			return weight{}, err
		}
	}
	base, _ := url.Parse(pageURL)
	var refs []string
	for _, m := range assetRef.FindAllStringSubmatch(string(page), -1) {
		refs = append(refs, m[1])
	}
	slices.Sort(refs)
	for _, ref := range slices.Compact(refs) {
		u, _ := base.Parse(ref)
		what := "CSS"
		if strings.HasSuffix(ref, ".js") {
			what = "JS"
		}
		_, w, err := get(u.String(), what)
		if err != nil {
			return weight{}, err
		}
		out.items = append(out.items, w)
	}
	return out, nil
}

// hashTime is the median time of one argon2id hash at the production
// parameters, measured alone before any load.
func hashTime(ctx context.Context) time.Duration {
	h := password.New(password.Options{MaxConcurrent: 1})
	var times []time.Duration
	for range 9 {
		t0 := time.Now()
		if _, err := h.Hash(ctx, "correct horse battery"); err != nil {
			panic(err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// parallelHashRate is how many argon2id hashes a second this machine does
// with one hash per core running at once, for d. Memory bandwidth is shared,
// so it is below cores ÷ hashTime.
func parallelHashRate(ctx context.Context, d time.Duration) float64 {
	h := password.New(password.Options{})
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.NumCPU() {
		wg.Go(func() {
			for time.Since(start) < d {
				if _, err := h.Hash(ctx, "correct horse battery"); err != nil {
					panic(err)
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
