package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/gen"
)

const genDescription = `
Generates the events of a workload as newline-delimited JSON: the scenario
pipelines' s1 (lead-management request updates), s2 (video-ad tracking),
s5 (tracking-pixel visits with bots) and the Nexmark benchmark's
person/auction/bid stream. Run 'sluice gen --list' to see them.

Output is deterministic: the same workload, --seed, --start and
--event-rate give byte-identical events. Event times start at --start
(default 2024-01-01T00:00:00Z, so that output is reproducible; "now" starts
at the current time) and advance by 1/--event-rate per event; they never
read the clock. --rate paces the writing in wall-clock time instead.

--to topic:NAME posts batches of --batch events to the server's ingest
endpoint as NDJSON, keyed by the workload's id field (s1: id, s5: user_id;
--key-field overrides it, "none" sends no key). The topic must exist
('sluice topic create NAME') unless the server auto-creates topics.

Interrupting (Ctrl-C) stops after writing or posting every event made so
far. A progress line is drawn on standard error when it is a terminal.

Examples:
  sluice gen --count 5 s1
  sluice gen --count 1000000 --to file:s2.ndjson s2
  sluice gen --rate 5000 --to topic:tracking s2`

func genCommand() command {
	return command{
		name:    "gen",
		summary: "generate scenario or Nexmark events to stdout, a file or a topic",
		run: func(ctx context.Context, io IO, args []string) error {
			return runGen(ctx, io, args, clock.Real{})
		},
	}
}

// runGen is the gen command with its clock injected, so that a test can
// drive --rate pacing and the progress line.
func runGen(ctx context.Context, io IO, args []string, clk clock.Clock) error {
	fs := newFlagSet(io, "gen", "gen [flags] WORKLOAD", genDescription)
	seed := fs.Int64("seed", 1, "seed of the generator; the same seed gives the same events")
	count := fs.Int64("count", 0, "events to generate; 0 generates until interrupted")
	rate := fs.Float64("rate", 0, "events per second of wall-clock time; 0 writes as fast as possible")
	start := fs.String("start", gen.DefaultStart().Format(time.RFC3339), `event time of the first event, RFC 3339, or "now"`)
	eventRate := fs.Float64("event-rate", 0, "events per second of event time (the spacing of timestamps); default --rate if set, else 100000")
	to := fs.String("to", "stdout", "where events go: stdout, file:PATH or topic:NAME")
	batch := fs.Int("batch", 1000, "events per request when writing to a topic")
	keyField := fs.String("key-field", "", `with --to topic: the field that keys records; default the workload's (s1: id, s5: user_id); "none" for no key`)
	list := fs.Bool("list", false, "list the workloads and exit")
	cf := addClientFlags(fs)
	pos, err := parseInterspersed(fs, io, args)
	if err != nil {
		return err
	}
	if *list {
		printWorkloads(io.Stdout)
		return nil
	}
	if len(pos) != 1 {
		return usageError("name one workload: %s", workloadNames())
	}
	w, ok := gen.LookupWorkload(pos[0])
	if !ok {
		var b strings.Builder
		printWorkloads(&b)
		return usageError("unknown workload %q; choose one of:\n%s", pos[0], strings.TrimRight(b.String(), "\n"))
	}
	if *count < 0 || *rate < 0 || *eventRate < 0 || *batch < 1 {
		return usageError("--count, --rate and --event-rate cannot be negative, and --batch must be at least 1")
	}
	cfg := gen.Config{Seed: *seed, EventsPerSecond: *eventRate}
	if cfg.EventsPerSecond == 0 {
		cfg.EventsPerSecond = *rate // event time keeps pace with the writing
	}
	if *start == "now" {
		cfg.Start = clk.Now()
	} else if cfg.Start, err = time.Parse(time.RFC3339Nano, *start); err != nil {
		return usageError("--start %q: want RFC 3339 (2024-01-01T00:00:00Z) or \"now\"", *start)
	}
	g, err := gen.New(w.Name, cfg)
	if err != nil {
		return err
	}
	key := w.KeyField
	switch *keyField {
	case "":
	case "none":
		key = ""
	default:
		key = *keyField
	}
	out, err := openGenSink(io, *to, cf, clk, key, *batch)
	if err != nil {
		return err
	}
	return generate(ctx, io, clk, g, out, *count, *rate)
}

func workloadNames() string {
	var names []string
	for _, w := range gen.Workloads() {
		names = append(names, w.Name)
	}
	return strings.Join(names, ", ")
}

func printWorkloads(w io.Writer) {
	for _, wl := range gen.Workloads() {
		key := ""
		if wl.KeyField != "" {
			key = " (key: " + wl.KeyField + ")"
		}
		fmt.Fprintf(w, "  %-8s %s%s\n", wl.Name, wl.Description, key)
	}
}

// genSink is where generated events go.
type genSink interface {
	add(value []byte) error
	// flush writes out what add buffered.
	flush(ctx context.Context) error
	close() error
	String() string
}

func openGenSink(io IO, to string, cf *clientFlags, clk clock.Clock, key string, batch int) (genSink, error) {
	kind, arg, _ := strings.Cut(to, ":")
	switch {
	case to == "stdout" || to == "-":
		return &writerSink{w: bufio.NewWriterSize(io.Stdout, 256<<10), name: "stdout"}, nil
	case kind == "file" && arg != "":
		f, err := os.Create(arg)
		if err != nil {
			return nil, err
		}
		return &writerSink{w: bufio.NewWriterSize(f, 256<<10), f: f, name: to}, nil
	case kind == "topic" && arg != "":
		c, err := cf.client(clk, 10)
		if err != nil {
			return nil, err
		}
		return &topicSink{c: c, topic: arg, key: key, batch: batch}, nil
	}
	return nil, usageError("--to %q: want stdout, file:PATH or topic:NAME", to)
}

type writerSink struct {
	w    *bufio.Writer
	f    *os.File // nil for stdout
	name string
}

func (s *writerSink) add(v []byte) error {
	s.w.Write(v)
	return s.w.WriteByte('\n') // bufio keeps the first error: checking one is enough
}

func (s *writerSink) flush(context.Context) error { return s.w.Flush() }

func (s *writerSink) close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}

func (s *writerSink) String() string { return s.name }

// topicSink posts events in NDJSON batches; the server writes each batch
// all or nothing.
type topicSink struct {
	c          *client.Client
	topic, key string
	batch      int
	buf        []byte
	n          int
}

// maxGenBody keeps a batch well under the server's request size limit.
const maxGenBody = 8 << 20

func (s *topicSink) add(v []byte) error {
	s.buf = append(append(s.buf, v...), '\n')
	s.n++
	if s.n >= s.batch || len(s.buf) >= maxGenBody {
		return s.flush(context.Background())
	}
	return nil
}

func (s *topicSink) flush(ctx context.Context) error {
	if s.n == 0 {
		return nil
	}
	if _, err := s.c.ProduceNDJSON(ctx, s.topic, s.buf, s.key); err != nil {
		return fmt.Errorf("posting %d events to topic %q: %w", s.n, s.topic, err)
	}
	s.buf, s.n = s.buf[:0], 0
	return nil
}

func (s *topicSink) close() error   { return nil }
func (s *topicSink) String() string { return "topic:" + s.topic }

// Pacing: before waiting for the next event's time, buffered events are
// written out if the wait is long or the last flush is old, so that paced
// output flows instead of arriving in large lumps.
const (
	flushBeforeWait = 50 * time.Millisecond
	flushEvery      = 250 * time.Millisecond
)

// generate writes count events (0: until ctx ends) from g to out, at most
// rate per second when rate > 0.
func generate(ctx context.Context, io IO, clk clock.Clock, g gen.Generator, out genSink, count int64, rate float64) (err error) {
	defer func() {
		if cerr := out.close(); err == nil {
			err = cerr
		}
	}()
	prog := newProgress(io.Stderr, clk, count)
	t0 := clk.Now()
	lastFlush := t0
	var e gen.Event
	var n, bytes int64
loop:
	for count == 0 || n < count {
		if n&255 == 0 {
			if ctx.Err() != nil {
				break
			}
			prog.tick(n)
		}
		if rate > 0 {
			// Event n is due n/rate after the start (rounded up, so that
			// a clock set exactly to the due time lets it out).
			due := t0.Add(time.Duration(math.Ceil(float64(n) * float64(time.Second) / rate)))
			if now := clk.Now(); now.Before(due) {
				wait := due.Sub(now)
				if wait >= flushBeforeWait || now.Sub(lastFlush) >= flushEvery {
					if err := out.flush(ctx); err != nil {
						return err
					}
					lastFlush = now
				}
				select {
				case <-ctx.Done():
					break loop
				case <-clk.After(wait):
				}
				prog.tick(n)
				continue
			}
		}
		g.Next(&e)
		if err := out.add(e.Value); err != nil {
			return err
		}
		n++
		bytes += int64(len(e.Value)) + 1
	}
	// Interrupted or done: what was generated is written either way.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := out.flush(fctx); err != nil {
		return err
	}
	prog.done(n)
	if prog.on || out.String() != "stdout" {
		d := clk.Now().Sub(t0)
		fmt.Fprintf(io.Stderr, "sluice gen: %s events (%s) to %s in %s", groupDigits(n), humanBytes(bytes), out, d.Round(time.Millisecond))
		if d > 0 {
			fmt.Fprintf(io.Stderr, ", %s events/s", groupDigits(int64(float64(n)/d.Seconds())))
		}
		fmt.Fprintln(io.Stderr)
	}
	return ctx.Err()
}

// progress redraws one line on a terminal, at most 5 times a second.
type progress struct {
	w            io.Writer
	clk          clock.Clock
	on           bool
	total        int64
	start, last  time.Time
	lastN        int64
	lastRate     float64
	redrawPeriod time.Duration
}

func newProgress(w io.Writer, clk clock.Clock, total int64) *progress {
	now := clk.Now()
	return &progress{w: w, clk: clk, on: isTerminal(w), total: total, start: now, last: now, redrawPeriod: 200 * time.Millisecond}
}

func (p *progress) tick(n int64) {
	if !p.on {
		return
	}
	now := p.clk.Now()
	if d := now.Sub(p.last); d >= p.redrawPeriod {
		p.lastRate = float64(n-p.lastN) / d.Seconds()
		p.last, p.lastN = now, n
		p.draw(n)
	}
}

func (p *progress) done(n int64) {
	if !p.on {
		return
	}
	if d := p.clk.Now().Sub(p.start); d > 0 {
		p.lastRate = float64(n) / d.Seconds()
	}
	p.draw(n)
	fmt.Fprintln(p.w)
}

func (p *progress) draw(n int64) {
	fmt.Fprint(p.w, progressLine(n, p.total, p.lastRate))
}

// progressLine is "\r  1,234 events  567 events/s  [####----]  50%" with
// the rest of the terminal line erased.
func progressLine(n, total int64, rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\r  %s events  %s events/s", groupDigits(n), groupDigits(int64(rate)))
	if total > 0 {
		const width = 30
		filled := int(n * width / total)
		fmt.Fprintf(&b, "  [%s%s] %3d%%", strings.Repeat("#", filled), strings.Repeat("-", width-filled), n*100/total)
	}
	b.WriteString("\x1b[K")
	return b.String()
}

// groupDigits writes n with thousands separators: 1234567 -> 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// humanBytes writes a size in binary units: 1536 -> 1.5 KiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
