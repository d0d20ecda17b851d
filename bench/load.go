package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopkeeper/internal/serverproc"
)

// result is what one load phase saw.
type result struct {
	elapsed   time.Duration
	ok        int
	overflow  int // 429 and 503: refused fast instead of queued
	failed    int
	setCookie int             // answers that set a cookie
	latencies []time.Duration // of ok answers
	overLat   []time.Duration // of overflow answers
	statuses  map[int]int
}

func (r result) rps() float64    { return float64(r.ok+r.overflow+r.failed) / r.elapsed.Seconds() }
func (r result) okRate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) p(q float64) time.Duration  { return percentile(r.latencies, q) }
func (r result) overflowP99() time.Duration { return percentile(r.overLat, 0.99) }
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*q))]
}

// request makes a fresh request for each call; bodies cannot be reused.
type request func() *http.Request

func getRequest(u string, cookie *http.Cookie) request {
	return func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		return req
	}
}

func loginRequest(base, email, password string) request {
	body := url.Values{"email": {email}, "password": {password}}.Encode()
	return func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
}

// load runs conns workers for d, each sending one request after another on
// its own keep-alive connection, and collects every answer's latency.
func load(ctx context.Context, d time.Duration, conns int, next request) result {
	return drive(ctx, d, conns, next, false)
}

// loadPage is load for a page a browser has visited before: an answer other
// than 200, or one that sets a cookie, counts as failed. A browser keeps the
// cookie its first visit got, so a page that re-issues it on every visit
// does work a steady-state visit does not.
func loadPage(ctx context.Context, d time.Duration, conns int, next request) result {
	return drive(ctx, d, conns, next, true)
}

func drive(ctx context.Context, d time.Duration, conns int, next request, steady bool) result {
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu  sync.Mutex
		all = result{statuses: map[int]int{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range conns {
		wg.Go(func() {
			var mine result
			mine.statuses = map[int]int{}
			for ctx.Err() == nil {
				req := next()
				t0 := time.Now()
				resp, err := client.Do(req)
				lat := time.Since(t0)
				if err != nil {
					if ctx.Err() == nil {
						mine.failed++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine.statuses[resp.StatusCode]++
				setsCookie := len(resp.Header.Values("Set-Cookie")) > 0
				if setsCookie {
					mine.setCookie++
				}
				switch {
				case steady && (resp.StatusCode != http.StatusOK || setsCookie):
					mine.failed++
				case resp.StatusCode == http.StatusOK, resp.StatusCode == http.StatusSeeOther:
					mine.ok++
					mine.latencies = append(mine.latencies, lat)
				case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusServiceUnavailable:
					mine.overflow++
					mine.overLat = append(mine.overLat, lat)
				default:
					mine.failed++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all.ok += mine.ok
			all.overflow += mine.overflow
			all.failed += mine.failed
			all.setCookie += mine.setCookie
			all.latencies = append(all.latencies, mine.latencies...)
			all.overLat = append(all.overLat, mine.overLat...)
			for k, v := range mine.statuses {
				all.statuses[k] += v
			}
		})
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	slices.Sort(all.latencies)
	slices.Sort(all.overLat)
	return all
}

// alternate sends each request to the next of reqs in turn: the load split
// evenly, as a round-robin balancer splits it.
func alternate(reqs ...request) request {
	var n atomic.Uint64
	return func() *http.Request { return reqs[(n.Add(1)-1)%uint64(len(reqs))]() }
}

// phaseCPU is a load phase's result and the CPU time the servers spent
// during it.
type phaseCPU struct {
	result
	cpu float64 // seconds, every process together
}

// cpuPerOK is the servers' CPU time for each ok answer.
func (p phaseCPU) cpuPerOK() time.Duration {
	if p.ok == 0 {
		return 0
	}
	return time.Duration(p.cpu / float64(p.ok) * float64(time.Second))
}

// measure runs phase for warm and drops what it saw (connections opened,
// caches filled, heaps grown), then runs it for d and counts the CPU time
// procs spend meanwhile.
func measure(procs []*serverproc.Process, warm, d time.Duration, phase func(time.Duration) result) phaseCPU {
	spent := func() float64 {
		s := 0.0
		for _, p := range procs {
			s += p.CPUSeconds()
		}
		return s
	}
	phase(warm)
	before := spent()
	r := phase(d)
	return phaseCPU{result: r, cpu: spent() - before}
}
