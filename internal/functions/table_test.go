package functions

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestResolveTableTypes(t *testing.T) {
	r := NewRegistry()
	dec2010 := types.MustDecimalType(20, 10)
	st := types.MustStructType(types.Field{Name: "F1", Type: tBig})
	tests := []struct {
		name string
		args []types.Type
		want types.Type
	}{
		{"EXPLODE", []types.Type{types.ArrayType(tBig)}, tBig},
		{"explode", []types.Type{types.ArrayType(tInt)}, tInt},
		{"EXPLODE", []types.Type{types.ArrayType(tStr)}, tStr},
		{"EXPLODE", []types.Type{types.ArrayType(types.BooleanType)}, types.BooleanType},
		{"EXPLODE", []types.Type{types.ArrayType(dec2010)}, dec2010},
		{"EXPLODE", []types.Type{types.ArrayType(st)}, st},
		{"EXPLODE", []types.Type{types.ArrayType(types.ArrayType(tDbl))}, types.ArrayType(tDbl)},
		{"EXPLODE", []types.Type{types.ArrayType(types.MapType(tStr, tInt))}, types.MapType(tStr, tInt)},
		{"CUBE_EXPLODE", []types.Type{types.ArrayType(tInt)}, types.ArrayType(tInt)},
		{"Cube_Explode", []types.Type{types.ArrayType(dec2010)}, types.ArrayType(dec2010)},
		{"CUBE_EXPLODE", []types.Type{types.ArrayType(st)}, types.ArrayType(st)},
	}
	for _, tc := range tests {
		fn, err := r.ResolveTable(tc.name, tc.args)
		if err != nil {
			t.Errorf("ResolveTable(%s, %v): %v", tc.name, tc.args, err)
			continue
		}
		if !fn.Return.Equal(tc.want) {
			t.Errorf("ResolveTable(%s, %v) returns %v, want %v", tc.name, tc.args, fn.Return, tc.want)
		}
		if fn.Name != strings.ToUpper(tc.name) {
			t.Errorf("ResolveTable(%s) Name = %q, want upper case", tc.name, fn.Name)
		}
		if len(fn.Params) != len(tc.args) || !fn.Params[0].Equal(tc.args[0]) {
			t.Errorf("ResolveTable(%s, %v) Params = %v", tc.name, tc.args, fn.Params)
		}
	}
}

func TestResolveTableErrors(t *testing.T) {
	r := NewRegistry()
	explodeAlternatives := "\nValid alternatives are:\nexplode(ARRAY<DECIMAL> input)\nexplode(ARRAY<T> list)"
	cubeAlternatives := "\nValid alternatives are:\ncube_explode(ARRAY<T> columns)"
	tests := []struct {
		name     string
		args     []types.Type
		sentinel error
		msg      string // the whole message after the sentinel's prefix
	}{
		// Pinned by explode.json "explode shouldn't accept map".
		{"EXPLODE", []types.Type{types.MapType(tStr, tInt)}, ErrNoMatchingOverload,
			"Function 'explode' does not accept parameters (MAP<STRING, INTEGER>)." + explodeAlternatives},
		{"EXPLODE", []types.Type{tBig}, ErrNoMatchingOverload,
			"Function 'explode' does not accept parameters (BIGINT)." + explodeAlternatives},
		{"explode", nil, ErrNoMatchingOverload,
			"Function 'explode' does not accept parameters ()." + explodeAlternatives},
		{"EXPLODE", []types.Type{types.ArrayType(tInt), types.ArrayType(tInt)}, ErrNoMatchingOverload,
			"Function 'explode' does not accept parameters (ARRAY<INTEGER>, ARRAY<INTEGER>)." + explodeAlternatives},
		{"EXPLODE", []types.Type{tNull}, ErrNoMatchingOverload,
			"Function 'explode' does not accept parameters (null)." + explodeAlternatives},
		{"CUBE_EXPLODE", []types.Type{tStr}, ErrNoMatchingOverload,
			"Function 'cube_explode' does not accept parameters (STRING)." + cubeAlternatives},
		{"CUBE_EXPLODE", []types.Type{types.MapType(tStr, tInt)}, ErrNoMatchingOverload,
			"Function 'cube_explode' does not accept parameters (MAP<STRING, INTEGER>)." + cubeAlternatives},
		{"ABS", []types.Type{tInt}, ErrUnknownFunction,
			"Can not find any table functions with the name 'ABS'"},
		{"no_such", []types.Type{tInt}, ErrUnknownFunction,
			"Can not find any table functions with the name 'no_such'"},
	}
	for _, tc := range tests {
		_, err := r.ResolveTable(tc.name, tc.args)
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("ResolveTable(%s, %v) = %v, want %v", tc.name, tc.args, err, tc.sentinel)
			continue
		}
		if got := strings.TrimPrefix(err.Error(), tc.sentinel.Error()+": "); got != tc.msg {
			t.Errorf("ResolveTable(%s, %v) message\n%q\nwant\n%q", tc.name, tc.args, got, tc.msg)
		}
	}
}

func TestExplodeEval(t *testing.T) {
	st := types.MustStructType(types.Field{Name: "F1", Type: tBig})
	row := func(v int64) types.Value { return types.Struct(st.FieldNames(), []types.Value{types.BigInt(v)}) }
	null := types.Null()
	tests := []struct {
		name string
		typ  types.Type
		arg  types.Value
		want []types.Value
	}{
		{"values", types.ArrayType(tBig), arr(types.BigInt(1), types.BigInt(2)), []types.Value{types.BigInt(1), types.BigInt(2)}},
		{"one", types.ArrayType(tBig), arr(types.BigInt(5)), []types.Value{types.BigInt(5)}},
		{"empty", types.ArrayType(tBig), arr(), nil},
		{"null array", types.ArrayType(tBig), null, nil},
		{"null elements kept", types.ArrayType(tInt), arr(types.Int(1), null, types.Int(3), null), []types.Value{types.Int(1), null, types.Int(3), null}},
		{"strings", types.ArrayType(tStr), strs("foo", "bar"), []types.Value{types.Str("foo"), types.Str("bar")}},
		{"decimals", types.ArrayType(types.MustDecimalType(20, 10)), arr(dec("123.4560000000"), dec("456.1230000000")), []types.Value{dec("123.4560000000"), dec("456.1230000000")}},
		{"structs", types.ArrayType(st), arr(row(1), row(2)), []types.Value{row(1), row(2)}},
	}
	r := NewRegistry()
	for _, tc := range tests {
		fn, err := r.ResolveTable("EXPLODE", []types.Type{tc.typ})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := fn.Eval([]types.Value{tc.arg})
		if err != nil {
			t.Errorf("%s: Eval: %v", tc.name, err)
			continue
		}
		if !sameValues(got, tc.want) {
			t.Errorf("%s: EXPLODE(%v) = %v, want %v", tc.name, tc.arg, got, tc.want)
		}
	}
}

func TestExplodeResultIsTheCallers(t *testing.T) {
	fn, err := NewRegistry().ResolveTable("EXPLODE", []types.Type{types.ArrayType(tInt)})
	if err != nil {
		t.Fatal(err)
	}
	in := arr(types.Int(1), types.Int(2))
	got, _ := fn.Eval([]types.Value{in})
	got[0] = types.Int(99)
	if in.Index(0).Int() != 1 {
		t.Error("writing EXPLODE's result changed its input array")
	}
}

func TestCubeExplodeEval(t *testing.T) {
	null := types.Null()
	i := func(v int32) types.Value { return types.Int(v) }
	tests := []struct {
		name string
		arg  types.Value
		want []types.Value
	}{
		{"two", arr(i(1), i(2)), []types.Value{
			arr(null, null), arr(null, i(2)), arr(i(1), null), arr(i(1), i(2)),
		}},
		{"three", arr(i(1), i(2), i(3)), []types.Value{
			arr(null, null, null), arr(null, null, i(3)), arr(null, i(2), null), arr(null, i(2), i(3)),
			arr(i(1), null, null), arr(i(1), null, i(3)), arr(i(1), i(2), null), arr(i(1), i(2), i(3)),
		}},
		{"one", arr(i(7)), []types.Value{arr(null), arr(i(7))}},
		{"null element skips duplicates", arr(i(1), null), []types.Value{arr(null, null), arr(i(1), null)}},
		{"null in the middle", arr(i(1), null, i(3)), []types.Value{
			arr(null, null, null), arr(null, null, i(3)), arr(i(1), null, null), arr(i(1), null, i(3)),
		}},
		{"all null", arr(null, null), []types.Value{arr(null, null)}},
		{"empty", arr(), []types.Value{arr()}},
		{"null array", null, nil},
	}
	r := NewRegistry()
	fn, err := r.ResolveTable("CUBE_EXPLODE", []types.Type{types.ArrayType(tInt)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		got, err := fn.Eval([]types.Value{tc.arg})
		if err != nil {
			t.Errorf("%s: Eval: %v", tc.name, err)
			continue
		}
		if !sameValues(got, tc.want) {
			t.Errorf("%s: CUBE_EXPLODE(%v) = %v, want %v", tc.name, tc.arg, got, tc.want)
		}
	}
}

func TestCubeExplodeSizeLimit(t *testing.T) {
	fn, err := NewRegistry().ResolveTable("CUBE_EXPLODE", []types.Type{types.ArrayType(tInt)})
	if err != nil {
		t.Fatal(err)
	}
	// Twenty NULL elements are within the limit and, NULLs giving a single
	// combination, yield one row.
	got, err := fn.Eval([]types.Value{arr(make([]types.Value, cubeMaxElements)...)})
	if err != nil || len(got) != 1 || got[0].Len() != cubeMaxElements {
		t.Errorf("CUBE_EXPLODE of %d NULLs = %d rows, %v; want 1 row", cubeMaxElements, len(got), err)
	}
	_, err = fn.Eval([]types.Value{arr(make([]types.Value, cubeMaxElements+1)...)})
	want := "CUBE_EXPLODE input size (21) exceeds the maximum of 20 columns. The output cardinality is 2^N rows and would exhaust server memory."
	if err == nil || err.Error() != want {
		t.Errorf("CUBE_EXPLODE of %d elements: error %v, want %q", cubeMaxElements+1, err, want)
	}
}

func TestTableFunctionListing(t *testing.T) {
	r := NewRegistry()
	for _, tc := range []struct {
		name  string
		table bool
	}{{"EXPLODE", true}, {"explode", true}, {"CUBE_EXPLODE", true}, {"ABS", false}, {"NO_SUCH", false}} {
		if got := r.IsTableFunction(tc.name); got != tc.table {
			t.Errorf("IsTableFunction(%q) = %v, want %v", tc.name, got, tc.table)
		}
	}
	names := r.Names()
	for _, n := range []string{"EXPLODE", "CUBE_EXPLODE"} {
		if !slices.Contains(names, n) {
			t.Errorf("Names() lacks %s", n)
		}
	}
	d, ok := r.Describe("explode")
	wantSigs := []string{"EXPLODE(input ARRAY<DECIMAL>) => DECIMAL", "EXPLODE(list ARRAY<T>) => T"}
	if !ok || d.Kind != KindTable || d.Category != "TABLE" || d.Description == "" || !slices.Equal(d.Signatures, wantSigs) {
		t.Errorf("Describe(explode) = %+v, %v", d, ok)
	}
	d, _ = r.Describe("CUBE_EXPLODE")
	if d.Kind != KindTable || !slices.Equal(d.Signatures, []string{"CUBE_EXPLODE(columns ARRAY<T>) => ARRAY<T>"}) {
		t.Errorf("Describe(CUBE_EXPLODE) = %+v", d)
	}
	d, _ = r.Describe("ABS")
	if d.Kind != KindScalar {
		t.Errorf("Describe(ABS).Kind = %q, want %q", d.Kind, KindScalar)
	}
}

func TestTableFunctionIsNotScalar(t *testing.T) {
	_, err := NewRegistry().Resolve("EXPLODE", []types.Type{types.ArrayType(tInt)})
	if !errors.Is(err, ErrNoMatchingOverload) || !strings.Contains(err.Error(), "Table function 'EXPLODE'") {
		t.Errorf("Resolve(EXPLODE) as a scalar = %v, want a table function error", err)
	}
}

func sameValues(got, want []types.Value) bool {
	return slices.EqualFunc(got, want, same)
}
