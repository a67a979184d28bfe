package embedded

import (
	"encoding/binary"
	"fmt"
	"os"
)

// Read buffer sizes: a reader starts small, so that many idle readers cost
// little, and grows while it has a backlog, for large sequential reads.
const (
	minReadBuffer = 64 << 10
	maxReadBuffer = 1 << 20
)

// scanner reads the frames of a segment in order, through a buffer of
// large positional reads.
type scanner struct {
	f      *os.File
	pos    int64 // where the next frame starts
	limit  int64 // end of the bytes to scan
	buf    []byte
	bufPos int64 // file position of buf[0]
	bufLen int   // bytes of buf holding file data
	need   int64 // bytes the next fill must bring, at least
}

type scanStatus int

const (
	scanFrame     scanStatus = iota // a complete frame
	scanEnd                         // nothing left before limit
	scanMore                        // the frame is not buffered: fill
	scanTorn                        // the bytes left end before the frame does
	scanBadLength                   // the length field cannot be a frame's
)

func (s *scanner) reset(f *os.File, pos int64) {
	s.f, s.pos, s.bufPos, s.bufLen, s.need = f, pos, 0, 0, 0
}

// next returns the frame at s.pos (valid until the next fill) without
// moving past it; the caller advances s.pos by h.size().
func (s *scanner) next() (frameHeader, []byte, scanStatus) {
	left := s.limit - s.pos
	switch {
	case left <= 0:
		return frameHeader{}, nil, scanEnd
	case left < 4:
		return frameHeader{}, nil, scanTorn
	}
	at := s.pos - s.bufPos
	if s.pos < s.bufPos || at+4 > int64(s.bufLen) {
		s.need = 4
		return frameHeader{}, nil, scanMore
	}
	length := binary.LittleEndian.Uint32(s.buf[at:])
	if length < minFrameLength || length > maxSegmentBytes-segHeaderSize-4 {
		return frameHeader{}, nil, scanBadLength
	}
	size := 4 + int64(length)
	if size > left {
		return frameHeader{}, nil, scanTorn
	}
	if at+size > int64(s.bufLen) {
		s.need = size
		return frameHeader{}, nil, scanMore
	}
	f := s.buf[at : at+size : at+size]
	return parseFrameHeader(f), f, scanFrame
}

// fill reads from s.pos on: as much as the buffer holds, and at least the
// frame that did not fit. A full buffer with more to read grows it, up to
// maxReadBuffer.
func (s *scanner) fill() error {
	n := int64(len(s.buf))
	if n == 0 {
		n = minReadBuffer
	} else if s.bufLen == len(s.buf) && s.limit-s.pos > n && n < maxReadBuffer {
		n *= 2
	}
	n = max(n, s.need)
	if n > int64(len(s.buf)) {
		s.buf = make([]byte, n)
	}
	n = min(n, s.limit-s.pos)
	if _, err := s.f.ReadAt(s.buf[:n], s.pos); err != nil {
		return fmt.Errorf("embedded: cannot read %s at %d: %w", s.f.Name(), s.pos, err)
	}
	s.bufPos, s.bufLen, s.need = s.pos, int(n), 0
	return nil
}

// frame returns the next complete frame, filling the buffer as needed.
func (s *scanner) frame() (frameHeader, []byte, scanStatus, error) {
	for {
		h, f, st := s.next()
		if st != scanMore {
			return h, f, st, nil
		}
		if err := s.fill(); err != nil {
			return h, nil, st, err
		}
	}
}
