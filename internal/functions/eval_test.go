package functions

import (
	"math"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

var (
	null = types.Null()
	S    = types.Str
	I    = types.Int
	L    = types.BigInt
	D    = types.Double
)

type evalCase struct {
	name    string
	types   []types.Type // the argument types; nil derives them from args
	args    []types.Value
	want    types.Value
	wantErr string
}

// typeOf returns the type of a non-null value of a primitive kind.
func typeOf(v types.Value) types.Type {
	switch v.Kind() {
	case types.KindBoolean:
		return types.BooleanType
	case types.KindInt:
		return tInt
	case types.KindBigInt:
		return tBig
	case types.KindDouble:
		return tDbl
	case types.KindString:
		return tStr
	case types.KindBytes:
		return types.BytesType
	case types.KindTimestamp:
		return types.TimestampType
	case types.KindDate:
		return types.DateType
	case types.KindTime:
		return types.TimeType
	case types.KindDecimal:
		d := v.Dec()
		return types.MustDecimalType(max(d.Precision(), int(d.Scale()), 1), int(d.Scale()))
	}
	return types.Type{}
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	r := NewRegistry()
	for _, c := range cases {
		ts := c.types
		if ts == nil {
			ts = make([]types.Type, len(c.args))
			for i, a := range c.args {
				ts[i] = typeOf(a)
			}
		}
		res, err := r.Resolve(c.name, ts)
		if err != nil {
			t.Errorf("%s%v: resolve: %v", c.name, c.args, err)
			continue
		}
		args := make([]types.Value, len(c.args))
		for i, a := range c.args {
			if args[i], err = types.Widen(a, res.Params[i]); err != nil {
				t.Fatalf("%s%v: widen argument %d to %v: %v", c.name, c.args, i, res.Params[i], err)
			}
		}
		got, err := res.Eval(args)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s%v = %v, %v; want error containing %q", c.name, c.args, got, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		if !same(got, c.want) {
			t.Errorf("%s%v = %v (%v); want %v (%v)", c.name, c.args, got, got.Kind(), c.want, c.want.Kind())
		}
	}
}

func TestNullFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "COALESCE", args: []types.Value{null, S("a"), S("b")}, types: []types.Type{tNull, tStr, tStr}, want: S("a")},
		{name: "COALESCE", args: []types.Value{null, null}, types: []types.Type{tStr, tStr}, want: null},
		{name: "COALESCE", args: []types.Value{I(1)}, want: I(1)},
		{name: "COALESCE", args: []types.Value{null, I(2), L(3)}, types: []types.Type{tInt, tInt, tBig}, want: L(2)},
		{name: "IFNULL", args: []types.Value{null, S("alt")}, types: []types.Type{tStr, tStr}, want: S("alt")},
		{name: "IFNULL", args: []types.Value{S("x"), S("alt")}, want: S("x")},
		{name: "IFNULL", args: []types.Value{null, null}, types: []types.Type{tStr, tNull}, want: null},
		{name: "NULLIF", args: []types.Value{I(1), I(1)}, want: null},
		{name: "NULLIF", args: []types.Value{I(1), I(2)}, want: I(1)},
		{name: "NULLIF", args: []types.Value{I(1), null}, types: []types.Type{tInt, tInt}, want: I(1)},
		{name: "NULLIF", args: []types.Value{null, I(1)}, types: []types.Type{tInt, tInt}, want: null},
		{name: "AS_VALUE", args: []types.Value{S("k")}, want: S("k")},
	})
}

func TestStringFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "CONCAT", args: []types.Value{S("a"), null, S("b")}, types: []types.Type{tStr, tStr, tStr}, want: S("ab")},
		{name: "CONCAT", args: []types.Value{null}, types: []types.Type{tStr}, want: S("")},
		{name: "CONCAT", args: []types.Value{types.Bytes([]byte{1}), types.Bytes([]byte{2})}, want: types.Bytes([]byte{1, 2})},
		{name: "CONCAT_WS", args: []types.Value{S("-"), S("a"), null, S("b")}, types: []types.Type{tStr, tStr, tStr, tStr}, want: S("a-b")},
		{name: "CONCAT_WS", args: []types.Value{null, S("a")}, types: []types.Type{tStr, tStr}, want: null},
		{name: "CONCAT_WS", args: []types.Value{types.Bytes([]byte("a")), types.Bytes([]byte("b")), types.Bytes(nil), null, types.Bytes([]byte("no"))},
			types: []types.Type{types.BytesType, types.BytesType, types.BytesType, tNull, types.BytesType}, want: types.Bytes([]byte("baano"))},
		{name: "CONCAT_WS", args: []types.Value{types.Bytes([]byte("a")), null}, types: []types.Type{types.BytesType, types.BytesType}, want: types.Bytes(nil)},
		{name: "LCASE", args: []types.Value{S("HeLLo")}, want: S("hello")},
		{name: "UCASE", args: []types.Value{S("HeLLo")}, want: S("HELLO")},
		{name: "UCASE", args: []types.Value{null}, types: []types.Type{tStr}, want: null},
		{name: "LEN", args: []types.Value{S("héllo")}, want: I(5)},
		{name: "LEN", args: []types.Value{S("")}, want: I(0)},
		{name: "LEN", args: []types.Value{types.Bytes([]byte{1, 2, 3})}, want: I(3)},
		{name: "TRIM", args: []types.Value{S(" \t a b \n")}, want: S("a b")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(2)}, want: S("luice")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(-3)}, want: S("ice")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(-30)}, want: S("sluice")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(0)}, want: S("sluice")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(10)}, want: S("")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(2), I(3)}, want: S("lui")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(-3), I(2)}, want: S("ic")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(2), I(-1)}, want: S("")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), I(5), I(100)}, want: S("ce")},
		{name: "SUBSTRING", args: []types.Value{S("sluice"), null}, types: []types.Type{tStr, tInt}, want: null},
		{name: "SUBSTRING", args: []types.Value{types.Bytes([]byte("abc")), I(2)}, want: types.Bytes([]byte("bc"))},
		{name: "REPLACE", args: []types.Value{S("a.b.c"), S("."), S("::")}, want: S("a::b::c")},
		{name: "REPLACE", args: []types.Value{S("abc"), null, S("x")}, types: []types.Type{tStr, tStr, tStr}, want: null},
		{name: "INSTR", args: []types.Value{S("corporate floor"), S("or")}, want: I(2)},
		{name: "INSTR", args: []types.Value{S("no substring"), S("or")}, want: I(0)},
		{name: "INSTR", args: []types.Value{S("corporate floor"), S("or"), I(4)}, want: I(5)},
		{name: "INSTR", args: []types.Value{S("corporate floor"), S("or"), I(4), I(2)}, want: I(14)},
		{name: "INSTR", args: []types.Value{S("corporate floor"), S("or"), I(-4)}, want: I(5)},
		{name: "INSTR", args: []types.Value{S("corporate floor"), S("or"), I(-4), I(2)}, want: I(2)},
		{name: "INSTR", args: []types.Value{S("short"), S("or"), I(-4), I(2)}, want: I(0)},
		{name: "LPAD", args: []types.Value{S("ab"), I(5), S("xy")}, want: S("xyxab")},
		{name: "LPAD", args: []types.Value{S("abcdef"), I(3), S("x")}, want: S("abc")},
		{name: "LPAD", args: []types.Value{S("ab"), I(5), S("")}, want: null},
		{name: "LPAD", args: []types.Value{S("ab"), I(-1), S("x")}, want: null},
		{name: "RPAD", args: []types.Value{S("ab"), I(5), S("xy")}, want: S("abxyx")},
		{name: "SPLIT", args: []types.Value{S("a,b,,c"), S(",")}, want: strs("a", "b", "", "c")},
		{name: "SPLIT", args: []types.Value{S("abc"), S("")}, want: strs("a", "b", "c")},
		{name: "SPLIT", args: []types.Value{S(""), S(",")}, want: strs("")},
		{name: "INITCAP", args: []types.Value{S("the   Quick br0wn fOx")}, want: S("The   Quick Br0wn Fox")},
		{name: "INITCAP", args: []types.Value{S("some_string")}, want: S("Some_string")},
		{name: "REGEXP_EXTRACT", args: []types.Value{S(`\d+`), S("ab 123 45")}, want: S("123")},
		{name: "REGEXP_EXTRACT", args: []types.Value{S(`(\w+) (\d+)`), S("ab 123"), I(2)}, want: S("123")},
		{name: "REGEXP_EXTRACT", args: []types.Value{S(`x`), S("abc")}, want: null},
		{name: "REGEXP_EXTRACT", args: []types.Value{S(`(a)`), S("abc"), I(5)}, want: null},
		{name: "REGEXP_EXTRACT", args: []types.Value{S(`(`), S("abc")}, wantErr: "invalid regular expression"},
		{name: "REGEXP_REPLACE", args: []types.Value{S("a1b22"), S(`\d+`), S("#")}, want: S("a#b#")},
		{name: "REGEXP_REPLACE", args: []types.Value{S("john smith"), S(`(\w+) (\w+)`), S("$2, $1")}, want: S("smith, john")},
		{name: "REGEXP_REPLACE", args: []types.Value{S("abc"), S(`[`), S("x")}, wantErr: "invalid regular expression"},
		{name: "CHR", args: []types.Value{I(75)}, want: S("K")},
		{name: "CHR", args: []types.Value{S(`\u004b`)}, want: S("K")},
		{name: "CHR", args: []types.Value{I(-1)}, want: null},
		{name: "CHR", args: []types.Value{S("K")}, want: null},
		{name: "CHR", args: []types.Value{S(`\ud820\udeb8`)}, want: S("\U000182B8")},
		{name: "CHR", args: []types.Value{S(`\ud820`)}, want: null},
		{name: "CHR", args: []types.Value{S(`\u004b\u004b`)}, want: null},
		{name: "CHR", args: []types.Value{S(`004b`)}, want: null},
		{name: "ENCODE", args: []types.Value{S("4b"), S("hex"), S("utf8")}, want: S("K")},
		{name: "ENCODE", args: []types.Value{S("Hi"), S("utf8"), S("base64")}, want: S("SGk=")},
		{name: "ENCODE", args: []types.Value{S("Hi"), S("utf8"), S("ebcdic")}, wantErr: "unknown encoding"},
		{name: "ENCODE", args: []types.Value{S("zz"), S("hex"), S("utf8")}, wantErr: "invalid hex"},
		{name: "ENCODE", args: []types.Value{S("Ελλάδα"), S("ascii"), S("base64")}, want: S("Pz8/Pz8/")},
		{name: "ENCODE", args: []types.Value{S("c39c62"), S("hex"), S("ascii")}, want: S("\uFFFD\uFFFDb")},
		{name: "ENCODE", args: []types.Value{S("0x578"), S("hex"), S("base64")}, want: S("BXg=")},
		{name: "ENCODE", args: []types.Value{S("X'4b'"), S("hex"), S("utf8")}, want: S("K")},
		{name: "ENCODE", args: []types.Value{S("x''"), S("hex"), S("utf8")}, want: S("")},
		{name: "ENCODE", args: []types.Value{S("578"), S("hex"), S("utf8")}, wantErr: "invalid hex"},
		{name: "ENCODE", args: []types.Value{S("X'"), S("hex"), S("utf8")}, wantErr: "invalid hex"},
		{name: "ENCODE", args: []types.Value{S("Example!"), S("ascii"), S("hex")}, want: S("4578616d706c6521")},
		{name: "FROM_BYTES", args: []types.Value{types.Bytes([]byte{0x1a, 0xb2}), S("hex")}, want: S("1AB2")},
		{name: "TO_BYTES", args: []types.Value{S("SGk="), S("base64")}, want: types.Bytes([]byte("Hi"))},
		{name: "FROM_BYTES", args: []types.Value{types.Bytes([]byte("Hi")), S("hex")}, want: S("4869")},
		{name: "MD5", args: []types.Value{S("")}, want: S("d41d8cd98f00b204e9800998ecf8427e")},
		{name: "ELT", args: []types.Value{I(2), S("a"), S("b")}, want: S("b")},
		{name: "ELT", args: []types.Value{I(3), S("a"), S("b")}, want: null},
		{name: "ELT", args: []types.Value{I(0), S("a")}, want: null},
		{name: "FIELD", args: []types.Value{S("b"), S("a"), S("b")}, want: I(2)},
		{name: "FIELD", args: []types.Value{S("c"), S("a"), null}, types: []types.Type{tStr, tStr, tStr}, want: I(0)},
		{name: "FIELD", args: []types.Value{null, S("a")}, types: []types.Type{tStr, tStr}, want: I(0)},
	})
}

func TestUUID(t *testing.T) {
	res, err := NewRegistry().Resolve("UUID", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := res.Eval(nil)
	b, _ := res.Eval(nil)
	if a.Len() != 36 || a.Str()[14] != '4' || a.Str() == b.Str() {
		t.Errorf("UUID() = %v, %v: want two distinct version 4 UUIDs", a, b)
	}
}

func TestNumericFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "ABS", args: []types.Value{I(-3)}, want: I(3)},
		{name: "ABS", args: []types.Value{L(-3)}, want: L(3)},
		{name: "ABS", args: []types.Value{D(-3.1)}, want: D(3.1)},
		{name: "ABS", args: []types.Value{dec("-3.20")}, want: dec("3.20")},
		{name: "ABS", args: []types.Value{null}, types: []types.Type{tInt}, want: null},
		{name: "CEIL", args: []types.Value{D(-1.5)}, want: D(-1)},
		{name: "CEIL", args: []types.Value{dec("1.1")}, want: dec("2.0")},
		{name: "CEIL", args: []types.Value{dec("9.9")}, wantErr: "overflow"},
		{name: "FLOOR", args: []types.Value{dec("-1.1")}, want: dec("-2.0")},
		{name: "FLOOR", args: []types.Value{D(1.7)}, want: D(1)},
		{name: "FLOOR", args: []types.Value{I(7)}, want: I(7)},
		{name: "ROUND", args: []types.Value{D(1.5)}, want: L(2)},
		{name: "ROUND", args: []types.Value{D(-1.5)}, want: L(-1)},
		{name: "ROUND", args: []types.Value{D(-1.7)}, want: L(-2)},
		{name: "ROUND", args: []types.Value{D(0.49999999999999994)}, want: L(0)},
		{name: "ROUND", args: []types.Value{D(-2.5)}, want: L(-2)},
		{name: "ROUND", args: []types.Value{D(1e300)}, want: L(math.MaxInt64)},
		{name: "ROUND", args: []types.Value{D(math.NaN())}, want: L(0)},
		{name: "ROUND", args: []types.Value{D(12345.678), I(2)}, want: D(12345.68)},
		{name: "ROUND", args: []types.Value{D(-12345.678), I(-2)}, want: D(-12300)},
		{name: "ROUND", args: []types.Value{D(-1.5), I(0)}, want: D(-1)},
		{name: "ROUND", args: []types.Value{D(1.234567), I(10)}, want: D(1.234567)},
		{name: "ROUND", args: []types.Value{dec("12345678987654321.2345678987654321")}, types: []types.Type{types.MustDecimalType(33, 16)}, want: dec("12345678987654321")},
		{name: "ROUND", args: []types.Value{dec("12345678987654321.2345678987654321"), I(-1)}, types: []types.Type{types.MustDecimalType(33, 16), tInt}, want: dec("12345678987654320.0000000000000000")},
		{name: "ROUND", args: []types.Value{dec("-2.5")}, want: dec("-2")},
		{name: "ROUND", args: []types.Value{dec("2.5")}, want: dec("3")},
		{name: "ROUND", args: []types.Value{I(5), I(1)}, want: dec("5")},
		{name: "ROUND", args: []types.Value{dec("999"), I(-3)}, wantErr: "overflow"},
		{name: "ROUND", args: []types.Value{dec("999"), I(-3)}, types: []types.Type{types.MustDecimalType(4, 0), tInt}, want: dec("1000")},
		{name: "ROUND", args: []types.Value{dec("1.25"), I(1)}, want: dec("1.30")},
		{name: "ROUND", args: []types.Value{dec("-1.25"), I(1)}, want: dec("-1.20")},
		{name: "ROUND", args: []types.Value{dec("999"), I(-2000000000)}, types: []types.Type{types.MustDecimalType(4, 0), tInt}, want: dec("0")},
		{name: "ROUND", args: []types.Value{D(999), I(-2000000000)}, want: D(0)},
		{name: "TRUNC", args: []types.Value{dec("999.5"), I(-2000000000)}, want: dec("0.0")},
		{name: "TRUNC", args: []types.Value{D(-1.7)}, want: L(-1)},
		{name: "TRUNC", args: []types.Value{D(1.234567), I(2)}, want: D(1.23)},
		{name: "TRUNC", args: []types.Value{dec("1.2345670"), I(2)}, want: dec("1.2300000")},
		{name: "TRUNC", args: []types.Value{dec("-12345.678")}, want: dec("-12345")},
		{name: "SIGN", args: []types.Value{D(-0.5)}, want: I(-1)},
		{name: "SIGN", args: []types.Value{L(0)}, want: I(0)},
		{name: "SIGN", args: []types.Value{dec("3.5")}, want: I(1)},
		{name: "SQRT", args: []types.Value{I(4)}, want: D(2)},
		{name: "SQRT", args: []types.Value{D(-1)}, want: D(math.NaN())},
		{name: "EXP", args: []types.Value{I(1)}, want: D(math.E)},
		{name: "LN", args: []types.Value{I(0)}, want: D(math.Inf(-1))},
		{name: "LOG", args: []types.Value{I(13)}, want: D(2.5649493574615367)},
		{name: "LN", args: []types.Value{I(3)}, want: D(1.0986122886681098)},
		{name: "LN", args: []types.Value{D(1e-310)}, want: D(-713.8013788281542)},
		{name: "LN", args: []types.Value{D(-1)}, want: D(math.NaN())},
		{name: "LOG", args: []types.Value{I(15), I(13)}, want: D(0.9471572411831843)},
		{name: "LOG", args: []types.Value{I(0), I(13)}, want: D(math.NaN())},
		{name: "LOG", args: []types.Value{I(15), I(0)}, want: D(math.Inf(-1))},
		{name: "POWER", args: []types.Value{I(15), I(-1)}, want: D(0.06666666666666667)},
		{name: "CBRT", args: []types.Value{I(-8)}, want: D(-2)},
		{name: "PI", args: nil, want: D(math.Pi)},
		{name: "GREATEST", args: []types.Value{I(1), null, I(5), I(3)}, types: []types.Type{tInt, tInt, tInt, tInt}, want: I(5)},
		{name: "GREATEST", args: []types.Value{L(1), L(7)}, want: L(7)},
		{name: "GREATEST", args: []types.Value{S("a"), S("b")}, want: S("b")},
		{name: "LEAST", args: []types.Value{I(1), null, I(-5)}, types: []types.Type{tInt, tNull, tInt}, want: I(-5)},
		{name: "LEAST", args: []types.Value{null, null}, types: []types.Type{tInt, tInt}, want: null},
		{name: "LEAST", args: []types.Value{dec("1.5"), D(1.2)}, want: D(1.2)},
		{name: "LEAST", args: []types.Value{dec("1.5"), dec("-0.25")}, want: dec("-0.25")},
	})
}

func TestRandom(t *testing.T) {
	res, err := NewRegistry().Resolve("RANDOM", nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	for range 100 {
		v, _ := res.Eval(nil)
		if f := v.Double(); f < 0 || f >= 1 {
			t.Fatalf("RANDOM() = %v, outside [0, 1)", f)
		}
		seen[v.Double()] = true
	}
	if len(seen) < 90 {
		t.Errorf("RANDOM() gave only %d distinct values in 100 calls", len(seen))
	}
}

func TestCollectionFunctions(t *testing.T) {
	aInt := types.ArrayType(tInt)
	aStr := types.ArrayType(tStr)
	m := types.Map([]types.Value{S("a"), S("b")}, []types.Value{I(1), I(2)})
	runCases(t, []evalCase{
		{name: "ARRAY_LENGTH", types: []types.Type{aInt}, args: []types.Value{arr(I(1), null)}, want: I(2)},
		{name: "ARRAY_LENGTH", types: []types.Type{aInt}, args: []types.Value{null}, want: null},
		{name: "ARRAY_CONTAINS", types: []types.Type{aInt, tInt}, args: []types.Value{arr(I(1), I(2)), I(2)}, want: types.Bool(true)},
		{name: "ARRAY_CONTAINS", types: []types.Type{aInt, tInt}, args: []types.Value{arr(I(1), null), null}, want: types.Bool(true)},
		{name: "ARRAY_CONTAINS", types: []types.Type{aInt, tInt}, args: []types.Value{arr(I(1)), null}, want: types.Bool(false)},
		{name: "ARRAY_CONTAINS", types: []types.Type{aInt, tInt}, args: []types.Value{null, I(1)}, want: types.Bool(false)},
		{name: "ARRAY_DISTINCT", types: []types.Type{aInt}, args: []types.Value{arr(I(2), null, I(1), I(2), null)}, want: arr(I(2), null, I(1))},
		{name: "ARRAY_MAX", types: []types.Type{aStr}, args: []types.Value{strs("foo", "F", "food")}, want: S("food")},
		{name: "ARRAY_MIN", types: []types.Type{aInt}, args: []types.Value{arr(null, I(3), I(-1))}, want: I(-1)},
		{name: "ARRAY_MIN", types: []types.Type{aInt}, args: []types.Value{arr()}, want: null},
		{name: "ARRAY_SORT", types: []types.Type{aInt}, args: []types.Value{arr(I(3), null, I(1))}, want: arr(I(1), I(3), null)},
		{name: "ARRAY_SORT", types: []types.Type{aInt, tStr}, args: []types.Value{arr(I(3), null, I(1)), S("desc")}, want: arr(I(3), I(1), null)},
		{name: "ARRAY_SORT", types: []types.Type{aInt, tStr}, args: []types.Value{arr(I(3)), S("sideways")}, want: null},
		{name: "ARRAY_JOIN", types: []types.Type{types.ArrayType(types.BooleanType)}, args: []types.Value{arr(types.Bool(true), null, types.Bool(false))}, want: S("true,null,false")},
		{name: "ARRAY_JOIN", types: []types.Type{types.ArrayType(tDbl), tStr}, args: []types.Value{arr(D(1.23), D(0)), S(" ")}, want: S("1.23 0.0")},
		{name: "ARRAY_JOIN", types: []types.Type{aInt, tStr}, args: []types.Value{arr(I(1), I(2)), null}, want: S("12")},
		{name: "ARRAY_REMOVE", types: []types.Type{aStr, tStr}, args: []types.Value{strs("foo", "bar", "foo"), S("foo")}, want: strs("bar")},
		{name: "ARRAY_REMOVE", types: []types.Type{aInt, tInt}, args: []types.Value{arr(I(1), null, I(2)), null}, want: arr(I(1), I(2))},
		{name: "ARRAY_REMOVE", types: []types.Type{aInt, tInt}, args: []types.Value{null, I(1)}, want: null},
		{name: "ARRAY_UNION", types: []types.Type{aInt, aInt}, args: []types.Value{arr(I(1), I(2)), arr(I(2), I(3))}, want: arr(I(1), I(2), I(3))},
		{name: "ARRAY_INTERSECT", types: []types.Type{aInt, aInt}, args: []types.Value{arr(I(1), I(2), I(2)), arr(I(2), I(3))}, want: arr(I(2))},
		{name: "ARRAY_EXCEPT", types: []types.Type{aInt, aInt}, args: []types.Value{arr(I(1), I(1), I(2)), arr(I(2))}, want: arr(I(1))},
		{name: "SLICE", types: []types.Type{aStr, tInt, tInt}, args: []types.Value{strs("a", "b", "c", "d"), I(2), I(3)}, want: strs("b", "c")},
		{name: "SLICE", types: []types.Type{aStr, tInt, tInt}, args: []types.Value{strs("a", "b"), null, I(1)}, want: strs("a")},
		{name: "SLICE", types: []types.Type{aStr, tInt, tInt}, args: []types.Value{strs("a", "b"), I(0), I(1)}, want: null},
		{name: "SLICE", types: []types.Type{aStr, tInt, tInt}, args: []types.Value{strs("a", "b"), I(1), I(3)}, want: null},
		{name: "MAP_KEYS", types: []types.Type{types.MapType(tStr, tInt)}, args: []types.Value{m}, want: strs("a", "b")},
		{name: "MAP_VALUES", types: []types.Type{types.MapType(tStr, tInt)}, args: []types.Value{m}, want: arr(I(1), I(2))},
		{name: "MAP_VALUES", types: []types.Type{types.MapType(tStr, tInt)}, args: []types.Value{null}, want: null},
	})
}

func TestDateTimeFunctions(t *testing.T) {
	const may11 = 1526075913000 // 2018-05-11T21:58:33Z
	ts := types.Timestamp
	runCases(t, []evalCase{
		{name: "UNIX_TIMESTAMP", args: []types.Value{ts(100)}, want: L(100)},
		{name: "UNIX_DATE", args: []types.Value{types.Date(17662)}, want: I(17662)},
		{name: "FROM_UNIXTIME", args: []types.Value{L(100)}, want: ts(100)},
		{name: "FROM_DAYS", args: []types.Value{I(17662)}, want: types.Date(17662)},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("yyyy-MM-dd HH:mm:ss")}, want: S("2018-05-11 21:58:33")},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("yyyy-MM-dd HH:mm:ss zzz"), S("America/Los_Angeles")}, want: S("2018-05-11 14:58:33 PDT")},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11 + 7), S("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), S("+02:00")}, want: S("2018-05-11T23:58:33.007+02:00")},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("EEE, d MMM yy h:mm a '''q'''")}, want: S("Fri, 11 May 18 9:58 PM 'q'")},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("yyyy-MM-dd qq")}, wantErr: "unknown pattern letter 'q'"},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("HH"), S("Mars/Olympus")}, wantErr: "unknown time zone"},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{ts(may11), S("'open")}, wantErr: "unterminated quote"},
		{name: "TIMESTAMPTOSTRING", args: []types.Value{L(may11), S("yyyy-MM-dd HH:mm:ss zzz"), S("Europe/London")}, want: S("2018-05-11 22:58:33 BST")},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("2018-05-11T21:58:33"), S("yyyy-MM-dd'T'HH:mm:ss")}, want: ts(may11)},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("2018-05-11T21:58:33 PST"), S("yyyy-MM-dd'T'HH:mm:ss zzz")}, want: ts(1526101113000)},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("2018-05-11 14:58:33"), S("yyyy-MM-dd HH:mm:ss"), S("America/Los_Angeles")}, want: ts(may11)},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("20180511"), S("yyyyMMdd")}, want: ts(1525996800000)},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("2018-02-30"), S("yyyy-MM-dd")}, wantErr: "no such day"},
		{name: "PARSE_TIMESTAMP", args: []types.Value{S("2018-05-11x"), S("yyyy-MM-dd")}, wantErr: "unparsed text"},
		{name: "STRINGTOTIMESTAMP", args: []types.Value{S("2018-05-11T21:58:33Z"), S("yyyy-MM-dd'T'HH:mm:ssX")}, want: L(may11)},
		{name: "STRINGTOTIMESTAMP", args: []types.Value{S("2018-05-11t21:58:33z"), S("yyyy-MM-dd'T'HH:mm:ssX")}, want: L(may11)},
		{name: "STRINGTOTIMESTAMP", args: []types.Value{S("2019-08-27T13:31:09.2+0000"), S("yyyy-MM-dd'T'HH:mm:ss.SX")}, want: L(1566912669200)},
		{name: "STRINGTOTIMESTAMP", args: []types.Value{S("11 May 2018 09:58:33 PM"), S("dd MMM yyyy hh:mm:ss a")}, want: L(may11)},
		{name: "FORMAT_DATE", args: []types.Value{types.Date(17662), S("yyyy-MM-dd")}, want: S("2018-05-11")},
		{name: "PARSE_DATE", args: []types.Value{S("2018-05-11"), S("yyyy-MM-dd")}, want: types.Date(17662)},
		{name: "PARSE_DATE", args: []types.Value{S("1969-12-31"), S("yyyy-MM-dd")}, want: types.Date(-1)},
		{name: "FORMAT_TIME", args: []types.Value{types.Time(3723004), S("HH:mm:ss.SSS")}, want: S("01:02:03.004")},
		{name: "PARSE_TIME", args: []types.Value{S("01:02:03"), S("HH:mm:ss")}, want: types.Time(3723000)},
		{name: "CONVERT_TZ", args: []types.Value{ts(may11), S("UTC"), S("America/Los_Angeles")}, want: ts(may11 - 7*3600*1000)},
		{name: "FORMAT_TIMESTAMP", args: []types.Value{null, S("yyyy")}, types: []types.Type{types.TimestampType, tStr}, want: null},
	})
}
