package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixedResult() Result {
	h := NewHistogram()
	h.RecordN(2*time.Millisecond, 990)
	h.RecordN(30*time.Millisecond, 10)
	return Result{
		Throughput:     Measurement{Name: "append", Events: 3_000_000, Bytes: 648_000_000, Elapsed: time.Second},
		Reference:      Measurement{Name: "raw-write", Events: 6_000_000, Bytes: 1_296_000_000, Elapsed: time.Second, Detail: "plain file"},
		Others:         []Measurement{{Name: "http-discard", Events: 1_000_000, Elapsed: time.Second}},
		Latency:        h,
		LatencyRate:    100_000,
		LatencyElapsed: 5 * time.Second,
		Notes:          []string{"bodies reused"},
	}
}

func TestRunGivesTheWorkloadAFreshDirAndRemovesIt(t *testing.T) {
	parent := t.TempDir()
	var seen string
	w := Workload{Name: "fake", Run: func(ctx context.Context, env Env) (Result, error) {
		seen = env.Dir
		entries, err := os.ReadDir(env.Dir)
		if err != nil || len(entries) != 0 {
			t.Errorf("workload dir %s: %v, %d entries; want an empty dir", env.Dir, err, len(entries))
		}
		if env.Rate != 7 || env.Progress == nil {
			t.Errorf("env = %+v: want Rate 7 passed through and a Progress", env)
		}
		return fixedResult(), os.WriteFile(filepath.Join(env.Dir, "data"), []byte("x"), 0o644)
	}}
	rep, err := Run(context.Background(), w, Options{Parent: parent, Env: Env{Rate: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(seen) != parent {
		t.Errorf("workload dir %s is not under --dir %s", seen, parent)
	}
	if _, err := os.Stat(seen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("workload dir still there after Run: %v", err)
	}
	if rep.Workload != "fake" || rep.EventsPerSec != 3e6 || rep.Ratio != 0.5 || rep.ReferencePerSec != 6e6 {
		t.Errorf("report = %+v", rep)
	}
	if rep.PeakRSSBytes <= 0 && len(rep.Notes) < 2 {
		t.Errorf("no peak RSS and no note saying why: %+v", rep)
	}
}

func TestRunWrapsTheWorkloadsError(t *testing.T) {
	boom := errors.New("boom")
	w := Workload{Name: "fake", Run: func(context.Context, Env) (Result, error) { return Result{}, boom }}
	_, err := Run(context.Background(), w, Options{Parent: t.TempDir()})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "fake") {
		t.Fatalf("Run = %v, want boom wrapped with the workload's name", err)
	}
}

// signalWriter collects writes and reports each on a channel.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan string
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.wrote <- string(p):
	default:
	}
	return len(p), nil
}

func TestRunShowsProgress(t *testing.T) {
	sw := &signalWriter{wrote: make(chan string, 1)}
	w := Workload{Name: "fake", Run: func(ctx context.Context, env Env) (Result, error) {
		env.Progress.Phase("throughput", 200)
		env.Progress.Add(50)
		for line := range sw.wrote {
			if strings.Contains(line, "fake: throughput 50 / 200 (25%)") {
				break
			}
		}
		return fixedResult(), nil
	}}
	if _, err := Run(context.Background(), w, Options{Parent: t.TempDir(), ProgressTo: sw, ProgressEvery: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sw.mu.Lock()
	out := sw.buf.String()
	sw.mu.Unlock()
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress line not erased at the end: %q", out)
	}
}

func TestReportJSONAndText(t *testing.T) {
	rep := newReport("log-append", fixedResult())
	rep.PeakRSSBytes = 100 << 20
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if strings.Count(js.String(), "\n") != 1 || !strings.HasSuffix(js.String(), "\n") {
		t.Errorf("JSON is not one line: %q", js.String())
	}
	var m map[string]any
	if err := json.Unmarshal(js.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"workload": "log-append", "events_per_sec": 3e6, "mb_per_sec": 648.0,
		"p50_ms": 2.0, "p99_ms": 2.0, "p999_ms": 30.0, "peak_rss_bytes": float64(100 << 20),
		"reference_name": "raw-write", "reference_per_sec": 6e6, "ratio": 0.5, "latency_rate": 1e5,
	}
	for k, v := range want {
		got, ok := m[k].(float64)
		if s, isStr := v.(string); isStr {
			if m[k] != s {
				t.Errorf("%s = %v, want %q", k, m[k], s)
			}
			continue
		}
		if !ok || (got-v.(float64)) > v.(float64)*0.005 || (v.(float64)-got) > v.(float64)*0.005 {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}

	var txt bytes.Buffer
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"log-append\n",
		"throughput",
		"3.00M ev/s",
		"648.0 MB/s",
		"3,000,000 events in 1.00 s",
		"ratio 0.500  raw-write (plain file)",
		"ratio 3.000  http-discard",
		"p50 2.00 ms",
		"p99.9 29.95 ms",
		"1,000 events at 100,000 ev/s for 5.0 s",
		"peak RSS     100.0 MiB",
		"note         bodies reused",
	} {
		if !strings.Contains(txt.String(), s) {
			t.Errorf("text output lacks %q:\n%s", s, txt.String())
		}
	}
}

func TestHumanCount(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1.00k", 12_345: "12.3k", 999_999: "1.00M", 3_140_000: "3.14M", 2.5e9: "2.50G"} {
		if got := humanCount(v); got != want {
			t.Errorf("humanCount(%g) = %q, want %q", v, got, want)
		}
	}
	if got := groupDigits(5_000_000); got != "5,000,000" {
		t.Errorf("groupDigits = %q", got)
	}
}

func TestBudgetStopsAtCountOrTime(t *testing.T) {
	b := newBudget(10, 0)
	if !b.more(9) || b.more(10) {
		t.Errorf("budget of 10 events: more(9), more(10) = %v, %v; want true, false", b.more(9), b.more(10))
	}
	b = newBudget(10, -1)
	if !b.timeLeft() {
		t.Errorf("a budget without a time limit ran out of time")
	}
	b = newBudget(10, time.Nanosecond)
	for b.timeLeft() { // a nanosecond passes
	}
	if b.more(0) {
		t.Errorf("a budget whose time is up goes on")
	}
}

func TestInterleaveAlternatesOrderAndSums(t *testing.T) {
	var order []string
	mk := func(name string) step {
		return func(_ context.Context, r int) (Measurement, error) {
			order = append(order, fmt.Sprint(name, r))
			return Measurement{Name: name, Events: share(10, 4, r), Bytes: 1, Elapsed: time.Second}, nil
		}
	}
	ms, err := interleave(context.Background(), 4, mk("a"), mk("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, " "); got != "a0 b0 b1 a1 a2 b2 b3 a3" {
		t.Errorf("order = %s, want a0 b0 b1 a1 a2 b2 b3 a3", got)
	}
	for _, m := range ms {
		if m.Events != 10 || m.Bytes != 4 || m.Elapsed != 4*time.Second {
			t.Errorf("sum %+v: want the 10 events, 4 bytes and 4 s of the rounds", m)
		}
	}
	if ms[0].Name != "a" || ms[1].Name != "b" {
		t.Errorf("sums out of step order: %+v", ms)
	}
}
