package exec

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
)

// Stats counts what a query processed, for DESCRIBE EXTENDED and the
// metrics: records read from its source, records that failed, and when
// the last batch arrived. Tasks update it concurrently.
type Stats struct {
	clock  clock.Clock
	total  atomic.Int64
	failed atomic.Int64
	// lateRecords came after the grace period of their window.
	lateRecords atomic.Int64
	last        atomic.Int64 // unix ms of the last record; 0 before any

	mu         sync.Mutex
	sampleAt   time.Time
	sampleN    int64
	ratePerSec float64
}

// NewStats returns zeroed statistics read against clk.
func NewStats(clk clock.Clock) *Stats {
	return &Stats{clock: clk, sampleAt: clk.Now()}
}

// consumed counts a batch of n records read from the source, once per
// batch so that the hot path reads the clock rarely.
func (s *Stats) consumed(n int) {
	s.total.Add(int64(n))
	s.last.Store(s.clock.Now().UnixMilli())
}

func (s *Stats) fail() { s.failed.Add(1) }

// late counts a record that came after its window closed.
func (s *Stats) late() { s.lateRecords.Add(1) }

// Snapshot is the statistics at one moment.
type Snapshot struct {
	Total, Failed  int64
	Late           int64
	MessagesPerSec float64
	Last           time.Time // zero before any record
}

// Snapshot returns the counters and the rate since the previous
// snapshot that is at least a second old, so that polling DESCRIBE shows a
// recent rate rather than a lifetime average.
func (s *Stats) Snapshot() Snapshot {
	now := s.clock.Now()
	total := s.total.Load()
	s.mu.Lock()
	if d := now.Sub(s.sampleAt); d >= time.Second {
		s.ratePerSec = float64(total-s.sampleN) / d.Seconds()
		s.sampleAt, s.sampleN = now, total
	}
	rate := s.ratePerSec
	s.mu.Unlock()
	snap := Snapshot{Total: total, Failed: s.failed.Load(), Late: s.lateRecords.Load(), MessagesPerSec: rate}
	if ms := s.last.Load(); ms != 0 {
		snap.Last = time.UnixMilli(ms).UTC()
	}
	return snap
}
