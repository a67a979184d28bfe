package parser

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/*.txt")

// A golden file is a sequence of cases:
//
//	# comments and blank lines between cases are kept
//	<command>
//	<input, one or more lines>
//	----
//	<expected output, up to the next blank line>
//
// Commands: parse (a script: the tree of each statement, its printed SQL,
// or the error), print (a script: the printed SQL only), expr, type and
// elements (ParseExpr, ParseType, ParseTableElements). Every command also
// checks that the printed SQL parses back to an equal tree.
type goldenCase struct {
	line     int // of the command
	cmd      string
	input    string
	expected string
}

type goldenFile struct {
	// chunks are the file's lines outside cases (comments, blank lines),
	// interleaved with cases: a chunk precedes each case, one ends the file.
	chunks [][]string
	cases  []goldenCase
}

func readGolden(t *testing.T, path string) *goldenFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	gf := &goldenFile{}
	var chunk []string
	for i := 0; i < len(lines); {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			chunk = append(chunk, l)
			i++
			continue
		}
		c := goldenCase{line: i + 1, cmd: l}
		i++
		var in []string
		for i < len(lines) && lines[i] != "----" {
			in = append(in, lines[i])
			i++
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: case without ----", path, c.line)
		}
		i++
		var out []string
		for i < len(lines) && lines[i] != "" {
			out = append(out, lines[i])
			i++
		}
		c.input = strings.Join(in, "\n")
		c.expected = strings.Join(out, "\n")
		gf.chunks = append(gf.chunks, chunk)
		chunk = nil
		gf.cases = append(gf.cases, c)
	}
	gf.chunks = append(gf.chunks, chunk)
	return gf
}

func (gf *goldenFile) String() string {
	var b strings.Builder
	for i, c := range gf.cases {
		for _, l := range gf.chunks[i] {
			b.WriteString(l + "\n")
		}
		if c.input == "" {
			fmt.Fprintf(&b, "%s\n----\n", c.cmd)
		} else {
			fmt.Fprintf(&b, "%s\n%s\n----\n", c.cmd, c.input)
		}
		if c.expected != "" {
			b.WriteString(c.expected + "\n")
		}
	}
	for _, l := range gf.chunks[len(gf.chunks)-1] {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata/")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gf := readGolden(t, path)
			for i := range gf.cases {
				c := &gf.cases[i]
				got := runGolden(t, fmt.Sprintf("%s:%d", path, c.line), c.cmd, c.input)
				if *rewrite {
					c.expected = got
					continue
				}
				if got != c.expected {
					t.Errorf("%s:%d: %s\n%s\n--- got:\n%s\n--- want:\n%s", path, c.line, c.cmd, c.input, got, c.expected)
				}
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(gf.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func runGolden(t *testing.T, where, cmd, input string) string {
	t.Helper()
	var b strings.Builder
	switch cmd {
	case "parse", "print":
		stmts, err := Parse(input)
		if err != nil {
			return describeError(err)
		}
		for _, s := range stmts {
			checkRoundTrip(t, where, s, func(s string) (ast.Node, error) { return ParseStatement(s) })
			if cmd == "parse" {
				b.WriteString(ast.Dump(s))
				b.WriteString("print:\n")
			}
			b.WriteString(s.String())
			b.WriteString(";\n")
		}
	case "expr", "type":
		parse := func(s string) (ast.Node, error) { return ParseExpr(s) }
		if cmd == "type" {
			parse = func(s string) (ast.Node, error) { return ParseType(s) }
		}
		n, err := parse(input)
		if err != nil {
			return describeError(err)
		}
		checkRoundTrip(t, where, n, parse)
		b.WriteString(ast.Dump(n))
		b.WriteString("print: ")
		b.WriteString(n.String())
		b.WriteString("\n")
	case "elements":
		els, err := ParseTableElements(input)
		if err != nil {
			return describeError(err)
		}
		for _, el := range els {
			checkRoundTrip(t, where, el, func(s string) (ast.Node, error) {
				els, err := ParseTableElements(s)
				if err != nil {
					return nil, err
				}
				return els[0], nil
			})
			b.WriteString(ast.Dump(el))
			b.WriteString("print: ")
			b.WriteString(el.String())
			b.WriteString("\n")
		}
	default:
		t.Fatalf("%s: unknown command %q", where, cmd)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func describeError(err error) string {
	var b strings.Builder
	e, ok := err.(*Error)
	if !ok {
		return "non-parser error: " + err.Error()
	}
	fmt.Fprintf(&b, "error: %s\n", strconv.Quote(e.Error()))
	fmt.Fprintf(&b, "code: %s\n", e.Code)
	if e.Near != "" {
		fmt.Fprintf(&b, "near: %s\n", strconv.Quote(e.Near))
	}
	if e.Compat() != e.Error() {
		fmt.Fprintf(&b, "compat: %s\n", strconv.Quote(e.Compat()))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// checkRoundTrip requires n to print as SQL that parses to an equal tree,
// which prints the same again.
func checkRoundTrip(t *testing.T, where string, n ast.Node, parse func(string) (ast.Node, error)) {
	t.Helper()
	printed := n.String()
	back, err := parse(printed)
	if err != nil {
		t.Errorf("%s: printed SQL does not parse: %v\n%s", where, err, printed)
		return
	}
	if !ast.Equal(n, back) {
		t.Errorf("%s: printed SQL parses to a different tree\n%s\n--- original:\n%s--- reparsed:\n%s", where, printed, ast.Dump(n), ast.Dump(back))
		return
	}
	if again := back.String(); again != printed {
		t.Errorf("%s: printing is not stable:\n%s\n---\n%s", where, printed, again)
	}
}
