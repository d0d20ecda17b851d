package throttle

import "time"

// SetClock replaces the clock Fallback uses to decide when to retry.
func (f *Fallback) SetClock(now func() time.Time) { f.now = now }
