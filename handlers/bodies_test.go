package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gin-gonic/gin"
)

// budgetSize is the budget of these tests; a body of its size fills it.
const budgetSize = 1000

// whole reports whether every byte of b is back: nothing is reserved.
func whole(b *bodyBudget) bool {
	if !b.sem.TryAcquire(budgetSize) {
		return false
	}
	b.sem.Release(budgetSize)
	return true
}

// serveBudget posts body, declared as length bytes (-1: sent without a
// length), through b.admit(limit) to h.
func serveBudget(b *bodyBudget, limit int64, h gin.HandlerFunc, body io.Reader, length int64) *httptest.ResponseRecorder {
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.POST("/", b.admit(limit, busyGraphQL), h)
	req := httptest.NewRequest(http.MethodPost, "/", body)
	req.ContentLength = length
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

// TestBodyBudgetGivesBytesBack: a body's reservation is held while it is
// being read and given back as soon as it has been read, has failed or is
// closed, and at the latest when the request ends, panic included.
func TestBodyBudgetGivesBytesBack(t *testing.T) {
	full := strings.Repeat("x", budgetSize)
	for _, tc := range []struct {
		name string
		body io.Reader
		// handle reads (or not) the body; backDuring says whether the
		// bytes must be back before the handler ends.
		handle     func(c *gin.Context) error
		backDuring bool
		status     int
	}{
		{"read to the end", strings.NewReader(full), func(c *gin.Context) error {
			_, err := io.ReadAll(c.Request.Body)
			return err
		}, true, http.StatusOK},
		{"read fails", io.MultiReader(strings.NewReader("xx"), iotest.ErrReader(errors.New("broken"))), func(c *gin.Context) error {
			_, err := io.ReadAll(c.Request.Body)
			return expect(err, "broken")
		}, true, http.StatusOK},
		{"client gone", io.MultiReader(strings.NewReader("xx"), iotest.ErrReader(io.ErrUnexpectedEOF)), func(c *gin.Context) error {
			_, err := io.ReadAll(c.Request.Body)
			return expect(err, io.ErrUnexpectedEOF.Error())
		}, true, http.StatusOK},
		{"closed unread", strings.NewReader(full), func(c *gin.Context) error {
			return c.Request.Body.Close()
		}, true, http.StatusOK},
		{"never read", strings.NewReader(full), func(*gin.Context) error { return nil }, false, http.StatusOK},
		{"handler panics", strings.NewReader(full), func(*gin.Context) error { panic("boom") }, false, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBodyBudget(budgetSize, 0)
			var during []string
			w := serveBudget(b, budgetSize, func(c *gin.Context) {
				if b.sem.TryAcquire(1) {
					during = append(during, "the body's bytes were not reserved before it was read")
				}
				if err := tc.handle(c); err != nil {
					during = append(during, err.Error())
				}
				if tc.backDuring && !whole(b) {
					during = append(during, "the bytes were not back once the body was done with")
				}
				c.Status(http.StatusOK)
			}, tc.body, budgetSize)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			if len(during) > 0 {
				t.Error(during)
			}
			if !whole(b) {
				t.Error("bytes still reserved after the request")
			}
		})
	}
}

func expect(err error, want string) error {
	if err == nil || !strings.Contains(err.Error(), want) {
		return errors.New("read error " + errString(err) + ", want " + want)
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestBodyBudgetReserves: a body reserves its length, or the route's limit
// when it has none; a request without a body reserves nothing.
func TestBodyBudgetReserves(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     string
		length   int64
		reserved int64
	}{
		{"with a length", strings.Repeat("x", 100), 100, 100},
		{"without a length", strings.Repeat("x", 100), -1, 600},
		{"longer than the route takes", strings.Repeat("x", 700), 700, 600},
		{"no body", "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBodyBudget(budgetSize, 0)
			var reserved int64 = -1
			serveBudget(b, 600, func(c *gin.Context) {
				for n := int64(budgetSize); n >= 0; n-- { // the most still free
					if b.sem.TryAcquire(n) {
						b.sem.Release(n)
						reserved = budgetSize - n
						break
					}
				}
			}, strings.NewReader(tc.body), tc.length)
			if reserved != tc.reserved {
				t.Errorf("reserved %d bytes, want %d", reserved, tc.reserved)
			}
		})
	}
}

// TestBodyBudgetFull: a body that finds no room waits for it; one that
// finds none before its context ends is answered 503 with Retry-After.
func TestBodyBudgetFull(t *testing.T) {
	t.Run("turned away", func(t *testing.T) {
		b := newBodyBudget(budgetSize, 0)
		b.sem.TryAcquire(budgetSize - 10) // other bodies being read
		r := gin.New()
		r.POST("/", b.admit(budgetSize, busyGraphQL), func(c *gin.Context) { c.Status(http.StatusOK) })
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the client has gone: no waiting
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 20)))
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != bodyRetryAfter || !strings.Contains(w.Body.String(), "busy") {
			t.Errorf("got %d, Retry-After %q: %q", w.Code, w.Header().Get("Retry-After"), w.Body.String())
		}
		b.sem.Release(budgetSize - 10)
		if !whole(b) {
			t.Error("a refused body kept bytes")
		}
	})
	t.Run("room frees up", func(t *testing.T) {
		b := newBodyBudget(budgetSize, 0)
		b.sem.TryAcquire(budgetSize)
		var wg sync.WaitGroup
		wg.Go(func() {
			time.Sleep(50 * time.Millisecond) // well inside bodyWait
			b.sem.Release(budgetSize)
		})
		w := serveBudget(b, budgetSize, func(c *gin.Context) { c.Status(http.StatusOK) }, strings.NewReader("xx"), 2)
		wg.Wait()
		if w.Code != http.StatusOK {
			t.Errorf("status %d, want 200 once room was made", w.Code)
		}
		if !whole(b) {
			t.Error("bytes still reserved")
		}
	})
}

// slowReader gives one byte a read and moves the clock on by step.
type slowReader struct {
	now  *time.Time
	step time.Duration
}

func (r slowReader) Read(p []byte) (int, error) {
	*r.now = r.now.Add(r.step)
	p[0] = 'x'
	return 1, nil
}

// TestBodyBudgetFloorRate: past the grace, a body arriving below the floor
// rate fails with a deadline error (which readers answer 408) and gives its
// bytes back; one keeping up is read whole.
func TestBodyBudgetFloorRate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		step    time.Duration // between two bytes
		size    int64
		cut     bool
		atBytes int64 // bytes read before the cut
	}{
		{"a byte a second", time.Second, 100, true, 4},
		{"at the floor", time.Second / (bodyMinRate + 1), 2 * bodyMinRate, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1_000_000, 0)
			b := newBodyBudget(4*bodyMinRate, 0)
			b.now = func() time.Time { return now }
			var got []byte
			var err error
			w := serveBudget(b, tc.size, func(c *gin.Context) {
				got, err = io.ReadAll(io.LimitReader(c.Request.Body, tc.size))
				c.Status(http.StatusOK)
			}, slowReader{&now, tc.step}, tc.size)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if tc.cut {
				if !errors.Is(err, os.ErrDeadlineExceeded) || int64(len(got)) != tc.atBytes {
					t.Errorf("read %d bytes, error %v; want a deadline error after %d", len(got), err, tc.atBytes)
				}
			} else if err != nil || int64(len(got)) != tc.size {
				t.Errorf("read %d bytes, error %v; want all %d", len(got), err, tc.size)
			}
			if !b.sem.TryAcquire(4 * bodyMinRate) {
				t.Error("bytes still reserved")
			}
		})
	}
}

// TestBodyBudgetNoBodyIsFree: a request without a body goes through with
// no allocation (the pages benchmarked are GETs).
func TestBodyBudgetNoBodyIsFree(t *testing.T) {
	b := newBodyBudget(budgetSize, 15*time.Second)
	h := b.admit(budgetSize, busyGraphQL)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/login", nil)
	if n := testing.AllocsPerRun(100, func() { h(c) }); n != 0 {
		t.Errorf("%v allocations for a request without a body", n)
	}
	if !whole(b) {
		t.Error("a request without a body reserved bytes")
	}
}
