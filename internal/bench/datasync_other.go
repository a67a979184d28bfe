//go:build !linux

package bench

import "os"

// datasync flushes f's data; fsync(2) where fdatasync(2) is not offered.
func datasync(f *os.File) error { return f.Sync() }
