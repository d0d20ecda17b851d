package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"

	"shopkeeper/components"
)

// The body budget: how many bytes of request bodies may be being read at
// once, over every route, and how fast a body must arrive.
const (
	// DefaultBodyBudget bounds the bytes of all request bodies being read
	// at once: 64 one-MiB /graphql bodies, or 256 of the largest forms.
	DefaultBodyBudget = 64 << 20
	// DefaultGraphQLMaxBody is the largest body /graphql reads
	// (api.MaxBodyBytes), reserved for a body sent without a length.
	DefaultGraphQLMaxBody = 1 << 20
	// bodyWait is how long a request waits for room in the budget before
	// it is turned away with a 503.
	bodyWait = time.Second
	// bodyRetryAfter is the Retry-After, in seconds, of that 503.
	bodyRetryAfter = "2"
	// bodyGrace is how long a body may take before the floor rate counts;
	// every form and /graphql request a person sends fits in it.
	bodyGrace = 3 * time.Second
	// bodyMinRate is the floor, in bytes a second, a body must keep up
	// after bodyGrace: each 4 KiB read buys one more second.
	bodyMinRate = 4 << 10
)

// errBodyTooSlow is a body cut off for arriving below bodyMinRate. It is a
// deadline error, as the connection's own read deadline gives, so readers
// answer both alike (408).
var errBodyTooSlow = fmt.Errorf("request body arrived slower than %d bytes a second: %w", bodyMinRate, os.ErrDeadlineExceeded)

// bodyBudget caps the bytes of the request bodies being read at once with
// a weighted semaphore, so a crowd of slow uploads cannot make the server
// hold more than the cap in read buffers, whatever the routes.
type bodyBudget struct {
	sem *semaphore.Weighted
	// readTimeout is the server's ReadTimeout: no read deadline set here
	// passes it, counted from when the handlers got the request. Zero: none.
	readTimeout time.Duration
	now         func() time.Time
}

func newBodyBudget(size int64, readTimeout time.Duration) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(size), readTimeout: readTimeout, now: time.Now}
}

// admit reserves, before the handlers after it read anything, the bytes a
// request's body may take: its Content-Length, or limit (the route's own
// maximum) for a body sent without one. A request that finds no room
// within bodyWait, or before its context ends, gets busy's answer with
// Retry-After. A request without a body costs nothing: no lock, no
// allocation.
func (b *bodyBudget) admit(limit int64, busy gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if r.ContentLength == 0 {
			c.Next()
			return
		}
		n := limit
		if r.ContentLength > 0 && r.ContentLength < limit {
			n = r.ContentLength
		}
		if !b.reserve(r.Context(), n) {
			c.Header("Retry-After", bodyRetryAfter)
			c.Abort()
			busy(c)
			return
		}
		body := b.meter(c.Writer, r.Body, n)
		defer body.release() // on every path: a panic, a body never read
		r.Body = body
		c.Next()
		if body.cutOff() {
			// net/http ended the request's context when the read failed;
			// the client was still there and got the answer, so the
			// request log tells that status rather than "client gone".
			c.Request = c.Request.WithContext(context.WithoutCancel(c.Request.Context()))
		}
	}
}

// reserve takes n bytes of the budget, waiting up to bodyWait.
func (b *bodyBudget) reserve(ctx context.Context, n int64) bool {
	if b.sem.TryAcquire(n) {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, bodyWait)
	defer cancel()
	return b.sem.Acquire(ctx, n) == nil
}

// meter wraps body, which holds n bytes of the budget, and sets the
// connection's first read deadline.
func (b *bodyBudget) meter(w http.ResponseWriter, body io.ReadCloser, n int64) *meteredBody {
	m := &meteredBody{body: body, budget: b, reserved: n, start: b.now(), rc: http.NewResponseController(w)}
	if b.readTimeout > 0 {
		m.outer = m.start.Add(b.readTimeout)
	}
	m.deadlines = m.rc.SetReadDeadline(m.due()) == nil
	return m
}

// meteredBody is a request body holding a reservation of the budget. It
// gives the reservation back as soon as the body has been read to its end,
// has failed or is closed, and at the latest when the request ends. Past
// bodyGrace it keeps the body arriving at bodyMinRate: each read moves the
// connection's read deadline to when the bytes read so far are due, never
// past the server's ReadTimeout, so a stalled client is cut off by the
// connection itself. Where the writer cannot set deadlines, the rate is
// checked at each read instead.
type meteredBody struct {
	body      io.ReadCloser
	budget    *bodyBudget
	rc        *http.ResponseController
	reserved  int64
	given     atomic.Bool // the reservation is back in the budget
	read      int64
	start     time.Time
	outer     time.Time // the server's ReadTimeout; zero: none
	deadlines bool      // the connection takes read deadlines
	err       error     // what ended the body, io.EOF included
}

func (m *meteredBody) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.budget.now().After(m.due()) {
		m.end(errBodyTooSlow)
		return 0, m.err
	}
	n, err := m.body.Read(p)
	m.read += int64(n)
	if err != nil {
		m.end(err)
		return n, err
	}
	if m.deadlines {
		_ = m.rc.SetReadDeadline(m.due())
	}
	return n, nil
}

func (m *meteredBody) Close() error {
	m.release()
	return m.body.Close()
}

// due is when the bytes read so far had to be in: bodyGrace after the
// start, plus a second for each bodyMinRate bytes, capped by ReadTimeout.
func (m *meteredBody) due() time.Time {
	d := m.start.Add(bodyGrace + time.Duration(m.read)*time.Second/bodyMinRate)
	if !m.outer.IsZero() && d.After(m.outer) {
		return m.outer
	}
	return d
}

func (m *meteredBody) end(err error) {
	m.err = err
	m.release()
}

// release gives the reservation back, once, and hands the connection's
// read deadline back to the server's ReadTimeout for the rest of the
// request (net/http watches the connection while the handler runs).
func (m *meteredBody) release() {
	if !m.given.CompareAndSwap(false, true) {
		return
	}
	m.budget.sem.Release(m.reserved)
	if m.deadlines && !m.cutOff() {
		_ = m.rc.SetReadDeadline(m.outer)
	}
}

// cutOff reports whether the body ended at a read deadline, the floor
// rate's or the server's ReadTimeout: it arrived too slowly.
func (m *meteredBody) cutOff() bool {
	return m.err != nil && errors.Is(m.err, os.ErrDeadlineExceeded)
}

// busyPage answers a page whose body found no room in the budget.
func busyPage(c *gin.Context) { showError(c, http.StatusServiceUnavailable, busyView) }

// busyGraphQL answers a /graphql request whose body found no room, in
// plain text as /graphql answers its other refusals before the document
// (413, 415).
func busyGraphQL(c *gin.Context) {
	http.Error(c.Writer, "server busy: too many request bodies are being read at once; retry later", http.StatusServiceUnavailable)
}

var (
	busyView = components.ErrorView{
		Status: http.StatusServiceUnavailable, Title: "Service busy",
		Message: "Too many requests are arriving at once. Please try again in a moment.",
	}
	tooSlowView = components.ErrorView{
		Status: http.StatusRequestTimeout, Title: "Request timed out",
		Message: "The form arrived too slowly. Please check your connection and try again.",
	}
)
