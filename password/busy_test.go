package password

import (
	"context"
	"errors"
	"testing"
	"time"
)

// These tests fill the semaphore directly, so they are deterministic instead
// of racing a slow hash.

var cheapParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestBusy(t *testing.T) {
	h := New(Options{Params: cheapParams, MaxConcurrent: 2, MaxWait: 20 * time.Millisecond})
	ctx := context.Background()
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	h.slots <- struct{}{}
	h.slots <- struct{}{}

	start := time.Now()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with all slots taken: err = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("gave up after %v, want at least MaxWait", waited)
	}
	if _, _, err := h.Verify(ctx, enc, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with all slots taken: err = %v, want ErrBusy", err)
	}
	if err := h.VerifyDummy(ctx, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyDummy with all slots taken: err = %v, want ErrBusy", err)
	}

	// A slot freed while waiting is taken.
	go func() {
		time.Sleep(5 * time.Millisecond)
		h.release()
	}()
	h.maxWait = time.Second
	if ok, _, err := h.Verify(ctx, enc, "pw"); err != nil || !ok {
		t.Fatalf("Verify after a slot freed = %v, %v; want true, nil", ok, err)
	}
	if len(h.slots) != 1 {
		t.Fatalf("slots in use = %d, want 1 (Verify must release its slot)", len(h.slots))
	}
}

func TestWaitRespectsContext(t *testing.T) {
	h := New(Options{Params: cheapParams, MaxConcurrent: 1, MaxWait: time.Hour})
	h.slots <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestDefaults(t *testing.T) {
	h := New(Options{Params: cheapParams})
	if cap(h.slots) < 1 || h.maxWait != 2*time.Second {
		t.Fatalf("slots %d, maxWait %v; want NumCPU and 2s", cap(h.slots), h.maxWait)
	}
	if New(Options{}).params != DefaultParams {
		t.Fatal("zero Options must use DefaultParams")
	}
}

func TestOnWaitReportsTheWait(t *testing.T) {
	var waits []time.Duration
	h := New(Options{Params: cheapParams, MaxConcurrent: 1, MaxWait: 30 * time.Millisecond,
		OnWait: func(d time.Duration) { waits = append(waits, d) }})
	ctx := context.Background()
	if _, err := h.Hash(ctx, "pw"); err != nil { // a free slot: no wait
		t.Fatal(err)
	}
	h.slots <- struct{}{} // the only slot is taken
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	if len(waits) != 2 || waits[0] != 0 || waits[1] < 30*time.Millisecond {
		t.Fatalf("waits = %v, want [0, ≥30ms]", waits)
	}
}
