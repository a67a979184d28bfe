package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// States of a partition, in partition.gone.
const (
	live int32 = iota
	deleted
	closed
)

// idxFlushBatch is how many index entries the always policy lets wait in
// memory before writing them out, so that an fsynced append does not also
// write the index every time.
const idxFlushBatch = 32

// partition is one partition of a topic: its segments, the append path and
// the notification of readers.
type partition struct {
	l    *Log
	t    *topic
	id   int32
	dir  string
	name string // "topic/partition", for messages

	// mu is the append lock: it guards the active segment's writer state
	// and changes to the segment list. Readers do not take it to read.
	mu     sync.Mutex
	active *segment
	buf    []byte // the frame being appended, reused
	idxBuf []byte // index entries being written, reused
	// unflushed counts records appended since the last fsync that
	// flush.messages asked for.
	unflushed int64

	segs  atomic.Pointer[[]*segment] // copy on write; the last is the active segment
	start atomic.Int64               // first offset still held
	gone  atomic.Int32               // live, deleted or closed
	dirty atomic.Bool                // written since the interval fsync last looked
	// failed holds the error of a failed fsync or write that could not be
	// undone: appends refuse from then on, because what is on disk is no
	// longer known.
	failed atomic.Pointer[error]

	// syncMu serialises fsyncs of the partition, so that appenders waiting
	// for one share it (group commit).
	syncMu sync.Mutex

	waitMu sync.Mutex
	waitCh chan struct{} // closed and cleared when records arrive; nil when nobody waits
}

func (p *partition) logger() *slog.Logger { return p.l.opts.Logger }

// usable reports why the partition cannot be used, or nil.
func (p *partition) usable() error {
	switch p.gone.Load() {
	case deleted:
		return fmt.Errorf("embedded: %w: %q was deleted", log.ErrUnknownTopic, p.t.name)
	case closed:
		return fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	return nil
}

func (p *partition) segments() []*segment { return *p.segs.Load() }

func (p *partition) setSegments(segs []*segment) { p.segs.Store(&segs) }

// end is the offset the next record will get.
func (p *partition) end() int64 {
	segs := p.segments()
	return segs[len(segs)-1].end.Load()
}

func (p *partition) fail(err error) error {
	err = fmt.Errorf("embedded: %s: %w (the partition refuses appends until the log is reopened)", p.name, err)
	p.failed.CompareAndSwap(nil, &err)
	p.logger().Error("embedded: partition failed", "partition", p.name, "err", err)
	return err
}

// waiter returns a channel closed when records are appended (or the
// partition goes away).
func (p *partition) waiter() <-chan struct{} {
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	if p.waitCh == nil {
		p.waitCh = make(chan struct{})
	}
	return p.waitCh
}

func (p *partition) wake() {
	p.waitMu.Lock()
	if p.waitCh != nil {
		close(p.waitCh)
		p.waitCh = nil
	}
	p.waitMu.Unlock()
}

// append writes recs as one frame and returns the offset of the first.
func (p *partition) append(recs []log.Record) (int64, error) {
	p.mu.Lock()
	if err := p.usable(); err != nil {
		p.mu.Unlock()
		return 0, err
	}
	if f := p.failed.Load(); f != nil {
		p.mu.Unlock()
		return 0, *f
	}
	seg := p.active
	base := seg.end.Load()
	if len(recs) == 0 {
		p.mu.Unlock()
		return base, nil
	}
	limit := p.t.settings.segmentBytes
	if int64(len(recs)) > limit/minRecordSize {
		p.mu.Unlock()
		return 0, fmt.Errorf("embedded: %w: %s: %d records cannot fit a segment of %d bytes", log.ErrRecordTooLarge, p.name, len(recs), limit)
	}
	var maxTs int64
	p.buf, maxTs = appendFrame(p.buf[:0], base, recs)
	n := int64(len(p.buf))
	if segHeaderSize+n > limit {
		p.mu.Unlock()
		return 0, fmt.Errorf("embedded: %w: %s: %d records take %d bytes, more than segment.bytes %d leaves after the segment header", log.ErrRecordTooLarge, p.name, len(recs), n, limit)
	}
	pos := seg.size.Load()
	var now int64
	segmentMs := p.t.settings.segmentMs
	if segmentMs >= 0 {
		now = p.l.opts.Clock.Now().UnixMilli()
	}
	if pos > segHeaderSize && (pos+n > limit || segmentMs >= 0 && olderThan(seg.firstAppend, now, segmentMs)) {
		var err error
		if seg, err = p.roll(); err != nil {
			p.mu.Unlock()
			return 0, err
		}
		pos = segHeaderSize
	}
	if pos+n > seg.allocated {
		p.preallocate(seg, pos, n, limit)
	}
	if _, err := seg.f.WriteAt(p.buf, pos); err != nil {
		err = fmt.Errorf("embedded: %s: cannot append to %s: %w", p.name, seg.path, err)
		if terr := seg.f.Truncate(pos); terr != nil {
			err = p.fail(errors.Join(err, terr))
		}
		seg.allocated = pos // the truncation released the reserve
		p.mu.Unlock()
		return 0, err
	}
	if pos-seg.lastEntryPos >= indexInterval {
		seg.idx = append(seg.idx, indexEntry{rel: uint32(base - seg.base), pos: uint32(pos), maxTsBefore: seg.maxTs.Load()})
		seg.lastEntryPos = pos
	}
	if invariants {
		p.checkAppend(seg, base, pos, int64(len(recs)))
	}
	storeMax(&seg.maxTs, maxTs)
	if pos == segHeaderSize {
		seg.firstAppend = now
	}
	// Size before end: a reader that sees the end offset finds its bytes.
	seg.size.Store(pos + n)
	seg.end.Store(base + int64(len(recs)))
	p.dirty.Store(true)
	mustSync := p.l.opts.Fsync == FsyncAlways
	if every := p.t.settings.flushMessages; every > 0 {
		p.unflushed += int64(len(recs))
		if p.unflushed >= every {
			p.unflushed = 0
			mustSync = true
		}
	}
	p.mu.Unlock()
	p.wake()
	if mustSync {
		if err := p.syncTo(seg, pos+n, false); err != nil {
			return 0, err
		}
	}
	return base, nil
}

// preallocate reserves disk blocks ahead of the active segment's end (the
// file's size does not change), so that appends fill blocks already
// allocated: the page cache takes them faster and steadier. It reserves as
// much again as the segment holds, from 64 KiB to 16 MiB, so that a quiet
// partition reserves little; the reserve is released when the segment
// closes. p.mu is held.
func (p *partition) preallocate(seg *segment, pos, n, limit int64) {
	chunk := min(max(pos, 64<<10, n), 16<<20, limit-pos)
	if err := preallocate(seg.f, pos, max(chunk, n)); err != nil {
		seg.allocated = limit // not supported here: do not try again
		return
	}
	seg.allocated = pos + max(chunk, n)
}

// roll closes the active segment and starts the next one; p.mu is held.
// The new segment exists on disk before any frame goes into it. The old
// one is sealed (fsynced, its index written whole and marked sealed) in the
// background, so that appends do not wait for its bytes to reach the disk;
// until then, recovery treats it as it treats the active segment.
func (p *partition) roll() (*segment, error) {
	old := p.active
	seg, err := createSegment(p.dir, old.end.Load())
	if err != nil {
		return nil, fmt.Errorf("embedded: %s: %w", p.name, err)
	}
	releasePreallocated(old)
	p.setSegments(append(slices.Clone(p.segments()), seg))
	p.active = seg
	old.rolled.Store(true)
	old.acquire() // it is in the list: this succeeds, and keeps it open for seal
	p.l.sealing.Add(1)
	go p.seal(old)
	return seg, nil
}

// seal fsyncs a rolled segment and writes its sealed index.
func (p *partition) seal(seg *segment) {
	defer p.l.sealing.Done()
	defer seg.release()
	err := p.fsync(seg)
	p.mu.Lock()
	defer p.mu.Unlock()
	// A segment that retention deleted meanwhile (one retention pass can
	// roll a segment by age and delete it) gets no index, which would
	// outlive it.
	if err != nil || p.failed.Load() != nil || p.gone.Load() == deleted || seg.base < p.start.Load() {
		seg.idxFile.Close()
		seg.idxFile = nil
		return
	}
	if err := writeIndex(seg.idxPath(), seg.base, seg.idx, true); err != nil {
		p.logger().Warn("embedded: cannot seal index; it will be rebuilt on open", "partition", p.name, "err", err)
	}
	seg.idxFile.Close()
	seg.memIndex, seg.idx, seg.idxWritten, seg.idxFile = false, nil, 0, nil
}

// fsync makes everything written to seg durable and reports the latency.
func (p *partition) fsync(seg *segment) error {
	size := seg.size.Load()
	start := time.Now()
	if err := fdatasync(seg.f); err != nil {
		return p.fail(fmt.Errorf("cannot fsync %s: %w", seg.path, err))
	}
	elapsed := time.Since(start)
	storeMax(&seg.synced, size)
	// Observed after the bookkeeping, so an observer sees the fsync's effect.
	if p.l.opts.OnFsync != nil {
		p.l.opts.OnFsync(elapsed)
	}
	return nil
}

// syncTo makes seg durable up to at least target. Callers that arrive
// while an fsync runs wait for it and usually find their bytes covered by
// it; the next one fsyncs for all who came meanwhile.
func (p *partition) syncTo(seg *segment, target int64, flushIndex bool) error {
	p.syncMu.Lock()
	if f := p.failed.Load(); f != nil {
		// A second fsync after a failed one may succeed without the lost
		// pages ever reaching the disk.
		p.syncMu.Unlock()
		return *f
	}
	if seg.synced.Load() >= target {
		p.syncMu.Unlock()
		return nil
	}
	if !seg.acquire() {
		// It left the list: its topic is gone or the log closed (which
		// fsyncs everything).
		p.syncMu.Unlock()
		return p.usable()
	}
	err := p.fsync(seg)
	seg.release()
	p.syncMu.Unlock()
	if err != nil {
		return err
	}
	p.mu.Lock()
	if seg == p.active && (flushIndex || len(seg.idx)-seg.idxWritten >= idxFlushBatch) {
		p.flushIndex(seg)
	}
	p.mu.Unlock()
	return nil
}

// flushIndex writes the entries of the active segment whose bytes before
// them are on disk; p.mu is held. A failure is only logged: the index is
// rebuilt from the segment when it falls short.
func (p *partition) flushIndex(seg *segment) {
	synced := seg.synced.Load()
	k := seg.idxWritten
	for k < len(seg.idx) && int64(seg.idx[k].pos) < synced {
		k++
	}
	if k == seg.idxWritten {
		return
	}
	p.idxBuf = p.idxBuf[:0]
	for _, e := range seg.idx[seg.idxWritten:k] {
		p.idxBuf = e.appendTo(p.idxBuf)
	}
	if _, err := seg.idxFile.WriteAt(p.idxBuf, idxHeaderSize+int64(seg.idxWritten)*idxEntrySize); err != nil {
		p.logger().Warn("embedded: cannot write index entries; the index will be rebuilt on open", "partition", p.name, "file", seg.idxPath(), "err", err)
		return
	}
	seg.idxWritten = k
	seg.idxUnsynced = true
}

// syncDirty is the interval policy's pass over the partition.
func (p *partition) syncDirty() {
	if !p.dirty.Swap(false) || p.gone.Load() != live {
		return
	}
	segs := p.segments()
	seg := segs[len(segs)-1]
	if err := p.syncTo(seg, seg.size.Load(), true); err != nil && p.usable() == nil {
		p.logger().Error("embedded: background fsync failed", "partition", p.name, "err", err)
	}
}

// shut ends the partition: on close, the active segment and its index are
// synced (rolled segments are being sealed already); on delete, nothing is.
func (p *partition) shut(state int32) error {
	p.syncMu.Lock()
	p.mu.Lock()
	var err error
	if p.gone.Load() == live {
		a := p.active
		if state == closed && p.failed.Load() == nil {
			if a.synced.Load() < a.size.Load() {
				err = p.fsync(a)
			}
			if err == nil {
				p.flushIndex(a)
				if a.idxUnsynced {
					err = fdatasync(a.idxFile)
				}
			}
			releasePreallocated(a)
		}
		a.idxFile.Close()
		a.idxFile = nil
		p.gone.Store(state)
		for _, s := range p.segments() {
			s.release()
		}
	}
	p.mu.Unlock()
	p.syncMu.Unlock()
	p.wake()
	return err
}

func (p *partition) info() log.PartitionInfo {
	var size int64
	for _, s := range p.segments() {
		size += s.size.Load()
	}
	return log.PartitionInfo{Partition: p.id, StartOffset: p.start.Load(), EndOffset: p.end(), SizeBytes: size}
}

// segmentFor returns the segment holding offset, acquired, or an error
// when offset is outside the partition.
func (p *partition) segmentFor(offset int64) (*segment, error) {
	for {
		if err := p.usable(); err != nil {
			return nil, err
		}
		start, end := p.start.Load(), p.end()
		if offset < start || offset > end {
			return nil, fmt.Errorf("embedded: %w: %s offset %d not in [%d, %d]", log.ErrOffsetOutOfRange, p.name, offset, start, end)
		}
		segs := p.segments()
		i := sort.Search(len(segs), func(i int) bool { return segs[i].base > offset }) - 1
		if i < 0 {
			continue // retention moved the start meanwhile
		}
		if s := segs[i]; s.acquire() {
			return s, nil
		}
	}
}

// entry returns the last index entry of seg for which pred holds, checked
// against the segment (the start entry when none holds or the index is
// wrong).
func (p *partition) entry(seg *segment, pred func(indexEntry) bool) indexEntry {
	e := startEntry
	p.mu.Lock()
	if seg.memIndex {
		e, _ = lastEntry(len(seg.idx), func(i int) (indexEntry, error) { return seg.idx[i], nil }, pred)
		p.mu.Unlock()
	} else {
		p.mu.Unlock()
		if fe, err := openFileEntries(seg.idxPath()); err == nil {
			e, err = lastEntry(fe.n, fe.entry, pred)
			fe.f.Close()
			if err != nil {
				e = startEntry
			}
		}
	}
	if e != startEntry && !seg.entryHolds(e, seg.size.Load()) {
		p.logger().Warn("embedded: index entry does not match its segment; scanning the segment from its start", "partition", p.name, "file", seg.idxPath(), "position", e.pos)
		return startEntry
	}
	return e
}

// position returns where the frame holding offset starts in seg (the end
// of the segment's frames when offset is its end).
func (p *partition) position(seg *segment, offset int64) (int64, error) {
	e := p.entry(seg, func(e indexEntry) bool { return seg.base+int64(e.rel) <= offset })
	pos, want, limit := int64(e.pos), seg.base+int64(e.rel), seg.size.Load()
	for pos < limit {
		h, err := seg.readFrameHeader(pos)
		if err != nil {
			return 0, err
		}
		if h.base != want || h.length < minFrameLength || pos+h.size() > limit {
			return 0, fmt.Errorf("%w: %s: frame at position %d of %s does not hold offset %d", ErrCorrupt, p.name, pos, seg.path, want)
		}
		if h.end() > offset {
			break
		}
		pos, want = pos+h.size(), h.end()
	}
	return pos, nil
}

// offsetForTime returns the first offset with a timestamp at or after ts,
// or the end offset.
func (p *partition) offsetForTime(ts int64) (int64, error) {
	if err := p.usable(); err != nil {
		return 0, err
	}
	// The end is taken first: any frame it covers is visible to the scan.
	end := p.end()
	var sc scanner
	var dec decoder
	for _, seg := range p.segments() {
		if seg.maxTs.Load() < ts || !seg.acquire() {
			continue
		}
		off, found, err := p.offsetForTimeIn(seg, ts, &sc, &dec)
		seg.release()
		if err != nil || found {
			return off, err
		}
	}
	return end, nil
}

func (p *partition) offsetForTimeIn(seg *segment, ts int64, sc *scanner, dec *decoder) (int64, bool, error) {
	e := p.entry(seg, func(e indexEntry) bool { return e.maxTsBefore < ts })
	sc.reset(seg.f, int64(e.pos))
	sc.limit = seg.size.Load()
	for {
		h, f, st, err := sc.frame()
		if err != nil {
			return 0, false, err
		}
		switch st {
		case scanEnd:
			return 0, false, nil
		case scanTorn, scanBadLength:
			return 0, false, fmt.Errorf("%w: %s: no frame at position %d of %s", ErrCorrupt, p.name, sc.pos, seg.path)
		}
		if h.maxTs >= ts {
			if err := h.check(f); err != nil {
				return 0, false, fmt.Errorf("%w: %s: frame at position %d of %s: %v", ErrCorrupt, p.name, sc.pos, seg.path, err)
			}
			dec.recs = dec.recs[:0]
			if err := dec.decode(f, &h, p.id, h.base); err != nil {
				return 0, false, err
			}
			for _, r := range dec.recs {
				if r.Timestamp >= ts {
					return r.Offset, true, nil
				}
			}
		}
		sc.pos += h.size()
	}
}

// enforceRetention rolls the active segment when segment.ms says it is
// too old, then deletes the closed segments that retention no longer
// keeps, oldest first.
func (p *partition) enforceRetention(nowMs int64) error {
	rolled := false
	defer func() {
		if rolled {
			// Readers waiting at the end of the old segment move on to the
			// new one, letting go of the old file so that, once deleted,
			// its disk space is freed.
			p.wake()
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone.Load() != live {
		return nil
	}
	st := p.t.settings
	var rollErr error
	// A partition that gets no appends still ages out: its active segment
	// is closed here, so that time retention can delete it. An empty one is
	// left alone (it holds nothing to delete), and so is a failed
	// partition, whose files are in an unknown state.
	if a := p.active; st.segmentMs >= 0 && a.size.Load() > segHeaderSize && p.failed.Load() == nil && olderThan(a.firstAppend, nowMs, st.segmentMs) {
		if _, err := p.roll(); err != nil {
			rollErr = err
		} else {
			rolled = true
		}
	}
	segs := p.segments()
	var total int64
	for _, s := range segs {
		total += s.size.Load()
	}
	drop := 0
	for ; drop < len(segs)-1; drop++ {
		s := segs[drop]
		byTime := st.retentionMs >= 0 && s.maxTs.Load() < nowMs-st.retentionMs
		bySize := st.retentionBytes >= 0 && total > st.retentionBytes
		if !byTime && !bySize {
			break
		}
		total -= s.size.Load()
	}
	if drop == 0 {
		return rollErr
	}
	// The new start is published before any file goes, so that a reader
	// about to read a removed segment learns it is out of range.
	p.setSegments(slices.Clone(segs[drop:]))
	p.start.Store(segs[drop].base)
	errs := []error{rollErr}
	for _, s := range segs[:drop] {
		if err := os.Remove(s.path); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("embedded: %s: cannot delete segment: %w", p.name, err))
		}
		if err := os.Remove(s.idxPath()); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("embedded: %s: cannot delete index: %w", p.name, err))
		}
		s.release()
	}
	p.logger().Debug("embedded: retention deleted segments", "partition", p.name, "segments", drop, "start", segs[drop].base)
	return errors.Join(errs...)
}

func partitionDir(topicDir string, id int32) string {
	return filepath.Join(topicDir, fmt.Sprint(id))
}
