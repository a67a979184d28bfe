package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

const (
	filterPartitions = 4
	filterInTopic    = "s2_events"
	filterOutTopic   = "s2_clicks"
	filterBatch      = 1000   // events per append while loading
	filterRing       = 65_536 // distinct events kept for the reference and the latency phase
	filterWorkers    = 2      // goroutines of the decode-only reference: the cores of the target machine
	// filterStall fails a phase that makes no progress for this long: a
	// query stuck in ERROR must not hang the benchmark.
	filterStall = 30 * time.Second
)

// The filter workload's statements: S2 tracking events, of which the
// clicks (1.5 %) are kept with four of their eleven columns.
const (
	filterCreateSQL = `CREATE STREAM s2_events (event_id STRING, type STRING, ad_id BIGINT, website_id INT,
  user_id STRING, session_id STRING, event_time BIGINT, ip STRING, ua STRING, url STRING, price DECIMAL(10, 4))
  WITH (KAFKA_TOPIC='` + filterInTopic + `', VALUE_FORMAT='JSON', PARTITIONS=4);`
	filterQuerySQL = `CREATE STREAM s2_clicks WITH (KAFKA_TOPIC='` + filterOutTopic + `', VALUE_FORMAT='JSON') AS
  SELECT event_id, ad_id, user_id, event_time FROM s2_events WHERE type = 'click';`
)

func filterWorkload() Workload {
	return Workload{
		Name:        "filter",
		Description: "CSAS over S2 events in a 4-partition topic of the embedded log: WHERE type = 'click', 4 of 11 columns to JSON; reference: the same events decoded only, on 2 goroutines",
		Run:         runFilter,
	}
}

func runFilter(ctx context.Context, env Env) (Result, error) {
	total := env.records(2_000_000)
	f, err := openFilterBench(ctx, env.Dir)
	if err != nil {
		return Result{}, err
	}
	defer f.close()

	env.Progress.Phase("load", total)
	if err := f.load(ctx, total, env.Progress); err != nil {
		return Result{}, err
	}
	syncAll()

	// The query runs once (a persistent query cannot be restarted from
	// the start under the same ID), so the reference is measured in two
	// halves around it rather than interleaved.
	env.Progress.Phase("throughput", total)
	ref1, err := decodeOnly(ctx, f.value, f.ring, share(total, 2, 0), filterWorkers, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	thr, err := f.run(ctx, total, env.Duration, env.Progress)
	if err != nil {
		return Result{}, err
	}
	out, err := f.outputs(ctx)
	if err != nil {
		return Result{}, err
	}
	if thr.Events == total && out != f.clicks {
		return Result{}, fmt.Errorf("the query wrote %d records for %d clicks among %d events", out, f.clicks, total)
	}
	ref2, err := decodeOnly(ctx, f.value, f.ring, share(total, 2, 1), filterWorkers, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	ref := addMeasurements(ref1, ref2)

	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := f.latency(ctx, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	// The natural mix, for the figure of the workload as it would run:
	// only its clicks come out to be measured.
	env.Progress.Phase("latency (natural mix)", int64(d.Seconds()*float64(rate)))
	mix, err := latencyFeed()
	if err != nil {
		return Result{}, err
	}
	mixed, _, err := f.latencyOver(ctx, mix, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Throughput:     thr,
		Reference:      ref,
		Latency:        h,
		LatencyRate:    rate,
		LatencyElapsed: elapsed,
		Notes: []string{
			fmt.Sprintf("%d events (%d clicks) appended before the query starts, not timed; the query reads them from the earliest offsets", total, f.clicks),
			"throughput: from CREATE STREAM ... AS SELECT to every input partition's committed position at its end (output appended first)",
			"reference measured in two halves, before and after the query, on the first events (up to 65,536, reused in turn)",
			"latency: clicks only (every event yields an output, the costliest mix), stamped with their scheduled send time in ms; until a reader of the output topic gets them",
			fmt.Sprintf("latency of the natural mix (1.5 %% clicks) at the same rate: p50 %s  p99 %s  p99.9 %s  max %s over its %s clicks",
				fmtMs(ms(mixed.Quantile(0.5))), fmtMs(ms(mixed.Quantile(0.99))), fmtMs(ms(mixed.Quantile(0.999))), fmtMs(ms(mixed.Max())), groupDigits(mixed.Count())),
		},
	}, nil
}

// filterBench is the filter workload's engine and what it has loaded.
type filterBench struct {
	eng   *engine.Engine
	value serde.Format // the source's value format, for the reference
	ring  [][]byte     // the first events loaded, for the reference
	// clicks counts the loaded events that pass the WHERE clause.
	clicks int64
	loaded int64
}

// openFilterBench opens an engine on the embedded log in dir, with the
// default fsync policy, and creates the input stream.
func openFilterBench(ctx context.Context, dir string) (*filterBench, error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "engine")})
	if err != nil {
		return nil, err
	}
	f := &filterBench{eng: eng}
	if _, err := eng.Execute(ctx, engine.NewSession(), filterCreateSQL); err != nil {
		f.close()
		return nil, err
	}
	src, ok := eng.Metastore().Source("S2_EVENTS")
	if !ok {
		f.close()
		return nil, errors.New("the input stream S2_EVENTS is missing after CREATE STREAM")
	}
	if _, f.value, err = src.Formats(); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

func (f *filterBench) close() error { return f.eng.Close() }

var clickMarker = []byte(`"type":"click"`)

// load appends n S2 events to the input topic, batches of 1000 spread
// over the partitions in turn, and counts the clicks among them.
func (f *filterBench) load(ctx context.Context, n int64, progress *Progress) error {
	return loadS2(ctx, f.eng.Log(), filterInTopic, filterPartitions, n, time.Time{}, progress, func(_ int32, v []byte) {
		f.loaded++
		if bytes.Contains(v, clickMarker) {
			f.clicks++
		}
		if len(f.ring) < filterRing {
			f.ring = append(f.ring, bytes.Clone(v))
		}
	})
}

// loadS2 appends n S2 events (seed 1, from start; zero means the
// generator's default) to topic, in batches round robin over its
// partitions, calling each for every event before its batch is appended.
// The events are stamped with the time of the load, so that retention
// keeps them.
func loadS2(ctx context.Context, l log.Log, topic string, partitions int32, n int64, start time.Time, progress *Progress, each func(part int32, value []byte)) error {
	g, err := gen.New("s2", gen.Config{Seed: 1, Start: start})
	if err != nil {
		return err
	}
	var ev gen.Event
	recs := make([]log.Record, 0, filterBatch)
	ends := make([]int, 0, filterBatch)
	var buf []byte
	now := time.Now().UnixMilli()
	for part, loaded := int32(0), int64(0); loaded < n; part = (part + 1) % partitions {
		recs, ends, buf = recs[:0], ends[:0], buf[:0]
		for range min(filterBatch, n-loaded) {
			g.Next(&ev)
			buf = append(buf, ev.Value...)
			ends = append(ends, len(buf))
			each(part, ev.Value)
		}
		// The values are sliced once buf has stopped growing.
		from := 0
		for _, end := range ends {
			recs = append(recs, log.Record{Value: buf[from:end:end], Timestamp: now})
			from = end
		}
		if _, err := l.Append(ctx, topic, part, recs); err != nil {
			return fmt.Errorf("loading %s: %w", topic, err)
		}
		loaded += int64(len(recs))
		progress.Add(int64(len(recs)))
	}
	return nil
}

// meanBytes estimates the bytes of n events from the mean size of a
// sample of them, for the MB/s figures.
func meanBytes(sample [][]byte, n int64) int64 {
	var sum int64
	for _, v := range sample {
		sum += int64(len(v))
	}
	if len(sample) == 0 {
		return 0
	}
	return n * sum / int64(len(sample))
}

// run creates the query, reading from the earliest offsets, and waits
// until every input partition's committed position reaches its end (or
// maxTime, when positive, passes). A task commits after its output is
// appended, so the committed positions count events fully processed.
func (f *filterBench) run(ctx context.Context, total int64, maxTime time.Duration, progress *Progress) (Measurement, error) {
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	start := time.Now()
	if _, err := f.eng.Execute(ctx, sess, filterQuerySQL); err != nil {
		return Measurement{}, err
	}
	id, err := f.queryID()
	if err != nil {
		return Measurement{}, err
	}
	b := newBudget(total, maxTime)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var done int64
	lastMove := time.Now()
	for b.more(done) {
		select {
		case <-ctx.Done():
			return Measurement{}, ctx.Err()
		case <-tick.C:
		}
		n, err := f.committed(ctx, id)
		if err != nil {
			return Measurement{}, err
		}
		if n > done {
			progress.Add(n - done)
			done, lastMove = n, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return Measurement{}, fmt.Errorf("query %s stalled at %d of %d events (state %s)", id, done, total, f.queryState(id))
		}
	}
	elapsed := time.Since(start)
	return Measurement{
		Name: "filter", Events: done, Bytes: f.inputBytes(done), Elapsed: elapsed,
		Detail: fmt.Sprintf("%d partitions, 1 task each; %d clicks of %d events written", filterPartitions, f.clicks, f.loaded),
	}, nil
}

// inputBytes estimates the bytes of the first n events.
func (f *filterBench) inputBytes(n int64) int64 { return meanBytes(f.ring, n) }

func (f *filterBench) queryID() (string, error) {
	for _, q := range f.eng.Queries() {
		if strings.EqualFold(q.Sink, "S2_CLICKS") {
			return q.ID, nil
		}
	}
	return "", errors.New("the query writing S2_CLICKS is not running")
}

func (f *filterBench) queryState(id string) string {
	for _, q := range f.eng.Queries() {
		if q.ID == id {
			return q.State
		}
	}
	return "missing"
}

// committed sums the query's committed positions over the input
// partitions.
func (f *filterBench) committed(ctx context.Context, id string) (int64, error) {
	offs, err := f.eng.Log().CommittedOffsets(ctx, id, filterInTopic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, o := range offs {
		n += o
	}
	return n, nil
}

// outputs is the number of records in the output topic.
func (f *filterBench) outputs(ctx context.Context) (int64, error) {
	info, err := f.eng.Log().DescribeTopic(ctx, filterOutTopic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range info.Partitions {
		n += p.EndOffset - p.StartOffset
	}
	return n, nil
}

// latency appends clicks at rate events per second, spread over the
// input partitions, for d, while the running query processes them, and
// measures each from its scheduled send time (its record timestamp, which
// the output record keeps) to the moment a reader of the output topic
// gets its output record.
func (f *filterBench) latency(ctx context.Context, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	mix, err := latencyFeed()
	if err != nil {
		return nil, 0, err
	}
	clicks := make([][]byte, 0, len(mix)/32)
	for _, v := range mix {
		if bytes.Contains(v, clickMarker) {
			clicks = append(clicks, v)
		}
	}
	return f.latencyOver(ctx, clicks, rate, d, progress)
}

// latencyFeed is the events of the latency phases: S2 events of their
// own seed, as many as the ring holds whatever the number loaded, so that
// a small run still has clicks to feed.
func latencyFeed() ([][]byte, error) {
	g, err := gen.New("s2", gen.Config{Seed: 2})
	if err != nil {
		return nil, err
	}
	var ev gen.Event
	out := make([][]byte, filterRing)
	for i := range out {
		g.Next(&ev)
		out[i] = bytes.Clone(ev.Value)
	}
	return out, nil
}

// latencyOver feeds the given events in turn, each partition starting at
// a different one, and measures the latency of those that the query
// writes out (the clicks among them).
func (f *filterBench) latencyOver(ctx context.Context, feed [][]byte, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	perPart, each := pacedShare(rate, filterPartitions, d)
	var want int64
	for p := range filterPartitions {
		for k := range each {
			if bytes.Contains(feed[(feedStart(p)+int(k))%len(feed)], clickMarker) {
				want++
			}
		}
	}
	if want == 0 {
		return nil, 0, errors.New("no click among the events fed to the latency phase")
	}

	out, err := followOutput(ctx, f.eng.Log(), filterOutTopic, want)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	start := time.Now()
	err = feedPaced(ctx, f.eng.Log(), filterInTopic, filterPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		recs := make([]log.Record, filterBatch)
		next := feedStart(p)
		return func(first, n int64, at func(int64) int64) []log.Record {
			batch := recs[:n]
			for i := range batch {
				batch[i] = log.Record{Value: feed[next%len(feed)], Timestamp: at(first + int64(i))}
				next++
			}
			return batch
		}
	})
	if err != nil {
		return nil, 0, err
	}
	h, err := out.wait(ctx, filterStall, "outputs")
	return h, time.Since(start), err
}

// outputFollower reads a query's output topic from its end while a
// latency phase feeds the input, recording for each output record the
// delay from its timestamp (the scheduled send time of the event it comes
// from) to its arrival.
type outputFollower struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	hists  []*Histogram
	errs   []error
	got    atomic.Int64
	want   int64
	allIn  chan struct{}
}

func followOutput(ctx context.Context, l log.Log, topic string, want int64) (*outputFollower, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &outputFollower{cancel: cancel, want: want, allIn: make(chan struct{}),
		hists: make([]*Histogram, len(info.Partitions)), errs: make([]error, len(info.Partitions))}
	var signal sync.Once
	for i, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, p.EndOffset)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.hists[i] = NewHistogram()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer r.Close()
			for {
				recs, err := r.Next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						f.errs[i] = err
					}
					return
				}
				now := time.Now()
				for _, rec := range recs {
					f.hists[i].Record(now.Sub(time.UnixMilli(rec.Timestamp)))
				}
				if f.got.Add(int64(len(recs))) >= want {
					signal.Do(func() { close(f.allIn) })
				}
			}
		}()
	}
	return f, nil
}

// stop ends the readers; it may be called more than once.
func (f *outputFollower) stop() {
	f.cancel()
	f.wg.Wait()
}

// wait waits until all the expected outputs arrived, or none has for
// stall, and returns their delays. what names them in the error.
func (f *outputFollower) wait(ctx context.Context, stall time.Duration, what string) (*Histogram, error) {
	timeout := time.NewTimer(stall)
	defer timeout.Stop()
	select {
	case <-f.allIn:
	case <-timeout.C:
	case <-ctx.Done():
	}
	f.stop()
	for _, err := range f.errs {
		if err != nil {
			return nil, err
		}
	}
	if n := f.got.Load(); n < f.want {
		return nil, fmt.Errorf("latency phase: %d of %d %s arrived within %s of the last send", n, f.want, what, stall)
	}
	for _, h := range f.hists[1:] {
		f.hists[0].Merge(h)
	}
	return f.hists[0], nil
}

// feedStart is where partition p starts in the events fed to the
// latency phase, so that the partitions do not send the same events.
func feedStart(p int) int { return p * 7919 }

// decodeOnly is the floor under a query's throughput: the same events
// decoded with the source's value format, and nothing else, on workers
// goroutines taking the values in turn, total events in all (or fewer
// when maxTime, if positive, runs out).
func decodeOnly(ctx context.Context, format serde.Format, values [][]byte, total int64, workers int, maxTime time.Duration) (Measurement, error) {
	d, err := decodeEach(ctx, format, values, total, workers, maxTime, nil)
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{
		Name: "decode-only", Events: d.events, Bytes: d.bytes, Elapsed: d.elapsed,
		Detail: fmt.Sprintf("the same events decoded with the source's %s format, %d goroutine(s); no filter, no encoding, no log", format.Name(), workers),
	}, nil
}

// decoded is what decodeEach did.
type decoded struct {
	events, bytes, matched int64
	elapsed                time.Duration
}

// decodeEach decodes values, taken in turn, with format on workers
// goroutines, total in all (or fewer when maxTime, if positive, runs
// out), and gives each row to match (when not nil), counting the rows it
// matches: the loop of the hand-written references.
func decodeEach(ctx context.Context, format serde.Format, values [][]byte, total int64, workers int, maxTime time.Duration, match func(row []types.Value) bool) (decoded, error) {
	const chunk = 1000
	var next, events, size, matched atomic.Int64
	var bad atomic.Pointer[error]
	b := newBudget(total, maxTime)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var row []types.Value
			for ctx.Err() == nil {
				from := next.Add(chunk) - chunk
				if !b.more(from) {
					return
				}
				to := min(from+chunk, total)
				var n, m int64
				for i := from; i < to; i++ {
					v := values[i%int64(len(values))]
					var err error
					if row, err = format.Decode(row[:0], v); err != nil {
						bad.Store(&err)
						return
					}
					n += int64(len(v))
					if match != nil && match(row) {
						m++
					}
				}
				events.Add(to - from)
				size.Add(n)
				matched.Add(m)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := bad.Load(); e != nil {
		return decoded{}, fmt.Errorf("reference: %w", *e)
	}
	if err := ctx.Err(); err != nil {
		return decoded{}, err
	}
	return decoded{events: events.Load(), bytes: size.Load(), matched: matched.Load(), elapsed: elapsed}, nil
}

// addMeasurements adds up two measurements of the same thing.
func addMeasurements(a, b Measurement) Measurement {
	a.Events += b.Events
	a.Bytes += b.Bytes
	a.Elapsed += b.Elapsed
	if a.Name == "" {
		a.Name, a.Detail = b.Name, b.Detail
	}
	return a
}
