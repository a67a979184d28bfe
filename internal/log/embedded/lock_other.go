//go:build !unix

package embedded

import (
	"fmt"
	"os"
	"runtime"
)

func lockDir(dir string) (*os.File, error) {
	return nil, fmt.Errorf("embedded: cannot lock %s: directory locking is not implemented on %s", dir, runtime.GOOS)
}
