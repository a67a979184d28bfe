//go:build unix

package bench

import "syscall"

// syncAll writes every dirty page of the system to disk, so that a
// measurement does not pay for the write-back of the one before it.
func syncAll() { syscall.Sync() }
