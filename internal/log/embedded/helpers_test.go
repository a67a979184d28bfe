package embedded

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

// logBuffer collects what the log reports through its logger.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and cleared on every write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// waitFor blocks until the log has reported a line containing s.
func (b *logBuffer) waitFor(s string) {
	for {
		b.mu.Lock()
		if strings.Contains(b.buf.String(), s) {
			b.mu.Unlock()
			return
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		<-ch
	}
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// openLog opens a log in opts.Dir (a new temporary directory when empty)
// that is closed when the test ends, unless the test closed it.
func openLog(t testing.TB, opts Options) *Log {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", opts.Dir, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// reopen closes l and opens its directory again with the same options.
func reopen(t testing.TB, l *Log) *Log {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openLog(t, l.opts)
}

func createTopic(t testing.TB, l *Log, name string, partitions int32, configs map[string]string) {
	t.Helper()
	if err := l.CreateTopic(context.Background(), name, log.TopicConfig{Partitions: partitions, Configs: configs}); err != nil {
		t.Fatalf("CreateTopic(%q): %v", name, err)
	}
}

func mustAppend(t testing.TB, l *Log, topic string, p int32, recs []log.Record) int64 {
	t.Helper()
	base, err := l.Append(context.Background(), topic, p, recs)
	if err != nil {
		t.Fatalf("Append(%s/%d, %d records): %v", topic, p, len(recs), err)
	}
	return base
}

// testRecord is record i of a test sequence: its content derives from i,
// so that a wrong or damaged record is recognised.
func testRecord(i int64) log.Record {
	r := log.Record{
		Key:       fmt.Appendf(nil, "key-%d", i),
		Value:     bytes.Repeat(fmt.Appendf(nil, "value-%d;", i), int(i%7)+1),
		Timestamp: 1_700_000_000_000 + i,
	}
	if i%5 == 0 {
		r.Headers = []log.Header{{Key: "n", Value: fmt.Append(nil, i)}}
	}
	return r
}

func testRecords(from, n int64) []log.Record {
	recs := make([]log.Record, n)
	for i := range recs {
		recs[i] = testRecord(from + int64(i))
	}
	return recs
}

// readAll reads a partition from offset to its end offset, copying the
// records, and fails the test on any error.
func readAll(t testing.TB, l *Log, topic string, p int32, from int64) []log.Record {
	t.Helper()
	recs, err := tryReadAll(l, topic, p, from)
	if err != nil {
		t.Fatalf("reading %s/%d from %d: %v", topic, p, from, err)
	}
	return recs
}

func tryReadAll(l *Log, topic string, p int32, from int64) ([]log.Record, error) {
	ctx := context.Background()
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, err
	}
	end := info.Partitions[p].EndOffset
	r, err := l.OpenReader(ctx, topic, p, from)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []log.Record
	for r.Position() < end {
		recs, err := r.Next(ctx)
		if err != nil {
			return out, err
		}
		for _, rec := range recs {
			out = append(out, cloneRecord(rec))
		}
	}
	return out, nil
}

func cloneRecord(r log.Record) log.Record {
	c := r
	c.Key, c.Value = cloneBytes(r.Key), cloneBytes(r.Value)
	c.Headers = nil
	for _, h := range r.Headers {
		c.Headers = append(c.Headers, log.Header{Key: h.Key, Value: cloneBytes(h.Value)})
	}
	return c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

// sameRecord compares what a log keeps of a record, telling null from
// empty.
func sameRecord(a, b log.Record) bool {
	if !sameBytes(a.Key, b.Key) || !sameBytes(a.Value, b.Value) || a.Timestamp != b.Timestamp || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !sameBytes(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// checkTestRecords checks that recs are the test records from offset on,
// in order, with their offsets.
func checkTestRecords(t testing.TB, recs []log.Record, from int64, p int32) {
	t.Helper()
	for i, r := range recs {
		want := from + int64(i)
		if r.Offset != want || r.Partition != p {
			t.Fatalf("record %d: offset %d partition %d, want offset %d partition %d", i, r.Offset, r.Partition, want, p)
		}
		if !sameRecord(r, testRecord(want)) {
			t.Fatalf("record at offset %d = %+v, want %+v", want, r, testRecord(want))
		}
	}
}

func partitionDirOf(l *Log, topic string, p int32) string {
	return filepath.Join(l.opts.Dir, topicsDir, topic, fmt.Sprint(p))
}

// segmentFiles lists the base offsets of a partition's segment files.
func segmentFiles(t testing.TB, dir string) []int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var bases []int64
	for _, e := range ents {
		if b, ok := parseSegmentFileName(e.Name(), ".log"); ok {
			bases = append(bases, b)
		}
	}
	return bases
}

func partitionInfo(t testing.TB, l *Log, topic string, p int32) log.PartitionInfo {
	t.Helper()
	info, err := l.DescribeTopic(context.Background(), topic)
	if err != nil {
		t.Fatalf("DescribeTopic(%q): %v", topic, err)
	}
	return info.Partitions[p]
}
