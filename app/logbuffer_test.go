package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink is a log destination the test may read while lines are written.
type sink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes []int // the length of each write
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, len(p))
	return s.b.Write(p)
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *sink) lines() []string { return strings.SplitAfter(s.String(), "\n") }

const never = time.Hour // a flush interval no test waits for

func TestLogBufferKeepsEveryLineInOrder(t *testing.T) {
	line := func(i int) string { return fmt.Sprintf("line %02d\n", i) } // 8 bytes
	cases := []struct {
		name       string
		size       int
		lines      int
		wantWrites int // before Close
	}{
		{"all fit", 1 << 10, 20, 0},
		{"full buffers write out", 40, 20, 3}, // 5 lines a buffer; the last 5 wait
		{"a line longer than the buffer goes straight out", 4, 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out sink
			b := newLogBuffer(&out, tc.size, never)
			var want strings.Builder
			for i := range tc.lines {
				if n, err := b.Write([]byte(line(i))); n != 8 || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				want.WriteString(line(i))
			}
			if len(out.writes) != tc.wantWrites {
				t.Errorf("%d writes before Close, want %d", len(out.writes), tc.wantWrites)
			}
			if !strings.HasPrefix(want.String(), out.String()) || len(out.String())%8 != 0 {
				t.Errorf("before Close the output is not whole lines in order:\n%s", out.String())
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != want.String() {
				t.Errorf("after Close:\n%s\nwant:\n%s", got, want.String())
			}
			b.Write([]byte("after close\n"))
			if !strings.HasSuffix(out.String(), "after close\n") {
				t.Error("a line written after Close waits in the buffer")
			}
		})
	}
}

func TestLogBufferFlushesAfterAWhile(t *testing.T) {
	var out sink
	b := newLogBuffer(&out, 1<<10, 10*time.Millisecond)
	defer b.Close()
	for _, text := range []string{"first\n", "second\n"} {
		b.Write([]byte(text))
		deadline := time.Now().Add(5 * time.Second)
		for !strings.HasSuffix(out.String(), text) {
			if time.Now().After(deadline) {
				t.Fatalf("%q not written within 5s; output %q", text, out.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func TestBufferedLoggerWritesWarningsAtOnce(t *testing.T) {
	var out sink
	logger, b := newBufferedLogger(&out, 1<<10, never)
	defer b.Close()
	log := logger.With("request_id", "abc") // as the handlers derive it
	for _, level := range []slog.Level{slog.LevelWarn, slog.LevelError} {
		before := out.String()
		log.Info("waits")
		if out.String() != before {
			t.Fatalf("an info line was written at once:\n%s", out.String())
		}
		log.Log(context.Background(), level, "urgent")
		added := strings.TrimPrefix(out.String(), before)
		waits := strings.Index(added, `"level":"INFO","msg":"waits","request_id":"abc"}`)
		urgent := strings.Index(added, `"level":"`+level.String()+`","msg":"urgent","request_id":"abc"}`)
		if waits < 0 || urgent < waits {
			t.Errorf("after %s, written: %q; want the waiting line, then it", level, added)
		}
	}
}

func TestBufferedLoggerConcurrentLinesStayWhole(t *testing.T) {
	var out sink
	logger, b := newBufferedLogger(&out, 512, time.Millisecond) // a few lines a buffer
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if i%100 == 99 {
					logger.Warn("line", "writer", w, "i", i)
				} else {
					logger.Info("line", "writer", w, "i", i)
				}
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]int]bool{}
	for line := range strings.Lines(out.String()) {
		var rec struct{ Writer, I int }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a line that is not one record: %q", line)
		}
		k := [2]int{rec.Writer, rec.I}
		if seen[k] {
			t.Errorf("writer %d line %d twice", rec.Writer, rec.I)
		}
		seen[k] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d lines, want %d", len(seen), writers*each)
	}
}

// TestRunWritesEveryLineByItsReturn: the request lines still waiting when
// the server is told to stop are in the log when Run returns.
func TestRunWritesEveryLineByItsReturn(t *testing.T) {
	cfg := config(t, map[string]string{"SHOP_ADDR": "127.0.0.1:0", "SHOP_DATA_DIR": t.TempDir()})
	var out sink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, &out) }()
	listening := regexp.MustCompile(`"msg":"listening","addr":"(http://[^"]+)"`)
	deadline := time.Now().Add(20 * time.Second)
	var base string
	for base == "" {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not listening after 20s (%v); log:\n%s", <-done, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	const requests = 20
	for range requests {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	log := out.String()
	if got := strings.Count(log, `"msg":"request","method":"GET","route":"/healthz","status":200`); got != requests {
		t.Errorf("%d request lines, want %d; log:\n%s", got, requests, log)
	}
	if !strings.HasSuffix(log, "\"msg\":\"stopped\"}\n") {
		t.Errorf("the log does not end with the last line:\n%s", log)
	}
}
