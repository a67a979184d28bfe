package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// ResetPeakRSS returns the heap of earlier work to the operating system and
// resets the kernel's high-water mark of the resident set (VmHWM) to the
// current RSS, so that PeakRSS afterwards measures one workload. It fails
// where /proc/self/clear_refs cannot be written (not Linux, or a sandbox
// forbids it); PeakRSS then reports the peak since the process started.
func ResetPeakRSS() error {
	runtime.GC()
	debug.FreeOSMemory()
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("bench: cannot reset peak RSS: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString("5"); err != nil {
		return fmt.Errorf("bench: cannot reset peak RSS: %w", err)
	}
	return nil
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM of
// /proc/self/status).
func PeakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("bench: cannot read peak RSS: %w", err)
	}
	defer f.Close()
	return parseVmHWM(f)
}

// parseVmHWM finds the "VmHWM:   1234 kB" line of a /proc/PID/status file.
func parseVmHWM(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("bench: unexpected VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: unexpected VmHWM line %q: %w", line, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("bench: cannot read peak RSS: %w", err)
	}
	return 0, fmt.Errorf("bench: no VmHWM in /proc/self/status")
}
