package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/clock"
)

func topicCommand() command {
	return command{
		name:    "topic",
		summary: "create, list, describe and delete topics; produce to and consume from them",
		run: func(ctx context.Context, io IO, args []string) error {
			return runTopic(ctx, io, args, clock.Real{})
		},
	}
}

// topicSub is one subcommand of `sluice topic`.
type topicSub struct {
	name, args, summary string
	run                 func(ctx context.Context, t *topicRun, args []string) error
}

func topicSubs() []topicSub {
	return []topicSub{
		{"create", "NAME", "create a topic", topicCreate},
		{"list", "", "list the topics with their partitions, records and size", topicList},
		{"describe", "NAME", "show a topic's partitions, offsets, size and configs", topicDescribe},
		{"delete", "NAME", "delete a topic and its records", topicDelete},
		{"produce", "NAME", "write standard input to a topic, one record per line", topicProduce},
		{"consume", "NAME", "print a topic's records, one line per record", topicConsume},
	}
}

// topicRun is what a subcommand works with.
type topicRun struct {
	io  IO
	clk clock.Clock
	sub topicSub
}

// flags returns the subcommand's flag set, with the server flags.
func (t *topicRun) flags(description string) (*flag.FlagSet, *clientFlags) {
	synopsis := "topic " + t.sub.name + " [flags]"
	if t.sub.args != "" {
		synopsis += " " + t.sub.args
	}
	fs := newFlagSet(t.io, "topic "+t.sub.name, synopsis, description)
	return fs, addClientFlags(fs)
}

// parse parses the flags and wants exactly one NAME (or none for list).
func (t *topicRun) parse(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseInterspersed(fs, t.io, args)
	if err != nil {
		return "", err
	}
	want := 1
	if t.sub.args == "" {
		want = 0
	}
	if len(pos) != want {
		if want == 0 {
			return "", usageError("takes no arguments, got %q", pos)
		}
		return "", usageError("name one topic")
	}
	if want == 0 {
		return "", nil
	}
	return pos[0], nil
}

func runTopic(ctx context.Context, io IO, args []string, clk clock.Clock) error {
	if len(args) == 0 {
		return usageError("name a subcommand: %s", topicSubNames())
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		printTopicUsage(io.Stdout)
		return nil
	}
	for _, sub := range topicSubs() {
		if sub.name != args[0] {
			continue
		}
		err := sub.run(ctx, &topicRun{io: io, clk: clk, sub: sub}, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return err
		case errors.Is(err, errUsage):
			msg := strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
			return usageError("%s: %s (see 'sluice topic %s --help')", sub.name, msg, sub.name)
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return err
		}
		return fmt.Errorf("%s: %w", sub.name, err)
	}
	return usageError("unknown subcommand %q; choose one of: %s", args[0], topicSubNames())
}

func topicSubNames() string {
	var names []string
	for _, s := range topicSubs() {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

func printTopicUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: sluice topic SUBCOMMAND [flags] [NAME]")
	fmt.Fprintln(w, "\nManages the topics of a running sluice server and reads and writes their")
	fmt.Fprintln(w, "records over its HTTP API (start one with 'sluice server').")
	fmt.Fprintln(w, "\nSubcommands:")
	for _, s := range topicSubs() {
		fmt.Fprintf(w, "  %-9s %s\n", s.name, s.summary)
	}
	fmt.Fprintln(w, "\nEvery subcommand takes --server (default "+defaultServer+"), --token or")
	fmt.Fprintln(w, "--user USER:PASSWORD, and --insecure for a self-signed TLS certificate.")
	fmt.Fprintln(w, "Run 'sluice topic SUBCOMMAND --help' for its flags.")
}

// configFlag collects repeated --config key=value flags.
type configFlag map[string]string

func (c configFlag) String() string {
	var kv []string
	for k, v := range c {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

func (c configFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	c[k] = v
	return nil
}

func topicCreate(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags(`
Creates a topic. Topic names use a-z A-Z 0-9 . _ - (up to 249 characters).
Topic settings are Kafka's: retention.ms (-1 keeps records forever),
retention.bytes (per partition), segment.bytes, flush.messages.

Example:
  sluice topic create --partitions 3 --config retention.ms=86400000 clicks`)
	partitions := fs.Int("partitions", 1, "number of partitions")
	replication := fs.Int("replication-factor", 0, "copies of each partition (Kafka mode; 0 is the broker's default)")
	configs := configFlag{}
	fs.Var(configs, "config", "a topic setting KEY=VALUE; repeat for several")
	name, err := t.parse(fs, args)
	if err != nil {
		return err
	}
	if *partitions < 1 {
		return usageError("--partitions must be at least 1")
	}
	c, err := cf.client(t.clk, 0)
	if err != nil {
		return err
	}
	top, err := c.CreateTopic(ctx, name, client.TopicSpec{Partitions: int32(*partitions), ReplicationFactor: int16(*replication), Configs: configs})
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Stdout, "Created topic %q with %d partition%s.\n", top.Name, len(top.Partitions), plural(len(top.Partitions)))
	return nil
}

func topicList(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags("Lists the topics with their partition count, the records they hold\n(end minus start offsets, summed over partitions) and their size.")
	if _, err := t.parse(fs, args); err != nil {
		return err
	}
	c, err := cf.client(t.clk, 0)
	if err != nil {
		return err
	}
	names, err := c.ListTopics(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(t.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPARTITIONS\tRECORDS\tSIZE")
	for _, name := range names {
		top, err := c.DescribeTopic(ctx, name)
		var ce *client.Error
		if errors.As(err, &ce) && ce.Status == 404 {
			continue // deleted since the listing
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", name, len(top.Partitions), groupDigits(top.Records()), humanBytes(top.SizeBytes()))
	}
	return tw.Flush()
}

func topicDescribe(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags(`
Shows a topic's settings and, per partition, its start and end offsets
(the first offset still held and the next one to be written), the records
held and the bytes. With --group, also the group's committed position in
each partition and its lag (end offset minus position).`)
	group := fs.String("group", "", "also show this consumer group's positions and lag")
	name, err := t.parse(fs, args)
	if err != nil {
		return err
	}
	c, err := cf.client(t.clk, 0)
	if err != nil {
		return err
	}
	top, err := c.DescribeTopic(ctx, name)
	if err != nil {
		return err
	}
	var committed map[int32]int64
	if *group != "" {
		if committed, err = c.GroupOffsets(ctx, *group, name); err != nil {
			return err
		}
	}
	w := t.io.Stdout
	fmt.Fprintf(w, "Topic:       %s\nPartitions:  %d\nRecords:     %s\nSize:        %s\n", top.Name, len(top.Partitions), groupDigits(top.Records()), humanBytes(top.SizeBytes()))
	var keys []string
	for k := range top.Configs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		fmt.Fprintln(w, "Configs:     (server defaults)")
	}
	for i, k := range keys {
		label := "Configs:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-12s %s=%s\n", label, k, top.Configs[k])
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "PARTITION\tSTART\tEND\tRECORDS\tSIZE"
	if *group != "" {
		head += "\tCOMMITTED\tLAG"
	}
	fmt.Fprintln(tw, head)
	for _, p := range top.Partitions {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s", p.Partition, p.StartOffset, p.EndOffset, groupDigits(p.EndOffset-p.StartOffset), humanBytes(p.SizeBytes))
		if *group != "" {
			if off, ok := committed[p.Partition]; ok {
				fmt.Fprintf(tw, "\t%d\t%s", off, groupDigits(p.EndOffset-off))
			} else {
				fmt.Fprint(tw, "\t-\t-")
			}
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func topicDelete(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags("Deletes a topic and every record in it. There is no undo.")
	name, err := t.parse(fs, args)
	if err != nil {
		return err
	}
	c, err := cf.client(t.clk, 0)
	if err != nil {
		return err
	}
	if err := c.DeleteTopic(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(t.io.Stdout, "Deleted topic %q.\n", name)
	return nil
}

// produceLinger is how long produce waits for more input before sending
// a partial batch.
const produceLinger = 20 * time.Millisecond

// maxProduceBody bounds the record bytes of one produce request (they
// travel base64-encoded, a third larger), well under the server's limit.
const maxProduceBody = 4 << 20

func topicProduce(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags(`
Reads standard input and writes each line as one record: the line's bytes,
without its newline, are the value, as they are (JSON or not). Empty lines
are skipped. With -K DELIM, the part of a line before the first DELIM is
the record's key and the rest its value; a line without DELIM has no key.
Records are sent in batches of --batch lines, each batch written all or
nothing, and at once when input pauses, so typing works too. Keyed records
go to the partition of their key unless --partition is given.

Example:
  printf 'u1:{"page":"/"}\nu2:{"page":"/cart"}\n' | sluice topic produce -K : visits`)
	delim := fs.String("K", "", "split each line into key and value at the first occurrence of this delimiter")
	fs.StringVar(delim, "key-delimiter", "", "same as -K")
	partition := fs.Int("partition", -1, "write every record to this partition (-1: by key, or the server's choice)")
	batch := fs.Int("batch", 1000, "records per request")
	name, err := t.parse(fs, args)
	if err != nil {
		return err
	}
	if *batch < 1 {
		return usageError("--batch must be at least 1")
	}
	c, err := cf.client(t.clk, 10)
	if err != nil {
		return err
	}
	var part *int32
	if *partition >= 0 {
		p := int32(*partition)
		part = &p
	}

	lines := make(chan []byte, min(4*(*batch), 4096))
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop) // a reader blocked on a full channel gives up
	go func() {
		readErr <- readLines(t.io.Stdin, lines, stop)
		close(lines)
	}()

	var recs []client.BinaryRecord
	var size, total int
	parts := map[int32]bool{}
	send := func(ctx context.Context) error {
		if len(recs) == 0 {
			return nil
		}
		res, err := c.ProduceBinary(ctx, name, recs)
		if err != nil {
			return err
		}
		for _, o := range res.Offsets {
			parts[o.Partition] = true
		}
		total += len(recs)
		recs, size = recs[:0], 0
		return nil
	}
	summary := func() {
		var ps []string
		for p := range parts {
			ps = append(ps, strconv.Itoa(int(p)))
		}
		sort.Slice(ps, func(i, j int) bool { return len(ps[i]) < len(ps[j]) || len(ps[i]) == len(ps[j]) && ps[i] < ps[j] })
		fmt.Fprintf(t.io.Stderr, "Produced %s records to %q (partitions: %s).\n", groupDigits(int64(total)), name, strings.Join(ps, ", "))
	}
	for {
		var line []byte
		var ok bool
		select {
		case line, ok = <-lines:
		default:
			// Input pauses: wait a moment for more, then send what there
			// is rather than wait for a full batch.
			var linger <-chan time.Time
			if len(recs) > 0 {
				linger = t.clk.After(produceLinger)
			}
			select {
			case line, ok = <-lines:
			case <-linger:
				if err := send(ctx); err != nil {
					return err
				}
				continue
			case <-ctx.Done():
				if err := send(context.WithoutCancel(ctx)); err != nil {
					return err
				}
				summary()
				return ctx.Err()
			}
		}
		if !ok {
			if err := send(ctx); err != nil {
				return err
			}
			if err := <-readErr; err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
			summary()
			return nil
		}
		r := client.BinaryRecord{Value: line, Partition: part}
		if *delim != "" {
			if k, v, found := bytes.Cut(line, []byte(*delim)); found {
				r.Key, r.Value = k, v
			}
		}
		recs = append(recs, r)
		size += len(r.Key) + len(r.Value)
		if len(recs) >= *batch || size >= maxProduceBody {
			if err := send(ctx); err != nil {
				return err
			}
		}
	}
}

// readLines sends each non-empty line of r, without its newline, to out,
// until r ends or stop is closed.
func readLines(r io.Reader, out chan<- []byte, stop <-chan struct{}) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if len(line) > 0 {
			select {
			case out <- line:
			case <-stop:
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func topicConsume(ctx context.Context, t *topicRun, args []string) error {
	fs, cf := t.flags(`
Prints a topic's records, one per line, from every partition or one.
By default it prints each record's value and stops at the end offsets of
when it started; --follow keeps waiting for new records (until Ctrl-C).

--from chooses the start: "beginning" (the default), "end", an offset, or
a time (RFC 3339, or unix milliseconds: numbers from 10^12 on are times).
--group G starts where the consumer group G left off (partitions it never
read start at --reset) and commits its position as records are printed;
an explicit --from wins over the group's position.

--format prints each record through a template, as kcat does:
  %k key   %v value   %p partition   %o offset   %t timestamp (unix ms)
  %T timestamp (RFC 3339)   %h headers (k=v,k=v)   %K key length
  %S value length   %% a percent sign   \n newline   \t tab   \\ backslash
A null key or value prints as nothing.

Example:
  sluice topic consume --format '%p:%o %k=%v\n' --limit 10 clicks`)
	partition := fs.Int("partition", -1, "read only this partition (-1: all)")
	from := fs.String("from", "", "start: beginning, end, an OFFSET, or a TIME (RFC 3339 or unix ms)")
	group := fs.String("group", "", "consumer group whose committed position to start at and to advance")
	reset := fs.String("reset", "", "with --group, where partitions without a committed position start: earliest (default) or latest")
	limit := fs.Int64("limit", 0, "stop after this many records (0: no limit)")
	follow := fs.Bool("follow", false, "keep printing new records until interrupted")
	format := fs.String("format", `%v\n`, "output template (see above)")
	name, err := t.parse(fs, args)
	if err != nil {
		return err
	}
	tmpl, err := parseRecordFormat(*format)
	if err != nil {
		return usageError("--format: %v", err)
	}
	p := client.ConsumeParams{Group: *group, Reset: *reset, Limit: *limit, Follow: *follow}
	if p.Offset, p.From, err = parseStart(*from); err != nil {
		return usageError("--from: %v", err)
	}
	if *reset != "" && *reset != "earliest" && *reset != "latest" {
		return usageError("--reset %q: want earliest or latest", *reset)
	}
	if *limit < 0 {
		return usageError("--limit cannot be negative")
	}
	if *partition >= 0 {
		part := int32(*partition)
		p.Partition = &part
	}
	c, err := cf.client(t.clk, 0)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(t.io.Stdout, 64<<10)
	var buf []byte
	err = c.Consume(ctx, name, p, func(r client.Record) error {
		buf = tmpl.append(buf[:0], &r)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if *follow {
			return w.Flush()
		}
		return nil
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// parseStart reads --from into the records endpoint's offset or from.
func parseStart(s string) (offset, from string, err error) {
	switch s {
	case "", "beginning", "end":
		return s, "", nil
	}
	if n, perr := strconv.ParseInt(s, 10, 64); perr == nil {
		switch {
		case n < 0:
			return "", "", fmt.Errorf("offset %d is negative", n)
		case n >= 1e12: // unix ms after 2001: no partition has that many records
			return "", s, nil
		}
		return s, "", nil
	}
	if _, perr := time.Parse(time.RFC3339Nano, s); perr == nil {
		return "", s, nil
	}
	return "", "", fmt.Errorf("%q is not beginning, end, an offset, RFC 3339 time or unix milliseconds", s)
}

// recordFormat is a parsed --format template: literal text and
// one-letter fields.
type recordFormat []formatPart

type formatPart struct {
	lit   string
	field byte // 0 for literal text
}

func parseRecordFormat(s string) (recordFormat, error) {
	var f recordFormat
	var lit strings.Builder
	flushLit := func() {
		if lit.Len() > 0 {
			f = append(f, formatPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' && c != '\\' {
			lit.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return nil, fmt.Errorf("%q ends with a lone %c", s, c)
		}
		i++
		n := s[i]
		if c == '\\' {
			switch n {
			case 'n':
				lit.WriteByte('\n')
			case 't':
				lit.WriteByte('\t')
			case 'r':
				lit.WriteByte('\r')
			case '\\':
				lit.WriteByte('\\')
			default:
				return nil, fmt.Errorf(`unknown escape \%c (use \n \t \r \\)`, n)
			}
			continue
		}
		switch n {
		case '%':
			lit.WriteByte('%')
		case 'k', 'v', 'p', 'o', 't', 'T', 'h', 'K', 'S':
			flushLit()
			f = append(f, formatPart{field: n})
		default:
			return nil, fmt.Errorf("unknown field %%%c (use %%k %%v %%p %%o %%t %%T %%h %%K %%S)", n)
		}
	}
	flushLit()
	return f, nil
}

func (f recordFormat) append(b []byte, r *client.Record) []byte {
	for _, p := range f {
		switch p.field {
		case 0:
			b = append(b, p.lit...)
		case 'k':
			b = append(b, r.Key...)
		case 'v':
			b = append(b, r.Value...)
		case 'p':
			b = strconv.AppendInt(b, int64(r.Partition), 10)
		case 'o':
			b = strconv.AppendInt(b, r.Offset, 10)
		case 't':
			b = strconv.AppendInt(b, r.Timestamp, 10)
		case 'T':
			b = time.UnixMilli(r.Timestamp).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		case 'K':
			b = strconv.AppendInt(b, int64(len(r.Key)), 10)
		case 'S':
			b = strconv.AppendInt(b, int64(len(r.Value)), 10)
		case 'h':
			for i, h := range r.Headers {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(append(append(b, h.Key...), '='), h.Value...)
			}
		}
	}
	return b
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
