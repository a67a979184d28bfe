package qttrun

import (
	"fmt"
	"testing"

	"github.com/sluicedata/sluice/internal/qtt"
)

// loadCases expands a QTT file given as the JSON of its tests array.
func loadCases(t *testing.T, testsJSON string) []qtt.Case {
	t.Helper()
	f, err := qtt.ParseFile("f.json", []byte(`{"tests": `+testsJSON+`}`))
	if err != nil {
		t.Fatal(err)
	}
	return f.Cases()
}

func TestCaseTopics(t *testing.T) {
	c := loadCases(t, `[{
		"name": "n",
		"statements": [
			"CREATE STREAM A (ID INT KEY, V INT) WITH (kafka_topic='a', value_format='JSON');",
			"CREATE TABLE B (ID INT PRIMARY KEY, V INT) WITH (kafka_topic='b', partitions=2, value_format='JSON');",
			"CREATE STREAM C WITH (kafka_topic='c', value_format='JSON');",
			"CREATE STREAM D (V INT) WITH (kafka_topic='explicit', partitions=3, value_format='JSON');",
			"CREATE STREAM E (V INT) WITH (kafka_topic='entry_no_count', partitions=6, value_format='JSON');",
			"CREATE STREAM F (V INT) WITH (kafka_topic='one', partitions=1, value_format='JSON');",
			"CREATE STREAM G (V INT) WITH (kafka_topic='one', partitions=7, value_format='JSON');",
			"CREATE STREAM OUT AS SELECT * FROM A;",
			"not sql"
		],
		"topics": [{"name": "explicit", "partitions": 5}, {"name": "entry_no_count"}],
		"inputs": [{"topic": "a", "value": {}}, {"topic": "in_only", "value": {}}, {"topic": "one", "value": {}}],
		"outputs": [{"topic": "OUT", "value": {}}, {"topic": "a", "value": {}}]
	}]`)[0]
	got := fmt.Sprint(caseTopics(c))
	// Entries first (an entry's own partition count wins), then CREATE
	// statements with columns (4 partitions unless PARTITIONS; the first
	// statement naming a topic wins), then the records' topics (4
	// partitions), which change no count given before.
	want := "[{explicit 5} {entry_no_count 6} {a 4} {b 2} {one 1} {in_only 4} {OUT 4}]"
	if got != want {
		t.Fatalf("caseTopics = %s\nwant          %s", got, want)
	}
}

func TestIsStateless(t *testing.T) {
	tests := []struct {
		stmt string
		want bool
	}{
		{"CREATE STREAM O AS SELECT * FROM S WHERE X > 1;", true},
		{"CREATE STREAM O AS SELECT * FROM S PARTITION BY X;", true},
		{"INSERT INTO O SELECT * FROM S;", true},
		{"CREATE TABLE O AS SELECT X, COUNT(*) FROM S GROUP BY X;", false},
		{"CREATE STREAM O AS SELECT * FROM S JOIN T ON S.ID = T.ID;", false},
		{"INSERT INTO O SELECT * FROM S JOIN T WITHIN 1 SECOND ON S.ID = T.ID;", false},
		{"CREATE TABLE T (ID INT PRIMARY KEY, V INT) WITH (kafka_topic='t', value_format='JSON');", false},
		{"this does not parse", true},
	}
	for _, tt := range tests {
		c := loadCases(t, fmt.Sprintf(`[{"name": "n", "statements": [%q], "outputs": [{"topic": "o", "value": {}}]}]`, tt.stmt))[0]
		if got := isStateless(c); got != tt.want {
			t.Errorf("isStateless(%s) = %v, want %v", tt.stmt, got, tt.want)
		}
	}
	windowed := loadCases(t, `[{"name": "n", "statements": ["CREATE STREAM O AS SELECT * FROM S;"],
		"outputs": [{"topic": "o", "value": {}, "window": {"start": 0, "end": 1, "type": "time"}}]}]`)[0]
	if isStateless(windowed) {
		t.Error("a case with windowed records counted as stateless")
	}
}
