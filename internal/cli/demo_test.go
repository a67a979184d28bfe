package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The demo sends events through a real server and reads each back once;
// a second run on the same data directory counts only its own events.
func TestDemoSendsAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	for run := range 2 {
		var out, errOut bytes.Buffer
		io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), []string{"demo", "--data-dir", dir, "--listen", "127.0.0.1:0", "--rate", "50000", "--count", "3000"}, io)
		if code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", run, code, out.String(), errOut.String())
		}
		if !strings.Contains(out.String(), "Stopped: 3000 events sent, 3000 read back.") {
			t.Fatalf("run %d: output lacks the final count:\n%s", run, out.String())
		}
		if !strings.Contains(out.String(), `"event_id"`) {
			t.Fatalf("run %d: output shows no event:\n%s", run, out.String())
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
