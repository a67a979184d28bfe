package types

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestBinaryRoundTrip(t *testing.T) {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	pt := MustStructType(Field{Name: "X", Type: IntegerType}, Field{Name: "TAGS", Type: ArrayType(StringType)})
	cases := []struct {
		v  Value
		t  Type
		in string
	}{
		{Null(), BigIntType, "null"},
		{Bool(true), BooleanType, "true"},
		{Bool(false), BooleanType, "false"},
		{Int(-7), IntegerType, "int"},
		{BigInt(math.MinInt64), BigIntType, "min bigint"},
		{BigInt(math.MaxInt64), BigIntType, "max bigint"},
		{Double(-0.5), DoubleType, "double"},
		{Double(math.Inf(1)), DoubleType, "infinity"},
		{Dec(NewDecimal(-12345, 4)), MustDecimalType(10, 4), "decimal"},
		{Dec(NewDecimalFromBig(huge, 3)), MustDecimalType(38, 3), "big decimal"},
		{Str(""), StringType, "empty string"},
		{Str("héllo\x00"), StringType, "string"},
		{Bytes([]byte{0, 1, 255}), BytesType, "bytes"},
		{Timestamp(-1), TimestampType, "timestamp"},
		{Date(19000), DateType, "date"},
		{Time(86_399_999), TimeType, "time"},
		{Array([]Value{Str("a"), Null(), Str("c")}), ArrayType(StringType), "array"},
		{Map([]Value{Str("k"), Str("j")}, []Value{BigInt(1), Null()}), MapType(StringType, BigIntType), "map"},
		{Struct(pt.FieldNames(), []Value{Int(3), Array([]Value{Str("t")})}), pt, "struct"},
		{Array([]Value{Struct(pt.FieldNames(), []Value{Null(), Null()})}), ArrayType(pt), "array of structs"},
	}
	for _, c := range cases {
		b := AppendBinary([]byte("prefix"), c.v)
		got, rest, err := ReadBinary(append(b[len("prefix"):], 0xEE), c.t)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !bytes.Equal(rest, []byte{0xEE}) {
			t.Errorf("%s: rest %x, want ee", c.in, rest)
		}
		if got.Kind() != c.v.Kind() || !got.Equal(c.v) && !(c.v.IsNull() && got.IsNull()) || got.String() != c.v.String() {
			t.Errorf("%s: got %s, want %s", c.in, got, c.v)
		}
	}
}

func TestBinaryOwnsItsMemory(t *testing.T) {
	b := AppendBinary(nil, Array([]Value{Str("abc"), Bytes([]byte("xyz"))}))
	v, _, err := ReadBinary(b, ArrayType(StringType))
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = '!'
	}
	if v.Index(0).Str() != "abc" || string(v.Index(1).Bytes()) != "xyz" {
		t.Fatalf("decoded values changed with the buffer: %s", v)
	}
}

func TestBinaryMalformed(t *testing.T) {
	for _, b := range [][]byte{
		{}, {byte(KindBoolean)}, {byte(KindBoolean), 2}, {byte(KindBigInt)}, {byte(KindDouble), 1, 2},
		{byte(KindString), 5, 'a'}, {byte(KindArray), 200}, {byte(KindMap), 1, 0}, {0x7F},
		{byte(KindStruct), 1, 0}, // read as BIGINT: not a struct
	} {
		if _, _, err := ReadBinary(b, BigIntType); !errors.Is(err, ErrBinary) {
			t.Errorf("%x: err %v, want ErrBinary", b, err)
		}
	}
}

// FuzzReadBinary checks that any input either fails cleanly or decodes to
// a value whose encoding decodes to the same value again.
func FuzzReadBinary(f *testing.F) {
	typ := ArrayType(MapType(StringType, MustStructType(Field{Name: "A", Type: DoubleType})))
	f.Add(AppendBinary(nil, Array([]Value{MapPairs([]Value{Str("k"), Struct([]string{"A"}, []Value{Double(1)})})})))
	f.Add(AppendBinary(nil, Dec(NewDecimal(5, 1))))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := ReadBinary(b, typ)
		if err != nil {
			if !errors.Is(err, ErrBinary) {
				t.Fatalf("error %v is not ErrBinary", err)
			}
			return
		}
		again, rest, err := ReadBinary(AppendBinary(nil, v), typ)
		if err != nil || len(rest) != 0 || again.String() != v.String() {
			t.Fatalf("%x decodes to %s, which round-trips to %s (rest %x, %v)", b, v, again, rest, err)
		}
	})
}
