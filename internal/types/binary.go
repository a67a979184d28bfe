package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"unsafe"
)

// The binary encoding of values is Sluice's own, for what only Sluice
// reads back (state stores): compact and several times cheaper than
// JSON both ways. Each value is a kind byte followed by its payload:
//
//	NULL                   nothing
//	BOOLEAN                one byte, 0 or 1
//	INTEGER ... TIME       zigzag varint
//	DOUBLE                 8 bytes, IEEE bits, little endian
//	DECIMAL                uvarint scale, then zigzag varint unscaled; or,
//	                       after the kind byte decimalBig, uvarint scale,
//	                       sign byte, uvarint length, big-endian magnitude
//	STRING, BYTES          uvarint length, bytes
//	ARRAY, MAP, STRUCT     uvarint count (elements, pairs' values, fields),
//	                       then the values
//
// A struct's field names are not written: the type read with gives them.

// decimalBig marks a decimal whose unscaled value needs a big.Int.
const decimalBig = 0x80 | byte(KindDecimal)

// ErrBinary is the cause of every error of ReadBinary.
var ErrBinary = errors.New("types: malformed binary value")

// AppendBinary appends the binary encoding of v to b.
func AppendBinary(b []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return append(b, byte(KindNull))
	case KindBoolean:
		return append(b, byte(KindBoolean), byte(v.n))
	case KindInt, KindBigInt, KindTimestamp, KindDate, KindTime:
		return binary.AppendVarint(append(b, byte(v.kind)), int64(v.n))
	case KindDouble:
		return binary.LittleEndian.AppendUint64(append(b, byte(KindDouble)), v.n)
	case KindDecimal:
		if v.p == nil {
			b = binary.AppendUvarint(append(b, byte(KindDecimal)), uint64(v.x))
			return binary.AppendVarint(b, int64(v.n))
		}
		u := (*big.Int)(v.p)
		b = binary.AppendUvarint(append(b, decimalBig), uint64(v.x))
		sign := byte(0)
		if u.Sign() < 0 {
			sign = 1
		}
		mag := u.Bytes()
		b = binary.AppendUvarint(append(b, sign), uint64(len(mag)))
		return append(b, mag...)
	case KindString, KindBytes:
		b = binary.AppendUvarint(append(b, byte(v.kind)), v.n)
		return append(b, unsafe.Slice((*byte)(v.p), int(v.n))...)
	case KindArray, KindMap:
		elems := unsafe.Slice((*Value)(v.p), int(v.n))
		b = binary.AppendUvarint(append(b, byte(v.kind)), uint64(len(elems)))
		for _, e := range elems {
			b = AppendBinary(b, e)
		}
		return b
	case KindStruct:
		vals := v.Fields()
		b = binary.AppendUvarint(append(b, byte(KindStruct)), uint64(len(vals)))
		for _, f := range vals {
			b = AppendBinary(b, f)
		}
		return b
	}
	panic(fmt.Sprintf("types: AppendBinary of a value of kind %d", v.kind))
}

// ReadBinary decodes one value of type t from the front of b and returns
// it with the rest of b. The value owns its memory: b may be reused.
func ReadBinary(b []byte, t Type) (Value, []byte, error) { return readBinary(b, t, false) }

// ReadBinaryShared is ReadBinary for a b that stays unchanged while the
// value is in use: strings and bytes point into b instead of being copied.
func ReadBinaryShared(b []byte, t Type) (Value, []byte, error) { return readBinary(b, t, true) }

func readBinary(b []byte, t Type, shared bool) (Value, []byte, error) {
	if len(b) == 0 {
		return Value{}, nil, fmt.Errorf("%w: empty", ErrBinary)
	}
	tag, b := b[0], b[1:]
	switch k := Kind(tag); {
	case k == KindNull:
		return Value{}, b, nil
	case k == KindBoolean:
		if len(b) == 0 || b[0] > 1 {
			return Value{}, nil, fmt.Errorf("%w: boolean", ErrBinary)
		}
		return Bool(b[0] == 1), b[1:], nil
	case k >= KindInt && k <= KindTime:
		n, w := binary.Varint(b)
		if w <= 0 {
			return Value{}, nil, fmt.Errorf("%w: %s", ErrBinary, k)
		}
		return Value{kind: k, n: uint64(n)}, b[w:], nil
	case k == KindDouble:
		if len(b) < 8 {
			return Value{}, nil, fmt.Errorf("%w: double", ErrBinary)
		}
		return Value{kind: KindDouble, n: binary.LittleEndian.Uint64(b)}, b[8:], nil
	case k == KindDecimal || tag == decimalBig:
		scale, w := binary.Uvarint(b)
		if w <= 0 || scale > math.MaxInt32 {
			return Value{}, nil, fmt.Errorf("%w: decimal scale", ErrBinary)
		}
		b = b[w:]
		if tag == byte(KindDecimal) {
			n, w := binary.Varint(b)
			if w <= 0 {
				return Value{}, nil, fmt.Errorf("%w: decimal", ErrBinary)
			}
			return Dec(NewDecimal(n, int32(scale))), b[w:], nil
		}
		if len(b) == 0 || b[0] > 1 {
			return Value{}, nil, fmt.Errorf("%w: decimal sign", ErrBinary)
		}
		neg := b[0] == 1
		mag, rest, err := readLength(b[1:], "decimal")
		if err != nil {
			return Value{}, nil, err
		}
		u := new(big.Int).SetBytes(mag)
		if neg {
			u.Neg(u)
		}
		return Dec(makeDecimal(u, int32(scale))), rest, nil
	case k == KindString:
		s, rest, err := readLength(b, "string")
		if err != nil {
			return Value{}, nil, err
		}
		if shared {
			return Str(unsafe.String(unsafe.SliceData(s), len(s))), rest, nil
		}
		return Str(string(s)), rest, nil
	case k == KindBytes:
		s, rest, err := readLength(b, "bytes")
		if err != nil {
			return Value{}, nil, err
		}
		if shared {
			return Bytes(s[:len(s):len(s)]), rest, nil
		}
		return Bytes(append([]byte{}, s...)), rest, nil
	case k == KindArray, k == KindMap, k == KindStruct:
		n, w := binary.Uvarint(b)
		// Every value takes at least a byte: a count beyond the bytes
		// left is malformed, and is not allocated.
		if w <= 0 || n > uint64(len(b)-w) {
			return Value{}, nil, fmt.Errorf("%w: %s count", ErrBinary, k)
		}
		b = b[w:]
		if k == KindStruct && (t.Kind() != KindStruct || int(n) != t.NumFields()) {
			return Value{}, nil, fmt.Errorf("%w: a struct of %d fields read as %s", ErrBinary, n, t)
		}
		vals := make([]Value, n)
		for i := range vals {
			var et Type
			switch k {
			case KindArray:
				et = t.Elem()
			case KindMap:
				if i%2 == 0 {
					et = t.Key()
				} else {
					et = t.Elem()
				}
			default:
				et = t.Field(i).Type
			}
			var err error
			if vals[i], b, err = readBinary(b, et, shared); err != nil {
				return Value{}, nil, err
			}
		}
		switch k {
		case KindArray:
			return Array(vals), b, nil
		case KindMap:
			if n%2 != 0 {
				return Value{}, nil, fmt.Errorf("%w: a map of %d values", ErrBinary, n)
			}
			return MapPairs(vals), b, nil
		}
		return Struct(t.FieldNames(), vals), b, nil
	}
	return Value{}, nil, fmt.Errorf("%w: kind byte %#x", ErrBinary, tag)
}

func readLength(b []byte, what string) (s, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, fmt.Errorf("%w: %s length", ErrBinary, what)
	}
	b = b[w:]
	return b[:n], b[n:], nil
}
