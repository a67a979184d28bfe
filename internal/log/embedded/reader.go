package embedded

import (
	"context"
	"fmt"
	"sort"

	"github.com/sluicedata/sluice/internal/log"
)

// reader reads one partition. It holds a reference on the segment it
// reads, reads up to the segment's published size with positional reads
// (never taking the append lock) and decodes into buffers it reuses.
type reader struct {
	p    *partition
	seg  *segment
	sc   scanner
	next int64 // offset of the next record to return
	dec  decoder
	done bool
}

func (p *partition) openReader(offset int64) (*reader, error) {
	seg, err := p.segmentFor(offset)
	if err != nil {
		return nil, err
	}
	pos, err := p.position(seg, offset)
	if err != nil {
		seg.release()
		return nil, err
	}
	r := &reader{p: p, seg: seg, next: offset}
	r.sc.reset(seg.f, pos)
	return r, nil
}

// Next returns the records after the reader's position, waiting for some
// when there are none yet.
func (r *reader) Next(ctx context.Context) ([]log.Record, error) {
	if r.done {
		return nil, fmt.Errorf("embedded: reader of %s: %w", r.p.name, log.ErrClosed)
	}
	for {
		if err := r.p.usable(); err != nil {
			return nil, err
		}
		if start := r.p.start.Load(); r.next < start {
			return nil, fmt.Errorf("embedded: %w: %s offset %d was deleted by retention (the partition starts at %d)", log.ErrOffsetOutOfRange, r.p.name, r.next, start)
		}
		if r.sc.pos < r.seg.size.Load() {
			recs, err := r.read()
			if err != nil || len(recs) > 0 {
				return recs, err
			}
			continue
		}
		if r.seg.rolled.Load() {
			// Sealed after its last frame was published: if the size
			// still says nothing is left, nothing is.
			if r.sc.pos >= r.seg.size.Load() {
				if err := r.advance(); err != nil {
					return nil, err
				}
			}
			continue
		}
		wait := r.p.waiter()
		// Looked at again after registering, so that an append between the
		// first look and the registration is not missed.
		if r.sc.pos < r.seg.size.Load() || r.seg.rolled.Load() || r.p.gone.Load() != live {
			continue
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// read decodes the frames from the reader's position: those in one
// buffer's worth of the segment, at least one.
func (r *reader) read() ([]log.Record, error) {
	d := &r.dec
	d.recs, d.hdrs = d.recs[:0], d.hdrs[:0]
	sc := &r.sc
	sc.limit = r.seg.size.Load()
	for {
		h, f, st := sc.next()
		switch st {
		case scanEnd:
			return d.recs, nil
		case scanMore:
			if len(d.recs) > 0 {
				return d.recs, nil
			}
			if err := sc.fill(); err != nil {
				return nil, fmt.Errorf("embedded: %s: %w", r.p.name, err)
			}
			continue
		case scanTorn, scanBadLength:
			return nil, r.corrupt(fmt.Errorf("no frame fits at this position"))
		}
		if err := h.check(f); err != nil {
			return nil, r.corrupt(err)
		}
		if h.base > r.next || h.end() <= r.next {
			return nil, r.corrupt(fmt.Errorf("frame holds offsets %d to %d, want %d", h.base, h.end()-1, r.next))
		}
		if err := d.decode(f, &h, r.p.id, r.next); err != nil {
			return nil, fmt.Errorf("embedded: %s: %s position %d: %w", r.p.name, r.seg.path, sc.pos, err)
		}
		r.next = h.end()
		sc.pos += h.size()
	}
}

func (r *reader) corrupt(err error) error {
	return fmt.Errorf("%w: %s: %s position %d (offset %d): %v; the bytes are left in place for inspection", ErrCorrupt, r.p.name, r.seg.path, r.sc.pos, r.next, err)
}

// advance moves the reader from its rolled segment to the next one.
func (r *reader) advance() error {
	for {
		if err := r.p.usable(); err != nil {
			return err
		}
		segs := r.p.segments()
		i := sort.Search(len(segs), func(i int) bool { return segs[i].base >= r.next })
		if i == len(segs) || segs[i].base != r.next {
			if start := r.p.start.Load(); r.next < start {
				return fmt.Errorf("embedded: %w: %s offset %d was deleted by retention (the partition starts at %d)", log.ErrOffsetOutOfRange, r.p.name, r.next, start)
			}
			return fmt.Errorf("%w: %s: no segment starts at offset %d, where %s ends", ErrCorrupt, r.p.name, r.next, r.seg.path)
		}
		if s := segs[i]; s.acquire() {
			r.seg.release()
			r.seg = s
			r.sc.reset(s.f, segHeaderSize)
			return nil
		}
	}
}

// Position is the offset of the next record Next returns.
func (r *reader) Position() int64 { return r.next }

// Close lets go of the reader's segment.
func (r *reader) Close() error {
	if !r.done {
		r.done = true
		r.seg.release()
	}
	return nil
}
