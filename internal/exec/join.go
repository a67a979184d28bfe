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

// A join runs in two stages around an internal topic of its query, the
// join topic. The first stage, one pipeline per side, reads the side's
// source and writes each row to the join topic keyed by its join key (a
// side already keyed by it keeps its records' partitions), with its side
// in the value's first byte. The second stage, one task per partition of
// the join topic, reads the sides' rows in the order they were written
// and joins them. The topic makes that order durable, so that a task that
// restarts and reads it again repeats exactly what it did.

// NewJoinInput prepares the first stage of a join for side i of p.
func NewJoinInput(queryID string, p *plan.Query, i int, fns *functions.Registry, plog *ProcessingLog, stats *Stats) (*Pipeline, error) {
	s := &p.Join.Sides[i]
	sp := &plan.Query{Source: s.Source, Input: s.Input, Limit: -1, Persistent: true}
	pl, err := NewPipeline(queryID, sp, fns, plog, stats)
	if err != nil {
		return nil, err
	}
	pl.stage, pl.joinSide = StageJoinInput, s
	pl.joinFK = p.Join.ForeignKey && i == 0
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

// JoinTopicFormats returns the formats side i writes the join topic in:
// every side writes its key in the join's key format, so that equal keys
// meet in the same partition (a side already in that format and keyed by
// its join key keeps its records' partitions).
func JoinTopicFormats(p *plan.Query, i int) (key, value serde.Format, err error) {
	schema := JoinTopicSchema(p, i)
	if key, err = p.Join.KeyFormat.New(schema.Columns()[:1]); err != nil {
		return nil, nil, err
	}
	return key, sideFormat{side: byte(i), Format: serde.NewBinary(schema.Columns()[1:])}, nil
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
	if key.IsNull() {
		// A row without a join key joins nothing, as in ksqlDB.
		return nil
	}
	op := opUpsert
	if deleted {
		op = opDelete
	}
	return pl.joinOut(st, op, key, in, ts, emit)
}

// joinOut writes a row to the join topic.
func (pl *Pipeline) joinOut(st *rowState, op int, key types.Value, in types.Row, ts int64, emit func(*Out) error) error {
	out := append(st.out[:0], key, types.Int(int32(op)), key)
	out = append(out, in...)
	st.out = out
	return emit(&Out{Row: out, Time: ts})
}

// joinState is a join task's state: each table side's rows by key.
type joinState struct {
	tables []map[string]sideRow
	key    []byte
	sides  []sideRow // scratch: the rows of one result
	before []sideRow // and of the result before a table changed
	row    types.Row
	// fkLeft holds a foreign-key join's left rows by foreign key, then by
	// left key.
	fkLeft map[string]map[string]sideRow
}

// sideRow is a side's row with its time; a nil row is an absent side.
type sideRow struct {
	row types.Row
	ts  int64
}

func newJoinState(j *plan.Join) *joinState {
	js := &joinState{tables: make([]map[string]sideRow, len(j.Sides)), sides: make([]sideRow, len(j.Sides)), before: make([]sideRow, len(j.Sides))}
	for i := range j.Sides {
		if j.Sides[i].Table() {
			js.tables[i] = map[string]sideRow{}
		}
	}
	return js
}

// SetJoinStage makes a pipeline over a join's result its second stage,
// which reads the join topic.
func (pl *Pipeline) SetJoinStage() {
	pl.stage = StageJoin
	for i := range pl.Plan.Join.Sides {
		schema := JoinTopicSchema(pl.Plan, i)
		pl.joinFormats = append(pl.joinFormats, serde.NewBinary(schema.Columns()[1:]))
	}
}

// joinRecord is the second stage: it joins a row of the join topic with
// the state of the other sides and projects the results.
func (pl *Pipeline) joinRecord(st *rowState, rec *log.Record, emit func(*Out) error) error {
	j := pl.Plan.Join
	if len(rec.Value) == 0 || int(rec.Value[0]) >= len(j.Sides) {
		pl.fail(rec, "deserialization", "Failed to read the join topic: a record without its side")
		return nil
	}
	side := int(rec.Value[0])
	if st.join == nil {
		st.join = newJoinState(j)
	}
	js := st.join
	data := rec.Value[1:]
	if js.tables[side] != nil {
		// The row is kept: its strings and bytes must not point into the
		// record, which the reader reuses.
		data = append([]byte(nil), data...)
	}
	vals, err := pl.joinFormats[side].Decode(st.exp[:0], data)
	st.exp = vals
	if err != nil {
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to read the join topic: %v", err))
		return nil
	}
	op, key, in := int(vals[0].Int()), vals[1], vals[2:]
	deleted := op == opDelete
	js.key = types.AppendBinary(js.key[:0], key)
	ts := rec.Timestamp
	res := *rec
	res.Headers = nil // the join topic's are the join's own
	rec = &res
	if j.ForeignKey {
		return pl.fkJoinRecord(st, side, op, in, rec, ts, emit)
	}
	keys := pl.resultKey(key)
	out := func(rows []sideRow, ts int64) error {
		return pl.rowOut(st, pl.joinedRow(st, keys, rows, rec, ts), rec, ts, false, emit)
	}
	if t := js.tables[side]; t != nil {
		if j.Sides[0].Table() {
			row, ok, tombstone := pl.tableUpdate(st, side, key, sideRow{row: in, ts: ts}, deleted, rec)
			if !ok {
				return nil
			}
			return pl.project(st, row, rec, row[len(row)-3].BigInt(), tombstone, emit)
		}
		// A stream-table join changes the table and emits nothing.
		if deleted {
			delete(t, string(js.key))
		} else {
			t[string(js.key)] = sideRow{row: append(types.Row(nil), in...), ts: ts}
		}
		return nil
	}
	// A stream row looks up each table in turn.
	js.sides[0] = sideRow{row: in, ts: ts}
	for i, step := range j.Steps {
		r, ok := js.tables[i+1][string(js.key)]
		if !ok && step.Type == ast.InnerJoin {
			return nil
		}
		js.sides[i+1] = r
	}
	return out(js.sides, ts)
}

// tableUpdate applies a change of a table side of a table-table join and
// emits the change of the joined row as Kafka Streams does: the new
// joined row when there is one that passes the filter, else a tombstone
// when the previous one did.
func (pl *Pipeline) tableUpdate(st *rowState, side int, key types.Value, r sideRow, deleted bool, rec *log.Record) (row types.Row, ok, tombstone bool) {
	js := st.join
	j := pl.Plan.Join
	before, _ := js.tableJoin(j, string(js.key), js.before)
	beforeOK := before && pl.passes(pl.joinedRow(st, pl.resultKey(key), js.before, rec, r.ts))
	t := js.tables[side]
	if deleted {
		delete(t, string(js.key))
	} else {
		r.row = append(types.Row(nil), r.row...)
		t[string(js.key)] = r
	}
	after, ts := js.tableJoin(j, string(js.key), js.sides)
	ts = max(ts, r.ts)
	if after {
		row = pl.joinedRow(st, pl.resultKey(key), js.sides, rec, ts)
		if pl.passes(row) {
			return row, true, false
		}
	}
	if beforeOK {
		return pl.joinedRow(st, pl.resultKey(key), js.before, rec, ts), true, true
	}
	return nil, false, false
}

// passes evaluates the plan's filter on a joined row; a failing filter
// goes to the processing log and drops the row, as ksqlDB does.
func (pl *Pipeline) passes(row types.Row) bool {
	if pl.Plan.Where == nil {
		return true
	}
	v, err := pl.Plan.Where.Eval(row)
	if err != nil {
		pl.fail(&log.Record{}, "processing", "Error in WHERE expression: "+err.Error())
		return false
	}
	return !v.IsNull() && v.Bool()
}

// tableJoin joins the tables' rows of key, left to right, into sides
// (absent sides nil); it reports whether the join has a row, and its
// time (the latest of its sides').
func (js *joinState) tableJoin(j *plan.Join, key string, sides []sideRow) (bool, int64) {
	r, exists := js.tables[0][key]
	sides[0] = r
	for i, step := range j.Steps {
		o, ok := js.tables[i+1][key]
		switch step.Type {
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
		return false, 0
	}
	ts := int64(0)
	for _, s := range sides {
		if s.row != nil {
			ts = max(ts, s.ts)
		}
	}
	return true, ts
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
// columns, in the task's scratch row.
func (pl *Pipeline) joinedRow(st *rowState, keys []types.Value, rows []sideRow, rec *log.Record, ts int64) types.Row {
	j := pl.Plan.Join
	n := pl.Plan.Input.Len()
	row := st.join.row[:0]
	for range n {
		row = append(row, types.Null())
	}
	st.join.row = row
	copy(row, keys)
	for i := range j.Sides {
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
