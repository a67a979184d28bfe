package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/sluicedata/sluice/internal/log"
)

// Sizes of the format (docs/format/log.md).
const (
	formatVersion = 1

	segHeaderSize   = 24
	idxHeaderSize   = 24
	idxEntrySize    = 16
	frameHeaderSize = 38 // length, CRC and the body's fixed fields
	bodyHeaderSize  = frameHeaderSize - 8
	minRecordSize   = 4
	// minFrameLength is the smallest value of a frame's length field: the
	// CRC, the body's fixed fields and one record of empty fields.
	minFrameLength = 4 + bodyHeaderSize + minRecordSize

	// indexInterval is how many bytes of frames lie at least between two
	// index entries.
	indexInterval = 4096

	minSegmentBytes     = 64
	maxSegmentBytes     = math.MaxInt32
	defaultSegmentBytes = 128 << 20
)

var (
	segMagic = [8]byte{'S', 'L', 'U', 'I', 'C', 'E', 'L', 'G'}
	idxMagic = [8]byte{'S', 'L', 'U', 'I', 'C', 'E', 'I', 'X'}

	// castagnoli is CRC-32C, computed with the CPU's instruction where there
	// is one.
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// ErrCorrupt reports data that fails its checksum or does not parse. Data
// found corrupt is never returned as records.
var ErrCorrupt = errors.New("embedded: corrupt data")

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// idxSealed is the index header flag of a sealed segment: its bytes were
// fsynced and its index is complete.
const idxSealed = 1

// appendFileHeader appends the 24-byte header shared by segments and
// indexes.
func appendFileHeader(dst []byte, magic [8]byte, base int64, flags uint16) []byte {
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint16(dst, formatVersion)
	dst = binary.LittleEndian.AppendUint16(dst, flags)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(base))
	return binary.LittleEndian.AppendUint32(dst, crc(dst[start:]))
}

// checkFileHeader verifies a segment or index header against its expected
// magic and base offset, and returns its flags (only those in known).
func checkFileHeader(b []byte, magic [8]byte, base int64, known uint16) (uint16, error) {
	if len(b) < segHeaderSize {
		return 0, fmt.Errorf("header is %d bytes, want %d", len(b), segHeaderSize)
	}
	if [8]byte(b[:8]) != magic {
		return 0, fmt.Errorf("bad magic %q, want %q", b[:8], magic[:])
	}
	if got := binary.LittleEndian.Uint32(b[20:]); got != crc(b[:20]) {
		return 0, fmt.Errorf("header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != formatVersion {
		return 0, fmt.Errorf("format version %d is not known (this build reads version %d; was the directory written by a newer sluice?)", v, formatVersion)
	}
	f := binary.LittleEndian.Uint16(b[10:])
	if f&^known != 0 {
		return 0, fmt.Errorf("unknown flags %#x", f)
	}
	if got := int64(binary.LittleEndian.Uint64(b[12:])); got != base {
		return 0, fmt.Errorf("base offset %d does not match the file name's %d", got, base)
	}
	return f, nil
}

// appendFrame encodes recs as one batch frame whose first record has offset
// base, and returns dst extended by it and the frame's max timestamp.
func appendFrame(dst []byte, base int64, recs []log.Record) ([]byte, int64) {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeaderSize)...) // the compiler extends dst in place
	first := recs[0].Timestamp
	maxTs := first
	for i := range recs {
		r := &recs[i]
		if r.Timestamp > maxTs {
			maxTs = r.Timestamp
		}
		dst = binary.AppendVarint(dst, r.Timestamp-first)
		dst = appendNullable(dst, r.Key)
		dst = appendNullable(dst, r.Value)
		dst = binary.AppendUvarint(dst, uint64(len(r.Headers)))
		for j := range r.Headers {
			h := &r.Headers[j]
			dst = binary.AppendUvarint(dst, uint64(len(h.Key)))
			dst = append(dst, h.Key...)
			dst = appendNullable(dst, h.Value)
		}
	}
	f := dst[start:]
	binary.LittleEndian.PutUint32(f[0:], uint32(len(f)-4))
	binary.LittleEndian.PutUint16(f[8:], 0)
	binary.LittleEndian.PutUint64(f[10:], uint64(base))
	binary.LittleEndian.PutUint32(f[18:], uint32(len(recs)))
	binary.LittleEndian.PutUint64(f[22:], uint64(first))
	binary.LittleEndian.PutUint64(f[30:], uint64(maxTs))
	binary.LittleEndian.PutUint32(f[4:], crc(f[8:]))
	return dst, maxTs
}

func appendNullable(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// frameHeader is the fixed part of a frame.
type frameHeader struct {
	length  uint32 // bytes after the length field
	crc     uint32
	attrs   uint16
	base    int64
	count   int32
	firstTs int64
	maxTs   int64
}

// size is the frame's total size in the segment.
func (h *frameHeader) size() int64 { return 4 + int64(h.length) }

// end is the offset after the frame's last record.
func (h *frameHeader) end() int64 { return h.base + int64(h.count) }

// parseFrameHeader reads a frame header from b, which holds at least
// frameHeaderSize bytes.
func parseFrameHeader(b []byte) frameHeader {
	_ = b[frameHeaderSize-1]
	return frameHeader{
		length:  binary.LittleEndian.Uint32(b[0:]),
		crc:     binary.LittleEndian.Uint32(b[4:]),
		attrs:   binary.LittleEndian.Uint16(b[8:]),
		base:    int64(binary.LittleEndian.Uint64(b[10:])),
		count:   int32(binary.LittleEndian.Uint32(b[18:])),
		firstTs: int64(binary.LittleEndian.Uint64(b[22:])),
		maxTs:   int64(binary.LittleEndian.Uint64(b[30:])),
	}
}

// check reports what is wrong with a complete frame f (header included)
// beyond its length, or nil.
func (h *frameHeader) check(f []byte) error {
	if got := crc(f[8:]); got != h.crc {
		return fmt.Errorf("checksum mismatch (stored %08x, computed %08x)", h.crc, got)
	}
	if h.attrs != 0 {
		return fmt.Errorf("unknown attributes %#x", h.attrs)
	}
	if h.count < 1 {
		return fmt.Errorf("record count %d", h.count)
	}
	return nil
}

// decoder decodes records into buffers it reuses, so that decoding
// allocates nothing once they have grown.
type decoder struct {
	recs []log.Record
	hdrs []log.Header
	// keys interns header keys: header keys repeat, and a string made from
	// the read buffer would change under the caller when it is reused.
	keys map[string]string
}

// maxInternedKeys bounds the header key cache against adversarial keys.
const maxInternedKeys = 4096

// decode appends the records of frame f (header included, already
// verified) whose offset is at least from, with partition set, to d.recs.
func (d *decoder) decode(f []byte, h *frameHeader, partition int32, from int64) error {
	b := f[frameHeaderSize:]
	i := 0
	off := h.base
	for n := int32(0); n < h.count; n++ {
		delta, j := varint(b, i)
		if j < 0 {
			return errMalformed(off, "timestamp")
		}
		i = j
		var key, value []byte
		if key, i = nullable(b, i); i < 0 {
			return errMalformed(off, "key")
		}
		if value, i = nullable(b, i); i < 0 {
			return errMalformed(off, "value")
		}
		nh, j := uvarint(b, i)
		if j < 0 || nh > uint64(len(b)-j) {
			return errMalformed(off, "header count")
		}
		i = j
		var hdrs []log.Header
		if nh > 0 {
			first := len(d.hdrs)
			for range nh {
				kl, j := uvarint(b, i)
				if j < 0 || kl > uint64(len(b)-j) {
					return errMalformed(off, "header key")
				}
				k := b[j : j+int(kl)]
				var v []byte
				if v, i = nullable(b, j+int(kl)); i < 0 {
					return errMalformed(off, "header value")
				}
				d.hdrs = append(d.hdrs, log.Header{Key: d.intern(k), Value: v})
			}
			hdrs = d.hdrs[first:len(d.hdrs):len(d.hdrs)]
		}
		if off >= from {
			d.recs = append(d.recs, log.Record{
				Key:       key,
				Value:     value,
				Timestamp: h.firstTs + delta,
				Headers:   hdrs,
				Partition: partition,
				Offset:    off,
			})
		}
		off++
	}
	if i != len(b) {
		return fmt.Errorf("%w: frame at offset %d has %d bytes after its %d records", ErrCorrupt, h.base, len(b)-i, h.count)
	}
	return nil
}

func (d *decoder) intern(k []byte) string {
	if s, ok := d.keys[string(k)]; ok {
		return s
	}
	s := string(k)
	if d.keys == nil {
		d.keys = map[string]string{}
	}
	if len(d.keys) < maxInternedKeys {
		d.keys[s] = s
	}
	return s
}

func errMalformed(off int64, field string) error {
	return fmt.Errorf("%w: record %d: malformed %s", ErrCorrupt, off, field)
}

// nullable reads a varint length (-1 = nil) and that many bytes at b[i:].
// It returns a negative index when b is malformed.
func nullable(b []byte, i int) ([]byte, int) {
	n, j := varint(b, i)
	switch {
	case j < 0 || n < -1 || n > int64(len(b)-j):
		return nil, -1
	case n == -1:
		return nil, j
	}
	return b[j : j+int(n) : j+int(n)], j + int(n)
}

// varint reads a zigzag varint at b[i:], with a fast path for one byte.
func varint(b []byte, i int) (int64, int) {
	if i < len(b) && b[i] < 0x80 {
		u := uint64(b[i])
		return int64(u>>1) ^ -int64(u&1), i + 1
	}
	u, j := uvarint(b, i)
	return int64(u>>1) ^ -int64(u&1), j
}

// uvarint reads an unsigned varint at b[i:]; the index is negative when b
// is malformed.
func uvarint(b []byte, i int) (uint64, int) {
	if i < len(b) && b[i] < 0x80 {
		return uint64(b[i]), i + 1
	}
	if i >= len(b) {
		return 0, -1
	}
	u, n := binary.Uvarint(b[i:])
	if n <= 0 {
		return 0, -1
	}
	return u, i + n
}
