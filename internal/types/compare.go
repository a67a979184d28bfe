package types

import (
	"hash/maphash"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"unsafe"
)

// Equality, ordering and hashing of values.
//
// Numbers of different kinds compare by their exact mathematical value:
// INTEGER 1, BIGINT 1, DECIMAL 1.00 and DOUBLE 1.0 are all equal, and they
// hash alike. The SQL operators are compiled differently, as ksqlDB does:
// both operands are first converted to their CommonNumeric type, so
// DECIMAL 0.1 = DOUBLE 0.1 is true in SQL (the decimal becomes the double
// 0.1) while Equal says false (the double is not exactly one tenth).
//
// NULL equals NULL and sorts first: Equal and Compare describe identity of
// keys (IS NOT DISTINCT FROM), not SQL's three-valued comparisons, which
// the expression compiler handles. DOUBLE NaN equals itself and sorts
// after every number; -0.0 equals 0.0.
//
// Values of unrelated kinds are never equal and order by kind, so Compare
// is a total order over all values.

// Equal reports whether v and w are the same value; see the package
// notes on numbers and NULL. Decimals compare by value (1.0 equals 1.00),
// maps regardless of entry order, structs by field names and values.
func (v Value) Equal(w Value) bool {
	if v.kind == w.kind && v.kind-KindBoolean <= KindTime-KindBoolean {
		return v.n == w.n
	}
	return v.equal(w)
}

func (v Value) equal(w Value) bool {
	if v.kind != w.kind {
		if v.kind.IsNumeric() && w.kind.IsNumeric() {
			return compareNumeric(v, w) == 0
		}
		return false
	}
	switch v.kind {
	case KindNull:
		return true
	case KindDouble:
		return CompareDoubles(math.Float64frombits(v.n), math.Float64frombits(w.n)) == 0
	case KindDecimal:
		if v.p == nil && w.p == nil && v.x == w.x {
			return v.n == w.n
		}
		return v.dec().Cmp(w.dec()) == 0
	case KindString, KindBytes:
		return v.n == w.n && unsafe.String((*byte)(v.p), int(v.n)) == unsafe.String((*byte)(w.p), int(w.n))
	case KindArray:
		a, b := v.Elems(), w.Elems()
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	case KindMap:
		return mapsEqual(v.Pairs(), w.Pairs())
	case KindStruct:
		s, t := (*structData)(v.p), (*structData)(w.p)
		if len(s.vals) != len(t.vals) {
			return false
		}
		for i := range s.vals {
			if s.names[i] != t.names[i] || !s.vals[i].Equal(t.vals[i]) {
				return false
			}
		}
		return true
	}
	return v.n == w.n // BOOLEAN, INTEGER, BIGINT, TIMESTAMP, DATE, TIME
}

func mapsEqual(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
outer:
	for i := 0; i < len(a); i += 2 {
		// Most maps list equal keys in the same order.
		if a[i].Equal(b[i]) {
			if !a[i+1].Equal(b[i+1]) {
				return false
			}
			continue
		}
		for j := 0; j < len(b); j += 2 {
			if a[i].Equal(b[j]) {
				if !a[i+1].Equal(b[j+1]) {
					return false
				}
				continue outer
			}
		}
		return false
	}
	return true
}

// Compare returns -1, 0 or 1 as v sorts before, with, or after w. It is a
// total order consistent with Equal (Compare is 0 exactly when Equal is
// true). Within a kind it is SQL's order: false < true; numbers by value;
// strings by UTF-16 code units, as Java's String.compareTo (this differs
// from byte order only between U+E000..U+FFFF and characters beyond
// U+FFFF); bytes as signed bytes, as Java's ByteBuffer.compareTo; times
// chronologically; arrays element by element, then by length; structs
// field by field (name, then value); maps by their entries sorted by key.
func (v Value) Compare(w Value) int {
	if v.kind == w.kind && v.kind-KindBoolean <= KindTime-KindBoolean {
		return cmp64(int64(v.n), int64(w.n))
	}
	return v.compare(w)
}

func (v Value) compare(w Value) int {
	if v.kind != w.kind {
		cv, cw := v.kind.class(), w.kind.class()
		if cv != cw {
			return cmp64(int64(cv), int64(cw))
		}
		return compareNumeric(v, w)
	}
	switch v.kind {
	case KindNull:
		return 0
	case KindBoolean:
		return cmp64(int64(v.n), int64(w.n))
	case KindDouble:
		return CompareDoubles(math.Float64frombits(v.n), math.Float64frombits(w.n))
	case KindDecimal:
		if v.p == nil && w.p == nil && v.x == w.x {
			return cmp64(int64(v.n), int64(w.n))
		}
		return v.dec().Cmp(w.dec())
	case KindString:
		return compareUTF16(unsafe.String((*byte)(v.p), int(v.n)), unsafe.String((*byte)(w.p), int(w.n)))
	case KindBytes:
		return compareSignedBytes(v.Bytes(), w.Bytes())
	case KindArray:
		return compareSlices(v.Elems(), w.Elems())
	case KindMap:
		return compareMaps(v.Pairs(), w.Pairs())
	case KindStruct:
		s, t := (*structData)(v.p), (*structData)(w.p)
		for i := 0; i < len(s.vals) && i < len(t.vals); i++ {
			if c := compareUTF16(s.names[i], t.names[i]); c != 0 {
				return c
			}
			if c := s.vals[i].Compare(t.vals[i]); c != 0 {
				return c
			}
		}
		return cmp64(int64(len(s.vals)), int64(len(t.vals)))
	}
	return cmp64(int64(v.n), int64(w.n)) // INTEGER, BIGINT, TIMESTAMP, DATE, TIME
}

func compareSlices(a, b []Value) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := a[i].Compare(b[i]); c != 0 {
			return c
		}
	}
	return cmp64(int64(len(a)), int64(len(b)))
}

func compareMaps(a, b []Value) int {
	if mapsEqual(a, b) {
		return 0
	}
	sa, sb := sortedEntries(a), sortedEntries(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if c := a[sa[i]].Compare(b[sb[i]]); c != 0 {
			return c
		}
		if c := a[sa[i]+1].Compare(b[sb[i]+1]); c != 0 {
			return c
		}
	}
	return cmp64(int64(len(sa)), int64(len(sb)))
}

// sortedEntries returns the positions of the keys of pairs in key order.
func sortedEntries(pairs []Value) []int {
	idx := make([]int, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(i, j int) int { return pairs[i].Compare(pairs[j]) })
	return idx
}

// compareUTF16 orders strings as Java's String.compareTo does, by UTF-16
// code units. UTF-8 byte order is code point order, which agrees except
// that a character in U+E000..U+FFFF (lead byte 0xEE or 0xEF) sorts after
// a supplementary character (lead byte 0xF0..0xF4, a surrogate pair
// starting with 0xD800..0xDBFF in UTF-16). At the first differing byte
// both strings are at the same position of the same character, and only
// there can the two orders disagree.
func compareUTF16(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmp64(int64(len(a)), int64(len(b)))
	}
	ca, cb := a[i], b[i]
	if ca >= 0xEE && cb >= 0xEE && ca <= 0xF4 && cb <= 0xF4 {
		if sa, sb := ca >= 0xF0, cb >= 0xF0; sa != sb {
			if sa {
				return -1
			}
			return 1
		}
	}
	return cmp64(int64(ca), int64(cb))
}

func compareSignedBytes(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return cmp64(int64(int8(a[i])), int64(int8(b[i])))
		}
	}
	return cmp64(int64(len(a)), int64(len(b)))
}

// CompareDoubles orders doubles as SQL compares them: NaN above every
// number and equal to itself, -0 equal to 0.
func CompareDoubles(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	// At least one NaN; NaN sorts last and equals itself.
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

func isIntegerKind(k Kind) bool { return k == KindInt || k == KindBigInt }

// compareNumeric compares two numeric values of any kinds exactly.
func compareNumeric(v, w Value) int {
	switch {
	case isIntegerKind(v.kind) && isIntegerKind(w.kind):
		return cmp64(int64(v.n), int64(w.n))
	case v.kind == KindDouble && w.kind == KindDouble:
		return CompareDoubles(math.Float64frombits(v.n), math.Float64frombits(w.n))
	case v.kind == KindDouble:
		return -compareNumeric(w, v)
	case w.kind == KindDouble:
		f := math.Float64frombits(w.n)
		if isIntegerKind(v.kind) {
			return cmpIntFloat(int64(v.n), f)
		}
		return cmpDecFloat(v.dec(), f)
	}
	return numericDecimal(v).Cmp(numericDecimal(w))
}

// numericDecimal returns an INTEGER, BIGINT or DECIMAL value as a decimal.
func numericDecimal(v Value) Decimal {
	if v.kind == KindDecimal {
		return v.dec()
	}
	return Decimal{small: int64(v.n)}
}

func cmpIntFloat(i int64, f float64) int {
	switch {
	case f != f: // NaN sorts last
		return -1
	case f >= 0x1p63:
		return -1
	case f < -0x1p63:
		return 1
	}
	t := int64(f) // truncated; exact in this range
	if c := cmp64(i, t); c != 0 {
		return c
	}
	frac := f - float64(t)
	switch {
	case frac > 0:
		return -1
	case frac < 0:
		return 1
	}
	return 0
}

func cmpDecFloat(d Decimal, f float64) int {
	switch {
	case f != f, math.IsInf(f, 1):
		return -1
	case math.IsInf(f, -1):
		return 1
	}
	return d.Cmp(exactDecimal(f))
}

// exactDecimal returns the exact decimal value of a finite float64: every
// binary fraction m × 2^-k is the decimal m × 5^k × 10^-k.
func exactDecimal(f float64) Decimal {
	if f == 0 {
		return Decimal{}
	}
	frac, exp := math.Frexp(f) // f = frac × 2^exp, 0.5 <= |frac| < 1
	m := int64(frac * (1 << 53))
	e := exp - 53
	tz := bits.TrailingZeros64(uabs(m))
	m >>= tz
	e += tz
	if e >= 0 {
		if e < 10 {
			if c, ok := mul64(m, 1<<e); ok {
				return Decimal{small: c}
			}
		}
		return makeDecimal(new(big.Int).Lsh(big.NewInt(m), uint(e)), 0)
	}
	k := -e
	if k < len(pow5Int) {
		if c, ok := mul64(m, pow5Int[k]); ok {
			return Decimal{small: c, scale: int32(k)}
		}
	}
	p := new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(k)), nil)
	return makeDecimal(p.Mul(p, big.NewInt(m)), int32(k))
}

var pow5Int = func() [28]int64 {
	var t [28]int64
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 5
	}
	return t
}()

// hashSeed keys the hashes of strings and bytes. Hashes are stable within
// a process only: they serve in-memory tables, never storage or
// partitioning (which hash serialized keys).
var hashSeed = maphash.MakeSeed()

// Distinct starting points per kind, so that equal payloads of unrelated
// kinds (a TIMESTAMP and a BIGINT, a STRING and BYTES) rarely collide.
const (
	hNull uint64 = 0x6a09e667f3bcc908 ^ iota<<56
	hBool
	hInt
	hFloat
	hNaN
	hDecimal
	hString
	hBytes
	hTimestamp
	hDate
	hTime
	hArray
	hMap
	hStruct
)

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func hashInt(i int64) uint64 { return mix(uint64(i) ^ hInt) }

func hashFloat(f float64) uint64 { return mix(math.Float64bits(f) ^ hFloat) }

// Hash returns a hash of v for in-memory hash tables: values that are
// Equal have equal hashes, across numeric kinds too (BIGINT 2, DECIMAL
// 2.0 and DOUBLE 2.0 hash alike). Hashes differ between processes.
func (v Value) Hash() uint64 {
	switch v.kind {
	case KindNull:
		return hNull
	case KindBoolean:
		return mix(v.n ^ hBool)
	case KindInt, KindBigInt:
		return hashInt(int64(v.n))
	case KindDouble:
		return hashDouble(math.Float64frombits(v.n))
	case KindDecimal:
		return hashDecimal(v.dec())
	case KindString:
		return maphash.String(hashSeed, unsafe.String((*byte)(v.p), int(v.n))) ^ hString
	case KindBytes:
		return maphash.Bytes(hashSeed, v.Bytes()) ^ hBytes
	case KindTimestamp:
		return mix(v.n ^ hTimestamp)
	case KindDate:
		return mix(v.n ^ hDate)
	case KindTime:
		return mix(v.n ^ hTime)
	case KindArray:
		return HashValues(v.Elems()) ^ hArray
	case KindMap:
		// Order-insensitive, as Equal is: a sum of per-entry hashes.
		pairs := v.Pairs()
		h := hMap + uint64(len(pairs))
		for i := 0; i < len(pairs); i += 2 {
			h += mix(pairs[i].Hash() ^ bits.RotateLeft64(pairs[i+1].Hash(), 29))
		}
		return mix(h)
	case KindStruct:
		return HashValues((*structData)(v.p).vals) ^ hStruct
	}
	return 0
}

// HashValues hashes a sequence of values, such as the columns of a
// grouping or join key; sequences that are Equal element by element hash
// alike.
func HashValues(vals []Value) uint64 {
	h := uint64(len(vals)) * 0x9e3779b97f4a7c15
	for i := range vals {
		h = mix(h ^ vals[i].Hash() + 0x9e3779b97f4a7c15)
	}
	return h
}

func hashDouble(f float64) uint64 {
	switch {
	case f != f:
		return mix(hNaN)
	case f >= -0x1p63 && f < 0x1p63 && f == math.Trunc(f):
		return hashInt(int64(f)) // also maps -0.0 to 0
	}
	return hashFloat(f)
}

// hashDecimal hashes the exact value of d, in the same way as an equal
// INTEGER, BIGINT or DOUBLE would be hashed: integers in int64 range as
// integers, other values that a float64 holds exactly as that float64,
// the rest by their digits with trailing zeros dropped.
func hashDecimal(d Decimal) uint64 {
	if d.big == nil {
		u, s := d.small, d.scale
		if u == 0 {
			return hashInt(0)
		}
		for s > 0 && u%10 == 0 {
			u /= 10
			s--
		}
		if s < 0 {
			c, ok := mulPow10(u, -int64(s))
			if !ok {
				return hashBigDecimal(big.NewInt(u), s)
			}
			u, s = c, 0
		}
		if s == 0 {
			return hashInt(u)
		}
		if int(s) < len(pow5Int) && u%pow5Int[s] == 0 {
			if f, ok := exactLdexp(u/pow5Int[s], -int(s)); ok {
				return hashFloat(f)
			}
		}
		return mix(uint64(u) ^ mix(uint64(s)^hDecimal))
	}
	return hashBigDecimal(d.big, d.scale)
}

// exactLdexp returns q × 2^e if a float64 holds it exactly (|e| small).
func exactLdexp(q int64, e int) (float64, bool) {
	m := uabs(q)
	tz := bits.TrailingZeros64(m)
	if m>>tz >= 1<<53 {
		return 0, false
	}
	return math.Ldexp(float64(q), e), true
}

func hashBigDecimal(unscaled *big.Int, scale int32) uint64 {
	u := new(big.Int).Set(unscaled)
	if scale < 0 {
		u.Mul(u, bigPow10(-int64(scale)))
		scale = 0
	}
	ten := bigPow10Table[1]
	q, r := new(big.Int), new(big.Int)
	for scale > 0 {
		q.QuoRem(u, ten, r)
		if r.Sign() != 0 {
			break
		}
		u, q = q, u
		scale--
	}
	if u.IsInt64() {
		return hashDecimal(Decimal{small: u.Int64(), scale: scale})
	}
	// u is now the canonical unscaled value. Does a float64 hold it?
	m := u
	if scale > 0 {
		m, r = new(big.Int).QuoRem(u, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(scale)), nil), r)
	}
	if r.Sign() == 0 || scale == 0 {
		bf := new(big.Float).SetInt(m)
		bf.SetMantExp(bf, -int(scale))
		if f, acc := bf.Float64(); acc == big.Exact {
			return hashFloat(f)
		}
	}
	h := maphash.Bytes(hashSeed, u.Bytes())
	if u.Sign() < 0 {
		h = ^h
	}
	return mix(h ^ mix(uint64(scale)^hDecimal))
}
