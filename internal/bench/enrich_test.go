package bench

import (
	"context"
	"testing"
	"time"
)

// The enrich workload runs end to end on a small scale: it fails unless
// the query's alerts are exactly the ratings of platinum customers with
// fewer than 3 stars, and its latency phase gets every alert it feeds.
func TestEnrichWritesTheAlerts(t *testing.T) {
	res, err := runEnrich(context.Background(), Env{Dir: t.TempDir(), Records: 20_000, Rate: 4000, LatencyDuration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Throughput.Events != 20_000 || res.Reference.Events != 20_000 {
		t.Fatalf("throughput %d events, reference %d, want 20000 each", res.Throughput.Events, res.Reference.Events)
	}
	if res.Latency == nil || res.Latency.Count() == 0 {
		t.Fatal("no alert measured in the latency phase")
	}
}

// The generated ratings make alerts, and not too many: one in a few
// dozen, as a tenth of the customers are platinum and two stars in five
// are below 3.
func TestEnrichRatingsMakeSomeAlerts(t *testing.T) {
	alerts := 0
	for i := range int64(10_000) {
		if enrichAlert(i, 5000) {
			alerts++
		}
	}
	if alerts < 250 || alerts > 550 {
		t.Fatalf("%d alerts in 10000 ratings", alerts)
	}
}
