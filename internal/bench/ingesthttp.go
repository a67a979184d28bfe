package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/serde"
)

const (
	ingestBatch      = 1000 // events per request
	ingestRing       = 64   // distinct request bodies, reused in turn
	ingestPartitions = 4
	ingestGenerator  = "s2"
)

func ingestHTTP() Workload {
	return Workload{
		Name:        "ingest-http",
		Description: "POST NDJSON batches of 1000 S2 tracking events to the server over loopback, 4 partitions, --connections clients; reference: the same bodies validated line by line, without HTTP or log",
		Run:         runIngestHTTP,
	}
}

func runIngestHTTP(ctx context.Context, env Env) (Result, error) {
	total := env.records(2_000_000)
	batches := (total + ingestBatch - 1) / ingestBatch
	conns := max(env.Connections, 1)
	bodies, err := ndjsonBodies(ingestGenerator, ingestRing, ingestBatch)
	if err != nil {
		return Result{}, err
	}

	url, stored, stop, err := startIngestServer(ctx, env.Dir, benchTopic, ingestPartitions)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	client := benchClient(conns)
	defer client.CloseIdleConnections()

	discardURL, stopDiscard, err := startDiscardServer()
	if err != nil {
		return Result{}, err
	}
	defer stopDiscard()
	discardClient := benchClient(conns)
	defer discardClient.CloseIdleConnections()

	syncAll()
	env.Progress.Phase("throughput", batches*ingestBatch)
	maxTime := env.roundTime(measureRounds)
	ms, err := interleave(ctx, measureRounds,
		func(ctx context.Context, r int) (Measurement, error) {
			n := share(batches, measureRounds, r)
			return postAll(ctx, client, url, bodies, n, conns, newBudget(n, maxTime), env.Progress)
		},
		func(ctx context.Context, r int) (Measurement, error) {
			return validateOnly(ctx, bodies, share(batches, measureRounds, r), conns, maxTime)
		},
		func(ctx context.Context, r int) (Measurement, error) {
			n := share(batches, measureRounds, r)
			m, err := postAll(ctx, discardClient, discardURL, bodies, n, conns, newBudget(n, maxTime), nil)
			m.Name, m.Detail = "http-discard", "the same requests to a loopback handler that discards the body"
			return m, err
		})
	if err != nil {
		return Result{}, err
	}
	thr, ref, ceiling := ms[0], ms[1], ms[2]
	if n, err := stored(ctx); err != nil || n != thr.Events {
		return Result{}, fmt.Errorf("the server answered 200 to %d events but the log holds %d (%v)", thr.Events, n, err)
	}
	thr.Detail = fmt.Sprintf("%d connections, %d events per request, %d partitions", conns, ingestBatch, ingestPartitions)

	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := postPaced(ctx, client, url, bodies, conns, rate, d, env.Progress)
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
			fmt.Sprintf("request bodies are generated before the run (%d bodies of %d %s events) and reused in turn: generation is not measured", ingestRing, ingestBatch, ingestGenerator),
			"latency: from a request's scheduled send time to its 200 response (durable under fsync=interval), counted once per event of the request",
		},
	}, nil
}

// ndjsonBodies generates n request bodies of perBody events each, one
// JSON object per line.
func ndjsonBodies(generator string, n, perBody int) ([][]byte, error) {
	g, err := gen.New(generator, gen.Config{Seed: 1})
	if err != nil {
		return nil, err
	}
	var ev gen.Event
	bodies := make([][]byte, n)
	for i := range bodies {
		var b []byte
		for range perBody {
			g.Next(&ev)
			b = append(b, ev.Value...)
			b = append(b, '\n')
		}
		bodies[i] = b
	}
	return bodies, nil
}

// benchClient keeps one kept-alive connection per concurrent sender.
func benchClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}}
}

// post sends one NDJSON body and checks for a 200 answer, which it reads
// to the end so that the connection is reused.
func post(ctx context.Context, c *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// postAll posts batches bodies (taken from the ring in turn) from conns
// goroutines as fast as the server answers.
func postAll(ctx context.Context, c *http.Client, url string, bodies [][]byte, batches int64, conns int, b *budget, progress *Progress) (Measurement, error) {
	var next, sent, sentBytes atomic.Int64
	var firstErr error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if !b.more(i) {
					return
				}
				body := bodies[i%int64(len(bodies))]
				if err := post(ctx, c, url, body); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				sent.Add(1)
				sentBytes.Add(int64(len(body)))
				progress.Add(ingestBatch)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return Measurement{}, firstErr
	}
	return Measurement{Name: "ingest", Events: sent.Load() * ingestBatch, Bytes: sentBytes.Load(), Elapsed: elapsed}, nil
}

// validateOnly is the floor under ingest: the same bodies split into lines
// and each checked with the server's JSON validator, on as many goroutines
// as there are connections, without HTTP or log.
func validateOnly(ctx context.Context, bodies [][]byte, batches int64, conns int, maxTime time.Duration) (Measurement, error) {
	var next, events, size atomic.Int64
	var bad atomic.Pointer[error]
	b := newBudget(batches, maxTime)
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if !b.more(i) {
					return
				}
				body := bodies[i%int64(len(bodies))]
				n, err := validateLines(body)
				if err != nil {
					bad.Store(&err)
					return
				}
				events.Add(n)
				size.Add(int64(len(body)))
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
		Name: "validate-only", Events: events.Load(), Bytes: size.Load(), Elapsed: elapsed,
		Detail: "the same bodies split into lines, each checked with serde.ValidJSON; no HTTP, no log",
	}, nil
}

// validateLines checks every non-empty line of an NDJSON body and counts
// them.
func validateLines(body []byte) (int64, error) {
	var n int64
	for line := 1; len(body) > 0; line++ {
		l := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if len(l) == 0 {
			continue
		}
		if err := serde.ValidJSON(l); err != nil {
			return 0, fmt.Errorf("line %d: %w", line, err)
		}
		n++
	}
	return n, nil
}

// startDiscardServer serves, on a loopback port, a handler that reads a
// request's body and discards it: the ceiling of HTTP in this process,
// for the same requests from the same clients as the ingest workload.
func startDiscardServer() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("reference: cannot listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"count":1000}`)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/discard", func() {
		srv.Close()
		<-served
	}, nil
}

// postPaced sends rate/1000 requests of 1000 events per second for d, each
// at its scheduled time by whichever of the conns senders is free, and
// records for each request the time from its schedule to its 200 answer,
// once per event of the request.
func postPaced(ctx context.Context, c *http.Client, url string, bodies [][]byte, conns, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	perSecond := float64(rate) / ingestBatch
	want := max(1, int64(d.Seconds()*perSecond))
	start := time.Now()
	pacer := NewPacer(start, perSecond)
	type job struct {
		i  int64
		at time.Time
	}
	jobs := make(chan job, want)
	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var firstErr error
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	hists := make([]*Histogram, conns)
	var wg sync.WaitGroup
	for w := range conns {
		hists[w] = NewHistogram()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := post(ctx, c, url, bodies[j.i%int64(len(bodies))]); err != nil {
					fail(err)
					return
				}
				hists[w].RecordN(time.Since(j.at), ingestBatch)
				progress.Add(ingestBatch)
			}
		}()
	}
	for pacer.Issued() < want {
		first, _, err := pacer.Next(ctx, 0, 1)
		if err != nil {
			break // a sender failed, or the run was cancelled
		}
		jobs <- job{i: first, at: pacer.At(first)}
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
