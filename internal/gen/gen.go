package gen

import (
	"fmt"
	"strings"
	"time"
)

// Event is one generated event. Key is nil for workloads without keys.
// Next overwrites Key and Value in place, reusing their capacity: copy
// them to keep them past the next call.
type Event struct {
	Key   []byte
	Value []byte // one JSON object, no trailing newline
	Time  int64  // event time, milliseconds since the Unix epoch
}

// Generator produces one workload's events in order. It is not safe for
// concurrent use; run one generator per goroutine.
type Generator interface {
	Next(e *Event)
}

// Config fixes everything a generator's output depends on.
type Config struct {
	Seed int64
	// Start is the event time of the first event; the zero value means
	// DefaultStart, so that output is reproducible without naming a date.
	Start time.Time
	// EventsPerSecond spaces event times: event n is at Start +
	// n/EventsPerSecond. It does not pace anything. Zero means
	// DefaultEventsPerSecond.
	EventsPerSecond float64
}

// DefaultStart is the event time of the first event when Config.Start is
// zero: 2024-01-01T00:00:00Z.
func DefaultStart() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// DefaultEventsPerSecond is the event-time spacing when
// Config.EventsPerSecond is zero.
const DefaultEventsPerSecond = 100_000

// Workload describes one generator.
type Workload struct {
	Name        string
	Description string
	// KeyField is the top-level JSON field that identifies the event's
	// entity and is also its Key ("" when events have no key).
	KeyField string
}

// Workloads lists every generator New accepts.
func Workloads() []Workload {
	return []Workload{
		{"s1", "lead-management requests: partial updates merged by id (clicks \"+N\", price, uptick)", "id"},
		{"s2", "video-ad tracking events (~280 B, impression to complete, click), event time late by up to 6 h", ""},
		{"s5", "tracking-pixel visits per user (url, ip, ua, search query); 5% of users are bursty bots", "user_id"},
		{"nexmark", "Nexmark person/auction/bid events in the 1:3:46 proportion, Flink nexmark JSON", ""},
	}
}

// LookupWorkload returns the workload named name.
func LookupWorkload(name string) (Workload, bool) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

// New returns the generator of the named workload.
func New(workload string, cfg Config) (Generator, error) {
	if cfg.EventsPerSecond < 0 {
		return nil, fmt.Errorf("gen: events per second must be positive, got %g", cfg.EventsPerSecond)
	}
	switch workload {
	case "s1":
		return newS1(cfg), nil
	case "s2":
		return newS2(cfg), nil
	case "s5":
		return newS5(cfg), nil
	case "nexmark":
		return NewNexmark(cfg), nil
	}
	var names []string
	for _, w := range Workloads() {
		names = append(names, w.Name)
	}
	return nil, fmt.Errorf("gen: unknown workload %q (choose one of: %s)", workload, strings.Join(names, ", "))
}

// timeline stamps event n with its synthetic event time.
type timeline struct {
	startMs    int64
	msPerEvent float64
}

func newTimeline(cfg Config) timeline {
	start := cfg.Start
	if start.IsZero() {
		start = DefaultStart()
	}
	eps := cfg.EventsPerSecond
	if eps == 0 {
		eps = DefaultEventsPerSecond
	}
	return timeline{startMs: start.UnixMilli(), msPerEvent: 1000 / eps}
}

// at is the event time of event n. The product is converted before the
// addition so that no platform fuses it into a different rounding.
func (c timeline) at(n uint64) int64 {
	return c.startMs + int64(float64(n)*c.msPerEvent)
}

// eventsIn is how many events fit in d of event time, at least 1.
func (c timeline) eventsIn(d time.Duration) uint64 {
	n := uint64(float64(d.Milliseconds()) / c.msPerEvent)
	if n < 1 {
		n = 1
	}
	return n
}
