package testkit

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var c Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("an unset clock is %v off the wall clock", d)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(at)
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(at.Add(time.Hour)) {
		t.Fatalf("Now = %v, want %v", got, at.Add(time.Hour))
	}
	if got := NewClock(at).Now(); !got.Equal(at) {
		t.Fatalf("NewClock(at).Now = %v", got)
	}
}
