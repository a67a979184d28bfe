package metrics

import (
	"strings"
	"sync"
	"testing"
)

func TestWriteText(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("sluice_records_total", "Records appended.", "topic")
	c.With("b").Add(5)
	c.With("a").Inc()
	g := r.Gauge("sluice_temp", "A gauge with \"quotes\" and \\ in help.")
	g.With().Set(1.5)
	h := r.Histogram("sluice_fsync_seconds", "Fsync latency.", []float64{0.001, 0.01})
	h.With().Observe(0.0005)
	h.With().Observe(0.005)
	h.With().Observe(1)
	r.GaugeFunc("sluice_log_size_bytes", "Log size.", []string{"topic"}, func(emit func(float64, ...string)) {
		emit(200, "y\"z")
		emit(100, "x")
	})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP sluice_records_total Records appended.
# TYPE sluice_records_total counter
sluice_records_total{topic="a"} 1
sluice_records_total{topic="b"} 5
# HELP sluice_temp A gauge with "quotes" and \\ in help.
# TYPE sluice_temp gauge
sluice_temp 1.5
# HELP sluice_fsync_seconds Fsync latency.
# TYPE sluice_fsync_seconds histogram
sluice_fsync_seconds_bucket{le="0.001"} 1
sluice_fsync_seconds_bucket{le="0.01"} 2
sluice_fsync_seconds_bucket{le="+Inf"} 3
sluice_fsync_seconds_sum 1.0055
sluice_fsync_seconds_count 3
# HELP sluice_log_size_bytes Log size.
# TYPE sluice_log_size_bytes gauge
sluice_log_size_bytes{topic="x"} 100
sluice_log_size_bytes{topic="y\"z"} 200
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestConcurrentCounters(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("n_total", "n", "k")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.With([]string{"a", "b"}[i%2]).Inc()
			}
		}()
	}
	wg.Wait()
	if got := c.With("a").Value() + c.With("b").Value(); got != 8000 {
		t.Fatalf("total = %d, want 8000", got)
	}
}

func TestDuplicateNamePanics(t *testing.T) {
	r := NewRegistry()
	r.Counter("x", "x")
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on duplicate registration")
		}
	}()
	r.Gauge("x", "x")
}

func BenchmarkCounterAdd(b *testing.B) {
	c := NewRegistry().Counter("n_total", "n", "topic").With("events")
	b.ReportAllocs()
	for b.Loop() {
		c.Add(1)
	}
}
