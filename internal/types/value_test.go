package types

import (
	"math"
	"strings"
	"testing"
	"unsafe"
)

func TestValueSize(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 24 {
		t.Errorf("Value is %d bytes, want 24", s)
	}
}

func TestFixedWidthRoundTrip(t *testing.T) {
	for _, b := range []bool{false, true} {
		if v := Bool(b); v.Kind() != KindBoolean || v.Bool() != b {
			t.Errorf("Bool(%v)", b)
		}
	}
	for _, i := range []int32{0, 1, -1, math.MaxInt32, math.MinInt32} {
		if v := Int(i); v.Kind() != KindInt || v.Int() != i {
			t.Errorf("Int(%d) = %d", i, v.Int())
		}
		if v := Date(i); v.Kind() != KindDate || v.Date() != i {
			t.Errorf("Date(%d)", i)
		}
		if v := Time(i); v.Kind() != KindTime || v.Time() != i {
			t.Errorf("Time(%d)", i)
		}
	}
	for _, i := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64} {
		if v := BigInt(i); v.Kind() != KindBigInt || v.BigInt() != i {
			t.Errorf("BigInt(%d)", i)
		}
		if v := Timestamp(i); v.Kind() != KindTimestamp || v.Timestamp() != i {
			t.Errorf("Timestamp(%d)", i)
		}
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1.5, -1e300, math.Inf(1), math.SmallestNonzeroFloat64} {
		if v := Double(f); v.Kind() != KindDouble || math.Float64bits(v.Double()) != math.Float64bits(f) {
			t.Errorf("Double(%v)", f)
		}
	}
	if v := Double(math.NaN()); !math.IsNaN(v.Double()) {
		t.Error("Double(NaN)")
	}
	for _, s := range []string{"1.00", "-12345678987654321.2345678987654321", "0E-8", "1E+3"} {
		d := MustParseDecimal(s)
		if v := Dec(d); v.Kind() != KindDecimal || !v.Dec().Identical(d) {
			t.Errorf("Dec(%s) = %v", s, v.Dec())
		}
	}
	if !Null().IsNull() || !(Value{}).IsNull() || Null().Kind() != KindNull || Int(0).IsNull() {
		t.Error("Null")
	}
}

func TestStringsAndBytesShareMemory(t *testing.T) {
	s := strings.Repeat("abc", 10)
	v := Str(s)
	if v.Str() != s || v.Len() != len(s) || unsafe.StringData(v.Str()) != unsafe.StringData(s) {
		t.Error("Str must not copy")
	}
	if Str("").Str() != "" || Str("").Len() != 0 {
		t.Error("empty string")
	}
	b := []byte("hello")
	bv := Bytes(b)
	if string(bv.Bytes()) != "hello" || &bv.Bytes()[0] != &b[0] || cap(bv.Bytes()) != len(b) {
		t.Error("Bytes must share the slice, capped at its length")
	}
	if nb := Bytes(nil); nb.IsNull() || nb.Kind() != KindBytes || len(nb.Bytes()) != 0 {
		t.Error("nil bytes are empty BYTES, not NULL")
	}
}

func TestContainers(t *testing.T) {
	elems := []Value{Int(1), Null(), Int(3)}
	a := Array(elems)
	if a.Len() != 3 || a.Index(2).Int() != 3 || !a.Index(1).IsNull() || &a.Elems()[0] != &elems[0] {
		t.Error("Array")
	}
	if e := Array(nil); e.Len() != 0 || len(e.Elems()) != 0 {
		t.Error("empty Array")
	}

	m := Map([]Value{Str("b"), Str("a"), Str("b")}, []Value{Int(1), Int(2), Int(3)})
	if m.Len() != 2 || m.MapKey(0).Str() != "b" || m.MapElem(0).Int() != 3 || m.MapKey(1).Str() != "a" {
		t.Errorf("Map keeps first position, last value: %v", m)
	}
	if got, ok := m.MapGet(Str("a")); !ok || got.Int() != 2 {
		t.Error("MapGet(a)")
	}
	if _, ok := m.MapGet(Str("z")); ok {
		t.Error("MapGet(z)")
	}
	// Large maps deduplicate through a hash index.
	var ks, vs []Value
	for i := 0; i < 100; i++ {
		ks = append(ks, Int(int32(i%40)))
		vs = append(vs, Int(int32(i)))
	}
	big := Map(ks, vs)
	if big.Len() != 40 || big.MapKey(39).Int() != 39 || big.MapElem(0).Int() != 80 || big.MapElem(39).Int() != 79 {
		t.Errorf("large Map: len %d, %v", big.Len(), big)
	}
	// Numeric keys match across kinds, as Equal does.
	im := MapPairs([]Value{BigInt(1), Str("one")})
	if got, ok := im.MapGet(Int(1)); !ok || got.Str() != "one" {
		t.Error("MapGet(INTEGER 1) on a BIGINT key")
	}

	names := []string{"A", "b"}
	st := Struct(names, []Value{Int(1), Str("x")})
	if st.Len() != 2 || st.Field(1).Str() != "x" || st.FieldNames()[1] != "b" {
		t.Error("Struct")
	}
	if v, ok := st.FieldByName("b"); !ok || v.Str() != "x" {
		t.Error("FieldByName(b)")
	}
	if _, ok := st.FieldByName("B"); ok {
		t.Error("FieldByName is case-sensitive")
	}
	typ := MustStructType(Field{"A", IntegerType}, Field{"b", StringType})
	if st2 := Struct(typ.FieldNames(), []Value{Int(1), Str("x")}); !st2.Equal(st) {
		t.Error("struct built from the type's names")
	}
}

func TestConstructorPanics(t *testing.T) {
	mustPanic(t, "MapPairs odd", func() { MapPairs([]Value{Int(1)}) })
	mustPanic(t, "Map lengths", func() { Map([]Value{Int(1)}, nil) })
	mustPanic(t, "Struct lengths", func() { Struct([]string{"A"}, nil) })
}

func TestAccessorsPanicOnWrongKind(t *testing.T) {
	wrong := map[string]func(Value){
		"Bool":        func(v Value) { v.Bool() },
		"Int":         func(v Value) { v.Int() },
		"BigInt":      func(v Value) { v.BigInt() },
		"Double":      func(v Value) { v.Double() },
		"Str":         func(v Value) { v.Str() },
		"Bytes":       func(v Value) { v.Bytes() },
		"Dec":         func(v Value) { v.Dec() },
		"Timestamp":   func(v Value) { v.Timestamp() },
		"Date":        func(v Value) { v.Date() },
		"Time":        func(v Value) { v.Time() },
		"Len":         func(v Value) { v.Len() },
		"Elems":       func(v Value) { v.Elems() },
		"Pairs":       func(v Value) { v.Pairs() },
		"FieldNames":  func(v Value) { v.FieldNames() },
		"Fields":      func(v Value) { v.Fields() },
		"FieldByName": func(v Value) { v.FieldByName("A") },
	}
	for name, f := range wrong {
		mustPanic(t, name+" on NULL", func() { f(Null()) })
	}
	mustPanic(t, "Int on BIGINT", func() { BigInt(1).Int() })
	mustPanic(t, "Str on BYTES", func() { Bytes([]byte("x")).Str() })
	mustPanic(t, "BigInt on TIMESTAMP", func() { Timestamp(1).BigInt() })
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Value.Int called on a BIGINT value") {
			t.Errorf("panic message: %v", r)
		}
	}()
	BigInt(1).Int()
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

func TestFloat64OfValues(t *testing.T) {
	cases := []struct {
		v    Value
		want float64
		ok   bool
	}{
		{Int(-3), -3, true},
		{BigInt(1 << 60), 1 << 60, true},
		{Double(2.5), 2.5, true},
		{Dec(MustParseDecimal("0.1")), 0.1, true},
		{Str("1"), 0, false},
		{Null(), 0, false},
	}
	for _, c := range cases {
		if got, ok := c.v.Float64(); got != c.want || ok != c.ok {
			t.Errorf("Float64(%v) = %v, %v", c.v, got, ok)
		}
	}
}
