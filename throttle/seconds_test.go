package throttle_test

import (
	"testing"
	"time"

	"shopkeeper/throttle"
)

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want int
	}{
		{0, 1},
		{time.Millisecond, 1},
		{time.Second, 1},
		{time.Second + time.Nanosecond, 2},
		{1500 * time.Millisecond, 2},
		{59*time.Second + 900*time.Millisecond, 60},
		{3 * time.Minute, 180},
	} {
		if got := throttle.RetryAfterSeconds(tc.wait); got != tc.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tc.wait, got, tc.want)
		}
	}
}
