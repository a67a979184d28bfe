package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// An aggregation over a state store with a cache of a few groups (or of
// none) gives the results, in the same order, and the pull-query groups
// of the aggregation that keeps every group in memory.

// fullSink keeps every output as text, with its window, time and
// whether it deletes.
type fullSink struct{ rows []string }

func (s *fullSink) Write(o *Out) error {
	s.rows = append(s.rows, fmt.Sprintf("%v w=%v t=%d del=%v", types.Row(o.Row), o.Window, o.Time, o.NullValue))
	return nil
}

func (s *fullSink) Flush(context.Context) error { return nil }

// aggRun is one aggregation query over a source "S" (K STRING KEY,
// G STRING, N INT) in a memory log.
type aggRun struct {
	t     *testing.T
	l     *memlog.Log
	pl    *Pipeline
	sink  *fullSink
	task  *Task
	store *state.Store
	dir   string
	cache int64 // bytes of the state cache; 0: no store
	fed   int64
}

func newAggRun(t *testing.T, kind catalog.SourceKind, sql string, cache int64) *aggRun {
	t.Helper()
	cs := []types.Column{{Name: "K", Type: types.StringType, Namespace: types.NamespaceKey},
		{Name: "G", Type: types.StringType}, {Name: "N", Type: types.IntegerType}}
	m := catalog.NewMetastore()
	m.PutSource(&catalog.Source{Name: "S", Kind: kind, Topic: "s", Schema: types.MustSchema(cs...),
		Key: catalog.FormatInfo{Name: "KAFKA"}, Value: catalog.FormatInfo{Name: "JSON"}, Partitions: 1})
	stmt, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatal(err)
	}
	fns := functions.NewRegistry()
	p, err := (&plan.Binder{Meta: m, Functions: fns}).Bind(stmt.(*ast.Query), plan.Options{Persistent: true, Sink: "OUT"})
	if err != nil {
		t.Fatal(err)
	}
	l := memlog.New()
	ctx := context.Background()
	for _, topic := range []string{"s", ProcessingLogTopic} {
		if err := l.CreateTopic(ctx, topic, log.TopicConfig{Partitions: 1}); err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewFake(time.Unix(0, 0))
	pl, err := NewPipeline("Q", p, fns, NewProcessingLog(l, clk, nil), NewStats(clk))
	if err != nil {
		t.Fatal(err)
	}
	r := &aggRun{t: t, l: l, pl: pl, sink: &fullSink{}, cache: cache}
	if cache > 0 {
		r.dir = t.TempDir()
	}
	r.start()
	return r
}

// start opens a task (and its store, restoring it) from the last
// checkpoint, or from the start.
func (r *aggRun) start() {
	t := r.t
	t.Helper()
	ctx := context.Background()
	from := int64(0)
	var store *state.Store
	if r.cache > 0 {
		var err error
		if store, err = state.Open(r.dir, state.Options{}); err != nil {
			t.Fatal(err)
		}
		r.store = store
	}
	rd, err := r.l.OpenReader(ctx, "s", 0, from)
	if err != nil {
		t.Fatal(err)
	}
	commit := func(context.Context, int64, map[log.TopicPartition]int64) error { return nil }
	r.task = NewTask(r.pl, rd, r.sink, commit)
	if store != nil {
		r.task.SetStateCache(NewStateCache(r.cache))
		cp, ok, err := r.task.UseStore(store, "s/0")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			rd, err := r.l.OpenReader(ctx, "s", 0, cp.Inputs["s/0"])
			if err != nil {
				t.Fatal(err)
			}
			r.task.SetReader(rd)
		}
	}
}

// restart closes the store, as a crash after the last commit would
// leave it, and starts again.
func (r *aggRun) restart() {
	r.t.Helper()
	if err := r.store.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.task.Close()
	r.start()
}

// feed appends recs and processes them, committing after each batch.
func (r *aggRun) feed(recs []log.Record) {
	r.t.Helper()
	ctx := context.Background()
	for i := 0; i < len(recs); i += 97 {
		batch := recs[i:min(i+97, len(recs))]
		if _, err := r.l.Append(ctx, "s", 0, batch); err != nil {
			r.t.Fatal(err)
		}
		r.fed += int64(len(batch))
		for r.task.Position() < r.fed {
			if err := r.task.Step(ctx); err != nil {
				r.t.Fatal(err)
			}
		}
	}
}

// groups is what pull queries see, sorted.
func (r *aggRun) groups(keys types.Row) []string {
	r.t.Helper()
	gs, err := r.task.Groups(keys)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, g := range gs {
		out = append(out, fmt.Sprintf("%v %v", g.Row, g.Window))
	}
	slices.Sort(out)
	return out
}

// events makes n records of 30 group keys and 60 source keys, in
// roughly increasing time with some out of order and some late; with
// deletes, a tenth of them delete their source key.
func events(n int, deletes bool) []log.Record {
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []log.Record
	for i := range n {
		ts := int64(i/4 + rng.IntN(12))
		if rng.IntN(50) == 0 {
			ts -= 40 // late for most windows
		}
		k := fmt.Sprintf("k%d", rng.IntN(60))
		rec := log.Record{Key: []byte(k), Timestamp: max(ts, 0),
			Value: fmt.Appendf(nil, `{"G":"g%d","N":%d}`, rng.IntN(30), rng.IntN(100))}
		if deletes && rng.IntN(10) == 0 {
			rec.Value = nil
		}
		recs = append(recs, rec)
	}
	return recs
}

var cachedQueries = []struct {
	name string
	kind catalog.SourceKind
	sql  string
}{
	{"unwindowed", catalog.Stream, "SELECT G, COUNT(*) AS C, SUM(N) AS SN FROM S GROUP BY G EMIT CHANGES"},
	{"tumbling", catalog.Stream, "SELECT G, COUNT(*) AS C, SUM(N) AS SN FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS, RETENTION 40 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY G EMIT CHANGES"},
	{"hopping", catalog.Stream, "SELECT G, COUNT(*) AS C, MAX(N) AS MN FROM S WINDOW HOPPING (SIZE 20 MILLISECONDS, ADVANCE BY 5 MILLISECONDS, RETENTION 60 MILLISECONDS, GRACE PERIOD 10 MILLISECONDS) GROUP BY G EMIT CHANGES"},
	{"session", catalog.Stream, "SELECT G, COUNT(*) AS C, SUM(N) AS SN FROM S WINDOW SESSION (3 MILLISECONDS, RETENTION 50 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY G EMIT CHANGES"},
	{"final", catalog.Stream, "SELECT G, COUNT(*) AS C, SUM(N) AS SN FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS, RETENTION 40 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY G EMIT FINAL"},
	{"final-hopping-having", catalog.Stream, "SELECT G, COUNT(*) AS C FROM S WINDOW HOPPING (SIZE 20 MILLISECONDS, ADVANCE BY 10 MILLISECONDS, GRACE PERIOD 2 MILLISECONDS) GROUP BY G HAVING COUNT(*) > 3 EMIT FINAL"},
	{"final-session", catalog.Stream, "SELECT G, COUNT(*) AS C FROM S WINDOW SESSION (3 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY G EMIT FINAL"},
	{"having", catalog.Stream, "SELECT G, COUNT(*) AS C FROM S WINDOW TUMBLING (SIZE 30 MILLISECONDS) GROUP BY G HAVING SUM(N) > 300 EMIT CHANGES"},
	{"table", catalog.Table, "SELECT G, COUNT(*) AS C, SUM(N) AS SN FROM S GROUP BY G EMIT CHANGES"},
	{"table-having", catalog.Table, "SELECT G, COUNT(*) AS C FROM S GROUP BY G HAVING COUNT(*) > 1 EMIT CHANGES"},
}

func TestStoreCacheResultsEqualInMemory(t *testing.T) {
	for _, q := range cachedQueries {
		recs := events(3000, q.kind == catalog.Table)
		mem := newAggRun(t, q.kind, q.sql, 0)
		mem.feed(recs)
		for _, cache := range []int64{1, 2000, 1 << 30} {
			t.Run(fmt.Sprintf("%s/cache=%d", q.name, cache), func(t *testing.T) {
				r := newAggRun(t, q.kind, q.sql, cache)
				r.feed(recs)
				if len(mem.sink.rows) == 0 {
					t.Fatal("no output")
				}
				if d := firstDiff(r.sink.rows, mem.sink.rows); d != "" {
					t.Fatalf("output differs from the in-memory run: %s", d)
				}
				if d := firstDiff(r.groups(nil), mem.groups(nil)); d != "" {
					t.Fatalf("groups differ: %s", d)
				}
				for _, g := range []string{"g1", "g7", "nope"} {
					if d := firstDiff(r.groups(types.Row{types.Str(g)}), mem.groups(types.Row{types.Str(g)})); d != "" {
						t.Fatalf("groups of %s differ: %s", g, d)
					}
				}
				if cache < 1<<30 {
					if c := r.task.st.agg.cache; c.bytes > c.budget.share()+int64(groupOverhead*0) && c.oldest() != nil {
						t.Fatalf("cache holds %d bytes over its bound %d", c.bytes, c.budget.share())
					}
				}
				r.store.Close()
			})
		}
	}
}

// A restarted task reads only the checkpoint, then its groups as records
// need them, and its output goes on as if it had not stopped.
func TestStoreRestoreIsLazy(t *testing.T) {
	for _, q := range cachedQueries {
		recs := events(2500, q.kind == catalog.Table)
		mem := newAggRun(t, q.kind, q.sql, 0)
		mem.feed(recs)
		for _, cache := range []int64{4000, 1 << 30} {
			t.Run(fmt.Sprintf("%s/cache=%d", q.name, cache), func(t *testing.T) {
				r := newAggRun(t, q.kind, q.sql, cache)
				r.feed(recs[:1200])
				r.restart()
				ag := r.task.st.agg
				if len(ag.groups) != 0 || len(ag.sessions) != 0 || ag.cache.bytes != 0 {
					t.Fatalf("restore loaded %d groups and %d sessions' keys, want none", len(ag.groups), len(ag.sessions))
				}
				r.feed(recs[1200:1900])
				r.restart()
				r.feed(recs[1900:])
				if d := firstDiff(r.sink.rows, mem.sink.rows); d != "" {
					t.Fatalf("output differs from the run without restarts: %s", d)
				}
				if a := q.sql; !strings.Contains(a, "WINDOW") {
					if d := firstDiff(r.groups(nil), mem.groups(nil)); d != "" {
						t.Fatalf("groups differ: %s", d)
					}
				}
				r.store.Close()
			})
		}
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d of %d: got %s, want %s", i, len(want), got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d", len(got), len(want))
	}
	return ""
}
