//go:build unix

package bottest

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's CPU time so far (user and system, all
// threads, garbage collection included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU adds a cpu-ns/op metric to a benchmark: on a shared machine
// wall-clock ns/op includes time spent waiting for a core, CPU time does
// not. Use it as defer bottest.ReportCPU(b)().
func ReportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
