package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
went in and came out, with the latest event. It runs until Ctrl-C (or until
--count events have gone through), and the server answers other commands
meanwhile: try 'sluice topic consume tracking_events --limit 3' in another
terminal.`

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

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := startServer(ctx, io, opts)
	if err != nil {
		return err
	}
	defer srv.stop()
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
	fmt.Fprintf(io.Stdout, "Sluice is running at %s (embedded log in %s).\n", srv.url, opts.dataDir)
	fmt.Fprintf(io.Stdout, "Posting %d tracking events/s to topic %s (%d partitions) and reading them back. Ctrl-C stops.\n\n", *rate, *topic, len(info.Partitions))

	var sent, received atomic.Int64
	var latest atomic.Value
	errc := make(chan error, 1+len(info.Partitions))
	go func() { errc <- demoProduce(ctx, c, *topic, *rate, *count, &sent) }()
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
	report := func() {
		s, r := sent.Load(), received.Load()
		fmt.Fprintf(io.Stdout, "sent %d (%d/s), read back %d (%d/s)\n", s, s-lastSent, r, r-lastReceived)
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
			report()
			fmt.Fprintf(io.Stdout, "\nStopped: %d events sent, %d read back. They stay in %s; 'sluice server --data-dir %s' serves them again.\n", sent.Load(), received.Load(), opts.dataDir, opts.dataDir)
			return nil
		}
	}
}

// demoProduce posts generated events in batches, paced to rate per second,
// until ctx ends or count events were sent.
func demoProduce(ctx context.Context, c *client.Client, topic string, rate int, count int64, sent *atomic.Int64) error {
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
		for range n {
			g.Next(&e)
			body.Write(e.Value)
			body.WriteByte('\n')
		}
		if n > 0 {
			if _, err := c.ProduceNDJSON(ctx, topic, body.Bytes(), ""); err != nil {
				return err
			}
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

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
