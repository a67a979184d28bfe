package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/types"
)

// parsedRollup aggregates the first n S2 events of seed 1 from start,
// parsed with encoding/json rather than the engine's serde: what the
// rollup's table must hold.
func parsedRollup(t testing.TB, start time.Time, n int) rollupTable {
	g, err := gen.New("s2", gen.Config{Seed: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	var ev gen.Event
	out := rollupTable{}
	for range n {
		g.Next(&ev)
		var e struct {
			Type      string      `json:"type"`
			AdID      int64       `json:"ad_id"`
			WebsiteID int32       `json:"website_id"`
			EventTime int64       `json:"event_time"`
			Price     json.Number `json:"price"`
		}
		if err := json.Unmarshal(ev.Value, &e); err != nil {
			t.Fatal(err)
		}
		k := rollupKey{hour: e.EventTime - e.EventTime%rollupHourMs, ad: e.AdID, site: e.WebsiteID}
		s := out[k]
		if s == nil {
			s = &rollupSums{}
			out[k] = s
		}
		s.events++
		found := false
		for i, typ := range rollupTypes {
			if typ.event == e.Type {
				s.byType[i]++
				found = true
			}
		}
		if !found {
			t.Fatalf("unknown event type %q", e.Type)
		}
		if e.Price != "" {
			d, err := types.ParseDecimal(string(e.Price))
			if err != nil {
				t.Fatal(err)
			}
			u, err := priceUnits(d)
			if err != nil {
				t.Fatal(err)
			}
			s.revenue += u
		}
	}
	return out
}

func TestRollupTableEqualsTheGoMap(t *testing.T) {
	ctx := context.Background()
	const n = 12_000
	r, err := openRollupBench(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if err := r.load(ctx, n, nil); err != nil {
		t.Fatal(err)
	}
	parsed := parsedRollup(t, r.start, n)
	hours := map[int64]bool{}
	var revenue int64
	for k, s := range parsed {
		hours[k.hour] = true
		revenue += s.revenue
	}
	// The events lag by up to hours: the windows of several hours, and
	// prices, must be there for the comparison to mean anything.
	if len(parsed) < 100 || len(hours) < 2 || revenue == 0 {
		t.Fatalf("the events make %d groups over %d hours, revenue %d: too few to test", len(parsed), len(hours), revenue)
	}

	m, err := r.run(ctx, n, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events != n {
		t.Errorf("processed %d events, want %d", m.Events, n)
	}
	ref1, want, err := r.reference(ctx, 0, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref2, want2, err := r.reference(ctx, 1, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ref1.Events+ref2.Events != n {
		t.Errorf("the reference's halves read %d and %d events, want %d in all", ref1.Events, ref2.Events, n)
	}
	mergeRollups(want, want2)
	if err := compareRollups(parsed, want); err != nil {
		t.Errorf("the Go-map reference differs from encoding/json's: %v", err)
	}
	got, err := r.table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := compareRollups(parsed, got); err != nil {
		t.Errorf("the query's table differs: %v", err)
	}

	// Every event of the latency phase updates one group row. 50 ms at
	// 20,000 events/s over 4 partitions: 250 each.
	h, _, err := r.latency(ctx, 20_000, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Count() != 1000 {
		t.Errorf("latency measured %d outputs, want 1000", h.Count())
	}
}

func TestCompareRollupsFindsDifferences(t *testing.T) {
	k1, k2 := rollupKey{hour: 0, ad: 1, site: 2}, rollupKey{hour: rollupHourMs, ad: 1, site: 2}
	want := rollupTable{k1: {events: 2, revenue: 5}, k2: {events: 1}}
	if err := compareRollups(want, rollupTable{k1: {events: 2, revenue: 5}, k2: {events: 1}}); err != nil {
		t.Errorf("equal tables: %v", err)
	}
	if err := compareRollups(want, rollupTable{k1: {events: 2, revenue: 6}, k2: {events: 1}}); err == nil {
		t.Errorf("a different revenue went unnoticed")
	}
	if err := compareRollups(want, rollupTable{k1: {events: 2, revenue: 5}}); err == nil {
		t.Errorf("a missing group went unnoticed")
	}
}

// BenchmarkRollupQuery runs the rollup query over 200,000 preloaded
// events per iteration, for profiling the engine's aggregation path.
func BenchmarkRollupQuery(b *testing.B) {
	ctx := context.Background()
	const n = 200_000
	var events int64
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		r, err := openRollupBench(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if err := r.load(ctx, n, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		m, err := r.run(ctx, n, 0, nil)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		events += m.Events
		elapsed += m.Elapsed
		r.close()
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
}
