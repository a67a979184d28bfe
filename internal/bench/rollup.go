package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

const (
	rollupPartitions = 4
	rollupInTopic    = "s2_events"
	rollupOutTopic   = "s2_hourly"
	rollupSink       = "S2_HOURLY"
	rollupWorkers    = 2 // goroutines of the reference: the cores of the target machine
	rollupHourMs     = 3_600_000
	rollupPriceScale = 4 // price is DECIMAL(10, 4): revenue is summed in its units
)

// rollupTypes are the S2 event types, each counted in its own column.
var rollupTypes = []struct{ event, column string }{
	{"impression", "IMPRESSIONS"}, {"start", "STARTS"}, {"firstQuartile", "FIRST_QUARTILES"},
	{"midpoint", "MIDPOINTS"}, {"thirdQuartile", "THIRD_QUARTILES"}, {"complete", "COMPLETES"},
	{"pause", "PAUSES"}, {"click", "CLICKS"}, {"custom", "CUSTOMS"},
}

// The rollup workload's statements: S2 tracking events, windowed by
// their event time (the TIMESTAMP property), counted per hour, ad and
// website, with one count per event type and the revenue.
const rollupCreateSQL = `CREATE STREAM s2_events (event_id STRING, type STRING, ad_id BIGINT, website_id INT,
  user_id STRING, session_id STRING, event_time BIGINT, ip STRING, ua STRING, url STRING, price DECIMAL(10, 4))
  WITH (KAFKA_TOPIC='` + rollupInTopic + `', VALUE_FORMAT='JSON', PARTITIONS=4, TIMESTAMP='event_time');`

// rollupQuerySQL is the hourly rollup, one pivoted count per event type.
func rollupQuerySQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE s2_hourly WITH (KAFKA_TOPIC='" + rollupOutTopic + "', KEY_FORMAT='JSON', VALUE_FORMAT='JSON') AS\n")
	b.WriteString("  SELECT ad_id, website_id, COUNT(*) AS events,\n")
	for _, t := range rollupTypes {
		fmt.Fprintf(&b, "    SUM(CASE WHEN type = '%s' THEN 1 ELSE 0 END) AS %s,\n", t.event, strings.ToLower(t.column))
	}
	b.WriteString("    SUM(price) AS revenue\n")
	b.WriteString("  FROM s2_events WINDOW TUMBLING (SIZE 1 HOUR)\n")
	b.WriteString("  GROUP BY ad_id, website_id EMIT CHANGES;")
	return b.String()
}

func rollupWorkload() Workload {
	return Workload{
		Name:        "rollup",
		Description: "CTAS over S2 events in a 4-partition topic of the embedded log: hourly tumbling window by ad_id, website_id, counts pivoted by type, SUM(price); reference: the same events read, decoded and aggregated in Go maps on 2 goroutines",
		Run:         runRollup,
	}
}

func runRollup(ctx context.Context, env Env) (Result, error) {
	total := env.records(2_000_000)
	r, err := openRollupBench(ctx, env.Dir)
	if err != nil {
		return Result{}, err
	}
	defer r.close()

	env.Progress.Phase("load", total)
	if err := r.load(ctx, total, env.Progress); err != nil {
		return Result{}, err
	}
	syncAll()

	// The query runs once, so the reference is measured in two halves
	// around it: the first half of every partition before, the second
	// after. Together they cover every event, for the check of the table.
	env.Progress.Phase("throughput", total)
	ref1, want1, err := r.reference(ctx, 0, 2, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	thr, err := r.run(ctx, total, env.Duration, env.Progress)
	if err != nil {
		return Result{}, err
	}
	ref2, want2, err := r.reference(ctx, 1, 2, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	ref := addMeasurements(ref1, ref2)
	notes := []string{
		fmt.Sprintf("%d events appended before the query starts, not timed; the query reads them from the earliest offsets", total),
		"throughput: from CREATE TABLE ... AS SELECT to every partition's committed position at its end, in the input topic and in the query's repartition topic (each stage commits after its output is appended)",
		"reference measured in two halves, before and after the query: the first and then the second half of every partition, read from the log, decoded with the source's format, aggregated into a map per goroutine, the maps merged",
	}
	groups := int64(-1)
	if thr.Events == total && ref.Events == total {
		mergeRollups(want1, want2)
		got, err := r.table(ctx)
		if err != nil {
			return Result{}, err
		}
		if err := compareRollups(want1, got); err != nil {
			return Result{}, fmt.Errorf("the query's table differs from the reference: %w", err)
		}
		groups = int64(len(got))
		notes = append(notes, fmt.Sprintf("checked: the table's last row of each of its %s groups equals the reference's", groupDigits(groups)))
	}
	thr.Detail = fmt.Sprintf("%d partitions, 2 stages through a repartition topic; every event updates its group's row", rollupPartitions)
	if groups >= 0 {
		thr.Detail += fmt.Sprintf(" (%s groups)", groupDigits(groups))
	}

	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := r.latency(ctx, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	notes = append(notes, "latency: events of another seed with event_time set to their scheduled send time, which the output row's record keeps; until a reader of the output topic gets the updated group row")
	return Result{
		Throughput:     thr,
		Reference:      ref,
		Latency:        h,
		LatencyRate:    rate,
		LatencyElapsed: elapsed,
		Notes:          notes,
	}, nil
}

// rollupBench is the rollup workload's engine and what it has loaded.
type rollupBench struct {
	eng    *engine.Engine
	value  serde.Format // the source's value format, for the reference
	cols   rollupColumns
	sample [][]byte // the first events loaded, for their mean size
	// start is the event time of the first event loaded: the start of the
	// hour before the current one. Events of 2024 (the generator's
	// default) would make output records that the log's time retention
	// deletes while the benchmark runs.
	start  time.Time
	loaded int64
	// ends are the input partitions' end offsets after the load.
	ends [rollupPartitions]int64
}

// rollupColumns are the indexes of the source's value columns that the
// rollup reads.
type rollupColumns struct{ typ, ad, site, time, price int }

// openRollupBench opens an engine on the embedded log in dir and creates
// the input stream.
func openRollupBench(ctx context.Context, dir string) (*rollupBench, error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "engine")})
	if err != nil {
		return nil, err
	}
	r := &rollupBench{eng: eng, start: time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)}
	if _, err := eng.Execute(ctx, engine.NewSession(), rollupCreateSQL); err != nil {
		r.close()
		return nil, err
	}
	src, ok := eng.Metastore().Source("S2_EVENTS")
	if !ok {
		r.close()
		return nil, errors.New("the input stream S2_EVENTS is missing after CREATE STREAM")
	}
	if _, r.value, err = src.Formats(); err != nil {
		r.close()
		return nil, err
	}
	idx := map[string]int{}
	for i, c := range src.ValueColumns() {
		idx[c.Name] = i
	}
	r.cols = rollupColumns{typ: idx["TYPE"], ad: idx["AD_ID"], site: idx["WEBSITE_ID"], time: idx["EVENT_TIME"], price: idx["PRICE"]}
	return r, nil
}

func (r *rollupBench) close() error { return r.eng.Close() }

// load appends n S2 events to the input topic, batches spread over the
// partitions in turn.
func (r *rollupBench) load(ctx context.Context, n int64, progress *Progress) error {
	return loadS2(ctx, r.eng.Log(), rollupInTopic, rollupPartitions, n, r.start, progress, func(part int32, v []byte) {
		r.loaded++
		r.ends[part]++
		if len(r.sample) < filterRing {
			r.sample = append(r.sample, bytes.Clone(v))
		}
	})
}

// run creates the query, reading from the earliest offsets, and waits
// until both stages' committed positions reach the ends of their inputs
// (or maxTime, when positive, passes). Each stage commits after its
// output is appended, so the second stage's committed positions count
// events whose group row has been written.
func (r *rollupBench) run(ctx context.Context, total int64, maxTime time.Duration, progress *Progress) (Measurement, error) {
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	start := time.Now()
	if _, err := r.eng.Execute(ctx, sess, rollupQuerySQL()); err != nil {
		return Measurement{}, err
	}
	q, err := r.query()
	if err != nil {
		return Measurement{}, err
	}
	topics := []string{rollupInTopic}
	for _, t := range q.InternalTopics {
		if strings.HasSuffix(t, "-repartition") {
			topics = append(topics, t)
		}
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
		// An event is done once every stage has committed past it.
		n := total
		for _, t := range topics {
			c, err := groupCommitted(ctx, r.eng, q.ID, t)
			if err != nil {
				return Measurement{}, err
			}
			n = min(n, c)
		}
		if n > done {
			progress.Add(n - done)
			done, lastMove = n, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return Measurement{}, fmt.Errorf("query %s stalled at %d of %d events (state %s)", q.ID, done, total, r.queryState(q.ID))
		}
	}
	elapsed := time.Since(start)
	return Measurement{Name: "rollup", Events: done, Bytes: r.inputBytes(done), Elapsed: elapsed}, nil
}

func (r *rollupBench) query() (engine.QueryInfo, error) {
	for _, q := range r.eng.Queries() {
		if strings.EqualFold(q.Sink, rollupSink) {
			return q, nil
		}
	}
	return engine.QueryInfo{}, errors.New("the query writing S2_HOURLY is not running")
}

func (r *rollupBench) queryState(id string) string {
	for _, q := range r.eng.Queries() {
		if q.ID == id {
			return q.State
		}
	}
	return "missing"
}

// groupCommitted sums a consumer group's committed positions over a
// topic's partitions.
func groupCommitted(ctx context.Context, eng *engine.Engine, group, topic string) (int64, error) {
	offs, err := eng.Log().CommittedOffsets(ctx, group, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, o := range offs {
		n += o
	}
	return n, nil
}

// inputBytes estimates the bytes of the first n events.
func (r *rollupBench) inputBytes(n int64) int64 { return meanBytes(r.sample, n) }

// rollupKey is a group of the rollup: an event hour (its start, in ms),
// an ad and a website.
type rollupKey struct {
	hour int64
	ad   int64
	site int32
}

// rollupSums is a group's aggregates.
type rollupSums struct {
	events  int64
	byType  [9]int64 // in the order of rollupTypes
	revenue int64    // in units of 10^-rollupPriceScale
}

type rollupTable map[rollupKey]*rollupSums

// mergeRollups adds the groups of src into dst.
func mergeRollups(dst, src rollupTable) {
	for k, s := range src {
		d, ok := dst[k]
		if !ok {
			dst[k] = s
			continue
		}
		d.events += s.events
		for i := range d.byType {
			d.byType[i] += s.byType[i]
		}
		d.revenue += s.revenue
	}
}

// rollupTypeIndex is the index in rollupTypes of an event type, -1 if none.
func rollupTypeIndex(t string) int {
	switch t {
	case "impression":
		return 0
	case "start":
		return 1
	case "firstQuartile":
		return 2
	case "midpoint":
		return 3
	case "thirdQuartile":
		return 4
	case "complete":
		return 5
	case "pause":
		return 6
	case "click":
		return 7
	case "custom":
		return 8
	}
	return -1
}

// add folds one decoded event into m. Events whose ad or website is null
// are left out, as the query drops rows whose group key is null.
func (c rollupColumns) add(m rollupTable, row []types.Value) error {
	ad, site, at := row[c.ad], row[c.site], row[c.time]
	if ad.IsNull() || site.IsNull() || at.IsNull() {
		return nil
	}
	t := at.BigInt()
	k := rollupKey{hour: t - t%rollupHourMs, ad: ad.BigInt(), site: site.Int()}
	s := m[k]
	if s == nil {
		s = &rollupSums{}
		m[k] = s
	}
	s.events++
	if typ := row[c.typ]; !typ.IsNull() {
		if i := rollupTypeIndex(typ.Str()); i >= 0 {
			s.byType[i]++
		}
	}
	if p := row[c.price]; !p.IsNull() {
		u, err := priceUnits(p.Dec())
		if err != nil {
			return err
		}
		s.revenue += u
	}
	return nil
}

// priceUnits is d in units of 10^-rollupPriceScale.
func priceUnits(d types.Decimal) (int64, error) {
	u, ok := d.UnscaledInt64()
	if !ok || d.Scale() > rollupPriceScale {
		return 0, fmt.Errorf("price %s does not fit DECIMAL(10, %d)", d, rollupPriceScale)
	}
	for s := d.Scale(); s < rollupPriceScale; s++ {
		u *= 10
	}
	return u, nil
}

// reference reads part half of halves of every input partition from the
// log, decodes each event with the source's value format and aggregates
// it into a map: a hand-written rollup, each of rollupWorkers goroutines
// taking its share of the partitions into its own map, the maps merged
// at the end. maxTime, when positive, ends the reading early.
func (r *rollupBench) reference(ctx context.Context, half, halves int, maxTime time.Duration) (Measurement, rollupTable, error) {
	var events, size atomic.Int64
	b := newBudget(1<<62, maxTime)
	maps := make([]rollupTable, rollupWorkers)
	errs := make([]error, rollupWorkers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range rollupWorkers {
		maps[w] = rollupTable{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var row []types.Value
			for p := w; p < rollupPartitions; p += rollupWorkers {
				n := r.ends[p]
				from, to := n*int64(half)/int64(halves), n*int64(half+1)/int64(halves)
				rd, err := r.eng.Log().OpenReader(ctx, rollupInTopic, int32(p), from)
				if err != nil {
					errs[w] = err
					return
				}
				for rd.Position() < to && b.timeLeft() {
					recs, err := rd.Next(ctx)
					if err != nil {
						rd.Close()
						errs[w] = err
						return
					}
					var n, nb int64
					for i := range recs {
						if recs[i].Offset >= to {
							break
						}
						if row, err = r.value.Decode(row[:0], recs[i].Value); err != nil {
							rd.Close()
							errs[w] = fmt.Errorf("reference: %w", err)
							return
						}
						if err := r.cols.add(maps[w], row); err != nil {
							rd.Close()
							errs[w] = fmt.Errorf("reference: %w", err)
							return
						}
						n++
						nb += int64(len(recs[i].Value))
					}
					events.Add(n)
					size.Add(nb)
				}
				rd.Close()
			}
		}()
	}
	wg.Wait()
	for _, m := range maps[1:] {
		mergeRollups(maps[0], m)
	}
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return Measurement{}, nil, err
		}
	}
	return Measurement{
		Name: "go-map rollup", Events: events.Load(), Bytes: size.Load(), Elapsed: elapsed,
		Detail: fmt.Sprintf("the same events read from the log, decoded with the source's %s format and aggregated into a Go map per goroutine, %d goroutines, maps merged; no output", r.value.Name(), rollupWorkers),
	}, maps[0], nil
}

// table reads the output topic and returns each group's last row: the
// query's final table.
func (r *rollupBench) table(ctx context.Context) (rollupTable, error) {
	sink, ok := r.eng.Metastore().Source(rollupSink)
	if !ok {
		return nil, errors.New("the table S2_HOURLY is missing")
	}
	keyFormat, valueFormat, err := sink.Formats()
	if err != nil {
		return nil, err
	}
	vidx := map[string]int{}
	for i, c := range sink.ValueColumns() {
		vidx[c.Name] = i
	}
	for _, name := range append([]string{"EVENTS", "REVENUE"}, rollupColumnNames()...) {
		if _, ok := vidx[name]; !ok {
			return nil, fmt.Errorf("the table S2_HOURLY has no column %s", name)
		}
	}
	info, err := r.eng.Log().DescribeTopic(ctx, rollupOutTopic)
	if err != nil {
		return nil, err
	}
	last := map[string][]byte{}
	for _, p := range info.Partitions {
		if p.EndOffset <= p.StartOffset {
			continue
		}
		rd, err := r.eng.Log().OpenReader(ctx, rollupOutTopic, p.Partition, p.StartOffset)
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
	out := rollupTable{}
	var kv, vv []types.Value
	for key, value := range last {
		if kv, err = keyFormat.Decode(kv[:0], []byte(key)); err != nil {
			return nil, fmt.Errorf("output key: %w", err)
		}
		if len(kv) != 4 {
			return nil, fmt.Errorf("output key %q decodes to %d values, want ad_id, website_id and the window", key, len(kv))
		}
		if vv, err = valueFormat.Decode(vv[:0], value); err != nil {
			return nil, fmt.Errorf("output value: %w", err)
		}
		k := rollupKey{hour: kv[2].BigInt(), ad: kv[0].BigInt(), site: kv[1].Int()}
		s := &rollupSums{}
		if s.events, err = wholeNumber(vv[vidx["EVENTS"]]); err != nil {
			return nil, err
		}
		for i, name := range rollupColumnNames() {
			if s.byType[i], err = wholeNumber(vv[vidx[name]]); err != nil {
				return nil, err
			}
		}
		if rev := vv[vidx["REVENUE"]]; !rev.IsNull() {
			if s.revenue, err = priceUnits(rev.Dec()); err != nil {
				return nil, err
			}
		}
		out[k] = s
	}
	return out, nil
}

func rollupColumnNames() []string {
	out := make([]string, len(rollupTypes))
	for i, t := range rollupTypes {
		out[i] = t.column
	}
	return out
}

// wholeNumber reads a COUNT or a SUM of integers, whatever its integer
// type.
func wholeNumber(v types.Value) (int64, error) {
	switch v.Kind() {
	case types.KindNull:
		return 0, nil
	case types.KindInt:
		return int64(v.Int()), nil
	case types.KindBigInt:
		return v.BigInt(), nil
	}
	return 0, fmt.Errorf("aggregate %s is not a whole number", v)
}

// compareRollups reports the first differences between two rollups.
func compareRollups(want, got rollupTable) error {
	var diffs []string
	note := func(format string, args ...any) {
		if len(diffs) < 5 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	missing, extra, differ := 0, 0, 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			missing++
			note("group %+v missing", k)
		case *g != *w:
			differ++
			note("group %+v = %+v, want %+v", k, *g, *w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra++
			note("group %+v not in the reference", k)
		}
	}
	if missing+extra+differ == 0 {
		return nil
	}
	return fmt.Errorf("%d groups missing, %d extra, %d different of %d: %s", missing, extra, differ, len(want), strings.Join(diffs, "; "))
}

// rollupEvent is an event of the latency phase cut around its event time,
// which is set to the event's scheduled send time when it is sent.
type rollupEvent struct{ head, tail []byte }

var rollupTimeField = []byte(`"event_time":`)

// rollupFeed is the events of the latency phase, cut around event_time.
func rollupFeed() ([]rollupEvent, error) {
	mix, err := latencyFeed()
	if err != nil {
		return nil, err
	}
	out := make([]rollupEvent, len(mix))
	for i, v := range mix {
		at := bytes.Index(v, rollupTimeField)
		if at < 0 {
			return nil, fmt.Errorf("an S2 event without event_time: %s", v)
		}
		head := at + len(rollupTimeField)
		tail := head
		for tail < len(v) && (v[tail] >= '0' && v[tail] <= '9' || v[tail] == '-') {
			tail++
		}
		out[i] = rollupEvent{head: v[:head], tail: v[tail:]}
	}
	return out, nil
}

// latency appends events at rate events per second, spread over the input
// partitions, for d, while the running query processes them. Each event's
// event_time, and so the time of the group row it updates, is its
// scheduled send time: the latency of each is from then to the moment a
// reader of the output topic gets the updated row.
func (r *rollupBench) latency(ctx context.Context, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	feed, err := rollupFeed()
	if err != nil {
		return nil, 0, err
	}
	perPart, each := pacedShare(rate, rollupPartitions, d)
	want := each * rollupPartitions

	out, err := followOutput(ctx, r.eng.Log(), rollupOutTopic, want)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	start := time.Now()
	err = feedPaced(ctx, r.eng.Log(), rollupInTopic, rollupPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		recs := make([]log.Record, 0, filterBatch)
		ends := make([]int, 0, filterBatch)
		var buf []byte
		next := feedStart(p)
		return func(first, n int64, at func(int64) int64) []log.Record {
			recs, ends, buf = recs[:0], ends[:0], buf[:0]
			for i := range n {
				ev := feed[next%len(feed)]
				next++
				buf = append(buf, ev.head...)
				buf = strconv.AppendInt(buf, at(first+i), 10)
				buf = append(buf, ev.tail...)
				ends = append(ends, len(buf))
			}
			from := 0
			for i, end := range ends {
				recs = append(recs, log.Record{Value: buf[from:end:end], Timestamp: at(first + int64(i))})
				from = end
			}
			return recs
		}
	})
	if err != nil {
		return nil, 0, err
	}
	h, err := out.wait(ctx, filterStall, "updated rows")
	return h, time.Since(start), err
}
