package exec

import (
	"context"
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
	"github.com/sluicedata/sluice/internal/types"
)

// collect is a sink that keeps what it is given, as text.
type collect struct{ rows []string }

func (c *collect) Write(o *Out) error {
	if o.NullValue {
		c.rows = append(c.rows, "tombstone")
		return nil
	}
	c.rows = append(c.rows, types.Row(o.Row).String())
	return nil
}

func (c *collect) Flush(context.Context) error { return nil }

// run binds sql over a stream "S" of the given columns, feeds it recs and
// returns what the sink got, and the processing log.
func run(t *testing.T, cols string, sql string, recs []log.Record) ([]string, []string) {
	return runOver(t, catalog.Stream, cols, sql, recs)
}

func runOver(t *testing.T, kind catalog.SourceKind, cols string, sql string, recs []log.Record) ([]string, []string) {
	t.Helper()
	els, err := parser.ParseTableElements(cols)
	if err != nil {
		t.Fatal(err)
	}
	var cs []types.Column
	for _, el := range els {
		c := types.Column{Name: el.Name.Name}
		switch n := el.Type.String(); n {
		case "STRING":
			c.Type = types.StringType
		case "INT", "INTEGER":
			c.Type = types.IntegerType
		case "ARRAY<INT>", "ARRAY<INTEGER>":
			c.Type = types.ArrayType(types.IntegerType)
		case "BYTES":
			c.Type = types.BytesType
		default:
			t.Fatalf("type %s", n)
		}
		switch el.Constraint {
		case ast.Key:
			c.Namespace = types.NamespaceKey
		case ast.Header:
			c.Namespace, c.HeaderKey = types.NamespaceHeader, el.Header
		}
		cs = append(cs, c)
	}
	m := catalog.NewMetastore()
	key := "KAFKA"
	if types.MustSchema(cs...).KeyLen() == 0 {
		key = "NONE"
	}
	m.PutSource(&catalog.Source{Name: "S", Kind: kind, Topic: "s", Schema: types.MustSchema(cs...),
		Key: catalog.FormatInfo{Name: key}, Value: catalog.FormatInfo{Name: "JSON"}, Partitions: 1})
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
	if err := l.CreateTopic(ctx, "s", log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if err := l.CreateTopic(ctx, ProcessingLogTopic, log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, "s", 0, recs); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Unix(0, 0))
	pl, err := NewPipeline("Q", p, fns, NewProcessingLog(l, clk, nil), NewStats(clk))
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.OpenReader(ctx, "s", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sink := &collect{}
	task := NewTask(pl, r, sink, nil)
	for task.Position() < int64(len(recs)) {
		if err := task.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var plog []string
	pr, _ := l.OpenReader(ctx, ProcessingLogTopic, 0, 0)
	info, _ := l.DescribeTopic(ctx, ProcessingLogTopic)
	for pr.Position() < info.Partitions[0].EndOffset {
		got, _ := pr.Next(ctx)
		for _, g := range got {
			plog = append(plog, string(g.Value))
		}
	}
	return sink.rows, plog
}

func TestTableFunctionsZip(t *testing.T) {
	rows, _ := run(t, "K STRING KEY, A ARRAY<INT>, B ARRAY<INT>",
		"SELECT K, EXPLODE(A) AS X, EXPLODE(B) AS Y FROM S",
		[]log.Record{{Key: []byte("k"), Value: []byte(`{"A":[1,2],"B":[10,11,12]}`)}, {Key: []byte("e"), Value: []byte(`{"A":[],"B":null}`)}})
	if got := strings.Join(rows, " "); got != "[k, 1, 10] [k, 2, 11] [k, null, 12]" {
		t.Fatalf("got %s", got)
	}
}

func TestHeadersAndPseudoColumns(t *testing.T) {
	rows, _ := run(t, "K STRING KEY, N INT, H BYTES HEADER('h')",
		"SELECT K, N, H, ROWTIME AS T, ROWOFFSET AS O FROM S",
		[]log.Record{{Key: []byte("k"), Value: []byte(`{"N":1}`), Timestamp: 42, Headers: []log.Header{{Key: "h", Value: []byte("x")}, {Key: "h", Value: []byte("y")}}}})
	if len(rows) != 1 || !strings.Contains(rows[0], "[k, 1, ") || !strings.HasSuffix(rows[0], ", 42, 0]") {
		t.Fatalf("got %q", rows)
	}
}

// A failing expression makes its column NULL and is logged; a record that
// does not decode is dropped and logged; a null value passes as a
// tombstone.
func TestErrorsAndTombstones(t *testing.T) {
	rows, plog := run(t, "K STRING KEY, N INT",
		"SELECT K, 10 / N AS Q, N FROM S",
		[]log.Record{{Key: []byte("a"), Value: []byte(`{"N":0}`)}, {Key: []byte("b"), Value: []byte(`{"N":`)}, {Key: []byte("c")}})
	if got := strings.Join(rows, " "); got != "[a, null, 0] tombstone" {
		t.Fatalf("got %s", got)
	}
	if len(plog) != 2 || !strings.Contains(plog[0], "RECORDPROCESSINGERROR") || !strings.Contains(plog[1], "DESERIALIZATIONERROR") {
		t.Fatalf("processing log %q", plog)
	}
}

func TestTopicSinkKeepsOrderAcrossPartitions(t *testing.T) {
	l := memlog.New()
	ctx := context.Background()
	if err := l.CreateTopic(ctx, "out", log.TopicConfig{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	var order []int32
	rec := &recorder{Log: l, parts: &order}
	schema := types.MustSchema(types.Column{Name: "K", Type: types.StringType, Namespace: types.NamespaceKey}, types.Column{Name: "V", Type: types.IntegerType})
	key, _ := catalog.FormatInfo{Name: "KAFKA"}.New(schema.Columns()[:1])
	val, _ := catalog.FormatInfo{Name: "JSON"}.New(schema.Columns()[1:])
	s := NewTopicSink(rec, "out", 4, schema, key, val, nil, nil)
	s.KeepOrder()
	var want []int32
	for i := 0; i < 20; i++ {
		k := string(rune('a' + i))
		if err := s.Write(&Out{Row: types.Row{types.Str(k), types.Int(int32(i))}}); err != nil {
			t.Fatal(err)
		}
		want = append(want, log.PartitionForKey([]byte(k), 4))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(order) != len(want) {
		t.Fatalf("%d records appended, want %d", len(order), len(want))
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("append %d went to partition %d, want %d", i, order[i], want[i])
		}
	}
}

// recorder notes the partition of every appended record, in order.
type recorder struct {
	log.Log
	parts *[]int32
}

func (r *recorder) Append(ctx context.Context, topic string, p int32, recs []log.Record) (int64, error) {
	for range recs {
		*r.parts = append(*r.parts, p)
	}
	return r.Log.Append(ctx, topic, p, recs)
}

// A table drops key-less records, passes deletions, and deletes the rows
// that a filter no longer keeps.
func TestTableSemantics(t *testing.T) {
	rows, _ := runOver(t, catalog.Table, "K STRING KEY, N INT",
		"SELECT K, N FROM S WHERE N > 1",
		[]log.Record{
			{Key: []byte("a"), Value: []byte(`{"N":2}`)},
			{Value: []byte(`{"N":3}`)},
			{Key: []byte("a"), Value: []byte(`{"N":1}`)},
			{Key: []byte("b")},
		})
	if got := strings.Join(rows, " "); got != "[a, 2] tombstone tombstone" {
		t.Fatalf("got %s", got)
	}
}
