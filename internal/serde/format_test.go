package serde

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func col(name string, t types.Type) types.Column { return types.Column{Name: name, Type: t} }

func keyCol(name string, t types.Type) types.Column {
	return types.Column{Name: name, Type: t, Namespace: types.NamespaceKey}
}

func mustFormat(t testing.TB, name string, cols []types.Column, opts Options) Format {
	t.Helper()
	f, err := NewFormat(name, cols, opts)
	if err != nil {
		t.Fatalf("NewFormat(%s, %v): %v", name, cols, err)
	}
	return f
}

func ptr(b bool) *bool { return &b }

// same reports whether two values are equal, of the same kind, and, for
// decimals, of the same scale.
func same(a, b types.Value) bool {
	if a.Kind() != b.Kind() || !a.Equal(b) {
		return false
	}
	if a.Kind() == types.KindDecimal {
		return a.Dec().Identical(b.Dec())
	}
	return true
}

func sameRow(a, b []types.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !same(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestNewFormatNames(t *testing.T) {
	one := []types.Column{col("V", types.IntegerType)}
	for _, name := range []string{"json", "Json", "JSON", "kafka", "KAFKA", "delimited", "DELIMITED"} {
		f, err := NewFormat(name, one, Options{})
		if err != nil {
			t.Fatalf("NewFormat(%q): %v", name, err)
		}
		if f.Name() != strings.ToUpper(name) {
			t.Errorf("NewFormat(%q).Name() = %q", name, f.Name())
		}
	}
	if f, err := NewFormat("none", nil, Options{}); err != nil || f.Name() != "NONE" {
		t.Fatalf("NewFormat(none) = %v, %v", f, err)
	}
	for _, name := range []string{"AVRO", "protobuf", "PROTOBUF_NOSR", "json_sr"} {
		_, err := NewFormat(name, one, Options{})
		if !errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "schema registry") {
			t.Errorf("NewFormat(%q) = %v, want ErrUnsupportedFormat mentioning the schema registry", name, err)
		}
	}
	if _, err := NewFormat("XML", one, Options{}); !errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "XML") {
		t.Errorf("NewFormat(XML) = %v", err)
	}
}

func TestNewFormatInvalid(t *testing.T) {
	two := []types.Column{col("A", types.IntegerType), col("B", types.StringType)}
	tests := []struct {
		name string
		cols []types.Column
		opts Options
		want string
	}{
		{"KAFKA", two, Options{}, "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER, `B` STRING]"},
		{"KAFKA", []types.Column{col("A", types.BooleanType)}, Options{}, "The 'KAFKA' format does not support type 'BOOLEAN'"},
		{"KAFKA", []types.Column{col("A", types.MustDecimalType(4, 2))}, Options{}, "The 'KAFKA' format does not support type 'DECIMAL'"},
		{"NONE", two, Options{}, "The 'NONE' format can only be used when no columns are defined"},
		{"DELIMITED", []types.Column{col("A", types.ArrayType(types.IntegerType))}, Options{}, "The 'DELIMITED' format does not support type 'ARRAY'"},
		{"DELIMITED", two[:1], Options{WrapSingle: ptr(true)}, "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{"KAFKA", two[:1], Options{WrapSingle: ptr(true)}, "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{"NONE", []types.Column{keyCol("K", types.StringType)}, Options{}, "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]"},
		{"JSON", []types.Column{col("M", types.MapType(types.IntegerType, types.DoubleType))}, Options{}, "JSON only supports MAP types with STRING keys"},
		{"JSON", []types.Column{col("A", types.ArrayType(types.MapType(types.StringType, types.MapType(types.BigIntType, types.StringType))))}, Options{}, "JSON only supports MAP types with STRING keys"},
		{"DELIMITED", two, Options{Delimiter: '"'}, "invalid delimiter"},
		{"JSON", two, Options{WrapSingle: ptr(false)}, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
	}
	for _, tc := range tests {
		_, err := NewFormat(tc.name, tc.cols, tc.opts)
		if !errors.Is(err, ErrInvalidFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewFormat(%s, %v, %+v) = %v, want ErrInvalidFormat with %q", tc.name, tc.cols, tc.opts, err, tc.want)
		}
	}
	// Unwrapping is what DELIMITED and KAFKA do with one column anyway.
	for _, name := range []string{"DELIMITED", "KAFKA"} {
		if _, err := NewFormat(name, two[:1], Options{WrapSingle: ptr(false)}); err != nil {
			t.Errorf("NewFormat(%s, WRAP_SINGLE_VALUE=false) = %v", name, err)
		}
	}
}

func TestNewFormatMapKeys(t *testing.T) {
	inStruct := types.MustStructType(types.Field{Name: "F", Type: types.ArrayType(types.MapType(types.StringType, types.IntegerType))})
	for _, tc := range []struct {
		typ  types.Type
		want string
	}{
		{types.MapType(types.StringType, types.DoubleType), "Column type: MAP<STRING, DOUBLE>."},
		{types.ArrayType(types.MapType(types.IntegerType, types.DoubleType)), "Column type: ARRAY<MAP<INTEGER, DOUBLE>>."},
		{inStruct, "Column type: STRUCT<`F` ARRAY<MAP<STRING, INTEGER>>>."},
	} {
		for _, name := range []string{"JSON", "DELIMITED", "KAFKA", "NONE"} {
			_, err := NewFormat(name, []types.Column{keyCol("K", tc.typ)}, Options{})
			want := "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `K`. " + tc.want + " See https://github.com/confluentinc/ksql/issues/6621 for more."
			if !errors.Is(err, ErrInvalidFormat) || !strings.Contains(err.Error(), want) {
				t.Errorf("NewFormat(%s, key %s) = %v, want %q", name, tc.typ, err, want)
			}
		}
	}
	// Maps are fine in values, and in keys of other types.
	if _, err := NewFormat("JSON", []types.Column{col("V", types.MapType(types.StringType, types.DoubleType)), keyCol("K", types.ArrayType(types.StringType))}, Options{}); err != nil {
		t.Errorf("NewFormat(JSON, value map) = %v", err)
	}
}

func TestParseDelimiter(t *testing.T) {
	for in, want := range map[string]byte{",": ',', "|": '|', "TAB": '\t', "SPACE": ' ', ";": ';', "$": '$'} {
		if got, err := ParseDelimiter(in); err != nil || got != want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	const empty = "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'"
	for in, want := range map[string]string{
		"":    empty,
		" ":   empty,
		"\t":  empty,
		"<~>": "Invalid delimiter value: '<~>'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'",
		"tab": "Invalid delimiter value: 'tab'", // the names are upper case
		"é":   "Invalid delimiter value: 'é'",
		`"`:   `Invalid delimiter value: '"'. The quote and line breaks cannot separate fields`,
	} {
		_, err := ParseDelimiter(in)
		if !errors.Is(err, ErrInvalidFormat) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseDelimiter(%q) = %v, want an error starting with %q", in, err, want)
		}
	}
}

func TestNone(t *testing.T) {
	f := mustFormat(t, "NONE", nil, Options{})
	for _, in := range [][]byte{nil, {}, []byte("anything")} {
		got, err := f.Decode(nil, in)
		if err != nil || len(got) != 0 {
			t.Errorf("Decode(%q) = %v, %v; want no values", in, got, err)
		}
	}
	if b, err := f.Encode(nil, nil); err != nil || b != nil {
		t.Errorf("Encode = %q, %v; want nil", b, err)
	}
	if _, err := f.Encode(nil, []types.Value{types.Int(1)}); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode(1 value) = %v, want ErrEncode", err)
	}
}

func TestIsNullRecord(t *testing.T) {
	v := []types.Column{col("V", types.StringType)}
	k := []types.Column{keyCol("K", types.StringType)}
	null, str := []types.Value{types.Null()}, []types.Value{types.Str("")}
	tests := []struct {
		format string
		cols   []types.Column
		opts   Options
		vals   []types.Value
		want   bool
	}{
		{"NONE", nil, Options{}, nil, true},
		{"KAFKA", nil, Options{}, nil, true},
		{"KAFKA", v, Options{}, null, true},
		{"KAFKA", v, Options{}, str, false}, // empty bytes, not a null record
		{"JSON", v, Options{WrapSingle: ptr(false)}, null, true},
		{"JSON", k, Options{}, null, true}, // a single key column is unwrapped
		{"JSON", v, Options{WrapSingle: ptr(false)}, str, false},
		{"JSON", v, Options{}, null, false}, // {"V":null}
		{"DELIMITED", v, Options{}, null, false},
	}
	for _, tc := range tests {
		f := mustFormat(t, tc.format, tc.cols, tc.opts)
		if got := IsNullRecord(f, tc.vals); got != tc.want {
			t.Errorf("IsNullRecord(%s %v %+v, %v) = %t, want %t", tc.format, tc.cols, tc.opts, tc.vals, got, tc.want)
		}
		b, err := f.Encode(nil, tc.vals)
		if err != nil || (b == nil) != tc.want {
			t.Errorf("%s: Encode(nil, %v) = %q, %v; nil result should match IsNullRecord", tc.format, tc.vals, b, err)
		}
	}
}

func TestSupportsWrapSingle(t *testing.T) {
	for _, tc := range []struct {
		name       string
		wrap, nowr bool
	}{
		{"json", true, true}, {"AVRO", true, true}, {"PROTOBUF", true, false},
		{"KAFKA", false, true}, {"delimited", false, true}, {"NONE", false, false}, {"XML", false, false},
	} {
		if got := SupportsWrapSingle(tc.name, true); got != tc.wrap {
			t.Errorf("SupportsWrapSingle(%s, true) = %t", tc.name, got)
		}
		if got := SupportsWrapSingle(tc.name, false); got != tc.nowr {
			t.Errorf("SupportsWrapSingle(%s, false) = %t", tc.name, got)
		}
	}
	// NewFormat agrees for the formats it serves.
	one := []types.Column{col("V", types.IntegerType)}
	for _, name := range []string{"JSON", "KAFKA", "DELIMITED"} {
		for _, wrap := range []bool{true, false} {
			_, err := NewFormat(name, one, Options{WrapSingle: ptr(wrap)})
			if (err == nil) != SupportsWrapSingle(name, wrap) {
				t.Errorf("NewFormat(%s, WRAP_SINGLE_VALUE=%t) = %v, SupportsWrapSingle = %t", name, wrap, err, !(err == nil))
			}
		}
	}
}
