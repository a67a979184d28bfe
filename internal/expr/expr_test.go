package expr

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected results in testdata/*.txt")

// The files under testdata hold cases in a line format:
//
//	# comment
//	schema: A INTEGER, S STRING      the input columns (a STRUCT's field list)
//	row: 1; 'x'                      the input row: literals separated by ;
//	A + 1                            an expression
//	=> INTEGER 2                     its type and value, or its error
//
// Row literals are cast to the column types. Results print as TYPE VALUE,
// TYPE !row error, or !line:col code: message for compile errors.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runFile(t, f) })
	}
}

func runFile(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var out []string
	env := Env{Schema: types.MustSchema(), Functions: testRegistry()}
	var row types.Row
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "=> "):
			continue // an expected result without an expression: dropped
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			out = append(out, line)
			continue
		case strings.HasPrefix(line, "schema:"):
			env.Schema = parseSchema(t, strings.TrimSpace(strings.TrimPrefix(line, "schema:")))
			row = nil
			out = append(out, line)
			continue
		case strings.HasPrefix(line, "row:"):
			row = parseRow(t, env.Schema, strings.TrimSpace(strings.TrimPrefix(line, "row:")))
			out = append(out, line)
			continue
		}
		got := evalLine(env, row, line)
		out = append(out, line, "=> "+got)
		want := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "=> ") {
			want = strings.TrimPrefix(lines[i+1], "=> ")
			i++
		}
		if !*rewrite && got != want {
			t.Errorf("%s:%d: %s\n got: %s\nwant: %s", path, i+1, line, got, want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func evalLine(env Env, row types.Row, src string) string {
	e, err := parser.ParseExpr(src)
	if err != nil {
		return "!parse: " + err.Error()
	}
	c, err := Compile(e, env)
	if err != nil {
		ce, ok := err.(*Error)
		if !ok {
			return "!not an *Error: " + err.Error()
		}
		msg := strings.ReplaceAll(ce.Msg, "\n", "\\n")
		return fmt.Sprintf("!%d:%d %s: %s", ce.Pos.Line, ce.Pos.Col, ce.Code, msg)
	}
	if row == nil {
		row = make(types.Row, env.Schema.Len())
	}
	v, err := c.Eval(row)
	if err != nil {
		return fmt.Sprintf("%s !%v", typeName(c.Type), err)
	}
	if !v.IsNull() && v.Kind() != c.Type.Kind() {
		return fmt.Sprintf("%s !value of kind %s", typeName(c.Type), v.Kind())
	}
	return typeName(c.Type) + " " + show(v)
}

func typeName(t types.Type) string {
	if t.IsZero() {
		return "null"
	}
	return t.String()
}

func show(v types.Value) string {
	switch v.Kind() {
	case types.KindNull:
		return "NULL"
	case types.KindString:
		return "'" + v.Str() + "'"
	}
	return v.String()
}

func parseSchema(t *testing.T, s string) *types.Schema {
	t.Helper()
	at, err := parser.ParseType("STRUCT<" + s + ">")
	if err != nil {
		t.Fatalf("schema %q: %v", s, err)
	}
	st, err := ResolveType(at)
	if err != nil {
		t.Fatalf("schema %q: %v", s, err)
	}
	var cols []types.Column
	for _, f := range st.Fields() {
		cols = append(cols, types.Column{Name: f.Name, Type: f.Type})
	}
	return types.MustSchema(cols...)
}

func parseRow(t *testing.T, schema *types.Schema, s string) types.Row {
	t.Helper()
	parts := strings.Split(s, ";")
	if len(parts) != schema.Len() {
		t.Fatalf("row %q has %d values for %d columns", s, len(parts), schema.Len())
	}
	row := make(types.Row, len(parts))
	for i, p := range parts {
		e, err := parser.ParseExpr(strings.TrimSpace(p))
		if err != nil {
			t.Fatalf("row value %q: %v", p, err)
		}
		to := schema.Column(i).Type
		c, err := Compile(e, Env{Functions: testRegistry()})
		if err != nil {
			t.Fatalf("row value %q: %v", p, err)
		}
		v, err := c.Eval(nil)
		if err != nil {
			t.Fatalf("row value %q: %v", p, err)
		}
		if !v.IsNull() {
			cf := castFunc(c.Type, to)
			if cf == nil {
				t.Fatalf("row value %q: %s is not a %s", p, c.Type, to)
			}
			if v, err = cf(v); err != nil {
				t.Fatalf("row value %q: %v", p, err)
			}
		}
		row[i] = v
	}
	return row
}
