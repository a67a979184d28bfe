//go:build !unix

package bench

// syncAll does nothing where the system offers no sync(2).
func syncAll() {}
