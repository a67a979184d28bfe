package expr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

func compile(t *testing.T, src string, schema *types.Schema) (*expr.Compiled, error) {
	t.Helper()
	e, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return expr.Compile(e, expr.Env{Schema: schema})
}

func TestErrorCarriesPosition(t *testing.T) {
	schema := types.MustSchema(types.Column{Name: "A", Type: types.IntegerType})
	_, err := compile(t, "A = 1\n  AND\n  B > 2", schema)
	var ce *expr.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not an *expr.Error", err, err)
	}
	if ce.Pos.Line != 3 || ce.Pos.Col != 3 || ce.Code != expr.CodeUnknownColumn {
		t.Errorf("got %+v, want line 3 col 3 %s", ce, expr.CodeUnknownColumn)
	}
	if want := "expr: line 3:3: Column 'B' cannot be resolved."; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestRowErrors(t *testing.T) {
	schema := types.MustSchema(
		types.Column{Name: "A", Type: types.IntegerType},
		types.Column{Name: "X", Type: types.MustDecimalType(4, 2)},
	)
	for _, tc := range []struct {
		src  string
		row  types.Row
		want error
	}{
		{"A / 0", types.Row{types.Int(1), types.Null()}, expr.ErrDivisionByZero},
		{"X / 0", types.Row{types.Int(1), types.Dec(types.NewDecimal(1, 0))}, types.ErrDivisionByZero},
		{"CAST(X * 100 AS DECIMAL(4, 2))", types.Row{types.Int(1), types.Dec(types.NewDecimal(9999, 2))}, types.ErrDecimalOverflow},
		{"CAST(CAST(A AS STRING) + 'x' AS INTEGER)", types.Row{types.Int(1), types.Null()}, expr.ErrCast},
		// A row that does not match the schema is an error, never a panic.
		{"A + 1", types.Row{types.Str("not an int"), types.Null()}, expr.ErrBadRow},
	} {
		c, err := compile(t, tc.src, schema)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		v, err := c.Eval(tc.row)
		if !errors.Is(err, tc.want) || !v.IsNull() {
			t.Errorf("%s = %v, %v; want NULL, %v", tc.src, v, err, tc.want)
		}
	}
}

func TestCompiledIsReusable(t *testing.T) {
	schema := types.MustSchema(types.Column{Name: "AR", Type: types.ArrayType(types.IntegerType)})
	c, err := compile(t, "REDUCE(TRANSFORM(AR, x => x * x), 0, (s, x) => s + x)", schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		elems []types.Value
		want  types.Value
	}{
		{[]types.Value{types.Int(1), types.Int(2), types.Int(3)}, types.Int(14)},
		{[]types.Value{}, types.Int(0)},
		{[]types.Value{types.Int(-4)}, types.Int(16)},
		{nil, types.Int(0)}, // REDUCE of a NULL array is its initial state, as in ksqlDB
	} {
		row := types.Row{types.Null()}
		if tc.elems != nil {
			row[0] = types.Array(tc.elems)
		}
		v, err := c.Eval(row)
		if err != nil || !v.Equal(tc.want) {
			t.Errorf("%v: got %v, %v; want %v", row, v, err, tc.want)
		}
	}
}

func Example() {
	schema := types.MustSchema(
		types.Column{Name: "TYPE", Type: types.StringType},
		types.Column{Name: "PRICE", Type: types.DoubleType},
	)
	e, _ := parser.ParseExpr("type = 'click' AND price > 1.5")
	c, _ := expr.Compile(e, expr.Env{Schema: schema})
	v, _ := c.Eval(types.Row{types.Str("click"), types.Double(2)})
	fmt.Println(c.Type, v)
	// Output: BOOLEAN true
}

func TestCompilePredicate(t *testing.T) {
	schema := types.MustSchema(types.Column{Name: "ID", Type: types.IntegerType})
	for src, want := range map[string]string{
		"'not a boolean'": "expr: line 1:1: Should evaluate to boolean but is 'not a boolean' (STRING) instead.",
		"ID + 1.5":        "expr: line 1:1: Should evaluate to boolean but is (ID + 1.5) (DECIMAL(12, 1)) instead.",
		"ID > 1":          "",
		"NULL":            "",
		"ID IN (1, 'x')":  "expr: line 1:11: Invalid Predicate: invalid input syntax for type INTEGER: \"x\".",
		"ID IN (1, Y)":    "expr: line 1:11: Column 'Y' cannot be resolved.",
	} {
		e, err := parser.ParseExpr(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = expr.CompilePredicate(e, expr.Env{Schema: schema})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", src, got, want)
		}
	}
}

func TestCompileSelectWordsGeneratedErrors(t *testing.T) {
	schema := types.MustSchema(types.Column{Name: "S", Type: types.StringType})
	for src, want := range map[string]string{
		"CAST(S AS ARRAY<INTEGER>)": "Invalid Select: Cast of STRING to ARRAY<INTEGER> is not supported",
		"S IN (1, LEN(S))":          "Invalid Select: operator does not exist: STRING = INTEGER (LEN(S))",
		"ARRAY[1, 'x']":             "invalid input syntax for type INTEGER: \"x\".",
		"CAST(S AS INTEGER)":        "",
		"BOB":                       "Column 'BOB' cannot be resolved.",
	} {
		e, err := parser.ParseExpr(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = expr.CompileSelect(e, expr.Env{Schema: schema, Functions: functions.NewRegistry()})
		var ee *expr.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", src, err)
		case want != "" && (!errors.As(err, &ee) || !strings.HasPrefix(ee.Msg, want)):
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

func TestCompiledColumns(t *testing.T) {
	schema := types.MustSchema(
		types.Column{Name: "A", Type: types.IntegerType},
		types.Column{Name: "B", Type: types.StringType},
		types.Column{Name: "C", Type: types.ArrayType(types.IntegerType)},
	)
	for src, want := range map[string]string{
		"1 + 2":                        "[]",
		"A + A * 2":                    "[0]",
		"CASE WHEN B = 'x' THEN A END": "[0 1]",
		"TRANSFORM(C, x => x + A)":     "[0 2]",
		"FILTER(C, a => a > 1)":        "[2]",
		"CAST(ARRAY[A] AS STRING) = B": "[0 1]",
	} {
		c, err := compile(t, src, schema)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := fmt.Sprint(c.Columns); got != want {
			t.Errorf("%s reads columns %s, want %s", src, got, want)
		}
	}
}
