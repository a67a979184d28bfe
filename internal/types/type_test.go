package types

import (
	"errors"
	"strings"
	"testing"
)

func TestTypeString(t *testing.T) {
	ab := MustStructType(Field{"A", IntegerType}, Field{"B", StringType})
	headers := ArrayType(MustStructType(Field{"KEY", StringType}, Field{"VALUE", BytesType}))
	cases := []struct {
		t    Type
		want string
	}{
		{Type{}, "null"},
		{BooleanType, "BOOLEAN"},
		{IntegerType, "INTEGER"},
		{BigIntType, "BIGINT"},
		{DoubleType, "DOUBLE"},
		{StringType, "STRING"},
		{BytesType, "BYTES"},
		{TimestampType, "TIMESTAMP"},
		{DateType, "DATE"},
		{TimeType, "TIME"},
		{MustDecimalType(4, 2), "DECIMAL(4, 2)"},
		{MustDecimalType(1, 0), "DECIMAL(1, 0)"},
		{MustDecimalType(50, 30), "DECIMAL(50, 30)"},
		{ArrayType(StringType), "ARRAY<STRING>"},
		{ArrayType(ArrayType(ArrayType(BigIntType))), "ARRAY<ARRAY<ARRAY<BIGINT>>>"},
		{MapType(StringType, IntegerType), "MAP<STRING, INTEGER>"},
		{MapType(IntegerType, StringType), "MAP<INTEGER, STRING>"},
		{MapType(StringType, ArrayType(IntegerType)), "MAP<STRING, ARRAY<INTEGER>>"},
		{ab, "STRUCT<`A` INTEGER, `B` STRING>"},
		{MustStructType(), "STRUCT< >"},
		{MustStructType(Field{"F0", StringType}, Field{"f1", IntegerType}), "STRUCT<`F0` STRING, `f1` INTEGER>"},
		{MustStructType(Field{"a`b", IntegerType}), "STRUCT<`a``b` INTEGER>"},
		{headers, "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>"},
		{ArrayType(MapType(StringType, ab)), "ARRAY<MAP<STRING, STRUCT<`A` INTEGER, `B` STRING>>>"},
	}
	for _, c := range cases {
		if got := c.t.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestDecimalTypeValidation(t *testing.T) {
	cases := []struct {
		p, s int
		msg  string // "" for valid
	}{
		{1, 0, ""},
		{4, 4, ""},
		{MaxDecimalPrecision, 0, ""},
		{0, 0, "DECIMAL precision must be >= 1: DECIMAL(0,0)"},
		{2, -1, "DECIMAL scale must be >= 0: DECIMAL(2,-1)"},
		{1, 3, "DECIMAL precision must be >= scale: DECIMAL(1,3)"},
		{MaxDecimalPrecision + 1, 0, "DECIMAL precision must be <= 1000"},
	}
	for _, c := range cases {
		typ, err := DecimalType(c.p, c.s)
		if c.msg == "" {
			if err != nil || typ.Precision() != c.p || typ.Scale() != c.s || typ.Kind() != KindDecimal {
				t.Errorf("DecimalType(%d, %d) = %v, %v", c.p, c.s, typ, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidType) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("DecimalType(%d, %d) error = %v, want %q", c.p, c.s, err, c.msg)
		}
	}
}

func TestStructType(t *testing.T) {
	_, err := StructType(Field{"A", IntegerType}, Field{"A", StringType})
	if !errors.Is(err, ErrInvalidType) || !strings.Contains(err.Error(), "Duplicate field names found in STRUCT") {
		t.Fatalf("duplicate fields: %v", err)
	}
	// Names are case-sensitive: FOO and foo are two fields.
	fields := []Field{{"FOO", StringType}, {"foo", StringType}}
	st, err := StructType(fields...)
	if err != nil {
		t.Fatal(err)
	}
	fields[0].Name = "CHANGED" // the type keeps its own copy
	if st.Field(0).Name != "FOO" || st.NumFields() != 2 {
		t.Fatalf("fields = %v", st.Fields())
	}
	if i, ok := st.FieldIndex("foo"); !ok || i != 1 {
		t.Errorf("FieldIndex(foo) = %d, %v", i, ok)
	}
	if _, ok := st.FieldIndex("Foo"); ok {
		t.Error("FieldIndex is case-sensitive")
	}
	if names := st.FieldNames(); len(names) != 2 || names[0] != "FOO" || names[1] != "foo" {
		t.Errorf("FieldNames = %v", names)
	}
}

func TestTypeAccessors(t *testing.T) {
	m := MapType(StringType, ArrayType(IntegerType))
	if !m.Key().Equal(StringType) || !m.Elem().Equal(ArrayType(IntegerType)) || !m.Elem().Elem().Equal(IntegerType) {
		t.Errorf("map parts: %v %v", m.Key(), m.Elem())
	}
	if !BigIntType.Elem().IsZero() || BigIntType.NumFields() != 0 || BigIntType.FieldNames() != nil {
		t.Error("primitive types have no parts")
	}
	if !Type.IsNumeric(MustDecimalType(3, 1)) || StringType.IsNumeric() {
		t.Error("IsNumeric")
	}
}

func TestTypeEqual(t *testing.T) {
	types := []Type{
		{},
		BooleanType, IntegerType, BigIntType, DoubleType, StringType, BytesType,
		TimestampType, DateType, TimeType,
		MustDecimalType(4, 2), MustDecimalType(5, 2), MustDecimalType(4, 1),
		ArrayType(IntegerType), ArrayType(BigIntType),
		MapType(StringType, IntegerType), MapType(IntegerType, IntegerType), MapType(StringType, BigIntType),
		MustStructType(Field{"A", IntegerType}),
		MustStructType(Field{"a", IntegerType}),
		MustStructType(Field{"A", BigIntType}),
		MustStructType(Field{"A", IntegerType}, Field{"B", IntegerType}),
		MustStructType(),
	}
	for i, a := range types {
		for j, b := range types {
			if got := a.Equal(b); got != (i == j) {
				t.Errorf("%v.Equal(%v) = %v", a, b, got)
			}
		}
	}
	// Structurally equal types built separately are equal.
	x := ArrayType(MustStructType(Field{"A", MustDecimalType(4, 2)}))
	y := ArrayType(MustStructType(Field{"A", MustDecimalType(4, 2)}))
	if !x.Equal(y) {
		t.Errorf("%v != %v", x, y)
	}
}

func TestKindString(t *testing.T) {
	if KindInt.String() != "INTEGER" || KindNull.String() != "null" || Kind(200).String() != "Kind(200)" {
		t.Error(KindInt, KindNull, Kind(200))
	}
}
