package functions

import (
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestExtremesResolveAsJavaMethods(t *testing.T) {
	r := NewRegistry()
	d92, d76 := types.MustDecimalType(9, 2), types.MustDecimalType(7, 6)
	for _, c := range []struct {
		args    []Arg
		want    types.Type
		wantErr string
	}{
		{args: []Arg{{Type: tInt}, {Type: tInt}, {}}, want: tInt},
		{args: []Arg{{Type: d92}, {Type: d76}}, want: types.MustDecimalType(13, 6)},
		{args: []Arg{{Type: tInt}, {Type: tBig}, {Type: d92}, {Type: tDbl}}, want: tDbl},
		{args: []Arg{{Type: types.DateType}, {}, {Type: tStr, StringLiteral: true}}, want: types.DateType},
		{args: []Arg{{Type: tStr}, {Type: tStr, StringLiteral: true}}, want: tStr},
		{args: []Arg{{Type: tInt}, {Type: tBig}}, wantErr: "Function 'least' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT)."},
		{args: []Arg{{}, {}}, wantErr: "ambiguous method parameters (null, null)."},
		{args: []Arg{{Type: types.DateType}, {Type: tStr}}, wantErr: "Function 'least' does not accept parameters (DATE, STRING)."},
		{args: nil, wantErr: "Function 'least' does not accept parameters ()."},
	} {
		res, err := r.ResolveArgs("least", c.args)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("LEAST%v: err %v, want %q", c.args, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("LEAST%v: %v", c.args, err)
		case !res.Return.Equal(c.want):
			t.Errorf("LEAST%v returns %v, want %v", c.args, res.Return, c.want)
		}
	}
}

func TestExtremesSkipNulls(t *testing.T) {
	res, err := NewRegistry().Resolve("GREATEST", []types.Type{types.DateType, types.DateType, {}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := res.Eval([]types.Value{types.Date(3), types.Null(), types.Date(9)})
	if err != nil || !v.Equal(types.Date(9)) {
		t.Errorf("GREATEST = %v, %v; want 9", v, err)
	}
	v, _ = res.Eval([]types.Value{types.Null(), types.Null(), types.Null()})
	if !v.IsNull() {
		t.Errorf("GREATEST of NULLs = %v", v)
	}
}

func TestStringLiteralReadsAsTemporal(t *testing.T) {
	r := NewRegistry()
	res, err := r.ResolveArgs("UNIX_DATE", []Arg{{Type: tStr, StringLiteral: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Params) != 1 || !res.Params[0].Equal(types.DateType) {
		t.Errorf("UNIX_DATE('...') params %v, want [DATE]", res.Params)
	}
	// A STRING column is not read as a date.
	if _, err := r.ResolveArgs("UNIX_DATE", []Arg{{Type: tStr}}); err == nil {
		t.Error("UNIX_DATE(STRING column) resolved")
	}
}
