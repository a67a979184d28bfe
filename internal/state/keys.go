package state

import (
	"encoding/binary"
	"errors"
	"math"
)

// Key space of the database. Every sub-store owns the keys starting with
// its prefix: a kind byte, the name's length and the name, so that two
// names can never share keys however they are spelled.
const (
	kindMeta        byte = 0x00 // the checkpoint record
	kindKV          byte = 0x01
	kindWindow      byte = 0x02 // windows, ordered by (key, start, end)
	kindWindowIndex byte = 0x03 // the same windows ordered by start, for purging
)

var checkpointKey = []byte{kindMeta, 'c', 'h', 'e', 'c', 'k', 'p', 'o', 'i', 'n', 't'}

func storePrefix(kind byte, name string) []byte {
	if len(name) > math.MaxUint16 {
		panic("state: store name longer than 65535 bytes")
	}
	p := make([]byte, 0, 3+len(name))
	p = append(p, kind)
	p = binary.BigEndian.AppendUint16(p, uint16(len(name)))
	return append(p, name...)
}

// prefixEnd is the smallest key greater than every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// appendTime encodes ms so that byte order is numeric order, negatives
// included.
func appendTime(b []byte, ms int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(ms)^(1<<63))
}

func readTime(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// A user key inside a window key is escaped (0x00 becomes 0x00 0xff) and
// terminated by 0x00 0x01. The result sorts as the raw keys do and no
// encoded key is a prefix of another, so all windows of one key are
// contiguous and come before those of any longer key sharing its bytes.
func appendEscaped(b, key []byte) []byte {
	for _, c := range key {
		if c == 0 {
			b = append(b, 0, 0xff)
		} else {
			b = append(b, c)
		}
	}
	return append(b, 0, 1)
}

var errCorruptKey = errors.New("state: malformed window key")

// readEscaped decodes a key written by appendEscaped and returns the rest.
func readEscaped(b []byte) (key, rest []byte, err error) {
	key = []byte{}
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			key = append(key, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, nil, errCorruptKey
		}
		switch b[i+1] {
		case 0xff:
			key = append(key, 0)
			i++
		case 1:
			return key, b[i+2:], nil
		default:
			return nil, nil, errCorruptKey
		}
	}
	return nil, nil, errCorruptKey
}
