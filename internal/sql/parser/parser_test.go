package parser

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

func parseError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want a *parser.Error, got %T %v", err, err)
	}
	return pe
}

func TestParseStatementWantsOne(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		line int
		msg  string
	}{
		{"", 1, "Expected exactly one statement; found 0 instead"},
		{" ; -- nothing\n", 1, "Expected exactly one statement; found 0 instead"},
		{"SHOW STREAMS;\nSHOW TABLES;", 2, "Expected exactly one statement; found 2 instead"},
	} {
		_, err := ParseStatement(tc.sql)
		pe := parseError(t, err)
		if pe.Code != CodeStatementCount || pe.Pos.Line != tc.line || pe.Msg != tc.msg {
			t.Errorf("ParseStatement(%q) = %+v, want %s at line %d: %s", tc.sql, pe, CodeStatementCount, tc.line, tc.msg)
		}
	}
	for _, sql := range []string{"SHOW STREAMS", "SHOW STREAMS;", "  SHOW STREAMS ; ;"} {
		if _, err := ParseStatement(sql); err != nil {
			t.Errorf("ParseStatement(%q): %v", sql, err)
		}
	}
}

func TestParseScriptTexts(t *testing.T) {
	script := "CREATE STREAM s (a INT) WITH (kafka_topic='a;b');  -- c;\n\tSELECT ';' FROM s /* ; */ ;\nSHOW STREAMS"
	ps, err := ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CREATE STREAM s (a INT) WITH (kafka_topic='a;b')",
		"SELECT ';' FROM s",
		"SHOW STREAMS",
	}
	if len(ps) != len(want) {
		t.Fatalf("%d statements, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Text != want[i] {
			t.Errorf("statement %d: text %q, want %q", i, p.Text, want[i])
		}
		if got := script[p.Stmt.Position().Offset:][:len(p.Text)]; got != p.Text {
			t.Errorf("statement %d: offset %d does not start its text", i, p.Stmt.Position().Offset)
		}
	}
}

func TestPositionsCountCharactersAndLines(t *testing.T) {
	// \r\n ends a line like \n; columns count characters, not bytes.
	s, err := ParseStatement("SELECT\r\n  'ääää', `ö` + x\r\nFROM t")
	if err != nil {
		t.Fatal(err)
	}
	q := s.(*ast.Query)
	sum := q.Select[1].Expr.(*ast.Binary)
	for _, tc := range []struct {
		node       ast.Node
		line, col  int
		byteOffset int
	}{
		{q.Select[0].Expr, 2, 3, 10},
		{sum.L, 2, 11, 22},
		{sum.R, 2, 17, 29},
		{q.From.Name, 3, 6, 37},
	} {
		p := tc.node.Position()
		if p.Line != tc.line || p.Col != tc.col || p.Offset != tc.byteOffset {
			t.Errorf("%s at %d:%d (offset %d), want %d:%d (offset %d)", tc.node, p.Line, p.Col, p.Offset, tc.line, tc.col, tc.byteOffset)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := Parse("SELECT * FROM s;\nSELECT a,, FROM s;")
	pe := parseError(t, err)
	if got, want := pe.Error(), "line 2:10: Syntax Error\n"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := pe.Compat(), "Syntax error at or near ',' at line 2:10"; got != want {
		t.Errorf("Compat() = %q, want %q", got, want)
	}
	if pe.Code != CodeSyntax || pe.Near != "," {
		t.Errorf("code %s near %q, want syntax near ','", pe.Code, pe.Near)
	}
	// Errors without another phrasing give Error() as Compat().
	_, err = Parse("SELECT 'x")
	pe = parseError(t, err)
	if pe.Compat() != pe.Error() {
		t.Errorf("Compat() = %q, want Error() %q", pe.Compat(), pe.Error())
	}
}

func TestCheckExecutable(t *testing.T) {
	stmts, err := Parse("RUN SCRIPT 'setup.sql'; SHOW STREAMS;")
	if err != nil {
		t.Fatal(err)
	}
	pe := parseError(t, CheckExecutable(stmts[0]))
	if pe.Code != CodeNotExecutable || pe.Error() != "line 1:1: Syntax Error\nUnknown statement 'RUN'" {
		t.Errorf("CheckExecutable(RUN SCRIPT) = %s %q", pe.Code, pe.Error())
	}
	if err := CheckExecutable(stmts[1]); err != nil {
		t.Errorf("CheckExecutable(SHOW STREAMS) = %v", err)
	}
}

func TestNestingLimit(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+1) + "1" + strings.Repeat(")", MaxDepth+1)
	_, err := ParseExpr(deep)
	if pe := parseError(t, err); pe.Code != CodeTooDeep {
		t.Errorf("code %s, want %s", pe.Code, CodeTooDeep)
	}
	for _, s := range []string{
		strings.Repeat("- ", MaxDepth+1) + "x",
		strings.Repeat("NOT ", MaxDepth+1) + "x",
		"CAST(x AS " + strings.Repeat("ARRAY<", MaxDepth+1) + "INT" + strings.Repeat(">", MaxDepth+1) + ")",
		"x" + strings.Repeat("[x", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	} {
		_, err := ParseExpr(s)
		if pe := parseError(t, err); pe.Code != CodeTooDeep {
			t.Errorf("%.20s...: code %s, want %s", s, pe.Code, CodeTooDeep)
		}
	}
	// A long chain of ORs prints with a parenthesis per operator and must
	// still read back.
	chain := "a" + strings.Repeat(" OR a", MaxDepth/2)
	e, err := ParseExpr(chain)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseExpr(e.String())
	if err != nil || !ast.Equal(e, back) {
		t.Fatalf("a chain of %d ORs does not round-trip: %v", MaxDepth/2, err)
	}
}

func TestParseTableElementsSchema(t *testing.T) {
	els, err := ParseTableElements("`ID` BIGINT KEY, `KSQL_COL_0` BIGINT, name STRING")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range els {
		names = append(names, e.Name.Name+":"+e.Type.String()+":"+e.Constraint.String())
	}
	if got, want := strings.Join(names, ","), "ID:BIGINT:KEY,KSQL_COL_0:BIGINT:,NAME:STRING:"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSplit(t *testing.T) {
	got := Split("DEFINE x = 'a;b'; CREATE STREAM ${x}_s (`c;d` INT) -- ;\n WITH (kafka_topic='t');\n\n /* ; */ ")
	want := []string{"DEFINE x = 'a;b'", "CREATE STREAM ${x}_s (`c;d` INT) -- ;\n WITH (kafka_topic='t')"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statement %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
