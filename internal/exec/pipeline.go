// Package exec runs logical plans: it turns each record of a source
// partition into rows, filters, expands, aggregates (grouped and windowed,
// in one or two stages around a repartition topic) and projects them, and
// hands the results to a sink (a topic for persistent queries, a channel
// for transient ones). One Task serves one input partition, so a topic of n
// partitions runs as n tasks in parallel. A bad value never stops a task:
// the record goes to the processing log with the reason, and is counted.
package exec

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// Pipeline is what every task of a query shares: the plan and the
// formats it reads with. It holds no per-row state.
type Pipeline struct {
	Plan    *plan.Query
	QueryID string
	key     serde.Format
	value   serde.Format
	// tsCol is the input column that gives ROWTIME (TIMESTAMP), or -1.
	tsCol    int
	tsParse  *functions.Resolved // TIMESTAMP_FORMAT parser
	tsFormat types.Value
	Log      *ProcessingLog
	Stats    *Stats
	// headers and values are the source's column groups, computed once:
	// the schema's accessors copy.
	headers []types.Column
	values  int
	// windowed sources decode WINDOWSTART and WINDOWEND after their key
	// columns; the row carries them after the other pseudo-columns.
	windowed bool
	keys     int
	// table sources drop key-less records and turn filtered rows into
	// deletions.
	table bool
	// groupKey encodes the group keys of a GROUP BY query; stage is the
	// part of the aggregation this pipeline runs.
	groupKey serde.Format
	stage    Stage
	// LateTopic receives the records that came after their window closed.
	LateTopic string
	lateLog   log.Log
	// carried are the input columns a repartition record carries, in the
	// order of its value (see carriedColumns).
	carried []int
	// joinSide is the side a join's first stage reads; joinFormats decode
	// each side's rows in the second stage (see join.go).
	joinSide    *plan.JoinSide
	joinFormats []serde.Format
	// joinFK: the side is the left table of a foreign-key join. joinAt is
	// the stage of the join a pipeline over its result runs, joinLeft the
	// format of a later stage's left input.
	joinFK   bool
	joinAt   int
	joinLeft serde.Format
}

// NewPipeline prepares a plan to run.
func NewPipeline(queryID string, p *plan.Query, fns *functions.Registry, plog *ProcessingLog, stats *Stats) (*Pipeline, error) {
	key, value, err := p.Source.Formats()
	if err != nil {
		return nil, err
	}
	pl := &Pipeline{Plan: p, QueryID: queryID, key: key, value: value, tsCol: -1, Log: plog, Stats: stats,
		headers: p.Source.HeaderColumns(), values: len(p.Source.ValueColumns()),
		windowed: p.Source.Window.Type != "", keys: p.Source.Schema.KeyLen(), table: p.Source.Kind == catalog.Table}
	if ts := p.Source.Timestamp; ts != "" {
		i, ok := p.Input.Find(ts)
		if !ok {
			return nil, fmt.Errorf("The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", ts)
		}
		pl.tsCol = i
		if f := p.Source.TimestampFormat; f != "" {
			r, err := fns.Resolve("PARSE_TIMESTAMP", []types.Type{types.StringType, types.StringType})
			if err != nil {
				return nil, err
			}
			pl.tsParse, pl.tsFormat = &r, types.Str(f)
		}
	}
	if p.Aggregate != nil {
		if pl.groupKey, err = groupKeyFormat(p.Aggregate); err != nil {
			return nil, err
		}
		pl.carried = carriedColumns(p)
	}
	return pl, nil
}

// SetStage makes an aggregating pipeline run one stage of its query (see
// Stage); StageAggregate reads the repartition topic.
func (pl *Pipeline) SetStage(s Stage) error {
	pl.stage = s
	if s == StageAggregate {
		_, value, err := RepartitionFormats(pl.Plan)
		if err != nil {
			return err
		}
		pl.value = value
	}
	return nil
}

// Out is one result row: the output key and value columns laid out as
// the plan's Output schema, with the record's time and headers.
type Out struct {
	Row       types.Row
	NullValue bool // the input value was null: a tombstone passes through
	Time      int64
	Headers   []log.Header
	// NullKey: the input key was null and the query kept it, so the
	// output key is null too (a multi-column key is not written as nulls).
	NullKey bool
	// Window holds WINDOWSTART and WINDOWEND of a windowed source's row.
	Window []types.Value
	// SourceKey is the input record's key bytes (windowed keys with their
	// window), which identify a table's row.
	SourceKey []byte
}

// rowState is a task's scratch space, reused from record to record so
// that the hot path does not allocate.
type rowState struct {
	in   types.Row
	exp  types.Row
	out  types.Row
	args []types.Value
	tfs  [][]types.Value
	// agg holds the task's groups when the query aggregates; join the
	// sides' state of a join's second stage.
	agg  *aggregator
	join *joinState
	// fk holds the foreign key of each left row of a foreign-key join's
	// first stage, by left key (binary encodings).
	fk map[string]string
}

// process turns one record into zero or more output rows, calling emit
// for each. It returns false when the record was dropped for an error
// (already logged and counted).
func (pl *Pipeline) process(st *rowState, rec *log.Record, emit func(*Out) error) error {
	p := pl.Plan
	switch pl.stage {
	case StageAggregate:
		return pl.aggregateRepartitioned(st, rec, emit)
	case StageJoin:
		return pl.joinRecord(st, rec, emit)
	}
	if pl.table && rec.Key == nil {
		// A table's rows are identified by their key: without one a
		// record means nothing, as in ksqlDB.
		return nil
	}
	in := st.in[:0]
	var err error
	in, err = pl.key.Decode(in, rec.Key)
	if err != nil {
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to deserialize key from topic: %s. %v", p.Source.Topic, err))
		return nil
	}
	var window [2]types.Value
	if pl.windowed {
		copy(window[:], in[pl.keys:])
		in = in[:pl.keys]
	}
	in = appendHeaders(in, pl.headers, rec.Headers)
	nullValue := rec.Value == nil
	if nullValue {
		for range pl.values {
			in = append(in, types.Null())
		}
	} else if in, err = pl.value.Decode(in, rec.Value); err != nil {
		st.in = in
		pl.fail(rec, "deserialization", fmt.Sprintf("Failed to deserialize value from topic: %s. %v", p.Source.Topic, err))
		return nil
	}
	ts := rec.Timestamp
	if pl.tsCol >= 0 {
		if ts, err = pl.eventTime(in[pl.tsCol]); err != nil {
			st.in = in
			pl.fail(rec, "processing", err.Error())
			return nil
		}
	}
	if nullValue {
		// ksqlDB carries pseudo-columns in the value: a null value has none.
		in = append(in, types.Null(), types.Null(), types.Null())
	} else {
		in = append(in, types.BigInt(ts), types.Int(rec.Partition), types.BigInt(rec.Offset))
	}
	if pl.windowed {
		in = append(in, window[0], window[1])
	}
	st.in = in
	if pl.stage == StageJoinInput {
		return pl.joinInput(st, in, rec, ts, nullValue, emit)
	}
	return pl.rowOut(st, in, rec, ts, nullValue, emit)
}

// rowOut runs an input row through the rest of the plan: the filter,
// then the aggregation, or the table functions and the projection.
func (pl *Pipeline) rowOut(st *rowState, in types.Row, rec *log.Record, ts int64, nullValue bool, emit func(*Out) error) error {
	p := pl.Plan
	if st.agg != nil {
		present := !nullValue
		if present && p.Where != nil {
			v, err := p.Where.Eval(in)
			if err != nil {
				pl.fail(rec, "processing", "Error in WHERE expression: "+err.Error())
				return nil
			}
			present = !v.IsNull() && v.Bool()
		}
		if pl.stage == StageRepartition || pl.stage == StageJoin {
			return st.agg.repartition(in, rec, ts, present, emit)
		}
		return st.agg.row(in, rec, ts, present, emit)
	}
	if p.Where != nil && !(nullValue && pl.table) {
		if nullValue {
			return nil
		}
		v, err := p.Where.Eval(in)
		if err != nil {
			pl.fail(rec, "processing", "Error in WHERE expression: "+err.Error())
			return nil
		}
		if v.IsNull() || !v.Bool() {
			if pl.table {
				// A table row that no longer matches is deleted downstream.
				return pl.project(st, in, rec, ts, true, emit)
			}
			return nil
		}
	}
	if len(p.TableFunctions) == 0 {
		return pl.project(st, in, rec, ts, nullValue, emit)
	}
	return pl.explode(st, in, rec, ts, emit)
}

// explode evaluates the table functions and projects one row per element
// of the longest result; shorter results are padded with NULL, as ksqlDB
// zips them.
func (pl *Pipeline) explode(st *rowState, in types.Row, rec *log.Record, ts int64, emit func(*Out) error) error {
	tfs := pl.Plan.TableFunctions
	if cap(st.tfs) < len(tfs) {
		st.tfs = make([][]types.Value, len(tfs))
	}
	st.tfs = st.tfs[:len(tfs)]
	n := 0
	for i, tf := range tfs {
		st.args = st.args[:0]
		for _, a := range tf.Args {
			v, err := a.Eval(in)
			if err != nil {
				pl.fail(rec, "processing", fmt.Sprintf("Error in table function %s: %v", tf.SQL, err))
				return nil
			}
			st.args = append(st.args, v)
		}
		vals, err := tf.Fn.Eval(st.args)
		if err != nil {
			pl.fail(rec, "processing", fmt.Sprintf("Error in table function %s: %v", tf.SQL, err))
			return nil
		}
		st.tfs[i] = vals
		n = max(n, len(vals))
	}
	for j := 0; j < n; j++ {
		exp := append(st.exp[:0], in...)
		for _, vals := range st.tfs {
			if j < len(vals) {
				exp = append(exp, vals[j])
			} else {
				exp = append(exp, types.Null())
			}
		}
		st.exp = exp
		if err := pl.project(st, exp, rec, ts, false, emit); err != nil {
			return err
		}
	}
	return nil
}

func (pl *Pipeline) project(st *rowState, row types.Row, rec *log.Record, ts int64, nullValue bool, emit func(*Out) error) error {
	p := pl.Plan
	out := st.out[:0]
	for _, k := range p.Key {
		out = append(out, pl.eval(k, row, rec))
	}
	if nullValue {
		for _, v := range p.Value {
			if v.KeyColumn >= 0 {
				out = append(out, row[v.KeyColumn])
			} else {
				out = append(out, types.Null())
			}
		}
	} else {
		for _, v := range p.Value {
			out = append(out, pl.eval(v, row, rec))
		}
	}
	st.out = out
	o := &Out{Row: out, NullValue: nullValue, Time: ts, Headers: rec.Headers, NullKey: rec.Key == nil && !p.Rekeyed, SourceKey: rec.Key}
	if pl.windowed {
		o.Window = row[p.Input.Len()-2 : p.Input.Len()]
	}
	return emit(o)
}

// eval computes one output column; an error makes the column NULL and
// goes to the processing log, as ksqlDB does for a failing expression.
func (pl *Pipeline) eval(o plan.Output, row types.Row, rec *log.Record) types.Value {
	v, err := o.Expr.Eval(row)
	if err != nil {
		pl.fail(rec, "processing", fmt.Sprintf("Error computing expression %s for column %s with index %d: %v", o.SQL, o.Name, 0, err))
		return types.Null()
	}
	return v
}

func (pl *Pipeline) eventTime(v types.Value) (int64, error) {
	return extractTime(v, pl.Plan.Source.Timestamp, pl.tsParse, pl.tsFormat)
}

// extractTime reads event time from a TIMESTAMP column's value: a BIGINT
// of milliseconds, a TIMESTAMP, or a STRING parsed with TIMESTAMP_FORMAT.
func extractTime(v types.Value, column string, parse *functions.Resolved, format types.Value) (int64, error) {
	if v.IsNull() {
		return 0, fmt.Errorf("Failed to extract timestamp: the TIMESTAMP column %s is null", column)
	}
	switch v.Kind() {
	case types.KindBigInt:
		return v.BigInt(), nil
	case types.KindTimestamp:
		return v.Timestamp(), nil
	case types.KindString:
		if parse == nil {
			return 0, fmt.Errorf("Failed to extract timestamp: TIMESTAMP_FORMAT is needed to read a STRING timestamp")
		}
		t, err := parse.Eval([]types.Value{v, format})
		if err != nil {
			return 0, fmt.Errorf("Failed to parse timestamp '%s' with formatter '%s': %v", v.Str(), format.Str(), err)
		}
		return t.Timestamp(), nil
	}
	return 0, fmt.Errorf("Failed to extract timestamp: unsupported type %s", v.Kind())
}

// TimestampOf returns a function reading record time from column col of
// rows, formatted as format when it is a STRING; for a sink's TIMESTAMP.
func TimestampOf(fns *functions.Registry, col int, name, format string) (func(types.Row) (int64, error), error) {
	var parse *functions.Resolved
	if format != "" {
		r, err := fns.Resolve("PARSE_TIMESTAMP", []types.Type{types.StringType, types.StringType})
		if err != nil {
			return nil, err
		}
		parse = &r
	}
	f := types.Str(format)
	return func(row types.Row) (int64, error) { return extractTime(row[col], name, parse, f) }, nil
}

func (pl *Pipeline) fail(rec *log.Record, kind, msg string) {
	pl.Stats.fail()
	if pl.Log != nil {
		pl.Log.Record(pl.QueryID, kind, msg, rec)
	}
}

// appendHeaders fills the header columns from the record: HEADERS gets
// them all, HEADER('k') the last value of key k. The origin a query's
// sink adds is Sluice's own: queries do not see it.
func appendHeaders(in types.Row, cols []types.Column, hs []log.Header) types.Row {
	if len(cols) > 0 {
		hs = stripOrigin(hs)
	}
	for _, c := range cols {
		if c.Namespace == types.NamespaceHeaders {
			elems := make([]types.Value, len(hs))
			for i, h := range hs {
				v := types.Null()
				if h.Value != nil {
					v = types.Bytes(h.Value)
				}
				elems[i] = types.Struct(headerFields, []types.Value{types.Str(h.Key), v})
			}
			in = append(in, types.Array(elems))
			continue
		}
		v := types.Null()
		for _, h := range hs {
			if h.Key == c.HeaderKey && h.Value != nil {
				v = types.Bytes(h.Value)
			}
		}
		in = append(in, v)
	}
	return in
}

var headerFields = []string{"KEY", "VALUE"}
