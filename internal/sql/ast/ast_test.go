package ast_test

import (
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

func mustParse(t *testing.T, sql string) ast.Statement {
	t.Helper()
	s, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestEqualIgnoresPositionsOnly(t *testing.T) {
	a := mustParse(t, "SELECT a + 1 AS x FROM t WHERE b IN (1, 2)")
	b := mustParse(t, "\n\n  select   A+1   x from T\n where (b in (1,2))")
	if !ast.Equal(a, b) {
		t.Fatalf("same statements at other positions are not Equal:\n%s\n%s", ast.Dump(a), ast.Dump(b))
	}
	for _, other := range []string{
		"SELECT a + 1 AS y FROM t WHERE b IN (1, 2)",
		"SELECT a - 1 AS x FROM t WHERE b IN (1, 2)",
		"SELECT a + 1 AS x FROM t WHERE b IN (1, 2, 3)",
		"SELECT a + 1 AS x FROM t WHERE b NOT IN (1, 2)",
		"SELECT a + 1 AS x FROM t",
		"SELECT a + 1.0 AS x FROM t WHERE b IN (1, 2)",
		"SELECT `a` + 1 AS x FROM t WHERE b IN (1, 2)",
		"SELECT a + 1 AS x FROM t WHERE b IN (1, 2) EMIT CHANGES",
	} {
		if ast.Equal(a, mustParse(t, other)) {
			t.Errorf("Equal holds between %q and %q", a, other)
		}
	}
	if ast.Equal(a, mustParse(t, "SHOW STREAMS")) {
		t.Error("Equal holds between statements of different kinds")
	}
	// A nil list equals an empty one.
	if !ast.Equal(&ast.ArrayCtor{}, &ast.ArrayCtor{Elems: []ast.Expr{}}) {
		t.Error("nil and empty lists differ")
	}
}

func TestQuoteIdent(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"ID", "ID"},
		{"KSQL_COL_0", "KSQL_COL_0"},
		{"_X@Y", "_X@Y"},
		{"KEY", "KEY"},
		{"TIMESTAMP", "TIMESTAMP"},
		{"id", "`id`"},
		{"SELECT", "`SELECT`"},
		{"EMIT", "`EMIT`"},
		{"SECONDS", "`SECONDS`"},
		{"1A", "`1A`"},
		{"A B", "`A B`"},
		{"A`B", "`A``B`"},
		{"", "``"},
		{"É", "`É`"},
	} {
		if got := ast.QuoteIdent(tc.name); got != tc.want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Trees built by hand, in shapes the parser does not produce itself, must
// still print as SQL that reads back as the same tree.
func TestPrintedTreesReadBack(t *testing.T) {
	five := &ast.IntegerLit{Value: 5, Text: "5"}
	minusFive := &ast.IntegerLit{Value: -5, Text: "-5"}
	for _, tc := range []struct {
		e    ast.Expr
		want string
	}{
		{&ast.Unary{Op: ast.Neg, X: five}, "-(5)"},
		{&ast.Unary{Op: ast.Neg, X: minusFive}, "-(-5)"},
		{&ast.Unary{Op: ast.Neg, X: &ast.DecimalLit{Text: ".5"}}, "-(.5)"},
		{&ast.Unary{Op: ast.Plus, X: minusFive}, "+-5"},
		{&ast.DecimalLit{Text: "1e3"}, "DECIMAL '1e3'"},
		{&ast.DecimalLit{Text: "7"}, "DECIMAL '7'"},
		{&ast.Binary{Op: ast.Sub, L: five, R: &ast.Binary{Op: ast.Sub, L: five, R: five}}, "(5 - (5 - 5))"},
		{&ast.Binary{Op: ast.Eq, L: &ast.Binary{Op: ast.Eq, L: five, R: five}, R: five}, "((5 = 5) = 5)"},
		{&ast.Not{X: &ast.Not{X: &ast.BoolLit{}}}, "(NOT (NOT false))"},
		{&ast.Call{Name: ast.Ident{Name: "MAP"}, Args: []ast.Expr{five}}, "`MAP`(5)"},
		{&ast.Call{Name: ast.Ident{Name: "REPLACE"}, Args: []ast.Expr{five}}, "REPLACE(5)"},
		{&ast.Lambda{Params: []ast.Ident{{Name: "x"}}, Body: five}, "`x` => 5"},
		{&ast.Subscript{X: &ast.StringLit{Value: "a'b"}, Index: five}, "'a''b'[5]"},
	} {
		got := tc.e.String()
		if got != tc.want {
			t.Errorf("printed %s, want %s", got, tc.want)
		}
		if _, isLambda := tc.e.(*ast.Lambda); isLambda {
			continue // only valid as an argument
		}
		back, err := parser.ParseExpr(got)
		if err != nil || !ast.Equal(tc.e, back) {
			t.Errorf("%s does not read back: %v\n%s", got, err, ast.Dump(back))
		}
	}
}

func TestDurationsAndWindowsPrint(t *testing.T) {
	for _, tc := range []struct {
		d    ast.Duration
		want string
	}{
		{ast.Duration{Value: 1, Unit: ast.Seconds}, "1 SECOND"},
		{ast.Duration{Value: 2, Unit: ast.Milliseconds}, "2 MILLISECONDS"},
		{ast.Duration{Value: 0, Unit: ast.Days}, "0 DAYS"},
		{ast.Duration{Value: -1, Unit: ast.Hours}, "-1 HOUR"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v prints %s, want %s", tc.d, got, tc.want)
		}
	}
	for _, word := range []string{"MILLISECOND", "MILLISECONDS", "SECOND", "SECONDS", "MINUTE", "MINUTES", "HOUR", "HOURS", "DAY", "DAYS"} {
		u, ok := ast.ParseTimeUnit(word)
		if !ok || !strings.HasPrefix(u.String(), word[:len(word)-1]) {
			t.Errorf("ParseTimeUnit(%s) = %s, %v", word, u, ok)
		}
	}
	if _, ok := ast.ParseTimeUnit("WEEKS"); ok {
		t.Error("WEEKS is a time unit")
	}
}

// Dump shows every node with its position; literals and column references
// on one line, zero-valued fields left out. (The parser's golden files hold
// full dumps.)
func TestDump(t *testing.T) {
	d := ast.Dump(mustParse(t, "SELECT -a FROM t"))
	for _, line := range []string{"Query @1:1", "SelectItem @1:8", "Unary @1:8", "Op: -", "X: ColumnRef @1:9 A", "Source @1:16"} {
		if !strings.Contains(d, line) {
			t.Errorf("Dump lacks %q:\n%s", line, d)
		}
	}
	for _, absent := range []string{"Alias", "Where", "Joins", "Limit"} {
		if strings.Contains(d, absent) {
			t.Errorf("Dump shows the empty field %s:\n%s", absent, d)
		}
	}
}
