package state

import (
	"encoding/binary"
	"math"
)

// Key space of the database. Every sub-store owns the keys starting with
// its prefix: a kind byte, the name's length and the name, so that two
// names can never share keys however they are spelled.
const (
	kindMeta byte = 0x00 // the checkpoint record
	kindKV   byte = 0x01
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
