package functions

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

var (
	tInt  = types.IntegerType
	tBig  = types.BigIntType
	tDbl  = types.DoubleType
	tStr  = types.StringType
	tNull = types.Type{}
)

func dec(s string) types.Value { return types.Dec(types.MustParseDecimal(s)) }

func arr(vs ...types.Value) types.Value { return types.Array(vs) }

func strs(ss ...string) types.Value {
	vs := make([]types.Value, len(ss))
	for i, s := range ss {
		vs[i] = types.Str(s)
	}
	return types.Array(vs)
}

// same reports whether got is want: both NULL, or of one kind and printing
// alike (which keeps a decimal's scale significant).
func same(got, want types.Value) bool {
	if got.IsNull() || want.IsNull() {
		return got.IsNull() == want.IsNull()
	}
	return got.Kind() == want.Kind() && got.String() == want.String()
}

func TestNamesSortedAndEveryFunctionDescribed(t *testing.T) {
	r := NewRegistry()
	names := r.Names()
	if len(names) < 50 {
		t.Fatalf("only %d functions registered", len(names))
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() not sorted: %v", names)
	}
	for _, n := range names {
		d, ok := r.Describe(n)
		if !ok {
			t.Errorf("Describe(%q) not found", n)
			continue
		}
		if d.Name != n || d.Category == "" || d.Description == "" || len(d.Signatures) == 0 {
			t.Errorf("Describe(%q) = %+v: want name, category, description and signatures", n, d)
		}
		for _, s := range d.Signatures {
			if !strings.HasPrefix(s, n+"(") || !strings.Contains(s, ") => ") {
				t.Errorf("%s: malformed signature %q", n, s)
			}
		}
	}
	names[0] = "CHANGED"
	if r.Names()[0] == "CHANGED" {
		t.Error("Names() shares its slice with the registry")
	}
}

func TestDescribe(t *testing.T) {
	r := NewRegistry()
	d, ok := r.Describe("substring")
	if !ok {
		t.Fatal("Describe is not case-insensitive")
	}
	want := "SUBSTRING(str STRING, pos INTEGER, len INTEGER) => STRING"
	if !slices.Contains(d.Signatures, want) {
		t.Errorf("signatures %q lack %q", d.Signatures, want)
	}
	d, _ = r.Describe("CONCAT")
	if d.Signatures[0] != "CONCAT(inputs STRING...) => STRING" {
		t.Errorf("variadic signature = %q", d.Signatures[0])
	}
	d, _ = r.Describe("ARRAY_MAX")
	if d.Signatures[0] != "ARRAY_MAX(array ARRAY<T>) => T" {
		t.Errorf("generic signature = %q", d.Signatures[0])
	}
	if _, ok := r.Describe("NO_SUCH"); ok {
		t.Error("Describe of an unknown function succeeded")
	}
}

func TestResolveErrors(t *testing.T) {
	r := NewRegistry()
	_, err := r.Resolve("foo", nil)
	if !errors.Is(err, ErrUnknownFunction) || !strings.Contains(err.Error(), "Can't find any functions with the name 'FOO'") {
		t.Errorf("unknown function: %v", err)
	}
	_, err = r.Resolve("substring", []types.Type{tStr, tStr})
	if !errors.Is(err, ErrNoMatchingOverload) {
		t.Fatalf("SUBSTRING(STRING, STRING): %v", err)
	}
	for _, want := range []string{
		"Function 'substring' does not accept parameters (STRING, STRING).",
		"Valid alternatives are:",
		"SUBSTRING(str STRING, pos INTEGER) => STRING",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, c := range []struct {
		name string
		args []types.Type
	}{
		{"ABS", []types.Type{tStr}},
		{"ABS", []types.Type{tInt, tInt}},
		{"LEN", nil},
		{"COALESCE", nil},
		{"COALESCE", []types.Type{tNull}},      // nothing to infer T from
		{"COALESCE", []types.Type{tStr, tInt}}, // not one type family
		{"ARRAY_LENGTH", []types.Type{tStr}},   // not an array
		{"MAP_KEYS", []types.Type{types.ArrayType(tInt)}},
		{"ARRAY_CONTAINS", []types.Type{types.ArrayType(tStr), tInt}},
		{"SQRT", []types.Type{tStr}},
	} {
		if res, err := r.Resolve(c.name, c.args); !errors.Is(err, ErrNoMatchingOverload) {
			t.Errorf("Resolve(%s, %v) = %+v, %v: want ErrNoMatchingOverload", c.name, c.args, res, err)
		}
	}
}

func TestResolveOverloads(t *testing.T) {
	r := NewRegistry()
	d42 := types.MustDecimalType(4, 2)
	for _, c := range []struct {
		name       string
		args       []types.Type
		wantParams []types.Type
		wantReturn types.Type
	}{
		{"ABS", []types.Type{tInt}, []types.Type{tInt}, tInt},
		{"ABS", []types.Type{tBig}, []types.Type{tBig}, tBig},
		{"ABS", []types.Type{tDbl}, []types.Type{tDbl}, tDbl},
		{"ABS", []types.Type{d42}, []types.Type{d42}, d42},
		{"ABS", []types.Type{tNull}, []types.Type{tInt}, tInt},
		{"SQRT", []types.Type{tInt}, []types.Type{tDbl}, tDbl},
		{"SQRT", []types.Type{d42}, []types.Type{tDbl}, tDbl},
		{"ROUND", []types.Type{tDbl}, []types.Type{tDbl}, tBig},
		{"ROUND", []types.Type{types.MustDecimalType(33, 16)}, []types.Type{types.MustDecimalType(33, 16)}, types.MustDecimalType(17, 0)},
		{"ROUND", []types.Type{d42, tInt}, []types.Type{d42, tInt}, d42},
		// INT widens to DECIMAL before DOUBLE.
		{"ROUND", []types.Type{tInt, tInt}, []types.Type{types.MustDecimalType(10, 0), tInt}, types.MustDecimalType(10, 0)},
		{"ROUND", []types.Type{tBig, tInt}, []types.Type{types.MustDecimalType(19, 0), tInt}, types.MustDecimalType(19, 0)},
		{"TRUNC", []types.Type{tDbl}, []types.Type{tDbl}, tBig},
		{"SIGN", []types.Type{tDbl}, []types.Type{tDbl}, tInt},
		{"POWER", []types.Type{tInt, tBig}, []types.Type{tDbl, tDbl}, tDbl},
		{"SUBSTRING", []types.Type{tStr, tInt}, []types.Type{tStr, tInt}, tStr},
		{"SUBSTRING", []types.Type{tStr, tNull, tNull}, []types.Type{tStr, tInt, tInt}, tStr},
		{"SUBSTRING", []types.Type{types.BytesType, tInt}, []types.Type{types.BytesType, tInt}, types.BytesType},
		{"LEN", []types.Type{tNull}, []types.Type{tStr}, tInt},
		{"CONCAT", []types.Type{tStr, tStr, tNull}, []types.Type{tStr, tStr, tStr}, tStr},
		{"CONCAT", []types.Type{}, []types.Type{}, tStr},
		{"COALESCE", []types.Type{tNull, tStr}, []types.Type{tStr, tStr}, tStr},
		{"COALESCE", []types.Type{tInt, tBig, tInt}, []types.Type{tBig, tBig, tBig}, tBig},
		{"COALESCE", []types.Type{tInt, d42}, []types.Type{types.MustDecimalType(12, 2), types.MustDecimalType(12, 2)}, types.MustDecimalType(12, 2)},
		{"IFNULL", []types.Type{tInt, tDbl}, []types.Type{tDbl, tDbl}, tDbl},
		{"GREATEST", []types.Type{tInt, tInt, tNull}, []types.Type{tInt, tInt, tInt}, tInt},
		{"ARRAY_LENGTH", []types.Type{types.ArrayType(tStr)}, []types.Type{types.ArrayType(tStr)}, tInt},
		{"ARRAY_MAX", []types.Type{types.ArrayType(d42)}, []types.Type{types.ArrayType(d42)}, d42},
		{"ARRAY_CONTAINS", []types.Type{types.ArrayType(tStr), tNull}, []types.Type{types.ArrayType(tStr), tStr}, types.BooleanType},
		{"ARRAY_CONTAINS", []types.Type{types.ArrayType(tBig), tInt}, []types.Type{types.ArrayType(tBig), tBig}, types.BooleanType},
		{"ARRAY_REMOVE", []types.Type{types.ArrayType(tStr), tStr}, []types.Type{types.ArrayType(tStr), tStr}, types.ArrayType(tStr)},
		{"MAP_KEYS", []types.Type{types.MapType(tStr, tInt)}, []types.Type{types.MapType(tStr, tInt)}, types.ArrayType(tStr)},
		{"MAP_VALUES", []types.Type{types.MapType(tStr, tInt)}, []types.Type{types.MapType(tStr, tInt)}, types.ArrayType(tInt)},
		{"SPLIT", []types.Type{tStr, tStr}, []types.Type{tStr, tStr}, types.ArrayType(tStr)},
		{"FROM_UNIXTIME", []types.Type{tInt}, []types.Type{tBig}, types.TimestampType},
	} {
		res, err := r.Resolve(c.name, c.args)
		if err != nil {
			t.Errorf("Resolve(%s, %v): %v", c.name, c.args, err)
			continue
		}
		if !res.Return.Equal(c.wantReturn) || !slices.EqualFunc(res.Params, c.wantParams, types.Type.Equal) {
			t.Errorf("Resolve(%s, %v) = params %v, return %v; want %v, %v", c.name, c.args, res.Params, res.Return, c.wantParams, c.wantReturn)
		}
		if res.Name != c.name || res.Eval == nil {
			t.Errorf("Resolve(%s) = name %q, eval %v", c.name, res.Name, res.Eval != nil)
		}
	}
}
