package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/log"
)

// follow reads topic's partitions from the start until n records have
// arrived (it waits on the log, not on a clock), and returns their values.
func follow(t *testing.T, l log.Log, topic string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, n)
	var wg sync.WaitGroup
	// Readers are not safe for a concurrent Close: each goroutine closes
	// its own once the context ends, and follow waits for them.
	defer wg.Wait()
	defer cancel()
	for _, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, 0)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				recs, err := r.Next(ctx)
				if err != nil {
					return
				}
				for _, rec := range recs {
					select {
					case got <- string(rec.Value):
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	var out []string
	for len(out) < n {
		select {
		case v := <-got:
			out = append(out, v)
		case <-ctx.Done():
			t.Fatalf("%s: got %d records of %d: %q", topic, len(out), n, out)
		}
	}
	return out
}

func openDir(t *testing.T, dir string) *Engine {
	t.Helper()
	e, err := Open(context.Background(), Config{DataDir: dir, Fsync: "always"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A persistent query keeps running across a restart, from where it
// stopped: nothing is lost and nothing processed twice.
func TestPersistentQuerySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=3, value_format='JSON');
CREATE STREAM big AS SELECT k, n FROM s WHERE n > 10;`)
	for i := 0; i < 30; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, n) VALUES ('k%d', %d);", i, i))
	}
	if got := follow(t, e.Log(), "BIG", 19); len(got) != 19 {
		t.Fatal(got)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openDir(t, dir)
	defer e.Close()
	qs := e.Queries()
	if len(qs) != 1 || qs[0].ID != "CSAS_BIG_1" || qs[0].State != "RUNNING" {
		t.Fatalf("queries after restart: %+v", qs)
	}
	for i := 30; i < 40; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, n) VALUES ('k%d', %d);", i, i))
	}
	got := follow(t, e.Log(), "BIG", 29)
	seen := map[string]bool{}
	for _, v := range got {
		if seen[v] {
			t.Fatalf("%s written twice", v)
		}
		seen[v] = true
	}
	if !seen[`{"N":39}`] || !seen[`{"N":11}`] {
		t.Fatalf("got %q", got)
	}
}

// A source of n partitions runs as n tasks.
func TestOneTaskPerPartition(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=4, value_format='JSON');
CREATE STREAM out AS SELECT * FROM s;`)
	if n := len(e.queries[0].tasks); n != 4 {
		t.Fatalf("%d tasks, want 4", n)
	}
}

func TestPauseResumeTerminate(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');
CREATE STREAM out AS SELECT * FROM s;
PAUSE CSAS_OUT_1;
INSERT INTO s (k, n) VALUES ('a', 1);`)
	ctx := context.Background()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, "OUT"); len(got) != 0 {
		t.Fatalf("a paused query wrote %d records", len(got))
	}
	if q := e.Queries()[0]; q.State != "PAUSED" {
		t.Fatalf("state %s", q.State)
	}
	mustExec(t, e, nil, "RESUME CSAS_OUT_1;")
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, "OUT"); len(got) != 1 {
		t.Fatalf("after resume: %d records", len(got))
	}
	if _, err := e.Execute(ctx, nil, "DROP STREAM s;"); err == nil || !strings.Contains(err.Error(), "CSAS_OUT_1") {
		t.Fatalf("dropping a source in use: %v", err)
	}
	mustExec(t, e, nil, "TERMINATE CSAS_OUT_1; DROP STREAM out DELETE TOPIC;")
	if len(e.Queries()) != 0 {
		t.Fatal("query still listed")
	}
	if _, err := l.DescribeTopic(ctx, "OUT"); !errors.Is(err, log.ErrUnknownTopic) {
		t.Fatalf("topic OUT: %v", err)
	}
}

// A record that cannot be read goes to the processing log, is counted,
// and does not stop the query.
func TestBadRecordsGoToTheProcessingLog(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');
CREATE STREAM out AS SELECT k, 10 / n AS q FROM s;`)
	ctx := context.Background()
	if _, err := l.Append(ctx, "s", 0, []log.Record{
		{Key: []byte("a"), Value: []byte(`{"n": 2}`)},
		{Key: []byte("b"), Value: []byte(`{"n": "not a number"`)},
		{Key: []byte("c"), Value: []byte(`{"n": 5}`)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range readAll(t, l, "OUT") {
		vals = append(vals, string(r.Value))
	}
	if strings.Join(vals, " ") != `{"Q":5} {"Q":2}` {
		t.Fatalf("output %q", vals)
	}
	plog := readAll(t, l, exec.ProcessingLogTopic)
	if len(plog) != 1 || !strings.Contains(string(plog[0].Value), "CSAS_OUT_1") || !strings.Contains(string(plog[0].Value), "DESERIALIZATIONERROR") {
		t.Fatalf("processing log: %d records", len(plog))
	}
	ents := mustExec(t, e, nil, "DESCRIBE out EXTENDED;")
	d := ents[0].(*SourceDescriptionEntity).SourceDescription
	if st := d.QueryStats["CSAS_OUT_1"]; st.TotalMessages != 3 || st.Failed != 1 {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(d.Statistics, "total-messages: 3") || d.ErrorStats != "failed-messages: 1" {
		t.Fatalf("statistics %q, errors %q", d.Statistics, d.ErrorStats)
	}
}

func TestPushQueryWithLimit(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=2, value_format='JSON');`)
	for i := 0; i < 5; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, n) VALUES ('k%d', %d);", i, i))
	}
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.Query(ctx, sess, "SELECT k, n * 10 AS m FROM s WHERE n >= 1 EMIT CHANGES LIMIT 3;")
	if err != nil {
		t.Fatal(err)
	}
	if SchemaString(st.Columns) != "`K` STRING KEY, `M` INTEGER" {
		t.Fatalf("schema %s", SchemaString(st.Columns))
	}
	n := 0
	for {
		row, err := st.Next(ctx)
		if errors.Is(err, ErrLimitReached) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m := row.Values[1].Int(); m < 10 {
			t.Fatalf("row %v passed the filter", row.Values)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d rows", n)
	}
}

func TestVariablesPropertiesAndExplain(t *testing.T) {
	e, _ := openManual(t)
	sess := NewSession()
	ents := mustExec(t, e, sess, `DEFINE topic = 'events';
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM ${topic} (k STRING KEY, n INT) WITH (kafka_topic='${topic}', partitions=1, value_format='JSON');
SHOW VARIABLES;
SHOW PROPERTIES;
EXPLAIN SELECT k, n FROM events WHERE n > 1 EMIT CHANGES;
SHOW STREAMS;
DESCRIBE FUNCTION explode;`)
	if vars := ents[3].(*VariablesList).Variables; len(vars) != 1 || vars[0].Value != "events" {
		t.Fatalf("variables %+v", vars)
	}
	props := ents[4].(*PropertiesList)
	if props.Properties[0].Name != "auto.offset.reset" || props.Properties[0].Value != "earliest" {
		t.Fatalf("properties %+v", props.Properties)
	}
	plan := ents[5].(*QueryDescriptionEntity).QueryDescription.ExecutionPlan
	if !strings.Contains(plan, "FILTER ] | Where: (N > 1)") || !strings.Contains(plan, "STREAM: EVENTS") {
		t.Fatalf("plan:\n%s", plan)
	}
	streams := ents[6].(*StreamsList).Streams
	if len(streams) != 2 || streams[0].Name != "EVENTS" || streams[1].Name != "KSQL_PROCESSING_LOG" {
		t.Fatalf("streams %+v", streams)
	}
	if fd := ents[7].(*FunctionDescription); fd.FunctionType != "TABLE" || len(fd.Functions) == 0 {
		t.Fatalf("describe function %+v", fd)
	}
	// A variable may stand for part of a name, as ksqlDB substitutes text.
	mustExec(t, e, sess, "DEFINE env = 'prod'; CREATE STREAM ${env}_events (k STRING KEY, n INT) WITH (kafka_topic='${env}_events', partitions=1, value_format='JSON');")
	if _, ok := e.Metastore().Source("PROD_EVENTS"); !ok {
		t.Fatal("PROD_EVENTS was not created")
	}
	if _, err := e.Execute(context.Background(), sess, "UNDEFINE topic; CREATE STREAM x WITH (kafka_topic='${topic}');"); err == nil || !strings.Contains(err.Error(), "topic") {
		t.Fatalf("undefined variable: %v", err)
	}
}

func TestInsertJSONAndPrint(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.InsertJSON(ctx, "S", []byte(`{"K": "a", "N": 7, "ROWTIME": 86400000}`)); err != nil {
		t.Fatal(err)
	}
	var se *StatementError
	if err := e.InsertJSON(ctx, "S", []byte(`{"K": "a", "N": "x"}`)); !errors.As(err, &se) {
		t.Fatalf("bad row: %v", err)
	}
	st, err := e.Query(ctx, nil, "PRINT 's' FROM BEGINNING LIMIT 1;")
	if err != nil {
		t.Fatal(err)
	}
	row, err := st.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := `rowtime: 1970/01/02 00:00:00.000 Z, key: a, value: {"N":7}, partition: 0`
	if got := row.Values[0].Str(); got != want {
		t.Fatalf("PRINT gave %q, want %q", got, want)
	}
	if _, err := st.Next(ctx); !errors.Is(err, ErrLimitReached) {
		t.Fatalf("after the limit: %v", err)
	}
}

func TestEntitiesMarshalWithType(t *testing.T) {
	e, _ := openManual(t)
	ents := mustExec(t, e, nil, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON'); SHOW QUERIES;`)
	for _, ent := range ents {
		b, err := json.Marshal(ent)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"@type":"`+ent.EntityType()+`"`) {
			t.Fatalf("%s lacks its @type", b)
		}
	}
}

// A table built by GROUP BY answers pull queries with each key's current
// row; a stream answers with its records.
func TestAggregateAndPullQueries(t *testing.T) {
	e, _ := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM clicks (user STRING KEY, page STRING, ms INT) WITH (kafka_topic='clicks', partitions=2, value_format='JSON');
CREATE TABLE per_page AS SELECT page, COUNT(*) AS n, SUM(ms) AS total FROM clicks GROUP BY page;`)
	for i, c := range []string{"a:home:1", "b:home:2", "a:cart:3", "c:home:4"} {
		f := strings.Split(c, ":")
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO clicks (user, page, ms, ROWTIME) VALUES ('%s', '%s', %s, %d);", f[0], f[1], f[2], i))
	}
	ctx := context.Background()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if q := e.Queries()[0]; !q.Repartitioned || len(q.InternalTopics) != 1 {
		t.Fatalf("grouping by a value column must repartition: %+v", q)
	}
	pull := func(sql string) []string {
		t.Helper()
		st, err := e.Query(ctx, nil, sql)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for {
			r, err := st.Next(ctx)
			if errors.Is(err, io.EOF) {
				return rows
			}
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r.Values[0].String()+"="+r.Values[1].String()+"/"+r.Values[2].String())
		}
	}
	if got := strings.Join(pull("SELECT page, n, total FROM per_page;"), " "); got != "cart=1/3 home=3/7" {
		t.Fatalf("table scan: %s", got)
	}
	if got := strings.Join(pull("SELECT page, n, total FROM per_page WHERE page = 'home';"), " "); got != "home=3/7" {
		t.Fatalf("key lookup: %s", got)
	}
	if got := pull("SELECT user, page, ms FROM clicks WHERE ms > 1 LIMIT 2;"); len(got) != 2 {
		t.Fatalf("stream pull: %q", got)
	}
}

// A record later than its window's grace period is not counted in the
// window: it is counted as late, shown by DESCRIBE EXTENDED, and kept in
// the query's late-records topic.
func TestLateRecordsAreKept(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');
CREATE TABLE per_sec AS SELECT k, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY k;`)
	for _, ts := range []int{100, 2500, 900} {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, n, ROWTIME) VALUES ('a', 1, %d);", ts))
	}
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, "PER_SEC"); len(got) != 2 {
		t.Fatalf("%d results, want 2 (the late record is not counted)", len(got))
	}
	q := e.Queries()[0]
	late := readAll(t, l, q.Stats.LateTopic)
	if q.Stats.LateRecords != 1 || len(late) != 1 || late[0].Timestamp != 900 {
		t.Fatalf("late: %+v, topic holds %d", q.Stats, len(late))
	}
	d := mustExec(t, e, nil, "DESCRIBE per_sec EXTENDED;")[0].(*SourceDescriptionEntity).SourceDescription
	if !strings.Contains(d.Statistics, "late-records: 1") {
		t.Fatalf("statistics %q", d.Statistics)
	}
}

// Windows older than the retention are forgotten: the table keeps the
// recent ones only.
func TestWindowRetention(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');
CREATE TABLE per_sec AS SELECT k, COUNT(*) AS c FROM s
  WINDOW TUMBLING (SIZE 1 SECOND, RETENTION 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY k;`)
	var recs []log.Record
	for i := 0; i < 3000; i++ {
		recs = append(recs, log.Record{Key: []byte("a"), Value: []byte(`{"n":1}`), Timestamp: int64(i) * 100})
	}
	ctx := context.Background()
	if _, err := l.Append(ctx, "s", 0, recs); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := e.Query(ctx, nil, "SELECT k, c, WINDOWSTART FROM per_sec;")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		r, err := st.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if start := r.Values[2].BigInt(); start < 299_900-10_000-1_000-purgeSlack {
			t.Fatalf("window %d outlived its retention", start)
		}
		n++
	}
	// 300 windows were made; the last purge pass ran 952 records (95 s)
	// before the end and kept the 10 s of retention before it.
	if n == 0 || n > 10+1+95+1 {
		t.Fatalf("%d windows kept", n)
	}
}

// purgeSlack is how far behind a retention pass may lag, in event time:
// passes run every 1024 records, 100 ms apart here.
const purgeSlack = 1024 * 100

// A push query may aggregate: every change of a group is a row.
func TestPushAggregation(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE STREAM s (k STRING KEY, page STRING) WITH (kafka_topic='s', partitions=2, value_format='JSON');`)
	for _, p := range []string{"a", "b", "a"} {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, page) VALUES ('%s', '%s');", p+"k", p))
	}
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.Query(ctx, sess, "SELECT page, COUNT(*) AS n FROM s GROUP BY page EMIT CHANGES LIMIT 3;")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for {
		r, err := st.Next(ctx)
		if errors.Is(err, ErrLimitReached) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		counts[r.Values[0].Str()] = r.Values[1].BigInt()
	}
	if counts["a"] != 2 || counts["b"] != 1 {
		t.Fatalf("counts %v", counts)
	}
}

// A push query over a table sends a deletion as a tombstone row.
func TestPushQueryOverTableSendsTombstones(t *testing.T) {
	e, l := openManual(t)
	mustExec(t, e, nil, `CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', partitions=1, value_format='JSON');`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := l.Append(ctx, "users", 0, []log.Record{{Key: []byte("a"), Value: []byte(`{"NAME":"ada"}`)}, {Key: []byte("a")}}); err != nil {
		t.Fatal(err)
	}
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	st, err := e.Query(ctx, sess, "SELECT * FROM users EMIT CHANGES LIMIT 2;")
	if err != nil {
		t.Fatal(err)
	}
	first, err := st.Next(ctx)
	if err != nil || first.Tombstone || first.Values[1].Str() != "ada" {
		t.Fatalf("first row %+v, %v", first, err)
	}
	second, err := st.Next(ctx)
	if err != nil || !second.Tombstone || second.Values[0].Str() != "a" || !second.Values[1].IsNull() {
		t.Fatalf("second row %+v, %v", second, err)
	}
}

// An aggregation's groups are checkpointed in its state store: after a
// restart they are there at once, without reading the input again.
func TestAggregationStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM clicks (user STRING KEY, page STRING) WITH (kafka_topic='clicks', partitions=2, value_format='JSON');
CREATE TABLE per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page;`)
	for i := 0; i < 20; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO clicks (user, page) VALUES ('u%d', 'p%d');", i, i%3))
	}
	follow(t, e.Log(), "PER_PAGE", 20)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openDir(t, dir)
	defer e.Close()
	count := func(page string) int64 {
		t.Helper()
		st, err := e.Query(context.Background(), nil, "SELECT page, n FROM per_page WHERE page = '"+page+"';")
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Next(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		return r.Values[1].BigInt()
	}
	if got := count("p0") + count("p1") + count("p2"); got != 20 {
		t.Fatalf("after the restart the groups count %d clicks, want 20", got)
	}
	mustExec(t, e, nil, "INSERT INTO clicks (user, page) VALUES ('x', 'p0');")
	follow(t, e.Log(), "PER_PAGE", 21)
	if got := count("p0"); got != 8 {
		t.Fatalf("p0 counts %d, want 8", got)
	}
}

// Windowed groups, with their windows and states, come back from the
// state store too.
func TestWindowedStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM s (k STRING KEY, v DOUBLE) WITH (kafka_topic='s', partitions=1, value_format='JSON');
CREATE TABLE per_sec AS SELECT k, COUNT(*) AS n, AVG(v) AS a FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;`)
	for i := 0; i < 6; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO s (k, v, ROWTIME) VALUES ('a', %d, %d);", i, i*400))
	}
	follow(t, e.Log(), "PER_SEC", 6)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openDir(t, dir)
	defer e.Close()
	st, err := e.Query(context.Background(), nil, "SELECT k, n, a, WINDOWSTART FROM per_sec;")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		r, err := st.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v@%v:%v/%v", r.Values[0], r.Values[3], r.Values[1], r.Values[2]))
	}
	// Windows [0,1000): 0, 400, 800; [1000,2000): 1200, 1600; [2000,3000): 2000.
	if want := "a@0:3/1.0 a@1000:2/3.5 a@2000:1/5.0"; strings.Join(got, " ") != want {
		t.Fatalf("after the restart: %s, want %s", strings.Join(got, " "), want)
	}
}
