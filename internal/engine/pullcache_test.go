package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

func pullAll(t *testing.T, e *Engine, sql string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := e.Query(ctx, nil, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var rows []string
	for {
		r, err := st.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		var f []string
		for _, v := range r.Values {
			f = append(f, v.String())
		}
		rows = append(rows, strings.Join(f, "/"))
	}
}

func openCounts(t *testing.T) *Engine {
	t.Helper()
	e, _ := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM ev (id STRING KEY, x BIGINT) WITH (kafka_topic='ev', partitions=3, value_format='JSON');
CREATE TABLE counts AS SELECT id, COUNT(*) AS n, SUM(x) AS s FROM ev GROUP BY id;`)
	for i, c := range []string{"a:1", "b:2", "a:3", "it's:4", "c:5"} {
		f := strings.Split(c, ":")
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO ev (id, x, ROWTIME) VALUES ('%s', %s, %d);", strings.ReplaceAll(f[0], "'", "''"), f[1], i))
	}
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// Key lookups of one shape share a plan and each still answers for its
// own key.
func TestPullKeyLookupsShareAPlan(t *testing.T) {
	e := openCounts(t)
	want := map[string]string{"a": "a/2/4", "b": "b/1/2", "c": "c/1/5", "it''s": "it's/1/4", "zz": ""}
	for round := 0; round < 2; round++ {
		for _, k := range []string{"a", "b", "c", "it''s", "zz"} {
			got := strings.Join(pullAll(t, e, "SELECT * FROM counts WHERE id = '"+k+"';"), " ")
			if got != want[k] {
				t.Fatalf("round %d, key %s: got %q, want %q", round, k, got, want[k])
			}
		}
	}
	if n := e.pullPlans.len(); n != 1 {
		t.Fatalf("%d plans kept for one shape, want 1", n)
	}
	// The literal on the left, and a different projection: other shapes.
	if got := strings.Join(pullAll(t, e, "SELECT * FROM counts WHERE 'a' = id;"), " "); got != "a/2/4" {
		t.Fatalf("literal first: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, s FROM counts WHERE id = 'b';"), " "); got != "b/2" {
		t.Fatalf("projection: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, s FROM counts WHERE id = 'c';"), " "); got != "c/5" {
		t.Fatalf("projection, cached: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, 'x' AS t FROM counts WHERE id = 'c';"), " "); got != "c/x" {
		t.Fatalf("literal in the projection: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, 'y' AS t FROM counts WHERE id = 'c';"), " "); got != "c/y" {
		t.Fatalf("another literal in the projection: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, n FROM counts WHERE id = 'a' LIMIT 0;"), " "); got != "" {
		t.Fatalf("LIMIT 0: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id, n FROM counts WHERE id = 'a' LIMIT 1;"), " "); got != "a/2" {
		t.Fatalf("LIMIT 1: %q", got)
	}
	// Not key lookups: answered as before, with their filter.
	if got := strings.Join(pullAll(t, e, "SELECT id FROM counts WHERE id = 'a' AND n > 5;"), " "); got != "" {
		t.Fatalf("key and filter: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id FROM counts WHERE id = 'a' AND id = 'b';"), " "); got != "" {
		t.Fatalf("two keys: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT id FROM counts WHERE n = 1;"), " "); got != "b c it's" {
		t.Fatalf("scan: %q", got)
	}
}

// A plan kept for a table is not used once the table is dropped and
// created again by another query.
func TestPullPlanIsBoundAgainAfterDropAndCreate(t *testing.T) {
	e := openCounts(t)
	const q = "SELECT * FROM counts WHERE id = 'a';"
	if got := strings.Join(pullAll(t, e, q), " "); got != "a/2/4" {
		t.Fatalf("before: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT * FROM counts WHERE id = 'b';"), " "); got != "b/1/2" {
		t.Fatalf("before, cached: %q", got)
	}
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `TERMINATE `+e.Queries()[0].ID+`;
DROP TABLE counts;
CREATE TABLE counts AS SELECT id, MAX(x) AS top FROM ev GROUP BY id;`)
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(pullAll(t, e, q), " "); got != "a/3" {
		t.Fatalf("after DROP and CREATE: %q", got)
	}
	if got := strings.Join(pullAll(t, e, "SELECT * FROM counts WHERE id = 'c';"), " "); got != "c/5" {
		t.Fatalf("after DROP and CREATE, cached: %q", got)
	}
	mustExec(t, e, nil, `TERMINATE `+e.Queries()[0].ID+`;
DROP TABLE counts;`)
	if _, err := e.Query(context.Background(), nil, q); err == nil {
		t.Fatal("a lookup of a dropped table must fail")
	}
}

func TestKeyLookupShape(t *testing.T) {
	keys := []types.Column{{Name: "ID", Type: types.StringType}, {Name: "N", Type: types.IntegerType}}
	shape := func(sql string) (string, bool) {
		t.Helper()
		stmts, err := parser.ParseScript(sql)
		if err != nil {
			t.Fatal(err)
		}
		s := stmts[0].Stmt.(*ast.Query)
		sh, _, ok := keyLookupShape(stmts[0].Text, s, keys)
		return sh, ok
	}
	a, ok1 := shape("SELECT * FROM t WHERE id = 'a' AND n = 1;")
	b, ok2 := shape("SELECT * FROM t WHERE id = 'it''s b' AND n = 22;")
	if !ok1 || !ok2 || a != b {
		t.Fatalf("same shape expected: %q %v, %q %v", a, ok1, b, ok2)
	}
	for _, sql := range []string{
		"SELECT * FROM t WHERE id = 'a';",                           // a key column missing
		"SELECT * FROM t WHERE id = 'a' AND n = 1 AND n = 2;",       // a key column twice
		"SELECT * FROM t WHERE id = 'a' OR n = 1;",                  // not a conjunction
		"SELECT * FROM t WHERE id = 'a' AND n = 3000000000;",        // out of the column's range
		"SELECT * FROM t WHERE id = 1 AND n = 1;",                   // an integer for a string
		"SELECT * FROM t WHERE id = 'a' AND n = '1';",               // a string for an integer
		"SELECT CAST(n AS STRING) FROM t WHERE id = 'a' AND n = 1;", // a cast
		"SELECT * FROM t WHERE id = 'a' AND n = 1 EMIT CHANGES;",
	} {
		if sh, ok := shape(sql); ok {
			t.Errorf("%s: not a key lookup, got shape %q", sql, sh)
		}
	}
	c, _ := shape("SELECT id FROM t WHERE id = 'a' AND n = 1;")
	d, _ := shape("SELECT * FROM t WHERE id = 'a' AND n = 1 LIMIT 1;")
	if c == a || d == a || c == d {
		t.Fatalf("different statements share a shape: %q %q %q", a, c, d)
	}
}

// Lookups on several goroutines share the kept plan.
func TestPullKeyLookupsConcurrently(t *testing.T) {
	e := openCounts(t)
	want := map[string]string{"a": "a/2/4", "b": "b/1/2", "c": "c/1/5"}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			ctx := context.Background()
			for i := 0; i < 200; i++ {
				k := []string{"a", "b", "c"}[(g+i)%3]
				st, err := e.Query(ctx, nil, "SELECT * FROM counts WHERE id = '"+k+"';")
				if err != nil {
					errs <- err
					return
				}
				r, err := st.Next(ctx)
				if err != nil {
					errs <- err
					return
				}
				var f []string
				for _, v := range r.Values {
					f = append(f, v.String())
				}
				if got := strings.Join(f, "/"); got != want[k] {
					errs <- fmt.Errorf("key %s: got %s, want %s", k, got, want[k])
					return
				}
				if _, err := st.Next(ctx); !errors.Is(err, io.EOF) {
					errs <- fmt.Errorf("key %s: more than one row (%v)", k, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.pullPlans.len(); n != 1 {
		t.Fatalf("%d plans kept for one shape, want 1", n)
	}
}
