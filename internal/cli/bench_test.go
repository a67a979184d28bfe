package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/sluicedata/sluice/internal/bench"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = Main(context.Background(), args, io)
	return code, out.String(), errb.String()
}

func TestBenchListNamesEveryWorkload(t *testing.T) {
	code, out, _ := runCLI(t, "bench", "--list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	names := bench.Names()
	for _, name := range names {
		if !strings.Contains(out, name+"  ") {
			t.Errorf("--list lacks %s:\n%s", name, out)
		}
	}
	if n := strings.Count(out, "\n"); n != len(names) {
		t.Errorf("--list printed %d lines, want one per workload:\n%s", n, out)
	}
}

func TestBenchUnknownWorkloadIsAUsageError(t *testing.T) {
	code, _, errOut := runCLI(t, "bench", "no-such-workload")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, s := range []string{`"no-such-workload"`, "log-append", "log-read", "ingest-http"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %s:\n%s", s, errOut)
		}
	}
	if code, _, _ := runCLI(t, "bench"); code != 2 {
		t.Errorf("bench without a workload: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "bench", "--rate", "0", "log-append"); code != 2 {
		t.Errorf("bench --rate 0: exit %d, want 2", code)
	}
}

func TestBenchLogAppendJSON(t *testing.T) {
	// Flags after the workload name are accepted too.
	code, out, errOut := runCLI(t, "bench", "--records", "20000", "--latency-duration", "200ms", "--dir", t.TempDir(), "log-append", "--json", "--rate", "20000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one JSON line, got:\n%s", out)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if rep["workload"] != "log-append" || rep["reference_name"] != "raw-write" {
		t.Errorf("workload, reference_name = %v, %v", rep["workload"], rep["reference_name"])
	}
	if rep["events"] != float64(20000) {
		t.Errorf("events = %v, want 20000", rep["events"])
	}
	for _, k := range []string{"events_per_sec", "p50_ms", "p99_ms", "p999_ms", "peak_rss_bytes", "reference_per_sec", "ratio"} {
		v, ok := rep[k].(float64)
		if !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, rep[k])
		}
	}
	if p50, p999 := rep["p50_ms"].(float64), rep["p999_ms"].(float64); p50 > p999 {
		t.Errorf("p50 %v > p99.9 %v", p50, p999)
	}
	// 200 ms at 20000 events/s.
	if rep["latency_events"] != float64(4000) || rep["latency_rate"] != float64(20000) {
		t.Errorf("latency_events, latency_rate = %v, %v; want 4000, 20000", rep["latency_events"], rep["latency_rate"])
	}
}
