//go:build !unix

package bench

import (
	"errors"
	"time"
)

// processCPU is unknown where getrusage is missing.
func processCPU() (time.Duration, error) {
	return 0, errors.New("bench: the process's CPU time is unknown on this system")
}
