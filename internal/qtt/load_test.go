package qtt

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestStripComments(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"none", `{"a": 1}`, `{"a": 1}`},
		{"line", "{\"a\": 1} // note\n", "{\"a\": 1}        \n"},
		{"line at end without newline", `[1] //x`, `[1]    `},
		{"block", `{"a": /* x */ 1}`, `{"a":         1}`},
		{"block keeps newlines", "[1, /* a\nb */ 2]", "[1,     \n     2]"},
		{"markers in strings kept", `{"u": "http://x/*y*/", "v": "a//b"}`, `{"u": "http://x/*y*/", "v": "a//b"}`},
		{"escaped quote in string", `{"s": "say \"//\" ok"} // c`, `{"s": "say \"//\" ok"}     `},
		{"escaped backslash ends string", `{"s": "a\\"} // c`, `{"s": "a\\"}     `},
		{"block star slash inside", `[1 /* ** / */]`, `[1           ]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StripComments([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("StripComments(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(got) != len(tc.in) {
				t.Errorf("length changed: %d -> %d", len(tc.in), len(got))
			}
		})
	}
	if _, err := StripComments([]byte("[1,\n /* open")); !errors.Is(err, errUnterminatedComment) || !strings.Contains(err.Error(), "line 2, column 2") {
		t.Errorf("unterminated comment: got %v", err)
	}
}

func mustParse(t *testing.T, path, src string) *File {
	t.Helper()
	f, err := ParseFile(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseKeepsExactNumbers(t *testing.T) {
	f := mustParse(t, "nums.json", `{
	  "tests": [{
	    "name": "n", // a comment
	    "statements": ["CREATE STREAM S (ID INT KEY, V DECIMAL(4,2)) WITH (kafka_topic='t', format='JSON');"],
	    /* inputs with exact numbers */
	    "properties": {"p": 1.50, "q": 12345678901234567890},
	    "inputs": [{"topic": "t", "key": 1, "value": {"V": 1.00, "W": [1.0, 2e3, -0.10]}, "timestamp": 9007199254740993}],
	    "outputs": [{"topic": "t", "value": 1.00}]
	  }]
	}`)
	tc := f.Tests[0]
	in := tc.Inputs[0]
	v := in.Value.(map[string]any)
	if got := v["V"]; got != json.Number("1.00") {
		t.Errorf("V = %#v, want json.Number(\"1.00\")", got)
	}
	if got := v["W"]; !reflect.DeepEqual(got, []any{json.Number("1.0"), json.Number("2e3"), json.Number("-0.10")}) {
		t.Errorf("W = %#v", got)
	}
	if in.Key != json.Number("1") || !in.HasKey {
		t.Errorf("key = %#v (HasKey %v)", in.Key, in.HasKey)
	}
	if in.Timestamp == nil || *in.Timestamp != 9007199254740993 {
		t.Errorf("timestamp = %v, want 9007199254740993 exactly", in.Timestamp)
	}
	if tc.Outputs[0].Value != json.Number("1.00") || tc.Outputs[0].HasKey || tc.Outputs[0].Timestamp != nil {
		t.Errorf("output = %#v", tc.Outputs[0])
	}
	if tc.Properties["p"] != json.Number("1.50") || tc.Properties["q"] != json.Number("12345678901234567890") {
		t.Errorf("properties = %#v", tc.Properties)
	}
	if !tc.Enabled {
		t.Error("a test without \"enabled\" must be enabled")
	}
}

func TestParseRecordDetails(t *testing.T) {
	f := mustParse(t, "rec.json", `{"tests": [{
	  "name": "r", "statements": ["X"],
	  "inputs": [
	    {"topic": "a", "key": null, "value": null, "window": {"start": 0, "end": 10, "type": "TIME"},
	     "headers": [{"KEY": "h1", "VALUE": "AQI="}, {"KEY": "h2", "VALUE": null}, {"KEY": "h3", "VALUE": ""}]},
	    {"topic": "a", "value": "x", "headers": [], "Key": 5, "KEY": 6}
	  ]
	}]}`)
	a, b := f.Tests[0].Inputs[0], f.Tests[0].Inputs[1]
	if !a.HasKey || a.Key != nil || a.Value != nil {
		t.Errorf("explicit null key and tombstone: %#v", a)
	}
	if a.Window == nil || *a.Window != (Window{Start: 0, End: 10, Type: WindowTime}) {
		t.Errorf("window = %#v", a.Window)
	}
	wantHeaders := []Header{{"h1", []byte{1, 2}}, {"h2", nil}, {"h3", []byte{}}}
	if !a.HasHeaders || !reflect.DeepEqual(a.Headers, wantHeaders) {
		t.Errorf("headers = %#v, want %#v", a.Headers, wantHeaders)
	}
	if a.Headers[2].Value == nil {
		t.Error("an empty header value must differ from a null one")
	}
	// Field names match exactly: "Key" and "KEY" are not "key".
	if b.HasKey || b.Key != nil {
		t.Errorf("key matched case-insensitively: %#v", b)
	}
	if !b.HasHeaders || len(b.Headers) != 0 {
		t.Errorf("present empty headers: %#v", b)
	}
}

func TestParseFullTest(t *testing.T) {
	f := mustParse(t, "dir/full.json", `{"comments": ["ignored"], "tests": [{
	  "name": "full", "description": "ignored", "issue": 1,
	  "statements": ["A;", "B"],
	  "topics": [{"name": "t", "keyFormat": "KAFKA", "valueFormat": "AVRO", "valueSchema": {"type": "record"},
	              "valueSchemaId": 7, "partitions": 2, "replicas": 1,
	              "valueSchemaReferences": [{"name": "r", "format": "AVRO", "schema": "x"}]}],
	  "expectedException": {"type": "io.confluent.ksql.util.KsqlStatementException", "message": "boom"},
	  "post": {
	    "sources": [{"name": "S", "type": "stream", "schema": "ID INT KEY", "keyFormat": {"format": "KAFKA", "windowType": "TUMBLING", "windowSize": null}, "isSource": false, "valueFeatures": ["WRAP_SINGLES"]}],
	    "topics": {"blacklist": ".*-repartition", "topics": [{"name": "o", "keyFormat": {"format": "KAFKA", "windowInfo": {"type": "HOPPING", "size": 5}}, "valueFormat": {"format": "JSON"}, "partitions": 4}]}
	  },
	  "versions": {"min": "6.0.0"},
	  "enabled": false
	}]}`)
	if f.Name != "full" || f.Kind != KindQTT || f.Path != "dir/full.json" {
		t.Errorf("file = %q %v %q", f.Name, f.Kind, f.Path)
	}
	tc := f.Tests[0]
	if tc.Enabled {
		t.Error("enabled: false was lost")
	}
	if !slices.Equal(tc.Statements, []string{"A;", "B"}) {
		t.Errorf("statements = %q", tc.Statements)
	}
	tp := tc.Topics[0]
	if tp.Name != "t" || tp.ValueFormat != "AVRO" || *tp.ValueSchemaID != 7 || tp.Partitions != 2 || tp.Replicas != 1 ||
		tp.KeySchemaID != nil || len(tp.ValueSchemaReferences) != 1 || tp.ValueSchemaReferences[0].Schema != "x" {
		t.Errorf("topic = %#v", tp)
	}
	if *tc.ExpectedException != (Exception{Type: "io.confluent.ksql.util.KsqlStatementException", Message: "boom"}) {
		t.Errorf("exception = %#v", tc.ExpectedException)
	}
	src := tc.Post.Sources[0]
	if src.Name != "S" || src.Schema != "ID INT KEY" || src.KeyFormat.WindowType != "TUMBLING" || src.KeyFormat.WindowSize != nil ||
		src.IsSource == nil || *src.IsSource || !slices.Equal(src.ValueFeatures, []string{"WRAP_SINGLES"}) {
		t.Errorf("post source = %#v", src)
	}
	pt := tc.Post.Topics
	if pt.Blacklist != ".*-repartition" || pt.Topics[0].KeyFormat.Format != "KAFKA" || *pt.Topics[0].Partitions != 4 ||
		!reflect.DeepEqual(pt.Topics[0].KeyFormat.WindowInfo, map[string]any{"type": "HOPPING", "size": json.Number("5")}) {
		t.Errorf("post topics = %#v", pt)
	}
	if tc.Versions == nil || tc.Versions.Min != "6.0.0" || tc.Versions.Max != "" {
		t.Errorf("versions = %#v", tc.Versions)
	}
	if cases := f.Cases(); len(cases) != 0 {
		t.Errorf("a disabled test gave %d cases", len(cases))
	}
}

func TestParseREST(t *testing.T) {
	src := `{"tests": [{
	  "name": "pull", "statements": ["CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', format='JSON');", "SELECT * FROM S;"],
	  "responses": [{"admin": {"@type": "currentStatus"}}, {"query": [{"header": {"schema": "x"}}, {"row": {"columns": [1.50]}}]}],
	  "inputConditions": {"waitForActivePushQuery": true}, "outputConditions": {"verifyOrder": true},
	  "testPullWithProtoFormat": true
	}, {
	  "name": "bad", "statements": ["SELECT * FROM NOPE;"],
	  "expectedError": {"type": "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage", "status": 400}
	}]}`
	for _, path := range []string{"rest-query-validation-tests/x.json", "elsewhere/x.json"} {
		f := mustParse(t, path, src)
		if f.Kind != KindREST {
			t.Fatalf("%s: kind %v, want rest", path, f.Kind)
		}
		a, b := f.Tests[0], f.Tests[1]
		if len(a.Responses) != 2 || !strings.Contains(string(a.Responses[1]), "1.50") {
			t.Errorf("responses = %s", a.Responses)
		}
		if !a.InputConditions.WaitForActivePushQuery || !a.OutputConditions.VerifyOrder || !a.TestPullWithProtoFormat {
			t.Errorf("conditions = %#v %#v %v", a.InputConditions, a.OutputConditions, a.TestPullWithProtoFormat)
		}
		if b.ExpectedError == nil || b.ExpectedError.Status != 400 || b.ExpectedError.Message != "" {
			t.Errorf("expected error = %#v", b.ExpectedError)
		}
		if cases := f.Cases(); len(cases) != 2 || cases[0].Kind != KindREST {
			t.Errorf("cases = %#v", cases)
		}
	}
	// In the plain suite's directory the same file is a plain test file, and
	// a plain test needs inputs or outputs.
	if _, err := ParseFile("query-validation-tests/x.json", []byte(src)); err == nil || !strings.Contains(err.Error(), `test "pull"`) {
		t.Errorf("got %v, want an error about test \"pull\"", err)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = `"statements": ["X"], "inputs": [{"topic": "t", "value": 1}]`
	for _, tc := range []struct {
		name, path, src string
		want            []string // substrings of the error
	}{
		{"syntax", "f.json", "{\"tests\": [\n  {\"name\": \"a\",, }]}", []string{"f.json", "line 2, column 16"}},
		{"no tests", "f.json", `{"comments": []}`, []string{"f.json", `"tests" is missing or empty`}},
		{"empty tests", "f.json", `{"tests": []}`, []string{`"tests" is missing or empty`}},
		{"not an object", "f.json", `[1]`, []string{"f.json", "want a JSON object"}},
		{"test not an object", "f.json", `{"tests": [3]}`, []string{"test #0", "tests[0]: want an object, got the number 3"}},
		{"no name", "f.json", `{"tests": [{` + ok + `}]}`, []string{"test #0", `"name" is missing or empty`}},
		{"no statements", "f.json", `{"tests": [{"name": "a", "statements": [], "inputs": [{"topic": "t", "value": 1}]}]}`, []string{`test "a"`, `"statements" is missing or empty`}},
		{"statement not a string", "f.json", `{"tests": [{"name": "a", "statements": [1], "inputs": []}]}`, []string{`test "a"`, "statements[0]: want a string"}},
		{"no inputs nor outputs", "f.json", `{"tests": [{"name": "a", "statements": ["X"]}]}`, []string{`test "a"`, `needs "inputs" or "outputs"`}},
		{"exception without type and message", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "expectedException": {"cause": "c"}}]}`, []string{"expectedException: needs at least one"}},
		{"causeMessage without cause", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "expectedException": {"type": "T", "causeMessage": "m"}}]}`, []string{`"causeMessage" needs "cause"`}},
		{"config without placeholder", "f.json", `{"tests": [{"name": "a", ` + ok + `, "config": ["1"], "properties": {"p": "x"}}]}`, []string{`exactly one property with the value "{CONFIG}", found 0`}},
		{"config with two placeholders", "f.json", `{"tests": [{"name": "a", ` + ok + `, "config": ["1"], "properties": {"p": "{CONFIG}", "q": "{config}"}}]}`, []string{"found 2 [p q]"}},
		{"record without topic", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "outputs": [{"value": 1}]}]}`, []string{"outputs[0]: \"topic\" is missing"}},
		{"record without value", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "inputs": [{"topic": "t"}]}]}`, []string{"inputs[0]: \"value\" is missing"}},
		{"timestamp not an integer", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "inputs": [{"topic": "t", "value": 1, "timestamp": 1.5}]}]}`, []string{"inputs[0].timestamp: want an integer, got 1.5"}},
		{"timestamp a string", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "inputs": [{"topic": "t", "value": 1, "timestamp": "1"}]}]}`, []string{"inputs[0].timestamp: want an integer, got a string"}},
		{"bad window type", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "inputs": [{"topic": "t", "value": 1, "window": {"start": 0, "end": 1, "type": "hopping"}}]}]}`, []string{`inputs[0].window.type: want "time" or "session", got "hopping"`}},
		{"bad header", "f.json", `{"tests": [{"name": "a", "statements": ["X"], "inputs": [{"topic": "t", "value": 1, "headers": [{"KEY": "k", "VALUE": "!!"}]}]}]}`, []string{"inputs[0].headers[0].VALUE: want base64"}},
		{"topic without name", "f.json", `{"tests": [{"name": "a", ` + ok + `, "topics": [{"partitions": 1}]}]}`, []string{"topics[0]: \"name\" is missing"}},
		{"rest inputs and expectedError", "rest-query-validation-tests/f.json", `{"tests": [{"name": "a", ` + ok + `, "expectedError": {"status": 400}}]}`, []string{`both "inputs" and "expectedError"`}},
		{"rest empty expectedError", "rest-query-validation-tests/f.json", `{"tests": [{"name": "a", "statements": ["X"], "expectedError": {}}]}`, []string{"at least one of type, message and status"}},
		{"second test named", "f.json", `{"tests": [{"name": "a", ` + ok + `}, {"name": "b", "statements": "X"}]}`, []string{`test "b"`, "statements: want an array, got a string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile(tc.path, []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			var le *LoadError
			if !errors.As(err, &le) || le.Path != tc.path {
				t.Errorf("error %v is not a *LoadError for %s", err, tc.path)
			}
			if !strings.HasPrefix(err.Error(), "qtt: "+tc.path+": ") || strings.Count(err.Error(), "qtt:") != 1 {
				t.Errorf("error %q lacks the prefix %q or repeats it", err, "qtt: "+tc.path+": ")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadDirSortedAndNamed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test := func(name string) string {
		return `{"tests": [{"name": "` + name + `", "statements": ["X"], "inputs": [{"topic": "t", "value": 1}]}]}`
	}
	write("b.json", test("two"))
	write("a.json", test("one"))
	write("notes.txt", "not a test file")
	files, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name+"/"+f.Tests[0].Name)
	}
	if !slices.Equal(names, []string{"a/one", "b/two"}) {
		t.Errorf("loaded %v, want [a/one b/two]", names)
	}

	write("c.json", `{"tests": [{"name": "bad", "statements": ["X"]}]}`)
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "c.json") || !strings.Contains(err.Error(), `test "bad"`) {
		t.Errorf("got %v, want an error naming c.json and test \"bad\"", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory loaded without error")
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want os.ErrNotExist", err)
	}
}

func TestLoadCorpusFixture(t *testing.T) {
	files, err := LoadCorpus(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		for _, c := range f.Cases() {
			got = append(got, c.Kind.String()+": "+c.Name)
		}
	}
	want := []string{
		"qtt: alpha - keeps comments out",
		"qtt: beta - formats - JSON",
		"qtt: beta - formats - AVRO",
		"rest: gamma - pull query",
	}
	if !slices.Equal(got, want) {
		t.Errorf("cases:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeValue(t *testing.T) {
	v, err := DecodeValue([]byte(` {"a": [1.10, null, true, "s"]} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{json.Number("1.10"), nil, true, "s"}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}
	if _, err := DecodeValue([]byte(`1 2`)); err == nil {
		t.Error("trailing data accepted")
	}
	if _, err := DecodeValue([]byte(`{`)); err == nil || !strings.HasPrefix(err.Error(), "qtt: ") {
		t.Errorf("got %v, want a qtt: error", err)
	}
}
