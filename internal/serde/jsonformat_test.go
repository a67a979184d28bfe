package serde

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

var (
	dec52    = types.MustDecimalType(5, 2)
	pointTyp = types.MustStructType(types.Field{Name: "X", Type: types.IntegerType}, types.Field{Name: "Label", Type: types.StringType})
	pointNms = pointTyp.FieldNames()
)

func d(s string) types.Value { return types.Dec(types.MustParseDecimal(s)) }

func TestJSONDecodeTypes(t *testing.T) {
	tests := []struct {
		typ  types.Type
		json string
		want types.Value
	}{
		{types.BooleanType, `true`, types.Bool(true)},
		{types.BooleanType, `false`, types.Bool(false)},
		{types.BooleanType, `null`, types.Null()},
		{types.IntegerType, `42`, types.Int(42)},
		{types.IntegerType, `-2147483648`, types.Int(math.MinInt32)},
		{types.IntegerType, `"17"`, types.Int(17)},
		{types.IntegerType, `1.9`, types.Int(1)},
		{types.IntegerType, `1e2`, types.Int(100)},
		{types.IntegerType, `-1.9`, types.Int(-1)},
		{types.IntegerType, `2147483648`, types.Int(math.MinInt32)}, // Java's intValue wraps around
		{types.IntegerType, `4294967297.5`, types.Int(1)},
		{types.BigIntType, `9223372036854775808`, types.BigInt(math.MinInt64)},
		{types.BigIntType, `18446744073709551621`, types.BigInt(5)},
		{types.BigIntType, `1e19`, types.BigInt(-8446744073709551616)},
		{types.BigIntType, `1e100`, types.BigInt(0)},
		{types.BigIntType, `123e-2`, types.BigInt(1)},
		{types.TimestampType, `1.5`, types.Timestamp(1)},
		{types.BigIntType, `9223372036854775807`, types.BigInt(math.MaxInt64)},
		{types.BigIntType, `-9223372036854775808`, types.BigInt(math.MinInt64)},
		{types.BigIntType, `"-5"`, types.BigInt(-5)},
		{types.DoubleType, `1.5`, types.Double(1.5)},
		{types.DoubleType, `2`, types.Double(2)},
		{types.DoubleType, `-1e-3`, types.Double(-0.001)},
		{types.DoubleType, `"2.25"`, types.Double(2.25)},
		{types.DoubleType, `"NaN"`, types.Double(math.NaN())},
		{types.DoubleType, `"-Infinity"`, types.Double(math.Inf(-1))},
		{types.DoubleType, `1e400`, types.Double(math.Inf(1))},
		{types.DoubleType, `" 2.5d "`, types.Double(2.5)},
		{dec52, `1.5`, d("1.50")},
		{dec52, `"123.4"`, d("123.40")},
		{dec52, `-0.050`, d("-0.05")},
		{dec52, `7`, d("7.00")},
		{types.StringType, `"héllo"`, types.Str("héllo")},
		{types.StringType, `"a\"b\\c\u00e9\n"`, types.Str("a\"b\\cé\n")},
		{types.StringType, `""`, types.Str("")},
		{types.StringType, `12.50`, types.Str("12.50")},
		{types.StringType, `true`, types.Str("true")},
		{types.StringType, `{"a": [1, 2.50, 1e3], "b": "x\/y\u0001", "a": null}`, types.Str(`{"a":null,"b":"x/y\u0001"}`)},
		{types.StringType, `{"n": {"m": -0, "k": [true, null, 2.50, 1e3]}}`, types.Str(`{"n":{"m":0,"k":[true,null,2.50,1E+3]}}`)},
		{types.StringType, `["a", 1, 2.0, null, ["b"], {"c": 1}]`, types.Str(`[a, 1, 2.0, null, [b], {"c":1}]`)},
		{types.StringType, `1e3`, types.Str("1E+3")},
		{types.StringType, `-0`, types.Str("0")},
		{types.StringType, `0.0000001`, types.Str("1E-7")},
		{types.BytesType, `"AQID/w=="`, types.Bytes([]byte{1, 2, 3, 255})},
		{types.BytesType, `""`, types.Bytes([]byte{})},
		{types.TimestampType, `1704067199904`, types.Timestamp(1704067199904)},
		{types.TimestampType, `"-1000"`, types.Timestamp(-1000)},
		{types.DateType, `19000`, types.Date(19000)},
		{types.TimeType, `3723004`, types.Time(3723004)},
		{types.ArrayType(types.IntegerType), `[1, null, 3]`, types.Array([]types.Value{types.Int(1), types.Null(), types.Int(3)})},
		{types.ArrayType(types.StringType), `[]`, types.Array([]types.Value{})},
		{types.MapType(types.StringType, types.DoubleType), `{"a": 1.5, "b": null}`,
			types.Map([]types.Value{types.Str("a"), types.Str("b")}, []types.Value{types.Double(1.5), types.Null()})},
		{pointTyp, `{"x": 3, "LABEL": "p", "other": {}}`, types.Struct(pointNms, []types.Value{types.Int(3), types.Null()})},
		{pointTyp, `{"x": 3, "X": 4, "x": 5, "Label": "p"}`, types.Struct(pointNms, []types.Value{types.Int(4), types.Str("p")})},
		{pointTyp, `{"Label": "q"}`, types.Struct(pointNms, []types.Value{types.Null(), types.Str("q")})},
		{types.ArrayType(pointTyp), `[{"X": 1}, null]`, types.Array([]types.Value{types.Struct(pointNms, []types.Value{types.Int(1), types.Null()}), types.Null()})},
	}
	for _, tc := range tests {
		f := mustFormat(t, "JSON", []types.Column{col("C", tc.typ)}, Options{})
		in := `{"C": ` + tc.json + `}`
		got, err := f.Decode(nil, []byte(in))
		if err != nil {
			t.Errorf("%s: Decode(%s): %v", tc.typ, in, err)
			continue
		}
		if len(got) != 1 || !same(got[0], tc.want) {
			t.Errorf("%s: Decode(%s) = %v, want %v", tc.typ, in, got, tc.want)
		}
		// Unwrapped, the same JSON is the whole record.
		u := mustFormat(t, "JSON", []types.Column{col("C", tc.typ)}, Options{WrapSingle: ptr(false)})
		got, err = u.Decode(nil, []byte(tc.json))
		if err != nil || len(got) != 1 || !same(got[0], tc.want) {
			t.Errorf("%s: unwrapped Decode(%s) = %v, %v; want %v", tc.typ, tc.json, got, err, tc.want)
		}
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	tests := []struct {
		typ  types.Type
		json string
		want string
	}{
		{types.IntegerType, `"2147483648"`, "column `C`: cannot convert JSON \"\\\"2147483648\\\"\" to INTEGER"},
		{types.IntegerType, `"1.5"`, "to INTEGER"}, // Integer.parseInt
		{types.BooleanType, `"true"`, "to BOOLEAN"},
		{dec52, `"123.456"`, "Cannot fit decimal '123.456' into DECIMAL(5, 2) without rounding. (Requires 6,3)"},
		{dec52, `-0.005`, "without rounding"},
		{dec52, `true`, "to DECIMAL(5, 2)"},
		{types.DateType, `1e10`, "to DATE"},
		{types.IntegerType, `"x1"`, "cannot convert JSON \"\\\"x1\\\"\" to INTEGER"},
		{types.IntegerType, `true`, "to INTEGER"},
		{types.BigIntType, `"9223372036854775808"`, "to BIGINT"},
		{types.BigIntType, `[1]`, "to BIGINT"},
		{types.BooleanType, `1`, "to BOOLEAN"},
		{types.BooleanType, `"yes"`, "to BOOLEAN"},
		{types.DoubleType, `"abc"`, "to DOUBLE"},
		{types.DoubleType, `"1e400x"`, "to DOUBLE"},
		{types.DoubleType, `"inf"`, "to DOUBLE"}, // Go's spelling, not Java's
		{dec52, `1234.5`, "to DECIMAL(5, 2): types: Numeric field overflow"},
		{dec52, `"1.2.3"`, "to DECIMAL(5, 2)"},
		{types.BytesType, `"not base64!"`, "to BYTES"},
		{types.BytesType, `12`, "to BYTES"},
		{types.TimestampType, `"2021-01-01"`, "to TIMESTAMP"},
		{types.TimeType, `86400000`, "to TIME"},
		{types.ArrayType(types.IntegerType), `{"a": 1}`, "to ARRAY<INTEGER>"},
		{types.ArrayType(types.IntegerType), `[1, "z"]`, "cannot convert JSON \"\\\"z\\\"\" to INTEGER"},
		{pointTyp, `[1]`, "to STRUCT<`X` INTEGER, `Label` STRING>"},
		{pointTyp, `{"X": "one"}`, "to INTEGER"},
	}
	for _, tc := range tests {
		f := mustFormat(t, "JSON", []types.Column{col("C", tc.typ)}, Options{})
		in := `{"C": ` + tc.json + `}`
		got, err := f.Decode(nil, []byte(in))
		if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Decode(%s) = %v, %v; want ErrDecode containing %q", tc.typ, in, got, err, tc.want)
		}
		if len(got) != 0 {
			t.Errorf("%s: Decode(%s) appended %v despite the error", tc.typ, in, got)
		}
	}
	if _, err := (mustFormat(t, "JSON", []types.Column{col("C", dec52)}, Options{})).Decode(nil, []byte(`{"C": 1234.5}`)); !errors.Is(err, types.ErrDecimalOverflow) {
		t.Errorf("decimal overflow: %v, want errors.Is ErrDecimalOverflow", err)
	}
}

func TestJSONDecodeRecordErrors(t *testing.T) {
	f := mustFormat(t, "JSON", []types.Column{col("A", types.IntegerType), col("B", types.StringType)}, Options{})
	for in, want := range map[string]string{
		`{"A": 1,}`: "invalid JSON: offset 8",
		``:          "invalid JSON",
		`[1, "x"]`:  "JSON value must be an object with the columns [`A` INTEGER, `B` STRING], got \"[1, \\\"x\\\"]\"",
		`"x"`:       "must be an object",
		`{} {}`:     "invalid JSON",
	} {
		dst := []types.Value{types.Int(9)}
		got, err := f.Decode(dst, []byte(in))
		if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%q) = %v, want ErrDecode containing %q", in, err, want)
		}
		if len(got) != 1 {
			t.Errorf("Decode(%q) left dst = %v, want it unchanged", in, got)
		}
	}
}

func TestJSONFieldMatching(t *testing.T) {
	f := mustFormat(t, "JSON", []types.Column{col("ID", types.BigIntType), col("Name", types.StringType), col("SCORE", types.DoubleType)}, Options{})
	tests := []struct {
		in   string
		want []types.Value
	}{
		{`{"ID": 1, "Name": "a", "SCORE": 0.5}`, []types.Value{types.BigInt(1), types.Str("a"), types.Double(0.5)}},
		// Upper-cased member names match upper-case columns; a mixed-case
		// (quoted) column matches its exact name only, as in ksqlDB.
		{`{"score": 2.5, "id": 2, "NAME": "b"}`, []types.Value{types.BigInt(2), types.Null(), types.Double(2.5)}},
		{`{"Score": 1, "ID": 7, "id": "not a number"}`, []types.Value{types.BigInt(7), types.Null(), types.Double(1)}},
		{`{"sCORE": 1, "score": 2}`, []types.Value{types.Null(), types.Null(), types.Double(2)}},
		{`{"extra": [1, {"x": 2}], "Id": 3}`, []types.Value{types.BigInt(3), types.Null(), types.Null()}},
		{`{}`, []types.Value{types.Null(), types.Null(), types.Null()}},
		{` null `, []types.Value{types.Null(), types.Null(), types.Null()}},
		{`{"ID": 1, "ID": 4}`, []types.Value{types.BigInt(4), types.Null(), types.Null()}},
		{`{"\u0049D": 5, "name": null}`, []types.Value{types.BigInt(5), types.Null(), types.Null()}},
	}
	for _, tc := range tests {
		got, err := f.Decode(nil, []byte(tc.in))
		if err != nil || !sameRow(got, tc.want) {
			t.Errorf("Decode(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	// An exact match wins over an upper-cased one; one member may feed a
	// column by its name and another by its upper-cased name.
	g := mustFormat(t, "JSON", []types.Column{col("a", types.IntegerType), col("A", types.IntegerType)}, Options{})
	for in, want := range map[string][]types.Value{
		`{"A": 1, "a": 2}`: {types.Int(2), types.Int(1)},
		`{"a": 2}`:         {types.Int(2), types.Int(2)},
		`{"A": 1}`:         {types.Null(), types.Int(1)},
	} {
		got, err := g.Decode(nil, []byte(in))
		if err != nil || !sameRow(got, want) {
			t.Errorf("Decode(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	// Wide schemas look names up in a map.
	var wide []types.Column
	for i := range 70 {
		wide = append(wide, col(fmt.Sprintf("C%d", i), types.IntegerType))
	}
	w := mustFormat(t, "JSON", wide, Options{})
	got, err := w.Decode(nil, []byte(`{"c69": 1, "C3": 2, "c3": 3}`))
	if err != nil || len(got) != 70 || !same(got[69], types.Int(1)) || !same(got[3], types.Int(2)) || !got[0].IsNull() {
		t.Errorf("wide Decode = %v, %v", got, err)
	}
	// A nil record is all NULLs; dst is appended to.
	got, err = f.Decode([]types.Value{types.Int(7)}, nil)
	if err != nil || !sameRow(got, []types.Value{types.Int(7), types.Null(), types.Null(), types.Null()}) {
		t.Errorf("Decode(nil) = %v, %v", got, err)
	}
}

func TestJSONWrapping(t *testing.T) {
	tests := []struct {
		name string
		cols []types.Column
		opts Options
		vals []types.Value
		want string
	}{
		{"single key unwrapped by default", []types.Column{keyCol("K", types.StringType)}, Options{}, []types.Value{types.Str("k1")}, `"k1"`},
		{"single key wrapped on request", []types.Column{keyCol("K", types.StringType)}, Options{WrapSingle: ptr(true)}, []types.Value{types.Str("k1")}, `{"K":"k1"}`},
		{"two keys are an object", []types.Column{keyCol("K1", types.IntegerType), keyCol("K2", types.StringType)}, Options{}, []types.Value{types.Int(1), types.Str("x")}, `{"K1":1,"K2":"x"}`},
		{"single value wrapped by default", []types.Column{col("V", types.IntegerType)}, Options{}, []types.Value{types.Int(5)}, `{"V":5}`},
		{"single value unwrapped", []types.Column{col("V", types.IntegerType)}, Options{WrapSingle: ptr(false)}, []types.Value{types.Int(5)}, `5`},
		{"unwrapped struct", []types.Column{col("V", pointTyp)}, Options{WrapSingle: ptr(false)}, []types.Value{types.Struct(pointNms, []types.Value{types.Int(1), types.Str("a")})}, `{"X":1,"Label":"a"}`},
	}
	for _, tc := range tests {
		f := mustFormat(t, "JSON", tc.cols, tc.opts)
		b, err := f.Encode(nil, tc.vals)
		if err != nil || string(b) != tc.want {
			t.Errorf("%s: Encode = %s, %v; want %s", tc.name, b, err, tc.want)
			continue
		}
		got, err := f.Decode(nil, b)
		if err != nil || !sameRow(got, tc.vals) {
			t.Errorf("%s: Decode(%s) = %v, %v; want %v", tc.name, b, got, err, tc.vals)
		}
	}
	// An unwrapped NULL is a null record.
	f := mustFormat(t, "JSON", []types.Column{keyCol("K", types.StringType)}, Options{})
	if b, err := f.Encode(nil, []types.Value{types.Null()}); err != nil || b != nil {
		t.Errorf("Encode(NULL key) = %q, %v; want nil", b, err)
	}
	if got, err := f.Decode(nil, nil); err != nil || !sameRow(got, []types.Value{types.Null()}) {
		t.Errorf("Decode(nil key) = %v, %v", got, err)
	}
	if got, err := f.Decode(nil, []byte("null")); err != nil || !sameRow(got, []types.Value{types.Null()}) {
		t.Errorf("Decode(null key) = %v, %v", got, err)
	}
}

func TestJSONEncodeTypes(t *testing.T) {
	tests := []struct {
		v    types.Value
		want string
	}{
		{types.Null(), `null`},
		{types.Bool(true), `true`},
		{types.Int(-7), `-7`},
		{types.BigInt(math.MaxInt64), `9223372036854775807`},
		{types.Double(1), `1.0`},
		{types.Double(0.1), `0.1`},
		{types.Double(1e7), `1.0E7`},
		{types.Double(-2.5e-5), `-2.5E-5`},
		{types.Double(math.NaN()), `"NaN"`},
		{types.Double(math.Inf(1)), `"Infinity"`},
		{d("1.50"), `1.50`},
		{d("-0.001"), `-0.001`},
		{d("1E+3"), `1000`},
		{d("0.000001"), `0.000001`}, // BigDecimal.toString, as Jackson writes it
		{d("0.0000001"), `1E-7`},
		{d("-0.00000012"), `-1.2E-7`},
		{d("0.0000001000"), `1.000E-7`},
		{d("0.0000000"), `0E-7`},
		{types.Str("a\"b\n\u2028/"), "\"a\\\"b\\n\u2028/\""}, // as Jackson: U+2028 and '/' as they are
		{types.Str("\b\f\x01\x1f\t\r"), `"\b\f\u0001\u001F\t\r"`},
		{types.Str("é\xffx"), "\"é\uFFFDx\""}, // U+FFFD itself, written as it is
		{types.Bytes([]byte{1, 2, 3, 255}), `"AQID/w=="`},
		{types.Timestamp(1704067199904), `1704067199904`},
		{types.Date(19000), `19000`},
		{types.Time(3723004), `3723004`},
		{types.Array([]types.Value{types.Int(1), types.Null()}), `[1,null]`},
		{types.Array([]types.Value{}), `[]`},
		{types.Map([]types.Value{types.Str("b"), types.Str("a")}, []types.Value{types.Double(2), types.Null()}), `{"b":2.0,"a":null}`},
		{types.Map([]types.Value{types.Int(7)}, []types.Value{types.Str("x")}), `{"7":"x"}`},
		{types.Struct(pointNms, []types.Value{types.Null(), types.Str("p")}), `{"X":null,"Label":"p"}`},
	}
	for _, tc := range tests {
		f := mustFormat(t, "JSON", []types.Column{col("Col", types.StringType)}, Options{})
		b, err := f.Encode([]byte("prefix:"), []types.Value{tc.v})
		want := `prefix:{"Col":` + tc.want + `}`
		if err != nil || string(b) != want {
			t.Errorf("Encode(%v) = %s, %v; want %s", tc.v, b, err, want)
		}
	}
	f := mustFormat(t, "JSON", []types.Column{col("A", types.IntegerType), col("B", types.IntegerType)}, Options{})
	if _, err := f.Encode(nil, []types.Value{types.Int(1)}); !errors.Is(err, ErrEncode) || !strings.Contains(err.Error(), "1 values for 2 columns") {
		t.Errorf("Encode(short row) = %v", err)
	}
}

// allTypesCols has a column of every SQL type.
var allTypesCols = []types.Column{
	col("B", types.BooleanType),
	col("I", types.IntegerType),
	col("L", types.BigIntType),
	col("D", types.DoubleType),
	col("DEC", dec52),
	col("S", types.StringType),
	col("BY", types.BytesType),
	col("TS", types.TimestampType),
	col("DT", types.DateType),
	col("TM", types.TimeType),
	col("ARR", types.ArrayType(types.DoubleType)),
	col("M", types.MapType(types.StringType, types.BigIntType)),
	col("ST", pointTyp),
}

func TestJSONRoundTrip(t *testing.T) {
	f := mustFormat(t, "JSON", allTypesCols, Options{})
	rows := [][]types.Value{
		{
			types.Bool(false), types.Int(math.MaxInt32), types.BigInt(math.MinInt64), types.Double(-0.0001), d("-999.99"),
			types.Str("tab\t\"quote\" ünï €"), types.Bytes([]byte{0, 0xff, 0x10}), types.Timestamp(-1), types.Date(-3), types.Time(0),
			types.Array([]types.Value{types.Double(1e300), types.Null()}),
			types.Map([]types.Value{types.Str("z"), types.Str("")}, []types.Value{types.BigInt(1), types.BigInt(-1)}),
			types.Struct(pointNms, []types.Value{types.Int(-1), types.Str("")}),
		},
		make([]types.Value, len(allTypesCols)),
	}
	for _, row := range rows {
		b, err := f.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidJSON(b); err != nil {
			t.Fatalf("Encode wrote invalid JSON %s: %v", b, err)
		}
		got, err := f.Decode(nil, b)
		if err != nil || !sameRow(got, row) {
			t.Errorf("round trip of %v through %s = %v, %v", row, b, got, err)
		}
	}
}

func TestJSONDecodeDoesNotAllocate(t *testing.T) {
	f := mustFormat(t, "JSON", []types.Column{col("A", types.IntegerType), col("B", types.DoubleType), col("C", types.StringType), col("D", dec52), col("E", types.TimestampType)}, Options{})
	in := []byte(`{"A": 1, "b": 2.5, "C": "plain", "D": 1.25, "E": 1704067199904, "unknown": {"x": [1, 2]}}`)
	dst := make([]types.Value, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if dst, err = f.Decode(dst[:0], in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %.1f times per record, want 0", allocs)
	}
}
