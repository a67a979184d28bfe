package bench

import (
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/embedded"
)

// openEmbedded opens the embedded log in dir with the interval fsync
// policy, as `sluice server` runs it by default.
func openEmbedded(dir string) (log.Log, error) {
	l, err := embedded.Open(embedded.Options{Dir: dir, Fsync: embedded.FsyncInterval, FsyncInterval: logFsyncInterval})
	if err != nil {
		return nil, err
	}
	return l, nil
}
