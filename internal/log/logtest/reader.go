package logtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

func (s *suite) testReadFromStart(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	want := s.records("s", 10)
	base := appendRecs(t, ctx, l, name, 0, want[:4])
	appendRecs(t, ctx, l, name, 0, want[4:])
	start := partitionInfo(t, ctx, l, name, 0).StartOffset
	if start != base {
		t.Fatalf("start offset %d, first record at %d", start, base)
	}
	checkRecords(t, "from the start offset", want, readN(t, ctx, l, name, 0, start, len(want)))
}

func (s *suite) testReadFromMiddle(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	want := s.records("m", 10)
	base := appendRecs(t, ctx, l, name, 0, want[:6])
	appendRecs(t, ctx, l, name, 0, want[6:])
	// 4 is inside the first Append: readers start at any record, not only
	// at the first of an Append.
	checkRecords(t, "from offset base+4", want[4:], readN(t, ctx, l, name, 0, base+4, 6))
	checkRecords(t, "from the last record", want[9:], readN(t, ctx, l, name, 0, base+9, 1))
}

type nextResult struct {
	recs []log.Record
	err  error
}

// startNext calls r.Next in a goroutine and delivers what it returned,
// records copied, on the channel.
func startNext(ctx context.Context, r log.Reader) <-chan nextResult {
	ch := make(chan nextResult, 1)
	go func() {
		recs, err := r.Next(ctx)
		res := nextResult{err: err}
		for _, rec := range recs {
			res.recs = append(res.recs, cloneRecord(rec))
		}
		ch <- res
	}()
	return ch
}

// notReturned fails the test if Next has already returned. Without sleeping
// it cannot prove that Next blocks, but an implementation that returns
// empty-handed at once is caught.
func notReturned(t *testing.T, ch <-chan nextResult, why string) {
	t.Helper()
	select {
	case res := <-ch:
		t.Fatalf("Next returned %d records, error %v, %s", len(res.recs), res.err, why)
	default:
	}
}

func receive(t *testing.T, ctx context.Context, ch <-chan nextResult, what string) nextResult {
	t.Helper()
	select {
	case res := <-ch:
		return res
	case <-ctx.Done():
		t.Fatalf("Next did not return %s", what)
		return nextResult{}
	}
}

// next calls r.Next, which must return records, and copies them.
func next(t *testing.T, ctx context.Context, r log.Reader) []log.Record {
	t.Helper()
	recs, err := r.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("Next returned no records and no error")
	}
	out := make([]log.Record, len(recs))
	for i, rec := range recs {
		out[i] = cloneRecord(rec)
	}
	return out
}

func openReader(t *testing.T, ctx context.Context, l log.Log, name string, p int32, off int64) log.Reader {
	t.Helper()
	r, err := l.OpenReader(ctx, name, p, off)
	if err != nil {
		t.Fatalf("OpenReader(%q, %d, %d): %v", name, p, off, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func (s *suite) testNextBlocks(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 2)
	first := appendRecs(t, ctx, l, name, 0, s.records("before", 2))
	r := openReader(t, ctx, l, name, 0, first+2)
	if pos := r.Position(); pos != first+2 {
		t.Fatalf("Position() at the end = %d, want %d", pos, first+2)
	}
	ch := startNext(ctx, r)
	notReturned(t, ch, "before anything was appended at its position")
	// An append to another partition must not wake it with nothing.
	appendRecs(t, ctx, l, name, 1, s.records("elsewhere", 1))
	notReturned(t, ch, "after an append to another partition")

	want := s.records("after", 3)
	base := appendRecs(t, ctx, l, name, 0, want)
	if base != first+2 {
		t.Fatalf("Append = %d, want %d", base, first+2)
	}
	res := receive(t, ctx, ch, "after an append")
	if res.err != nil {
		t.Fatalf("Next: %v", res.err)
	}
	if len(res.recs) == 0 {
		t.Fatal("Next returned no records")
	}
	// Next may return the first records before the whole Append is
	// visible; read the rest the normal way.
	got := res.recs
	for len(got) < len(want) {
		got = append(got, next(t, ctx, r)...)
	}
	for i, rec := range got {
		if rec.Offset != base+int64(i) || rec.Partition != 0 {
			t.Fatalf("record %d at partition %d offset %d, want partition 0 offset %d", i, rec.Partition, rec.Offset, base+int64(i))
		}
	}
	checkRecords(t, "woken reader", want, got)
	if pos := r.Position(); pos != base+3 {
		t.Errorf("Position() = %d, want %d", pos, base+3)
	}
}

func (s *suite) testNextCanceled(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	end := endOffset(t, ctx, l, name, 0)
	r := openReader(t, ctx, l, name, 0, end)
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := startNext(nctx, r)
	notReturned(t, ch, "on an empty partition")
	cancel()
	res := receive(t, ctx, ch, "after its context was canceled")
	if !errors.Is(res.err, context.Canceled) || len(res.recs) != 0 {
		t.Fatalf("Next after cancel = %d records, error %v; want none and context.Canceled", len(res.recs), res.err)
	}
	if pos := r.Position(); pos != end {
		t.Errorf("Position() after a canceled Next = %d, want %d", pos, end)
	}
}

func (s *suite) testNextDeadline(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	r := openReader(t, ctx, l, name, 0, endOffset(t, ctx, l, name, 0))
	dctx, cancel := context.WithTimeout(ctx, 1)
	defer cancel()
	recs, err := r.Next(dctx)
	if !errors.Is(err, context.DeadlineExceeded) || len(recs) != 0 {
		t.Fatalf("Next past its deadline = %d records, error %v; want none and context.DeadlineExceeded", len(recs), err)
	}
}

// testUsableAfterCancel: a Next ended by its context leaves the reader
// where it was, so callers can poll with short-lived contexts.
func (s *suite) testUsableAfterCancel(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	end := endOffset(t, ctx, l, name, 0)
	r := openReader(t, ctx, l, name, 0, end)
	for range 2 {
		nctx, cancel := context.WithCancel(ctx)
		ch := startNext(nctx, r)
		notReturned(t, ch, "on an empty partition")
		cancel()
		if res := receive(t, ctx, ch, "after cancel"); !errors.Is(res.err, context.Canceled) {
			t.Fatalf("Next after cancel: %v, want context.Canceled", res.err)
		}
	}
	want := s.records("u", 2)
	base := appendRecs(t, ctx, l, name, 0, want)
	var got []log.Record
	for len(got) < len(want) {
		got = append(got, next(t, ctx, r)...)
	}
	if got[0].Offset != base {
		t.Fatalf("first record after cancels at offset %d, want %d", got[0].Offset, base)
	}
	checkRecords(t, "after canceled Next calls", want, got)
}

func (s *suite) testOpenOutOfRange(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	info := partitionInfo(t, ctx, l, name, 0)
	// An empty partition: only its end offset is readable.
	for _, off := range []int64{-1, info.EndOffset + 1} {
		_, err := l.OpenReader(ctx, name, 0, off)
		wantErr(t, fmt.Sprintf("OpenReader at %d of empty partition [%d, %d)", off, info.StartOffset, info.EndOffset), err, log.ErrOffsetOutOfRange)
	}
	openReader(t, ctx, l, name, 0, info.EndOffset)

	base := appendRecs(t, ctx, l, name, 0, s.records("r", 5))
	info = partitionInfo(t, ctx, l, name, 0)
	for _, off := range []int64{-1, -100, info.EndOffset + 1, info.EndOffset + 1000} {
		_, err := l.OpenReader(ctx, name, 0, off)
		wantErr(t, fmt.Sprintf("OpenReader at %d of [%d, %d)", off, info.StartOffset, info.EndOffset), err, log.ErrOffsetOutOfRange)
	}
	if info.StartOffset > 0 {
		_, err := l.OpenReader(ctx, name, 0, info.StartOffset-1)
		wantErr(t, "OpenReader before the start offset", err, log.ErrOffsetOutOfRange)
	}
	for _, off := range []int64{info.StartOffset, base + 4, info.EndOffset} {
		openReader(t, ctx, l, name, 0, off)
	}
}

func (s *suite) testOpenUnknown(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	_, err := l.OpenReader(ctx, name, 0, 0)
	wantErr(t, "OpenReader of an unknown topic", err, log.ErrUnknownTopic)
	createTopic(t, ctx, l, name, 2)
	for _, p := range []int32{2, -1} {
		_, err := l.OpenReader(ctx, name, p, 0)
		wantErr(t, fmt.Sprintf("OpenReader of partition %d of 2", p), err, log.ErrUnknownPartition)
	}
}
