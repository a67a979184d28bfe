package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
)

// indexEntry points at a frame of a segment (docs/format/log.md, "Index
// file").
type indexEntry struct {
	rel         uint32 // frame base offset - segment base offset
	pos         uint32 // where the frame starts in the segment
	maxTsBefore int64  // largest timestamp of the segment's records before the frame
}

// startEntry is the implicit entry just after the segment header.
var startEntry = indexEntry{pos: segHeaderSize, maxTsBefore: math.MinInt64}

func (e indexEntry) appendTo(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, e.rel)
	dst = binary.LittleEndian.AppendUint32(dst, e.pos)
	return binary.LittleEndian.AppendUint64(dst, uint64(e.maxTsBefore))
}

func parseIndexEntry(b []byte) indexEntry {
	return indexEntry{
		rel:         binary.LittleEndian.Uint32(b[0:]),
		pos:         binary.LittleEndian.Uint32(b[4:]),
		maxTsBefore: int64(binary.LittleEndian.Uint64(b[8:])),
	}
}

// follows reports whether e may come after prev in an index.
func (e indexEntry) follows(prev indexEntry) bool {
	return e.rel > prev.rel && e.pos > prev.pos && e.maxTsBefore >= prev.maxTsBefore
}

// indexFile is what readIndex found.
type indexFile struct {
	entries []indexEntry // the well-formed prefix: in order, inside the segment
	ok      bool         // the file exists and holds nothing else
	sealed  bool         // its header says the segment was sealed
}

// readIndex reads the index file at path of the segment (base, size).
func readIndex(path string, base, size int64) (indexFile, error) {
	var x indexFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return x, nil
	}
	if err != nil {
		return x, fmt.Errorf("embedded: cannot read index %s: %w", path, err)
	}
	flags, err := checkFileHeader(b, idxMagic, base, idxSealed)
	if err != nil {
		return x, nil
	}
	x.sealed = flags&idxSealed != 0
	x.ok = (len(b)-idxHeaderSize)%idxEntrySize == 0
	prev := startEntry
	for i := idxHeaderSize; i+idxEntrySize <= len(b); i += idxEntrySize {
		e := parseIndexEntry(b[i:])
		if !e.follows(prev) || int64(e.pos)+frameHeaderSize > size {
			x.ok = false
			break
		}
		x.entries = append(x.entries, e)
		prev = e
	}
	return x, nil
}

// writeIndex rewrites the index file at path whole and fsyncs it. Only a
// segment whose bytes are on disk may be written sealed.
func writeIndex(path string, base int64, entries []indexEntry, sealed bool) error {
	var flags uint16
	if sealed {
		flags = idxSealed
	}
	b := appendFileHeader(make([]byte, 0, idxHeaderSize+len(entries)*idxEntrySize), idxMagic, base, flags)
	for _, e := range entries {
		b = e.appendTo(b)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("embedded: cannot write index %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("embedded: cannot write index %s: %w", path, err)
	}
	if err := fdatasync(f); err != nil {
		f.Close()
		return fmt.Errorf("embedded: cannot sync index %s: %w", path, err)
	}
	return f.Close()
}

// lastEntry returns the last of n entries for which pred holds, or
// startEntry. pred must hold for a prefix of the entries.
func lastEntry(n int, entry func(i int) (indexEntry, error), pred func(indexEntry) bool) (indexEntry, error) {
	var err error
	i := sort.Search(n, func(i int) bool {
		if err != nil {
			return true
		}
		e, eerr := entry(i)
		if eerr != nil {
			err = eerr
			return true
		}
		return !pred(e)
	})
	if err != nil || i == 0 {
		return startEntry, err
	}
	return entry(i - 1)
}

// fileEntries reads the entries of a closed segment's index file one at a
// time, so that closed segments keep no index in memory.
type fileEntries struct {
	f   *os.File
	n   int
	buf [idxEntrySize]byte
}

func openFileEntries(path string) (*fileEntries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileEntries{f: f, n: int((st.Size() - idxHeaderSize) / idxEntrySize)}, nil
}

func (fe *fileEntries) entry(i int) (indexEntry, error) {
	if _, err := fe.f.ReadAt(fe.buf[:], idxHeaderSize+int64(i)*idxEntrySize); err != nil {
		return indexEntry{}, err
	}
	return parseIndexEntry(fe.buf[:]), nil
}
