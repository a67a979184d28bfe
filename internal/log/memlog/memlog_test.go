package memlog_test

import (
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/logtest"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

func TestConformance(t *testing.T) {
	logtest.Run(t, logtest.Factory{
		New: func(*testing.T) log.Log { return memlog.New() },
	})
}
