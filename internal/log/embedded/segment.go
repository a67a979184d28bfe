package embedded

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// segment is one segment file of a partition. Readers and the partition
// share it; its file stays open until the last of them lets go, so that a
// reader in a segment that retention removed can finish its read.
type segment struct {
	base int64
	path string // the .log file
	f    *os.File

	// refs counts the users of f: one for the partition's list while the
	// segment is in it, one per reader or fsync using it.
	refs atomic.Int32

	size   atomic.Int64 // bytes holding complete frames, all readable
	end    atomic.Int64 // offset after the last record of those frames
	maxTs  atomic.Int64 // largest record timestamp, math.MinInt64 when empty
	synced atomic.Int64 // bytes known to be on disk
	rolled atomic.Bool  // no longer appended to: its successor is in the list

	// The index, guarded by the partition's mu. The active segment keeps
	// its entries in memory, and so does a closed one until it is sealed
	// (fsynced, its index written whole); a sealed one reads its file when
	// asked.
	memIndex     bool
	idx          []indexEntry
	idxWritten   int      // entries of idx already in idxFile
	idxFile      *os.File // open while memIndex
	idxUnsynced  bool     // entries were written to idxFile since it was last fsynced
	lastEntryPos int64    // position of the last entry, or of the first frame
	allocated    int64    // end of the blocks reserved for the active segment
	// firstAppend is when (ms, by the log's clock) the segment's first
	// frame was appended, which segment.ms measures its age from; guarded
	// by the partition's mu and meaningful only once the segment holds a
	// frame.
	firstAppend int64
}

func segmentFileName(base int64, ext string) string {
	return fmt.Sprintf("%020d%s", base, ext)
}

// parseSegmentFileName returns the base offset of a segment file name of
// exactly the documented shape.
func parseSegmentFileName(name, ext string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, ext)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	base, err := strconv.ParseInt(digits, 10, 64)
	return base, err == nil
}

func (s *segment) idxPath() string {
	return strings.TrimSuffix(s.path, ".log") + ".idx"
}

// acquire takes a reference; it fails once the segment has left its
// partition and every user has let go.
func (s *segment) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and closes the file after the last one.
func (s *segment) release() {
	if s.refs.Add(-1) == 0 {
		s.f.Close()
	}
}

// createSegment creates an empty segment durably: header written and
// fsynced, and the directory fsynced, before any frame goes into it.
func createSegment(dir string, base int64) (*segment, error) {
	path := filepath.Join(dir, segmentFileName(base, ".log"))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded: cannot create segment: %w", err)
	}
	s := newSegment(path, base, f)
	if err := s.writeEmpty(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	if err := s.openIndexFile(nil, true); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func newSegment(path string, base int64, f *os.File) *segment {
	s := &segment{base: base, path: path, f: f, lastEntryPos: segHeaderSize}
	s.refs.Store(1)
	s.end.Store(base)
	s.maxTs.Store(startEntry.maxTsBefore)
	return s
}

// writeEmpty makes the file an empty segment: a header and nothing else.
func (s *segment) writeEmpty() error {
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("embedded: cannot reset segment %s: %w", s.path, err)
	}
	if _, err := s.f.WriteAt(appendFileHeader(nil, segMagic, s.base, 0), 0); err != nil {
		return fmt.Errorf("embedded: cannot write segment header %s: %w", s.path, err)
	}
	if err := fdatasync(s.f); err != nil {
		return fmt.Errorf("embedded: cannot sync segment %s: %w", s.path, err)
	}
	s.size.Store(segHeaderSize)
	s.synced.Store(segHeaderSize)
	return nil
}

// openIndexFile makes s the active segment's index holder: entries in
// memory, the file (rewritten unless rewrite is false) open for the entries
// to come.
func (s *segment) openIndexFile(entries []indexEntry, rewrite bool) error {
	if rewrite {
		if err := writeIndex(s.idxPath(), s.base, entries, false); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(s.idxPath(), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("embedded: cannot open index: %w", err)
	}
	s.memIndex, s.idx, s.idxWritten, s.idxFile = true, entries, len(entries), f
	if len(entries) > 0 {
		s.lastEntryPos = int64(entries[len(entries)-1].pos)
	}
	return nil
}

// releasePreallocated gives back the blocks reserved past the end of a
// segment that is no longer appended to: truncating a file to its own size
// frees them.
func releasePreallocated(s *segment) {
	if s.allocated > s.size.Load() {
		s.f.Truncate(s.size.Load())
	}
	s.allocated = 0
}

// readFrameHeader reads the header of the frame at pos.
func (s *segment) readFrameHeader(pos int64) (frameHeader, error) {
	var b [frameHeaderSize]byte
	if _, err := s.f.ReadAt(b[:], pos); err != nil {
		return frameHeader{}, fmt.Errorf("embedded: cannot read %s at %d: %w", s.path, pos, err)
	}
	return parseFrameHeader(b[:]), nil
}

// entryHolds reports whether the frame that index entry e points at
// exists inside limit and has e's base offset.
func (s *segment) entryHolds(e indexEntry, limit int64) bool {
	if int64(e.pos)+frameHeaderSize > limit {
		return false
	}
	h, err := s.readFrameHeader(int64(e.pos))
	return err == nil && h.base == s.base+int64(e.rel) && h.length >= minFrameLength && int64(e.pos)+h.size() <= limit
}

// olderThan reports whether more than age ms separate since from now,
// without overflowing on far-apart times.
func olderThan(since, now, age int64) bool {
	if since >= now {
		return false
	}
	d := now - since
	return d < 0 || d > age // d < 0: the difference overflowed, so it is huge
}

// storeMax raises v to x unless it is already higher.
func storeMax(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if old >= x || v.CompareAndSwap(old, x) {
			return
		}
	}
}
