package embedded

import (
	"os"
	"syscall"
)

// fallocKeepSize is FALLOC_FL_KEEP_SIZE: reserve blocks, leave the size.
const fallocKeepSize = 0x1

// preallocate reserves n bytes of disk blocks at off without changing the
// file's size.
func preallocate(f *os.File, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Fallocate(int(fd), fallocKeepSize, off, n)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

// reservedPastEnd reports whether the file holds blocks well past its
// size: a reserve that a crash kept from being released.
func reservedPastEnd(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && sys.Blocks*512 > st.Size()+64<<10
}
