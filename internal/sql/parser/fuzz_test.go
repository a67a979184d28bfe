package parser

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/sql/ast"
)

// fuzzSeeds are inputs of our own, chosen for the corners of the grammar.
var fuzzSeeds = []string{
	"SELECT * FROM t;",
	"SELECT a->b->*, t.*, -(5[1]), - -5, 1 - -5 FROM t x WHERE NOT a IS NOT NULL EMIT CHANGES;",
	"CREATE STREAM s (k INT KEY, h BYTES HEADER('x')) WITH (kafka_topic='t', value_format='JSON');",
	"CREATE TABLE `T` AS SELECT k, COUNT(*) c FROM s WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY (k, j) HAVING c > 1;",
	"SELECT TRANSFORM(a, (x, y) => x || y), TIMESTAMPADD(SECONDS, 1, t), CAST(x AS STRUCT<>), ${f}(*) FROM t;",
	"SELECT CASE x WHEN 1 THEN 'a''b' ELSE DECIMAL '1e3' END, MAP(1 := ARRAY[]), STRUCT() FROM t;",
	"INSERT INTO t (a, `b`) VALUES (${v}, -9223372036854775808, .5, 1E-3);",
	"SELECT * FROM a LEFT JOIN b WITHIN (1 SECOND, 2 DAYS) GRACE PERIOD 3 MINUTES ON a.k = b.k;",
	"DESCRIBE FUNCTION f; EXPLAIN q; PRINT 'x' FROM BEGINNING INTERVAL 2 LIMIT 1; ASSERT NOT EXISTS SCHEMA ID 1",
	"SELECT (-a)->b, (+a)[1], -a->b FROM t",
	"SELECT 'unterminated",
	"/* comment */ -- line\n SHOW ALL TOPICS EXTENDED;;",
	"SELECT a IN (1, 2) AND b NOT BETWEEN 1 AND 2 OR c LIKE 'x' ESCAPE '!' FROM t",
}

// FuzzParse checks that no input makes the parser panic, that errors are
// *Error with a position inside the input, and that whatever parses prints
// as SQL that parses to an equal tree and prints the same again. Its seeds
// are our own plus a few hundred statements of ksqlDB's test files, when
// they are present.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range corpusSeeds(300) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		stmts, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *parser.Error: %T %v", err, err)
			}
			if pe.Code == "" || pe.Pos.Line < 1 || pe.Pos.Col < 1 || pe.Pos.Offset < 0 || pe.Pos.Offset > len(s) {
				t.Fatalf("error with a bad code or position: %+v", pe)
			}
			if pe.Pos.Line == 1 && utf8.ValidString(s) && pe.Pos.Col != utf8.RuneCountInString(s[:pe.Pos.Offset])+1 {
				t.Fatalf("column %d does not match offset %d", pe.Pos.Col, pe.Pos.Offset)
			}
			return
		}
		for _, st := range stmts {
			printed := st.String()
			back, err := ParseStatement(printed)
			if err != nil {
				t.Fatalf("printed SQL does not parse: %v\ninput: %q\nprinted:\n%s", err, s, printed)
			}
			if !ast.Equal(st, back) {
				t.Fatalf("printed SQL parses to a different tree\ninput: %q\nprinted:\n%s\n--- original:\n%s--- reparsed:\n%s",
					s, printed, ast.Dump(st), ast.Dump(back))
			}
			if again := back.String(); again != printed {
				t.Fatalf("printing is not stable\n%s\n---\n%s", printed, again)
			}
		}
	})
}

// corpusSeeds returns up to n distinct statements spread evenly over the
// corpus, or none when the corpus is absent.
func corpusSeeds(n int) []string {
	dir, err := qtt.CorpusDir()
	if err != nil {
		return nil
	}
	files, err := qtt.LoadCorpus(dir)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var all []string
	for _, f := range files {
		for _, test := range f.Tests {
			for _, s := range test.Statements {
				s = strings.ReplaceAll(s, "{FORMAT}", "JSON")
				if !seen[s] {
					seen[s] = true
					all = append(all, s)
				}
			}
		}
	}
	sort.Strings(all)
	if len(all) <= n {
		return all
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, all[i*len(all)/n])
	}
	return out
}
