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
		{"DELIMITED", two, Options{WrapSingle: ptr(false)}, "does not support 'WRAP_SINGLE_VALUE'"},
		{"DELIMITED", two, Options{Delimiter: '"'}, "invalid delimiter"},
		{"JSON", two, Options{WrapSingle: ptr(false)}, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
	}
	for _, tc := range tests {
		_, err := NewFormat(tc.name, tc.cols, tc.opts)
		if !errors.Is(err, ErrInvalidFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewFormat(%s, %v, %+v) = %v, want ErrInvalidFormat with %q", tc.name, tc.cols, tc.opts, err, tc.want)
		}
	}
}

func TestParseDelimiter(t *testing.T) {
	for in, want := range map[string]byte{",": ',', "|": '|', "TAB": '\t', "tab": '\t', "SPACE": ' ', "\t": '\t', ";": ';'} {
		if got, err := ParseDelimiter(in); err != nil || got != want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":   "Delimiter cannot be empty",
		"ab": "Invalid delimiter value: 'ab'",
		"é":  "Invalid delimiter value",
		`"`:  "quote",
		"\n": "line breaks",
	} {
		if _, err := ParseDelimiter(in); !errors.Is(err, ErrInvalidFormat) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDelimiter(%q) = %v, want an error with %q", in, err, want)
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
