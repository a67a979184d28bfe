package types

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// corpus returns values of every kind, with many numbers equal across
// kinds and representations, and maps equal up to entry order.
func corpus(r *rand.Rand) []Value {
	var vs []Value
	add := func(v ...Value) { vs = append(vs, v...) }
	add(Null(), Bool(false), Bool(true))
	// The same numbers as INTEGER, BIGINT, DOUBLE and DECIMAL at several scales.
	for _, n := range []int64{0, 1, -1, 2, 7, -7, 10, 100, 1 << 31, 1 << 53, 1<<53 + 1, math.MaxInt64, math.MinInt64} {
		if n == int64(int32(n)) {
			add(Int(int32(n)))
		}
		add(BigInt(n), Dec(NewDecimal(n, 0)), Dec(NewDecimal(n, 0).Rescale(3, RoundDown)))
		if float64(n) == float64(int64(float64(n))) && int64(float64(n)) == n {
			add(Double(float64(n)))
		}
	}
	for _, s := range []string{
		"0.5", "-0.5", "0.50", "0.1", "0.10", "2.5", "1E+3", "1000.000", "0.000000000000000000001",
		"1180591620717411303424", "1180591620717411303424.00", // 2^70, exact as a double
		"9223372036854775808", "-9223372036854775809", "12345678987654321.2345678987654321",
		"0.1000000000000000055511151231257827021181583404541015625", // the double 0.1, exactly
		"1E+400", "-1E-400", "0.125", "0.1250", "3.14159265358979323846264338327950288",
	} {
		add(Dec(MustParseDecimal(s)))
	}
	add(Double(0.5), Double(-0.5), Double(0.1), Double(2.5), Double(1000), Double(0.125),
		Double(0x1p70), Double(0x1p63), Double(-0x1p63), Double(1e300), Double(-1e-300),
		Double(math.Copysign(0, -1)), Double(math.Inf(1)), Double(math.Inf(-1)),
		Double(math.NaN()), Double(math.Float64frombits(0x7ff8000000000001)))
	// Random numbers.
	for i := 0; i < 40; i++ {
		n := r.Int64N(2000) - 1000
		s := int32(r.IntN(4))
		add(BigInt(n), Dec(NewDecimal(n, s)), Double(float64(n)/8))
	}
	// Strings and bytes, including the UTF-16 ordering corner.
	for _, s := range []string{"", "a", "ab", "b", "A", "é", "\uE000", "\uFFFF", "😀", "😀a", "\U0010FFFF", "a\x00", "zzz"} {
		add(Str(s), Bytes([]byte(s)))
	}
	add(Bytes([]byte{0x80}), Bytes([]byte{0x7f}), Bytes([]byte{0xff, 0x00}))
	add(Timestamp(0), Timestamp(-1), Timestamp(1), Date(0), Date(1), Time(0), Time(1000))
	// Containers.
	add(Array(nil), Array([]Value{Int(1)}), Array([]Value{BigInt(1)}), Array([]Value{Int(1), Int(2)}),
		Array([]Value{Dec(MustParseDecimal("1.0")), Double(2)}), Array([]Value{Null()}), Array([]Value{Str("a")}))
	add(Map(nil, nil),
		Map([]Value{Str("a"), Str("b")}, []Value{Int(1), Int(2)}),
		Map([]Value{Str("b"), Str("a")}, []Value{Int(2), Int(1)}),
		Map([]Value{Str("b"), Str("a")}, []Value{BigInt(2), Dec(MustParseDecimal("1.00"))}),
		Map([]Value{Str("a"), Str("c")}, []Value{Int(1), Int(2)}),
		Map([]Value{Str("a")}, []Value{Int(1)}),
		Map([]Value{Int(1), Int(2), Int(3)}, []Value{Null(), Null(), Null()}),
		Map([]Value{Int(3), Int(1), Int(2)}, []Value{Null(), Null(), Null()}))
	add(Struct(nil, nil),
		Struct([]string{"A"}, []Value{Int(1)}),
		Struct([]string{"A"}, []Value{BigInt(1)}),
		Struct([]string{"a"}, []Value{Int(1)}),
		Struct([]string{"A", "B"}, []Value{Int(1), Null()}),
		Struct([]string{"A", "B"}, []Value{Int(1), Str("x")}))
	return vs
}

func TestEqualCompareHashConsistency(t *testing.T) {
	vs := corpus(rand.New(rand.NewPCG(1, 2)))
	for _, a := range vs {
		if !a.Equal(a) || a.Compare(a) != 0 {
			t.Errorf("%v (%v) is not equal to itself", a, a.Kind())
		}
		for _, b := range vs {
			eq, c, rc := a.Equal(b), a.Compare(b), b.Compare(a)
			if eq != (c == 0) {
				t.Errorf("Equal(%v %v, %v %v) = %v but Compare = %d", a.Kind(), a, b.Kind(), b, eq, c)
			}
			if c != -rc {
				t.Errorf("Compare(%v, %v) = %d but reverse = %d", a, b, c, rc)
			}
			if eq != b.Equal(a) {
				t.Errorf("Equal(%v, %v) not symmetric", a, b)
			}
			if eq && a.Hash() != b.Hash() {
				t.Errorf("Equal %v %v and %v %v hash differently", a.Kind(), a, b.Kind(), b)
			}
		}
	}
	// Transitivity over random triples.
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		a, b, c := vs[r.IntN(len(vs))], vs[r.IntN(len(vs))], vs[r.IntN(len(vs))]
		if a.Compare(b) <= 0 && b.Compare(c) <= 0 && a.Compare(c) > 0 {
			t.Fatalf("not transitive: %v <= %v <= %v but %v > %v", a, b, c, a, c)
		}
	}
}

func TestHashSpreads(t *testing.T) {
	seen := map[uint64]bool{}
	for i := int64(0); i < 10000; i++ {
		seen[BigInt(i).Hash()] = true
		seen[Str(strings.Repeat("x", int(i%50))+string(rune('a'+i%26))+itoa(i)).Hash()] = true
	}
	if len(seen) < 19990 {
		t.Errorf("only %d distinct hashes of 20000 values", len(seen))
	}
	if Str("a").Hash() == Bytes([]byte("a")).Hash() || Timestamp(5).Hash() == BigInt(5).Hash() {
		t.Error("unrelated kinds with equal payloads should not collide")
	}
	if HashValues([]Value{Int(1), Int(2)}) == HashValues([]Value{Int(2), Int(1)}) {
		t.Error("HashValues must depend on order")
	}
}

func TestCompareOrders(t *testing.T) {
	// Each list is in strictly increasing order.
	lists := [][]Value{
		{Null(), Bool(false), Bool(true), Int(-5), Double(math.NaN()), Timestamp(0), Date(0), Time(0), Str(""), Bytes(nil), Array(nil), Map(nil, nil), Struct(nil, nil)},
		{Double(math.Inf(-1)), BigInt(math.MinInt64), Double(-1.5), Int(-1), Dec(MustParseDecimal("-0.5")), Double(0),
			Dec(MustParseDecimal("0.1")), Double(0.1), Dec(MustParseDecimal("0.10000000000000001")), Int(1),
			Double(1.5), BigInt(math.MaxInt64), Double(0x1p63), Dec(MustParseDecimal("1E+400")), Double(math.Inf(1)), Double(math.NaN())},
		// Java's String.compareTo: "\uFFFF" > "😀" (a surrogate pair starting with 0xD83D).
		{Str(""), Str("A"), Str("B"), Str("a"), Str("ab"), Str("é"), Str("😀"), Str("\U0010FFFF"), Str("\uE000"), Str("\uFFFF")},
		// Java's ByteBuffer.compareTo compares signed bytes.
		{Bytes(nil), Bytes([]byte{0x80}), Bytes([]byte{0xff}), Bytes([]byte{0}), Bytes([]byte{0, 0}), Bytes([]byte{0x7f})},
		{Array(nil), Array([]Value{Null()}), Array([]Value{Int(1)}), Array([]Value{Int(1), Int(0)}), Array([]Value{Int(2)})},
		{Struct([]string{"A"}, []Value{Int(1)}), Struct([]string{"A"}, []Value{Int(2)}), Struct([]string{"A", "B"}, []Value{Int(2), Int(0)}), Struct([]string{"B"}, []Value{Int(0)})},
		{Map([]Value{Int(1)}, []Value{Int(1)}), Map([]Value{Int(2), Int(1)}, []Value{Int(0), Int(2)}), Map([]Value{Int(1), Int(3)}, []Value{Int(2), Int(0)}), Map([]Value{Int(2)}, []Value{Int(0)})},
	}
	for _, l := range lists {
		for i := range l {
			for j := range l {
				if got := l[i].Compare(l[j]); got != cmp64(int64(i), int64(j)) {
					t.Errorf("Compare(%v %v, %v %v) = %d", l[i].Kind(), l[i], l[j].Kind(), l[j], got)
				}
			}
		}
	}
}

func TestNumericEquality(t *testing.T) {
	eq := [][2]Value{
		{Int(1), BigInt(1)},
		{BigInt(2), Dec(MustParseDecimal("2.000"))},
		{Double(2), Dec(MustParseDecimal("2.0"))},
		{Double(0.5), Dec(MustParseDecimal("0.50"))},
		{Double(0x1p70), Dec(MustParseDecimal("1180591620717411303424"))},
		{Double(0), Double(math.Copysign(0, -1))},
		{Double(math.NaN()), Double(-math.NaN())},
		{Dec(MustParseDecimal("1E+3")), Int(1000)},
	}
	for _, p := range eq {
		if !p[0].Equal(p[1]) || p[0].Hash() != p[1].Hash() {
			t.Errorf("%v %v and %v %v should be equal with equal hashes", p[0].Kind(), p[0], p[1].Kind(), p[1])
		}
	}
	ne := [][2]Value{
		{Double(0.1), Dec(MustParseDecimal("0.1"))}, // exact comparison; SQL compiles = via DOUBLE
		{BigInt(1<<53 + 1), Double(1 << 53)},
		{Int(1), Str("1")},
		{BigInt(0), Timestamp(0)},
		{Bool(false), Int(0)},
		{Null(), Int(0)},
	}
	for _, p := range ne {
		if p[0].Equal(p[1]) {
			t.Errorf("%v %v and %v %v should differ", p[0].Kind(), p[0], p[1].Kind(), p[1])
		}
	}
}

// TestDoubleDecimalHash checks, on random doubles of every magnitude, that
// the decimal holding a double's exact value (at any scale) is Equal to it
// and hashes alike, and that a decimal one unit away in its last digit is
// not Equal.
func TestDoubleDecimalHash(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		var f float64
		switch i % 4 {
		case 0:
			f = math.Float64frombits(r.Uint64())
		case 1:
			f = float64(r.Int64N(1<<20)) / float64(int64(1)<<r.IntN(40))
		case 2:
			f = math.Ldexp(float64(r.Int64N(1<<53)), r.IntN(200)-100)
		default:
			f = float64(r.Int64N(1 << 62))
		}
		if r.IntN(2) == 0 {
			f = -f
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		d := exactDecimal(f).Rescale(exactDecimal(f).Scale()+int32(r.IntN(3)), RoundDown)
		dv, fv := Dec(d), Double(f)
		if !dv.Equal(fv) || dv.Compare(fv) != 0 || dv.Hash() != fv.Hash() {
			t.Fatalf("double %v and its exact decimal %v: equal %v, hashes %x %x", f, d, dv.Equal(fv), fv.Hash(), dv.Hash())
		}
		next := Dec(d.Add(NewDecimal(1, d.Scale())))
		if next.Equal(fv) || next.Compare(fv) <= 0 {
			t.Fatalf("%v should be above %v", next, f)
		}
		if f == math.Trunc(f) && math.Abs(f) < 0x1p63 {
			if !BigInt(int64(f)).Equal(fv) || BigInt(int64(f)).Hash() != fv.Hash() {
				t.Fatalf("BIGINT %d and DOUBLE %v", int64(f), f)
			}
		}
	}
}
