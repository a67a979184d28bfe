package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// The recovery workload runs `sluice server` as a child process over a data
// directory, builds an aggregation holding about 1 GB of state (one group
// per event, each keeping a 400-byte payload), kills the server with
// SIGKILL and starts it again, and measures how long after the restart a
// new event's result reaches the output topic: the time the query takes to
// process again. Throughput is the building of the state; its reference is
// a hand-written Go loop aggregating the same events into a map; the
// restarts' reference is the same kill and restart of a server whose query
// holds no state, the floor of a process start.

const (
	recoveryTopic = "rec_events"
	recoveryTable = "REC_STATE"
	recoveryPad   = 400
	recoveryKills = 3
	// recoveryParts is the partitions of the input, and so the tasks.
	recoveryParts = 4
	// ChildServerEnv marks a child process of a workload that must serve
	// as `sluice server` with the arguments after "server".
	ChildServerEnv = "SLUICE_BENCH_CHILD_SERVER"
)

const recoverySQL = `CREATE STREAM rec_events (g STRING KEY, v INT, pad STRING)
  WITH (kafka_topic='rec_events', partitions=4, value_format='JSON');
CREATE TABLE rec_state AS SELECT g, COUNT(*) AS n, SUM(v) AS s, LATEST_BY_OFFSET(pad) AS pad
  FROM rec_events GROUP BY g EMIT CHANGES;`

func recoveryWorkload() Workload {
	return Workload{
		Name:        "recovery",
		Description: "an aggregation holding about 1 GB of state, killed with SIGKILL and restarted: time until it processes again",
		Run:         runRecovery,
	}
}

func runRecovery(ctx context.Context, env Env) (Result, error) {
	n := env.records(2_500_000)
	var res Result
	// The floor: the same query, without state.
	floor, err := recoveryRestarts(ctx, filepath.Join(env.Dir, "empty"), 0, 1, env)
	if err != nil {
		return res, fmt.Errorf("restarting a server without state: %w", err)
	}
	m, err := recoveryRestarts(ctx, filepath.Join(env.Dir, "data"), n, recoveryKills, env)
	if err != nil {
		return res, err
	}
	ref, err := recoveryReference(n)
	if err != nil {
		return res, err
	}
	res.Throughput = Measurement{Events: n, Bytes: n * int64(recoveryEventBytes), Elapsed: m.build,
		Detail: fmt.Sprintf("%d partitions, one group per event; the server is a child process, fed over HTTP", recoveryParts)}
	res.Reference = ref
	res.Latency, res.LatencyRate, res.LatencyElapsed = m.latency, env.rate(), m.latencyElapsed
	var times []string
	for _, d := range m.restarts {
		times = append(times, fmt.Sprintf("%.2f s", d.Seconds()))
	}
	res.Notes = []string{
		fmt.Sprintf("recovery: %v after each of %d kills with %.2f GB of state on disk (median %.2f s; reference: %.2f s for the same query without state)",
			times, len(m.restarts), float64(m.stateBytes)/1e9, median(m.restarts).Seconds(), median(floor.restarts).Seconds()),
		"recovery: from starting the killed server's process again to the output record of an event sent once it answers",
		fmt.Sprintf("the server's peak RSS: %.1f MiB while building the state, %.1f MiB after its last restart (the peak RSS above is this process's, the client's)",
			float64(m.buildRSS)/(1<<20), float64(m.recoveredRSS)/(1<<20)),
		"throughput: the events are sent before the query starts, untimed; from CREATE TABLE ... AS SELECT to its committed positions at the ends of the input",
		"latency: events of new groups sent at --rate after the last restart, each until its group's row reaches the output topic",
	}
	return res, nil
}

// recoveryRun is what recoveryRestarts measured.
type recoveryRun struct {
	build          time.Duration
	stateBytes     int64
	buildRSS       int64 // the server's peak RSS while it built the state
	recoveredRSS   int64 // and after its last restart
	restarts       []time.Duration
	latency        *Histogram
	latencyElapsed time.Duration
}

// recoveryRestarts starts a server over dir, creates the query, feeds it n
// events and waits until it committed them, then kills and restarts the
// server kills times, measuring each recovery, and finally the latency.
func recoveryRestarts(ctx context.Context, dir string, n int64, kills int, env Env) (recoveryRun, error) {
	var m recoveryRun
	srv, err := startChildServer(ctx, dir)
	if err != nil {
		return m, err
	}
	defer func() { srv.kill() }()
	if err := recoveryLoad(ctx, srv.c, n, env.Progress); err != nil {
		return m, err
	}
	start := time.Now()
	id, err := recoveryCreate(ctx, srv.c)
	if err != nil {
		return m, err
	}
	if err := waitCommitted(ctx, srv.c, id, recoveryTopic); err != nil {
		return m, err
	}
	m.build = time.Since(start)
	if m.stateBytes, err = dirBytes(filepath.Join(dir, "state")); err != nil {
		return m, err
	}
	m.buildRSS = srv.peakRSS()
	for i := range kills {
		srv.kill()
		start := time.Now()
		if srv, err = startChildServer(ctx, dir); err != nil {
			return m, err
		}
		key := fmt.Sprintf("restart-%d", i)
		if err := sendAndAwait(ctx, srv.c, key); err != nil {
			return m, err
		}
		m.restarts = append(m.restarts, time.Since(start))
	}
	if n > 0 {
		m.latency, m.latencyElapsed, err = recoveryLatency(ctx, srv.c, env.rate(), env.latencyDuration())
	}
	m.recoveredRSS = srv.peakRSS()
	return m, err
}

// childServer is `sluice server` running as a child process.
type childServer struct {
	cmd    *exec.Cmd
	c      *client.Client
	exited chan error
}

// startChildServer starts the server over dir on a free port and waits
// until it answers.
func startChildServer(ctx context.Context, dir string) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, exe, "server", "--data-dir", dir, "--listen", addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), ChildServerEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c, err := client.New(client.Options{URL: "http://" + addr})
	if err != nil {
		return nil, err
	}
	s := &childServer{cmd: cmd, c: c, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-s.exited:
			return nil, fmt.Errorf("the server exited: %v: %s", err, stderr.String())
		case <-ctx.Done():
			cmd.Process.Kill()
			return nil, ctx.Err()
		case <-tick.C:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Info(cctx)
		cancel()
		if err == nil {
			return s, nil
		}
	}
}

// peakRSS is the server process's peak resident set size, or 0 where it
// cannot be read.
func (s *childServer) peakRSS() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	n, _ := parseVmHWM(f)
	return n
}

// kill stops the server with SIGKILL and waits for it to be gone; a
// second call does nothing.
func (s *childServer) kill() {
	if s.exited == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.exited = nil
}

// recoveryEvent is event i as NDJSON: its own group, a value, and a
// payload of random letters, which compression cannot shrink much.
func recoveryEvent(buf []byte, i int64) []byte {
	buf = fmt.Appendf(buf, `{"g":"g%09d","v":%d,"pad":"`, i, i%100)
	at := len(buf)
	buf = append(buf, make([]byte, recoveryPad)...)
	fillLetters(buf[at:], uint64(i))
	return append(buf, "\"}\n"...)
}

var recoveryEventBytes = len(recoveryEvent(nil, 0)) - 1

// recoveryLoad sends n events in NDJSON batches keyed by their group.
func recoveryLoad(ctx context.Context, c *client.Client, n int64, progress *Progress) error {
	if _, err := c.CreateTopic(ctx, recoveryTopic, client.TopicSpec{Partitions: recoveryParts}); err != nil {
		return err
	}
	const batch = 5000
	progress.Phase("sending events", n)
	var buf []byte
	for i := int64(0); i < n; {
		buf = buf[:0]
		first := i
		for ; i < min(n, first+batch); i++ {
			buf = recoveryEvent(buf, i)
		}
		if _, err := c.ProduceNDJSON(ctx, recoveryTopic, buf, "g"); err != nil {
			return err
		}
		progress.Add(i - first)
	}
	return nil
}

// recoveryCreate creates the stream and the table and returns the
// table's query ID.
func recoveryCreate(ctx context.Context, c *client.Client) (string, error) {
	ents, err := c.Execute(ctx, recoverySQL, map[string]any{"auto.offset.reset": "earliest"}, nil)
	if err != nil {
		return "", err
	}
	for _, raw := range ents {
		var e struct {
			CommandStatus struct {
				QueryID string `json:"queryId"`
			} `json:"commandStatus"`
		}
		if json.Unmarshal(raw, &e) == nil && e.CommandStatus.QueryID != "" {
			return e.CommandStatus.QueryID, nil
		}
	}
	return "", fmt.Errorf("creating %s: no query ID in %s", recoveryTable, ents)
}

// waitCommitted waits until the query's committed positions reach the
// ends of topic.
func waitCommitted(ctx context.Context, c *client.Client, queryID, topic string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		t, err := c.DescribeTopic(ctx, topic)
		if err != nil {
			return err
		}
		committed, err := c.GroupOffsets(ctx, queryID, topic)
		if err != nil {
			return err
		}
		done := true
		for _, p := range t.Partitions {
			if committed[p.Partition] < p.EndOffset {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// sendAndAwait sends an event of a new group and waits for its row in
// the output topic.
func sendAndAwait(ctx context.Context, c *client.Client, key string) error {
	out, err := c.DescribeTopic(ctx, recoveryTable)
	if err != nil {
		return err
	}
	p := log.PartitionForKey([]byte(key), int32(len(out.Partitions)))
	var from int64
	for _, part := range out.Partitions {
		if part.Partition == p {
			from = part.EndOffset
		}
	}
	if _, err := c.ProduceNDJSON(ctx, recoveryTopic, fmt.Appendf(nil, `{"g":%q,"v":1,"pad":"x"}`+"\n", key), "g"); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	found := errors.New("found")
	err = c.Consume(wctx, recoveryTable, client.ConsumeParams{Partition: &p, Offset: strconv.FormatInt(from, 10), Follow: true}, func(r client.Record) error {
		if string(r.Key) == key {
			return found
		}
		return nil
	})
	if errors.Is(err, found) {
		return nil
	}
	return fmt.Errorf("waiting for the row of %s: %v", key, err)
}

// recoveryLatency sends events of new groups at rate for d and measures
// each until its row reaches the output topic.
func recoveryLatency(ctx context.Context, c *client.Client, rate int, d time.Duration) (*Histogram, time.Duration, error) {
	out, err := c.DescribeTopic(ctx, recoveryTable)
	if err != nil {
		return nil, 0, err
	}
	total := int64(float64(rate) * d.Seconds())
	pacer := NewPacer(time.Now().Add(20*time.Millisecond), float64(rate))
	var mu sync.Mutex
	sent := make(map[string]time.Time, total)
	hist := NewHistogram()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, len(out.Partitions))
	for _, part := range out.Partitions {
		p := part.Partition
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Consume(fctx, recoveryTable, client.ConsumeParams{Partition: &p, Offset: strconv.FormatInt(part.EndOffset, 10), Follow: true},
				func(r client.Record) error {
					mu.Lock()
					defer mu.Unlock()
					if at, ok := sent[string(r.Key)]; ok {
						hist.Record(time.Since(at))
						delete(sent, string(r.Key))
						if hist.Count() == total {
							stop()
						}
					}
					return nil
				})
			if err != nil && fctx.Err() == nil {
				errs <- err
			}
		}()
	}
	start := time.Now()
	var buf []byte
	for pacer.Issued() < total {
		first, k, err := pacer.Next(ctx, time.Millisecond, min(1000, total-pacer.Issued()))
		if err != nil {
			return nil, 0, err
		}
		buf = buf[:0]
		mu.Lock()
		for i := first; i < first+k; i++ {
			key := fmt.Sprintf("lat-%09d", i)
			sent[key] = pacer.At(i)
			buf = fmt.Appendf(buf, `{"g":%q,"v":1,"pad":"x"}`+"\n", key)
		}
		mu.Unlock()
		if _, err := c.ProduceNDJSON(ctx, recoveryTopic, buf, "g"); err != nil {
			return nil, 0, err
		}
	}
	elapsed := time.Since(start)
	select {
	case <-fctx.Done():
	case err := <-errs:
		return nil, 0, err
	case <-time.After(time.Minute):
		return nil, 0, fmt.Errorf("latency: %d of %d rows arrived", hist.Count(), total)
	}
	stop()
	wg.Wait()
	return hist, elapsed, nil
}

// recoveryReference aggregates the same events, decoded with the
// stream's JSON format, into a Go map on one goroutine: count, sum and
// the last payload per group.
func recoveryReference(n int64) (Measurement, error) {
	cols := []types.Column{{Name: "V", Type: types.IntegerType}, {Name: "PAD", Type: types.StringType}}
	format, err := serde.NewFormat("JSON", cols, serde.Options{})
	if err != nil {
		return Measurement{}, err
	}
	type agg struct {
		n, s int64
		pad  string
	}
	groups := make(map[string]*agg)
	var line []byte
	var row types.Row
	start := time.Now()
	for i := range n {
		line = recoveryEvent(line[:0], i)
		key := line[6:16]
		if row, err = format.Decode(row[:0], line[:len(line)-1]); err != nil {
			return Measurement{}, err
		}
		a, ok := groups[string(key)]
		if !ok {
			a = &agg{}
			groups[string(key)] = a
		}
		a.n++
		a.s += int64(row[0].Int())
		a.pad = row[1].Str()
	}
	return Measurement{Name: "go-map", Events: n, Bytes: n * int64(recoveryEventBytes), Elapsed: time.Since(start),
		Detail: "the same events decoded with the stream's JSON format and aggregated into a Go map, 1 goroutine"}, nil
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
