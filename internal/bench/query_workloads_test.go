package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/gen"
)

// s2Clicks counts, by parsing them, the clicks among the first n S2
// events of seed 1: what the filter query must write.
func s2Clicks(t testing.TB, n int) int64 {
	g, err := gen.New("s2", gen.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var ev gen.Event
	var clicks int64
	for range n {
		g.Next(&ev)
		if isClick(t, ev.Value) {
			clicks++
		}
	}
	return clicks
}

func TestFilterWritesEveryClickAndOnlyClicks(t *testing.T) {
	ctx := context.Background()
	const n = 12_000
	f, err := openFilterBench(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	if err := f.load(ctx, n, nil); err != nil {
		t.Fatal(err)
	}
	want := s2Clicks(t, n)
	if want == 0 || f.clicks != want {
		t.Fatalf("load counted %d clicks, parsing finds %d", f.clicks, want)
	}
	m, err := f.run(ctx, n, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events != n {
		t.Errorf("processed %d events, want %d", m.Events, n)
	}
	out, err := f.outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out != want {
		t.Errorf("output topic holds %d records, want the %d clicks", out, want)
	}

	// 50 ms at 20,000 events/s over 4 partitions: 250 clicks each.
	h, _, err := f.latency(ctx, 20_000, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Count() != 1000 {
		t.Errorf("latency measured %d outputs, want 1000", h.Count())
	}
	if out2, _ := f.outputs(ctx); out2 != want+1000 {
		t.Errorf("output topic holds %d records after the latency phase, want %d", out2, want+1000)
	}

	// The natural mix: only the clicks among the events fed come out.
	// 200 ms at 20,000 events/s: 1000 events from each partition.
	mix, err := latencyFeed()
	if err != nil {
		t.Fatal(err)
	}
	var mixed int64
	for p := range filterPartitions {
		for k := range 1000 {
			if isClick(t, mix[(feedStart(p)+k)%len(mix)]) {
				mixed++
			}
		}
	}
	h, _, err = f.latencyOver(ctx, mix, 20_000, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mixed == 0 || h.Count() != mixed {
		t.Errorf("latency over the natural mix measured %d outputs, want the %d clicks fed", h.Count(), mixed)
	}
}

func isClick(t testing.TB, v []byte) bool {
	var e struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(v, &e); err != nil {
		t.Fatal(err)
	}
	return e.Type == "click"
}

// nexmarkAuctions parses the auction of each bid record.
func nexmarkAuctions(t testing.TB, n int64) []int64 {
	bids, err := nexmarkBids(n)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(bids))
	for i, b := range bids {
		var v struct {
			Auction *int64 `json:"auction"`
			Price   *int64 `json:"price"`
		}
		if err := json.Unmarshal(b.Value, &v); err != nil || v.Auction == nil || v.Price == nil {
			t.Fatalf("bid %d %s: %v", i, b.Value, err)
		}
		out[i] = *v.Auction
	}
	return out
}

func TestNexmarkQueriesWriteTheRightRows(t *testing.T) {
	ctx := context.Background()
	const ring, total = 2000, 5000 // the ring is read two and a half times
	auctions := nexmarkAuctions(t, ring)
	bids, err := nexmarkBids(ring)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []nexmarkQuery{nexmarkQ0Query, nexmarkQ1Query, nexmarkQ2Query} {
		t.Run(q.name, func(t *testing.T) {
			var want int64
			for i := range int64(total) {
				if q.keep(auctions[i%ring]) {
					want++
				}
			}
			if q.name == "nexmark-q2" && (want == 0 || want == total) {
				t.Fatalf("q2 keeps %d of %d bids: the test data does not exercise the filter", want, total)
			}
			r, err := newNexmarkRunner(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			m, rows, err := r.throughput(ctx, bids, total, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Events != total || rows != want {
				t.Errorf("%d bids in, %d rows out; want %d in, %d out", m.Events, rows, total, want)
			}
			h, _, err := r.latency(ctx, bids, 20_000, 100*time.Millisecond, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h.Count() != 2000 {
				t.Errorf("latency measured %d bids, want 2000", h.Count())
			}
		})
	}
}

func TestNexmarkQ1ConvertsThePrice(t *testing.T) {
	ctx := context.Background()
	bids, err := nexmarkBids(1)
	if err != nil {
		t.Fatal(err)
	}
	var in struct{ Price int64 }
	if err := json.Unmarshal(bids[0].Value, &in); err != nil {
		t.Fatal(err)
	}
	r, err := newNexmarkRunner(ctx, nexmarkQ1Query)
	if err != nil {
		t.Fatal(err)
	}
	sink := &discardSink{key: r.key, value: r.out, keyCols: r.keyCols}
	task := exec.NewTask(r.pl, &ringReader{recs: bids, total: 1}, sink, nil)
	if err := task.Step(ctx); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(sink.last, &out); err != nil {
		t.Fatalf("output %s: %v", sink.last, err)
	}
	got, ok := out["PRICE"].(float64)
	if want := 0.908 * float64(in.Price); !ok || got < want-1e-6 || got > want+1e-6 {
		t.Errorf("PRICE = %v in %s, want %v", out["PRICE"], sink.last, want)
	}
	for _, k := range []string{"AUCTION", "BIDDER", "DATETIME", "EXTRA"} {
		if _, ok := out[k]; !ok {
			t.Errorf("output %s lacks %s", sink.last, k)
		}
	}
}

func BenchmarkNexmarkQ1(b *testing.B) {
	benchNexmark(b, nexmarkQ1Query)
}

func BenchmarkNexmarkQ0(b *testing.B) {
	benchNexmark(b, nexmarkQ0Query)
}

func benchNexmark(b *testing.B, q nexmarkQuery) {
	ctx := context.Background()
	bids, err := nexmarkBids(nexmarkRing)
	if err != nil {
		b.Fatal(err)
	}
	r, err := newNexmarkRunner(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if _, _, err := r.throughput(ctx, bids, int64(b.N), 0); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFilterDecodeOnly(b *testing.B) {
	ctx := context.Background()
	f, err := openFilterBench(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.close()
	if err := f.load(ctx, 20_000, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if _, err := decodeOnly(ctx, f.value, f.ring, int64(b.N), 1, 0); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFilterQuery times the filter query over b.N loaded events, the
// load untimed: for a CPU profile of the engine's part.
func BenchmarkFilterQuery(b *testing.B) {
	ctx := context.Background()
	f, err := openFilterBench(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.close()
	if err := f.load(ctx, int64(b.N), nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if _, err := f.run(ctx, int64(b.N), 0, nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFilterLatency runs the filter's latency phase at 100,000
// events/s for b.N milliseconds: for block and mutex profiles of what
// delays the outputs.
func BenchmarkFilterLatency(b *testing.B) {
	ctx := context.Background()
	f, err := openFilterBench(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.close()
	if err := f.load(ctx, 20_000, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := f.run(ctx, 20_000, 0, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	h, _, err := f.latency(ctx, 100_000, time.Duration(b.N)*time.Millisecond, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(h.Quantile(0.99))/1e6, "p99-ms")
}

// BenchmarkFilterLatencyMixed is BenchmarkFilterLatency fed the natural
// mix of S2 events, of which only the clicks are measured.
func BenchmarkFilterLatencyMixed(b *testing.B) {
	ctx := context.Background()
	f, err := openFilterBench(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.close()
	if err := f.load(ctx, filterRing, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := f.run(ctx, filterRing, 0, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	mix, err := latencyFeed()
	if err != nil {
		b.Fatal(err)
	}
	h, _, err := f.latencyOver(ctx, mix, 100_000, time.Duration(b.N)*time.Millisecond, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(h.Quantile(0.5))/1e6, "p50-ms")
	b.ReportMetric(float64(h.Quantile(0.99))/1e6, "p99-ms")
	b.ReportMetric(float64(h.Count()), "outputs")
}
