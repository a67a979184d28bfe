package bench

import (
	"os"
	"syscall"
)

// datasync flushes f's data as the embedded log does, with fdatasync(2).
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
