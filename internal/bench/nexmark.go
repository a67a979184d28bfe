package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

const (
	nexmarkRing  = 65_536 // distinct bids, reused in turn
	nexmarkBatch = 1000   // records a reader hands out per Next, as a log reader does
	// nexmarkBidSQL declares the bid stream over the bid objects of the
	// Nexmark generator, whose field names the JSON format matches without
	// regard to case.
	nexmarkBidSQL = `CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING) WITH (KAFKA_TOPIC='bid', VALUE_FORMAT='JSON', PARTITIONS=1);`
)

// nexmarkQuery is one Nexmark query over the bid stream.
type nexmarkQuery struct {
	name      string
	what      string // for the description
	selectSQL string
	// keep says whether a bid passes the query's WHERE clause, for tests.
	keep func(auction int64) bool
}

var (
	nexmarkQ0Query = nexmarkQuery{name: "nexmark-q0", what: "passthrough",
		selectSQL: "SELECT * FROM bid", keep: func(int64) bool { return true }}
	nexmarkQ1Query = nexmarkQuery{name: "nexmark-q1", what: "price to euros",
		selectSQL: "SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid", keep: func(int64) bool { return true }}
	// MOD is not a function of the dialect; % is the same for BIGINT.
	nexmarkQ2Query = nexmarkQuery{name: "nexmark-q2", what: "selection",
		selectSQL: "SELECT auction, price FROM bid WHERE auction % 123 = 0", keep: func(a int64) bool { return a%123 == 0 }}
)

func nexmarkQ0() Workload { return nexmarkWorkload(nexmarkQ0Query) }
func nexmarkQ1() Workload { return nexmarkWorkload(nexmarkQ1Query) }
func nexmarkQ2() Workload { return nexmarkWorkload(nexmarkQ2Query) }

func nexmarkWorkload(q nexmarkQuery) Workload {
	return Workload{
		Name: q.name,
		Description: fmt.Sprintf("Nexmark %s (%s) on in-memory generated bids, one task on one goroutine, output encoded to JSON and discarded: events/s per core; reference: decode-only per core",
			strings.TrimPrefix(q.name, "nexmark-"), q.what),
		Run: func(ctx context.Context, env Env) (Result, error) { return runNexmark(ctx, env, q) },
	}
}

func runNexmark(ctx context.Context, env Env, q nexmarkQuery) (Result, error) {
	total := env.records(5_000_000)
	bids, err := nexmarkBids(min(total, nexmarkRing))
	if err != nil {
		return Result{}, err
	}
	r, err := newNexmarkRunner(ctx, q)
	if err != nil {
		return Result{}, err
	}
	values := make([][]byte, len(bids))
	for i := range bids {
		values[i] = bids[i].Value
	}

	env.Progress.Phase("throughput", total)
	maxTime := env.roundTime(measureRounds)
	var outputs int64
	ms, err := interleave(ctx, measureRounds,
		func(ctx context.Context, round int) (Measurement, error) {
			m, out, err := r.throughput(ctx, bids, share(total, measureRounds, round), maxTime)
			outputs += out
			env.Progress.Add(m.Events)
			return m, err
		},
		func(ctx context.Context, round int) (Measurement, error) {
			return decodeOnly(ctx, r.value, values, share(total, measureRounds, round), 1, maxTime)
		})
	if err != nil {
		return Result{}, err
	}
	thr, ref := ms[0], ms[1]
	thr.Detail = fmt.Sprintf("%s; %d rows out", q.selectSQL, outputs)

	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := r.latency(ctx, bids, rate, d, env.Progress)
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
			fmt.Sprintf("%d distinct bids generated before the run and reused in turn, fed 1000 per batch from memory: no log", len(bids)),
			"per core: the task runs on the calling goroutine; the garbage collector may use the other cores",
			fmt.Sprintf("throughput and reference measured in %d interleaved rounds", measureRounds),
			"latency: batches due every 1 ms handed to the task; from each bid's scheduled time to the end of its batch's Step",
		},
	}, nil
}

// nexmarkBids generates the first n bids of the Nexmark generator, each
// record's value the bid object as the generator writes it and its
// timestamp the bid's event time.
func nexmarkBids(n int64) ([]log.Record, error) {
	g, err := gen.New("nexmark", gen.Config{Seed: 1})
	if err != nil {
		return nil, err
	}
	marker := []byte(`"bid":{`)
	var ev gen.Event
	buf := make([]byte, 0, n*256) // bids are about 240 bytes
	ends := make([]int, 0, n)
	times := make([]int64, 0, n)
	for int64(len(ends)) < n {
		g.Next(&ev)
		i := bytes.LastIndex(ev.Value, marker)
		if i < 0 || !bytes.HasSuffix(ev.Value, []byte("}}")) {
			continue // a person or an auction
		}
		buf = append(buf, ev.Value[i+len(marker)-1:len(ev.Value)-1]...)
		ends = append(ends, len(buf))
		times = append(times, ev.Time)
	}
	recs := make([]log.Record, len(ends))
	start := 0
	for i, end := range ends {
		recs[i] = log.Record{Value: buf[start:end:end], Timestamp: times[i], Offset: int64(i)}
		start = end
	}
	if len(recs) == 0 {
		return nil, errors.New("the Nexmark generator made no bid")
	}
	return recs, nil
}

// nexmarkRunner holds one query's pipeline and the formats its sink
// would write with.
type nexmarkRunner struct {
	pl       *exec.Pipeline
	value    serde.Format // the source's value format, for the reference
	key, out serde.Format // the sink's formats
	keyCols  int
}

// newNexmarkRunner plans the query as the engine would for CREATE STREAM
// ... AS SELECT: the bid stream and the sink are created in an engine
// over an in-memory log, and the query bound against its catalog.
func newNexmarkRunner(ctx context.Context, q nexmarkQuery) (*nexmarkRunner, error) {
	eng, err := engine.Open(ctx, engine.Config{Log: memlog.New(), Manual: true})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	sinkName := strings.ToUpper(strings.ReplaceAll(q.name, "-", "_"))
	csas := fmt.Sprintf("CREATE STREAM %s AS %s;", sinkName, q.selectSQL)
	if _, err := eng.Execute(ctx, engine.NewSession(), nexmarkBidSQL+"\n"+csas); err != nil {
		return nil, err
	}
	stmt, err := parser.ParseStatement(csas)
	if err != nil {
		return nil, err
	}
	cs, ok := stmt.(*ast.CreateAsSelect)
	if !ok {
		return nil, fmt.Errorf("%s: not a CREATE ... AS SELECT", csas)
	}
	fns := functions.NewRegistry()
	p, err := (&plan.Binder{Meta: eng.Metastore(), Functions: fns}).Bind(cs.Query, plan.Options{Persistent: true, Sink: sinkName})
	if err != nil {
		return nil, err
	}
	pl, err := exec.NewPipeline(sinkName, p, fns, nil, exec.NewStats(clock.Real{}))
	if err != nil {
		return nil, err
	}
	sink, ok := eng.Metastore().Source(sinkName)
	if !ok {
		return nil, fmt.Errorf("the sink %s is missing after %s", sinkName, csas)
	}
	r := &nexmarkRunner{pl: pl, keyCols: sink.Schema.KeyLen()}
	if r.key, r.out, err = sink.Formats(); err != nil {
		return nil, err
	}
	if _, r.value, err = p.Source.Formats(); err != nil {
		return nil, err
	}
	return r, nil
}

// throughput runs total bids (fewer if maxTime, when positive, runs out)
// through one task on the calling goroutine and returns the rows out.
func (r *nexmarkRunner) throughput(ctx context.Context, bids []log.Record, total int64, maxTime time.Duration) (Measurement, int64, error) {
	sink := &discardSink{key: r.key, value: r.out, keyCols: r.keyCols}
	rd := &ringReader{recs: bids, total: total}
	task := exec.NewTask(r.pl, rd, sink, nil)
	b := newBudget(total, maxTime)
	start := time.Now()
	for b.more(rd.pos) {
		if err := task.Step(ctx); err != nil {
			return Measurement{}, 0, err
		}
	}
	elapsed := time.Since(start)
	if sink.err != nil {
		return Measurement{}, 0, sink.err
	}
	return Measurement{Name: "query", Events: rd.pos, Bytes: rd.bytes, Elapsed: elapsed}, sink.rows, nil
}

// latency feeds bids at rate events per second for d through one task:
// a pacer hands the bids due every millisecond to the task as one batch,
// and each bid's latency runs from its scheduled time to the end of the
// task's Step over its batch.
func (r *nexmarkRunner) latency(ctx context.Context, bids []log.Record, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	want := max(1, int64(d.Seconds()*float64(rate)))
	start := time.Now()
	pacer := NewPacer(start, float64(rate))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan pacedBatch, 64)
	sendErr := make(chan error, 1)
	go func() {
		defer close(batches)
		next := 0
		for pacer.Issued() < want {
			first, n, err := pacer.Next(ctx, time.Millisecond, min(nexmarkBatch, want-pacer.Issued()))
			if err != nil {
				sendErr <- err
				return
			}
			// A batch that wraps around the ring goes as two.
			for n > 0 {
				k := min(n, int64(len(bids)-next))
				select {
				case batches <- pacedBatch{recs: bids[next : next+int(k)], first: first}:
				case <-ctx.Done():
					sendErr <- ctx.Err()
					return
				}
				next = (next + int(k)) % len(bids)
				first, n = first+k, n-k
			}
		}
	}()

	sink := &discardSink{key: r.key, value: r.out, keyCols: r.keyCols}
	rd := &chanReader{in: batches}
	task := exec.NewTask(r.pl, rd, sink, nil)
	h := NewHistogram()
	for {
		err := task.Step(ctx)
		if errors.Is(err, errFed) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		now := time.Now()
		for i := range rd.cur.recs {
			h.Record(now.Sub(pacer.At(rd.cur.first + int64(i))))
		}
		progress.Add(int64(len(rd.cur.recs)))
	}
	elapsed := time.Since(start)
	select {
	case err := <-sendErr:
		return nil, 0, err
	default:
	}
	if sink.err != nil {
		return nil, 0, sink.err
	}
	return h, elapsed, nil
}

// discardSink encodes each output row with the sink's formats, as a
// topic sink does, and drops the bytes: encoding is part of the query,
// storing it is not.
type discardSink struct {
	key, value serde.Format
	keyCols    int
	buf        []byte
	last       []byte // the last value encoded, for tests
	rows       int64
	err        error
}

func (s *discardSink) Write(o *exec.Out) error {
	var err error
	s.buf, err = s.key.Encode(s.buf[:0], o.Row[:s.keyCols])
	if err == nil && !o.NullValue {
		keyEnd := len(s.buf)
		s.buf, err = s.value.Encode(s.buf, o.Row[s.keyCols:])
		s.last = s.buf[keyEnd:]
	}
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("encoding an output row: %w", err)
	}
	s.rows++
	return nil
}

func (s *discardSink) Flush(context.Context) error { return nil }

// ringReader is a log.Reader over bids in memory, handing out up to 1000
// at a time, in turn, until total have been read.
type ringReader struct {
	recs  []log.Record
	total int64
	pos   int64
	bytes int64
}

func (r *ringReader) Next(ctx context.Context) ([]log.Record, error) {
	if r.pos >= r.total {
		return nil, errFed
	}
	i := int(r.pos % int64(len(r.recs)))
	n := min(int64(nexmarkBatch), int64(len(r.recs)-i), r.total-r.pos)
	batch := r.recs[i : i+int(n)]
	r.pos += n
	for _, rec := range batch {
		r.bytes += int64(len(rec.Value))
	}
	return batch, nil
}

func (r *ringReader) Position() int64 { return r.pos }
func (r *ringReader) Close() error    { return nil }

// errFed ends a task over records in memory when they have all been fed.
var errFed = errors.New("bench: every record has been fed")

// pacedBatch is the bids due at once, the first scheduled as event first.
type pacedBatch struct {
	recs  []log.Record
	first int64
}

// chanReader is a log.Reader over batches sent on a channel; cur is the
// batch Next returned last.
type chanReader struct {
	in  <-chan pacedBatch
	cur pacedBatch
	pos int64
}

func (r *chanReader) Next(ctx context.Context) ([]log.Record, error) {
	select {
	case b, ok := <-r.in:
		if !ok {
			return nil, errFed
		}
		r.cur = b
		r.pos += int64(len(b.recs))
		return b.recs, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *chanReader) Position() int64 { return r.pos }
func (r *chanReader) Close() error    { return nil }
