package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/server"
	"github.com/sluicedata/sluice/internal/types"
)

const (
	pullKeys       = 100_000 // distinct keys of the table
	pullPartitions = 4
	pullTopic      = "pull_events"
	pullTable      = "PULL_COUNTS"
	pullBatch      = 1000 // events per append while loading
	// pullDefaultRate is the paced phase's rate when --rate is left at the
	// shared default, which is sized for event workloads (5 times this
	// workload's 20k/s target): a lookup is a request, not an event.
	pullDefaultRate = 10_000
	// pullSample is how many keys are checked, untimed, before measuring.
	pullSample = 100
	// pullStall fails the load when the query stops advancing this long.
	pullStall = 30 * time.Second
)

// The pull-lookup workload's statements: a keyed stream and a table
// counting and summing it by that key, so the aggregation runs in one
// stage, one task per partition.
const (
	pullCreateStreamSQL = `CREATE STREAM pull_events (user_id STRING KEY, x BIGINT)
  WITH (KAFKA_TOPIC='` + pullTopic + `', VALUE_FORMAT='JSON', PARTITIONS=4);`
	pullCreateTableSQL = `CREATE TABLE pull_counts AS
  SELECT user_id, COUNT(*) AS n, SUM(x) AS s FROM pull_events GROUP BY user_id;`
)

func pullLookup() Workload {
	return Workload{
		Name:        "pull-lookup",
		Description: "pull queries SELECT * FROM t WHERE user_id = '<random key>' over POST /query-stream, --connections clients, on a table aggregating 100k keys; reference: the same lookups through the engine API, without HTTP",
		Run:         runPullLookup,
	}
}

func runPullLookup(ctx context.Context, env Env) (Result, error) {
	total := env.records(200_000)
	keys := int(min(int64(pullKeys), max(total, 1)))
	conns := max(env.Connections, 1)
	p, err := openPullBench(ctx, env.Dir, conns)
	if err != nil {
		return Result{}, err
	}
	defer p.close()

	env.Progress.Phase("load", pullEventCount(keys))
	if err := p.load(ctx, keys, env.Progress); err != nil {
		return Result{}, err
	}
	if err := p.verify(ctx, pullSampleKeys(keys, pullSample)); err != nil {
		return Result{}, err
	}

	discardURL, stopDiscard, err := startDiscardServer()
	if err != nil {
		return Result{}, err
	}
	defer stopDiscard()

	syncAll()
	env.Progress.Phase("throughput", total)
	maxTime := env.roundTime(measureRounds)
	ms, err := interleave(ctx, measureRounds,
		func(ctx context.Context, r int) (Measurement, error) {
			n := share(total, measureRounds, r)
			return p.lookupsHTTP(ctx, p.queryURL, n, conns, maxTime, uint64(r), true, env.Progress)
		},
		func(ctx context.Context, r int) (Measurement, error) {
			return p.lookupsEngine(ctx, share(total, measureRounds, r), conns, maxTime, uint64(r))
		},
		func(ctx context.Context, r int) (Measurement, error) {
			n := share(total, measureRounds, r)
			m, err := p.lookupsHTTP(ctx, discardURL, n, conns, maxTime, uint64(r), false, nil)
			m.Name, m.Detail = "http-discard", "the same requests to a loopback handler that discards them and answers a fixed body"
			return m, err
		})
	if err != nil {
		return Result{}, err
	}
	thr, ref, ceiling := ms[0], ms[1], ms[2]
	thr.Detail = fmt.Sprintf("%d connections, random keys of %d, one row per answer", conns, keys)

	rate, d := pullRate(env), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := p.pacedLookups(ctx, conns, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Throughput:     thr,
		Reference:      ref,
		Others:         []Measurement{ceiling},
		Latency:        h,
		LatencyRate:    rate,
		LatencyElapsed: elapsed,
		Notes: []string{
			fmt.Sprintf("%s events for %s keys (1 to 3 each) appended before the table's query starts and fully aggregated, untimed; %d keys checked over HTTP and the engine API before measuring", groupDigits(pullEventCount(keys)), groupDigits(int64(keys)), min(keys, pullSample)),
			"throughput: each answer read to its end and checked to hold one row; client and server share the process and its cores",
			"clients: one kept-alive HTTP/1.1 connection each, requests written whole and answers parsed with net/http's ReadResponse, without http.Transport's goroutines",
			fmt.Sprintf("latency: lookups scheduled at %d/s (--rate, or %d/s when it is left at the default of %d/s), each from its scheduled time to the end of its answer, %d connections", rate, pullDefaultRate, DefaultRate, conns),
		},
	}, nil
}

// pullRate is the paced phase's rate: --rate, unless left at the shared
// default, which this workload replaces with its own.
func pullRate(env Env) int {
	if env.Rate <= 0 || env.Rate == DefaultRate {
		return pullDefaultRate
	}
	return env.Rate
}

// pullKey is the key of the i-th user.
func pullKey(i int) string { return fmt.Sprintf("user-%06d", i) }

// pullExpected is what the table holds for key i: 1 to 3 events, whose x
// values are i, i+1, ...
func pullExpected(i int) (count, sum int64) {
	n := int64(1 + i%3)
	return n, n*int64(i) + n*(n-1)/2
}

// pullEventCount is the number of events loaded for keys keys.
func pullEventCount(keys int) int64 {
	var n int64
	for i := range keys {
		c, _ := pullExpected(i)
		n += c
	}
	return n
}

// pullSampleKeys spreads n keys over [0, keys).
func pullSampleKeys(keys, n int) []int {
	n = min(n, keys)
	out := make([]int, n)
	for j := range out {
		out[j] = j * keys / n
	}
	return out
}

// pullSQL is the pull query of key i.
func pullSQL(i int) string {
	return "SELECT * FROM pull_counts WHERE user_id = '" + pullKey(i) + "';"
}

// pullBench is the pull-lookup workload's server, its engine and client.
type pullBench struct {
	eng      *engine.Engine
	client   *http.Client
	base     string // http://127.0.0.1:port
	queryURL string
	stop     func()
	keys     int
	// bodies[i] and sqls[i] look up key i, made before measuring.
	bodies [][]byte
	sqls   []string
}

// openPullBench runs the server as `sluice server` does by default
// (embedded log, fsync every 100 ms) in this process on a loopback port,
// with its data in dir.
func openPullBench(ctx context.Context, dir string, conns int) (*pullBench, error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "data"), Fsync: "interval", FsyncInterval: logFsyncInterval})
	if err != nil {
		return nil, err
	}
	srv, err := server.New(eng, server.Config{})
	if err != nil {
		eng.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("cannot listen on loopback: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	p := &pullBench{eng: eng, client: benchClient(conns), base: "http://" + ln.Addr().String()}
	p.queryURL = p.base + "/query-stream"
	p.stop = func() {
		p.client.CloseIdleConnections()
		cancel()
		<-served
		eng.Close()
	}
	return p, nil
}

func (p *pullBench) close() { p.stop() }

// ksql runs statements through POST /ksql with auto.offset.reset=earliest.
func (p *pullBench) ksql(ctx context.Context, stmts string) error {
	body, err := json.Marshal(map[string]any{
		"ksql":              stmts,
		"streamsProperties": map[string]string{"auto.offset.reset": "earliest"},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/ksql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /ksql %q: %s: %s", stmts, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// load creates the stream, appends 1 to 3 events for each of keys keys to
// its topic, each to its key's partition, then creates the table and
// waits until its query has aggregated every event.
func (p *pullBench) load(ctx context.Context, keys int, progress *Progress) error {
	if err := p.ksql(ctx, pullCreateStreamSQL); err != nil {
		return err
	}
	p.keys = keys
	p.bodies = make([][]byte, keys)
	p.sqls = make([]string, keys)
	now := time.Now().UnixMilli()
	batches := make([][]log.Record, pullPartitions)
	flush := func(part int) error {
		if len(batches[part]) == 0 {
			return nil
		}
		if _, err := p.eng.Log().Append(ctx, pullTopic, int32(part), batches[part]); err != nil {
			return fmt.Errorf("loading %s: %w", pullTopic, err)
		}
		progress.Add(int64(len(batches[part])))
		batches[part] = batches[part][:0]
		return nil
	}
	for i := range keys {
		key := []byte(pullKey(i))
		part := log.PartitionForKey(key, pullPartitions)
		n, _ := pullExpected(i)
		for j := range n {
			value := fmt.Appendf(nil, `{"x":%d}`, int64(i)+j)
			batches[part] = append(batches[part], log.Record{Key: key, Value: value, Timestamp: now})
		}
		if len(batches[part]) >= pullBatch {
			if err := flush(int(part)); err != nil {
				return err
			}
		}
		sql := pullSQL(i)
		p.sqls[i] = sql
		p.bodies[i] = fmt.Appendf(nil, `{"sql":%q}`, sql)
	}
	for part := range batches {
		if err := flush(part); err != nil {
			return err
		}
	}
	if err := p.ksql(ctx, pullCreateTableSQL); err != nil {
		return err
	}
	return p.waitAggregated(ctx, pullEventCount(keys))
}

// waitAggregated polls the table query's committed positions until they
// cover the events loaded. A task commits after it has applied a step's
// records to its groups, so the groups then hold every event.
func (p *pullBench) waitAggregated(ctx context.Context, events int64) error {
	id, err := p.queryID()
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var done int64
	lastMove := time.Now()
	for done < events {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		offs, err := p.eng.Log().CommittedOffsets(ctx, id, pullTopic)
		if err != nil {
			return err
		}
		var n int64
		for _, o := range offs {
			n += o
		}
		if n > done {
			done, lastMove = n, time.Now()
		} else if time.Since(lastMove) > pullStall {
			return fmt.Errorf("query %s stalled at %d of %d events (state %s)", id, done, events, p.queryState(id))
		}
	}
	return nil
}

func (p *pullBench) queryID() (string, error) {
	for _, q := range p.eng.Queries() {
		if strings.EqualFold(q.Sink, pullTable) {
			return q.ID, nil
		}
	}
	return "", errors.New("the query writing " + pullTable + " is not running")
}

func (p *pullBench) queryState(id string) string {
	for _, q := range p.eng.Queries() {
		if q.ID == id {
			return q.State
		}
	}
	return "missing"
}

// verify looks the given keys up over HTTP and through the engine API
// and checks both answers against what was loaded.
func (p *pullBench) verify(ctx context.Context, keys []int) error {
	var buf bytes.Buffer
	for _, i := range keys {
		wantN, wantS := pullExpected(i)
		if err := lookupHTTP(ctx, p.client, p.queryURL, p.bodies[i], &buf, true); err != nil {
			return err
		}
		key, n, s, err := parsePullAnswer(buf.Bytes())
		if err != nil {
			return fmt.Errorf("lookup of %s over HTTP: %w", pullKey(i), err)
		}
		if key != pullKey(i) || n != wantN || s != wantS {
			return fmt.Errorf("lookup of %s over HTTP answered %s, n=%d, s=%d; want n=%d, s=%d", pullKey(i), key, n, s, wantN, wantS)
		}
		rows, err := lookupEngine(ctx, p.eng, p.sqls[i])
		if err != nil {
			return err
		}
		if len(rows) != 1 || len(rows[0].Values) != 3 {
			return fmt.Errorf("lookup of %s through the engine answered %d rows, want one of 3 columns", pullKey(i), len(rows))
		}
		v := rows[0].Values
		if v[0].Str() != pullKey(i) || v[1].BigInt() != wantN || v[2].BigInt() != wantS {
			return fmt.Errorf("lookup of %s through the engine answered (%s); want n=%d, s=%d", pullKey(i), pullValues(v), wantN, wantS)
		}
	}
	return nil
}

// parsePullAnswer reads a /query-stream answer holding one row of the
// table: a header line naming the columns, then the row as a JSON array.
func parsePullAnswer(body []byte) (key string, n, s int64, err error) {
	lines := bytes.Split(bytes.TrimRight(body, "\n"), []byte("\n"))
	if len(lines) != 2 {
		return "", 0, 0, fmt.Errorf("%d lines in the answer, want a header and one row: %s", len(lines), body)
	}
	var header struct {
		ColumnNames []string `json:"columnNames"`
	}
	if err := json.Unmarshal(lines[0], &header); err != nil {
		return "", 0, 0, fmt.Errorf("header %s: %w", lines[0], err)
	}
	var row []json.RawMessage
	if err := json.Unmarshal(lines[1], &row); err != nil {
		return "", 0, 0, fmt.Errorf("row %s: %w", lines[1], err)
	}
	if len(row) != len(header.ColumnNames) {
		return "", 0, 0, fmt.Errorf("row %s has %d values for the columns %v", lines[1], len(row), header.ColumnNames)
	}
	found := 0
	for c, name := range header.ColumnNames {
		var dst any
		switch name {
		case "USER_ID":
			dst = &key
		case "N":
			dst = &n
		case "S":
			dst = &s
		default:
			continue
		}
		if err := json.Unmarshal(row[c], dst); err != nil {
			return "", 0, 0, fmt.Errorf("column %s = %s: %w", name, row[c], err)
		}
		found++
	}
	if found != 3 {
		return "", 0, 0, fmt.Errorf("columns %v, want USER_ID, N and S", header.ColumnNames)
	}
	return key, n, s, nil
}

// lookupHTTP posts one pull query with a net/http client and reads its
// answer into buf. With oneRow it checks that the answer is a header and
// exactly one row.
func lookupHTTP(ctx context.Context, c *http.Client, url string, body []byte, buf *bytes.Buffer, oneRow bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	return checkAnswer(url, body, resp.StatusCode, buf.Bytes(), oneRow)
}

// checkAnswer fails an answer that is not a 200 or, with oneRow, not a
// header and exactly one row.
func checkAnswer(url string, body []byte, status int, answer []byte, oneRow bool) error {
	if status != http.StatusOK {
		return fmt.Errorf("POST %s %s: status %d: %s", url, body, status, bytes.TrimSpace(answer))
	}
	if oneRow && bytes.Count(bytes.TrimRight(answer, "\n"), []byte("\n")) != 1 {
		return fmt.Errorf("POST %s %s: want a header and one row, got: %s", url, body, answer)
	}
	return nil
}

// httpConn is one kept-alive HTTP/1.1 connection that posts to one URL,
// for the measured lookups. It writes each request with one write and
// reads the answer with net/http's response parser, but without
// http.Transport's two goroutines per connection and their hand-offs: the
// client shares the process and its cores with the server, and what it
// spends is taken from the server.
type httpConn struct {
	url  string
	addr string
	head []byte // the request up to the Content-Length value
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

func dialHTTP(rawURL string) (*httpConn, error) {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	c := &httpConn{url: rawURL, addr: u.Host}
	c.head = fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: ", u.RequestURI(), u.Host)
	return c, c.redial()
}

func (c *httpConn) redial() error {
	if c.conn != nil {
		c.conn.Close()
	}
	conn, err := net.Dial("tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	return nil
}

// lookup posts body and reads the answer into buf, checking it as
// checkAnswer does.
func (c *httpConn) lookup(body []byte, buf *bytes.Buffer, oneRow bool) error {
	c.req = append(c.req[:0], c.head...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	// A server that stops answering fails the run rather than hanging it.
	if err := c.conn.SetDeadline(time.Now().Add(pullStall)); err != nil {
		return err
	}
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.Close {
		// The server ended the connection after this answer.
		if err := c.redial(); err != nil {
			return err
		}
	}
	return checkAnswer(c.url, body, resp.StatusCode, buf.Bytes(), oneRow)
}

func (c *httpConn) close() {
	if c != nil && c.conn != nil {
		c.conn.Close()
	}
}

func closeAll(cs []*httpConn) {
	for _, c := range cs {
		c.close()
	}
}

// lookupEngine runs one pull query through the engine API and collects
// its rows.
func lookupEngine(ctx context.Context, eng *engine.Engine, sql string) ([]engine.Row, error) {
	st, err := eng.Query(ctx, nil, sql)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var rows []engine.Row
	for {
		row, err := st.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// lookupsHTTP makes n lookups of random keys from conns goroutines, each
// over its own kept-alive connection to url, as fast as the server
// answers.
func (p *pullBench) lookupsHTTP(ctx context.Context, url string, n int64, conns int, maxTime time.Duration, seed uint64, oneRow bool, progress *Progress) (Measurement, error) {
	clients := make([]*httpConn, conns)
	for w := range clients {
		c, err := dialHTTP(url)
		if err != nil {
			closeAll(clients)
			return Measurement{}, err
		}
		clients[w] = c
	}
	defer closeAll(clients)
	b := newBudget(n, maxTime)
	var next, done, size atomic.Int64
	var bad atomic.Pointer[error]
	start := time.Now()
	var wg sync.WaitGroup
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var buf bytes.Buffer
			for ctx.Err() == nil && bad.Load() == nil && b.more(next.Add(1)-1) {
				if err := c.lookup(p.bodies[rng.IntN(p.keys)], &buf, oneRow); err != nil {
					bad.Store(&err)
					return
				}
				done.Add(1)
				size.Add(int64(buf.Len()))
				progress.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := bad.Load(); e != nil {
		return Measurement{}, *e
	}
	if err := ctx.Err(); err != nil {
		return Measurement{}, err
	}
	return Measurement{Name: "pull-lookup", Events: done.Load(), Bytes: size.Load(), Elapsed: elapsed}, nil
}

// lookupsEngine is the floor under lookupsHTTP: the same lookups through
// the engine API (parse, plan, state lookup, rows) on as many goroutines
// as there are connections, without HTTP or JSON.
func (p *pullBench) lookupsEngine(ctx context.Context, n int64, conns int, maxTime time.Duration, seed uint64) (Measurement, error) {
	b := newBudget(n, maxTime)
	var next, done atomic.Int64
	var bad atomic.Pointer[error]
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for ctx.Err() == nil && bad.Load() == nil && b.more(next.Add(1)-1) {
				i := rng.IntN(p.keys)
				rows, err := lookupEngine(ctx, p.eng, p.sqls[i])
				if err == nil && len(rows) != 1 {
					err = fmt.Errorf("lookup of %s through the engine answered %d rows, want 1", pullKey(i), len(rows))
				}
				if err != nil {
					bad.Store(&err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := bad.Load(); e != nil {
		return Measurement{}, fmt.Errorf("reference: %w", *e)
	}
	if err := ctx.Err(); err != nil {
		return Measurement{}, err
	}
	return Measurement{
		Name: "engine-api", Events: done.Load(), Elapsed: elapsed,
		Detail: fmt.Sprintf("the same lookups with Engine.Query and Stream.Next on %d goroutines; no HTTP, no JSON", conns),
	}, nil
}

// pacedLookups schedules lookups of random keys at rate per second for d,
// each sent at its scheduled time by whichever of the conns senders is
// free, and records for each the time from its schedule to the end of its
// answer, so that a stalled server is charged for the lookups that waited.
func (p *pullBench) pacedLookups(ctx context.Context, conns, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	want := max(1, int64(d.Seconds()*float64(rate)))
	type job struct {
		key int
		at  time.Time
	}
	jobs := make(chan job, want)
	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	clients := make([]*httpConn, conns)
	for w := range clients {
		c, err := dialHTTP(p.queryURL)
		if err != nil {
			closeAll(clients)
			return nil, 0, err
		}
		clients[w] = c
	}
	defer closeAll(clients)
	var firstErr error
	var once sync.Once
	hists := make([]*Histogram, conns)
	var wg sync.WaitGroup
	for w, c := range clients {
		hists[w] = NewHistogram()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for j := range jobs {
				if ctx.Err() != nil {
					return
				}
				if err := c.lookup(p.bodies[j.key], &buf, true); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				hists[w].Record(time.Since(j.at))
				progress.Add(1)
			}
		}()
	}
	rng := rand.New(rand.NewPCG(uint64(rate), 7))
	start := time.Now()
	pacer := NewPacer(start, float64(rate))
	for pacer.Issued() < want {
		first, n, err := pacer.Next(ctx, 0, min(64, want-pacer.Issued()))
		if err != nil {
			break // a sender failed, or the run was cancelled
		}
		for i := first; i < first+n; i++ {
			jobs <- job{key: rng.IntN(p.keys), at: pacer.At(i)}
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return nil, 0, firstErr
	}
	if err := parent.Err(); err != nil {
		return nil, 0, err
	}
	for _, h := range hists[1:] {
		hists[0].Merge(h)
	}
	return hists[0], elapsed, nil
}

// pullValues is a row's values as text, for error messages.
func pullValues(vs []types.Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, ", ")
}
