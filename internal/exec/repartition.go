package exec

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// Aggregation runs in one or two stages. When the group key is the
// source's key, each task aggregates its partition's rows itself. When it
// is not, a first stage writes every filtered row, keyed by its group, to
// a repartition topic, and a second stage (one task per partition of that
// topic) aggregates: so a group's rows always meet in one task, as Kafka
// Streams does. A table source sends, for an updated or deleted row, the
// retraction of its previous version first (header opHeader = "undo").

// opHeader marks the retraction of a table row in a repartition topic.
const opHeader = "_sluice_op"

// Stage says which part of an aggregation a pipeline runs.
type Stage uint8

const (
	// StageAll reads the source and aggregates (no repartition needed).
	StageAll Stage = iota
	// StageRepartition reads the source and writes the repartition topic.
	StageRepartition
	// StageAggregate reads the repartition topic and aggregates.
	StageAggregate
	// StageJoinInput reads a side of a join and writes the join topic.
	StageJoinInput
	// StageJoin reads the join topic and joins (see join.go).
	StageJoin
)

// RepartitionSchema is the layout of a repartition topic's records: the
// group key columns as the key, the input columns the second stage reads
// (see carriedColumns) as the value.
func RepartitionSchema(p *plan.Query) *types.Schema {
	var cols []types.Column
	for _, g := range p.Aggregate.GroupBy {
		cols = append(cols, types.Column{Name: g.Name, Type: g.Expr.Type, Namespace: types.NamespaceKey})
	}
	for _, i := range carriedColumns(p) {
		c := p.Input.Column(i)
		cols = append(cols, types.Column{Name: c.Name, Type: c.Type})
	}
	return types.MustSchema(cols...)
}

// carriedColumns are the input columns a repartition record carries, in
// order: those the aggregation reads (group keys and aggregate
// arguments), and ROWPARTITION and ROWOFFSET, which locate the source
// record for the late-records topic. The others would only cost their
// encoding twice.
func carriedColumns(p *plan.Query) []int {
	var cols []int
	for _, g := range p.Aggregate.GroupBy {
		cols = append(cols, g.Expr.Columns...)
	}
	for _, c := range p.Aggregate.Calls {
		for _, a := range c.Args {
			cols = append(cols, a.Columns...)
		}
	}
	for _, name := range []string{"ROWPARTITION", "ROWOFFSET"} {
		if i, ok := p.Input.Find(name); ok {
			cols = append(cols, i)
		}
	}
	slices.Sort(cols)
	return slices.Compact(cols)
}

// RepartitionFormats returns the formats of a repartition topic: the key
// in JSON (the second stage's group key, whose encoding names the group
// in the state store), the value in the internal binary format, which
// only the second stage reads.
func RepartitionFormats(p *plan.Query) (key, value serde.Format, err error) {
	s := RepartitionSchema(p)
	if key, err = serde.NewFormat("JSON", s.Columns()[:s.KeyLen()], serde.Options{}); err != nil {
		return nil, nil, err
	}
	return key, serde.NewBinary(s.Columns()[s.KeyLen():]), nil
}

// repartition writes a filtered row to the repartition topic, keyed by
// its group; a table's previous row goes first, as a retraction.
func (ag *aggregator) repartition(in types.Row, rec *log.Record, ts int64, present bool, emit func(*Out) error) error {
	return ag.change(in, rec, present, func(r types.Row, op string) error {
		return ag.forward(r, rec, ts, op, emit)
	})
}

// Operations a repartition record's opHeader names; none means add.
const (
	opUndo      = "undo"       // retract the row and emit the change
	opUndoQuiet = "undo-quiet" // retract it; the add that follows emits
)

func (ag *aggregator) forward(in types.Row, rec *log.Record, ts int64, op string, emit func(*Out) error) error {
	pl := ag.pl
	a := pl.Plan.Aggregate
	out := ag.fwd[:0]
	for i, g := range a.GroupBy {
		v, err := g.Expr.Eval(in)
		if err != nil || v.IsNull() {
			pl.fail(rec, "processing", fmt.Sprintf("Group-by column with index %d resolved to null. The source row will be excluded from the table.", i))
			return nil
		}
		out = append(out, v)
	}
	for _, i := range pl.carried {
		out = append(out, in[i])
	}
	ag.fwd = out
	// The operation goes last, after the record's own headers (the sink
	// adds the record's origin after it). Sinks keep headers until they
	// flush: these are the record's own.
	hs := rec.Headers
	if op != "" {
		hs = append(append(make([]log.Header, 0, len(hs)+1), hs...), log.Header{Key: opHeader, Value: []byte(op)})
	}
	// Sinks take a row only during the call: one Out serves every record.
	ag.out = Out{Row: out, Time: ts, Headers: hs}
	return emit(&ag.out)
}

// aggregateRepartitioned is the second stage: a record of the
// repartition topic holds an input row to add or retract.
func (pl *Pipeline) aggregateRepartitioned(st *rowState, rec *log.Record, emit func(*Out) error) error {
	carried, err := pl.value.Decode(st.exp[:0], rec.Value)
	st.exp = carried
	if err != nil {
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to read the repartition topic: %v", err))
		return nil
	}
	in := st.in[:0]
	for range pl.Plan.Input.Len() {
		in = append(in, types.Null())
	}
	for j, i := range pl.carried {
		in[i] = carried[j]
	}
	st.in = in
	op := ""
	hs := rec.Headers
	if n := len(hs); n > 0 && hs[n-1].Key == originHeader {
		hs = hs[:n-1]
	}
	if n := len(hs); n > 0 && hs[n-1].Key == opHeader {
		op = string(hs[n-1].Value)
		hs = hs[:n-1]
	}
	if len(hs) != len(rec.Headers) {
		stripped := *rec
		stripped.Headers = hs
		rec = &stripped
	}
	if op == opUndoQuiet {
		emit = discard
	}
	return st.agg.apply(in, rec, rec.Timestamp, op != "", emit)
}

// late counts a record that came after its window closed and, when the
// query has a late-records topic, writes it there as the source holds it:
// late records are never dropped silently. After a repartition the record
// at hand is the repartition topic's, so the source's is read back. A
// task's late records go through its sink of them, which writes each
// once whatever the crashes (see TopicSink).
func (ag *aggregator) late(rec *log.Record, in types.Row) {
	pl := ag.pl
	if ag.restoring {
		return
	}
	pl.Stats.late()
	if pl.LateTopic == "" || pl.lateLog == nil {
		return
	}
	r := log.Record{Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp, Headers: stripOrigin(rec.Headers)}
	if pl.stage == StageAggregate {
		var err error
		if r, err = ag.sourceRecord(in); err != nil {
			pl.fail(rec, "processing", fmt.Sprintf("Cannot read a late record back from %s: %v", pl.Plan.Source.Topic, err))
			return
		}
	}
	var err error
	if ag.lateSink != nil {
		err = ag.lateSink.WriteRecord(r)
	} else {
		_, err = pl.lateLog.Append(context.Background(), pl.LateTopic, 0, []log.Record{r})
	}
	if err != nil {
		pl.fail(rec, "processing", fmt.Sprintf("Cannot write a late record to %s: %v", pl.LateTopic, err))
	}
}

// sourceRecord reads back the source record of a repartitioned row, which
// carries its ROWPARTITION and ROWOFFSET. Its key and value are valid
// until the next call.
func (ag *aggregator) sourceRecord(in types.Row) (log.Record, error) {
	pl := ag.pl
	pi, _ := pl.Plan.Input.Find("ROWPARTITION")
	oi, _ := pl.Plan.Input.Find("ROWOFFSET")
	if in[pi].IsNull() || in[oi].IsNull() {
		return log.Record{}, fmt.Errorf("the row does not say where it comes from")
	}
	part, off := int32(in[pi].Int()), in[oi].BigInt()
	src, err := ag.sources.read(pl.lateLog, pl.Plan.Source.Topic, part, off)
	if err != nil {
		return log.Record{}, err
	}
	r := log.Record{Key: src.Key, Value: src.Value, Timestamp: src.Timestamp}
	for _, h := range stripOrigin(src.Headers) {
		r.Headers = append(r.Headers, log.Header{Key: h.Key, Value: bytes.Clone(h.Value)})
	}
	return r, nil
}

// sourceReaders read a source's records back by offset, one reader per
// partition kept open: late records mostly come in the order of their
// offsets, so a reader usually only reads on.
type sourceReaders map[int32]*sourceReader

type sourceReader struct {
	r    log.Reader
	recs []log.Record // the last batch read
}

// readAhead is how far a reader reads on to an offset rather than open
// a new reader there.
const readAhead = 4096

func (rs *sourceReaders) read(l log.Log, topic string, part int32, off int64) (*log.Record, error) {
	if *rs == nil {
		*rs = sourceReaders{}
	}
	ctx := context.Background()
	s := (*rs)[part]
	if s != nil && len(s.recs) > 0 && off >= s.recs[0].Offset && off <= s.recs[len(s.recs)-1].Offset {
		return find(s.recs, off, part)
	}
	if s == nil || off < s.r.Position() || off-s.r.Position() > readAhead {
		if s != nil {
			s.r.Close()
		}
		r, err := l.OpenReader(ctx, topic, part, off)
		if err != nil {
			delete(*rs, part)
			return nil, err
		}
		s = &sourceReader{r: r}
		(*rs)[part] = s
	}
	for {
		recs, err := s.r.Next(ctx)
		if err != nil {
			return nil, err
		}
		s.recs = recs
		if recs[len(recs)-1].Offset >= off {
			return find(recs, off, part)
		}
	}
}

// find returns the record at offset off of a batch (offsets may skip).
func find(recs []log.Record, off int64, part int32) (*log.Record, error) {
	i := sort.Search(len(recs), func(i int) bool { return recs[i].Offset >= off })
	if i == len(recs) || recs[i].Offset != off {
		return nil, fmt.Errorf("offset %d of partition %d is gone", off, part)
	}
	return &recs[i], nil
}

// close closes the readers.
func (rs sourceReaders) close() {
	for _, s := range rs {
		s.r.Close()
	}
}

// SendLateRecordsTo makes the pipeline write its late records to topic,
// which has one partition, in l.
func (pl *Pipeline) SendLateRecordsTo(l log.Log, topic string) {
	pl.lateLog, pl.LateTopic = l, topic
}
