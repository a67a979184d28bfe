package bench

import (
	"context"
	"testing"
)

// The click-join workload runs end to end on a small scale: it fails
// unless the join's output is exactly the clicks within an hour of their
// impression.
func TestClickJoinWritesTheJoinedClicks(t *testing.T) {
	res, err := runClickJoin(context.Background(), Env{Dir: t.TempDir(), Records: 100_000, Rate: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Throughput.Events != 100_000 || res.Reference.Events != 100_000 {
		t.Fatalf("throughput %d events, reference %d, want 100000 each", res.Throughput.Events, res.Reference.Events)
	}
}

// Most clicks find their impression, not all: their delays run to 90
// minutes against a window of an hour, and the first clicks come before
// any impression they could have.
func TestClickJoinClicksReferToEarlierImpressions(t *testing.T) {
	joined, clicks := 0, 0
	for j := range int64(800_000) {
		ts, n := clickJoinClick(j)
		clicks++
		if n < 0 {
			continue
		}
		it := clickJoinImpressionTime(n)
		if it > ts || ts-it > clickJoinMaxDelay {
			t.Fatalf("click %d at %d: impression %d at %d", j, ts, n, it)
		}
		if ts-it <= 3_600_000 {
			joined++
		}
	}
	if share := float64(joined) / float64(clicks); share < 0.55 || share > 0.75 {
		t.Fatalf("%d of %d clicks within an hour of their impression", joined, clicks)
	}
}
