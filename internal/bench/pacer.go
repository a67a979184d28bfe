package bench

import (
	"context"
	"time"
)

// Pacer schedules events at a fixed rate from a start time: event i is due
// at start + i/rate. A sender asks how many are due, sends them as one
// batch and measures each event's latency from its scheduled time, not from
// when it was actually sent. So a stalled system is charged for the events
// that piled up while it stalled (no coordinated omission).
type Pacer struct {
	start  time.Time
	rate   float64 // events per second
	issued int64
	last   time.Time // when the previous batch was taken
	timer  *time.Timer
}

// NewPacer schedules perSecond events per second from start.
func NewPacer(start time.Time, perSecond float64) *Pacer {
	if perSecond <= 0 || perSecond != perSecond {
		perSecond = 1
	}
	return &Pacer{start: start, rate: perSecond}
}

// Issued is the number of events taken so far.
func (p *Pacer) Issued() int64 { return p.issued }

// Due is the number of events scheduled at or before now and not yet taken.
func (p *Pacer) Due(now time.Time) int64 {
	elapsed := now.Sub(p.start)
	if elapsed < 0 {
		return 0
	}
	n := int64(elapsed.Seconds()*p.rate) + 1 // event 0 is due at start
	return max(0, n-p.issued)
}

// Take marks the next n events as sent and returns the index of the first.
func (p *Pacer) Take(n int64) int64 {
	first := p.issued
	p.issued += n
	return first
}

// At is the scheduled time of event i.
func (p *Pacer) At(i int64) time.Time {
	return p.start.Add(time.Duration(float64(i) / p.rate * float64(time.Second)))
}

// Next waits until events are due, then takes them as one batch of at most
// maxBatch and returns the index of the first and how many. Between batches
// it lets at least tick pass unless a full batch is already due, so that a
// fast sender sends a batch per tick rather than one event at a time. It
// returns ctx.Err() when ctx ends first.
func (p *Pacer) Next(ctx context.Context, tick time.Duration, maxBatch int64) (first, n int64, err error) {
	for {
		now := time.Now()
		due := p.Due(now)
		if due >= maxBatch || (due > 0 && now.Sub(p.last) >= tick) {
			p.last = now
			n = min(due, maxBatch)
			return p.Take(n), n, nil
		}
		wake := p.last.Add(tick)
		if due == 0 {
			wake = later(wake, p.At(p.issued))
		}
		if p.timer == nil {
			p.timer = time.NewTimer(wake.Sub(now))
		} else {
			p.timer.Reset(wake.Sub(now))
		}
		select {
		case <-ctx.Done():
			p.timer.Stop()
			return 0, 0, ctx.Err()
		case <-p.timer.C:
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
