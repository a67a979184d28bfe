package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Workload is one named benchmark of `sluice bench`. Run measures the
// workload's throughput unthrottled, then its latency at env.Rate, and an
// in-run reference that bounds what the workload could reach on this
// machine, all in the calling process.
type Workload struct {
	Name        string
	Description string // one line, for `sluice bench --list`
	Run         func(ctx context.Context, env Env) (Result, error)
}

// Workloads lists every workload, in the order `sluice bench --list` shows
// them. Adding a workload means adding it here.
func Workloads() []Workload {
	return []Workload{
		logAppend(),
		logRead(),
		ingestHTTP(),
		filterWorkload(),
		rollupWorkload(),
		rollupMemoryWorkload(),
		enrichWorkload(),
		clickJoinWorkload(),
		pullLookup(),
		recoveryWorkload(),
		nexmarkQ0(),
		nexmarkQ1(),
		nexmarkQ2(),
		nexmarkQ5(),
		nexmarkQ7(),
	}
}

// Lookup finds a workload by name.
func Lookup(name string) (Workload, bool) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

// Names lists the workloads' names.
func Names() []string {
	var out []string
	for _, w := range Workloads() {
		out = append(out, w.Name)
	}
	return out
}

// Env is what a workload runs with. Zero fields mean the workload's
// defaults.
type Env struct {
	// Dir is an empty directory that belongs to this workload alone; Run
	// removes it afterwards.
	Dir string
	// Records is the number of events of the throughput phase.
	Records int64
	// Duration, when positive, ends the throughput phase early.
	Duration time.Duration
	// Rate is the event rate of the latency phase, in events per second.
	Rate int
	// LatencyDuration is how long the latency phase lasts.
	LatencyDuration time.Duration
	// Partitions is the number of log partitions written in parallel.
	Partitions int
	// Connections is the number of concurrent HTTP clients.
	Connections int
	// StateCacheBytes is the engine's state cache (engine.Config); zero
	// takes its default.
	StateCacheBytes int64
	// Progress counts the workload's advance; nil counts nothing.
	Progress *Progress
}

// Defaults of the Env fields that all workloads share.
const (
	DefaultRate            = 100_000
	DefaultLatencyDuration = 5 * time.Second
)

func (e Env) records(def int64) int64 {
	if e.Records > 0 {
		return e.Records
	}
	return def
}

func (e Env) rate() int {
	if e.Rate > 0 {
		return e.Rate
	}
	return DefaultRate
}

func (e Env) latencyDuration() time.Duration {
	if e.LatencyDuration > 0 {
		return e.LatencyDuration
	}
	return DefaultLatencyDuration
}

func (e Env) partitions() int { return max(e.Partitions, 1) }

// budget ends a measurement after a number of events or, when maxTime
// is positive, after that much time, whichever comes first. It is safe
// for concurrent use.
type budget struct {
	total    int64
	deadline time.Time // zero: none
	expired  atomic.Bool
}

func newBudget(total int64, maxTime time.Duration) *budget {
	b := &budget{total: total}
	if maxTime > 0 {
		b.deadline = time.Now().Add(maxTime)
	}
	return b
}

// more says whether a sender that has done `done` events should go on.
func (b *budget) more(done int64) bool { return done < b.total && b.timeLeft() }

// timeLeft says whether the phase's time is not up yet.
func (b *budget) timeLeft() bool {
	if b.expired.Load() {
		return false
	}
	if !b.deadline.IsZero() && !time.Now().Before(b.deadline) {
		b.expired.Store(true)
		return false
	}
	return true
}

// Result is what a workload measured.
type Result struct {
	// Throughput is the unthrottled phase.
	Throughput Measurement
	// Latency holds the end-to-end latency of each event of the latency
	// phase, fed at LatencyRate events per second for LatencyElapsed.
	Latency        *Histogram
	LatencyRate    int
	LatencyElapsed time.Duration
	// Reference is the in-run floor the throughput is compared with.
	Reference Measurement
	// Others are further in-run references, reported beside the main one.
	Others []Measurement
	// Notes say how the figures were obtained where that matters to read them.
	Notes []string
}

// Measurement is a count of events (and bytes) done in a time.
type Measurement struct {
	Name    string
	Events  int64
	Bytes   int64
	Elapsed time.Duration
	// Detail says what was measured, for the human output.
	Detail string
}

// PerSec is the event rate.
func (m Measurement) PerSec() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Events) / m.Elapsed.Seconds()
}

// MBPerSec is the byte rate in megabytes (10^6 bytes) per second.
func (m Measurement) MBPerSec() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Bytes) / 1e6 / m.Elapsed.Seconds()
}

// Progress counts how far a workload has come, for a progress line. Its
// methods are safe for concurrent use and do nothing on a nil *Progress.
type Progress struct {
	mu    sync.Mutex
	phase string
	total int64
	done  atomic.Int64
}

// Phase starts a new phase of total steps (events; 0 when unknown).
func (p *Progress) Phase(name string, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.phase, p.total = name, total
	p.done.Store(0)
	p.mu.Unlock()
}

// Add counts n more steps done.
func (p *Progress) Add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

// Snapshot returns the current phase and its advance.
func (p *Progress) Snapshot() (phase string, done, total int64) {
	if p == nil {
		return "", 0, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.phase, p.done.Load(), p.total
}

// measureRounds is how many rounds interleave runs.
const measureRounds = 4

// step is one measurement of a round: a workload's or a reference's share
// of the events of the round.
type step func(ctx context.Context, round int) (Measurement, error)

// interleave runs every step once per round, in the order given in even
// rounds and in the reverse order in odd ones (A B, B A, A B, B A), and
// adds up each step's measurements. A slow moment of a shared machine then
// weighs on a workload and on its references alike, which keeps their
// ratio meaningful where their absolute figures are not. Before each step
// the system's dirty pages are written to disk, untimed, so that no step
// pays for the write-back the one before it left.
func interleave(ctx context.Context, rounds int, steps ...step) ([]Measurement, error) {
	sums := make([]Measurement, len(steps))
	for r := range rounds {
		for k := range steps {
			i := k
			if r%2 == 1 {
				i = len(steps) - 1 - k
			}
			syncAll()
			m, err := steps[i](ctx, r)
			if err != nil {
				return nil, err
			}
			s := &sums[i]
			s.Name, s.Detail = m.Name, m.Detail
			s.Events += m.Events
			s.Bytes += m.Bytes
			s.Elapsed += m.Elapsed
		}
	}
	return sums, nil
}

// share is round r's part of n split into rounds parts.
func share(n int64, rounds, r int) int64 {
	return n*int64(r+1)/int64(rounds) - n*int64(r)/int64(rounds)
}

// roundTime is each round's part of env.Duration (0: no limit).
func (e Env) roundTime(rounds int) time.Duration {
	if e.Duration <= 0 {
		return 0
	}
	return max(e.Duration/time.Duration(rounds), time.Millisecond)
}
