package qtt

import (
	"slices"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blank and semicolons", " ;\n ; ", nil},
		{"one without semicolon", "  SELECT 1  ", []string{"SELECT 1"}},
		{"one with semicolon", "SELECT 1;", []string{"SELECT 1"}},
		{"two", "CREATE STREAM A (X INT) WITH (kafka_topic='a');\nINSERT INTO A VALUES (1);", []string{"CREATE STREAM A (X INT) WITH (kafka_topic='a')", "INSERT INTO A VALUES (1)"}},
		{"semicolon in string", "SELECT ';' FROM A; SELECT 2;", []string{"SELECT ';' FROM A", "SELECT 2"}},
		{"doubled quote in string", "SELECT 'it''s; ok' FROM A;X", []string{"SELECT 'it''s; ok' FROM A", "X"}},
		{"empty string then semicolon", "SELECT '' ; SELECT ''''", []string{"SELECT ''", "SELECT ''''"}},
		{"backquoted identifier", "SELECT `a;b` FROM A; B", []string{"SELECT `a;b` FROM A", "B"}},
		{"double-quoted identifier", `SELECT "a;""b" FROM A; B`, []string{`SELECT "a;""b" FROM A`, "B"}},
		{"line comment", "SELECT 1 -- not; here\n; SELECT 2", []string{"SELECT 1 -- not; here", "SELECT 2"}},
		{"block comment", "SELECT /* a; b */ 1; SELECT 2", []string{"SELECT /* a; b */ 1", "SELECT 2"}},
		{"comment-only pieces dropped", "-- header;\nSELECT 1; /* trailing; */ -- end", []string{"-- header;\nSELECT 1"}},
		{"quote inside comment", "SELECT 1 -- don't\n; SELECT 2", []string{"SELECT 1 -- don't", "SELECT 2"}},
		{"comment marker inside string", "SELECT '--;' , '/*;' FROM A; B", []string{"SELECT '--;' , '/*;' FROM A", "B"}},
		{"minus and slash are not comments", "SELECT 4-2/1; B", []string{"SELECT 4-2/1", "B"}},
		{"unterminated string", "SELECT 'abc; def", []string{"SELECT 'abc; def"}},
		{"unterminated block comment", "SELECT 1; /* open; ", []string{"SELECT 1"}},
		{"java-looking literal", `CREATE STREAM S1 as SELECT K, '" + new Supplier<String>(){public String get() {return "boom";}}.get() + "' as x FROM test;`,
			[]string{`CREATE STREAM S1 as SELECT K, '" + new Supplier<String>(){public String get() {return "boom";}}.get() + "' as x FROM test`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SplitStatements(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("SplitStatements(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
