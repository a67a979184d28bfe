package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The demo sends events through a real server and reads each back once,
// and its SQL query writes every click among them to CLICKS; a second run
// on the same data directory counts only its own events, and the query,
// restarted from the command log, resumes where it stopped: it writes this
// run's clicks, and none of the first run's again.
func TestDemoSendsAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	final := regexp.MustCompile(`Stopped: 3000 events sent, 3000 read back; (\d+) clicks sent, (-?\d+) written to CLICKS by (CSAS_CLICKS_\d+)\.`)
	var queryID string
	for run := range 2 {
		var out, errOut bytes.Buffer
		io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), []string{"demo", "--data-dir", dir, "--listen", "127.0.0.1:0", "--rate", "50000", "--count", "3000"}, io)
		if code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", run, code, out.String(), errOut.String())
		}
		m := final.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("run %d: output lacks the final counts:\n%s", run, out.String())
		}
		if m[1] == "0" || m[1] != m[2] {
			t.Fatalf("run %d: %s clicks sent, %s written by the query:\n%s", run, m[1], m[2], out.String())
		}
		if run == 1 && m[3] != queryID {
			t.Fatalf("run 2 reports query %s, run 1 created %s", m[3], queryID)
		}
		queryID = m[3]
		if !strings.Contains(out.String(), `"event_id"`) {
			t.Fatalf("run %d: output shows no event:\n%s", run, out.String())
		}
		if !strings.Contains(out.String(), "Try 'sluice sql --server http://127.0.0.1:") || !strings.Contains(out.String(), "SELECT * FROM clicks EMIT CHANGES LIMIT 3;") {
			t.Fatalf("run %d: output lacks the SQL hint:\n%s", run, out.String())
		}
	}
}

func TestDemoRejectsBadRate(t *testing.T) {
	var out, errOut bytes.Buffer
	io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), []string{"demo", "--rate", "0"}, io); code != 2 {
		t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
	}
}

// A data directory keeps the stream TRACKING of its first run: a later
// run with another --topic is told so rather than counting clicks of a
// topic it does not write.
func TestDemoRefusesAnotherTopicOnTheSameData(t *testing.T) {
	dir := t.TempDir()
	run := func(topic string) (int, string) {
		var out, errOut bytes.Buffer
		io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), []string{"demo", "--data-dir", dir, "--listen", "127.0.0.1:0", "--topic", topic, "--rate", "50000", "--count", "100"}, io)
		return code, out.String() + errOut.String()
	}
	if code, out := run("first_events"); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	code, out := run("other_events")
	if code != 1 || !strings.Contains(out, "stream TRACKING of this data directory reads topic first_events, not other_events") {
		t.Fatalf("second run: exit %d, want 1 and the reason:\n%s", code, out)
	}
}
