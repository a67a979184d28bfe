package embedded

import (
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/logtest"
)

func TestConformance(t *testing.T) {
	for _, policy := range []FsyncPolicy{FsyncInterval, FsyncAlways} {
		t.Run(policy.String(), func(t *testing.T) {
			logtest.Run(t, logtest.Factory{
				New: func(t *testing.T) log.Log {
					l, err := Open(Options{Dir: t.TempDir(), Fsync: policy})
					if err != nil {
						t.Fatalf("Open: %v", err)
					}
					return l
				},
				Reopen: func(t *testing.T, l log.Log) log.Log {
					dir := l.(*Log).opts.Dir
					if err := l.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
					l2, err := Open(Options{Dir: dir, Fsync: policy})
					if err != nil {
						t.Fatalf("reopen: %v", err)
					}
					return l2
				},
			})
		})
	}
}
