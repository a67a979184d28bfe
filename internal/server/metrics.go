package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/metrics"
)

// Reasons of sluice_ingest_rejected_total.
const (
	rejectMalformed = iota
	rejectTooLarge
	rejectOverloaded
	rejectUnauthorized
	rejectUnknownTopic
	numRejectReasons
)

var rejectNames = [numRejectReasons]string{"malformed", "too_large", "overloaded", "unauthorized", "unknown_topic"}

type serverMetrics struct {
	registry      *metrics.Registry
	requests      *metrics.CounterVec
	ingestRecords *metrics.CounterVec
	ingestBytes   *metrics.CounterVec
	rejected      [numRejectReasons]*metrics.Counter
	endpoints     [numEndpoints]endpointMetrics
}

// endpointMetrics keeps an endpoint's children resolved, so that a
// request costs a map lookup rather than a label join.
type endpointMetrics struct {
	seconds *metrics.Histogram
	mu      sync.RWMutex
	codes   map[int]*metrics.Counter
}

func newServerMetrics(reg *metrics.Registry, b *budget) *serverMetrics {
	m := &serverMetrics{
		registry:      reg,
		requests:      reg.Counter("sluice_http_requests_total", "HTTP requests answered, by endpoint and status code.", "endpoint", "code"),
		ingestRecords: reg.Counter("sluice_ingest_records_total", "Records accepted by the ingest endpoints.", "topic"),
		ingestBytes:   reg.Counter("sluice_ingest_bytes_total", "Bytes of keys and values accepted by the ingest endpoints.", "topic"),
	}
	rejected := reg.Counter("sluice_ingest_rejected_total", "Ingest requests refused, by reason.", "reason")
	for i, name := range rejectNames {
		m.rejected[i] = rejected.With(name)
	}
	seconds := reg.Histogram("sluice_http_request_seconds", "Time to answer HTTP requests (record streams: until they end).", metrics.ExponentialBuckets(0.0005, 2, 16), "endpoint")
	for i := range m.endpoints {
		m.endpoints[i].seconds = seconds.With(endpointNames[i])
		m.endpoints[i].codes = map[int]*metrics.Counter{}
	}
	reg.GaugeFunc("sluice_ingest_inflight_bytes", "Bytes of request bodies being processed now (bounded by --max-inflight-bytes).", nil,
		func(emit func(float64, ...string)) { emit(float64(b.used.Load())) })
	return m
}

func (m *serverMetrics) observe(ep endpoint, code int, d time.Duration) {
	em := &m.endpoints[ep]
	em.seconds.Observe(d.Seconds())
	em.mu.RLock()
	c := em.codes[code]
	em.mu.RUnlock()
	if c == nil {
		c = m.requests.With(endpointNames[ep], strconv.Itoa(code))
		em.mu.Lock()
		em.codes[code] = c
		em.mu.Unlock()
	}
	c.Inc()
}

// budget bounds the bytes of request bodies held at once. A request that
// does not fit is refused at once rather than queued: queueing would hold
// its connection and buffer without bound.
type budget struct {
	max  int64
	used atomic.Int64
}

// tryAcquire takes n bytes (at most the whole budget, so that one large
// request can always run alone) and returns what it took.
func (b *budget) tryAcquire(n int64) (int64, bool) {
	n = min(n, b.max)
	for {
		u := b.used.Load()
		if u+n > b.max {
			return 0, false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return n, true
		}
	}
}

func (b *budget) release(n int64) { b.used.Add(-n) }
