package exec

import (
	"fmt"
	"sort"
	"sync"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// aggregator holds the groups of one task, keyed by the group key's
// JSON bytes and the window start (see appendGroupID). Without a state
// store they all live in memory; with one, the maps are a cache over the
// store, bounded by cache (see statecache.go), and a table source's
// previous rows and the EMIT FINAL buffer live in the store alone.
type aggregator struct {
	mu     sync.Mutex // held by the task while it applies a batch
	pl     *Pipeline
	groups map[string]*group
	prev   map[string]types.Row // a table source's last row per key, without a store
	// sessions holds each group key's open sessions.
	sessions map[string]*sessionSet
	// cache orders the cached groups and sessions by use, with a store;
	// budget is the memory it shares with other tasks.
	cache  *groupCache
	budget *StateCache
	// headers are those of the record being applied, which its results
	// carry, as Kafka Streams forwards them.
	headers []log.Header
	// pending holds, with EMIT FINAL and no store, the windows changed
	// since they were last emitted; they are emitted once stream time
	// closes them. With a store they are in its storePending.
	pending  map[*group]struct{}
	changes  int64
	flushing bool
	// sincePurge counts the records since the last retention pass, and
	// purgedAt is the stream time it ran at.
	sincePurge int
	purgedAt   int64
	// in is the input row being applied; keys, args, argVals and fwd are
	// scratch space for it.
	in   types.Row
	keys types.Row
	// persist, when set, writes the groups to a state store at commits.
	persist *persistence
	// resBuf, outBuf, out and window hold a group's result and the row
	// emitted for it; sinks do not keep what they are given.
	resBuf types.Row
	outBuf types.Row
	out    Out
	// lateSink, when set, writes the late records (see late); restoring
	// says the record at hand rebuilds state only.
	lateSink  *TopicSink
	restoring bool
	sources   sourceReaders // read late records back from the source
	window    [2]types.Value
	args      [][]types.Value
	argVals   []types.Value
	fwd       types.Row
	scratch   []byte
	// streamTime is the largest record time seen, which closes windows.
	streamTime int64
}

type group struct {
	states []types.Value
	keys   types.Row
	start  int64
	end    int64
	id     string // its key in groups; "" for a session
	gk     string // a session's group key
	seq    int64  // when it last changed
	// ts is the time of its latest record: its result's record time with
	// EMIT FINAL, as Kafka Streams stamps a window's aggregate.
	ts int64
	// pending says, with a store, that the group waits in storePending
	// (under its close time and seq) for EMIT FINAL.
	pending bool
	// ord orders, with a store, a key's sessions as they were made, as
	// the list in memory does.
	ord int64
	// stored says, with a store, that the group has been written to it
	// (with its entry in the index by end): a group made and forgotten
	// between two checkpoints never is.
	stored bool
	node   lruNode // its place in the cache, with a store
}

func newAggregator(pl *Pipeline) *aggregator {
	return &aggregator{pl: pl, groups: map[string]*group{}, prev: map[string]types.Row{}, sessions: map[string]*sessionSet{},
		pending: map[*group]struct{}{}, streamTime: -1 << 62, purgedAt: -1 << 62}
}

// groupKeyFormat encodes group keys for the state map: JSON, which is
// exact and unambiguous for every type.
func groupKeyFormat(a *plan.Aggregation) (serde.Format, error) {
	var cols []types.Column
	for _, g := range a.GroupBy {
		cols = append(cols, types.Column{Name: g.Name, Type: g.Expr.Type})
	}
	wrap := true
	return serde.NewFormat("JSON", cols, serde.Options{WrapSingle: &wrap})
}

// row takes a filtered input row (pass false when the row was deleted or
// filtered out of a table) and applies it.
func (ag *aggregator) row(in types.Row, rec *log.Record, ts int64, present bool, emit func(*Out) error) error {
	return ag.change(in, rec, present, func(r types.Row, op string) error {
		e := emit
		if op == opUndoQuiet {
			e = discard
		}
		return ag.apply(r, rec, ts, op != "", e)
	})
}

// change turns a source record into the rows to apply: for a table, the
// key's previous row first, as a retraction (opUndoQuiet when the new row
// stays in its group, which then changes once, as in Kafka Streams), then
// the new row unless it was deleted; for a stream, the row.
func (ag *aggregator) change(in types.Row, rec *log.Record, present bool, apply func(r types.Row, op string) error) error {
	if ag.pl.Plan.Source.Kind == catalog.Table && ag.persist != nil {
		return ag.persist.change(ag, in, rec, present, apply)
	}
	if ag.pl.Plan.Source.Kind == catalog.Table {
		id := string(rec.Key)
		if old, ok := ag.prev[id]; ok {
			delete(ag.prev, id)
			op := opUndo
			if present && ag.sameGroup(old, in) {
				op = opUndoQuiet
			}
			if err := apply(old, op); err != nil {
				return err
			}
		}
		if present {
			ag.prev[id] = cloneRow(in)
		}
	}
	if !present {
		return nil
	}
	return apply(in, "")
}

// touch notes a group changed since it was last written to the store.
func (ag *aggregator) touch(g *group) {
	if ag.persist != nil {
		ag.persist.dirty[g] = struct{}{}
	}
}

// drop removes a group from the store (and from the cache, where a
// windowed group is); the caller takes a session out of its set.
func (ag *aggregator) drop(g *group) error {
	if ag.persist == nil {
		return nil
	}
	return ag.persist.forget(ag, g)
}

// sameGroup tells whether two input rows fall in the same group.
func (ag *aggregator) sameGroup(a, b types.Row) bool {
	for _, g := range ag.pl.Plan.Aggregate.GroupBy {
		x, err1 := g.Expr.Eval(a)
		y, err2 := g.Expr.Eval(b)
		if err1 != nil || err2 != nil || !x.Equal(y) {
			return false
		}
	}
	return true
}

// apply adds (or, undo, removes) one input row to its group's windows,
// then, with a store, brings the cache back within its bound.
func (ag *aggregator) apply(in types.Row, rec *log.Record, ts int64, undo bool, emit func(*Out) error) error {
	err := ag.applyRow(in, rec, ts, undo, emit)
	if ag.cache != nil && err == nil && ag.cache.over() {
		err = ag.persist.trim(ag)
	}
	return err
}

func (ag *aggregator) applyRow(in types.Row, rec *log.Record, ts int64, undo bool, emit func(*Out) error) error {
	pl := ag.pl
	ag.headers, ag.in = rec.Headers, in
	a := pl.Plan.Aggregate
	// keys and args are scratch space, reused from row to row: a new
	// group copies its keys; aggregate functions keep no argument slice
	// (the values are cloned, as states may hold them).
	keys := ag.keys[:0]
	for i, g := range a.GroupBy {
		v, err := g.Expr.Eval(in)
		if err != nil {
			pl.fail(rec, "processing", fmt.Sprintf("Error computing GROUP BY expression %s: %v", g.SQL, err))
			return nil
		}
		if v.IsNull() {
			// ksqlDB drops rows whose group key is null.
			pl.fail(rec, "processing", fmt.Sprintf("Group-by column with index %d resolved to null. The source row will be excluded from the table.", i))
			return nil
		}
		keys = append(keys, v)
	}
	ag.keys = keys
	if cap(ag.args) < len(a.Calls) {
		ag.args = make([][]types.Value, len(a.Calls))
	}
	args := ag.args[:len(a.Calls)]
	flat := ag.argVals[:0]
	for i, c := range a.Calls {
		start := len(flat)
		for _, e := range c.Args {
			v, err := e.Eval(in)
			if err != nil {
				v = types.Null()
			}
			flat = append(flat, CloneValue(v))
		}
		args[i] = flat[start:len(flat):len(flat)]
	}
	// A grown buffer replaces the old one, which the slices taken before
	// it grew keep alive until the next row.
	ag.argVals = flat
	if ts > ag.streamTime && !undo {
		ag.streamTime = ts
	}
	if a.Window == nil {
		return ag.update(keys, args, 0, 0, rec, ts, undo, emit)
	}
	w := a.Window
	if w.Kind == ast.Session {
		return ag.session(keys, args, rec, ts, emit)
	}
	// Every window that holds ts, in start order: starts are aligned to
	// the advance and, as in Kafka Streams, never negative.
	first := ts - w.Size + w.Advance
	first -= first % w.Advance
	if first < 0 {
		first = 0
	}
	for start := first; start <= ts; start += w.Advance {
		end := start + w.Size
		if ag.streamTime >= end+w.Grace {
			ag.late(rec, in)
			continue
		}
		if err := ag.update(keys, args, start, end, rec, ts, undo, emit); err != nil {
			return err
		}
	}
	if err := ag.purgeExpired(); err != nil {
		return err
	}
	return ag.flushClosed(emit)
}

// purgeEvery spaces the retention passes over the windows, in records.
const purgeEvery = 1024

// purgeExpired forgets the windows older than the retention (RETENTION,
// or by default one day and at least the size plus the grace period):
// their results are final and no late record can reach them any more. A
// pass walks every group, so it runs at most every purgeEvery records and
// only once stream time has moved a tenth of the retention (or a window)
// since the last pass. With a store, a pass is a range scan of the
// windows ordered by end (see persistence.purge).
func (ag *aggregator) purgeExpired() error {
	ag.sincePurge++
	if ag.sincePurge < purgeEvery {
		return nil
	}
	ag.sincePurge = 0
	w := ag.pl.Plan.Aggregate.Window
	retention := w.Retention
	if !w.RetentionSet {
		retention = max(plan.DefaultRetention, w.Size+w.Grace)
	}
	if ag.streamTime-ag.purgedAt < min(retention/10, w.Size) {
		return nil
	}
	ag.purgedAt = ag.streamTime
	if ag.persist != nil {
		return ag.persist.purge(ag, ag.streamTime-retention)
	}
	for id, g := range ag.groups {
		if g.end+retention <= ag.streamTime {
			if _, pending := ag.pending[g]; !pending {
				delete(ag.groups, id)
			}
		}
	}
	for k, ss := range ag.sessions {
		kept := ss.list[:0]
		for _, g := range ss.list {
			if _, pending := ag.pending[g]; pending || g.end+retention > ag.streamTime {
				kept = append(kept, g)
			}
		}
		if len(kept) == 0 {
			delete(ag.sessions, k)
		} else {
			ss.list = kept
		}
	}
	return nil
}

// flushClosed emits, with EMIT FINAL, the final result of every window
// that stream time has closed (see closeOf), in the order they closed,
// and forgets those windows.
func (ag *aggregator) flushClosed(emit func(*Out) error) error {
	if ag.pl.Plan.Emit != ast.EmitFinal {
		return nil
	}
	if ag.persist != nil {
		return ag.persist.flush(ag, emit)
	}
	if len(ag.pending) == 0 {
		return nil
	}
	var closed []*group
	for g := range ag.pending {
		if ag.closeOf(g) <= ag.streamTime {
			closed = append(closed, g)
		}
	}
	// In the order they close, then by key, as ksqlDB emits them.
	sort.Slice(closed, func(i, j int) bool {
		ci, cj := ag.closeOf(closed[i]), ag.closeOf(closed[j])
		return ci < cj || ci == cj && string(ref(nil, closed[i])) < string(ref(nil, closed[j]))
	})
	ag.flushing = true
	defer func() { ag.flushing = false }()
	for _, g := range closed {
		delete(ag.pending, g)
		if g.id != "" {
			delete(ag.groups, g.id)
		}
		if err := ag.emitFinal(g, emit); err != nil {
			return err
		}
	}
	return nil
}

// emitFinal emits a closed window's final result, unless HAVING
// rejects it, stamped as Kafka Streams stamps it: a time window with its
// latest record's time, a session with its end.
func (ag *aggregator) emitFinal(g *group, emit func(*Out) error) error {
	result := ag.result(g)
	if h := ag.pl.Plan.Aggregate.Having; h != nil {
		if v, err := h.Eval(result); err != nil || v.IsNull() || !v.Bool() {
			return nil
		}
	}
	ts := g.ts
	if g.id == "" {
		ts = g.end
	}
	return ag.emit(g, result, ts, false, emit)
}

// update folds one row into one group (and window) and emits the change.
func (ag *aggregator) update(keys types.Row, args [][]types.Value, start, end int64, rec *log.Record, ts int64, undo bool, emit func(*Out) error) error {
	pl := ag.pl
	a := pl.Plan.Aggregate
	var err error
	ag.scratch, err = pl.groupKey.Encode(ag.scratch[:0], keys)
	if err != nil {
		pl.failOut(fmt.Sprintf("Error encoding the group key: %v", err))
		return nil
	}
	ag.scratch = appendGroupID(ag.scratch, start)
	g, ok := ag.groups[string(ag.scratch)] // no copy for a lookup
	if ok && ag.cache != nil {
		ag.cache.use(&g.node)
	} else if !ok && ag.persist != nil && ag.persist.mayHold(start) {
		if g, ok, err = ag.persist.load(ag, ag.scratch, true); err != nil {
			return err
		}
	}
	if !ok {
		id := string(ag.scratch)
		if undo {
			return nil
		}
		// One allocation for the keys and the states.
		vals := make([]types.Value, len(keys)+len(a.Calls))
		for i, k := range keys {
			vals[i] = CloneValue(k)
		}
		g = &group{keys: vals[:len(keys):len(keys)], start: start, end: end, id: id, states: vals[len(keys):]}
		for i, c := range a.Calls {
			g.states[i] = c.Fn.Init()
		}
		ag.groups[id] = g
		if ag.persist != nil {
			ag.persist.created(ag, g)
		}
	}
	oldPassed := ok && ag.passes(g)
	if !undo && (!ok || ts > g.ts) {
		g.ts = ts
	}
	ag.touch(g)
	for i, c := range a.Calls {
		var s types.Value
		var err error
		if undo {
			if c.Fn.Undo == nil {
				continue
			}
			s, err = c.Fn.Undo(g.states[i], args[i])
		} else {
			s, err = c.Fn.Add(g.states[i], args[i])
		}
		if err != nil {
			pl.fail(rec, "processing", fmt.Sprintf("Error in aggregate function %s: %v", c.SQL, err))
			continue
		}
		g.states[i] = s
	}
	if ag.cache != nil && ag.cache.varying {
		ag.cache.resize(&g.node, groupSize(g))
	}
	result := ag.result(g)
	if a.Having != nil {
		v, err := a.Having.Eval(result)
		if err != nil || v.IsNull() || !v.Bool() {
			if oldPassed {
				return ag.emit(g, result, ts, true, emit)
			}
			return nil
		}
	}
	return ag.emit(g, result, ts, false, emit)
}

// session adds a row to its key's session: the sessions within the gap
// of ts merge into one, and each merged-away session is deleted
// downstream, as Kafka Streams does.
func (ag *aggregator) session(keys types.Row, args [][]types.Value, rec *log.Record, ts int64, emit func(*Out) error) error {
	pl := ag.pl
	a := pl.Plan.Aggregate
	gap := a.Window.Size
	var err error
	ag.scratch, err = pl.groupKey.Encode(ag.scratch[:0], keys)
	if err != nil {
		pl.failOut(fmt.Sprintf("Error encoding the group key: %v", err))
		return nil
	}
	ss, err := ag.sessionsOf(ag.scratch)
	if err != nil {
		return err
	}
	gk := ss.gk
	// As Kafka Streams does, stream time closes the sessions that end
	// before it, less the grace period and the gap: a record is late when
	// the session it would make, merged with those within the gap, would
	// be closed, and a closed session takes in no more records.
	closed := ag.streamTime - a.Window.Grace - gap
	overlaps := func(s *group) bool { return s.end+gap >= ts && s.start-gap <= ts && s.end >= closed }
	end := ts
	for _, s := range ss.list {
		if overlaps(s) {
			end = max(end, s.end)
		}
	}
	if end < closed {
		ag.late(rec, ag.in)
		return nil
	}
	merged := &group{keys: cloneRow(keys), gk: gk, start: ts, end: ts, states: make([]types.Value, len(a.Calls))}
	for i, c := range a.Calls {
		merged.states[i] = c.Fn.Init()
	}
	var kept []*group
	for _, s := range ss.list {
		if !overlaps(s) {
			kept = append(kept, s)
			continue
		}
		// Delete the old session downstream, then fold it in.
		if err := ag.emit(s, ag.result(s), s.end, true, emit); err != nil {
			return err
		}
		if err := ag.drop(s); err != nil {
			return err
		}
		merged.start, merged.end = min(merged.start, s.start), max(merged.end, s.end)
		for i, c := range a.Calls {
			if c.Fn.Merge == nil {
				continue
			}
			if m, err := c.Fn.Merge(merged.states[i], s.states[i]); err == nil {
				merged.states[i] = m
			}
		}
	}
	for i, c := range a.Calls {
		if s, err := c.Fn.Add(merged.states[i], args[i]); err == nil {
			merged.states[i] = s
		} else {
			pl.fail(rec, "processing", fmt.Sprintf("Error in aggregate function %s: %v", c.SQL, err))
		}
	}
	ss.list = append(kept, merged)
	ag.touch(merged)
	if ag.persist != nil {
		ag.changes++
		merged.ord = ag.changes
		ag.persist.created(ag, merged)
		ag.cache.resize(&ss.node, sessionSetSize(ss))
	}
	result := ag.result(merged)
	if a.Having != nil {
		if v, err := a.Having.Eval(result); err != nil || v.IsNull() || !v.Bool() {
			return nil
		}
	}
	if err := ag.emit(merged, result, merged.end, false, emit); err != nil {
		return err
	}
	if err := ag.purgeExpired(); err != nil {
		return err
	}
	return ag.flushClosed(emit)
}

func (ag *aggregator) passes(g *group) bool {
	h := ag.pl.Plan.Aggregate.Having
	if h == nil {
		return true
	}
	v, err := h.Eval(ag.result(g))
	return err == nil && !v.IsNull() && v.Bool()
}

// result is a group's result row, laid out as Aggregation.Schema, in a
// buffer the next call reuses.
func (ag *aggregator) result(g *group) types.Row {
	a := ag.pl.Plan.Aggregate
	row := append(ag.resBuf[:0], g.keys...)
	for i, c := range a.Calls {
		v, err := c.Fn.Result(g.states[i])
		if err != nil {
			v = types.Null()
		}
		row = append(row, v)
	}
	if a.Window != nil {
		row = append(row, types.BigInt(g.start), types.BigInt(g.end))
	}
	ag.resBuf = row
	return row
}

func (ag *aggregator) emit(g *group, result types.Row, ts int64, tombstone bool, emit func(*Out) error) error {
	p := ag.pl.Plan
	if p.Emit == ast.EmitFinal && !ag.flushing {
		// Hold the window's result until the window closes.
		if ag.persist != nil {
			return ag.persist.hold(ag, g, tombstone)
		}
		if tombstone {
			delete(ag.pending, g)
		} else {
			ag.changes++
			g.seq = ag.changes
			ag.pending[g] = struct{}{}
		}
		return nil
	}
	out := ag.outBuf[:0]
	for _, k := range p.Key {
		v, _ := k.Expr.Eval(result)
		out = append(out, v)
	}
	for _, v := range p.Value {
		if tombstone {
			out = append(out, types.Null())
			continue
		}
		x, err := v.Expr.Eval(result)
		if err != nil {
			x = types.Null()
		}
		out = append(out, x)
	}
	ag.outBuf = out
	o := &ag.out
	*o = Out{Row: out, NullValue: tombstone, Time: ts, Headers: ag.headers}
	if p.Aggregate.Window != nil {
		ag.window = [2]types.Value{types.BigInt(g.start), types.BigInt(g.end)}
		o.Window = ag.window[:]
	}
	return emit(o)
}

func cloneRow(r types.Row) types.Row {
	out := make(types.Row, len(r))
	for i, v := range r {
		out[i] = CloneValue(v)
	}
	return out
}

// Group is one group's current result, for pull queries: the output row
// of the query that aggregates (its key and value columns) and, when
// windowed, the window.
type Group struct {
	Row    types.Row
	Window []types.Value
}

// Groups returns the task's current groups whose key columns equal keys
// (all of them when keys is nil), leaving out those that HAVING rejects
// and, with EMIT FINAL, those not yet emitted. The rows are copies. With
// a store, they are the cached groups and those of the store.
func (t *Task) Groups(keys types.Row) ([]Group, error) {
	ag := t.st.agg
	if ag == nil || ag.pl.stage == StageRepartition || ag.pl.stage == StageJoin {
		return nil, nil
	}
	ag.mu.Lock()
	defer ag.mu.Unlock()
	p := ag.pl.Plan
	if p.Emit == ast.EmitFinal {
		return nil, nil
	}
	var prefix []byte
	if keys != nil {
		b, err := ag.pl.groupKey.Encode(nil, keys)
		if err != nil {
			return nil, err
		}
		prefix = b
	}
	var out []Group
	add := func(g *group) {
		if keys != nil && !g.keys.Equal(keys) {
			return
		}
		result := ag.result(g)
		if !ag.passes(g) {
			return
		}
		row := make(types.Row, 0, len(p.Key)+len(p.Value))
		for _, e := range append(append([]plan.Output(nil), p.Key...), p.Value...) {
			v, err := e.Expr.Eval(result)
			if err != nil {
				v = types.Null()
			}
			row = append(row, CloneValue(v))
		}
		gr := Group{Row: row}
		if p.Aggregate.Window != nil {
			gr.Window = []types.Value{types.BigInt(g.start), types.BigInt(g.end)}
		}
		out = append(out, gr)
	}
	if keys != nil && p.Aggregate.Window == nil {
		// A key lookup of an unwindowed table is one map access, or one
		// read of the store when it may hold groups the cache does not
		// (the tasks that do not own the key answer from memory).
		id := appendGroupID(prefix, 0)
		g, ok := ag.groups[string(id)]
		if !ok && ag.persist != nil && ag.persist.mayHold(0) {
			var err error
			if g, ok, err = ag.persist.load(ag, id, false); err != nil {
				return nil, err
			}
		}
		if ok {
			add(g)
		}
		return out, nil
	}
	if ag.persist != nil {
		return out, ag.persist.scan(ag, prefix, add)
	}
	for _, g := range ag.groups {
		add(g)
	}
	for _, ss := range ag.sessions {
		for _, g := range ss.list {
			add(g)
		}
	}
	return out, nil
}
