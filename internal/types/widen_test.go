package types

import "testing"

func dec(p, s int) Type { return MustDecimalType(p, s) }

func TestCommonNumeric(t *testing.T) {
	cases := []struct {
		a, b Type
		want Type
		ok   bool
	}{
		{IntegerType, IntegerType, IntegerType, true},
		{IntegerType, BigIntType, BigIntType, true},
		{BigIntType, IntegerType, BigIntType, true},
		{IntegerType, DoubleType, DoubleType, true},
		{dec(4, 2), DoubleType, DoubleType, true},
		{DoubleType, dec(30, 18), DoubleType, true},
		{dec(4, 2), dec(4, 2), dec(4, 2), true},
		// least.json "test decimal widening": DECIMAL(9,2), DECIMAL(7,6) -> DECIMAL(13,6).
		{dec(9, 2), dec(7, 6), dec(13, 6), true},
		{IntegerType, dec(4, 2), dec(12, 2), true},
		{dec(4, 2), BigIntType, dec(21, 2), true},
		{BigIntType, dec(19, 0), dec(19, 0), true},
		{IntegerType, StringType, Type{}, false},
		{BooleanType, BooleanType, Type{}, false},
		{Type{}, IntegerType, Type{}, false},
		{dec(1000, 0), dec(1000, 1000), Type{}, false}, // beyond MaxDecimalPrecision
	}
	for _, c := range cases {
		got, ok := CommonNumeric(c.a, c.b)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("CommonNumeric(%v, %v) = %v, %v; want %v, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
		// Symmetric.
		got2, ok2 := CommonNumeric(c.b, c.a)
		if ok2 != ok || !got2.Equal(got) {
			t.Errorf("CommonNumeric not symmetric for %v, %v", c.a, c.b)
		}
		// Both operands widen to the common type.
		if ok && (!Widens(c.a, got) || !Widens(c.b, got)) {
			t.Errorf("%v or %v does not widen to CommonNumeric %v", c.a, c.b, got)
		}
	}
}

func TestDecimalOf(t *testing.T) {
	if d, ok := DecimalOf(IntegerType); !ok || !d.Equal(dec(10, 0)) {
		t.Error("INTEGER", d)
	}
	if d, ok := DecimalOf(BigIntType); !ok || !d.Equal(dec(19, 0)) {
		t.Error("BIGINT", d)
	}
	if d, ok := DecimalOf(dec(3, 1)); !ok || !d.Equal(dec(3, 1)) {
		t.Error("DECIMAL", d)
	}
	if _, ok := DecimalOf(DoubleType); ok {
		t.Error("DOUBLE has no exact decimal")
	}
}

func TestWidens(t *testing.T) {
	cases := []struct {
		from, to Type
		want     bool
	}{
		{IntegerType, IntegerType, true},
		{IntegerType, BigIntType, true},
		{IntegerType, DoubleType, true},
		{IntegerType, dec(10, 0), true},
		{IntegerType, dec(12, 2), true},
		{IntegerType, dec(9, 0), false},
		{BigIntType, IntegerType, false},
		{BigIntType, DoubleType, true},
		{BigIntType, dec(19, 0), true},
		{BigIntType, dec(20, 2), false},
		{dec(4, 2), DoubleType, true},
		{dec(4, 2), dec(5, 3), true},
		{dec(4, 2), dec(4, 3), false},
		{dec(4, 2), dec(5, 1), false},
		{dec(4, 2), BigIntType, false},
		{DoubleType, dec(38, 10), false},
		{DoubleType, BigIntType, false},
		{StringType, StringType, true},
		{StringType, BytesType, false},
		{ArrayType(IntegerType), ArrayType(IntegerType), true},
		{ArrayType(IntegerType), ArrayType(BigIntType), false},
		{TimestampType, BigIntType, false},
	}
	for _, c := range cases {
		if got := Widens(c.from, c.to); got != c.want {
			t.Errorf("Widens(%v, %v) = %v", c.from, c.to, got)
		}
	}
}

func TestArithmeticType(t *testing.T) {
	cases := []struct {
		op   ArithOp
		a, b Type
		want string // "" when not numeric
	}{
		{OpAdd, IntegerType, IntegerType, "INTEGER"},
		{OpDiv, IntegerType, IntegerType, "INTEGER"},
		{OpAdd, IntegerType, BigIntType, "BIGINT"},
		{OpMul, BigIntType, DoubleType, "DOUBLE"},
		{OpAdd, dec(4, 2), DoubleType, "DOUBLE"},
		// decimal.json: DECIMAL(4,2) with DECIMAL(4,2).
		{OpAdd, dec(4, 2), dec(4, 2), "DECIMAL(5, 2)"},
		{OpSub, dec(4, 2), dec(4, 2), "DECIMAL(5, 2)"},
		{OpMul, dec(4, 2), dec(4, 2), "DECIMAL(9, 4)"},
		{OpDiv, dec(4, 2), dec(4, 2), "DECIMAL(11, 7)"},
		{OpMod, dec(4, 2), dec(4, 2), "DECIMAL(4, 2)"},
		// DECIMAL(4,2) + INT: the int is DECIMAL(10, 0).
		{OpAdd, dec(4, 2), IntegerType, "DECIMAL(13, 2)"},
		{OpAdd, BigIntType, dec(4, 2), "DECIMAL(22, 2)"},
		{OpSub, dec(4, 2), dec(5, 3), "DECIMAL(6, 3)"},
		{OpDiv, dec(1, 0), dec(1, 0), "DECIMAL(7, 6)"},
		{OpDiv, dec(38, 10), dec(38, 10), "DECIMAL(87, 49)"},
		{OpMod, dec(10, 2), dec(3, 3), "DECIMAL(3, 3)"},
		{OpMul, dec(10, 5), IntegerType, "DECIMAL(21, 5)"},
		{OpAdd, StringType, IntegerType, ""},
		{OpAdd, Type{}, IntegerType, ""},
		{OpDiv, dec(1000, 500), dec(1000, 500), ""}, // beyond MaxDecimalPrecision
	}
	for _, c := range cases {
		got, ok := ArithmeticType(c.op, c.a, c.b)
		if c.want == "" {
			if ok {
				t.Errorf("%v %v %v = %v, want none", c.a, c.op, c.b, got)
			}
			continue
		}
		if !ok || got.String() != c.want {
			t.Errorf("%v %v %v = %v, %v; want %s", c.a, c.op, c.b, got, ok, c.want)
		}
	}
}

func TestWidenValue(t *testing.T) {
	cases := []struct {
		v    Value
		to   Type
		want string
		kind Kind
	}{
		{Int(5), BigIntType, "5", KindBigInt},
		{Int(-5), DoubleType, "-5.0", KindDouble},
		{BigInt(1 << 40), DoubleType, "1.099511627776E12", KindDouble},
		{Int(5), dec(13, 2), "5.00", KindDecimal},
		{BigInt(-7), dec(19, 0), "-7", KindDecimal},
		{Dec(MustParseDecimal("10.01")), DoubleType, "10.01", KindDouble},
		{Dec(MustParseDecimal("10.01")), dec(6, 4), "10.0100", KindDecimal},
		{Dec(MustParseDecimal("10.05")), dec(3, 1), "10.1", KindDecimal},
		{Dec(MustParseDecimal("1.5")), dec(2, 1), "1.5", KindDecimal},
		{Null(), dec(2, 1), "null", KindNull},
		{Str("x"), StringType, "x", KindString},
		{Double(1.5), DoubleType, "1.5", KindDouble},
	}
	for _, c := range cases {
		got, err := Widen(c.v, c.to)
		if err != nil || got.String() != c.want || got.Kind() != c.kind {
			t.Errorf("Widen(%v, %v) = %v (%v), %v; want %s (%v)", c.v, c.to, got, got.Kind(), err, c.want, c.kind)
		}
	}
	if _, err := Widen(BigInt(1000), dec(3, 0)); err == nil {
		t.Error("1000 fits no DECIMAL(3, 0)")
	}
	if _, err := Widen(Double(1), BigIntType); err == nil {
		t.Error("DOUBLE does not widen to BIGINT")
	}
	if _, err := Widen(Str("1"), IntegerType); err == nil {
		t.Error("STRING does not widen to INTEGER")
	}
}
