//go:build !linux

package embedded

import (
	"errors"
	"os"
)

func preallocate(f *os.File, off, n int64) error {
	return errors.ErrUnsupported
}

func reservedPastEnd(st os.FileInfo) bool { return false }
