package bench

import (
	"math"
	"math/bits"
	"time"
)

// The histogram keeps 2^subBits buckets per power of two: a value v >= 2^subBits
// falls in a bucket 2^(e-subBits) wide where 2^e <= v, so a bucket is at most
// 1/128 (0.8%) of its values wide, and reporting its midpoint is within 0.4%.
// Values below 2^subBits nanoseconds are counted exactly.
const (
	subBits   = 7
	subCount  = 1 << subBits
	histMaxNs = int64(100 * time.Second)
)

// numBuckets covers every value up to histMaxNs.
var numBuckets = bucketOf(histMaxNs) + 1

// Histogram records durations (1 µs to 100 s in practice; values outside
// [0, 100 s] are clamped) in log-spaced buckets of about 1% relative width,
// HDR-histogram style: recording is a few arithmetic operations and an
// increment, with no allocation. A Histogram is not safe for concurrent use;
// give each goroutine its own and Merge them.
type Histogram struct {
	counts   []uint64
	total    uint64
	sum      float64 // nanoseconds, for the mean
	min, max int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]uint64, numBuckets), min: math.MaxInt64}
}

// bucketOf maps a non-negative value to its bucket index.
func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 1 // 2^e <= v < 2^(e+1), e >= subBits
	shift := e - subBits
	mant := int(v>>shift) & (subCount - 1)
	return (shift+1)*subCount + mant
}

// bucketRange returns the smallest value of bucket i and the bucket's width.
func bucketRange(i int) (low, width int64) {
	if i < subCount {
		return int64(i), 1
	}
	shift := i/subCount - 1
	mant := int64(i % subCount)
	return (subCount + mant) << shift, 1 << shift
}

// Record counts one observation.
func (h *Histogram) Record(d time.Duration) { h.RecordN(d, 1) }

// RecordN counts n observations of the same duration (a batch whose events
// all waited d).
func (h *Histogram) RecordN(d time.Duration, n int64) {
	if n <= 0 {
		return
	}
	v := int64(d)
	if v < 0 {
		v = 0
	} else if v > histMaxNs {
		v = histMaxNs
	}
	h.counts[bucketOf(v)] += uint64(n)
	h.total += uint64(n)
	h.sum += float64(v) * float64(n)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// Merge adds o's observations to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Reset forgets every observation.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.total, h.sum, h.min, h.max = 0, 0, math.MaxInt64, 0
}

// Count is the number of observations.
func (h *Histogram) Count() int64 { return int64(h.total) }

// Min and Max are the exact extreme observations (0 when empty).
func (h *Histogram) Min() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.min)
}

// Max is the largest observation (0 when empty).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the average observation (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.total))
}

// Quantile returns the value at quantile q (0 < q <= 1): the observation of
// rank ceil(q*count) in sorted order, to within the bucket precision (0.4%).
// It returns 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = max(1, min(rank, h.total))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen < rank {
			continue
		}
		low, width := bucketRange(i)
		v := low + (width-1)/2
		return time.Duration(max(h.min, min(v, h.max)))
	}
	return time.Duration(h.max)
}
