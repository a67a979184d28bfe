//go:build unix

package bench

import (
	"fmt"
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used so
// far, on every thread: what "per core" figures divide by.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("bench: cannot read the process's CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
