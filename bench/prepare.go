package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
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

// owner is the logged-in account the dashboard phase uses.
type owner struct {
	email, password string
	cookie          *http.Cookie
}

var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// prepareOwner signs an owner up through the web form and adds stores.
func prepareOwner(base string, stores int) (owner, error) {
	o := owner{email: "bench@example.com", password: "correct horse battery"}
	resp, err := noRedirect.PostForm(base+"/signup", url.Values{"name": {"Bench Owner"}, "email": {o.email}, "password": {o.password}})
	if err != nil {
		return o, err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "fauna-session" {
			o.cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || o.cookie == nil {
		return o, fmt.Errorf("signup: status %d", resp.StatusCode)
	}
	for i := range stores {
		form := url.Values{
			"name": {fmt.Sprintf("Store %d", i+1)}, "email": {"store@example.com"},
			"paymentMethods": {"card, cash"}, "categories": {"food, drinks, household"},
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/stores", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(o.cookie)
		resp, err := noRedirect.Do(req)
		if err != nil {
			return o, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return o, fmt.Errorf("create store: status %d", resp.StatusCode)
		}
	}
	return o, nil
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
