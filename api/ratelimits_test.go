package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"shopkeeper/throttle"
)

// refusing is a Limiter that refuses every event, to be retried after wait.
type refusing struct{ wait time.Duration }

func (r refusing) Allow(context.Context, string, throttle.Limit) (throttle.Result, error) {
	return throttle.Result{RetryAfter: r.wait}, nil
}

func (refusing) Reset(context.Context, string) error { return nil }

// TestRefusalsRoundRetryAfterUp: a login refusal and a reset refusal tell
// the same whole seconds for the same wait, rounded up, so a client that
// waits that long is let through.
func TestRefusalsRoundRetryAfterUp(t *testing.T) {
	s := New(Options{Limiter: refusing{1500 * time.Millisecond}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	for name, err := range map[string]error{
		"login": s.throttle(ctx, "login", "ada@example.com", s.loginCounters(ctx, "ada@example.com")...),
		"reset": s.throttleReset(ctx, "ada@example.com"),
	} {
		var te *throttledError
		if !errors.As(err, &te) {
			t.Errorf("%s: err = %v, want a throttledError", name, err)
			continue
		}
		if te.retryAfter != 2 {
			t.Errorf("%s: retryAfter = %d s for a 1.5 s wait, want 2", name, te.retryAfter)
		}
	}
}

// TestUnsetLimitsAreTheDefaults: a caller that sets only the limits it
// knows gets the defaults for the ones added since, never a limit of zero.
func TestUnsetLimitsAreTheDefaults(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	got := New(Options{Logger: quiet, Limits: Limits{LoginPerIP: throttle.PerMinute(7)}}).limits
	d := DefaultLimits
	for name, pair := range map[string][2]throttle.Limit{
		"LoginPerIP (set)":    {got.LoginPerIP, throttle.PerMinute(7)},
		"LoginPerDevice":      {got.LoginPerDevice, d.LoginPerDevice},
		"LoginPerDeviceLong":  {got.LoginPerDeviceLong, d.LoginPerDeviceLong},
		"ResetPerEmail":       {got.ResetPerEmail, d.ResetPerEmail},
		"ResetPerIP":          {got.ResetPerIP, d.ResetPerIP},
		"StoreWritesPerOwner": {got.StoreWritesPerOwner, d.StoreWritesPerOwner},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %+v, want %+v", name, pair[0], pair[1])
		}
	}
}
