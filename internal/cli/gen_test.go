package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/gen"
)

func TestGenStdoutIsDeterministic(t *testing.T) {
	code, out, errOut := runMain(t, "", nil, "gen", "--count", "200", "--seed", "5", "s2")
	if code != 0 || errOut != "" {
		t.Fatalf("gen: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 200 {
		t.Fatalf("%d lines, want 200", len(lines))
	}
	// The same events as the generator gives directly, from the default start.
	g, _ := gen.New("s2", gen.Config{Seed: 5})
	var e gen.Event
	for i, line := range lines {
		g.Next(&e)
		if line != string(e.Value) {
			t.Fatalf("line %d differs from the generator:\n%s\n%s", i, line, e.Value)
		}
		if !json.Valid([]byte(line)) {
			t.Fatalf("line %d is not JSON: %s", i, line)
		}
	}
	_, again, _ := runMain(t, "", nil, "gen", "--seed", "5", "s2", "--count", "200")
	if again != out {
		t.Fatal("a second run with the same seed differs")
	}
	_, other, _ := runMain(t, "", nil, "gen", "--count", "200", "--seed", "6", "s2")
	if other == out {
		t.Fatal("seeds 5 and 6 give the same output")
	}
	_, shifted, _ := runMain(t, "", nil, "gen", "--count", "1", "--start", "2025-06-01T00:00:00Z", "--event-rate", "10", "s1")
	g, _ = gen.New("s1", gen.Config{Seed: 1, Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), EventsPerSecond: 10})
	g.Next(&e)
	if shifted != string(e.Value)+"\n" {
		t.Fatalf("--start: %q, want %q", shifted, e.Value)
	}
}

func TestGenToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.ndjson")
	code, out, errOut := runMain(t, "", nil, "gen", "--count", "1234", "--to", "file:"+path, "nexmark")
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "1,234 events") || !strings.Contains(errOut, "to file:"+path) {
		t.Fatalf("summary %q", errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, stdout, _ := runMain(t, "", nil, "gen", "--count", "1234", "nexmark")
	if string(data) != stdout {
		t.Fatal("the file differs from the same run to stdout")
	}
}

func TestGenToTopic(t *testing.T) {
	f := newFakeServer(t)
	f.run(t, "", "topic", "create", "--partitions", "4", "requests")
	code, _, errOut := f.run(t, "", "gen", "--count", "2500", "--to", "topic:requests", "s1")
	if code != 0 || !strings.Contains(errOut, "2,500 events") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if len(f.posts) != 3 || f.posts[0].records != 1000 || f.posts[2].records != 500 {
		t.Fatalf("posts %+v, want 1000, 1000, 500", f.posts)
	}
	for _, p := range f.posts {
		if p.contentType != "application/x-ndjson" || p.key != "id" {
			t.Fatalf("post %+v: want NDJSON keyed by id", p)
		}
	}
	n := 0
	for _, part := range f.topics["requests"].parts {
		for _, r := range part {
			var m map[string]any
			if err := json.Unmarshal(r.Value, &m); err != nil || m["id"] != string(r.Key) {
				t.Fatalf("record key %q, value %s", r.Key, r.Value)
			}
			n++
		}
	}
	if n != 2500 {
		t.Fatalf("topic holds %d records", n)
	}

	f.posts = nil
	f.run(t, "", "topic", "create", "tracking")
	if code, _, errOut := f.run(t, "", "gen", "--count", "10", "--batch", "4", "--to", "topic:tracking", "s2"); code != 0 || len(f.posts) != 3 || f.posts[0].key != "" {
		t.Fatalf("s2: exit %d %q, posts %+v", code, errOut, f.posts)
	}
	code, _, errOut = f.run(t, "", "gen", "--count", "10", "--to", "topic:missing", "s2")
	if code != 1 || !strings.Contains(errOut, `topic "missing" not found`) {
		t.Fatalf("missing topic: exit %d, %q", code, errOut)
	}
}

func TestGenUsage(t *testing.T) {
	code, _, errOut := runMain(t, "", nil, "gen", "s9")
	if code != 2 {
		t.Fatalf("unknown workload: exit %d", code)
	}
	for _, w := range gen.Workloads() {
		if !strings.Contains(errOut, w.Name+" ") || !strings.Contains(errOut, w.Description) {
			t.Errorf("error does not list %s:\n%s", w.Name, errOut)
		}
	}
	code, out, _ := runMain(t, "", nil, "gen", "--list")
	if code != 0 || strings.Count(out, "\n") != len(gen.Workloads()) || !strings.Contains(out, "(key: user_id)") {
		t.Fatalf("--list: %d\n%s", code, out)
	}
	for _, args := range [][]string{{"gen"}, {"gen", "--to", "nowhere", "s1"}, {"gen", "--start", "yesterday", "s1"}, {"gen", "--count", "-1", "s1"}} {
		if code, _, errOut := runMain(t, "", nil, args...); code != 2 {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	code, out, _ = runMain(t, "", nil, "gen", "--help")
	if code != 0 || !strings.Contains(out, "--rate") || !strings.Contains(out, "2024-01-01T00:00:00Z") {
		t.Fatalf("--help: %d\n%s", code, out)
	}
}

// syncBuffer is a buffer that a test reads while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Count(s.b.Bytes(), []byte("\n"))
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startGen runs the gen command on a fake clock in the background.
func startGen(ctx context.Context, clk clock.Clock, args ...string) (*syncBuffer, <-chan error) {
	out := &syncBuffer{}
	io := IO{Stdin: strings.NewReader(""), Stdout: out, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- runGen(ctx, io, args, clk) }()
	return out, done
}

// waitClock is a fake clock that reports every wait the command starts,
// so that a test advances time exactly when the command is waiting.
type waitClock struct {
	*clock.Fake
	waits chan time.Duration
}

func newWaitClock(t0 time.Time) *waitClock {
	return &waitClock{Fake: clock.NewFake(t0), waits: make(chan time.Duration)}
}

func (c *waitClock) After(d time.Duration) <-chan time.Time {
	ch := c.Fake.After(d)
	c.waits <- d
	return ch
}

func TestGenPacesByTheClock(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := newWaitClock(t0)
	out, done := startGen(context.Background(), clk, "--count", "50", "--rate", "100", "s5")
	waits := 0
	for {
		select {
		case d := <-clk.waits:
			waits++
			clk.Advance(d)
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if n := out.lines(); n != 50 {
				t.Fatalf("%d events written, want 50", n)
			}
			// Event 49 goes out at 490 ms: not before, and not after.
			if elapsed := clk.Now().Sub(t0); elapsed != 490*time.Millisecond {
				t.Fatalf("50 events at 100/s took %v of clock time, want 490ms", elapsed)
			}
			if waits != 49 {
				t.Fatalf("%d waits, want one before each event after the first", waits)
			}
			return
		}
	}
}

func TestGenStopsCleanlyWhenInterrupted(t *testing.T) {
	clk := newWaitClock(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	out, done := startGen(ctx, clk, "--rate", "1000", "--seed", "3", "s1")
	for i := 0; i < 300; i++ {
		clk.Advance(<-clk.waits)
	}
	<-clk.waits // waiting for event 301
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	got := out.String()
	if n := strings.Count(got, "\n"); n != 301 {
		t.Fatalf("%d events written, want the 301 made before the interrupt", n)
	}
	// Unpaced, with the same event-time spacing, gives the same events.
	_, want, _ := runMain(t, "", nil, "gen", "--event-rate", "1000", "--seed", "3", "--count", "301", "s1")
	if got != want {
		t.Fatal("the events written before the interrupt are not the run's first 301")
	}
}

func TestProgressRedrawsAtMostFiveTimesASecond(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	var buf bytes.Buffer
	p := newProgress(&buf, clk, 1000)
	p.on = true // as on a terminal
	p.tick(100)
	clk.Advance(200 * time.Millisecond)
	p.tick(300)
	p.tick(400)
	clk.Advance(100 * time.Millisecond)
	p.tick(450)
	clk.Advance(100 * time.Millisecond)
	p.tick(500)
	if n := strings.Count(buf.String(), "\r"); n != 2 {
		t.Fatalf("%d redraws, want 2:\n%q", n, buf.String())
	}
	if !strings.HasSuffix(buf.String(), "\r  500 events  1,000 events/s  [###############---------------]  50%\x1b[K") {
		t.Fatalf("last line %q", buf.String())
	}
	buf.Reset()
	p.done(1000)
	if buf.String() != "\r  1,000 events  2,500 events/s  [##############################] 100%\x1b[K\n" {
		t.Fatalf("final line %q", buf.String())
	}
	quiet := newProgress(&buf, clk, 0) // a buffer is no terminal
	buf.Reset()
	clk.Advance(time.Second)
	quiet.tick(5)
	quiet.done(5)
	if buf.Len() != 0 {
		t.Fatalf("progress drawn on a non-terminal: %q", buf.String())
	}
}

func TestGroupDigitsAndBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %s, want %s", n, got, want)
		}
	}
	for n, want := range map[int64]string{9: "9 B", 1536: "1.5 KiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %s, want %s", n, got, want)
		}
	}
}
