package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/serde"
)

func TestEveryWorkloadRunsSmall(t *testing.T) {
	for _, w := range Workloads() {
		t.Run(w.Name, func(t *testing.T) {
			env := Env{Records: 4000, Rate: 20_000, LatencyDuration: 100 * time.Millisecond, Partitions: 2, Connections: 2}
			rep, err := Run(context.Background(), w, Options{Parent: t.TempDir(), Env: env})
			if err != nil {
				t.Fatal(err)
			}
			// nexmark-q5 ends its input with end-of-input marker bids,
			// counted in the events processed, and measures its latency
			// per result row from its window's close, over a feed that
			// runs a window and the grace longer.
			final := w.Name == nexmarkQ5Query.name
			want := int64(4000)
			if final {
				want += nexMarkers * nexWinPartitions
			}
			if rep.Events != want {
				t.Errorf("events = %d, want the 4000 asked for (and %d markers)", rep.Events, want-4000)
			}
			if rep.EventsPerSec <= 0 || rep.ReferencePerSec <= 0 || rep.Ratio <= 0 || rep.ReferenceName == "" {
				t.Errorf("throughput or reference missing: %+v", rep)
			}
			// 100 ms at 20000 events/s; the latency of the rows some of
			// the events make.
			if final || w.Name == "click-join" {
				if rep.LatencyEvents <= 0 || rep.LatencyRate != 20_000 {
					t.Errorf("latency over %d rows at %d/s, want some at 20000/s", rep.LatencyEvents, rep.LatencyRate)
				}
			} else if rep.LatencyEvents != 2000 || rep.LatencyRate != 20_000 {
				t.Errorf("latency over %d events at %d/s, want 2000 at 20000/s", rep.LatencyEvents, rep.LatencyRate)
			}
			if rep.P50Ms <= 0 || rep.P50Ms > rep.P99Ms || rep.P99Ms > rep.P999Ms || rep.P999Ms > rep.MaxMs {
				t.Errorf("latency quantiles out of order: p50 %v p99 %v p99.9 %v max %v", rep.P50Ms, rep.P99Ms, rep.P999Ms, rep.MaxMs)
			}
		})
	}
}

func TestDurationEndsTheThroughputPhase(t *testing.T) {
	w, _ := Lookup("log-append")
	env := Env{Records: 1 << 40, Duration: 40 * time.Millisecond, Rate: 1000, LatencyDuration: 10 * time.Millisecond}
	rep, err := Run(context.Background(), w, Options{Parent: t.TempDir(), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events <= 0 || rep.Events >= 1<<40 {
		t.Errorf("events = %d: want some, far fewer than asked", rep.Events)
	}
	if rep.DurationSec > 2 {
		t.Errorf("throughput phase took %.2f s with --duration 40ms", rep.DurationSec)
	}
}

func TestLookup(t *testing.T) {
	if _, ok := Lookup("nope"); ok {
		t.Errorf("Lookup found an unknown workload")
	}
	names := Names()
	for _, w := range Workloads() {
		if w.Description == "" || strings.Contains(w.Description, "\n") {
			t.Errorf("%s: description must be one non-empty line", w.Name)
		}
		if got, ok := Lookup(w.Name); !ok || got.Name != w.Name {
			t.Errorf("Lookup(%q) = %v, %v", w.Name, got.Name, ok)
		}
	}
	if len(names) != len(Workloads()) {
		t.Errorf("Names = %v", names)
	}
}

func TestValidateLines(t *testing.T) {
	n, err := validateLines([]byte("{\"a\":1}\n\n[2]\n\"x\""))
	if err != nil || n != 3 {
		t.Errorf("validateLines = %d, %v; want 3 lines (the empty one skipped)", n, err)
	}
	_, err = validateLines([]byte("{}\n{\"a\":}\n"))
	var se *serde.SyntaxError
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("validateLines of a bad second line = %v, want a syntax error naming line 2", err)
	}
}

func TestRecordBatchShape(t *testing.T) {
	recs := newRecordBatch(3, 5)
	for i, r := range recs {
		if len(r.Key) != recKeyLen || len(r.Value) != recValueLen {
			t.Fatalf("record %d: key %d bytes, value %d bytes; want %d and %d", i, len(r.Key), len(r.Value), recKeyLen, recValueLen)
		}
		if cap(r.Value) != recValueLen || cap(r.Key) != recKeyLen {
			t.Errorf("record %d shares capacity with its neighbour", i)
		}
	}
	if string(recs[2].Key) != "k000000000000017" {
		t.Errorf("key = %q, want k000000000000017", recs[2].Key)
	}
}
