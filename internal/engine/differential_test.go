package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
)

// The differential tests run aggregate queries over random streams and
// tables (out-of-order and late records included) and compare the final
// state of each output table (its sink topic replayed, and a pull query)
// with a batch computation written here, apart from the engine.
//
// Lateness follows Kafka Streams. Stream time is per task (partition) and
// is the largest timestamp of the records that reached the aggregation,
// the arriving record included; records with a null group key or
// filtered out by WHERE do not reach it. A record is dropped from a time
// window [start, end) when stream time >= end + grace, once per window
// (KStreamWindowAggregate), and from a session when the session it would
// merge into ends before stream time - grace - gap, which closes sessions:
// a closed session takes in no more records (KStreamSessionWindowAggregate).
// EMIT FINAL emits a time window once stream time >= end + grace.

// diffRec is one generated source record.
type diffRec struct {
	key  string
	grp  *string // nil: a null group column
	v    *int64  // nil: a null value column
	ts   int64
	del  bool // a table tombstone
	part int32
}

func (r diffRec) value() []byte {
	if r.del {
		return nil
	}
	m := map[string]any{"GRP": nil, "V": nil}
	if r.grp != nil {
		m["GRP"] = *r.grp
	}
	if r.v != nil {
		m["V"] = *r.v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// diffGen describes a random input.
type diffGen struct {
	n, keys, groups int
	partitions      int32
	nullGrp, nullV  float64 // probabilities
	lateP           float64 // probability of a record far behind the clock
	lateMax         int64   // how far behind, at most
	pauseP          float64 // probability of a pause of the clock, which ends sessions
	start           int64   // the first timestamp; 10 s when 0
	table           bool    // updates and deletions of keys
}

func (g diffGen) records(rng *rand.Rand) []diffRec {
	out := make([]diffRec, 0, g.n)
	clock := g.start
	if clock == 0 {
		clock = 10_000
	}
	for range g.n {
		clock += rng.Int63n(6)
		if rng.Float64() < g.pauseP {
			clock += 20 + rng.Int63n(100)
		}
		r := diffRec{key: "k" + strconv.Itoa(rng.Intn(g.keys)), ts: clock}
		if rng.Float64() < g.lateP {
			r.ts -= rng.Int63n(g.lateMax + 1)
		} else {
			// Small disorder that stays within the grace period.
			r.ts -= rng.Int63n(8)
		}
		r.part = int32(diffKeyHash(r.key) % uint32(g.partitions))
		if g.table && rng.Float64() < 0.12 {
			r.del = true
			out = append(out, r)
			continue
		}
		if rng.Float64() >= g.nullGrp {
			s := "g" + strconv.Itoa(rng.Intn(g.groups))
			r.grp = &s
		}
		if rng.Float64() >= g.nullV {
			v := rng.Int63n(21) - 10
			r.v = &v
		}
		out = append(out, r)
	}
	return out
}

// diffKeyHash places a key in a partition: any fixed function will do, as
// long as one key always goes to the same partition.
func diffKeyHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func diffAppend(t *testing.T, l log.Log, topic string, recs []diffRec) {
	t.Helper()
	byPart := map[int32][]log.Record{}
	var parts []int32
	for _, r := range recs {
		if _, ok := byPart[r.part]; !ok {
			parts = append(parts, r.part)
		}
		byPart[r.part] = append(byPart[r.part], log.Record{Key: []byte(r.key), Value: r.value(), Timestamp: r.ts})
	}
	for _, p := range parts {
		if _, err := l.Append(context.Background(), topic, p, byPart[p]); err != nil {
			t.Fatal(err)
		}
	}
}

// diffAcc is the batch computation's state of one group.
type diffAcc struct {
	count, countV, sum int64
	min, max           int64 // of the countV non-null values
}

// add folds one row in. Retractions need no inverse here: a table's
// expectation is computed from its final rows.
func (a *diffAcc) add(v *int64) {
	a.count++
	if v == nil {
		return
	}
	a.countV++
	a.sum += *v
	if a.countV == 1 || *v < a.min {
		a.min = *v
	}
	if a.countV == 1 || *v > a.max {
		a.max = *v
	}
}

// merge folds another group's state in, as two sessions merge.
func (a *diffAcc) merge(b *diffAcc) {
	if b.countV > 0 && (a.countV == 0 || b.min < a.min) {
		a.min = b.min
	}
	if b.countV > 0 && (a.countV == 0 || b.max > a.max) {
		a.max = b.max
	}
	a.count += b.count
	a.countV += b.countV
	a.sum += b.sum
}

// column is the value of one output column, by its alias: CNT COUNT(*),
// CNTV COUNT(v), S SUM(v), MN MIN(v), MX MAX(v), AV AVG(v). A nil result
// is SQL NULL. Null values count only for COUNT(*).
func (a *diffAcc) column(name string) *float64 {
	f := func(x float64) *float64 { return &x }
	switch name {
	case "CNT":
		return f(float64(a.count))
	case "CNTV":
		return f(float64(a.countV))
	case "S":
		return f(float64(a.sum))
	case "AV":
		if a.countV == 0 {
			// ksqlDB's AVG of no values is 0.0, not null.
			return f(0)
		}
		return f(float64(a.sum) / float64(a.countV))
	case "MN", "MX":
		if a.countV == 0 {
			return nil
		}
		if name == "MN" {
			return f(float64(a.min))
		}
		return f(float64(a.max))
	}
	panic("unknown column " + name)
}

var diffAggSQL = map[string]string{
	"CNT": "COUNT(*)", "CNTV": "COUNT(v)", "S": "SUM(v)", "MN": "MIN(v)", "MX": "MAX(v)", "AV": "AVG(v)",
}

// diffWindow is a TUMBLING (advance = size) or HOPPING window, in ms.
// grace is the grace period in effect; omitGrace leaves it out of the
// SQL, so that it must be the default (24 hours, or 0 with EMIT FINAL).
type diffWindow struct {
	size, advance, grace int64
	omitGrace            bool
	retention            int64 // 0: not given
}

func (w diffWindow) sql() string {
	s := fmt.Sprintf("WINDOW TUMBLING (SIZE %d MILLISECONDS", w.size)
	if w.advance != w.size {
		s = fmt.Sprintf("WINDOW HOPPING (SIZE %d MILLISECONDS, ADVANCE BY %d MILLISECONDS", w.size, w.advance)
	}
	if w.retention != 0 {
		s += fmt.Sprintf(", RETENTION %d MILLISECONDS", w.retention)
	}
	if !w.omitGrace {
		s += fmt.Sprintf(", GRACE PERIOD %d MILLISECONDS", w.grace)
	}
	return s + ")"
}

// starts lists the starts of the windows that hold ts, as Kafka Streams'
// TimeWindows.windowsFor does: aligned to the advance, never negative.
func (w diffWindow) starts(ts int64) []int64 {
	first := max(0, ts-w.size+w.advance) / w.advance * w.advance
	var out []int64
	for s := first; s <= ts; s += w.advance {
		out = append(out, s)
	}
	return out
}

// diffQuery is one aggregate query and what the batch computation needs
// to know of it.
type diffQuery struct {
	name      string
	byKey     bool // GROUP BY the source key rather than the GRP column
	cols      []string
	window    *diffWindow
	emitFinal bool
	having    string                // SQL, "" for none
	keep      func(a *diffAcc) bool // the HAVING clause, in Go
	where     string                // SQL, "" for none
	filter    func(r diffRec) bool  // the WHERE clause, in Go
}

func (q diffQuery) sql(source string) string {
	by := "grp"
	if q.byKey {
		by = "k"
	}
	sel := []string{by}
	for _, c := range q.cols {
		sel = append(sel, diffAggSQL[c]+" AS "+c)
	}
	s := fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM %s", q.name, strings.Join(sel, ", "), source)
	if q.window != nil {
		s += " " + q.window.sql()
	}
	if q.where != "" {
		s += " WHERE " + q.where
	}
	s += " GROUP BY " + by
	if q.having != "" {
		s += " HAVING " + q.having
	}
	if q.emitFinal {
		s += " EMIT FINAL"
	} else {
		s += " EMIT CHANGES"
	}
	return s + ";"
}

func (q diffQuery) groupOf(r diffRec) *string {
	if q.byKey {
		return &r.key
	}
	return r.grp
}

// diffTable is the expected final table: each group's (and window's) columns.
type diffTable map[string]map[string]*float64

func diffWindowID(key string, start int64) string { return key + "@" + strconv.FormatInt(start, 10) }

// expectStream computes a query over a stream read in the given order
// (that of one partition: windowed queries use a single partition, so
// that there is a single stream time). It returns the table, how many
// (record, window) pairs were dropped as late (Kafka Streams counts a
// dropped record once per window) and the records dropped from at least
// one window.
func (q diffQuery) expectStream(recs []diffRec) (diffTable, int, []diffRec) {
	accs := map[string]*diffAcc{}
	get := func(id string) *diffAcc {
		a, ok := accs[id]
		if !ok {
			a = &diffAcc{}
			accs[id] = a
		}
		return a
	}
	streamTime := int64(math.MinInt64)
	late := 0
	var lateRecs []diffRec
	for _, r := range recs {
		g := q.groupOf(r)
		if g == nil || q.filter != nil && !q.filter(r) {
			// Never reaches the aggregation: stream time stays.
			continue
		}
		if q.window == nil {
			get(*g).add(r.v)
			continue
		}
		streamTime = max(streamTime, r.ts)
		dropped := false
		for _, start := range q.window.starts(r.ts) {
			end := start + q.window.size
			if streamTime >= end+q.window.grace {
				late++
				dropped = true
				continue
			}
			get(diffWindowID(*g, start)).add(r.v)
		}
		if dropped {
			lateRecs = append(lateRecs, r)
		}
	}
	out := diffTable{}
	for id, a := range accs {
		if q.emitFinal {
			// Only windows that stream time closed have been emitted.
			at := strings.LastIndexByte(id, '@')
			start, _ := strconv.ParseInt(id[at+1:], 10, 64)
			if start+q.window.size+q.window.grace > streamTime {
				continue
			}
		}
		if q.keep != nil && !q.keep(a) {
			continue
		}
		out[id] = q.row(a)
	}
	return out, late, lateRecs
}

// expectTable computes a query over a table source: the aggregate of
// each key's last row. A group that once had rows stays, with a count
// of 0, when they are all gone, as in ksqlDB.
func (q diffQuery) expectTable(recs []diffRec) diffTable {
	last := map[string]diffRec{}
	touched := map[string]bool{}
	for _, r := range recs {
		if r.del {
			delete(last, r.key)
			continue
		}
		last[r.key] = r
		if g := q.groupOf(r); g != nil {
			touched[*g] = true
		}
	}
	accs := map[string]*diffAcc{}
	for g := range touched {
		accs[g] = &diffAcc{}
	}
	for _, r := range last {
		if g := q.groupOf(r); g != nil {
			accs[*g].add(r.v)
		}
	}
	out := diffTable{}
	for g, a := range accs {
		if q.keep != nil && !q.keep(a) {
			continue
		}
		out[g] = q.row(a)
	}
	return out
}

func (q diffQuery) row(a *diffAcc) map[string]*float64 {
	m := map[string]*float64{}
	for _, c := range q.cols {
		m[c] = a.column(c)
	}
	return m
}

// diffSinkTable replays the sink topic into its final state: the last value
// per key (and window), tombstones deleting.
func diffSinkTable(t *testing.T, l log.Log, q diffQuery) diffTable {
	t.Helper()
	out := diffTable{}
	for _, rec := range readAll(t, l, q.name) {
		id := string(rec.Key)
		if q.window != nil {
			key, start, end, err := serde.SplitWindow(rec.Key, serde.TimeWindows, time.Duration(q.window.size)*time.Millisecond)
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			if end-start != q.window.size {
				t.Fatalf("%s: window [%d, %d) is not %d ms long", q.name, start, end, q.window.size)
			}
			id = diffWindowID(string(key), start)
		}
		if rec.Value == nil {
			delete(out, id)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Value, &m); err != nil {
			t.Fatalf("%s: value %q: %v", q.name, rec.Value, err)
		}
		row := map[string]*float64{}
		for k, v := range m {
			switch v := v.(type) {
			case nil:
				row[k] = nil
			case float64:
				row[k] = &v
			default:
				t.Fatalf("%s: column %s of %q is not a number", q.name, k, rec.Value)
			}
		}
		out[id] = row
	}
	return out
}

// diffPullTable reads a non-windowed output table with a pull query.
func diffPullTable(t *testing.T, e *Engine, q diffQuery) diffTable {
	t.Helper()
	ctx := context.Background()
	s, err := e.Query(ctx, nil, "SELECT * FROM "+q.name+";")
	if err != nil {
		t.Fatalf("pull %s: %v", q.name, err)
	}
	defer s.Close()
	out := diffTable{}
	for {
		r, err := s.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("pull %s: %v", q.name, err)
		}
		id := ""
		row := map[string]*float64{}
		for i, c := range s.Columns {
			v := r.Values[i]
			if c.Key {
				id = v.Str()
				continue
			}
			if v.IsNull() {
				row[c.Name] = nil
				continue
			}
			f, ok := v.Float64()
			if !ok {
				t.Fatalf("pull %s: column %s = %s is not a number", q.name, c.Name, v)
			}
			row[c.Name] = &f
		}
		if _, dup := out[id]; dup {
			t.Fatalf("pull %s: key %q twice", q.name, id)
		}
		out[id] = row
	}
}

// diffCompare fails with the first group (in sorted order) where got
// and want differ.
func diffCompare(t *testing.T, what string, got, want diffTable) {
	t.Helper()
	ids := map[string]bool{}
	for id := range got {
		ids[id] = true
	}
	for id := range want {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	for _, id := range sorted {
		g, gok := got[id]
		w, wok := want[id]
		switch {
		case !gok:
			t.Errorf("%s: group %s missing, want %s (%d groups, want %d)", what, id, diffFmtRow(w), len(got), len(want))
			return
		case !wok:
			t.Errorf("%s: unexpected group %s = %s (%d groups, want %d)", what, id, diffFmtRow(g), len(got), len(want))
			return
		case !diffSameRow(g, w):
			t.Errorf("%s: group %s = %s, want %s", what, id, diffFmtRow(g), diffFmtRow(w))
			return
		}
	}
}

func diffSameRow(a, b map[string]*float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || (x == nil) != (y == nil) {
			return false
		}
		if x != nil && math.Abs(*x-*y) > 1e-9*math.Max(1, math.Abs(*y)) {
			return false
		}
	}
	return true
}

func diffFmtRow(r map[string]*float64) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ":")
		if r[k] == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(*r[k], 'g', -1, 64))
		}
	}
	b.WriteByte('}')
	return b.String()
}

func diffQueryInfo(t *testing.T, e *Engine, sink string) QueryInfo {
	t.Helper()
	for _, qi := range e.Queries() {
		if qi.Sink == sink {
			return qi
		}
	}
	t.Fatalf("no query writes %s", sink)
	return QueryInfo{}
}

var diffSeeds = []int64{1, 2, 3, 4}

// diffRun creates the source with ddl and the queries, appends the
// generated records to the source topic, and runs the queries over them.
func diffRun(t *testing.T, seed int64, gen func(*rand.Rand) diffGen, ddl string, queries []diffQuery) (*Engine, log.Log, []diffRec) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	recs := gen(rng).records(rng)
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, ddl)
	for _, q := range queries {
		mustExec(t, e, sess, q.sql("src"))
	}
	diffAppend(t, l, "src", recs)
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, l, recs
}

const (
	diffStreamDDL = `CREATE STREAM src (k STRING KEY, grp STRING, v INT) WITH (kafka_topic='src', partitions=%d, value_format='JSON');`
	diffTableDDL  = `CREATE TABLE src (k STRING PRIMARY KEY, grp STRING, v INT) WITH (kafka_topic='src', partitions=%d, value_format='JSON');`
)

// Non-windowed aggregates of a stream with three partitions, by a value
// column (through a repartition topic) and by the key.
func TestDifferentialStreamAggregates(t *testing.T) {
	all := []string{"CNT", "CNTV", "S", "MN", "MX", "AV"}
	queries := []diffQuery{
		{name: "BY_GRP", cols: all},
		{name: "BY_KEY", byKey: true, cols: all},
		{name: "BY_GRP_HAVING", cols: []string{"CNT", "S"}, having: "SUM(v) > 5",
			keep: func(a *diffAcc) bool { return a.sum > 5 }},
		{name: "BY_KEY_WHERE", byKey: true, cols: []string{"CNT", "MN", "MX"}, where: "v >= 0",
			filter: func(r diffRec) bool { return r.v != nil && *r.v >= 0 }},
	}
	gen := func(rng *rand.Rand) diffGen {
		return diffGen{n: 300 + rng.Intn(1700), keys: 3 + rng.Intn(6), groups: 2 + rng.Intn(4), partitions: 3,
			nullGrp: 0.04, nullV: 0.05, lateP: 0.1, lateMax: 500}
	}
	for _, seed := range diffSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, l, recs := diffRun(t, seed, gen, fmt.Sprintf(diffStreamDDL, 3), queries)
			for _, q := range queries {
				want, _, _ := q.expectStream(recs)
				if len(want) == 0 {
					t.Fatalf("%s: the generated input yields an empty table", q.name)
				}
				diffCompare(t, q.name+" sink topic", diffSinkTable(t, l, q), want)
				diffCompare(t, q.name+" pull query", diffPullTable(t, e, q), want)
				if got := diffQueryInfo(t, e, q.name).Repartitioned; got == q.byKey {
					t.Errorf("%s: repartitioned %v, want %v", q.name, got, !q.byKey)
				}
			}
		})
	}
}

// diffWindowedQueries are tumbling and hopping windows with grace periods
// (given, and the defaults), a retention that lets windows be forgotten,
// HAVING, WHERE, EMIT CHANGES and EMIT FINAL.
func diffWindowedQueries() []diffQuery {
	tumbling := &diffWindow{size: 100, advance: 100, grace: 50}
	hopping := &diffWindow{size: 100, advance: 30, grace: 40}
	retained := &diffWindow{size: 100, advance: 100, grace: 50, retention: 150}
	// Without GRACE PERIOD: 24 hours, longer than any disorder here.
	defaultGrace := &diffWindow{size: 100, advance: 100, grace: 24 * 3600 * 1000, omitGrace: true}
	// EMIT FINAL without GRACE PERIOD closes a window at its end.
	finalNoGrace := &diffWindow{size: 100, advance: 100, grace: 0, omitGrace: true}
	return []diffQuery{
		{name: "TUMBLE_GRP", window: tumbling, cols: []string{"CNT", "S", "MN", "MX", "AV"}},
		{name: "TUMBLE_KEY", byKey: true, window: tumbling, cols: []string{"CNT", "S"}},
		{name: "TUMBLE_KEY_RETAINED", byKey: true, window: retained, cols: []string{"CNT", "S"}},
		{name: "HOP_GRP_HAVING", window: hopping, cols: []string{"CNT", "S"}, having: "SUM(v) > 10",
			keep: func(a *diffAcc) bool { return a.sum > 10 }},
		{name: "HOP_KEY", byKey: true, window: hopping, cols: []string{"CNT", "MX"}},
		{name: "HOP_KEY_WHERE", byKey: true, window: hopping, cols: []string{"CNT", "MN"}, where: "v > 3",
			filter: func(r diffRec) bool { return r.v != nil && *r.v > 3 }},
		{name: "TUMBLE_DEFAULT_GRACE", byKey: true, window: defaultGrace, cols: []string{"CNT"}},
		{name: "TUMBLE_FINAL", window: tumbling, emitFinal: true, cols: []string{"CNT", "S"}},
		{name: "TUMBLE_FINAL_NO_GRACE", byKey: true, window: finalNoGrace, emitFinal: true, cols: []string{"CNT", "S"}},
		{name: "HOP_FINAL_HAVING", byKey: true, window: hopping, emitFinal: true, cols: []string{"CNT"},
			having: "COUNT(*) > 3", keep: func(a *diffAcc) bool { return a.count > 3 }},
	}
}

// diffWindowedGen makes single-partition streams, so that there is one
// stream time, with some records later than every grace period but the
// default one.
func diffWindowedGen(rng *rand.Rand) diffGen {
	return diffGen{n: 300 + rng.Intn(1700), keys: 3 + rng.Intn(5), groups: 2 + rng.Intn(3), partitions: 1,
		nullGrp: 0.04, nullV: 0.03, lateP: 0.08, lateMax: 400}
}

// Windowed aggregates of a stream with out-of-order and late records:
// the final table, and the count of late records in the statistics.
func TestDifferentialWindowedAggregates(t *testing.T) {
	queries := diffWindowedQueries()
	for _, seed := range diffSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, l, recs := diffRun(t, seed, diffWindowedGen, fmt.Sprintf(diffStreamDDL, 1), queries)
			for _, q := range queries {
				want, late, _ := q.expectStream(recs)
				if len(want) == 0 || (late == 0) != (q.window.grace >= 3600*1000) {
					t.Fatalf("%s: the generated input yields %d windows and %d late drops", q.name, len(want), late)
				}
				diffCompare(t, q.name+" sink topic", diffSinkTable(t, l, q), want)
				if got := diffQueryInfo(t, e, q.name).Stats.LateRecords; got != int64(late) {
					t.Errorf("%s: %d late records counted, want %d (one per record and window dropped)", q.name, got, late)
				}
			}
		})
	}
}

// Windowed aggregates by the key of a stream with three partitions,
// starting near time 0: each partition is a task with its own stream
// time, as in Kafka Streams, so a record is late only against the records
// of its own partition.
func TestDifferentialWindowedPartitions(t *testing.T) {
	var queries []diffQuery
	for _, q := range diffWindowedQueries() {
		if q.byKey {
			queries = append(queries, q)
		}
	}
	gen := func(rng *rand.Rand) diffGen {
		g := diffWindowedGen(rng)
		// Early timestamps, so that hopping windows that would start
		// before 0 are cut, as Kafka Streams does; none is negative.
		g.partitions, g.keys, g.start = 3, 6+rng.Intn(6), g.lateMax+10
		return g
	}
	for _, seed := range diffSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, l, recs := diffRun(t, seed, gen, fmt.Sprintf(diffStreamDDL, 3), queries)
			byPart := map[int32][]diffRec{}
			for _, r := range recs {
				byPart[r.part] = append(byPart[r.part], r)
			}
			if len(byPart) < 2 {
				t.Fatalf("the generated keys fall in %d partition(s)", len(byPart))
			}
			for _, q := range queries {
				want, late := diffTable{}, 0
				for _, part := range byPart {
					w, n, _ := q.expectStream(part)
					for id, row := range w {
						want[id] = row
					}
					late += n
				}
				diffCompare(t, q.name+" sink topic", diffSinkTable(t, l, q), want)
				if got := diffQueryInfo(t, e, q.name).Stats.LateRecords; got != int64(late) {
					t.Errorf("%s: %d late records counted, want %d", q.name, got, late)
				}
			}
		})
	}
}

// A windowed query's late-records topic holds the records a window
// dropped, as the source holds them (so that they can be replayed),
// whether or not the query repartitions: each at least once, and nothing
// else.
func TestDifferentialLateRecordsTopic(t *testing.T) {
	queries := diffWindowedQueries()
	for _, seed := range diffSeeds[:2] {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, l, recs := diffRun(t, seed, diffWindowedGen, fmt.Sprintf(diffStreamDDL, 1), queries)
			for _, q := range queries {
				if _, late, lateRecs := q.expectStream(recs); late > 0 {
					diffCheckLateTopic(t, l, q, diffQueryInfo(t, e, q.name).Stats.LateTopic, lateRecs)
				}
			}
		})
	}
}

// diffCheckLateTopic checks that topic holds the records of want, as the
// source holds them, and nothing else.
func diffCheckLateTopic(t *testing.T, l log.Log, q diffQuery, topic string, want []diffRec) {
	t.Helper()
	if topic == "" {
		t.Errorf("%s: no late-records topic", q.name)
		return
	}
	id := func(key []byte, ts int64, value []byte) string {
		return fmt.Sprintf("%q@%d=%s", key, ts, value)
	}
	wantSet := map[string]bool{}
	for _, r := range want {
		wantSet[id([]byte(r.key), r.ts, r.value())] = true
	}
	gotSet := map[string]bool{}
	for _, rec := range readAll(t, l, topic) {
		k := id(rec.Key, rec.Timestamp, rec.Value)
		if !wantSet[k] {
			t.Errorf("%s: late-records topic holds %s, which is not a dropped source record", q.name, k)
			return
		}
		gotSet[k] = true
	}
	for k := range wantSet {
		if !gotSet[k] {
			t.Errorf("%s: late-records topic lacks %s", q.name, k)
			return
		}
	}
}

// Aggregates of a table whose keys are updated (moving between groups)
// and deleted, so that the aggregation retracts rows.
func TestDifferentialTableAggregates(t *testing.T) {
	queries := []diffQuery{
		{name: "T_BY_GRP", cols: []string{"CNT", "CNTV", "S", "AV"}},
		{name: "T_BY_GRP_HAVING", cols: []string{"CNT", "S"}, having: "COUNT(*) > 1",
			keep: func(a *diffAcc) bool { return a.count > 1 }},
	}
	gen := func(rng *rand.Rand) diffGen {
		return diffGen{n: 300 + rng.Intn(1700), keys: 5 + rng.Intn(20), groups: 2 + rng.Intn(4), partitions: 2,
			nullGrp: 0.05, nullV: 0.05, lateP: 0.1, lateMax: 500, table: true}
	}
	for _, seed := range diffSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e, l, recs := diffRun(t, seed, gen, fmt.Sprintf(diffTableDDL, 2), queries)
			for _, q := range queries {
				want := q.expectTable(recs)
				if len(want) == 0 {
					t.Fatalf("%s: the generated input yields an empty table", q.name)
				}
				diffCompare(t, q.name+" sink topic", diffSinkTable(t, l, q), want)
				diffCompare(t, q.name+" pull query", diffPullTable(t, e, q), want)
			}
		})
	}
}

// diffSession is one session of the batch computation: [start, end], both
// inclusive, as Kafka Streams' session windows.
type diffSession struct {
	start, end int64
	acc        diffAcc
}

// expectSessions computes a session-windowed query (gap, grace) over a
// stream read in order, as Kafka Streams' session aggregation does: a
// record merges the sessions of its group that end at or after ts - gap
// and start at or before ts + gap and are not closed (ending before stream
// time - grace - gap), and is dropped as late when the merged session
// would be closed.
func (q diffQuery) expectSessions(recs []diffRec, gap, grace int64) (diffTable, int) {
	sessions := map[string][]*diffSession{}
	streamTime := int64(math.MinInt64)
	late := 0
	for _, r := range recs {
		g := q.groupOf(r)
		if g == nil {
			continue
		}
		streamTime = max(streamTime, r.ts)
		merged := &diffSession{start: r.ts, end: r.ts}
		var kept, absorbed []*diffSession
		closed := streamTime - grace - gap
		for _, s := range sessions[*g] {
			if s.end >= r.ts-gap && s.start <= r.ts+gap && s.end >= closed {
				absorbed = append(absorbed, s)
				merged.start, merged.end = min(merged.start, s.start), max(merged.end, s.end)
			} else {
				kept = append(kept, s)
			}
		}
		if merged.end < closed {
			late++
			continue
		}
		for _, s := range absorbed {
			merged.acc.merge(&s.acc)
		}
		merged.acc.add(r.v)
		sessions[*g] = append(kept, merged)
	}
	out := diffTable{}
	for g, ss := range sessions {
		for _, s := range ss {
			out[diffSessionID(g, s.start, s.end)] = q.row(&s.acc)
		}
	}
	return out, late
}

func diffSessionID(key string, start, end int64) string {
	return key + "@" + strconv.FormatInt(start, 10) + ".." + strconv.FormatInt(end, 10)
}

// diffSessionSinkTable replays a session-windowed sink topic: a session's
// key holds its start and end, and a merged-away session is deleted.
func diffSessionSinkTable(t *testing.T, l log.Log, q diffQuery) diffTable {
	t.Helper()
	out := diffTable{}
	for _, rec := range readAll(t, l, q.name) {
		key, start, end, err := serde.SplitWindow(rec.Key, serde.SessionWindows, 0)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		id := diffSessionID(string(key), start, end)
		if rec.Value == nil {
			delete(out, id)
			continue
		}
		var m map[string]*float64
		if err := json.Unmarshal(rec.Value, &m); err != nil {
			t.Fatalf("%s: value %q: %v", q.name, rec.Value, err)
		}
		out[id] = m
	}
	return out
}

// Session windows over a stream with pauses (which end sessions),
// out-of-order records that merge sessions, and late records.
func TestDifferentialSessionWindows(t *testing.T) {
	type sessionQuery struct {
		diffQuery
		sql        string
		gap, grace int64
	}
	var queries []sessionQuery
	for _, c := range []struct {
		name       string
		byKey      bool
		gap, grace int64
		window     string
	}{
		{"SESSION_KEY", true, 15, 30, "SESSION (15 MILLISECONDS, GRACE PERIOD 30 MILLISECONDS)"},
		{"SESSION_KEY_NO_GRACE", true, 15, 0, "SESSION (15 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS)"},
		{"SESSION_GRP", false, 10, 20, "SESSION (10 MILLISECONDS, GRACE PERIOD 20 MILLISECONDS)"},
		// Without GRACE PERIOD: 24 hours, so nothing is late.
		{"SESSION_KEY_DEFAULT_GRACE", true, 15, 24 * 3600 * 1000, "SESSION (15 MILLISECONDS)"},
	} {
		q := diffQuery{name: c.name, byKey: c.byKey, cols: []string{"CNT", "S", "MN", "MX"}}
		by := "grp"
		if c.byKey {
			by = "k"
		}
		sql := fmt.Sprintf("CREATE TABLE %s AS SELECT %s, COUNT(*) AS CNT, SUM(v) AS S, MIN(v) AS MN, MAX(v) AS MX FROM src WINDOW %s GROUP BY %s EMIT CHANGES;",
			c.name, by, c.window, by)
		queries = append(queries, sessionQuery{q, sql, c.gap, c.grace})
	}
	gen := func(rng *rand.Rand) diffGen {
		return diffGen{n: 300 + rng.Intn(1700), keys: 2 + rng.Intn(4), groups: 2 + rng.Intn(3), partitions: 1,
			nullGrp: 0.04, nullV: 0.03, lateP: 0.08, lateMax: 200, pauseP: 0.03}
	}
	for _, seed := range diffSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			recs := gen(rng).records(rng)
			e, l := openManual(t)
			sess := NewSession()
			sess.Properties["auto.offset.reset"] = "earliest"
			mustExec(t, e, sess, fmt.Sprintf(diffStreamDDL, 1))
			for _, q := range queries {
				mustExec(t, e, sess, q.sql)
			}
			diffAppend(t, l, "src", recs)
			if err := e.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, q := range queries {
				want, late := q.expectSessions(recs, q.gap, q.grace)
				if len(want) < 2 || (late == 0) != (q.grace >= 3600*1000) {
					t.Fatalf("%s: the generated input yields %d sessions and %d late records", q.name, len(want), late)
				}
				diffCompare(t, q.name+" sink topic", diffSessionSinkTable(t, l, q.diffQuery), want)
				if got := diffQueryInfo(t, e, q.name).Stats.LateRecords; got != int64(late) {
					t.Errorf("%s: %d late records counted, want %d", q.name, got, late)
				}
			}
		})
	}
}

// The two smallest cases where session lateness differs from a rule on
// the record's own timestamp: Kafka Streams decides on the session the
// record would merge into (dropped when its end is before stream time
// minus the grace period).
func TestDifferentialSessionLatenessMinimal(t *testing.T) {
	v := func(x int64) *int64 { return &x }
	for _, c := range []struct {
		name string
		recs []diffRec
		want diffTable
	}{{
		// An out-of-order record inside a session that is still open
		// (its end, 130, is not before stream time 130) joins it.
		name: "joins_open_session",
		recs: []diffRec{{key: "a", v: v(1), ts: 100}, {key: "a", v: v(1), ts: 110}, {key: "a", v: v(1), ts: 120},
			{key: "a", v: v(1), ts: 130}, {key: "a", v: v(1), ts: 112}},
		want: diffTable{diffSessionID("a", 100, 130): {"CNT": diffPtr(5)}},
	}, {
		// A record that starts a session of its own which ends (at 90)
		// before stream time (100), but within the gap (15) of it, is not
		// late: stream time has not closed that session yet.
		name: "isolated_record_within_the_gap",
		recs: []diffRec{{key: "a", v: v(1), ts: 100}, {key: "b", v: v(1), ts: 90}},
		want: diffTable{diffSessionID("a", 100, 100): {"CNT": diffPtr(1)}, diffSessionID("b", 90, 90): {"CNT": diffPtr(1)}},
	}, {
		// Further behind than the gap and the grace, it is late.
		name: "isolated_record_behind_the_gap",
		recs: []diffRec{{key: "a", v: v(1), ts: 100}, {key: "b", v: v(1), ts: 84}},
		want: diffTable{diffSessionID("a", 100, 100): {"CNT": diffPtr(1)}},
	}, {
		// A record within the gap of a closed session does not join it:
		// it starts a session of its own, when that one is not closed.
		name: "closed_session_takes_no_more",
		recs: []diffRec{{key: "a", v: v(1), ts: 75}, {key: "b", v: v(1), ts: 100}, {key: "a", v: v(1), ts: 86}},
		want: diffTable{diffSessionID("a", 75, 75): {"CNT": diffPtr(1)}, diffSessionID("b", 100, 100): {"CNT": diffPtr(1)},
			diffSessionID("a", 86, 86): {"CNT": diffPtr(1)}},
	}} {
		t.Run(c.name, func(t *testing.T) {
			q := diffQuery{name: "S", byKey: true, cols: []string{"CNT"}}
			e, l := openManual(t)
			sess := NewSession()
			sess.Properties["auto.offset.reset"] = "earliest"
			mustExec(t, e, sess, fmt.Sprintf(diffStreamDDL, 1))
			mustExec(t, e, sess, "CREATE TABLE S AS SELECT k, COUNT(*) AS CNT FROM src WINDOW SESSION (15 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS) GROUP BY k;")
			diffAppend(t, l, "src", c.recs)
			if err := e.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, _ := q.expectSessions(c.recs, 15, 0)
			diffCompare(t, "batch computation", got, c.want)
			diffCompare(t, "S sink topic", diffSessionSinkTable(t, l, q), c.want)
		})
	}
}

func diffPtr(f float64) *float64 { return &f }
