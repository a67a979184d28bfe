package plan

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata")

// testCatalog holds the sources the golden cases query.
func testCatalog(t *testing.T) *catalog.Metastore {
	t.Helper()
	m := catalog.NewMetastore()
	addSource := func(name string, kind catalog.SourceKind, cols string, keyFormat string, partitions int32) {
		els, err := parser.ParseTableElements(cols)
		if err != nil {
			t.Fatal(err)
		}
		var cs []types.Column
		for _, el := range els {
			c := types.Column{Name: el.Name.Name, Type: resolve(t, el.Type)}
			switch el.Constraint {
			case ast.Key, ast.PrimaryKey:
				c.Namespace = types.NamespaceKey
			case ast.Headers:
				c.Namespace = types.NamespaceHeaders
			case ast.Header:
				c.Namespace, c.HeaderKey = types.NamespaceHeader, el.Header
			}
			cs = append(cs, c)
		}
		m.PutSource(&catalog.Source{Name: name, Kind: kind, Topic: strings.ToLower(name),
			Schema: types.MustSchema(cs...), Key: catalog.FormatInfo{Name: keyFormat}, Value: catalog.FormatInfo{Name: "JSON"}, Partitions: partitions})
	}
	add := func(name, cols string, keyFormat string) { addSource(name, catalog.Stream, cols, keyFormat, 4) }
	add("EVENTS", "ID STRING KEY, TYPE STRING, N INT, TAGS ARRAY<STRING>, ADDR STRUCT<STREET STRING, TOWN STRING>", "KAFKA")
	add("PAIRS", "A INT KEY, B INT KEY, NAME STRING", "JSON")
	add("NOKEY", "NAME STRING, AGE INT", "NONE")
	add("WITHHEADERS", "K STRING KEY, H ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, V BIGINT", "KAFKA")
	add("CLICKS", "ID STRING KEY, URL STRING", "KAFKA")
	addSource("USERS", catalog.Table, "ID STRING PRIMARY KEY, NAME STRING, AGE INT", "KAFKA", 4)
	addSource("ACCOUNTS", catalog.Table, "ID STRING PRIMARY KEY, BALANCE DOUBLE, PLAN STRING", "KAFKA", 4)
	addSource("PLANS", catalog.Table, "ID STRING PRIMARY KEY, PRICE INT", "KAFKA", 4)
	addSource("SMALL", catalog.Table, "ID STRING PRIMARY KEY, V INT", "KAFKA", 2)
	addSource("USERS2", catalog.Table, "ID STRING PRIMARY KEY, NAME STRING PRIMARY KEY, AGE INT", "JSON", 4)
	return m
}

func resolve(t *testing.T, at ast.Type) types.Type {
	t.Helper()
	typ, err := exprResolve(at)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// TestBindGolden binds each query of testdata/bind.txt and compares its
// EXPLAIN (or its error) with the golden text. Each case is
//
//	bind persistent|transient [sink=NAME]
//	SELECT ...
//	----
//	expected output
//	====
func TestBindGolden(t *testing.T) {
	path := filepath.Join("testdata", "bind.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b := &Binder{Meta: testCatalog(t), Functions: functions.NewRegistry()}
	var out strings.Builder
	for _, c := range parseGolden(string(data)) {
		got := bindCase(t, b, c.directive, c.sql)
		fmt.Fprintf(&out, "%s\n%s\n----\n%s\n====\n", c.directive, c.sql, got)
		if !*rewrite && c.want != got {
			t.Errorf("%s\n%s\ngot:\n%s\nwant:\n%s", c.directive, c.sql, got, c.want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type goldenCase struct{ directive, sql, want string }

// parseGolden reads cases of the form directive, SQL lines, "----",
// expected lines, "====".
func parseGolden(data string) []goldenCase {
	var cases []goldenCase
	var c goldenCase
	var sql, want []string
	state := 0 // 0: directive, 1: sql, 2: expected
	for _, line := range strings.Split(data, "\n") {
		switch {
		case state == 0 && strings.TrimSpace(line) == "":
		case state == 0:
			c, sql, want, state = goldenCase{directive: line}, nil, nil, 1
		case state == 1 && line == "----":
			state = 2
		case state == 1:
			sql = append(sql, line)
		case state == 2 && line == "====":
			c.sql, c.want = strings.Join(sql, "\n"), strings.Join(want, "\n")
			cases, state = append(cases, c), 0
		default:
			want = append(want, line)
		}
	}
	return cases
}

func bindCase(t *testing.T, b *Binder, directive, sql string) string {
	fields := strings.Fields(directive)
	opts := Options{}
	for _, f := range fields[1:] {
		switch {
		case f == "persistent":
			opts.Persistent = true
		case strings.HasPrefix(f, "sink="):
			opts.Sink = strings.TrimPrefix(f, "sink=")
		case f == "newplanner":
			opts.NewPlanner = true
		}
	}
	stmt, err := parser.ParseStatement(sql)
	if err != nil {
		return "parse error: " + err.Error()
	}
	q, ok := stmt.(*ast.Query)
	if !ok {
		t.Fatalf("%s: not a query", sql)
	}
	p, err := b.Bind(q, opts)
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimRight(p.Explain(), "\n")
}

func TestParsePartialTimestamp(t *testing.T) {
	for in, want := range map[string]int64{
		"1970":                      0,
		"1970-01-01T00:00:00.001":   1,
		"1970-01-02":                86_400_000,
		"1970-01-01T01":             3_600_000,
		"1970-01-01T01:00:00+0100":  0,
		"1970-01-01T00:00:00.010Z":  10,
		"2019-01-01T00:00:00+04:45": 1546283700000,
	} {
		got, err := ParsePartialTimestamp(in)
		if err != nil || got != want {
			t.Errorf("ParsePartialTimestamp(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "19", "1970-13", "yesterday"} {
		if _, err := ParsePartialTimestamp(bad); err == nil {
			t.Errorf("ParsePartialTimestamp(%q): no error", bad)
		}
	}
}
