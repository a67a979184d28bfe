package bench

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sluicedata/sluice/internal/gen"
)

// parsedFold folds the first n Nexmark events of seed 1 from w's start,
// parsed with encoding/json rather than the engine's serde: what the
// query's result must hold.
func parsedFold(t testing.TB, w *windowBench, q windowQuery, n int) windowTops {
	g, err := gen.New("nexmark", gen.Config{Seed: 1, Start: w.start, EventsPerSecond: w.eventRate})
	if err != nil {
		t.Fatal(err)
	}
	fold := q.newFold()
	var ev gen.Event
	for range n {
		g.Next(&ev)
		var e struct {
			EventType int `json:"event_type"`
			Bid       *struct {
				Auction, Bidder, Price, DateTime int64
				Extra                            string
			} `json:"bid"`
		}
		if err := json.Unmarshal(ev.Value, &e); err != nil {
			t.Fatal(err)
		}
		if e.EventType != 2 {
			continue
		}
		if e.Bid.DateTime != ev.Time {
			t.Fatalf("bid dateTime %d, event time %d", e.Bid.DateTime, ev.Time)
		}
		fold.add(ev.Time, &nexBid{auction: e.Bid.Auction, bidder: e.Bid.Bidder, price: e.Bid.Price, dateTime: e.Bid.DateTime, extra: e.Bid.Extra})
	}
	return fold.tops()
}

// TestWindowedNexmarkResults runs q5 and q7 on the engine over 30 s of
// event time and checks their results against the events parsed apart,
// and the benchmark's reference against the same.
func TestWindowedNexmarkResults(t *testing.T) {
	const n = 30_000
	for _, q := range []windowQuery{nexmarkQ5Query, nexmarkQ7Query} {
		t.Run(q.name, func(t *testing.T) {
			ctx := context.Background()
			w, err := openWindowBench(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer w.close()
			w.eventRate = 1000 // 30 s of event time: several windows
			if q.final != nil {
				// 3 s of event time, every hopping window holding some:
				// the loader's batches of 1000 events then span 100 ms,
				// well within q5's grace.
				w.eventRate = 10_000
			}
			if err := w.load(ctx, n, nil); err != nil {
				t.Fatal(err)
			}
			want := parsedFold(t, w, q, n)
			fold := q.newFold()
			for half := range 2 {
				m, err := w.reference(ctx, fold, half, 2, 0)
				if err != nil {
					t.Fatal(err)
				}
				if m.Events != n/2 {
					t.Fatalf("reference half %d read %d events, want %d", half, m.Events, n/2)
				}
			}
			if err := compareTops(want, fold.tops(), q.topK); err != nil {
				t.Fatalf("the reference differs from the parsed events: %v", err)
			}
			m, err := w.run(ctx, q, n, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			events := int64(n)
			if q.final != nil {
				// run ends the input with the marker bids that close
				// every window of the events.
				events += nexMarkers * nexWinPartitions
				for p, k := range w.markers {
					if k != nexMarkers {
						t.Fatalf("partition %d got %d marker bids, want %d", p, k, nexMarkers)
					}
				}
			}
			if m.Events != events || m.Elapsed <= 0 {
				t.Fatalf("run measured %d events in %v, want %d", m.Events, m.Elapsed, events)
			}
			if late := w.lateRecords(); late != 0 {
				t.Fatalf("%d late records", late)
			}
			got, err := w.result(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if err := compareTops(want, got, q.topK); err != nil {
				t.Fatal(err)
			}
			// The windows: 3 tumbling ones for q7; for q5 every start from
			// 8 s before the first event to the last, 2 s apart.
			if len(want) < 3 {
				t.Errorf("%d windows, want several", len(want))
			}
			hot := false
			for _, top := range want {
				if top.max > 1 && len(top.items) > 0 {
					hot = true
				}
			}
			if !hot {
				t.Errorf("no window with an item above 1: %v", want)
			}
			t.Logf("%d windows; %s", len(got), tiesNote(want, q.topK))
		})
	}
}

func TestQ5WindowsOfABid(t *testing.T) {
	f := &q5Fold{counts: map[[2]int64]int64{}}
	f.add(11_500, &nexBid{auction: 7})
	f.add(1_000, &nexBid{auction: 7})
	var starts []int64
	for k := range f.counts {
		starts = append(starts, k[0])
	}
	// 11.5 s is in the windows starting at 2, 4, 6, 8 and 10 s; 1 s in
	// those at 0 only (no window starts before the epoch).
	if len(starts) != 6 {
		t.Errorf("window starts %v, want 0, 2000, ..., 10000", starts)
	}
	for _, s := range []int64{0, 2000, 4000, 6000, 8000, 10_000} {
		if _, ok := f.counts[[2]int64{s, 7}]; !ok {
			t.Errorf("no window at %d", s)
		}
	}
}
