package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/sql/ast"
)

// stmtClass sorts corpus statements by what ksqlDB does with their test.
type stmtClass int

const (
	// classClean: the test expects no error, so every statement is valid
	// ksqlDB and must parse.
	classClean stmtClass = iota
	// classRejected: the test expects an error that is not a parse error;
	// its statements almost always parse, and fail later.
	classRejected
	// classSyntax: the test expects a parse error; some statement of it
	// may well not parse.
	classSyntax
)

var classNames = [...]string{classClean: "tests without an expected error",
	classRejected: "tests expecting a non-parse error", classSyntax: "tests expecting a parse error"}

type corpusStmt struct {
	where string // file / test
	sql   string
	class stmtClass
}

// unparseable lists statements of tests without an expected error that
// the parser rejects on purpose, with the reason. It is empty: every such
// statement parses.
var unparseable = map[string]string{}

// loadCorpusStatements returns every statement of the corpus, {FORMAT}
// replaced by JSON, with the class of its test.
func loadCorpusStatements(t testing.TB) []corpusStmt {
	t.Helper()
	dir := qtt.RequireCorpus(t)
	files, err := qtt.LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusStmt
	for _, f := range files {
		for i := range f.Tests {
			test := &f.Tests[i]
			class := classOf(test)
			for _, s := range test.Statements {
				out = append(out, corpusStmt{
					where: f.Name + " / " + test.Name,
					sql:   strings.ReplaceAll(s, "{FORMAT}", "JSON"),
					class: class,
				})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("the corpus in %s has no statements", dir)
	}
	return out
}

func classOf(test *qtt.Test) stmtClass {
	syntax := func(msg string) bool {
		return strings.Contains(msg, "Syntax Error") || strings.Contains(msg, "Syntax error")
	}
	if e := test.ExpectedException; e != nil {
		if strings.HasSuffix(e.Type, ".ParseFailedException") || syntax(e.Message) {
			return classSyntax
		}
		return classRejected
	}
	if e := test.ExpectedError; e != nil {
		if syntax(e.Message) {
			return classSyntax
		}
		return classRejected
	}
	return classClean
}

// TestCorpusRoundTrip parses every statement of ksqlDB's test files,
// prints each one that parses and requires the printed SQL to parse to an
// equal tree. Statements of tests that expect no error must all parse.
func TestCorpusRoundTrip(t *testing.T) {
	stmts := loadCorpusStatements(t)
	type tally struct{ total, parsed int }
	var tallies [len(classNames)]tally
	unique := map[string]bool{}
	// rejected records, per test expecting an error, whether the parser
	// rejects one of its statements.
	rejected := map[string]bool{}
	var syntaxTests []string
	start := time.Now()
	for _, cs := range stmts {
		unique[cs.sql] = true
		tl := &tallies[cs.class]
		tl.total++
		if _, seen := rejected[cs.where]; !seen && cs.class == classSyntax {
			rejected[cs.where] = false
			syntaxTests = append(syntaxTests, cs.where)
		}
		parsed, err := Parse(cs.sql)
		if err != nil {
			if cs.class == classClean && unparseable[cs.sql] == "" {
				t.Errorf("%s: %v\n%s", cs.where, err, cs.sql)
			}
			if cs.class == classRejected {
				t.Logf("rejected, where ksqlDB's test expects a later error (%s): %v", cs.where, err)
			}
			if cs.class == classSyntax {
				rejected[cs.where] = true
			}
			continue
		}
		tl.parsed++
		for _, st := range parsed {
			printed := st.String()
			back, err := ParseStatement(printed)
			switch {
			case err != nil:
				t.Errorf("%s: printed SQL does not parse: %v\n%s\n--- printed:\n%s", cs.where, err, cs.sql, printed)
			case !ast.Equal(st, back):
				t.Errorf("%s: printed SQL parses to a different tree\n%s\n--- printed:\n%s", cs.where, cs.sql, printed)
			case back.String() != printed:
				t.Errorf("%s: printing is not stable\n%s", cs.where, cs.sql)
			}
		}
	}
	elapsed := time.Since(start)
	for c, tl := range tallies {
		t.Logf("%s: %d of %d statements parse (%s); every one that parses round-trips",
			classNames[c], tl.parsed, tl.total, percent(tl.parsed, tl.total))
	}
	clean, rejectedLater := tallies[classClean], tallies[classRejected]
	t.Logf("all statements outside tests expecting a parse error: %d of %d parse (%s)",
		clean.parsed+rejectedLater.parsed, clean.total+rejectedLater.total,
		percent(clean.parsed+rejectedLater.parsed, clean.total+rejectedLater.total))
	var syntaxRejected int
	for _, where := range syntaxTests {
		if rejected[where] {
			syntaxRejected++
		} else {
			t.Logf("accepted, though ksqlDB's test expects a parse error: %s", where)
		}
	}
	t.Logf("%d of %d tests expecting a parse error have a statement the parser rejects", syntaxRejected, len(syntaxTests))
	t.Logf("%d statements (%d distinct) parsed, printed and parsed again in %v", len(stmts), len(unique), elapsed)
	if tallies[classClean].total == 0 {
		t.Fatal("no statements from tests without an expected error: is the corpus complete?")
	}
}

// TestCorpusScripts parses the statements of each clean test as one script,
// as ksqlDB's runner does, so positions and statement splitting are
// exercised across lines.
func TestCorpusScripts(t *testing.T) {
	stmts := loadCorpusStatements(t)
	byTest := map[string][]string{}
	var order []string
	for _, cs := range stmts {
		if cs.class != classClean {
			continue
		}
		if byTest[cs.where] == nil {
			order = append(order, cs.where)
		}
		byTest[cs.where] = append(byTest[cs.where], cs.sql)
	}
	for _, where := range order {
		sqls := byTest[where]
		ps, err := ParseScript(strings.Join(sqls, "\n"))
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if len(ps) != len(sqls) {
			t.Errorf("%s: %d statements in the script, want %d", where, len(ps), len(sqls))
			continue
		}
		line := 1
		for i, p := range ps {
			want := strings.TrimSuffix(strings.TrimSpace(sqls[i]), ";")
			if strings.TrimSpace(p.Text) != strings.TrimSpace(want) {
				t.Errorf("%s: statement %d has text %q, want %q", where, i, p.Text, want)
			}
			if got := p.Stmt.Position().Line; got < line || got > line+strings.Count(sqls[i], "\n") {
				t.Errorf("%s: statement %d starts on line %d, outside its text, which starts on line %d", where, i, got, line)
			}
			line += strings.Count(sqls[i], "\n") + 1
		}
	}
}

func percent(n, d int) string {
	if d == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(d))
}

func BenchmarkParseCorpus(b *testing.B) {
	stmts := loadCorpusStatements(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, cs := range stmts {
			Parse(cs.sql)
		}
	}
}
