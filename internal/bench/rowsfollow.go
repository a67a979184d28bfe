package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// rowsFollower reads a query's result topic from its end while a latency
// phase feeds the input, for queries where each input event makes
// several result rows (one per window it falls in), each stamped with
// the event's scheduled send time. An event is done when every row of
// its millisecond has arrived; its latency runs from its scheduled time
// to then.
type rowsFollower struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	perEvent int64
	want     int64 // events

	mu      sync.Mutex
	pending map[int64]*msRows // by timestamp, in ms
	h       *Histogram
	errs    []error
	allIn   chan struct{}
	signal  sync.Once
}

// msRows is what one millisecond of scheduled events expects and has got.
type msRows struct{ events, want, got int64 }

func followRows(ctx context.Context, l log.Log, topic string, perEvent, want int64) (*rowsFollower, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &rowsFollower{cancel: cancel, perEvent: perEvent, want: want, pending: map[int64]*msRows{},
		h: NewHistogram(), errs: make([]error, len(info.Partitions)), allIn: make(chan struct{})}
	for i, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, p.EndOffset)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer r.Close()
			for {
				recs, err := r.Next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						f.errs[i] = err
					}
					return
				}
				f.arrived(recs, time.Now())
			}
		}()
	}
	return f, nil
}

// expect counts n events scheduled at ms; it is called before they are
// appended, so before any of their rows can arrive.
func (f *rowsFollower) expect(ms, n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.pending[ms]
	if m == nil {
		m = &msRows{}
		f.pending[ms] = m
	}
	m.events += n
	m.want += n * f.perEvent
}

func (f *rowsFollower) arrived(recs []log.Record, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rec := range recs {
		m := f.pending[rec.Timestamp]
		if m == nil {
			continue // not a row of this phase's events
		}
		m.got++
		if m.got < m.want {
			continue
		}
		f.h.RecordN(now.Sub(time.UnixMilli(rec.Timestamp)), m.events)
		delete(f.pending, rec.Timestamp)
		if f.h.Count() >= f.want {
			f.signal.Do(func() { close(f.allIn) })
		}
	}
}

// stop ends the readers; it may be called more than once.
func (f *rowsFollower) stop() {
	f.cancel()
	f.wg.Wait()
}

// wait waits until every event's rows have arrived, or no event has
// been done for stall, and returns the events' latencies.
func (f *rowsFollower) wait(ctx context.Context, stall time.Duration) (*Histogram, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	last, lastMove := int64(-1), time.Now()
wait:
	for {
		select {
		case <-f.allIn:
			break wait
		case <-ctx.Done():
			break wait
		case <-tick.C:
		}
		f.mu.Lock()
		n := f.h.Count()
		f.mu.Unlock()
		if n != last {
			last, lastMove = n, time.Now()
		} else if time.Since(lastMove) > stall {
			break
		}
	}
	f.stop()
	for _, err := range f.errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n := f.h.Count(); n < f.want {
		return nil, fmt.Errorf("latency phase: the result rows of %d of %d events arrived, then none for %s", n, f.want, stall)
	}
	return f.h, nil
}
