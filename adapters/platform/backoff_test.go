package platform

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		b := Backoff{Min: time.Second, Max: 8 * time.Second, Stable: time.Minute, rand: func() float64 { return r }}
		var waits []time.Duration
		for range 7 { // connections that never came up, or dropped at once
			waits = append(waits, b.Wait(time.Second))
		}
		for i, w := range waits {
			if w < 500*time.Millisecond || w > 8*time.Second {
				t.Errorf("r=%v: wait %d = %v, outside [Min/2, Max]", r, i, w)
			}
			if i > 0 && i < 4 && w < waits[i-1] {
				t.Errorf("r=%v: wait %d = %v shorter than the one before, %v", r, i, w, waits[i-1])
			}
		}
		if waits[3] < 4*time.Second {
			t.Errorf("r=%v: fourth wait %v, want it doubled to at least 4s", r, waits[3])
		}
		if w := b.Wait(time.Minute); w > 500*time.Millisecond {
			t.Errorf("r=%v: after a stable connection wait %v, want at most Min/2", r, w)
		}
		if w := b.Wait(0); w > time.Second {
			t.Errorf("r=%v: after a reset the first failure waits %v, want at most Min", r, w)
		}
	}
}
