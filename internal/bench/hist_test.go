package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesMatchSortedReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram()
	var ref []int64
	for range 200_000 {
		// Log-normal around 1 ms, clipped to the histogram's range: a
		// latency distribution with a long tail.
		v := int64(math.Exp(rng.NormFloat64()*2) * 1e6)
		v = max(1000, min(v, int64(100*time.Second)))
		h.Record(time.Duration(v))
		ref = append(ref, v)
	}
	slices.Sort(ref)
	for _, q := range []float64{0.0001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1} {
		rank := int(math.Ceil(q * float64(len(ref))))
		want := ref[rank-1]
		got := int64(h.Quantile(q))
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.005 {
			t.Errorf("Quantile(%g) = %d, sorted reference %d: off by %.3f%%, want at most 0.5%%", q, got, want, rel*100)
		}
	}
	if h.Count() != int64(len(ref)) {
		t.Errorf("Count = %d, want %d", h.Count(), len(ref))
	}
	if h.Min() != time.Duration(ref[0]) || h.Max() != time.Duration(ref[len(ref)-1]) {
		t.Errorf("Min, Max = %d, %d; want %d, %d", h.Min(), h.Max(), ref[0], ref[len(ref)-1])
	}
}

func TestHistogramBucketsCoverValuesWithinOnePercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	prev := -1
	for v := int64(0); v < 1<<20; v++ { // every small value, in order
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d < bucketOf(%d) = %d: buckets must not decrease", v, b, v-1, prev)
		}
		prev = b
	}
	for range 100_000 {
		v := rng.Int64N(int64(100 * time.Second))
		low, width := bucketRange(bucketOf(v))
		if v < low || v >= low+width {
			t.Fatalf("%d is outside its bucket [%d, %d)", v, low, low+width)
		}
		if v >= subCount && float64(width)/float64(v) > 1.0/subCount {
			t.Fatalf("bucket of %d is %d wide: more than 1/%d of the value", v, width, subCount)
		}
	}
	if bucketOf(histMaxNs) >= numBuckets {
		t.Fatalf("the largest value falls outside the buckets")
	}
}

func TestHistogramExactBelow128ns(t *testing.T) {
	h := NewHistogram()
	for v := range 100 {
		h.Record(time.Duration(v + 1))
	}
	if got := h.Quantile(0.5); got != 50 {
		t.Errorf("median of 1..100 ns = %d, want 50", got)
	}
	if got := h.Quantile(1); got != 100 {
		t.Errorf("Quantile(1) = %d, want 100", got)
	}
}

func TestHistogramClampsAndEmpty(t *testing.T) {
	h := NewHistogram()
	if h.Quantile(0.5) != 0 || h.Max() != 0 || h.Min() != 0 || h.Mean() != 0 {
		t.Errorf("an empty histogram reports non-zero figures")
	}
	h.Record(-time.Second)
	h.Record(time.Hour)
	if h.Min() != 0 || h.Max() != 100*time.Second {
		t.Errorf("Min, Max = %s, %s; want 0 and the 100 s ceiling", h.Min(), h.Max())
	}
	if got := h.Quantile(1); got != 100*time.Second {
		t.Errorf("Quantile(1) = %s, want 100s", got)
	}
}

func TestHistogramRecordNAndMerge(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	a.RecordN(3*time.Millisecond, 1000)
	b.RecordN(40*time.Millisecond, 10)
	for range 1000 {
		all.Record(3 * time.Millisecond)
	}
	for range 10 {
		all.Record(40 * time.Millisecond)
	}
	a.Merge(b)
	for _, q := range []float64{0.5, 0.99, 0.995, 1} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("Quantile(%g): merged %s, recorded one by one %s", q, a.Quantile(q), all.Quantile(q))
		}
	}
	if a.Count() != 1010 || a.Max() != 40*time.Millisecond || a.Min() != 3*time.Millisecond {
		t.Errorf("merged Count, Min, Max = %d, %s, %s", a.Count(), a.Min(), a.Max())
	}
	if got := a.Quantile(0.995); got < 39*time.Millisecond {
		t.Errorf("p99.5 of 1000 x 3 ms and 10 x 40 ms = %s, want about 40 ms", got)
	}
	a.Reset()
	if a.Count() != 0 || a.Quantile(0.5) != 0 {
		t.Errorf("Reset left observations")
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := NewHistogram()
	d := time.Duration(1)
	allocs := testing.AllocsPerRun(10_000, func() {
		d = d*7 + 12345
		h.Record(d % (10 * time.Second))
	})
	if allocs != 0 {
		t.Errorf("Record allocates %.1f times per call, want 0", allocs)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	d := time.Duration(1)
	for b.Loop() {
		d = d*7 + 12345
		h.Record(d % (10 * time.Second))
	}
}
