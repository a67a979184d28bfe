package exec

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// A join runs around internal topics of its query, one per stage of the
// join (see plan.JoinStage), its join topics. A first step, one pipeline
// per side, reads the side's source and writes each row to its stage's
// join topic keyed by its join key (a side already keyed by it keeps its
// records' partitions), with its side in the value's first byte. Then
// each stage, one task per partition of its join topic, reads the rows in
// the order they were written and joins them; a stage but the last
// writes its results to the next stage's join topic, keyed by that
// stage's key, as its left input (side byte intermediateSide). The topics
// make the order durable, so that a task that restarts and reads its
// topic again repeats exactly what it did.

// NewJoinInput prepares the first stage of a join for side i of p.
func NewJoinInput(queryID string, p *plan.Query, i int, fns *functions.Registry, plog *ProcessingLog, stats *Stats) (*Pipeline, error) {
	s := &p.Join.Sides[i]
	sp := &plan.Query{Source: s.Source, Input: s.Input, Limit: -1, Persistent: true}
	pl, err := NewPipeline(queryID, sp, fns, plog, stats)
	if err != nil {
		return nil, err
	}
	pl.stage, pl.joinSide = StageJoinInput, s
	pl.joinFK = i == 0 && p.Join.Stages[0].ForeignKey
	return pl, nil
}

// JoinTopicSchema is the layout of side i's records in the join topic:
// the join key, then what the record does (one of the join ops), the join
// key again (so that the second stage need not decode keys in each side's
// key format) and the side's input row.
func JoinTopicSchema(p *plan.Query, i int) *types.Schema {
	s := &p.Join.Sides[i]
	cols := []types.Column{
		{Name: "KEY", Type: s.Key.Type, Namespace: types.NamespaceKey},
		{Name: "OP", Type: types.IntegerType},
		{Name: "JOINKEY", Type: s.Key.Type},
	}
	for _, c := range s.Input.Columns() {
		cols = append(cols, types.Column{Name: "C_" + c.Name, Type: c.Type})
	}
	return types.MustSchema(cols...)
}

// JoinTopicFormats returns the formats side i writes its stage's join
// topic in: every input writes its key in the stage's key format, so that
// equal keys meet in the same partition (a side already in that format
// and keyed by its join key keeps its records' partitions).
func JoinTopicFormats(p *plan.Query, i int) (key, value serde.Format, err error) {
	schema := JoinTopicSchema(p, i)
	st := p.Join.Stages[p.Join.StageOf(i)]
	if key, err = st.KeyFormat.New(schema.Columns()[:1]); err != nil {
		return nil, nil, err
	}
	return key, sideFormat{side: byte(i), Format: serde.NewBinary(schema.Columns()[1:])}, nil
}

// intermediateSide marks, in a stage's join topic, the rows of the
// previous stage's result.
const intermediateSide = 255

// IntermediateSchema is the layout of the previous stage's results in
// the join topic of stage k > 0: as a side's (see JoinTopicSchema), with
// the joined row (the plan's Input) as the row.
func IntermediateSchema(p *plan.Query, k int) *types.Schema {
	t := p.Join.Stages[k].Key.Type
	cols := []types.Column{
		{Name: "KEY", Type: t, Namespace: types.NamespaceKey},
		{Name: "OP", Type: types.IntegerType},
		{Name: "JOINKEY", Type: t},
	}
	for _, c := range p.Input.Columns() {
		cols = append(cols, types.Column{Name: "C_" + c.Name, Type: c.Type})
	}
	return types.MustSchema(cols...)
}

// IntermediateFormats returns the formats stage k-1 writes its results
// to stage k's join topic in.
func IntermediateFormats(p *plan.Query, k int) (key, value serde.Format, err error) {
	schema := IntermediateSchema(p, k)
	if key, err = p.Join.Stages[k].KeyFormat.New(schema.Columns()[:1]); err != nil {
		return nil, nil, err
	}
	return key, sideFormat{side: intermediateSide, Format: serde.NewBinary(schema.Columns()[1:])}, nil
}

// What a join topic record does to its side's row.
const (
	opUpsert  = iota // a new row, or a stream's record
	opDelete         // a table's row deleted
	opUpdate         // a table's row changed
	opRetract        // a left row of a foreign-key join moved to another foreign key
)

// sideFormat writes a join topic value: the side, then the row in the
// binary format.
type sideFormat struct {
	side byte
	serde.Format
}

func (f sideFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	return f.Format.Encode(append(dst, f.side), vals)
}

// joinInput is the first stage: it writes the row in to the join topic.
func (pl *Pipeline) joinInput(st *rowState, in types.Row, rec *log.Record, ts int64, deleted bool, emit func(*Out) error) error {
	key, err := pl.joinSide.Key.Eval(in)
	if err != nil {
		pl.fail(rec, "processing", "Error in JOIN ON expression: "+err.Error())
		return nil
	}
	if deleted && !pl.table {
		// A stream's null value is no row.
		return nil
	}
	if pl.joinFK {
		return pl.fkJoinInput(st, in, key, rec, ts, deleted, emit)
	}
	return pl.joinRoute(st, key, in, ts, deleted, emit)
}

// joinRoute writes a row, or its deletion, to a join topic, unless it has
// no join key: such a row joins nothing, as in ksqlDB.
func (pl *Pipeline) joinRoute(st *rowState, key types.Value, row types.Row, ts int64, deleted bool, emit func(*Out) error) error {
	if key.IsNull() {
		return nil
	}
	op := opUpsert
	if deleted {
		op = opDelete
	}
	return pl.joinOut(st, op, key, row, ts, emit)
}

// joinOut writes a row to the join topic.
func (pl *Pipeline) joinOut(st *rowState, op int, key types.Value, in types.Row, ts int64, emit func(*Out) error) error {
	out := append(st.out[:0], key, types.Int(int32(op)), key)
	out = append(out, in...)
	st.out = out
	return emit(&Out{Row: out, Time: ts})
}

// KeepsState reports whether the pipeline's tasks keep state that a
// state store holds: a join stage's rows, or an aggregation's groups.
func (pl *Pipeline) KeepsState() bool {
	return pl.stage == StageJoin || pl.Plan.Aggregate != nil
}

// joinStage is the stage the pipeline runs.
func (pl *Pipeline) joinStage() *plan.JoinStage { return &pl.Plan.Join.Stages[pl.joinAt] }

// lastStage reports whether the pipeline runs the join's last stage,
// whose results go through the rest of the plan.
func (pl *Pipeline) lastStage() bool { return pl.joinAt == len(pl.Plan.Join.Stages)-1 }

// SetJoinStage makes a pipeline over a join's result run stage k, which
// reads the stage's join topic.
func (pl *Pipeline) SetJoinStage(k int) {
	pl.stage, pl.joinAt = StageJoin, k
	pl.joinFormats = make([]serde.Format, len(pl.Plan.Join.Sides))
	st := pl.joinStage()
	for i := st.First + 1; i <= st.Last+1; i++ {
		pl.joinFormats[i] = serde.NewBinary(JoinTopicSchema(pl.Plan, i).Columns()[1:])
	}
	if k == 0 {
		pl.joinFormats[0] = serde.NewBinary(JoinTopicSchema(pl.Plan, 0).Columns()[1:])
	} else {
		pl.joinLeft = serde.NewBinary(IntermediateSchema(pl.Plan, k).Columns()[1:])
	}
}

// joinRecord runs a stage of a join: it joins a row of its join topic
// with the state of the other inputs.
func (pl *Pipeline) joinRecord(st *rowState, rec *log.Record, emit func(*Out) error) error {
	stage := pl.joinStage()
	if len(rec.Value) == 0 {
		pl.fail(rec, "deserialization", "Failed to read the join topic: a record without its side")
		return nil
	}
	side, format := int(rec.Value[0]), serde.Format(nil)
	switch {
	case side == intermediateSide && pl.joinLeft != nil:
		side, format = stage.First, pl.joinLeft
	case side < len(pl.joinFormats):
		format = pl.joinFormats[side]
	}
	if format == nil {
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to read the join topic: a record of side %d, which stage %d does not read", rec.Value[0], pl.joinAt))
		return nil
	}
	if st.join == nil {
		js, err := pl.newJoinState(nil, nil)
		if err != nil {
			return err
		}
		st.join = js
	}
	js := st.join
	data := rec.Value[1:]
	vals, err := format.Decode(st.exp[:0], data)
	st.exp = vals
	if err != nil {
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to read the join topic: %v", err))
		return nil
	}
	op, key, in := int(vals[0].Int()), vals[1], vals[2:]
	js.key = types.AppendBinary(js.key[:0], key)
	res := *rec
	res.Headers = nil // the join topic's are the join's own
	if err := pl.join(st, side, op, key, in, data, &res, emit); err != nil {
		return err
	}
	return js.changed()
}

// join processes a row of side of the stage's join topic, whose value
// (past the side byte) is data.
func (pl *Pipeline) join(st *rowState, side, op int, key types.Value, in types.Row, data []byte, rec *log.Record, emit func(*Out) error) error {
	j, stage, js := pl.Plan.Join, pl.joinStage(), st.join
	ts := rec.Timestamp
	if stage.ForeignKey {
		return pl.fkJoinRecord(st, side, op, in, data, rec, ts, emit)
	}
	if js.window != nil {
		left, right := stage.First, stage.First+1
		wside := 0
		if side == right {
			wside = 1
		}
		return js.window.add(wside, js.key, ts, data, in, func(l, r types.Row, ts int64) error {
			// An outer result may come from another key's buffer: its key
			// is its row's (a later stage's left row is a joined row).
			var k types.Value
			var err error
			switch {
			case l == nil:
				k, err = j.Sides[right].Key.Eval(r)
			case pl.joinAt > 0:
				k, err = stage.Key.Eval(l)
			default:
				k, err = j.Sides[left].Key.Eval(l)
			}
			if err != nil {
				return err
			}
			clear(js.sides)
			js.sides[left], js.sides[right] = sideRow{row: l}, sideRow{row: r}
			return pl.joinResult(st, pl.joinedRow(st, pl.resultKey(k), js.sides, rec, ts), rec, ts, false, emit)
		})
	}
	if js.table[side] {
		if j.LeftTable(pl.joinAt) {
			row, ok, tombstone, err := pl.tableUpdate(st, side, key, ts, data, op == opDelete, rec)
			if err != nil || !ok {
				return err
			}
			return pl.joinResult(st, row, rec, row[len(row)-3].BigInt(), tombstone, emit)
		}
		// A stream-table join changes the table and emits nothing.
		if op == opDelete {
			return js.db.deleteRow(side, js.key)
		}
		return js.db.setRow(side, js.key, ts, data)
	}
	// A stream row looks up each table in turn.
	clear(js.sides)
	js.sides[stage.First] = sideRow{row: in, ts: ts}
	for i := stage.First; i <= stage.Last; i++ {
		r, ok, err := js.db.row(i+1, js.key, true)
		if err != nil {
			return err
		}
		if !ok && j.Steps[i].Type == ast.InnerJoin {
			return nil
		}
		js.sides[i+1] = r
	}
	return pl.joinResult(st, pl.joinedRow(st, pl.resultKey(key), js.sides, rec, ts), rec, ts, false, emit)
}

// joinResult sends a stage's result on: the last stage's through the
// rest of the plan, another's to the next stage's join topic.
func (pl *Pipeline) joinResult(st *rowState, row types.Row, rec *log.Record, ts int64, tombstone bool, emit func(*Out) error) error {
	if pl.lastStage() {
		if tombstone {
			return pl.project(st, row, rec, ts, true, emit)
		}
		return pl.rowOut(st, row, rec, ts, false, emit)
	}
	next := &pl.Plan.Join.Stages[pl.joinAt+1]
	key, err := next.Key.Eval(row)
	if err != nil {
		pl.fail(rec, "processing", "Error in JOIN ON expression: "+err.Error())
		return nil
	}
	if next.ForeignKey {
		return pl.fkForward(st, row, key, ts, tombstone, emit)
	}
	return pl.joinRoute(st, key, row, ts, tombstone, emit)
}

// tableUpdate applies a change of a table side of a table-table join (a
// row of time ts, whose join topic encoding is data) and emits the change of the joined
// row as Kafka Streams does: the new joined row when there is one that
// passes the filter, else a tombstone when the previous one did.
func (pl *Pipeline) tableUpdate(st *rowState, side int, key types.Value, ts int64, data []byte, deleted bool, rec *log.Record) (row types.Row, ok, tombstone bool, err error) {
	js := st.join
	before, _, err := js.tableJoin(pl.Plan.Join, pl.joinStage(), js.before)
	if err != nil {
		return nil, false, false, err
	}
	beforeOK := before && pl.passes(pl.joinedRow(st, pl.resultKey(key), js.before, rec, ts))
	if deleted {
		err = js.db.deleteRow(side, js.key)
	} else {
		err = js.db.setRow(side, js.key, ts, data)
	}
	if err != nil {
		return nil, false, false, err
	}
	after, joined, err := js.tableJoin(pl.Plan.Join, pl.joinStage(), js.sides)
	if err != nil {
		return nil, false, false, err
	}
	ts = max(ts, joined)
	if after {
		row = pl.joinedRow(st, pl.resultKey(key), js.sides, rec, ts)
		if pl.passes(row) {
			return row, true, false, nil
		}
	}
	if beforeOK {
		return pl.joinedRow(st, pl.resultKey(key), js.before, rec, ts), true, true, nil
	}
	return nil, false, false, nil
}

// passes evaluates the plan's filter on a joined row of the last stage;
// a failing filter goes to the processing log and drops the row, as
// ksqlDB does.
func (pl *Pipeline) passes(row types.Row) bool {
	if pl.Plan.Where == nil || !pl.lastStage() {
		return true
	}
	v, err := pl.Plan.Where.Eval(row)
	if err != nil {
		pl.fail(&log.Record{}, "processing", "Error in WHERE expression: "+err.Error())
		return false
	}
	return !v.IsNull() && v.Bool()
}

// tableJoin joins the tables' rows of the current key, the stage's left
// input then its sides, into sides (absent inputs nil); it reports
// whether the join has a row, and its time (the latest of its inputs').
func (js *joinState) tableJoin(j *plan.Join, stage *plan.JoinStage, sides []sideRow) (bool, int64, error) {
	clear(sides)
	r, exists, err := js.db.row(stage.First, js.key, false)
	if err != nil {
		return false, 0, err
	}
	sides[stage.First] = r
	for i := stage.First; i <= stage.Last; i++ {
		o, ok, err := js.db.row(i+1, js.key, false)
		if err != nil {
			return false, 0, err
		}
		switch j.Steps[i].Type {
		case ast.InnerJoin:
			exists = exists && ok
		case ast.RightJoin:
			if !exists {
				clear(sides[:i+1])
			}
			exists = ok
		case ast.FullJoin:
			if !exists {
				clear(sides[:i+1])
			}
			exists = exists || ok
		}
		sides[i+1] = o
	}
	if !exists {
		clear(sides)
		return false, 0, nil
	}
	ts := int64(0)
	for _, s := range sides {
		if s.row != nil {
			ts = max(ts, s.ts)
		}
	}
	return true, ts, nil
}

// resultKey is the key columns of a join's result for a join key: the
// key, or the fields of the STRUCT of a join on several conditions.
func (pl *Pipeline) resultKey(key types.Value) []types.Value {
	if pl.Plan.Join.Conditions > 1 && !key.IsNull() {
		return key.Fields()
	}
	return []types.Value{key}
}

// joinedRow lays out one joined row (see plan.Join), with its key
// columns, in the task's scratch row. A later stage's left input is a
// joined row already: the row starts as it, its sides added.
func (pl *Pipeline) joinedRow(st *rowState, keys []types.Value, rows []sideRow, rec *log.Record, ts int64) types.Row {
	j, stage := pl.Plan.Join, pl.joinStage()
	n := pl.Plan.Input.Len()
	row := st.join.row[:0]
	first := 0
	if pl.joinAt > 0 {
		first = stage.First + 1
		if left := rows[stage.First].row; left != nil {
			row = append(row, left...)
		}
	}
	for len(row) < n {
		row = append(row, types.Null())
	}
	st.join.row = row
	copy(row[:pl.Plan.Source.Schema.KeyLen()], keys)
	for i := first; i <= stage.Last+1; i++ {
		s := &j.Sides[i]
		r := rows[i].row
		if r == nil {
			continue
		}
		cols := s.Source.Schema.Len()
		copy(row[s.Columns:s.Columns+cols], r[:cols])
		copy(row[s.Pseudo:s.Pseudo+3], r[cols:cols+3])
	}
	row[n-3], row[n-2], row[n-1] = types.BigInt(ts), types.Int(rec.Partition), types.BigInt(rec.Offset)
	return row
}
