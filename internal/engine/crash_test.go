package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/embedded"
	"github.com/sluicedata/sluice/internal/serde"
)

// The crash test runs a windowed rollup in a child process (this test
// binary again) over events loaded beforehand, kills it with SIGKILL at
// random points, restarts it, and at the end compares the rollup's table
// with the same rollup computed here.
const (
	engineCrashDirEnv       = "SLUICE_ENGINE_CRASH_DIR"        // set: this process is the child
	engineCrashQueryEnv     = "SLUICE_ENGINE_CRASH_QUERY"      // which of crashQueries the child runs
	engineCrashKillsEnv     = "SLUICE_ENGINE_CRASH_KILLS"      // default 50
	engineCrashEventsEnv    = "SLUICE_ENGINE_CRASH_EVENTS"     // default 1,000,000
	engineCrashRatingsEnv   = "SLUICE_ENGINE_CRASH_RATINGS"    // default 200,000
	engineCrashJoinKillsEnv = "SLUICE_ENGINE_CRASH_JOIN_KILLS" // default 30
)

// crashQueries are the queries the child runs: the statements, the sink
// they create and the topics the query reads.
var crashQueries = map[string]struct {
	sql, sink string
	inputs    []string
}{
	"rollup": {`CREATE STREAM events (user STRING KEY, g STRING, v INT) WITH (kafka_topic='events', value_format='JSON');
CREATE TABLE roll AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM events WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 1 HOUR) GROUP BY g;`,
		"ROLL", []string{"events"}},
	"join": {`CREATE TABLE customers (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON');
CREATE STREAM ratings (rid STRING KEY, customer STRING, stars INT, i INT) WITH (kafka_topic='ratings', value_format='JSON');
CREATE STREAM rated AS SELECT r.customer, r.i, r.stars, c.name FROM ratings r LEFT JOIN customers c ON r.customer = c.id;`,
		"RATED", []string{"customers", "ratings"}},
	"streamjoin": {`CREATE STREAM impressions (id STRING KEY, ad STRING, i INT) WITH (kafka_topic='impressions', value_format='JSON');
CREATE STREAM clicks (cid STRING KEY, impression STRING, c INT) WITH (kafka_topic='clicks', value_format='JSON');
CREATE STREAM clicked AS SELECT i.id, i.i, c.c FROM impressions i JOIN clicks c WITHIN 1 SECOND GRACE PERIOD 1 HOUR ON i.id = c.impression;`,
		"CLICKED", []string{"impressions", "clicks"}},
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// crashEvent is event i: its group, value and time offset. The events
// span 50 minutes, less than the grace period, so none is late, except
// some stamped three hours before the others, after the first 20,000:
// those go to the query's late-records topic.
func crashEvent(i int) (g string, v int, ms int64, late bool) {
	if i >= 20_000 && i%997 == 0 {
		return fmt.Sprintf("g%d", i*7%13), i % 11, -3 * 3_600_000, true
	}
	return fmt.Sprintf("g%d", i*7%13), i % 11, int64(i) * 3, false
}

// TestEngineCrashChild is the child of TestEngineCrash; it skips itself
// otherwise. It starts the engine on the directory (creating the rollup
// the first time), prints "p" lines while the query works and "done" once
// both of its stages have committed the ends of their inputs.
func TestEngineCrashChild(t *testing.T) {
	dir := os.Getenv(engineCrashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestEngineCrash")
	}
	ctx := context.Background()
	e, err := Open(ctx, Config{DataDir: dir, Fsync: "always"})
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	cq := crashQueries[os.Getenv(engineCrashQueryEnv)]
	if _, ok := e.Metastore().Source(cq.sink); !ok {
		sess := NewSession()
		sess.Properties["auto.offset.reset"] = "earliest"
		if _, err := e.Execute(ctx, sess, cq.sql); err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(2)
		}
	}
	q := e.Queries()[0]
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		done := true
		for _, topic := range append(append([]string(nil), cq.inputs...), q.InternalTopics...) {
			info, err := e.Log().DescribeTopic(ctx, topic)
			if err != nil {
				fmt.Printf("error %v\n", err)
				os.Exit(2)
			}
			committed, err := e.Log().CommittedOffsets(ctx, q.ID, topic)
			if err != nil {
				fmt.Printf("error %v\n", err)
				os.Exit(2)
			}
			for _, p := range info.Partitions {
				if committed[p.Partition] < p.EndOffset {
					done = false
				}
			}
		}
		if done {
			e.Close()
			fmt.Println("done")
			os.Exit(0)
		}
		fmt.Println("p")
	}
}

func TestEngineCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process many times")
	}
	kills, events := envInt(engineCrashKillsEnv, 50), envInt(engineCrashEventsEnv, 1_000_000)
	if raceDetector {
		kills, events = envInt(engineCrashKillsEnv, 10), envInt(engineCrashEventsEnv, 50_000)
	}
	dir := t.TempDir()
	if d := os.Getenv("SLUICE_ENGINE_CRASH_KEEP"); d != "" {
		dir = d
	}
	base := time.Now().Add(-time.Hour).UnixMilli() / 1000 * 1000

	// Load the events, 4 partitions by user, before any query runs.
	l, err := embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.CreateTopic(ctx, "events", log.TopicConfig{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{} // group@window start -> count, sum
	wantLate := map[int]bool{}    // the late events
	batches := make([][]log.Record, 4)
	for i := 0; i < events; i++ {
		g, v, ms, late := crashEvent(i)
		user := fmt.Sprintf("u%d", i%97)
		p := log.PartitionForKey([]byte(user), 4)
		batches[p] = append(batches[p], log.Record{Key: []byte(user), Value: fmt.Appendf(nil, `{"g":"%s","v":%d,"i":%d}`, g, v, i), Timestamp: base + ms})
		if late {
			wantLate[i] = true
		} else {
			id := fmt.Sprintf("%s@%d", g, (base+ms)/1000*1000)
			w := want[id]
			want[id] = [2]int64{w[0] + 1, w[1] + int64(v)}
		}
		if len(batches[p]) == 5000 || i == events-1 {
			for q, b := range batches {
				if len(b) > 0 {
					if _, err := l.Append(ctx, "events", int32(q), b); err != nil {
						t.Fatal(err)
					}
					batches[q] = batches[q][:0]
				}
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	killed := crashLoop(t, dir, "rollup", kills, 20)
	t.Logf("%d events, the child killed %d times", events, killed)

	// The table: the last row of each group and window. Each event adds
	// one to its group's count and the query emits every change, so the
	// counts of a group come in the order 1, 2, 3...: a repeated or missing
	// count would be an input's effect written twice or lost.
	l, err = embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := map[string][2]int64{}
	readTopic(t, l, "ROLL", func(rec log.Record) {
		key, start, _, err := serde.SplitWindow(rec.Key, serde.TimeWindows, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ N, S int64 }
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%s@%d", key, start)
		if v.N != got[id][0]+1 {
			t.Fatalf("group %s: count %d follows %d in the output", id, v.N, got[id][0])
		}
		got[id] = [2]int64{v.N, v.S}
	})
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d", len(got), len(want))
	}
	// Every late event is in the late-records topic once.
	topics, err := l.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotLate := map[int]int{}
	for _, ti := range topics {
		if !strings.HasSuffix(ti.Name, "-late-records") {
			continue
		}
		readTopic(t, l, ti.Name, func(rec log.Record) {
			var v struct{ I int }
			if err := json.Unmarshal(rec.Value, &v); err != nil {
				t.Fatal(err)
			}
			gotLate[v.I]++
		})
	}
	if len(gotLate) != len(wantLate) {
		t.Fatalf("%d late events in the late-records topic, want %d", len(gotLate), len(wantLate))
	}
	for i, n := range gotLate {
		if !wantLate[i] || n != 1 {
			t.Fatalf("event %d is %d times in the late-records topic (late: %v)", i, n, wantLate[i])
		}
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("group %s = %v, want %v", id, got[id], w)
		}
	}
}

// crashLoop runs query in child processes on dir, killing the first
// kills of them at random points (after at most maxLines progress lines),
// until one finishes; it returns how many it killed.
func crashLoop(t *testing.T, dir, query string, kills, maxLines int) int {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	run := func(killAfter int) bool {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEngineCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), engineCrashDirEnv+"="+dir, engineCrashQueryEnv+"="+query)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		lines, done := 0, false
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "done":
				done = true
			case line == "p":
				lines++
			case len(line) > 5 && line[:5] == "error":
				t.Fatalf("child: %s", line)
			}
			if done || killAfter > 0 && lines >= killAfter {
				break
			}
		}
		if !done {
			cmd.Process.Kill() // SIGKILL
		}
		cmd.Wait()
		return done
	}
	finished, killed := false, 0
	for ; killed < kills && !finished; killed++ {
		finished = run(1 + rng.IntN(maxLines))
	}
	for !finished {
		finished = run(0)
	}
	return killed
}

// readTopic calls each with every record of topic, partition by partition.
func readTopic(t *testing.T, l log.Log, topic string, each func(log.Record)) {
	t.Helper()
	ctx := context.Background()
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, p.StartOffset)
		if err != nil {
			t.Fatal(err)
		}
		for r.Position() < p.EndOffset {
			recs, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				each(rec)
			}
		}
		r.Close()
	}
}

// The join crash test runs a stream-table join in the child, killed at
// random points as the rollup is: each rating must be in the output
// once, with its customer's name or, when the rating reached the join
// before its customer did, without one.
func TestEngineJoinCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process many times")
	}
	kills, ratings := envInt(engineCrashJoinKillsEnv, 30), envInt(engineCrashRatingsEnv, 500_000)
	if raceDetector {
		kills, ratings = envInt(engineCrashJoinKillsEnv, 5), envInt(engineCrashRatingsEnv, 20_000)
	}
	const customers = 1000
	dir := t.TempDir()
	l, err := embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	loadCrashTopic(t, l, "customers", customers, func(i int) (string, []byte, int64) {
		return fmt.Sprintf("c%d", i), fmt.Appendf(nil, `{"name":"name%d"}`, i), int64(i)
	})
	// Some ratings name customers the table does not have.
	loadCrashTopic(t, l, "ratings", ratings, func(i int) (string, []byte, int64) {
		return fmt.Sprintf("r%d", i), fmt.Appendf(nil, `{"customer":"c%d","stars":%d,"i":%d}`, i*31%(customers+50), i%5+1, i), int64(i)
	})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	killed := crashLoop(t, dir, "join", kills, 4)
	t.Logf("%d ratings, the child killed %d times", ratings, killed)

	l, err = embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seen := make([]bool, ratings)
	named := 0
	readTopic(t, l, "RATED", func(rec log.Record) {
		var v struct {
			I     int
			STARS int
			NAME  *string
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		if v.I < 0 || v.I >= ratings || seen[v.I] {
			t.Fatalf("rating %d is in the output twice (or was never given)", v.I)
		}
		seen[v.I] = true
		c := v.I * 31 % (customers + 50)
		switch {
		case v.NAME == nil:
		case c >= customers || *v.NAME != fmt.Sprintf("name%d", c) || string(rec.Key) != fmt.Sprintf("c%d", c):
			t.Fatalf("rating %d of customer c%d joined %q under key %q", v.I, c, *v.NAME, rec.Key)
		default:
			named++
		}
	})
	for i, ok := range seen {
		if !ok {
			t.Fatalf("rating %d is missing from the output", i)
		}
	}
	t.Logf("%d of %d ratings found their customer", named, ratings)
}

// loadCrashTopic creates topic with 4 partitions and appends n records
// to it, each in the partition of its key.
func loadCrashTopic(t *testing.T, l log.Log, topic string, n int, rec func(i int) (key string, value []byte, ts int64)) {
	t.Helper()
	ctx := context.Background()
	if err := l.CreateTopic(ctx, topic, log.TopicConfig{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	batches := make([][]log.Record, 4)
	for i := 0; i < n; i++ {
		k, v, ts := rec(i)
		p := log.PartitionForKey([]byte(k), 4)
		batches[p] = append(batches[p], log.Record{Key: []byte(k), Value: v, Timestamp: ts})
	}
	for p, b := range batches {
		for len(b) > 0 {
			n := min(len(b), 5000)
			if _, err := l.Append(ctx, topic, int32(p), b[:n]); err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
	}
}

// The stream-stream crash test joins impressions with the clicks on a
// third of them, half a second later, in a child killed at random points:
// each click must be in the output once, with its impression. The grace
// period is longer than the events span, so none is late whatever order
// the sides reach the join in.
func TestEngineStreamJoinCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process many times")
	}
	kills, impressions := envInt(engineCrashJoinKillsEnv, 30), envInt(engineCrashRatingsEnv, 300_000)
	if raceDetector {
		kills, impressions = envInt(engineCrashJoinKillsEnv, 5), envInt(engineCrashRatingsEnv, 20_000)
	}
	dir := t.TempDir()
	l, err := embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	loadCrashTopic(t, l, "impressions", impressions, func(i int) (string, []byte, int64) {
		return fmt.Sprintf("i%d", i), fmt.Appendf(nil, `{"ad":"a%d","i":%d}`, i%97, i), int64(i)
	})
	clicks := impressions / 3
	loadCrashTopic(t, l, "clicks", clicks, func(c int) (string, []byte, int64) {
		return fmt.Sprintf("c%d", c), fmt.Appendf(nil, `{"impression":"i%d","c":%d}`, 3*c, 3*c), int64(3*c + 500)
	})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	killed := crashLoop(t, dir, "streamjoin", kills, 4)
	t.Logf("%d impressions and %d clicks, the child killed %d times", impressions, clicks, killed)

	l, err = embedded.Open(embedded.Options{Dir: dir + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seen := map[int]bool{}
	readTopic(t, l, "CLICKED", func(rec log.Record) {
		var v struct{ I, C int }
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		if v.I != v.C || string(rec.Key) != fmt.Sprintf("i%d", v.I) {
			t.Fatalf("click %d joined impression %d under key %q", v.C, v.I, rec.Key)
		}
		if seen[v.C] {
			t.Fatalf("click %d is in the output twice", v.C)
		}
		seen[v.C] = true
	})
	if len(seen) != clicks {
		t.Fatalf("%d clicks joined, want %d", len(seen), clicks)
	}
}
