//go:build unix

package blockchain_test

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time (user and system) the process has
// used, a figure less disturbed than wall time on a shared machine.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
