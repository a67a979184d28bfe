package types

import (
	"math"
	"math/big"
	"unsafe"
)

// Value is one SQL value: a compact tagged union of 24 bytes, passed by
// value. Fixed-width values (BOOLEAN, INTEGER, BIGINT, DOUBLE, TIMESTAMP,
// DATE, TIME, and decimals whose unscaled value fits in an int64) live
// inline and are never boxed, so making, reading, comparing and hashing
// them does not allocate. STRING, BYTES, ARRAY and MAP values point at
// the caller's memory without copying it; a STRUCT allocates one small
// header.
//
// The zero Value is NULL. A NULL has no type: the schema says what type a
// column's NULL is.
//
// Values are immutable by convention: the slices a Value was made from,
// or that its accessors return, must not be modified while it is in use.
// Accessors panic when called on a value of another kind (NULL included),
// as reflect does; check Kind or IsNull first.
type Value struct {
	// p points at string or bytes data, the first element of an array or
	// of a map's key/value pairs, a *structData, or a decimal's *big.Int.
	p unsafe.Pointer
	// n holds fixed-width payloads (booleans as 0/1, INTEGER and DATE
	// sign-extended, DOUBLE as IEEE bits, decimal unscaled values), or the
	// length of strings, bytes, arrays and pair lists.
	n    uint64
	x    uint32 // decimal scale
	kind Kind
}

type structData struct {
	names []string
	vals  []Value
}

// Null returns NULL, which is also the zero Value.
func Null() Value { return Value{} }

// Bool returns a BOOLEAN value.
func Bool(b bool) Value {
	var n uint64
	if b {
		n = 1
	}
	return Value{kind: KindBoolean, n: n}
}

// Int returns an INTEGER value.
func Int(i int32) Value { return Value{kind: KindInt, n: uint64(int64(i))} }

// BigInt returns a BIGINT value.
func BigInt(i int64) Value { return Value{kind: KindBigInt, n: uint64(i)} }

// Double returns a DOUBLE value.
func Double(f float64) Value { return Value{kind: KindDouble, n: math.Float64bits(f)} }

// Str returns a STRING value sharing s's bytes.
func Str(s string) Value {
	return Value{kind: KindString, p: unsafe.Pointer(unsafe.StringData(s)), n: uint64(len(s))}
}

// Bytes returns a BYTES value sharing b (which must then not be
// modified). A nil b is an empty BYTES value, not NULL.
func Bytes(b []byte) Value {
	return Value{kind: KindBytes, p: unsafe.Pointer(unsafe.SliceData(b)), n: uint64(len(b))}
}

// Dec returns a DECIMAL value. It does not allocate.
func Dec(d Decimal) Value {
	if d.big != nil {
		return Value{kind: KindDecimal, p: unsafe.Pointer(d.big), x: uint32(d.scale)}
	}
	return Value{kind: KindDecimal, n: uint64(d.small), x: uint32(d.scale)}
}

// Timestamp returns a TIMESTAMP value: milliseconds since the Unix epoch,
// no time zone.
func Timestamp(ms int64) Value { return Value{kind: KindTimestamp, n: uint64(ms)} }

// Date returns a DATE value: days since the Unix epoch.
func Date(days int32) Value { return Value{kind: KindDate, n: uint64(int64(days))} }

// Time returns a TIME value: milliseconds since midnight.
func Time(ms int32) Value { return Value{kind: KindTime, n: uint64(int64(ms))} }

// Array returns an ARRAY value sharing elems.
func Array(elems []Value) Value {
	return Value{kind: KindArray, p: unsafe.Pointer(unsafe.SliceData(elems)), n: uint64(len(elems))}
}

// MapPairs returns a MAP value sharing pairs, which alternates keys and
// values: k0, v0, k1, v1, ... The keys must be distinct; their order is
// kept (ksqlDB keeps insertion order, and prints maps in it). MapPairs
// panics if len(pairs) is odd.
func MapPairs(pairs []Value) Value {
	if len(pairs)%2 != 0 {
		panic("types: MapPairs needs an even number of values")
	}
	return Value{kind: KindMap, p: unsafe.Pointer(unsafe.SliceData(pairs)), n: uint64(len(pairs))}
}

// Map returns a MAP value of keys[i] -> vals[i], in that order. As in a
// Java LinkedHashMap, a repeated key keeps its first position and takes
// its last value. Map copies its arguments; it panics if their lengths
// differ.
func Map(keys, vals []Value) Value {
	if len(keys) != len(vals) {
		panic("types: Map needs as many values as keys")
	}
	pairs := make([]Value, 0, 2*len(keys))
	var index map[uint64][]int // key hash -> positions in pairs, for large maps
	if len(keys) > 16 {
		index = make(map[uint64][]int, len(keys))
	}
next:
	for i, k := range keys {
		if index != nil {
			h := k.Hash()
			for _, j := range index[h] {
				if pairs[j].Equal(k) {
					pairs[j+1] = vals[i]
					continue next
				}
			}
			index[h] = append(index[h], len(pairs))
		} else {
			for j := 0; j < len(pairs); j += 2 {
				if pairs[j].Equal(k) {
					pairs[j+1] = vals[i]
					continue next
				}
			}
		}
		pairs = append(pairs, k, vals[i])
	}
	return MapPairs(pairs)
}

// Struct returns a STRUCT value with the given field names and values,
// sharing both slices (names typically come from Type.FieldNames). It
// panics if their lengths differ.
func Struct(names []string, vals []Value) Value {
	if len(names) != len(vals) {
		panic("types: Struct needs as many values as field names")
	}
	return Value{kind: KindStruct, p: unsafe.Pointer(&structData{names: names, vals: vals})}
}

// Kind returns the kind of v; KindNull for NULL.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.kind == KindNull }

// wrongKind panics; it is kept out of line so that accessors inline.
//
//go:noinline
func wrongKind(method string, got Kind) {
	panic("types: Value." + method + " called on a " + got.String() + " value")
}

// Bool returns the value of a BOOLEAN.
func (v Value) Bool() bool {
	if v.kind != KindBoolean {
		wrongKind("Bool", v.kind)
	}
	return v.n != 0
}

// Int returns the value of an INTEGER.
func (v Value) Int() int32 {
	if v.kind != KindInt {
		wrongKind("Int", v.kind)
	}
	return int32(v.n)
}

// BigInt returns the value of a BIGINT.
func (v Value) BigInt() int64 {
	if v.kind != KindBigInt {
		wrongKind("BigInt", v.kind)
	}
	return int64(v.n)
}

// Double returns the value of a DOUBLE.
func (v Value) Double() float64 {
	if v.kind != KindDouble {
		wrongKind("Double", v.kind)
	}
	return math.Float64frombits(v.n)
}

// Str returns the value of a STRING, without copying.
func (v Value) Str() string {
	if v.kind != KindString {
		wrongKind("Str", v.kind)
	}
	return unsafe.String((*byte)(v.p), int(v.n))
}

// Bytes returns the value of a BYTES, without copying: read only.
func (v Value) Bytes() []byte {
	if v.kind != KindBytes {
		wrongKind("Bytes", v.kind)
	}
	return unsafe.Slice((*byte)(v.p), int(v.n))
}

// Dec returns the value of a DECIMAL.
func (v Value) Dec() Decimal {
	if v.kind != KindDecimal {
		wrongKind("Dec", v.kind)
	}
	return v.dec()
}

func (v Value) dec() Decimal {
	return Decimal{big: (*big.Int)(v.p), small: int64(v.n), scale: int32(v.x)}
}

// Timestamp returns the milliseconds since the epoch of a TIMESTAMP.
func (v Value) Timestamp() int64 {
	if v.kind != KindTimestamp {
		wrongKind("Timestamp", v.kind)
	}
	return int64(v.n)
}

// Date returns the days since the epoch of a DATE.
func (v Value) Date() int32 {
	if v.kind != KindDate {
		wrongKind("Date", v.kind)
	}
	return int32(v.n)
}

// Time returns the milliseconds since midnight of a TIME.
func (v Value) Time() int32 {
	if v.kind != KindTime {
		wrongKind("Time", v.kind)
	}
	return int32(v.n)
}

// Len returns the length in bytes of a STRING or BYTES, the number of
// elements of an ARRAY, of entries of a MAP, of fields of a STRUCT.
func (v Value) Len() int {
	switch v.kind {
	case KindString, KindBytes, KindArray:
		return int(v.n)
	case KindMap:
		return int(v.n / 2)
	case KindStruct:
		return len((*structData)(v.p).vals)
	}
	wrongKind("Len", v.kind)
	return 0
}

// Elems returns the elements of an ARRAY: read only.
func (v Value) Elems() []Value {
	if v.kind != KindArray {
		wrongKind("Elems", v.kind)
	}
	return unsafe.Slice((*Value)(v.p), int(v.n))
}

// Index returns the i-th element of an ARRAY, counting from 0.
func (v Value) Index(i int) Value { return v.Elems()[i] }

// Pairs returns the keys and values of a MAP, alternating, in insertion
// order: read only.
func (v Value) Pairs() []Value {
	if v.kind != KindMap {
		wrongKind("Pairs", v.kind)
	}
	return unsafe.Slice((*Value)(v.p), int(v.n))
}

// MapKey returns the key of the i-th entry of a MAP.
func (v Value) MapKey(i int) Value { return v.Pairs()[2*i] }

// MapElem returns the value of the i-th entry of a MAP.
func (v Value) MapElem(i int) Value { return v.Pairs()[2*i+1] }

// MapGet returns the value a MAP holds for key (compared with Equal).
func (v Value) MapGet(key Value) (Value, bool) {
	pairs := v.Pairs()
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i].Equal(key) {
			return pairs[i+1], true
		}
	}
	return Value{}, false
}

// FieldNames returns the field names of a STRUCT: read only.
func (v Value) FieldNames() []string {
	if v.kind != KindStruct {
		wrongKind("FieldNames", v.kind)
	}
	return (*structData)(v.p).names
}

// Fields returns the field values of a STRUCT, in order: read only.
func (v Value) Fields() []Value {
	if v.kind != KindStruct {
		wrongKind("Fields", v.kind)
	}
	return (*structData)(v.p).vals
}

// Field returns the i-th field value of a STRUCT.
func (v Value) Field(i int) Value { return v.Fields()[i] }

// FieldByName returns the value of the STRUCT field called name
// (case-sensitive).
func (v Value) FieldByName(name string) (Value, bool) {
	if v.kind != KindStruct {
		wrongKind("FieldByName", v.kind)
	}
	s := (*structData)(v.p)
	for i, n := range s.names {
		if n == name {
			return s.vals[i], true
		}
	}
	return Value{}, false
}
