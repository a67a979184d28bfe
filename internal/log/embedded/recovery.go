package embedded

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// openPartition opens the segments of partition id of t and recovers
// them (docs/format/log.md, "Recovery").
func (l *Log) openPartition(t *topic, id int32) (*partition, error) {
	p := &partition{l: l, t: t, id: id, dir: partitionDir(t.dir, id), name: fmt.Sprintf("%s/%d", t.name, id)}
	dirents, err := os.ReadDir(p.dir)
	if err != nil {
		return nil, fmt.Errorf("embedded: cannot open partition %s: %w", p.name, err)
	}
	var bases []int64
	for _, e := range dirents {
		if base, ok := parseSegmentFileName(e.Name(), ".log"); ok {
			bases = append(bases, base)
		}
	}
	slices.Sort(bases)
	for _, e := range dirents {
		name := e.Name()
		if base, ok := parseSegmentFileName(name, ".idx"); ok {
			if _, found := slices.BinarySearch(bases, base); !found {
				os.Remove(filepath.Join(p.dir, name))
			}
		} else if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") {
			os.Remove(filepath.Join(p.dir, name))
		}
	}

	var segs []*segment
	fail := func(err error) (*partition, error) {
		for _, s := range segs {
			if s.idxFile != nil {
				s.idxFile.Close()
			}
			s.release()
		}
		return nil, err
	}
	if len(bases) == 0 {
		p.logger().Warn("embedded: partition has no segment; starting it empty at offset 0", "partition", p.name, "dir", p.dir)
		s, err := createSegment(p.dir, 0)
		if err != nil {
			return fail(fmt.Errorf("embedded: %s: %w", p.name, err))
		}
		segs = append(segs, s)
	}
	for i, base := range bases {
		s, cut, err := p.openSegment(base, i == len(bases)-1)
		if err != nil {
			return fail(err)
		}
		if i > 0 {
			if prev := segs[i-1]; prev.end.Load() != base {
				p.logger().Warn("embedded: segments are not contiguous; readers will stop with an error there", "partition", p.name, "segment", prev.path, "end", prev.end.Load(), "next_base", base)
			}
		}
		segs = append(segs, s)
		if cut {
			if err := p.quarantineSegments(bases[i+1:]); err != nil {
				return fail(err)
			}
			break
		}
	}
	p.setSegments(segs)
	p.active = segs[len(segs)-1]
	p.start.Store(segs[0].base)
	p.active.firstAppend = p.recoveredFirstAppend(p.active)
	return p, nil
}

// recoveredFirstAppend estimates when the first frame of a segment found
// on open was appended, which the files do not record: the time its file
// was last modified, or the time of opening when that is earlier. That is
// never before the first append, so the segment is never rolled early; and
// unlike the time of opening, it does not start over on every open, so a
// log reopened more often than segment.ms still rolls its quiet segments.
// (Record timestamps are no guide: records of the past are appended every
// day.)
func (p *partition) recoveredFirstAppend(s *segment) int64 {
	now := p.l.opts.Clock.Now().UnixMilli()
	if s.size.Load() <= segHeaderSize {
		return now
	}
	st, err := s.f.Stat()
	if err != nil {
		return now
	}
	return min(st.ModTime().UnixMilli(), now)
}

// openSegment opens and recovers one segment. cut reports that the
// segment, not the last one, lost its tail: it becomes the active segment
// and the segments after it must go.
func (p *partition) openSegment(base int64, last bool) (s *segment, cut bool, err error) {
	path := filepath.Join(p.dir, segmentFileName(base, ".log"))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, false, fmt.Errorf("embedded: %s: cannot open segment: %w", p.name, err)
	}
	s = newSegment(path, base, f)
	if cut, err = p.recoverSegment(s, last); err != nil {
		f.Close()
		return nil, false, err
	}
	return s, cut, nil
}

// recoverSegment verifies the frames of s from its last trusted index
// entry on and brings its index up to date. A segment that may hold bytes
// that never reached the disk (the last one, or one whose index is not
// sealed) loses what follows its last good frame: a torn tail is cut,
// corrupt bytes are quarantined first. In a sealed segment, whose bytes
// were on disk, damage is only reported: cutting it would lose records
// that were durable.
func (p *partition) recoverSegment(s *segment, last bool) (cut bool, err error) {
	st, err := s.f.Stat()
	if err != nil {
		return false, fmt.Errorf("embedded: %s: cannot open segment: %w", p.name, err)
	}
	size := st.Size()
	if size > maxSegmentBytes {
		return false, fmt.Errorf("embedded: %s: segment %s is %d bytes, more than a segment can hold: the directory is damaged; restore the partition from a backup", p.name, s.path, size)
	}
	var hdr [segHeaderSize]byte
	n, _ := s.f.ReadAt(hdr[:], 0)
	if _, herr := checkFileHeader(hdr[:n], segMagic, s.base, 0); herr != nil {
		// A segment's header is on disk before any later segment exists,
		// so only the last one can have a torn header.
		if !last {
			return false, fmt.Errorf("embedded: %s: segment %s: %v: the directory is damaged; restore the partition from a backup or move its directory aside", p.name, s.path, herr)
		}
		if size < segHeaderSize {
			p.logger().Info("embedded: torn segment creation; starting the segment empty", "partition", p.name, "segment", s.path, "bytes", size)
		} else if err := p.quarantine(s, 0, size, herr); err != nil {
			return false, err
		}
		if err := s.writeEmpty(); err != nil {
			return false, err
		}
		return false, s.openIndexFile(nil, true)
	}

	idx, err := readIndex(s.idxPath(), s.base, size)
	if err != nil {
		return false, err
	}
	entries := idx.entries
	k := len(entries)
	for k > 0 && !s.entryHolds(entries[k-1], size) {
		k--
	}
	rewrite := !idx.ok || k < len(entries)
	entries = entries[:k]
	from := startEntry
	if k > 0 {
		from = entries[k-1]
	}
	scan, err := scanSegment(s, from, size)
	if err != nil {
		return false, fmt.Errorf("embedded: %s: %w", p.name, err)
	}
	entries = append(entries, scan.entries...)
	rewrite = rewrite || len(scan.entries) > 0
	s.end.Store(scan.end)
	s.maxTs.Store(scan.maxTs)

	if scan.problem != nil && idx.sealed && !last {
		p.logger().Warn("embedded: sealed segment is damaged; it is left as it is and readers will stop with an error there", "partition", p.name, "segment", s.path, "position", scan.stop, "reason", scan.problem)
	} else if scan.problem != nil {
		if scan.torn {
			p.logger().Info("embedded: cut the torn tail of a write that a crash interrupted", "partition", p.name, "segment", s.path, "position", scan.stop, "bytes", size-scan.stop)
		} else if err := p.quarantine(s, scan.stop, size, scan.problem); err != nil {
			return false, err
		}
		if err := s.f.Truncate(scan.stop); err != nil {
			return false, fmt.Errorf("embedded: %s: cannot truncate %s: %w", p.name, s.path, err)
		}
		// The trusted entry itself may point at the frame cut.
		for len(entries) > 0 && int64(entries[len(entries)-1].pos) >= scan.stop {
			entries = entries[:len(entries)-1]
		}
		size, rewrite, cut = scan.stop, true, !last
	}
	s.size.Store(size)
	s.lastEntryPos = segHeaderSize
	if len(entries) > 0 {
		s.lastEntryPos = int64(entries[len(entries)-1].pos)
	}
	// Whatever a crash left in the page cache goes to disk before index
	// entries, or a seal, may vouch for it.
	if !idx.sealed || last || cut {
		if err := fdatasync(s.f); err != nil {
			return false, fmt.Errorf("embedded: %s: cannot sync %s: %w", p.name, s.path, err)
		}
	}
	s.synced.Store(size)

	if last || cut {
		// The active segment: its index must not say sealed while it grows.
		return cut, s.openIndexFile(entries, rewrite || idx.sealed)
	}
	s.rolled.Store(true)
	if reservedPastEnd(st) {
		s.f.Truncate(size)
	}
	if rewrite || !idx.sealed {
		if err := writeIndex(s.idxPath(), s.base, entries, true); err != nil {
			p.logger().Warn("embedded: cannot rewrite index", "partition", p.name, "err", err)
		}
	}
	return false, nil
}

// quarantineSegments moves whole segments out of the partition, after an
// earlier one lost its tail: their records no longer follow on.
func (p *partition) quarantineSegments(bases []int64) error {
	for _, base := range bases {
		path := filepath.Join(p.dir, segmentFileName(base, ".log"))
		qpath := path + ".quarantine-0"
		if err := os.Rename(path, qpath); err != nil {
			return fmt.Errorf("embedded: %s: cannot quarantine segment: %w", p.name, err)
		}
		os.Remove(filepath.Join(p.dir, segmentFileName(base, ".idx")))
		p.logger().Warn("embedded: segment quarantined: it follows a segment whose tail was lost in a crash", "partition", p.name, "segment", path, "quarantine", qpath)
	}
	if len(bases) == 0 {
		return nil
	}
	return syncDir(p.dir)
}

// segmentScan is what scanning a segment found.
type segmentScan struct {
	entries []indexEntry // entries for the frames scanned, by the index rule
	end     int64        // offset after the last good frame
	maxTs   int64        // largest timestamp up to it
	stop    int64        // position after the last good frame
	problem error        // why the scan stopped before the end of the file
	torn    bool         // the problem is a torn tail, not corruption
}

// scanSegment verifies the frames of s from index entry from to size.
func scanSegment(s *segment, from indexEntry, size int64) (res segmentScan, err error) {
	res = segmentScan{end: s.base + int64(from.rel), maxTs: from.maxTsBefore}
	lastEntry := int64(from.pos)
	var sc scanner
	sc.reset(s.f, int64(from.pos))
	sc.limit = size
	defer func() { res.stop = sc.pos }()
	for {
		h, f, st, err := sc.frame()
		if err != nil {
			return res, err
		}
		switch st {
		case scanEnd:
			return res, nil
		case scanTorn:
			res.problem, res.torn = fmt.Errorf("a frame runs past the end of the file (%d bytes left)", size-sc.pos), true
			if size-sc.pos >= frameHeaderSize {
				// A torn write is a prefix of a good frame: a header that
				// cannot be one is corruption, not a tear.
				h, err := s.readFrameHeader(sc.pos)
				if err != nil {
					return res, err
				}
				if h.base != res.end || h.count < 1 || h.attrs != 0 {
					res.problem, res.torn = fmt.Errorf("a frame runs past the end of the file, and its header is not that of the next frame (base offset %d, want %d; %d records)", h.base, res.end, h.count), false
				}
			}
			return res, nil
		case scanBadLength:
			zero, err := allZero(s.f, sc.pos, size)
			if err != nil {
				return res, err
			}
			if zero {
				res.problem, res.torn = errors.New("the rest of the file is zeros"), true
			} else {
				res.problem = fmt.Errorf("no frame can have the length at position %d", sc.pos)
			}
			return res, nil
		}
		if err := h.check(f); err != nil {
			res.problem = err
			return res, nil
		}
		if h.base != res.end {
			res.problem = fmt.Errorf("frame has base offset %d, want %d", h.base, res.end)
			return res, nil
		}
		if sc.pos-lastEntry >= indexInterval {
			res.entries = append(res.entries, indexEntry{rel: uint32(h.base - s.base), pos: uint32(sc.pos), maxTsBefore: res.maxTs})
			lastEntry = sc.pos
		}
		res.maxTs = max(res.maxTs, h.maxTs)
		res.end = h.end()
		sc.pos += h.size()
	}
}

// allZero reports whether the bytes of f from pos to end are all zero.
func allZero(f *os.File, pos, end int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for pos < end {
		n := min(int64(len(buf)), end-pos)
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return false, fmt.Errorf("embedded: cannot read %s: %w", f.Name(), err)
		}
		for _, b := range buf[:n] {
			if b != 0 {
				return false, nil
			}
		}
		pos += n
	}
	return true, nil
}

// quarantine copies the bytes of s from pos to size into a file of their
// own, durably, before the caller cuts them from the segment.
func (p *partition) quarantine(s *segment, pos, size int64, why error) error {
	qpath := fmt.Sprintf("%s.quarantine-%d", s.path, pos)
	q, err := os.OpenFile(qpath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("embedded: %s: cannot quarantine corrupt data: %w", p.name, err)
	}
	_, err = io.Copy(q, io.NewSectionReader(s.f, pos, size-pos))
	if err == nil {
		err = fdatasync(q)
	}
	if cerr := q.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(p.dir)
	}
	if err != nil {
		return fmt.Errorf("embedded: %s: cannot quarantine corrupt data to %s: %w", p.name, qpath, err)
	}
	p.logger().Warn("embedded: corrupt data quarantined", "partition", p.name, "segment", s.path, "position", pos, "bytes", size-pos, "quarantine", qpath, "reason", why)
	return nil
}
