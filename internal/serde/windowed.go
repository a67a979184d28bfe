package serde

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/types"
)

// WindowType is how a windowed key lays out its window, as Kafka Streams'
// windowed serializers do: time windows (TUMBLING and HOPPING) append the
// window's start, session windows its end and then its start, each as 8
// bytes big-endian milliseconds after the key's own bytes.
type WindowType uint8

const (
	// TimeWindows: key ‖ start. The end is start + the window's size.
	TimeWindows WindowType = iota + 1
	// SessionWindows: key ‖ end ‖ start.
	SessionWindows
)

// ParseWindowType maps ksqlDB's WINDOW_TYPE (TUMBLING, HOPPING or
// SESSION, in any case) to its key layout.
func ParseWindowType(s string) (WindowType, error) {
	switch strings.ToUpper(s) {
	case "TUMBLING", "HOPPING":
		return TimeWindows, nil
	case "SESSION":
		return SessionWindows, nil
	}
	return 0, fmt.Errorf("%w: unknown window type %q: use TUMBLING, HOPPING or SESSION", ErrInvalidFormat, s)
}

func (t WindowType) suffix() int {
	if t == SessionWindows {
		return 16
	}
	return 8
}

// AppendWindow appends the window bounds of a key of type t to dst, which
// holds the key's own bytes; a time window's end is implied by its size
// and not written.
func AppendWindow(dst []byte, t WindowType, startMs, endMs int64) []byte {
	if t == SessionWindows {
		dst = binary.BigEndian.AppendUint64(dst, uint64(endMs))
	}
	return binary.BigEndian.AppendUint64(dst, uint64(startMs))
}

// SplitWindow splits a windowed key of type t into the key's own bytes
// (sharing data) and the window's bounds. A time window ends size after
// its start, at most at the largest int64, as in Kafka Streams.
func SplitWindow(data []byte, t WindowType, size time.Duration) (key []byte, startMs, endMs int64, err error) {
	n := len(data) - t.suffix()
	if n < 0 {
		return nil, 0, 0, fmt.Errorf("%w: a %s-windowed key needs at least %d bytes, got %d", ErrDecode, t, t.suffix(), len(data))
	}
	startMs = int64(binary.BigEndian.Uint64(data[len(data)-8:]))
	if t == SessionWindows {
		endMs = int64(binary.BigEndian.Uint64(data[n:]))
	} else {
		endMs = startMs + size.Milliseconds()
		if endMs < startMs {
			endMs = math.MaxInt64
		}
	}
	return data[:n:n], startMs, endMs, nil
}

func (t WindowType) String() string {
	switch t {
	case TimeWindows:
		return "time"
	case SessionWindows:
		return "session"
	}
	return fmt.Sprintf("WindowType(%d)", uint8(t))
}

// windowedFormat is a key format whose records carry a window after the
// inner format's bytes. Its values are the inner format's columns followed
// by WINDOWSTART and WINDOWEND, BIGINT milliseconds as in ksqlDB.
type windowedFormat struct {
	inner Format
	typ   WindowType
	size  time.Duration
}

// Windowed returns the format of the keys of a windowed source or query
// over the inner key format: Decode appends the inner columns and then
// WINDOWSTART and WINDOWEND; Encode takes the same values, writing the
// inner columns and the window (a time window's WINDOWEND is implied by
// size and not written). size is the window's size for TimeWindows and is
// ignored for SessionWindows.
func Windowed(inner Format, t WindowType, size time.Duration) (Format, error) {
	switch t {
	case TimeWindows:
		if size <= 0 {
			return nil, fmt.Errorf("%w: time windows need a positive size, got %v", ErrInvalidFormat, size)
		}
	case SessionWindows:
		size = 0
	default:
		return nil, fmt.Errorf("%w: unknown window type %v", ErrInvalidFormat, t)
	}
	return &windowedFormat{inner: inner, typ: t, size: size}, nil
}

// Name is the inner format's: ksqlDB keeps the windowing apart from the
// format's name.
func (f *windowedFormat) Name() string { return f.inner.Name() }

func (f *windowedFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if data == nil {
		dst, err := f.inner.Decode(dst, nil)
		if err != nil {
			return dst, err
		}
		return appendNulls(dst, 2), nil
	}
	key, start, end, err := SplitWindow(data, f.typ, f.size)
	if err != nil {
		return dst, err
	}
	base := len(dst)
	dst, err = f.inner.Decode(dst, key)
	if err != nil {
		return dst[:base], err
	}
	return append(dst, types.BigInt(start), types.BigInt(end)), nil
}

func (f *windowedFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	n := len(vals) - 2
	if n < 0 {
		return dst, fmt.Errorf("%w: a windowed key needs WINDOWSTART and WINDOWEND, got %d values", ErrEncode, len(vals))
	}
	start, err := windowBound(vals[n], "WINDOWSTART")
	if err != nil {
		return dst, err
	}
	end := int64(0)
	if f.typ == SessionWindows {
		if end, err = windowBound(vals[n+1], "WINDOWEND"); err != nil {
			return dst, err
		}
	}
	base := len(dst)
	if dst == nil {
		dst = make([]byte, 0, 32) // never a null record: the window is always written
	}
	dst, err = f.inner.Encode(dst, vals[:n])
	if err != nil {
		return dst[:base], err
	}
	return AppendWindow(dst, f.typ, start, end), nil
}

// windowBound reads a window bound: BIGINT (or TIMESTAMP) milliseconds.
func windowBound(v types.Value, name string) (int64, error) {
	switch v.Kind() {
	case types.KindBigInt:
		return v.BigInt(), nil
	case types.KindTimestamp:
		return v.Timestamp(), nil
	}
	return 0, fmt.Errorf("%w: %s must be BIGINT milliseconds, got %s", ErrEncode, name, v.Kind())
}
