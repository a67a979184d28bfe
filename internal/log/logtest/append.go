package logtest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

func (s *suite) testBaseOffsets(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	next := endOffset(t, ctx, l, name, 0)
	for i, n := range []int{1, 3, 1, 7, 2} {
		base := appendRecs(t, ctx, l, name, 0, s.records(fmt.Sprint(i), n))
		if base != next {
			t.Fatalf("Append %d (%d records) returned base offset %d, want %d (contiguous after the previous one)", i, n, base, next)
		}
		next += int64(n)
	}
	if end := endOffset(t, ctx, l, name, 0); end != next {
		t.Errorf("end offset after appends = %d, want %d", end, next)
	}
}

// roundTripRecords covers what a log must keep exactly: null versus empty
// keys, values and header values, repeated and empty header keys, binary
// bytes and non-monotonic timestamps. Partition and Offset are set to
// nonsense to check that Append ignores them.
func (s *suite) roundTripRecords() []log.Record {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	return []log.Record{
		{Key: nil, Value: nil, Timestamp: s.base},
		{Key: []byte{}, Value: []byte{}, Timestamp: s.base + 10},
		{Key: []byte("k"), Value: []byte("v"), Timestamp: s.base + 5, Headers: []log.Header{
			{Key: "a", Value: []byte("1")},
			{Key: "a", Value: []byte("2")},
			{Key: "null", Value: nil},
			{Key: "empty", Value: []byte{}},
			{Key: "", Value: []byte("empty key")},
		}},
		{Key: nil, Value: []byte(`{"only":"value"}`), Timestamp: s.base + 20, Partition: 7, Offset: 99},
		{Key: []byte{0, 0, 1}, Value: binary, Timestamp: s.base - 1000, Headers: []log.Header{{Key: "bin", Value: binary}}},
		{Key: []byte("tombstone"), Value: nil, Timestamp: s.base + 30},
	}
}

func (s *suite) testRoundTrip(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 2)
	appended := s.roundTripRecords()
	base := appendRecs(t, ctx, l, name, 1, appended)
	// Compared with a fresh copy, so that a log that changes the caller's
	// records cannot hide it.
	want := s.roundTripRecords()
	checkRecords(t, "records read back", want, readN(t, ctx, l, name, 1, base, len(want)))
	// The log must not keep references to the caller's buffers.
	appended[2].Value[0] = 'X'
	appended[2].Headers[0].Value[0] = 'X'
	got := readN(t, ctx, l, name, 1, base, len(want))
	if string(got[2].Value) != "v" || string(got[2].Headers[0].Value) != "1" {
		t.Errorf("changing the appended slices changed the stored record: value %q, header %q", got[2].Value, got[2].Headers[0].Value)
	}
}

func (s *suite) testPartitionsIndependent(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 3)
	info := describe(t, ctx, l, name)
	start := map[int32]int64{}
	for _, p := range info.Partitions {
		start[p.Partition] = p.StartOffset
	}
	a, b, c := s.records("p2a", 3), s.records("p0", 2), s.records("p2b", 4)
	if base := appendRecs(t, ctx, l, name, 2, a); base != start[2] {
		t.Errorf("first Append to partition 2 = %d, want %d", base, start[2])
	}
	if base := appendRecs(t, ctx, l, name, 0, b); base != start[0] {
		t.Errorf("first Append to partition 0 = %d, want %d (partitions have their own offsets)", base, start[0])
	}
	if base := appendRecs(t, ctx, l, name, 2, c); base != start[2]+3 {
		t.Errorf("second Append to partition 2 = %d, want %d", base, start[2]+3)
	}
	checkRecords(t, "partition 0", b, readN(t, ctx, l, name, 0, start[0], len(b)))
	checkRecords(t, "partition 2", append(a, c...), readN(t, ctx, l, name, 2, start[2], len(a)+len(c)))
	ends := map[int32]int64{0: start[0] + 2, 1: start[1], 2: start[2] + 7}
	for _, p := range describe(t, ctx, l, name).Partitions {
		if p.EndOffset != ends[p.Partition] {
			t.Errorf("partition %d end offset = %d, want %d", p.Partition, p.EndOffset, ends[p.Partition])
		}
	}
}

func (s *suite) testEndOffsets(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 2)
	before := describe(t, ctx, l, name)
	appendRecs(t, ctx, l, name, 0, s.records("a", 4))
	appendRecs(t, ctx, l, name, 1, s.records("b", 1))
	appendRecs(t, ctx, l, name, 0, s.records("c", 2))
	after := describe(t, ctx, l, name)
	added := []int64{6, 1}
	for i, p := range after.Partitions {
		b := before.Partitions[i]
		if p.StartOffset != b.StartOffset {
			t.Errorf("partition %d start offset moved from %d to %d on append", i, b.StartOffset, p.StartOffset)
		}
		if p.EndOffset != b.EndOffset+added[i] {
			t.Errorf("partition %d end offset = %d, want %d", i, p.EndOffset, b.EndOffset+added[i])
		}
		if p.SizeBytes < 0 {
			t.Errorf("partition %d SizeBytes = %d", i, p.SizeBytes)
		}
	}
}

func (s *suite) testAppendUnknown(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	_, err := l.Append(ctx, name, 0, s.records("x", 1))
	wantErr(t, "Append to an unknown topic", err, log.ErrUnknownTopic)
	createTopic(t, ctx, l, name, 2)
	for _, p := range []int32{2, -1} {
		_, err := l.Append(ctx, name, p, s.records("x", 1))
		wantErr(t, fmt.Sprintf("Append to partition %d of 2", p), err, log.ErrUnknownPartition)
	}
	if end := endOffset(t, ctx, l, name, 0); end != partitionInfo(t, ctx, l, name, 0).StartOffset {
		t.Errorf("failed appends wrote records: end offset %d", end)
	}
}

// testConcurrentAppenders appends from several goroutines to one
// partition: every record must land once, each Append's records contiguous
// at the base offset it returned, each appender's records in its order.
func (s *suite) testConcurrentAppenders(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	start := endOffset(t, ctx, l, name, 0)

	const appenders, appends, perAppend = 4, 25, 4
	type call struct {
		base int64
		recs []log.Record
	}
	calls := make([][]call, appenders)
	errs := make(chan error, appenders)
	var wg sync.WaitGroup
	for a := range appenders {
		wg.Go(func() {
			for i := range appends {
				recs := make([]log.Record, perAppend)
				for j := range recs {
					recs[j] = log.Record{
						Key:       fmt.Appendf(nil, "appender-%d", a),
						Value:     fmt.Appendf(nil, "%d/%d/%d", a, i, j),
						Timestamp: s.base + int64(i),
					}
				}
				base, err := l.Append(ctx, name, 0, recs)
				if err != nil {
					errs <- fmt.Errorf("appender %d, append %d: %w", a, i, err)
					return
				}
				calls[a] = append(calls[a], call{base, recs})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	const total = appenders * appends * perAppend
	got := readN(t, ctx, l, name, 0, start, total)
	seen := map[string]int64{}
	for _, r := range got {
		if prev, ok := seen[string(r.Value)]; ok {
			t.Fatalf("record %q stored twice, at offsets %d and %d", r.Value, prev, r.Offset)
		}
		seen[string(r.Value)] = r.Offset
	}
	for a, cs := range calls {
		last := int64(-1)
		for i, c := range cs {
			for j, want := range c.recs {
				off := c.base + int64(j)
				if off < start || off >= start+total {
					t.Fatalf("appender %d, append %d: base %d puts record %d outside [%d, %d)", a, i, c.base, j, start, start+total)
				}
				if !bytes.Equal(got[off-start].Value, want.Value) {
					t.Fatalf("appender %d, append %d returned base %d but offset %d holds %q, want %q (an Append's records must be contiguous)", a, i, c.base, off, got[off-start].Value, want.Value)
				}
				if off <= last {
					t.Fatalf("appender %d: record %q at offset %d precedes its earlier record at %d", a, want.Value, off, last)
				}
				last = off
			}
		}
	}
	if end := endOffset(t, ctx, l, name, 0); end != start+total {
		t.Errorf("end offset = %d, want %d", end, start+total)
	}
}

func (s *suite) testLargeBatch(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	const n = 5000
	recs := make([]log.Record, n)
	for i := range recs {
		recs[i] = log.Record{
			Key:       fmt.Appendf(nil, "key-%05d", i),
			Value:     fmt.Appendf(nil, "%05d-%s", i, bytes.Repeat([]byte{'a' + byte(i%26)}, 100)),
			Timestamp: s.base + int64(i),
			Headers:   []log.Header{{Key: "i", Value: fmt.Append(nil, i)}},
		}
	}
	start := endOffset(t, ctx, l, name, 0)
	base := appendRecs(t, ctx, l, name, 0, recs)
	if base != start {
		t.Errorf("Append of %d records = %d, want %d", n, base, start)
	}
	if end := endOffset(t, ctx, l, name, 0); end != base+n {
		t.Errorf("end offset after %d records = %d, want %d", n, end, base+n)
	}
	checkRecords(t, "large batch", recs, readN(t, ctx, l, name, 0, base, n))
}

func (s *suite) testLargeRecord(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	value := make([]byte, 512<<10)
	for i := range value {
		value[i] = byte(i * 7)
	}
	want := []log.Record{
		{Key: []byte("big"), Value: value, Timestamp: s.base},
		{Key: []byte("after"), Value: []byte("small"), Timestamp: s.base + 1},
	}
	base := appendRecs(t, ctx, l, name, 0, want[:1])
	if next := appendRecs(t, ctx, l, name, 0, want[1:]); next != base+1 {
		t.Errorf("Append after the large record = %d, want %d", next, base+1)
	}
	checkRecords(t, "512 KiB record", want, readN(t, ctx, l, name, 0, base, 2))
}
