package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/qttrun"
)

// writeQTT writes a test file into dir and returns its path.
func writeQTT(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Cases whose outcome does not depend on how far the engine has come: an
// AVRO case is skipped, and a case whose expected output is wrong fails.
const skippedQTT = `{"tests": [{"name": "avro", "statements": [
	"CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='t', value_format='AVRO');",
	"CREATE STREAM O AS SELECT * FROM S;"],
	"inputs": [{"topic": "t", "key": 1, "value": {"V": 1}}],
	"outputs": [{"topic": "O", "key": 1, "value": {"V": 1}}]}]}`

const windowedQTT = `{"tests": [{"name": "windowed", "statements": [
	"CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='t', value_format='JSON');",
	"CREATE TABLE O AS SELECT ID, COUNT(*) AS C FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ID;"],
	"inputs": [{"topic": "t", "key": 1, "value": {"V": 1}}],
	"outputs": [{"topic": "O", "key": 1, "value": {"C": 2}, "window": {"start": 0, "end": 1000, "type": "time"}}]}]}`

func TestTestCommandText(t *testing.T) {
	dir := t.TempDir()
	skipped := writeQTT(t, dir, "skipped.json", skippedQTT)
	windowed := writeQTT(t, dir, "windowed.json", windowedQTT)

	code, out, errOut := runMain(t, "", nil, "test", skipped)
	if code != 0 || out != "SKIP  skipped.json  0/1 (skipped 1)\ntotal: 0 passed, 0 failed, 1 skipped of 1\nstateless: 0 passed, 0 failed, 1 skipped of 1\n" {
		t.Fatalf("skipped only: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = runMain(t, "", nil, "test", skipped, windowed)
	if code != 1 {
		t.Fatalf("a failing case exits %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"SKIP  skipped.json  0/1 (skipped 1)\n",
		"FAIL  windowed.json  0/1 (skipped 0)\n  FAIL windowed: topic O record 1 of 1: value.C: expected 2, got 1",
		"total: 0 passed, 1 failed, 1 skipped of 2; pass rate 0.0% of the 1 run\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "sluice test: 1 of 1 cases failed") {
		t.Errorf("stderr: %q", errOut)
	}

	code, out, _ = runMain(t, "", nil, "test", "--markdown", skipped, windowed)
	if code != 1 || !strings.Contains(out, "| `windowed.json` | 1 | 0 | 1 | 0 | 0.0% | 0 | 0 | - |\n") ||
		!strings.Contains(out, "| **total** | 2 | 1 | 1 | 0 | 0.0% | 0 | 0 | - |\n") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}
}

func TestTestCommandJSONAndDirectories(t *testing.T) {
	root := t.TempDir()
	suite := filepath.Join(root, "query-validation-tests")
	if err := os.Mkdir(suite, 0o755); err != nil {
		t.Fatal(err)
	}
	writeQTT(t, suite, "a.json", skippedQTT)
	writeQTT(t, suite, "b.json", windowedQTT)

	// A corpus directory, named on the command line or found through
	// SLUICE_QTT_DIR, runs its query-validation-tests.
	for _, args := range [][]string{
		{"test", "--json", root},
		{"test", suite, "--json"},
		{"test", "--json"},
	} {
		code, out, errOut := runMain(t, "", map[string]string{"SLUICE_QTT_DIR": root}, args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1: %s", args, code, errOut)
		}
		var rep struct {
			Total, Passed, Failed, Skipped int
			Files                          []struct {
				File          string
				Total, Passed int
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if rep.Total != 2 || rep.Passed != 0 || rep.Failed != 1 || rep.Skipped != 1 || len(rep.Files) != 2 ||
			rep.Files[0].File != "a.json" || rep.Files[1].File != "b.json" || rep.Files[1].Total != 1 {
			t.Fatalf("%v: report %s", args, out)
		}
	}

	// --filter keeps the matching cases only; --verbose adds the failures.
	code, out, _ := runMain(t, "", nil, "test", "--json", "--verbose", "--filter", "^b - ", suite)
	if code != 1 || !strings.HasPrefix(out, `{"total":1,"passed":0,"failed":1,"skipped":0,`) ||
		!strings.Contains(out, `"failures":[{"case":"b - windowed","reason":"topic O record 1 of 1: value.C: expected 2, got 1`) {
		t.Fatalf("filtered verbose json: exit %d\n%s", code, out)
	}
}

func TestTestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	f := writeQTT(t, dir, "a.json", skippedQTT)
	if code, _, errOut := runMain(t, "", nil, "test", "--filter", "(", f); code != 2 || !strings.Contains(errOut, "--filter") {
		t.Errorf("bad regexp: exit %d %q", code, errOut)
	}
	if code, _, errOut := runMain(t, "", nil, "test", filepath.Join(dir, "missing.json")); code != 1 || !strings.Contains(errOut, "missing.json") {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
	bad := writeQTT(t, dir, "bad.json", `{"tests": [{"name": "no statements"}]}`)
	if code, _, errOut := runMain(t, "", nil, "test", bad); code != 1 || !strings.Contains(errOut, "bad") {
		t.Errorf("invalid file: exit %d %q", code, errOut)
	}
	empty := t.TempDir()
	if code, _, errOut := runMain(t, "", nil, "test", empty); code != 1 || !strings.Contains(errOut, "no test files") {
		t.Errorf("empty directory: exit %d %q", code, errOut)
	}
}

func TestTestProgressLine(t *testing.T) {
	var b strings.Builder
	p := &testProgress{w: &b}
	p.update(1, 3, qttrun.CaseResult{Name: "cast - one", Status: qttrun.Failed})
	p.update(2, 3, qttrun.CaseResult{Name: "cast - two", Status: qttrun.Passed}) // within 100 ms: not redrawn
	p.update(3, 3, qttrun.CaseResult{Name: "math - one", Status: qttrun.Passed}) // the last one is always drawn
	p.finish()
	want := "\r  1/3 cases  1 failed  cast\x1b[K" + "\r  3/3 cases  1 failed  math\x1b[K" + "\r\x1b[K"
	if b.String() != want {
		t.Fatalf("progress %q, want %q", b.String(), want)
	}
	var quiet strings.Builder
	(&testProgress{w: &quiet}).finish()
	if quiet.Len() != 0 {
		t.Fatalf("finish without a line drew %q", quiet.String())
	}
}
