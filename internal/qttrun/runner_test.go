package qttrun

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/qtt"
)

// TestRunHandmadeFile runs the whole runner, engine included, over a small
// QTT file: a CSAS filter over JSON with post-conditions, a negative test
// and an AVRO case that must be skipped.
func TestRunHandmadeFile(t *testing.T) {
	f, err := qtt.LoadFile("testdata/csas-filter.json")
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(context.Background(), []*qtt.File{f}, Options{})
	if rep.Total != 3 || rep.Skipped != 1 || len(rep.Files) != 1 || rep.Files[0].File != "csas-filter.json" {
		t.Fatalf("report counts %+v over %d files, want 3 cases with 1 skipped in csas-filter.json", rep.Counts, len(rep.Files))
	}
	for _, c := range rep.Files[0].Cases {
		if c.Status == Failed {
			t.Errorf("%s: %s", c.Name, c.Reason)
		}
	}
	if rep.Passed != 2 {
		t.Fatalf("passed %d of the 2 runnable cases", rep.Passed)
	}
}

func TestRunCaseSkipsAndRejects(t *testing.T) {
	cases := loadCases(t, `[
		{"name": "proto", "format": ["PROTOBUF_NOSR", "JSON_SR"],
		 "statements": ["CREATE STREAM S (V INT) WITH (kafka_topic='t', value_format='{FORMAT}');"],
		 "outputs": [{"topic": "t", "value": {}}]},
		{"name": "windowed", "statements": [
		   "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='t', value_format='JSON', window_type='TUMBLING', window_size='10 MILLISECONDS');",
		   "CREATE STREAM O AS SELECT K, V, WINDOWSTART AS WS FROM S;"],
		 "inputs": [{"topic": "t", "key": "a", "value": {"V": 1}, "window": {"start": 10, "end": 20, "type": "time"}}],
		 "outputs": [{"topic": "O", "key": "a", "value": {"V": 1, "WS": 10}, "window": {"start": 10, "end": 20, "type": "time"}}]}
	]`)
	if len(cases) != 3 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases[:2] {
		r := RunCase(context.Background(), c, 0)
		if r.Status != Skipped || !strings.Contains(r.Reason, c.Format) {
			t.Errorf("%s: %v %q, want skipped for %s", c.Name, r.Status, r.Reason, c.Format)
		}
	}
	// Windowed keys are written and read in Kafka Streams' layout.
	if r := RunCase(context.Background(), cases[2], 0); r.Status != Passed {
		t.Errorf("windowed case: %v %q", r.Status, r.Reason)
	}
	rest, err := qtt.ParseFile("rest-query-validation-tests/r.json", []byte(`{"tests": [{"name": "n",
		"statements": ["CREATE STREAM S (V INT) WITH (kafka_topic='t', value_format='JSON');"],
		"expectedError": {"message": "x"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := RunCase(context.Background(), rest.Cases()[0], 0); r.Status != Skipped || !strings.Contains(r.Reason, "REST") {
		t.Errorf("REST case: %v %q, want skipped", r.Status, r.Reason)
	}
}

func TestRunFilterAndProgress(t *testing.T) {
	f, err := qtt.LoadFile("testdata/csas-filter.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	rep := Run(context.Background(), []*qtt.File{f}, Options{
		Filter:   regexp.MustCompile(`avro`),
		Progress: func(done, total int, last CaseResult) { seen = append(seen, last.Name) },
	})
	if rep.Total != 1 || rep.Skipped != 1 {
		t.Fatalf("filtered run counts %+v, want the one skipped avro case", rep.Counts)
	}
	if len(seen) != 1 || seen[0] != "csas-filter - avro is skipped" {
		t.Fatalf("progress saw %v", seen)
	}
	rep = Run(context.Background(), []*qtt.File{f}, Options{Filter: regexp.MustCompile(`no such case`)})
	if rep.Total != 0 || len(rep.Files) != 0 {
		t.Fatalf("empty filter: %+v with %d files", rep.Counts, len(rep.Files))
	}
}

func sampleReport() Report {
	var r Report
	add := func(file string, cases ...CaseResult) {
		fr := FileReport{File: file}
		for _, c := range cases {
			fr.Cases = append(fr.Cases, c)
			fr.Counts.add(c)
			r.Counts.add(c)
			if c.Stateless {
				fr.Stateless.add(c)
				r.Stateless.add(c)
			}
		}
		r.Files = append(r.Files, fr)
	}
	add("a.json",
		CaseResult{Name: "a - one", Status: Passed, Stateless: true},
		CaseResult{Name: "a - two", Status: Failed, Reason: "topic OUTPUT record 1 of 1: value.X: expected 1, got 2", Stateless: true},
		CaseResult{Name: "a - three", Status: Failed, Reason: "no persistent query was created"},
		CaseResult{Name: "a - four", Status: Skipped, Reason: "format not supported yet: AVRO"},
	)
	add("b.json", CaseResult{Name: "b - one", Status: Passed, Stateless: true})
	add("c.json", CaseResult{Name: "c - one", Status: Skipped, Reason: "format not supported yet: AVRO"})
	return r
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteText(&b, TextOptions{MaxFailures: 1, MaxReason: 30}); err != nil {
		t.Fatal(err)
	}
	want := `FAIL  a.json  1/4 (skipped 1)
  FAIL two: topic OUTPUT record 1 of 1: va...
  ... and 1 more failures (--verbose lists them all)
PASS  b.json  1/1 (skipped 0)
SKIP  c.json  0/1 (skipped 1)
total: 2 passed, 2 failed, 2 skipped of 6; pass rate 50.0% of the 4 run
stateless: 2 passed, 1 failed, 0 skipped of 3; pass rate 66.7% of the 3 run
`
	if b.String() != want {
		t.Fatalf("text report:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := sampleReport().WriteText(&b, TextOptions{MaxFailures: -1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "  FAIL three: no persistent query was created\n") || strings.Contains(b.String(), "more failures") {
		t.Fatalf("verbose report does not list every failure:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b, false); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Total, Passed, Failed, Skipped int
		Files                          []struct {
			File          string
			Total, Passed int
			Failures      []any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 6 || got.Passed != 2 || got.Failed != 2 || got.Skipped != 2 || len(got.Files) != 3 ||
		got.Files[0].File != "a.json" || got.Files[0].Total != 4 || got.Files[0].Passed != 1 || got.Files[0].Failures != nil {
		t.Fatalf("json report: %s", b.String())
	}
	if !strings.HasPrefix(b.String(), `{"total":6,"passed":2,"failed":2,"skipped":2,"stateless":{`) {
		t.Fatalf("json report shape: %s", b.String())
	}
	b.Reset()
	if err := sampleReport().WriteJSON(&b, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"failures":[{"case":"a - two","reason":"topic OUTPUT record 1 of 1: value.X: expected 1, got 2"}`) {
		t.Fatalf("json report with failures: %s", b.String())
	}
}

func TestRecordingLogKeepsAppendOrderAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	raw := memlog.New()
	if err := raw.CreateTopic(ctx, "t", log.TopicConfig{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	rec := newRecordingLog(raw)
	buf := []byte("a")
	for i, p := range []int32{1, 0, 1} {
		buf[0] = byte('a' + i)
		if _, err := rec.Append(ctx, "t", p, []log.Record{{Value: buf, Headers: []log.Header{{Key: "h", Value: buf}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rec.Append(ctx, "missing", 0, []log.Record{{Value: buf}}); err == nil {
		t.Fatal("append to a missing topic succeeded")
	}
	got := rec.Appended("t")
	var order []string
	for _, r := range got {
		order = append(order, string(r.Value)+string(r.Headers[0].Value))
	}
	if strings.Join(order, ",") != "aa,bb,cc" || got[0].Partition != 1 || got[1].Partition != 0 || got[2].Offset != 1 {
		t.Fatalf("recorded %v (%+v)", order, got)
	}
	if len(rec.Appended("missing")) != 0 {
		t.Fatal("a failed append was recorded")
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| file | cases | skipped | run | passed | pass rate | stateless run | stateless passed | stateless rate |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
		"| `a.json` | 4 | 1 | 3 | 1 | 33.3% | 2 | 1 | 50.0% |\n" +
		"| `b.json` | 1 | 0 | 1 | 1 | 100.0% | 1 | 1 | 100.0% |\n" +
		"| `c.json` | 1 | 1 | 0 | 0 | - | 0 | 0 | - |\n" +
		"| **total** | 6 | 2 | 4 | 2 | 50.0% | 3 | 2 | 66.7% |\n"
	if b.String() != want {
		t.Fatalf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestRunCaseVerdicts runs small cases through the engine and checks the
// runner's verdict on each: the expected exception, the persistent-query
// requirement, the late-statement rule and output differences.
func TestRunCaseVerdicts(t *testing.T) {
	const create = `"CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='s', value_format='JSON');"`
	tests := []struct {
		name string
		test string // the JSON of one test
		want string // "" for a pass, else a substring of the failure
	}{
		{"pass", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT ID, V * 2 AS W FROM S;"],
			"inputs": [{"topic": "s", "key": 1, "value": {"V": 2}, "timestamp": 5}],
			"outputs": [{"topic": "O", "key": 1, "value": {"W": 4}, "timestamp": 5}]}`, ""},
		{"output differs", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT ID, V * 2 AS W FROM S;"],
			"inputs": [{"topic": "s", "key": 1, "value": {"V": 2}}],
			"outputs": [{"topic": "O", "key": 1, "value": {"W": 5}}]}`, "topic O record 1 of 1: value.W: expected 5, got 4"},
		{"input topics can be expected too", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT * FROM S;"],
			"inputs": [{"topic": "s", "key": 1, "value": {"V": 2}}],
			"outputs": [{"topic": "s", "key": 1, "value": {"V": 2}}]}`, ""},
		{"no persistent query", `{"name": "n", "statements": [` + create + `],
			"inputs": [{"topic": "s", "key": 1, "value": {"V": 2}}],
			"outputs": [{"topic": "s", "key": 1, "value": {"V": 2}}]}`, "no persistent query"},
		{"expected exception", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT NOPE FROM S;"],
			"expectedException": {"type": "io.confluent.ksql.util.KsqlStatementException", "message": "NOPE"}}`, ""},
		{"expected exception not raised", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT * FROM S;"],
			"expectedException": {"message": "boom"}}`, "but none was raised"},
		{"only the last statement may fail", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT NOPE FROM S;", "CREATE STREAM P AS SELECT * FROM S;"],
			"expectedException": {"message": "NOPE"}}`, "only the last statement"},
		{"unexpected error", `{"name": "n", "statements": [` + create + `, "CREATE STREAM O AS SELECT NOPE FROM S;"],
			"outputs": [{"topic": "O", "value": {}}]}`, "unexpected error"},
		{"syntax error", `{"name": "n", "statements": ["CREATE STREAM S (ID INT KEY WITH (kafka_topic='s');"],
			"expectedException": {"type": "io.confluent.ksql.parser.exception.ParseFailedException"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadCases(t, "["+tt.test+"]")[0]
			r := RunCase(context.Background(), c, 0)
			if tt.want == "" && r.Status != Passed {
				t.Fatalf("%v: %s", r.Status, r.Reason)
			}
			if tt.want != "" && (r.Status != Failed || !strings.Contains(r.Reason, tt.want)) {
				t.Fatalf("%v %q, want a failure containing %q", r.Status, r.Reason, tt.want)
			}
		})
	}
}
