package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// The windowed Nexmark workloads (q5, q7) run the real engine on the
// embedded log over the generator's whole event stream (people, auctions
// and bids, 1:3:46), as Flink's Nexmark reads its datagen table: the
// queries select the bids with event_type = 2 themselves. Event time is
// each record's timestamp, which the loader sets to the event's dateTime,
// as Flink's rowtime is the bid's dateTime.
const (
	nexWinTopic      = "nexmark"
	nexWinPartitions = 2 // the cores of the target machine
	nexWinBatch      = 1000
)

// nexWinEventsSQL declares the generator's events. Only the columns the
// queries read are declared; the JSON format skips the person and auction
// members.
const nexWinEventsSQL = `CREATE STREAM nexmark (event_type INT,
  bid STRUCT<auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime BIGINT, extra STRING>)
  WITH (KAFKA_TOPIC='` + nexWinTopic + `', VALUE_FORMAT='JSON', PARTITIONS=2);`

// windowQuery is a windowed Nexmark query written as persistent
// statements, with what the benchmark needs to check its result.
type windowQuery struct {
	name string
	what string // for the description
	// flinkPerCore is Flink 2.0's published throughput of the query, in
	// events per second per core.
	flinkPerCore float64
	// statements create the query's stages, in order; sinks are the
	// tables or streams they write, the result last.
	statements []string
	sinks      []string
	// outputsPerBid is how many rows of the result each bid makes (one per
	// window it falls in), for the latency phase of a query emitting
	// changes.
	outputsPerBid int64
	// final, for a query whose windows emit once closed (EMIT FINAL),
	// is their size and grace: the benchmark ends its input with marker
	// bids that close every window, and its latency phase measures each
	// result row from the time its window could first close.
	final *finalWindows
	// topK is the k of the query's TOPK: up to k items tied at a window's
	// maximum are all reported, more are cut to k.
	topK    int
	newFold func() windowFold
	// topOf reads one row of the result table (its key and value columns,
	// vidx naming the value columns) as its window's top.
	topOf func(key, value []types.Value, vidx map[string]int) (start int64, top windowTop, err error)
}

// finalWindows are the time windows of an EMIT FINAL query, in ms.
type finalWindows struct{ size, grace int64 }

// nexMarkers is how many end-of-input marker bids each input partition
// gets, each of its own auction, so that every partition of the
// repartition topic (keyed by auction) gets some; nexMarkerAfter is how
// long after the last event they are stamped: past any window's end and
// grace, yet before the latency phase's bids.
const (
	nexMarkers     = 32
	nexMarkerAfter = time.Minute
)

// windowTop is a window's result: the greatest value of the window (a
// count, a price) and the items reaching it, sorted.
type windowTop struct {
	max   int64
	items []string
}

// windowTops is a query's result, by window start.
type windowTops map[int64]windowTop

// windowFold is a hand-written query: it folds bids into its state and
// gives the result.
type windowFold interface {
	add(ts int64, b *nexBid)
	tops() windowTops
}

// nexBid is a decoded bid; extra may share the decoded record's bytes.
type nexBid struct {
	auction, bidder, price, dateTime int64
	extra                            string
}

func windowWorkload(q windowQuery) Workload {
	return Workload{
		Name: q.name,
		Description: fmt.Sprintf("Nexmark %s (%s) as ksqlDB statements on the engine over a 2-partition topic of the embedded log holding the generator's events: events/s per core (CPU time), beside Flink 2.0's %s; reference: a Go loop over the same decoded events, per core; result checked",
			strings.TrimPrefix(q.name, "nexmark-"), q.what, humanCount(q.flinkPerCore)),
		Run: func(ctx context.Context, env Env) (Result, error) { return runWindowQuery(ctx, env, q) },
	}
}

func runWindowQuery(ctx context.Context, env Env, q windowQuery) (Result, error) {
	total := env.records(5_000_000)
	w, err := openWindowBench(ctx, env.Dir)
	if err != nil {
		return Result{}, err
	}
	defer w.close()

	env.Progress.Phase("load", total)
	if err := w.load(ctx, total, env.Progress); err != nil {
		return Result{}, err
	}
	syncAll()
	var markers int64
	if q.final != nil {
		markers = nexMarkers * nexWinPartitions // appended by run
	}

	// The queries run once, so the reference is measured in two halves
	// around them, folding into the same state: the first half of every
	// partition before, the second after.
	env.Progress.Phase("throughput", total)
	fold := q.newFold()
	ref1, err := w.reference(ctx, fold, 0, 2, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	thr, err := w.run(ctx, q, total+markers, env.Duration, env.Progress)
	if err != nil {
		return Result{}, err
	}
	ref2, err := w.reference(ctx, fold, 1, 2, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	ref := addMeasurements(ref1, ref2)
	notes := []string{
		fmt.Sprintf("%d events (%d bids) appended before the queries start, not timed; the queries read them from the earliest offsets", total, w.bids),
		"per core: events divided by the CPU time (user + system, every thread) the process used, as Flink's Nexmark divides by the cores its task managers used; the reference likewise",
		fmt.Sprintf("Flink 2.0 published %s events/s per core for this query: ratio %.3f", humanCount(q.flinkPerCore), ratio(thr.PerSec(), q.flinkPerCore)),
		"reference measured in two halves, before and after the queries: the events read from the log, decoded with the source's JSON format and folded in Go maps on one goroutine",
	}
	if markers > 0 {
		notes = append(notes, fmt.Sprintf("%d end-of-input marker bids, as a bounded source's final watermark: %d per input partition, each of its own auction, stamped %s after the last event and appended once every stage has caught up with the events (as a bounded source's final watermark follows its last record: stream time is the largest record time a task has seen, so markers read before the other partition's last events would make those late), so that stream time closes every window of the events; counted in the events processed (%d), not in the reference, and their own windows never close",
			markers, nexMarkers, nexMarkerAfter, total+markers))
	}
	if thr.Events == total+markers && ref.Events == total {
		late := w.lateRecords()
		if late > 0 {
			return Result{}, fmt.Errorf("the query's result is incomplete: %d late records (after their window's grace period) were not counted", late)
		}
		want := fold.tops()
		got, err := w.result(ctx, q)
		if err != nil {
			return Result{}, err
		}
		if err := compareTops(want, got, q.topK); err != nil {
			return Result{}, fmt.Errorf("the query's result differs from the reference: %w", err)
		}
		notes = append(notes, fmt.Sprintf("checked: no late records; the result's last row of each of its %d windows equals the reference's (maximum and items reaching it; %s)", len(got), tiesNote(want, q.topK)))
	}

	rate, d := env.rate(), env.latencyDuration()
	if q.final != nil {
		// A window emits once stream time passes its end plus the grace:
		// the feed runs that much longer, so the windows ending in its
		// first d close while it runs.
		d += time.Duration(q.final.size+q.final.grace) * time.Millisecond
	}
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := w.latency(ctx, q, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	if q.final != nil {
		notes = append(notes, fmt.Sprintf("latency: bids of another seed fed at the rate over the partitions, stamped with their scheduled send time (their event time); each row of the result table a reader of its topic gets, from the time its window could first close (its end plus the %d ms grace, in the feed's wall-clock terms) until it arrives; the feed runs %s (the latency duration plus a window and the grace); the windows still open when it ends emit nothing and are not counted", q.final.grace, d))
	} else {
		notes = append(notes, fmt.Sprintf("latency: bids of another seed fed at the rate over the partitions, stamped with their scheduled send time (their event time), until a reader of the result topic has got every row the bid makes (%d: one per window it falls in)", q.outputsPerBid))
	}
	return Result{
		Throughput:     thr,
		Reference:      ref,
		Latency:        h,
		LatencyRate:    rate,
		LatencyElapsed: elapsed,
		Notes:          notes,
	}, nil
}

// windowBench is the engine of a windowed Nexmark workload and what it
// has loaded.
type windowBench struct {
	eng    *engine.Engine
	value  serde.Format // the source's value format, for the reference
	cols   nexColumns
	sample [][]byte // the first events loaded, for their mean size
	start  time.Time
	// eventRate spaces the events' times (events per second of event
	// time); zero is the generator's default.
	eventRate float64
	bids      int64
	ends      [nexWinPartitions]int64
	// markers are the end-of-input marker bids at the end of each
	// partition, which the reference leaves out.
	markers [nexWinPartitions]int64
	last    int64 // the last event's time
}

// nexColumns locates the columns of a decoded event that the queries
// read: the event type, and the bid struct's fields.
type nexColumns struct {
	eventType, bid                                  int
	auction, bidder, price, dateTime, extra, fields int
}

// openWindowBench opens an engine on the embedded log in dir and creates
// the events stream.
func openWindowBench(ctx context.Context, dir string) (*windowBench, error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "engine")})
	if err != nil {
		return nil, err
	}
	// Events of the generator's default date (2024) would make output
	// records that the log's time retention deletes while the benchmark
	// runs: the events start an hour ago.
	w := &windowBench{eng: eng, start: time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)}
	if err := w.init(ctx); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *windowBench) init(ctx context.Context) error {
	if _, err := w.eng.Execute(ctx, engine.NewSession(), nexWinEventsSQL); err != nil {
		return err
	}
	src, ok := w.eng.Metastore().Source("NEXMARK")
	if !ok {
		return errors.New("the input stream NEXMARK is missing after CREATE STREAM")
	}
	var err error
	if _, w.value, err = src.Formats(); err != nil {
		return err
	}
	c := nexColumns{eventType: -1, bid: -1}
	for i, col := range src.ValueColumns() {
		switch col.Name {
		case "EVENT_TYPE":
			c.eventType = i
		case "BID":
			c.bid = i
			t := col.Type
			c.fields = t.NumFields()
			for _, f := range []struct {
				name string
				at   *int
			}{{"AUCTION", &c.auction}, {"BIDDER", &c.bidder}, {"PRICE", &c.price}, {"DATETIME", &c.dateTime}, {"EXTRA", &c.extra}} {
				i, ok := t.FieldIndex(f.name)
				if !ok {
					return fmt.Errorf("the bid struct has no field %s", f.name)
				}
				*f.at = i
			}
		}
	}
	if c.eventType < 0 || c.bid < 0 {
		return errors.New("the stream NEXMARK lacks EVENT_TYPE or BID")
	}
	w.cols = c
	return nil
}

func (w *windowBench) close() error { return w.eng.Close() }

// readBid reads the bid of a decoded event; false for people, auctions and
// bids with a null field the queries read.
func (c nexColumns) readBid(row []types.Value, b *nexBid) bool {
	if t := row[c.eventType]; t.IsNull() || t.Int() != 2 {
		return false
	}
	s := row[c.bid]
	if s.IsNull() {
		return false
	}
	f := s.Fields()
	if len(f) != c.fields || f[c.auction].IsNull() || f[c.price].IsNull() {
		return false
	}
	b.auction, b.price = f[c.auction].BigInt(), f[c.price].BigInt()
	b.bidder, b.dateTime, b.extra = 0, 0, ""
	if v := f[c.bidder]; !v.IsNull() {
		b.bidder = v.BigInt()
	}
	if v := f[c.dateTime]; !v.IsNull() {
		b.dateTime = v.BigInt()
	}
	if v := f[c.extra]; !v.IsNull() {
		b.extra = v.Str()
	}
	return true
}

// isBid tells a bid from the JSON the generator writes.
func isBid(v []byte) bool { return bytes.HasPrefix(v, []byte(`{"event_type":2`)) }

// load appends n events of the generator (seed 1) to the input topic, in
// batches round robin over the partitions, each record stamped with its
// event's time.
func (w *windowBench) load(ctx context.Context, n int64, progress *Progress) error {
	g, err := gen.New("nexmark", gen.Config{Seed: 1, Start: w.start, EventsPerSecond: w.eventRate})
	if err != nil {
		return err
	}
	l := w.eng.Log()
	var ev gen.Event
	recs := make([]log.Record, 0, nexWinBatch)
	ends := make([]int, 0, nexWinBatch)
	times := make([]int64, 0, nexWinBatch)
	var buf []byte
	for part, loaded := int32(0), int64(0); loaded < n; part = (part + 1) % nexWinPartitions {
		recs, ends, times, buf = recs[:0], ends[:0], times[:0], buf[:0]
		for range min(nexWinBatch, n-loaded) {
			g.Next(&ev)
			buf = append(buf, ev.Value...)
			ends = append(ends, len(buf))
			times = append(times, ev.Time)
			w.last = max(w.last, ev.Time)
			if isBid(ev.Value) {
				w.bids++
			}
			if len(w.sample) < filterRing {
				w.sample = append(w.sample, bytes.Clone(ev.Value))
			}
		}
		from := 0
		for i, end := range ends {
			recs = append(recs, log.Record{Value: buf[from:end:end], Timestamp: times[i]})
			from = end
		}
		if _, err := l.Append(ctx, nexWinTopic, part, recs); err != nil {
			return fmt.Errorf("loading %s: %w", nexWinTopic, err)
		}
		w.ends[part] += int64(len(recs))
		loaded += int64(len(recs))
		progress.Add(int64(len(recs)))
	}
	return nil
}

// appendMarkers, once the queries have caught up with the events, ends
// each input partition with nexMarkers bids stamped
// nexMarkerAfter after the last event, each of its own auction, as a
// bounded source ends with a watermark that closes every window: the
// stream time of every aggregating task passes the close of every window
// of the events. It returns how many it appended.
func (w *windowBench) appendMarkers(ctx context.Context) (int64, error) {
	at := w.last + nexMarkerAfter.Milliseconds()
	var n int64
	for p := range nexWinPartitions {
		recs := make([]log.Record, 0, nexMarkers)
		for i := range nexMarkers {
			auction := int64(1_000_000_000 + p*nexMarkers + i)
			v := fmt.Sprintf(`{"event_type":2,"bid":{"auction":%d,"bidder":0,"price":1,"channel":"marker","url":"","dateTime":%d,"extra":""}}`, auction, at)
			recs = append(recs, log.Record{Value: []byte(v), Timestamp: at})
		}
		if _, err := w.eng.Log().Append(ctx, nexWinTopic, int32(p), recs); err != nil {
			return 0, fmt.Errorf("appending the end-of-input markers: %w", err)
		}
		w.ends[p] += int64(len(recs))
		w.markers[p] += int64(len(recs))
		n += int64(len(recs))
	}
	return n, nil
}

// lateRecords sums the late records of the persistent queries: records
// that came after their window's grace period and were not counted.
func (w *windowBench) lateRecords() int64 {
	var n int64
	for _, q := range w.eng.Queries() {
		n += q.Stats.LateRecords
	}
	return n
}

// cpuClock measures the wall and CPU time of a phase.
type cpuClock struct {
	wall time.Time
	cpu  time.Duration
}

func startCPUClock() (cpuClock, error) {
	cpu, err := processCPU()
	return cpuClock{wall: time.Now(), cpu: cpu}, err
}

// stop returns the wall time and the CPU time since start.
func (c cpuClock) stop() (wall, cpu time.Duration, err error) {
	now, err := processCPU()
	return time.Since(c.wall), now - c.cpu, err
}

// run creates the query's statements, reading from the earliest offsets,
// and waits until every stage of every statement has committed the ends
// of its inputs (or maxTime, when positive, passes). The measurement is
// per core: its Elapsed is the CPU time the process used meanwhile.
func (w *windowBench) run(ctx context.Context, q windowQuery, total int64, maxTime time.Duration, progress *Progress) (Measurement, error) {
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	clk, err := startCPUClock()
	if err != nil {
		return Measurement{}, err
	}
	for _, s := range q.statements {
		if _, err := w.eng.Execute(ctx, sess, s); err != nil {
			return Measurement{}, err
		}
	}
	stages, err := w.stages(q)
	if err != nil {
		return Measurement{}, err
	}
	b := newBudget(total, maxTime)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var done, moved int64
	lastMove := time.Now()
	marked := false
	for {
		select {
		case <-ctx.Done():
			return Measurement{}, ctx.Err()
		case <-tick.C:
		}
		c, err := w.caughtUp(ctx, stages)
		if err != nil {
			return Measurement{}, err
		}
		if c.first > done {
			progress.Add(c.first - done)
			done = c.first
		}
		if c.all && q.final != nil && !marked {
			// The end of the input: see appendMarkers.
			if _, err := w.appendMarkers(ctx); err != nil {
				return Measurement{}, err
			}
			marked = true
			continue
		}
		if c.all || !b.timeLeft() {
			break
		}
		if c.committed > moved {
			moved, lastMove = c.committed, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return Measurement{}, fmt.Errorf("%s stalled at %d of %d events (%s)", q.name, done, total, w.queryStates())
		}
	}
	wall, cpu, err := clk.stop()
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{
		Name: "query per core", Events: done, Bytes: meanBytes(w.sample, done), Elapsed: cpu,
		Detail: fmt.Sprintf("statements: %d; %d events in %.2f s wall (%s ev/s) using %.2f s of CPU (%.2f cores busy)",
			len(q.statements), done, wall.Seconds(), humanCount(float64(done)/wall.Seconds()), cpu.Seconds(), cpu.Seconds()/wall.Seconds()),
	}, nil
}

// stage is one statement's query and the topics it reads: its source's
// and its repartition topic.
type stage struct {
	id     string
	topics []string
}

func (w *windowBench) stages(q windowQuery) ([]stage, error) {
	var out []stage
	for _, sink := range q.sinks {
		var found bool
		for _, qi := range w.eng.Queries() {
			if !strings.EqualFold(qi.Sink, sink) {
				continue
			}
			src, ok := w.eng.Metastore().Source(qi.Sources[0])
			if !ok {
				return nil, fmt.Errorf("the source %s of %s is missing", qi.Sources[0], qi.ID)
			}
			st := stage{id: qi.ID, topics: []string{src.Topic}}
			for _, t := range qi.InternalTopics {
				if strings.HasSuffix(t, "-repartition") {
					st.topics = append(st.topics, t)
				}
			}
			out = append(out, st)
			found = true
		}
		if !found {
			return nil, fmt.Errorf("no query writes %s", sink)
		}
	}
	return out, nil
}

// progressOf is how far a query's stages have come.
type progressOf struct {
	first     int64 // input events the first stage has committed
	committed int64 // positions committed over every stage's inputs
	all       bool  // every stage has committed the ends of its inputs
}

// caughtUp looks at the stages in order: a stage commits after appending
// its output, so once a stage has caught up, the ends of the next one's
// inputs are final.
func (w *windowBench) caughtUp(ctx context.Context, stages []stage) (progressOf, error) {
	p := progressOf{all: true}
	for i, st := range stages {
		for j, t := range st.topics {
			c, err := groupCommitted(ctx, w.eng, st.id, t)
			if err != nil {
				return p, err
			}
			p.committed += c
			if i == 0 && j == 0 {
				p.first = c
			}
			if !p.all {
				continue
			}
			end, err := topicEnd(ctx, w.eng.Log(), t)
			if err != nil {
				return p, err
			}
			if c < end {
				p.all = false
			}
		}
	}
	return p, nil
}

// topicEnd sums a topic's end offsets over its partitions.
func topicEnd(ctx context.Context, l log.Log, topic string) (int64, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range info.Partitions {
		n += p.EndOffset
	}
	return n, nil
}

func (w *windowBench) queryStates() string {
	var s []string
	for _, q := range w.eng.Queries() {
		s = append(s, q.ID+" "+q.State)
	}
	return strings.Join(s, ", ")
}

// reference reads part half of halves of every input partition from the
// log, decodes each event with the source's value format and folds its
// bid into fold, on the calling goroutine: the hand-written query. Its
// Elapsed is the CPU time the process used meanwhile, as the query's.
func (w *windowBench) reference(ctx context.Context, fold windowFold, half, halves int, maxTime time.Duration) (Measurement, error) {
	b := newBudget(1<<62, maxTime)
	clk, err := startCPUClock()
	if err != nil {
		return Measurement{}, err
	}
	var events, size int64
	var row []types.Value
	var bid nexBid
	for p := range nexWinPartitions {
		n := w.ends[p] - w.markers[p]
		from, to := n*int64(half)/int64(halves), n*int64(half+1)/int64(halves)
		rd, err := w.eng.Log().OpenReader(ctx, nexWinTopic, int32(p), from)
		if err != nil {
			return Measurement{}, err
		}
		for rd.Position() < to && b.timeLeft() {
			recs, err := rd.Next(ctx)
			if err != nil {
				rd.Close()
				return Measurement{}, err
			}
			for i := range recs {
				if recs[i].Offset >= to {
					break
				}
				if row, err = w.value.Decode(row[:0], recs[i].Value); err != nil {
					rd.Close()
					return Measurement{}, fmt.Errorf("reference: %w", err)
				}
				if w.cols.readBid(row, &bid) {
					fold.add(recs[i].Timestamp, &bid)
				}
				events++
				size += int64(len(recs[i].Value))
			}
		}
		rd.Close()
	}
	_, cpu, err := clk.stop()
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{
		Name: "go-loop per core", Events: events, Bytes: size, Elapsed: cpu,
		Detail: fmt.Sprintf("the same events read from the log, decoded with the source's %s format, bids folded into Go maps on one goroutine; per CPU second; no output", w.value.Name()),
	}, nil
}

// result reads the result topic and returns each window's last row: the
// query's final table.
func (w *windowBench) result(ctx context.Context, q windowQuery) (windowTops, error) {
	name := q.sinks[len(q.sinks)-1]
	sink, ok := w.eng.Metastore().Source(name)
	if !ok {
		return nil, fmt.Errorf("the result %s is missing", name)
	}
	keyFormat, valueFormat, err := sink.Formats()
	if err != nil {
		return nil, err
	}
	vidx := map[string]int{}
	for i, c := range sink.ValueColumns() {
		vidx[c.Name] = i
	}
	last, err := lastValues(ctx, w.eng.Log(), sink.Topic)
	if err != nil {
		return nil, err
	}
	out := windowTops{}
	var kv, vv []types.Value
	for key, value := range last {
		if kv, err = keyFormat.Decode(kv[:0], []byte(key)); err != nil {
			return nil, fmt.Errorf("result key: %w", err)
		}
		if vv, err = valueFormat.Decode(vv[:0], value); err != nil {
			return nil, fmt.Errorf("result value: %w", err)
		}
		start, top, err := q.topOf(kv, vv, vidx)
		if err != nil {
			return nil, err
		}
		if _, dup := out[start]; dup {
			return nil, fmt.Errorf("two result rows for the window at %d", start)
		}
		out[start] = top
	}
	return out, nil
}

// lastValues reads a topic and returns each key's last value, keys whose
// last record is a tombstone left out.
func lastValues(ctx context.Context, l log.Log, topic string) (map[string][]byte, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, err
	}
	last := map[string][]byte{}
	for _, p := range info.Partitions {
		if p.EndOffset <= p.StartOffset {
			continue
		}
		rd, err := l.OpenReader(ctx, topic, p.Partition, p.StartOffset)
		if err != nil {
			return nil, err
		}
		for rd.Position() < p.EndOffset {
			recs, err := rd.Next(ctx)
			if err != nil {
				rd.Close()
				return nil, err
			}
			for _, rec := range recs {
				if rec.Value == nil {
					delete(last, string(rec.Key))
					continue
				}
				last[string(rec.Key)] = bytes.Clone(rec.Value)
			}
		}
		rd.Close()
	}
	return last, nil
}

// topItems reads a TOPK result (an array of STRUCT<sort_col, col0, ...>)
// and returns the items whose sort_col is max, each its other fields
// joined by item.
func topItems(top types.Value, max int64, item func(fields []types.Value) string) ([]string, error) {
	if top.IsNull() {
		return nil, errors.New("the TOPK result is null")
	}
	var out []string
	for _, e := range top.Elems() {
		f := e.Fields()
		if len(f) < 2 {
			return nil, fmt.Errorf("a TOPK element %s has no other column", e)
		}
		if f[0].BigInt() == max {
			out = append(out, item(f[1:]))
		}
	}
	slices.Sort(out)
	return out, nil
}

// compareTops reports the first differences between two results. Where
// more items tie at a window's maximum than TOPK keeps, the engine's
// items must be k of them.
func compareTops(want, got windowTops, k int) error {
	var diffs []string
	note := func(format string, args ...any) {
		if len(diffs) < 5 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	bad := 0
	for start, w := range want {
		g, ok := got[start]
		switch {
		case !ok:
			bad++
			note("window %d missing", start)
		case g.max != w.max:
			bad++
			note("window %d: maximum %d, want %d", start, g.max, w.max)
		case len(w.items) <= k && !slices.Equal(g.items, w.items):
			bad++
			note("window %d: items %v, want %v", start, g.items, w.items)
		case len(w.items) > k && (len(g.items) != k || !subset(g.items, w.items)):
			bad++
			note("window %d: items %v, want %d of %v", start, g.items, k, w.items)
		}
	}
	for start := range got {
		if _, ok := want[start]; !ok {
			bad++
			note("window %d not in the reference", start)
		}
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d windows differ: %s", bad, len(want), strings.Join(diffs, "; "))
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

// tiesNote says how many windows had several items at their maximum.
func tiesNote(t windowTops, k int) string {
	ties, over := 0, 0
	for _, w := range t {
		if len(w.items) > 1 {
			ties++
		}
		if len(w.items) > k {
			over++
		}
	}
	return fmt.Sprintf("%d windows with ties at the maximum, %d with more than the %d TOPK keeps", ties, over, k)
}

// latency feeds bids of another seed at rate events per second, spread
// over the input partitions, for d, while the queries run; each record
// is stamped with its scheduled send time, which the result rows it
// updates carry. A bid's latency runs from then until a reader of the
// result topic has got every row it makes.
func (w *windowBench) latency(ctx context.Context, q windowQuery, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	g, err := gen.New("nexmark", gen.Config{Seed: 2, Start: time.Now()})
	if err != nil {
		return nil, 0, err
	}
	feed := make([][]byte, 0, filterRing)
	var ev gen.Event
	for len(feed) < filterRing {
		if g.Next(&ev); isBid(ev.Value) {
			feed = append(feed, bytes.Clone(ev.Value))
		}
	}
	perPart, each := pacedShare(rate, nexWinPartitions, d)
	sink, ok := w.eng.Metastore().Source(q.sinks[len(q.sinks)-1])
	if !ok {
		return nil, 0, errors.New("the result is missing")
	}
	if q.final != nil {
		return w.closeLatency(ctx, q, feed, perPart, each, progress)
	}
	out, err := followRows(ctx, w.eng.Log(), sink.Topic, q.outputsPerBid, each*nexWinPartitions)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	start := time.Now()
	err = feedPaced(ctx, w.eng.Log(), nexWinTopic, nexWinPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		recs := make([]log.Record, 0, filterBatch)
		next := feedStart(p)
		return func(first, n int64, at func(int64) int64) []log.Record {
			recs = recs[:0]
			for i := range n {
				ms := at(first + i)
				recs = append(recs, log.Record{Value: feed[next%len(feed)], Timestamp: ms})
				next++
				out.expect(ms, 1)
			}
			return recs
		}
	})
	if err != nil {
		return nil, 0, err
	}
	h, err := out.wait(ctx, filterStall)
	return h, time.Since(start), err
}

// closeLatency is the latency phase of a query whose windows emit once
// closed: it feeds the bids as latency does, waits until every stage has
// committed the ends of its inputs, then until a reader of the result
// topic has read it to its end, and measures each result row from the
// time its window could first close (see closeFollower).
func (w *windowBench) closeLatency(ctx context.Context, q windowQuery, feed [][]byte, perPart int, each int64, progress *Progress) (*Histogram, time.Duration, error) {
	sink, ok := w.eng.Metastore().Source(q.sinks[len(q.sinks)-1])
	if !ok {
		return nil, 0, errors.New("the result is missing")
	}
	keyFormat, _, err := sink.Formats()
	if err != nil {
		return nil, 0, err
	}
	stages, err := w.stages(q)
	if err != nil {
		return nil, 0, err
	}
	var kv []types.Value
	closeOf := func(key []byte) (int64, error) {
		if kv, err = keyFormat.Decode(kv[:0], key); err != nil {
			return 0, fmt.Errorf("result key: %w", err)
		}
		if len(kv) < 1 || kv[0].IsNull() {
			return 0, fmt.Errorf("result key %v: want the window start", kv)
		}
		return kv[0].BigInt() + q.final.size + q.final.grace, nil
	}
	start := time.Now()
	// Windows closing before the phase hold none of its bids.
	out, err := followCloses(ctx, w.eng.Log(), sink.Topic, start.UnixMilli(), closeOf)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	err = feedPaced(ctx, w.eng.Log(), nexWinTopic, nexWinPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		recs := make([]log.Record, 0, filterBatch)
		next := feedStart(p)
		return func(first, n int64, at func(int64) int64) []log.Record {
			recs = recs[:0]
			for i := range n {
				recs = append(recs, log.Record{Value: feed[next%len(feed)], Timestamp: at(first + i)})
				next++
			}
			return recs
		}
	})
	if err != nil {
		return nil, 0, err
	}
	// Every stage caught up with the feed: the result topic's end is final.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var moved int64
	lastMove := time.Now()
	for {
		c, err := w.caughtUp(ctx, stages)
		if err != nil {
			return nil, 0, err
		}
		if c.all {
			break
		}
		if c.committed > moved {
			moved, lastMove = c.committed, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return nil, 0, fmt.Errorf("latency phase: %s stalled (%s)", q.name, w.queryStates())
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-tick.C:
		}
	}
	info, err := w.eng.Log().DescribeTopic(ctx, sink.Topic)
	if err != nil {
		return nil, 0, err
	}
	ends := make([]int64, len(info.Partitions))
	for i, p := range info.Partitions {
		ends[i] = p.EndOffset
	}
	h, err := out.drain(ctx, ends, filterStall)
	return h, time.Since(start), err
}
