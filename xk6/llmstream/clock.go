package llmstream

import (
	"context"
	"runtime"
	"time"
)

// spinWindow: Go timers wake 0.2-1 ms late on a loaded Linux box (measured here), so
// SleepUntil sleeps on a timer until this much before the target and then yields in a
// loop. It costs up to about this much CPU per call and buys ~10 µs precision.
const spinWindow = time.Millisecond

// NowUnixMs is the wall clock in ms since the Unix epoch, µs resolution.
func NowUnixMs() float64 { return unixMs(time.Now()) }

// SleepUntil blocks until the wall clock reaches unixMs. It returns false if ctx ended first.
func SleepUntil(ctx context.Context, target float64) bool {
	// Convert once to a monotonic deadline, so a wall-clock step cannot stretch the sleep.
	d := time.Duration((target - NowUnixMs()) * float64(time.Millisecond))
	if d <= 0 {
		return ctx.Err() == nil
	}
	deadline := time.Now().Add(d)
	if d > spinWindow {
		t := time.NewTimer(d - spinWindow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return false
		}
		runtime.Gosched()
	}
	return true
}
