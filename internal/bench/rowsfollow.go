package bench

import (
	"context"
	"errors"
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

// closeFollower reads the result topic of a query whose windows emit once
// closed (EMIT FINAL) from its end while a latency phase feeds the input.
// The feed's records are stamped with their scheduled send times, so a
// window could first close, in wall-clock terms, at its end plus the
// grace: each result row's latency runs from then until it arrives. Rows
// of windows ending before from (the phase's start) are not counted.
type closeFollower struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// closeOf reads a row's key and returns the time its window could
	// first close, in ms since the epoch.
	closeOf func(key []byte) (int64, error)
	from    int64

	mu   sync.Mutex
	pos  []int64 // each partition's reader position
	h    *Histogram
	errs []error
}

func followCloses(ctx context.Context, l log.Log, topic string, from int64, closeOf func(key []byte) (int64, error)) (*closeFollower, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &closeFollower{cancel: cancel, closeOf: closeOf, from: from, pos: make([]int64, len(info.Partitions)),
		h: NewHistogram(), errs: make([]error, len(info.Partitions))}
	for i, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, p.EndOffset)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.pos[i] = p.EndOffset
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer r.Close()
			for {
				recs, err := r.Next(ctx)
				if err == nil {
					err = f.arrived(recs, time.Now())
				}
				if err != nil {
					if ctx.Err() == nil {
						f.mu.Lock()
						f.errs[i] = err
						f.mu.Unlock()
					}
					return
				}
				f.mu.Lock()
				f.pos[i] = r.Position()
				f.mu.Unlock()
			}
		}()
	}
	return f, nil
}

func (f *closeFollower) arrived(recs []log.Record, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rec := range recs {
		if rec.Value == nil {
			continue
		}
		closes, err := f.closeOf(rec.Key)
		if err != nil {
			return err
		}
		if closes < f.from {
			continue // a window of the events before the phase
		}
		f.h.Record(now.Sub(time.UnixMilli(closes)))
	}
	return nil
}

func (f *closeFollower) stop() {
	f.cancel()
	f.wg.Wait()
}

// drain waits until every partition's reader has passed ends (the result
// topic's end offsets once the query has caught up with the feed), or
// nothing has moved for stall, and returns the rows' latencies.
func (f *closeFollower) drain(ctx context.Context, ends []int64, stall time.Duration) (*Histogram, error) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var last int64 = -1
	lastMove := time.Now()
	for {
		f.mu.Lock()
		var at int64
		done := true
		for i, p := range f.pos {
			at += p
			if i < len(ends) && p < ends[i] {
				done = false
			}
		}
		var err error
		for _, e := range f.errs {
			if e != nil && err == nil {
				err = e
			}
		}
		f.mu.Unlock()
		if err != nil {
			f.stop()
			return nil, err
		}
		if done {
			break
		}
		if at != last {
			last, lastMove = at, time.Now()
		} else if time.Since(lastMove) > stall {
			f.stop()
			return nil, fmt.Errorf("latency phase: the result's readers stopped at %d of %v", at, ends)
		}
		select {
		case <-ctx.Done():
			f.stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	f.stop()
	if f.h.Count() == 0 {
		return nil, errors.New("latency phase: no window closed while the feed ran")
	}
	return f.h, nil
}
