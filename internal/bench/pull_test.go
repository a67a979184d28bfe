package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPullLookupAnswersTheAggregatedCounts(t *testing.T) {
	ctx := context.Background()
	p, err := openPullBench(ctx, t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	const keys = 60
	if err := p.load(ctx, keys, nil); err != nil {
		t.Fatal(err)
	}

	// Keys with 1, 2 and 3 events, decoded with encoding/json alone.
	want := map[int][2]int64{0: {1, 0}, 7: {2, 15}, 41: {3, 126}, 59: {3, 180}}
	var buf bytes.Buffer
	for i, w := range want {
		if err := lookupHTTP(ctx, p.client, p.queryURL, p.bodies[i], &buf, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("key %d: answer %q, want a header and one row", i, buf.String())
		}
		var row []any
		if err := json.Unmarshal([]byte(lines[1]), &row); err != nil {
			t.Fatal(err)
		}
		if len(row) != 3 || row[0] != pullKey(i) || row[1] != float64(w[0]) || row[2] != float64(w[1]) {
			t.Errorf("key %d: row %v, want [%s %d %d]", i, row, pullKey(i), w[0], w[1])
		}
		rows, err := lookupEngine(ctx, p.eng, p.sqls[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Values[1].BigInt() != w[0] || rows[0].Values[2].BigInt() != w[1] {
			t.Errorf("key %d through the engine: %v, want n=%d s=%d", i, rows, w[0], w[1])
		}
	}
	if err := p.verify(ctx, pullSampleKeys(keys, keys)); err != nil {
		t.Error(err)
	}

	// A key never produced has no row, which the throughput check rejects.
	missing := []byte(`{"sql":"SELECT * FROM pull_counts WHERE user_id = 'nobody';"}`)
	if err := lookupHTTP(ctx, p.client, p.queryURL, missing, &buf, false); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(buf.String()), "\n"); n != 0 {
		t.Errorf("lookup of a missing key: %q, want the header alone", buf.String())
	}
	if err := lookupHTTP(ctx, p.client, p.queryURL, missing, &buf, true); err == nil {
		t.Error("an answer without a row passed the one-row check")
	}

	m, err := p.lookupsHTTP(ctx, p.queryURL, 300, 3, 0, 1, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events != 300 || m.Elapsed <= 0 {
		t.Errorf("HTTP lookups: %d in %s, want 300", m.Events, m.Elapsed)
	}
	ref, err := p.lookupsEngine(ctx, 300, 3, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Events != 300 {
		t.Errorf("engine lookups: %d, want 300", ref.Events)
	}
	// 50 ms at 4000 lookups/s.
	h, _, err := p.pacedLookups(ctx, 2, 4000, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Count() != 200 || h.Quantile(0.5) <= 0 {
		t.Errorf("paced lookups: %d measured (p50 %s), want 200", h.Count(), h.Quantile(0.5))
	}
}

func TestPullExpectedMatchesTheEventsLoaded(t *testing.T) {
	// Key 5 gets 3 events: x = 5, 6, 7.
	if n, s := pullExpected(5); n != 3 || s != 18 {
		t.Errorf("pullExpected(5) = %d, %d; want 3, 18", n, s)
	}
	if got := pullEventCount(6); got != 1+2+3+1+2+3 {
		t.Errorf("pullEventCount(6) = %d, want 12", got)
	}
	if got := pullSampleKeys(1000, 4); len(got) != 4 || got[0] != 0 || got[3] != 750 {
		t.Errorf("pullSampleKeys(1000, 4) = %v", got)
	}
}

func TestParsePullAnswer(t *testing.T) {
	body := []byte(`{"columnNames":["S","USER_ID","N"],"columnTypes":["BIGINT","STRING","BIGINT"]}` + "\n" + `[15,"user-000007",2]` + "\n")
	key, n, s, err := parsePullAnswer(body)
	if err != nil || key != "user-000007" || n != 2 || s != 15 {
		t.Errorf("parsePullAnswer = %q, %d, %d, %v; want user-000007, 2, 15", key, n, s, err)
	}
	twoRows := append(bytes.Clone(body), `[1,"x",1]`+"\n"...)
	if _, _, _, err := parsePullAnswer(twoRows); err == nil {
		t.Error("two rows accepted")
	}
	if _, _, _, err := parsePullAnswer([]byte(`{"columnNames":["A","B","C"]}` + "\n" + `[1,2,3]`)); err == nil {
		t.Error("an answer without the table's columns accepted")
	}
}

func TestPullRate(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, pullDefaultRate}, {DefaultRate, pullDefaultRate}, {20_000, 20_000}, {500, 500}} {
		if got := pullRate(Env{Rate: c.in}); got != c.want {
			t.Errorf("pullRate(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

// benchPull loads a table of 10,000 keys for the benchmarks below.
func benchPull(b *testing.B, conns int) *pullBench {
	ctx := context.Background()
	p, err := openPullBench(ctx, b.TempDir(), conns)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.close)
	if err := p.load(ctx, 10_000, nil); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPullLookupHTTP is the workload's throughput phase, for
// profiling: go test -bench PullLookup -cpuprofile cpu.out.
func BenchmarkPullLookupHTTP(b *testing.B) {
	p := benchPull(b, 4)
	b.ResetTimer()
	m, err := p.lookupsHTTP(context.Background(), p.queryURL, int64(b.N), 4, 0, 1, true, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(m.PerSec(), "lookups/s")
}

// BenchmarkPullLookupEngine is its reference through the engine API.
func BenchmarkPullLookupEngine(b *testing.B) {
	p := benchPull(b, 4)
	b.ResetTimer()
	m, err := p.lookupsEngine(context.Background(), int64(b.N), 4, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(m.PerSec(), "lookups/s")
}
