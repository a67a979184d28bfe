package embedded

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
)

// ageLog opens a log on a fake clock with one single-partition topic whose
// segments are large enough never to roll by size in these tests.
func ageLog(t *testing.T, configs map[string]string) (*Log, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.UnixMilli(1_700_000_000_000))
	l := openLog(t, Options{Clock: clk, Fsync: FsyncNever, RetentionInterval: 100000 * time.Hour})
	createTopic(t, l, "t", 1, configs)
	return l, clk
}

// recordsAt is testRecords with every timestamp set to ts.
func recordsAt(from, n int64, ts time.Time) []log.Record {
	recs := testRecords(from, n)
	for i := range recs {
		recs[i].Timestamp = ts.UnixMilli()
	}
	return recs
}

func enforce(t *testing.T, l *Log) {
	t.Helper()
	if err := l.EnforceRetention(context.Background()); err != nil {
		t.Fatalf("EnforceRetention: %v", err)
	}
}

func wantSegments(t *testing.T, l *Log, want ...int64) {
	t.Helper()
	if got := segmentFiles(t, partitionDirOf(l, "t", 0)); !slices.Equal(got, want) {
		t.Fatalf("segments %v, want %v", got, want)
	}
}

func TestSegmentMsRollsOnAppend(t *testing.T) {
	l, clk := ageLog(t, map[string]string{ConfigSegmentMs: fmt.Sprint(time.Hour.Milliseconds())})
	mustAppend(t, l, "t", 0, testRecords(0, 3))
	clk.Advance(59 * time.Minute)
	mustAppend(t, l, "t", 0, testRecords(3, 3))
	// Exactly segment.ms after the first append is not yet older.
	clk.Advance(time.Minute)
	mustAppend(t, l, "t", 0, testRecords(6, 3))
	wantSegments(t, l, 0)

	clk.Advance(time.Millisecond)
	if base := mustAppend(t, l, "t", 0, testRecords(9, 3)); base != 9 {
		t.Fatalf("Append after segment.ms = %d, want 9", base)
	}
	wantSegments(t, l, 0, 9)
	// The new segment's age counts from its own first append.
	clk.Advance(time.Hour)
	mustAppend(t, l, "t", 0, testRecords(12, 3))
	wantSegments(t, l, 0, 9)
	clk.Advance(time.Millisecond)
	mustAppend(t, l, "t", 0, testRecords(15, 3))
	wantSegments(t, l, 0, 9, 15)

	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
	l = reopen(t, l)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 0 || info.EndOffset != 18 {
		t.Fatalf("after reopen: %+v, want offsets 0 to 18", info)
	}
	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
}

func TestSegmentMsRollsQuietPartition(t *testing.T) {
	l, clk := ageLog(t, map[string]string{
		ConfigSegmentMs:       fmt.Sprint(time.Hour.Milliseconds()),
		log.ConfigRetentionMs: fmt.Sprint((2 * time.Hour).Milliseconds()),
	})
	t0 := clk.Now()
	mustAppend(t, l, "t", 0, recordsAt(0, 5, t0))
	ctx := context.Background()

	// A reader tails the partition and waits at its end.
	r, err := l.OpenReader(ctx, "t", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if recs, err := r.Next(ctx); err != nil || len(recs) != 5 {
		t.Fatalf("Next: %d records, %v", len(recs), err)
	}
	old := r.(*reader).seg
	got := make(chan []log.Record, 1)
	errc := make(chan error, 1)
	go func() {
		recs, err := r.Next(ctx)
		if err != nil {
			errc <- err
			return
		}
		got <- []log.Record{cloneRecord(recs[0])}
	}()

	clk.Advance(time.Hour)
	enforce(t, l)
	wantSegments(t, l, 0)

	clk.Advance(time.Millisecond)
	enforce(t, l)
	wantSegments(t, l, 0, 5)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 0 || info.EndOffset != 5 {
		t.Fatalf("after the roll: %+v, want offsets 0 to 5 (the records are not yet 2 hours old)", info)
	}
	if recs := readAll(t, l, "t", 0, 0); len(recs) != 5 || recs[4].Offset != 4 || !sameRecord(recs[4], recordsAt(4, 1, t0)[0]) {
		t.Fatalf("after the roll read %+v, want the 5 records", recs)
	}
	l.sealing.Wait()

	clk.Advance(time.Hour) // now the records are older than retention.ms
	enforce(t, l)
	wantSegments(t, l, 5)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 5 || info.EndOffset != 5 {
		t.Fatalf("after retention: %+v, want offsets 5 to 5", info)
	}
	if _, err := os.Stat(filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(0, ".idx"))); !os.IsNotExist(err) {
		t.Errorf("index of the deleted segment: %v, want it gone", err)
	}
	if _, err := l.OpenReader(ctx, "t", 0, 0); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Errorf("OpenReader at a deleted offset: %v, want ErrOffsetOutOfRange", err)
	}
	// The waiting reader was woken by the roll and moved to the new
	// segment, so the deleted file is closed and its space freed, with
	// nothing appended yet.
	deadline := time.Now().Add(10 * time.Second)
	for old.refs.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the deleted segment still has %d references", old.refs.Load())
		}
		runtime.Gosched()
	}

	if base := mustAppend(t, l, "t", 0, recordsAt(5, 2, clk.Now())); base != 5 {
		t.Fatalf("Append after retention = %d, want 5", base)
	}
	select {
	case recs := <-got:
		if recs[0].Offset != 5 || !sameRecord(recs[0], recordsAt(5, 1, clk.Now())[0]) {
			t.Errorf("the tailing reader got %+v, want the record at offset 5", recs[0])
		}
	case err := <-errc:
		t.Fatalf("the tailing reader: %v", err)
	}
	l = reopen(t, l)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 5 || info.EndOffset != 7 {
		t.Fatalf("after reopen: %+v, want offsets 5 to 7", info)
	}
	if recs := readAll(t, l, "t", 0, 5); len(recs) != 2 || recs[0].Offset != 5 || recs[1].Offset != 6 {
		t.Fatalf("after reopen read %+v, want offsets 5 and 6", recs)
	}
}

// A partition that aged past both limits at once is rolled and emptied in
// one pass, and the background seal of the rolled segment leaves no index
// behind it.
func TestSegmentMsRollAndDeleteInOnePass(t *testing.T) {
	l, clk := ageLog(t, map[string]string{
		ConfigSegmentMs:       "1000",
		log.ConfigRetentionMs: "1000",
	})
	mustAppend(t, l, "t", 0, recordsAt(0, 4, clk.Now()))
	clk.Advance(time.Second + time.Millisecond)
	enforce(t, l)
	l.sealing.Wait()
	wantSegments(t, l, 4)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 4 || info.EndOffset != 4 {
		t.Fatalf("after one pass: %+v, want offsets 4 to 4", info)
	}
	ents, err := os.ReadDir(partitionDirOf(l, "t", 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != segmentFileName(4, ".log") && e.Name() != segmentFileName(4, ".idx") {
			t.Errorf("unexpected file %s left in the partition", e.Name())
		}
	}
}

// With the defaults (segment.ms and retention.ms of 7 days), a topic that
// gets no more records is emptied 7 days after its last segment started.
func TestSegmentMsDefault(t *testing.T) {
	l, clk := ageLog(t, nil)
	mustAppend(t, l, "t", 0, recordsAt(0, 3, clk.Now()))
	clk.Advance(7 * 24 * time.Hour)
	enforce(t, l)
	wantSegments(t, l, 0)
	clk.Advance(time.Millisecond)
	enforce(t, l)
	wantSegments(t, l, 3)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 3 || info.EndOffset != 3 {
		t.Fatalf("after 7 days: %+v, want offsets 3 to 3", info)
	}
}

func TestSegmentMsLeavesEmptySegment(t *testing.T) {
	l, clk := ageLog(t, map[string]string{
		ConfigSegmentMs:       "1000",
		log.ConfigRetentionMs: "1000",
	})
	// A new topic's empty segment does not roll, however old.
	clk.Advance(24 * time.Hour)
	enforce(t, l)
	wantSegments(t, l, 0)
	// Nor does it roll on the append that fills it first.
	if base := mustAppend(t, l, "t", 0, recordsAt(0, 2, clk.Now())); base != 0 {
		t.Fatalf("Append = %d, want 0", base)
	}
	wantSegments(t, l, 0)
	// Once it has rolled and gone, the new empty segment stays as it is.
	clk.Advance(2 * time.Second)
	enforce(t, l)
	wantSegments(t, l, 2)
	for range 3 {
		clk.Advance(24 * time.Hour)
		enforce(t, l)
	}
	wantSegments(t, l, 2)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 2 || info.EndOffset != 2 {
		t.Fatalf("after the empty segment aged: %+v, want offsets 2 to 2", info)
	}
}

func TestSegmentMsDisabled(t *testing.T) {
	l, clk := ageLog(t, map[string]string{ConfigSegmentMs: "-1", log.ConfigRetentionMs: "1000"})
	mustAppend(t, l, "t", 0, recordsAt(0, 2, clk.Now()))
	clk.Advance(1000 * 24 * time.Hour)
	enforce(t, l)
	mustAppend(t, l, "t", 0, recordsAt(2, 2, clk.Now()))
	enforce(t, l)
	wantSegments(t, l, 0)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 0 || info.EndOffset != 4 {
		t.Fatalf("segment.ms -1: %+v, want offsets 0 to 4 kept in the active segment", info)
	}
}

// The files do not record when a segment's first frame was appended; on
// open its age counts from the file's last modification, or from the
// opening when that is earlier, so reopening neither rolls a segment early
// nor makes it young again.
func TestSegmentMsAfterReopen(t *testing.T) {
	hour := fmt.Sprint(time.Hour.Milliseconds())
	t.Run("modified long ago", func(t *testing.T) {
		l, clk := ageLog(t, map[string]string{ConfigSegmentMs: hour})
		mustAppend(t, l, "t", 0, testRecords(0, 3))
		seg := filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(0, ".log"))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		modified := clk.Now().Add(-time.Hour - time.Millisecond)
		if err := os.Chtimes(seg, modified, modified); err != nil {
			t.Fatal(err)
		}
		l = openLog(t, l.opts)
		enforce(t, l)
		wantSegments(t, l, 0, 3)
	})
	t.Run("modified after the clock", func(t *testing.T) {
		// The fake clock is years behind the file's real modification
		// time: the age counts from the opening.
		l, clk := ageLog(t, map[string]string{ConfigSegmentMs: hour})
		mustAppend(t, l, "t", 0, testRecords(0, 3))
		clk.Advance(50 * time.Minute)
		l = reopen(t, l)
		clk.Advance(time.Hour)
		enforce(t, l)
		wantSegments(t, l, 0)
		clk.Advance(time.Millisecond)
		if base := mustAppend(t, l, "t", 0, testRecords(3, 1)); base != 3 {
			t.Fatalf("Append = %d, want 3", base)
		}
		wantSegments(t, l, 0, 3)
	})
}

func TestSegmentMsValidation(t *testing.T) {
	l := openLog(t, Options{})
	ctx := context.Background()
	for _, v := range []string{"0", "-2", "soon", "1.5", "", "9223372036854775808"} {
		err := l.CreateTopic(ctx, "t", log.TopicConfig{Partitions: 1, Configs: map[string]string{ConfigSegmentMs: v}})
		if !errors.Is(err, log.ErrInvalidConfig) {
			t.Errorf("CreateTopic with segment.ms %q: %v, want ErrInvalidConfig", v, err)
		}
	}
	for i, v := range []string{"-1", "1", fmt.Sprint(int64(math.MaxInt64))} {
		name := fmt.Sprintf("ok%d", i)
		if err := l.CreateTopic(ctx, name, log.TopicConfig{Partitions: 1, Configs: map[string]string{ConfigSegmentMs: v}}); err != nil {
			t.Errorf("CreateTopic with segment.ms %q: %v", v, err)
			continue
		}
		info, err := l.DescribeTopic(ctx, name)
		if err != nil || info.Configs[ConfigSegmentMs] != v {
			t.Errorf("DescribeTopic(%q) configs %v, %v; want segment.ms %q reported", name, info.Configs, err, v)
		}
	}
}
