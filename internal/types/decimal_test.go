package types

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in       string
		unscaled string
		scale    int32
		plain    string
		sci      string
	}{
		{"0", "0", 0, "0", "0"},
		{"1.00", "100", 2, "1.00", "1.00"},
		{"-0.05", "-5", 2, "-0.05", "-0.05"},
		{"+1", "1", 0, "1", "1"},
		{".5", "5", 1, "0.5", "0.5"},
		{"5.", "5", 0, "5", "5"},
		{"-.5", "-5", 1, "-0.5", "-0.5"},
		{"10.0", "100", 1, "10.0", "10.0"},
		{"00.01", "1", 2, "0.01", "0.01"},
		{"1E+3", "1", -3, "1000", "1E+3"},
		{"1e3", "1", -3, "1000", "1E+3"},
		{"12E+1", "12", -1, "120", "1.2E+2"},
		{"1.5e-7", "15", 8, "0.00000015", "1.5E-7"},
		{"123E-10", "123", 10, "0.0000000123", "1.23E-8"},
		{"0.000001", "1", 6, "0.000001", "0.000001"},
		{"0.0000001", "1", 7, "0.0000001", "1E-7"},
		{"0.00000000", "0", 8, "0.00000000", "0E-8"},
		{"0E+3", "0", -3, "0", "0E+3"},
		{"-0", "0", 0, "0", "0"},
		{"1.5E0", "15", 1, "1.5", "1.5"},
		{"123.4560000000", "1234560000000", 10, "123.4560000000", "123.4560000000"},
		{"9223372036854775807", "9223372036854775807", 0, "9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808", 0, "-9223372036854775808", "-9223372036854775808"},
		{"9223372036854775808", "9223372036854775808", 0, "9223372036854775808", "9223372036854775808"},
		{"-99999999999999999999.5", "-999999999999999999995", 1, "-99999999999999999999.5", "-99999999999999999999.5"},
		{"12345678987654321.2345678987654321", "123456789876543212345678987654321", 16,
			"12345678987654321.2345678987654321", "12345678987654321.2345678987654321"},
		{"1.7976931348623157E308", "17976931348623157", -292, "17976931348623157" + strings.Repeat("0", 292), "1.7976931348623157E+308"},
		{"-1E-20", "-1", 20, "-0.00000000000000000001", "-1E-20"},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v", c.in, err)
			continue
		}
		if d.Unscaled().String() != c.unscaled || d.Scale() != c.scale {
			t.Errorf("ParseDecimal(%q) = %s scale %d, want %s scale %d", c.in, d.Unscaled(), d.Scale(), c.unscaled, c.scale)
		}
		if got := d.String(); got != c.plain {
			t.Errorf("ParseDecimal(%q).String() = %q, want %q", c.in, got, c.plain)
		}
		if got := d.ScientificString(); got != c.sci {
			t.Errorf("ParseDecimal(%q).ScientificString() = %q, want %q", c.in, got, c.sci)
		}
		back, err := ParseDecimal(d.ScientificString())
		if err != nil || !back.Identical(d) {
			t.Errorf("ScientificString of %q does not parse back: %v %v", c.in, back, err)
		}
	}
}

func TestParseDecimalInvalid(t *testing.T) {
	for _, in := range []string{
		"", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1E-", "1.2.3", " 1", "1 ", "0x10",
		"NaN", "Infinity", "-Infinity", "1_000", "--1", "+-1", "1e5.5", "1,5", "١", "1e+-5",
		"1e99999", "1e-99999", "1" + strings.Repeat("0", maxDecimalDigits),
	} {
		if d, err := ParseDecimal(in); !errors.Is(err, ErrInvalidDecimal) {
			t.Errorf("ParseDecimal(%q) = %v, %v; want ErrInvalidDecimal", in, d, err)
		}
	}
	_, err := ParseDecimal("10.0 - not a number")
	if want := `types: invalid input syntax for type DECIMAL: "10.0 - not a number"`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestDecimalArith(t *testing.T) {
	cases := []struct {
		op   ArithOp
		a, b string
		typ  Type // the result type; zero to derive it from the operands' exact (p, s)
		want string
		err  error
	}{
		// decimal.json, DECIMAL(4,2) columns.
		{OpAdd, "10.01", "5.10", dec(5, 2), "15.11", nil},
		{OpAdd, "10.01", "5", dec(13, 2), "15.01", nil},
		{OpSub, "10.10", "5.10", dec(5, 2), "5.00", nil},
		{OpMul, "10.10", "2.00", dec(9, 4), "20.2000", nil},
		{OpMul, "10.10", "-2.00", dec(9, 4), "-20.2000", nil},
		{OpDiv, "10.10", "2.00", dec(11, 7), "5.0500000", nil},
		{OpDiv, "10.10", "-2.00", dec(11, 7), "-5.0500000", nil},
		{OpDiv, "10.10", "0.00", dec(11, 7), "", ErrDivisionByZero},
		{OpMod, "10.10", "2.00", dec(4, 2), "0.10", nil},
		{OpMod, "10.10", "-2.00", dec(4, 2), "0.10", nil},
		{OpMod, "-10.10", "2.00", dec(4, 2), "-0.10", nil},
		{OpMod, "10.10", "0.00", dec(4, 2), "", ErrDivisionByZero},
		// Division rounds HALF_UP to the result scale.
		{OpDiv, "1", "3", dec(7, 6), "0.333333", nil},
		{OpDiv, "2", "3", dec(7, 6), "0.666667", nil},
		{OpDiv, "-2", "3", dec(7, 6), "-0.666667", nil},
		{OpDiv, "1", "8", dec(7, 2), "0.13", nil},
		{OpDiv, "-1", "8", dec(7, 2), "-0.13", nil},
		{OpDiv, "1", "-8", dec(7, 2), "-0.13", nil},
		{OpDiv, "9.99", "0.01", dec(11, 7), "999.0000000", nil},
		{OpDiv, "1", "0.001", dec(10, 0), "1000", nil},
		{OpDiv, "1.5", "1", dec(2, 0), "2", nil},
		// Results that do not fit their type overflow.
		{OpAdd, "99.99", "0.01", dec(4, 2), "", ErrDecimalOverflow},
		{OpMul, "99", "99", dec(3, 0), "", ErrDecimalOverflow},
		// Large values go through math/big.
		{OpAdd, "9223372036854775807", "1", dec(20, 0), "9223372036854775808", nil},
		{OpSub, "-9223372036854775808", "1", dec(20, 0), "-9223372036854775809", nil},
		{OpMul, "9223372036854775807", "9223372036854775807", dec(39, 0), "85070591730234615847396907784232501249", nil},
		{OpDiv, "85070591730234615847396907784232501249", "9223372036854775807", dec(60, 6), "9223372036854775807.000000", nil},
		{OpDiv, "1", "7", dec(60, 40), "0.1428571428571428571428571428571428571429", nil},
		{OpMod, "85070591730234615847396907784232501250", "9223372036854775807", dec(40, 0), "1", nil},
		{OpAdd, "0.1", "0.00000000000000000000000001", dec(30, 26), "0.10000000000000000000000001", nil},
		{OpDiv, "-9223372036854775808", "-1", dec(18, 0), "", ErrDecimalOverflow},
		{OpDiv, "-9223372036854775808", "-1", dec(20, 0), "9223372036854775808", nil},
	}
	for _, c := range cases {
		a, b := MustParseDecimal(c.a), MustParseDecimal(c.b)
		got, err := DecimalArith(c.op, a, b, c.typ)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s %v %s = %v, %v; want %v", c.a, c.op, c.b, got, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("%s %v %s as %v = %v, %v; want %s", c.a, c.op, c.b, c.typ, got, err, c.want)
		}
		if err == nil && got.Scale() != int32(c.typ.Scale()) {
			t.Errorf("%s %v %s: scale %d, want %d", c.a, c.op, c.b, got.Scale(), c.typ.Scale())
		}
	}
	if _, err := DecimalArith(OpAdd, NewDecimal(1, 0), NewDecimal(1, 0), DoubleType); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("non-decimal result type: %v", err)
	}
}

// TestDecimalArithTypedRules checks that, for operands that fit their
// types, a result computed with ArithmeticType's type never overflows
// for + - * / (the rules leave room for every result).
func TestDecimalArithTypedRules(t *testing.T) {
	vals := []struct {
		s    string
		p, c int
	}{
		{"99.99", 4, 2}, {"-99.99", 4, 2}, {"0.01", 4, 2}, {"9.9999", 5, 4}, {"-0.0001", 5, 4},
		{"999999999", 9, 0}, {"1", 1, 0}, {"-9", 1, 0}, {"0.9", 1, 1},
	}
	for _, x := range vals {
		for _, y := range vals {
			a, b := MustParseDecimal(x.s), MustParseDecimal(y.s)
			for _, op := range []ArithOp{OpAdd, OpSub, OpMul, OpDiv, OpMod} {
				rt, ok := ArithmeticType(op, dec(x.p, x.c), dec(y.p, y.c))
				if !ok {
					t.Fatalf("no type for %v", op)
				}
				if _, err := DecimalArith(op, a, b, rt); err != nil {
					t.Errorf("%s %v %s as %v: %v", x.s, op, y.s, rt, err)
				}
			}
		}
	}
}

func TestDecimalCast(t *testing.T) {
	cases := []struct {
		in   string
		p, s int32
		want string
		msg  string
	}{
		{"5.4", 4, 1, "5.4", ""},
		{"1.5", 6, 2, "1.50", ""},
		{"0.05", 1, 1, "0.1", ""},
		{"0.04", 1, 1, "0.0", ""},
		{"-0.05", 1, 1, "-0.1", ""},
		{"2.5", 1, 0, "3", ""},
		{"-2.5", 1, 0, "-3", ""},
		{"999.94", 4, 1, "999.9", ""},
		{"0", 1, 1, "0.0", ""},
		{"1E+3", 4, 0, "1000", ""},
		{"1202.5", 4, 1, "", "Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3. Got 1202.5"},
		{"999.95", 4, 1, "", "Got 1000.0"},
		{"10", 1, 0, "", "less than 10^1. Got 10"},
		{"12345678987654321.2345678987654321", 17, 0, "12345678987654321", ""},
		{"12345678987654321.5", 17, 0, "12345678987654322", ""},
		{"99999999999999999.5", 17, 0, "", "Got 100000000000000000"},
	}
	for _, c := range cases {
		got, err := MustParseDecimal(c.in).Cast(c.p, c.s)
		if c.msg != "" {
			var oe *OverflowError
			if !errors.Is(err, ErrDecimalOverflow) || !errors.As(err, &oe) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Cast(%s, %d, %d) error = %v, want %q", c.in, c.p, c.s, err, c.msg)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("Cast(%s, %d, %d) = %v, %v; want %s", c.in, c.p, c.s, got, err, c.want)
		}
	}
	if _, err := NewDecimal(1, 0).CastTo(StringType); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("CastTo(STRING): %v", err)
	}
	if got, err := NewDecimal(15, 1).CastTo(dec(3, 2)); err != nil || got.String() != "1.50" {
		t.Errorf("CastTo = %v, %v", got, err)
	}
}

func TestDecimalRounding(t *testing.T) {
	modes := []struct {
		m    RoundingMode
		name string
		// results for 2.5, -2.5, 2.1, -2.1, 2.9, -2.9, 3.5, 2.0
		want [8]string
	}{
		{RoundHalfUp, "HALF_UP", [8]string{"3", "-3", "2", "-2", "3", "-3", "4", "2"}},
		{RoundHalfEven, "HALF_EVEN", [8]string{"2", "-2", "2", "-2", "3", "-3", "4", "2"}},
		{RoundHalfDown, "HALF_DOWN", [8]string{"2", "-2", "2", "-2", "3", "-3", "3", "2"}},
		{RoundDown, "DOWN", [8]string{"2", "-2", "2", "-2", "2", "-2", "3", "2"}},
		{RoundUp, "UP", [8]string{"3", "-3", "3", "-3", "3", "-3", "4", "2"}},
		{RoundFloor, "FLOOR", [8]string{"2", "-3", "2", "-3", "2", "-3", "3", "2"}},
		{RoundCeiling, "CEILING", [8]string{"3", "-2", "3", "-2", "3", "-2", "4", "2"}},
	}
	ins := [8]string{"2.5", "-2.5", "2.1", "-2.1", "2.9", "-2.9", "3.5", "2.0"}
	for _, m := range modes {
		for i, in := range ins {
			small := MustParseDecimal(in).Rescale(0, m.m)
			if small.String() != m.want[i] {
				t.Errorf("%s(%s) = %s, want %s", m.name, in, small, m.want[i])
			}
			// Moving the value by an even integer far beyond int64, away
			// from zero, keeps sign and parity: the math/big path must
			// round it the same way.
			off := MustParseDecimal("2E+20")
			if in[0] == '-' {
				off = off.Neg()
			}
			bigOut := MustParseDecimal(in).Add(off).Rescale(0, m.m)
			if want := MustParseDecimal(m.want[i]).Add(off); bigOut.Cmp(want) != 0 {
				t.Errorf("%s(%s + %s) = %s, want %s", m.name, in, off, bigOut, want)
			}
		}
	}
}

func TestDecimalRound(t *testing.T) {
	// math.json "round with large DECIMAL values": ROUND keeps the scale.
	v := MustParseDecimal("12345678987654321.2345678987654321")
	cases := []struct {
		places int32
		want   string
	}{
		{1, "12345678987654321.2000000000000000"},
		{2, "12345678987654321.2300000000000000"},
		{10, "12345678987654321.2345678988000000"},
		{0, "12345678987654321.0000000000000000"},
		{-1, "12345678987654320.0000000000000000"},
		{-2, "12345678987654300.0000000000000000"},
		{16, "12345678987654321.2345678987654321"},
		{20, "12345678987654321.2345678987654321"},
	}
	for _, c := range cases {
		if got := v.Round(c.places, RoundHalfUp).String(); got != c.want {
			t.Errorf("Round(%d) = %s, want %s", c.places, got, c.want)
		}
	}
	if got := MustParseDecimal("12345.678").Round(-2, RoundHalfUp).String(); got != "12300.000" {
		t.Errorf("Round(-2) = %s", got)
	}
	if got := MustParseDecimal("-1.5").Rescale(0, RoundHalfUp).String(); got != "-2" {
		t.Errorf("Rescale(-1.5, 0) = %s", got)
	}
	if got := MustParseDecimal("1.5").Rescale(3, RoundHalfUp).String(); got != "1.500" {
		t.Errorf("Rescale up = %s", got)
	}
	if got := NewDecimal(math.MaxInt64, 0).Rescale(2, RoundHalfUp).String(); got != "9223372036854775807.00" {
		t.Errorf("Rescale up past int64 = %s", got)
	}
}

func TestDecimalCmpAndIdentical(t *testing.T) {
	ordered := []string{
		"-1E+30", "-9223372036854775809", "-9223372036854775808", "-100", "-1.5", "-1.05", "-1",
		"-0.000000000000000000001", "0", "0.000000000000000000001", "0.1", "0.1000000000000000000001",
		"1", "1.05", "1.5", "100", "9223372036854775807", "9223372036854775808", "1E+30",
	}
	for i, a := range ordered {
		for j, b := range ordered {
			da, db := MustParseDecimal(a), MustParseDecimal(b)
			want := cmp64(int64(i), int64(j))
			if got := da.Cmp(db); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	one, oneZero := MustParseDecimal("1"), MustParseDecimal("1.00")
	if one.Cmp(oneZero) != 0 || one.Identical(oneZero) || !oneZero.Identical(NewDecimal(100, 2)) {
		t.Error("1 and 1.00 are equal but not identical")
	}
	b1, b2 := MustParseDecimal("1E+30").Rescale(0, RoundDown), MustParseDecimal("1000000000000000000000000000000")
	if !b1.Identical(b2) || b1.Identical(MustParseDecimal("1E+30")) {
		t.Error("big Identical")
	}
	if MustParseDecimal("-0.00").Sign() != 0 || !MustParseDecimal("0.000").IsZero() {
		t.Error("zero")
	}
}

func TestDecimalConversions(t *testing.T) {
	floats := []struct {
		in   string
		want float64
	}{
		{"0.1", 0.1}, {"10.01", 10.01}, {"-1.5", -1.5}, {"1E+3", 1000}, {"1E+30", 1e30},
		{"12345678987654321.2345678987654321", 12345678987654321.2345678987654321},
		{"1E-400", 0}, {"1E+400", math.Inf(1)}, {"-1E+400", math.Inf(-1)},
		{"0.3333333333333333333333333333333333", 1.0 / 3},
	}
	for _, c := range floats {
		if got := MustParseDecimal(c.in).Float64(); got != c.want {
			t.Errorf("Float64(%s) = %v, want %v", c.in, got, c.want)
		}
	}
	truncs := []struct {
		in   string
		want int64
	}{
		{"10.99", 10}, {"-10.99", -10}, {"0.5", 0}, {"1E+2", 100}, {"123", 123},
		{"9223372036854775808", math.MinInt64}, // wraps as Java's longValue
		{"18446744073709551617", 1},
		{"-18446744073709551617", -1},
		{"2147483648", 2147483648},
		{"1E+19", -8446744073709551616},
		{"1E-30", 0},
		{"123456789012345678901234.5", -7269072992350064654},
	}
	for _, c := range truncs {
		if got := MustParseDecimal(c.in).TruncInt64(); got != c.want {
			t.Errorf("TruncInt64(%s) = %d, want %d", c.in, got, c.want)
		}
	}
	precs := []struct {
		in   string
		want int
	}{
		{"0", 1}, {"0.00", 1}, {"1", 1}, {"-9", 1}, {"10", 2}, {"1.00", 3}, {"-9223372036854775808", 19},
		{"9999999999999999999", 19}, {"10000000000000000000", 20}, {"1" + strings.Repeat("0", 100), 101},
		{strings.Repeat("9", 100), 100}, {"1E+5", 1},
	}
	for _, c := range precs {
		if got := MustParseDecimal(c.in).Precision(); got != c.want {
			t.Errorf("Precision(%s) = %d, want %d", c.in, got, c.want)
		}
	}
	fromF := []struct {
		f    float64
		want string
	}{
		{0.1, "0.1"}, {1, "1.0"}, {1e10, "10000000000"}, {-2.5, "-2.5"}, {1e-5, "0.000010"}, {123.456, "123.456"},
	}
	for _, c := range fromF {
		d, err := DecimalFromFloat64(c.f)
		if err != nil || d.String() != c.want {
			t.Errorf("DecimalFromFloat64(%v) = %v, %v; want %s", c.f, d, err, c.want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := DecimalFromFloat64(f); !errors.Is(err, ErrInvalidDecimal) {
			t.Errorf("DecimalFromFloat64(%v): %v", f, err)
		}
	}
	if u, ok := NewDecimal(-5, 1).UnscaledInt64(); !ok || u != -5 {
		t.Error("UnscaledInt64")
	}
	if _, ok := MustParseDecimal("1" + strings.Repeat("0", 30)).UnscaledInt64(); ok {
		t.Error("UnscaledInt64 of a big value")
	}
	b := big.NewInt(42)
	d := NewDecimalFromBig(b, 1)
	b.SetInt64(7)
	if d.String() != "4.2" {
		t.Error("NewDecimalFromBig must copy", d)
	}
	if d := NewDecimalFromBig(new(big.Int).Lsh(big.NewInt(1), 70), 2); d.String() != "11805916207174113034.24" {
		t.Error(d)
	}
	if got := MustParseDecimal("-3").Abs().String(); got != "3" {
		t.Error("Abs", got)
	}
	if got := NewDecimal(math.MinInt64, 0).Neg().String(); got != "9223372036854775808" {
		t.Error("Neg(MinInt64)", got)
	}
	if got := MustParseDecimal("9223372036854775808").Neg().Neg().Neg(); !got.Identical(NewDecimal(math.MinInt64, 0)) {
		t.Error("Neg back into int64", got)
	}
}

func TestDecimalAppendNoAlloc(t *testing.T) {
	d := MustParseDecimal("-1234.5678")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = d.Append(buf[:0]) }); n != 0 {
		t.Errorf("Append allocates %v times", n)
	}
	if string(buf) != "-1234.5678" {
		t.Error(string(buf))
	}
}

// ratOf returns the exact value of d.
func ratOf(d Decimal) *big.Rat {
	r := new(big.Rat).SetInt(d.Unscaled())
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs32(d.Scale()))), nil))
	if d.Scale() >= 0 {
		return r.Quo(r, p)
	}
	return r.Mul(r, p)
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// isJavaDecimalSyntax reports whether s is in the syntax ParseDecimal
// promises to accept, checked independently of the parser.
func isJavaDecimalSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			goto exp
		}
	}
exp:
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func FuzzDecimalParse(f *testing.F) {
	for _, s := range []string{
		"0", "1.00", "-0.05", ".5", "5.", "1E+3", "1.5e-7", "0E-8", "9223372036854775808",
		"-9223372036854775808", "12345678987654321.2345678987654321", "1e", "abc", "+.0e-0",
		"0.0000001", "123E-10", "99999999999999999999999999.999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			if isJavaDecimalSyntax(s) && len(s) < 1000 && !strings.ContainsAny(s, "eE") {
				t.Fatalf("ParseDecimal(%q) rejected valid syntax: %v", s, err)
			}
			return
		}
		if !isJavaDecimalSyntax(s) {
			t.Fatalf("ParseDecimal(%q) accepted invalid syntax: %v", s, d)
		}
		// Agreement with math/big on the value.
		want, ok := new(big.Rat).SetString(s)
		if ok && want.Cmp(ratOf(d)) != 0 {
			t.Fatalf("ParseDecimal(%q) = %v, big.Rat says %v", s, ratOf(d).RatString(), want.RatString())
		}
		// Plain text parses back to the same value, and is then a fixed point.
		plain := d.String()
		d2, err := ParseDecimal(plain)
		if err != nil {
			if d.Scale() < -maxDecimalScale/2 {
				return // plain text of huge exponents may exceed the digit limit
			}
			t.Fatalf("plain %q of %q does not parse: %v", plain, s, err)
		}
		if d2.Cmp(d) != 0 || d2.String() != plain {
			t.Fatalf("plain round trip of %q: %q -> %v", s, plain, d2)
		}
		if d.Scale() >= 0 && !d2.Identical(d) {
			t.Fatalf("plain round trip of %q lost the scale: %v scale %d", s, d2, d2.Scale())
		}
		// Scientific text gives back exactly d.
		sci := d.ScientificString()
		d3, err := ParseDecimal(sci)
		if err != nil || !d3.Identical(d) {
			t.Fatalf("scientific round trip of %q: %q -> %v, %v", s, sci, d3, err)
		}
		// Hash and Equal agree across representations of the same value.
		if !Dec(d).Equal(Dec(d2)) || Dec(d).Hash() != Dec(d2).Hash() {
			t.Fatalf("%q: %v and %v equal but hash differently", s, d, d2)
		}
		if f64 := d.Float64(); !math.IsInf(f64, 0) && f64 != 0 {
			want, _ := ratOf(d).Float64() // nearest float64, rounded once
			if f64 != want {
				t.Fatalf("Float64(%q) = %v, want %v", s, f64, want)
			}
		}
	})
}
