package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/gen"
)

func demoCommand() command {
	return command{name: "demo", summary: "start a server on the embedded log and show tracking events flowing through it", run: runDemo}
}

const demoDescription = `
Starts a server on the embedded log, generates video-ad tracking events (the
S2 workload of 'sluice gen'), posts them in NDJSON batches to the ingest
endpoint, reads them back from the topic, and prints once a second how many
went in and came out, with the latest event.

It also runs SQL through the server's ksqlDB REST API: a stream TRACKING over
the topic, and a persistent query that writes the click events to the
stream CLICKS (topic CLICKS); each line counts the clicks sent and the
records the query has written.

It runs until Ctrl-C (or until --count events have gone through, and the
query has written their clicks), and the server answers other commands
meanwhile: try 'sluice sql' in another terminal, then
SELECT * FROM clicks EMIT CHANGES LIMIT 3;`

func runDemo(ctx context.Context, io IO, args []string) error {
	opts := defaultServerOptions()
	fs := newFlagSet(io, "demo", "demo [flags]", demoDescription)
	fs.StringVar(&opts.dataDir, "data-dir", opts.dataDir, "directory of the embedded log")
	fs.StringVar(&opts.listen, "listen", opts.listen, "address the server listens on")
	topic := fs.String("topic", "tracking_events", "topic the events go to")
	rate := fs.Int("rate", 20000, "events per second to generate")
	count := fs.Int64("count", 0, "stop after this many events have been read back (0: run until Ctrl-C)")
	if err := parseFlags(fs, io, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if *rate <= 0 {
		return usageError("--rate must be positive, got %d", *rate)
	}
	opts.logger = slog.New(slog.NewTextHandler(io.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The server outlives the run: when --count is reached (or Ctrl-C
	// ends ctx) the final counts are still read from it, and the deferred
	// stop shuts it down.
	parent := ctx
	api := context.WithoutCancel(ctx)
	srv, err := startServer(api, io, opts)
	if err != nil {
		return err
	}
	defer srv.stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c, err := client.New(client.Options{URL: srv.url, Retries: 5})
	if err != nil {
		return err
	}
	if _, err := c.CreateTopic(ctx, *topic, client.TopicSpec{Partitions: 4}); err != nil {
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != 409 {
			return fmt.Errorf("cannot create topic %s: %w", *topic, err)
		}
	}
	info, err := c.DescribeTopic(ctx, *topic)
	if err != nil {
		return err
	}
	q, err := demoSQL(api, c, *topic)
	if err != nil {
		return err
	}
	// Clicks are counted from the sink's end offsets as they were before
	// this run sent anything; a restarted query resumes where it stopped.
	clicksBase, err := endOffsetSum(api, c, q.sinkTopic)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "Sluice is running at %s (embedded log in %s).\n", srv.url, opts.dataDir)
	fmt.Fprintf(io.Stdout, "Posting %d tracking events/s to topic %s (%d partitions) and reading them back. Ctrl-C stops.\n", *rate, *topic, len(info.Partitions))
	fmt.Fprintf(io.Stdout, "SQL: stream TRACKING over %s; query %s writes its clicks to stream CLICKS (topic %s).\n", *topic, q.id, q.sinkTopic)
	fmt.Fprintf(io.Stdout, "Try 'sluice sql%s' in another terminal and e.g. SELECT * FROM clicks EMIT CHANGES LIMIT 3;\n\n", serverFlagFor(srv.url))

	var sent, clicks, received atomic.Int64
	var latest atomic.Value
	errc := make(chan error, 1+len(info.Partitions))
	go func() { errc <- demoProduce(ctx, c, *topic, *rate, *count, &sent, &clicks) }()
	// Each partition is read from its end as it was before anything was
	// sent, so every event of this run is counted once, and only those.
	for _, p := range info.Partitions {
		go func() {
			errc <- c.Consume(ctx, *topic, client.ConsumeParams{Partition: &p.Partition, Offset: strconv.FormatInt(p.EndOffset, 10), Follow: true}, func(r client.Record) error {
				latest.Store(r.Value)
				if n := received.Add(1); *count > 0 && n >= *count {
					cancel()
				}
				return nil
			})
		}()
	}

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	var lastSent, lastReceived int64
	written := func() int64 {
		n, err := endOffsetSum(api, c, q.sinkTopic)
		if err != nil {
			return -1 // shown as such: the count is unknown, not zero
		}
		return n - clicksBase
	}
	report := func() {
		s, r := sent.Load(), received.Load()
		fmt.Fprintf(io.Stdout, "sent %d (%d/s), read back %d (%d/s); clicks sent %d, written by the query %d\n", s, s-lastSent, r, r-lastReceived, clicks.Load(), written())
		if v, ok := latest.Load().([]byte); ok {
			fmt.Fprintf(io.Stdout, "  latest: %s\n", truncate(v, 160))
		}
		lastSent, lastReceived = s, r
	}
	for {
		select {
		case <-ticker.C:
			report()
		case err := <-errc:
			if err != nil && ctx.Err() == nil {
				return err
			}
			if ctx.Err() == nil {
				continue // the producer finished its --count; wait for the reader
			}
			w := written()
			if *count > 0 {
				// The count was reached: let the query catch up with the
				// clicks sent, so that the totals below are final.
				w = waitWritten(parent, written, clicks.Load(), 30*time.Second)
			}
			report()
			fmt.Fprintf(io.Stdout, "\nStopped: %d events sent, %d read back; %d clicks sent, %d written to %s by %s.\n", sent.Load(), received.Load(), clicks.Load(), w, q.sinkTopic, q.id)
			fmt.Fprintf(io.Stdout, "They stay in %s; 'sluice server --data-dir %s' serves them again, and restarts the query where it stopped.\n", opts.dataDir, opts.dataDir)
			return nil
		}
	}
}

// demoProduce posts generated events in batches, paced to rate per second,
// until ctx ends or count events were sent. It counts the click events
// among them, which the demo's query should write to its sink.
func demoProduce(ctx context.Context, c *client.Client, topic string, rate int, count int64, sent, clicks *atomic.Int64) error {
	g, err := gen.New("s2", gen.Config{Seed: time.Now().UnixNano(), Start: time.Now()})
	if err != nil {
		return err
	}
	const tick = 100 * time.Millisecond
	perTick := max(1, rate/10)
	var pace clock.Clock = clock.Real{}
	t := pace.NewTicker(tick)
	defer t.Stop()
	var body bytes.Buffer
	var e gen.Event
	for {
		body.Reset()
		n := perTick
		if count > 0 {
			n = int(min(int64(n), count-sent.Load()))
		}
		var nclicks int64
		for range n {
			g.Next(&e)
			if bytes.Contains(e.Value, clickType) {
				nclicks++
			}
			body.Write(e.Value)
			body.WriteByte('\n')
		}
		if n > 0 {
			if _, err := c.ProduceNDJSON(ctx, topic, body.Bytes(), ""); err != nil {
				return err
			}
			clicks.Add(nclicks)
			sent.Add(int64(n))
		}
		if count > 0 && sent.Load() >= count {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}

// clickType marks a click among the generated events, whose JSON the
// generator writes with a fixed layout.
var clickType = []byte(`"type":"click"`)

// demoQuery is the persistent query the demo runs.
type demoQuery struct {
	id        string // e.g. CSAS_CLICKS_3
	sinkTopic string // the topic of stream CLICKS
}

// demoSQL defines a stream over the tracking topic and a query writing
// its clicks to the stream CLICKS, through POST /ksql as any ksqlDB client
// would. IF NOT EXISTS makes a second run on the same data directory keep
// the stream and the query that the server restarted from its command log.
func demoSQL(ctx context.Context, c *client.Client, topic string) (demoQuery, error) {
	stmts := fmt.Sprintf(`CREATE STREAM IF NOT EXISTS tracking (
  event_id STRING, type STRING, ad_id INT, website_id INT, user_id STRING,
  session_id STRING, event_time BIGINT, ip STRING, ua STRING, url STRING,
  price DECIMAL(10, 4)
) WITH (KAFKA_TOPIC=%s, VALUE_FORMAT='JSON', TIMESTAMP='event_time');
CREATE STREAM IF NOT EXISTS clicks AS
  SELECT event_id, ad_id, website_id, user_id, price FROM tracking WHERE type = 'click';`, sqlString(topic))
	// The query reads the topic from its beginning, like
	// SET 'auto.offset.reset'='earliest'; in the SQL shell.
	props := map[string]any{"auto.offset.reset": "earliest"}
	if _, err := c.Execute(ctx, stmts, props, nil); err != nil {
		return demoQuery{}, fmt.Errorf("cannot define the demo's SQL: %w", err)
	}
	ents, err := c.Execute(ctx, "SHOW STREAMS; SHOW QUERIES;", nil, nil)
	if err != nil {
		return demoQuery{}, err
	}
	for _, raw := range ents {
		var list struct {
			Streams []struct {
				Name  string `json:"name"`
				Topic string `json:"topic"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return demoQuery{}, fmt.Errorf("SHOW STREAMS: %w", err)
		}
		for _, st := range list.Streams {
			// A data directory of an earlier run with another --topic
			// keeps that run's stream.
			if st.Name == "TRACKING" && st.Topic != topic {
				return demoQuery{}, fmt.Errorf("stream TRACKING of this data directory reads topic %s, not %s: use another --data-dir, or the same --topic as before", st.Topic, topic)
			}
		}
	}
	for _, raw := range ents {
		var list struct {
			Queries []struct {
				ID              string   `json:"id"`
				Sinks           []string `json:"sinks"`
				SinkKafkaTopics []string `json:"sinkKafkaTopics"`
			} `json:"queries"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return demoQuery{}, fmt.Errorf("SHOW QUERIES: %w", err)
		}
		for _, q := range list.Queries {
			if len(q.Sinks) == 1 && q.Sinks[0] == "CLICKS" && len(q.SinkKafkaTopics) == 1 {
				return demoQuery{id: q.ID, sinkTopic: q.SinkKafkaTopics[0]}, nil
			}
		}
	}
	return demoQuery{}, errors.New("no query writes stream CLICKS: it exists but was not made by the demo; drop it (sluice sql -e 'DROP STREAM clicks;') or use another --data-dir")
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// endOffsetSum is the number of records a topic has received: the sum of
// its partitions' end offsets.
func endOffsetSum(ctx context.Context, c *client.Client, topic string) (int64, error) {
	info, err := c.DescribeTopic(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range info.Partitions {
		n += p.EndOffset
	}
	return n, nil
}

// waitWritten polls written until it reaches want, ctx ends or patience
// runs out, and returns its last value.
func waitWritten(ctx context.Context, written func() int64, want int64, patience time.Duration) int64 {
	deadline := time.Now().Add(patience)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		w := written()
		if w >= want || time.Now().After(deadline) {
			return w
		}
		select {
		case <-ctx.Done():
			return w
		case <-t.C:
		}
	}
}

// serverFlagFor is the --server flag that points a command at url, or
// nothing when url is the commands' default.
func serverFlagFor(url string) string {
	if url == defaultServer {
		return ""
	}
	return " --server " + url
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
