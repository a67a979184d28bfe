package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
)

func TestRoundTripNullAndEmpty(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, nil)
	want := []log.Record{
		{},
		{Key: []byte{}, Value: []byte{}},
		{Key: nil, Value: []byte{}, Timestamp: -1},
		{Key: []byte{}, Value: nil, Timestamp: math.MaxInt64},
		{Key: []byte("k"), Value: []byte("v"), Timestamp: math.MinInt64, Headers: []log.Header{
			{Key: "", Value: nil}, {Key: "", Value: []byte{}}, {Key: "h", Value: []byte("x")}, {Key: "h", Value: nil},
		}},
		{Key: bytes.Repeat([]byte{0xff}, 300), Value: bytes.Repeat([]byte{0}, 70000), Timestamp: 12345, Headers: []log.Header{{Key: strings.Repeat("k", 200), Value: bytes.Repeat([]byte{1}, 200)}}},
		{Key: []byte("after"), Timestamp: 0, Partition: 9, Offset: 77},
	}
	mustAppend(t, l, "t", 0, want)
	check := func(what string, got []log.Record) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
		}
		for i := range want {
			if !sameRecord(got[i], want[i]) || got[i].Offset != int64(i) || got[i].Partition != 0 {
				t.Errorf("%s: record %d = %+v, want %+v at offset %d", what, i, got[i], want[i], i)
			}
		}
	}
	check("read", readAll(t, l, "t", 0, 0))
	l = reopen(t, l)
	check("read after reopen", readAll(t, l, "t", 0, 0))
}

func TestSegmentRollAndReadAcross(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 2, map[string]string{log.ConfigSegmentBytes: "2048"})
	rng := rand.New(rand.NewPCG(1, 2))
	var next int64
	for next < 3000 {
		n := rng.Int64N(12) + 1
		if base := mustAppend(t, l, "t", 1, testRecords(next, n)); base != next {
			t.Fatalf("Append returned %d, want %d", base, next)
		}
		next += n
	}
	dir := partitionDirOf(l, "t", 1)
	bases := segmentFiles(t, dir)
	if len(bases) < 20 {
		t.Fatalf("%d segments for about 200 KB in 2 KB segments", len(bases))
	}
	for i, b := range bases {
		st, err := os.Stat(filepath.Join(dir, segmentFileName(b, ".log")))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 2048 {
			t.Errorf("segment %d is %d bytes, more than segment.bytes", b, st.Size())
		}
		if i > 0 && b <= bases[i-1] {
			t.Errorf("segment bases not increasing: %v", bases)
		}
	}
	if bases[0] != 0 {
		t.Errorf("first segment starts at %d", bases[0])
	}
	for round := range 2 {
		got := readAll(t, l, "t", 1, 0)
		if int64(len(got)) != next {
			t.Fatalf("round %d: read %d records, want %d", round, len(got), next)
		}
		checkTestRecords(t, got, 0, 1)
		// Readers opened anywhere, including at segment boundaries, start
		// exactly there.
		starts := append(slices.Clone(bases), 1, 17, next-1, next/2)
		for _, from := range starts {
			got := readAll(t, l, "t", 1, from)
			if int64(len(got)) != next-from {
				t.Fatalf("round %d: read %d records from %d, want %d", round, len(got), from, next-from)
			}
			checkTestRecords(t, got, from, 1)
		}
		if info := partitionInfo(t, l, "t", 1); info.StartOffset != 0 || info.EndOffset != next || info.SizeBytes < next*10 {
			t.Errorf("round %d: partition info %+v", round, info)
		}
		if info := partitionInfo(t, l, "t", 0); info.EndOffset != 0 {
			t.Errorf("round %d: untouched partition has end offset %d", round, info.EndOffset)
		}
		l = reopen(t, l)
	}
}

func TestRecordTooLarge(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "1024"})
	mustAppend(t, l, "t", 0, testRecords(0, 3))
	_, err := l.Append(context.Background(), "t", 0, []log.Record{{Value: make([]byte, 1000)}})
	if !errors.Is(err, log.ErrRecordTooLarge) {
		t.Fatalf("Append of a frame larger than segment.bytes: %v, want ErrRecordTooLarge", err)
	}
	// A frame that fits an empty segment exactly is fine.
	if base := mustAppend(t, l, "t", 0, testRecords(3, 1)); base != 3 {
		t.Fatalf("Append after a refused one = %d, want 3", base)
	}
	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
}

// writeIndexedLog fills partition 0 of topic "t" with records in many
// small frames over several segments, so that every segment has index
// entries, and returns the end offset.
func writeIndexedLog(t *testing.T, l *Log, segBytes string) int64 {
	t.Helper()
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: segBytes})
	var next int64
	for next < 6000 {
		mustAppend(t, l, "t", 0, testRecords(next, 3))
		next += 3
	}
	return next
}

func readIndexFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, b := range segmentFiles(t, dir) {
		name := segmentFileName(b, ".idx")
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	return out
}

func TestIndexRebuild(t *testing.T) {
	damage := map[string]func(path string, data []byte) error{
		"deleted": func(path string, _ []byte) error { return os.Remove(path) },
		"truncated": func(path string, data []byte) error {
			return os.WriteFile(path, data[:idxHeaderSize+(len(data)-idxHeaderSize)/2+3], 0o644)
		},
		"empty": func(path string, _ []byte) error { return os.WriteFile(path, nil, 0o644) },
		"out of order": func(path string, data []byte) error {
			bad := slices.Clone(data)
			if len(bad) >= idxHeaderSize+2*idxEntrySize {
				copy(bad[idxHeaderSize+idxEntrySize+4:], []byte{0xf0, 0xff, 0xff, 0x7f})
			}
			return os.WriteFile(path, bad, 0o644)
		},
		"wrong header": func(path string, data []byte) error {
			bad := slices.Clone(data)
			bad[12]++
			return os.WriteFile(path, bad, 0o644)
		},
		"pointing elsewhere": func(path string, data []byte) error {
			bad := slices.Clone(data)
			last := len(bad) - idxEntrySize
			if last >= idxHeaderSize {
				bad[last]++ // the last entry claims the wrong offset
			}
			return os.WriteFile(path, bad, 0o644)
		},
	}
	for name, damageFn := range damage {
		t.Run(name, func(t *testing.T) {
			l := openLog(t, Options{})
			end := writeIndexedLog(t, l, "65536")
			dir := partitionDirOf(l, "t", 0)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			want := readIndexFiles(t, dir)
			if len(want) < 3 {
				t.Fatalf("only %d segments", len(want))
			}
			last := segmentFileName(slices.Max(segmentFiles(t, dir)), ".idx")
			for file, data := range want {
				if file != last && len(data) < idxHeaderSize+10*idxEntrySize {
					t.Fatalf("index %s has only %d bytes", file, len(data))
				}
				if err := damageFn(filepath.Join(dir, file), data); err != nil {
					t.Fatal(err)
				}
			}
			l = openLog(t, l.opts)
			got := readIndexFiles(t, dir)
			for file, data := range want {
				if !bytes.Equal(got[file], data) {
					t.Errorf("index %s after rebuild: %d bytes, differs from the original %d bytes", file, len(got[file]), len(data))
				}
			}
			for _, from := range []int64{0, 1, 1000, 2999, 3000, 4711, end - 1, end} {
				recs := readAll(t, l, "t", 0, from)
				if int64(len(recs)) != end-from {
					t.Fatalf("read %d records from %d, want %d", len(recs), from, end-from)
				}
				checkTestRecords(t, recs, from, 0)
			}
		})
	}
}

func TestOffsetForTimeNonMonotonic(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "32768"})
	rng := rand.New(rand.NewPCG(3, 4))
	var all []log.Record
	for len(all) < 5000 {
		n := rng.IntN(5) + 1
		recs := make([]log.Record, n)
		for i := range recs {
			// Timestamps wander: mostly rising, often jumping back.
			ts := int64(len(all)+i)*10 + rng.Int64N(2000) - 1000
			recs[i] = log.Record{Key: []byte("k"), Value: make([]byte, rng.IntN(40)), Timestamp: ts}
		}
		mustAppend(t, l, "t", 0, recs)
		all = append(all, recs...)
	}
	if n := len(segmentFiles(t, partitionDirOf(l, "t", 0))); n < 4 {
		t.Fatalf("only %d segments", n)
	}
	brute := func(ts int64) int64 {
		for i, r := range all {
			if r.Timestamp >= ts {
				return int64(i)
			}
		}
		return int64(len(all))
	}
	check := func(what string) {
		t.Helper()
		targets := []int64{math.MinInt64, -5000, 0, 1, 49999, 50000, 60000, math.MaxInt64}
		for range 300 {
			targets = append(targets, rng.Int64N(53000)-1500)
		}
		for _, ts := range targets {
			got, err := l.OffsetForTime(context.Background(), "t", 0, ts)
			if err != nil {
				t.Fatalf("%s: OffsetForTime(%d): %v", what, ts, err)
			}
			if want := brute(ts); got != want {
				t.Fatalf("%s: OffsetForTime(%d) = %d, want %d", what, ts, got, want)
			}
		}
	}
	check("written")
	l = reopen(t, l)
	check("reopened")
	for _, b := range segmentFiles(t, partitionDirOf(l, "t", 0)) {
		os.Remove(filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(b, ".idx")))
	}
	l = reopen(t, l)
	check("indexes rebuilt")
}

// retentionLog opens a log on a fake clock with one topic whose segments
// are 1 KiB. No ticker runs within the times the tests advance the clock
// by, so retention runs only when they call it.
func retentionLog(t *testing.T, configs map[string]string) (*Log, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.UnixMilli(1_700_000_000_000))
	l := openLog(t, Options{Clock: clk, Fsync: FsyncNever, RetentionInterval: 100000 * time.Hour})
	configs[log.ConfigSegmentBytes] = "1024"
	createTopic(t, l, "t", 1, configs)
	return l, clk
}

func TestRetentionByTime(t *testing.T) {
	l, clk := retentionLog(t, map[string]string{log.ConfigRetentionMs: fmt.Sprint(time.Hour.Milliseconds())})
	now := clk.Now().UnixMilli()
	// 200 records two hours old, then 200 records of now.
	appendAt := func(from int64, ts int64) {
		for i := from; i < from+200; i += 4 {
			recs := testRecords(i, 4)
			for j := range recs {
				recs[j].Timestamp = ts
			}
			mustAppend(t, l, "t", 0, recs)
		}
	}
	appendAt(0, now-2*time.Hour.Milliseconds())
	appendAt(200, now)
	dir := partitionDirOf(l, "t", 0)
	before := segmentFiles(t, dir)
	if err := l.EnforceRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	info := partitionInfo(t, l, "t", 0)
	if info.StartOffset == 0 || info.StartOffset > 200 || info.EndOffset != 400 {
		t.Fatalf("after retention: %+v, want the old records' segments gone, up to offset 200", info)
	}
	after := segmentFiles(t, dir)
	if after[0] != info.StartOffset || len(after) >= len(before) {
		t.Errorf("segments %v before, %v after retention, start offset %d", before, after, info.StartOffset)
	}
	// The segment holding offset 199 (old) and 200 (new) is kept: retention
	// goes by a segment's newest record.
	if _, err := l.OpenReader(context.Background(), "t", 0, 0); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Errorf("OpenReader at a deleted offset: %v, want ErrOffsetOutOfRange", err)
	}
	recs := readAll(t, l, "t", 0, info.StartOffset)
	if int64(len(recs)) != 400-info.StartOffset {
		t.Fatalf("read %d records after retention", len(recs))
	}

	// Two hours later everything but the active segment goes.
	clk.Advance(2 * time.Hour)
	if err := l.EnforceRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	info = partitionInfo(t, l, "t", 0)
	if left := segmentFiles(t, dir); len(left) != 1 || left[0] != info.StartOffset || info.EndOffset != 400 {
		t.Fatalf("after everything expired: segments %v, info %+v; want only the active segment", left, info)
	}
	l = reopen(t, l)
	if got := partitionInfo(t, l, "t", 0); got.StartOffset != info.StartOffset || got.EndOffset != 400 {
		t.Errorf("after reopen: %+v, want start %d end 400", got, info.StartOffset)
	}
	if base := mustAppend(t, l, "t", 0, testRecords(400, 1)); base != 400 {
		t.Errorf("Append after retention and reopen = %d, want 400", base)
	}
}

func TestRetentionForeverKeepsEverything(t *testing.T) {
	l, clk := retentionLog(t, map[string]string{log.ConfigRetentionMs: "-1"})
	for i := int64(0); i < 200; i += 10 {
		mustAppend(t, l, "t", 0, testRecords(i, 10))
	}
	clk.Advance(1000 * 24 * time.Hour)
	if err := l.EnforceRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 0 {
		t.Errorf("retention.ms -1 deleted records: %+v", info)
	}
}

func TestRetentionBySize(t *testing.T) {
	l, _ := retentionLog(t, map[string]string{log.ConfigRetentionBytes: "5000", log.ConfigRetentionMs: "-1"})
	for i := int64(0); i < 600; i += 3 {
		mustAppend(t, l, "t", 0, testRecords(i, 3))
	}
	before := partitionInfo(t, l, "t", 0)
	if before.SizeBytes < 20000 {
		t.Fatalf("only %d bytes written", before.SizeBytes)
	}
	if err := l.EnforceRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	info := partitionInfo(t, l, "t", 0)
	if info.SizeBytes > 5000 || info.SizeBytes <= 5000-1024 || info.EndOffset != 600 {
		t.Fatalf("after size retention: %+v, want between %d and 5000 bytes left", info, 5000-1024)
	}
	var onDisk int64
	dir := partitionDirOf(l, "t", 0)
	for _, b := range segmentFiles(t, dir) {
		st, err := os.Stat(filepath.Join(dir, segmentFileName(b, ".log")))
		if err != nil {
			t.Fatal(err)
		}
		onDisk += st.Size()
	}
	if onDisk != info.SizeBytes {
		t.Errorf("segments on disk hold %d bytes, DescribeTopic says %d", onDisk, info.SizeBytes)
	}
	checkTestRecords(t, readAll(t, l, "t", 0, info.StartOffset), info.StartOffset, 0)
}

func TestRetentionUnderReaders(t *testing.T) {
	l, clk := retentionLog(t, map[string]string{log.ConfigRetentionMs: "1000"})
	for i := int64(0); i < 300; i += 5 {
		mustAppend(t, l, "t", 0, testRecords(i, 5))
	}
	ctx := context.Background()
	r, err := l.OpenReader(ctx, "t", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, err := r.Next(ctx)
	if err != nil || len(first) == 0 {
		t.Fatalf("Next: %d records, %v", len(first), err)
	}
	held := r.(*reader).seg
	l.sealing.Wait() // the seals of rolled segments hold references too
	clk.Advance(time.Hour)
	if err := l.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if start := partitionInfo(t, l, "t", 0).StartOffset; start <= r.Position() {
		t.Fatalf("retention kept offset %d (start %d)", r.Position(), start)
	}
	if _, err := os.Stat(held.path); !os.IsNotExist(err) {
		t.Errorf("deleted segment file still there: %v", err)
	}
	// The reader still holds the deleted segment's file, so nothing it
	// might be reading is closed under it; its next read is out of range.
	if n := held.refs.Load(); n != 1 {
		t.Errorf("deleted segment has %d references, want the reader's 1", n)
	}
	if _, err := r.Next(ctx); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Errorf("Next in a deleted segment: %v, want ErrOffsetOutOfRange", err)
	}
	r.Close()
	if n := held.refs.Load(); n != 0 {
		t.Errorf("deleted segment has %d references after the reader closed", n)
	}
	if err := held.f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the deleted segment's file was not closed after its last reader: %v", err)
	}
}

func TestBackgroundRetention(t *testing.T) {
	clk := clock.NewFake(time.UnixMilli(1_700_000_000_000))
	var out logBuffer
	l := openLog(t, Options{Clock: clk, RetentionInterval: time.Minute, Logger: out.logger()})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "1024", log.ConfigRetentionMs: "1000"})
	for i := int64(0); i < 100; i += 5 {
		mustAppend(t, l, "t", 0, testRecords(i, 5))
	}
	// The ticker fires on Advance; the pass runs on the log's own
	// goroutine, and the test waits for its report.
	clk.Advance(time.Minute)
	out.waitFor("retention deleted segments")
	if info := partitionInfo(t, l, "t", 0); info.StartOffset == 0 {
		t.Errorf("background retention reported deleting segments but the start offset is 0")
	}
}

func TestGroupsPersist(t *testing.T) {
	l := openLog(t, Options{})
	ctx := context.Background()
	long := strings.Repeat("g", 300)
	groups := []string{"plain", "a/b", "", ".hidden", "ü-ñ", "../x", long, long + "2"}
	for i, g := range groups {
		err := l.CommitOffsets(ctx, g, map[log.TopicPartition]int64{
			{Topic: "t", Partition: 0}:   int64(i),
			{Topic: "t", Partition: 3}:   int64(100 + i),
			{Topic: "u.v", Partition: 1}: int64(200 + i),
		})
		if err != nil {
			t.Fatalf("CommitOffsets(%q): %v", g, err)
		}
	}
	if err := l.CommitOffsets(ctx, "plain", map[log.TopicPartition]int64{{Topic: "t", Partition: 0}: 42}); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		for i, g := range groups {
			want0 := int64(i)
			if g == "plain" {
				want0 = 42
			}
			got, err := l.CommittedOffsets(ctx, g, "t")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0] != want0 || got[3] != int64(100+i) {
				t.Errorf("%s: CommittedOffsets(%q, t) = %v", what, g, got)
			}
			got, err = l.CommittedOffsets(ctx, g, "u.v")
			if err != nil || len(got) != 1 || got[1] != int64(200+i) {
				t.Errorf("%s: CommittedOffsets(%q, u.v) = %v, %v", what, g, got, err)
			}
		}
		if got, err := l.CommittedOffsets(ctx, "nobody", "t"); err != nil || len(got) != 0 {
			t.Errorf("%s: unknown group: %v, %v", what, got, err)
		}
	}
	check("committed")
	if _, err := os.Stat(filepath.Join(l.opts.Dir, groupsDir, "g-a%2Fb.json")); err != nil {
		t.Errorf("group file of \"a/b\": %v", err)
	}
	l = reopen(t, l)
	check("reopened")
	for _, g := range groups {
		if name := groupFileName(g); len(name) > 220 || strings.ContainsAny(name, "/\x00") || strings.HasPrefix(name, ".") {
			t.Errorf("group %q has file name %q", g, name)
		}
	}
}

func TestReopenPreservesEverything(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "a", 3, map[string]string{"cleanup.policy": "compact", log.ConfigSegmentBytes: "4096"})
	createTopic(t, l, "b", 1, nil)
	for p := int32(0); p < 3; p++ {
		for i := int64(0); i < 100*int64(p); i += 10 {
			mustAppend(t, l, "a", p, testRecords(i, 10))
		}
	}
	before, err := l.ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l = reopen(t, l)
	after, err := l.ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("topics before reopen:\n%v\nafter:\n%v", before, after)
	}
	if after[0].Configs["cleanup.policy"] != "compact" {
		t.Errorf("unknown config not kept: %v", after[0].Configs)
	}
	for p := int32(0); p < 3; p++ {
		recs := readAll(t, l, "a", p, 0)
		if len(recs) != 100*int(p) {
			t.Errorf("partition %d: %d records after reopen", p, len(recs))
		}
		checkTestRecords(t, recs, 0, p)
		if base := mustAppend(t, l, "a", p, testRecords(100*int64(p), 1)); base != 100*int64(p) {
			t.Errorf("partition %d: Append after reopen = %d", p, base)
		}
	}
}

func TestDeleteTopic(t *testing.T) {
	l := openLog(t, Options{})
	ctx := context.Background()
	createTopic(t, l, "t", 2, nil)
	mustAppend(t, l, "t", 0, testRecords(0, 10))
	r, err := l.OpenReader(ctx, "t", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := r.Next(ctx)
		done <- err
	}()
	if err := l.DeleteTopic(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, log.ErrUnknownTopic) {
		t.Errorf("blocked Next when its topic was deleted: %v, want ErrUnknownTopic", err)
	}
	if _, err := os.Stat(filepath.Join(l.opts.Dir, topicsDir, "t")); !os.IsNotExist(err) {
		t.Errorf("topic directory still exists: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(l.opts.Dir, tmpDir)); len(ents) != 0 {
		t.Errorf("staging directory holds %d entries", len(ents))
	}
	createTopic(t, l, "t", 1, nil)
	if info := partitionInfo(t, l, "t", 0); info.StartOffset != 0 || info.EndOffset != 0 {
		t.Errorf("re-created topic: %+v", info)
	}
	l = reopen(t, l)
	if info := partitionInfo(t, l, "t", 0); info.EndOffset != 0 {
		t.Errorf("re-created topic after reopen: %+v", info)
	}
}

func TestLockRefusesSecondOpen(t *testing.T) {
	l := openLog(t, Options{})
	_, err := Open(Options{Dir: l.opts.Dir})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), l.opts.Dir) || !strings.Contains(err.Error(), "another sluice process") {
		t.Fatalf("second Open of a directory: %v, want ErrLocked naming the directory", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(Options{Dir: l.opts.Dir})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	l2.Close()
}

func TestCreateTopicValidation(t *testing.T) {
	l := openLog(t, Options{})
	ctx := context.Background()
	bad := []map[string]string{
		{log.ConfigRetentionMs: "soon"},
		{log.ConfigRetentionMs: "-2"},
		{log.ConfigRetentionBytes: "1.5"},
		{log.ConfigSegmentBytes: "10"},
		{log.ConfigSegmentBytes: "4294967296"},
		{log.ConfigFlushMessages: "0"},
	}
	for _, cfg := range bad {
		err := l.CreateTopic(ctx, "t", log.TopicConfig{Partitions: 1, Configs: cfg})
		if !errors.Is(err, log.ErrInvalidConfig) {
			t.Errorf("CreateTopic with %v: %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if _, err := l.DescribeTopic(ctx, "t"); !errors.Is(err, log.ErrUnknownTopic) {
		t.Errorf("a refused topic exists: %v", err)
	}
	if err := l.CreateTopic(ctx, "a/b", log.TopicConfig{Partitions: 1}); !errors.Is(err, log.ErrInvalidTopicName) {
		t.Errorf("CreateTopic(\"a/b\"): %v", err)
	}
}

func TestParseFsyncPolicy(t *testing.T) {
	for s, want := range map[string]FsyncPolicy{"always": FsyncAlways, "interval": FsyncInterval, "never": FsyncNever, "Always": FsyncAlways} {
		if got, err := ParseFsyncPolicy(s); err != nil || got != want {
			t.Errorf("ParseFsyncPolicy(%q) = %v, %v; want %v", s, got, err, want)
		}
		if want.String() != strings.ToLower(s) {
			t.Errorf("%v.String() = %q", want, want.String())
		}
	}
	_, err := ParseFsyncPolicy("sometimes")
	if err == nil || !strings.Contains(err.Error(), `"always", "interval" or "never"`) {
		t.Errorf("ParseFsyncPolicy(\"sometimes\"): %v, want an error listing the choices", err)
	}
}

// activeSynced reports the active segment's written and fsynced bytes.
func activeSynced(l *Log, topic string, p int32) (size, synced int64) {
	part, _ := l.partition(topic, p)
	segs := part.segments()
	s := segs[len(segs)-1]
	return s.size.Load(), s.synced.Load()
}

func TestFsyncAlways(t *testing.T) {
	var fsyncs atomic.Int64
	l := openLog(t, Options{Fsync: FsyncAlways, OnFsync: func(time.Duration) { fsyncs.Add(1) }})
	createTopic(t, l, "t", 1, nil)
	for i := int64(0); i < 20; i++ {
		before := fsyncs.Load()
		mustAppend(t, l, "t", 0, testRecords(i, 1))
		if size, synced := activeSynced(l, "t", 0); synced < size || fsyncs.Load() == before {
			t.Fatalf("Append %d returned with %d of %d bytes fsynced (%d fsyncs)", i, synced, size, fsyncs.Load()-before)
		}
	}
}

func TestFsyncInterval(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	fsynced := make(chan struct{}, 100)
	l := openLog(t, Options{Fsync: FsyncInterval, FsyncInterval: 50 * time.Millisecond, Clock: clk, OnFsync: func(time.Duration) { fsynced <- struct{}{} }})
	createTopic(t, l, "t", 1, nil)
	mustAppend(t, l, "t", 0, testRecords(0, 5))
	if size, synced := activeSynced(l, "t", 0); synced >= size {
		t.Fatalf("interval policy fsynced on Append (%d of %d bytes)", synced, size)
	}
	select {
	case <-fsynced:
		t.Fatal("fsync before the interval passed")
	default:
	}
	clk.Advance(50 * time.Millisecond)
	<-fsynced
	if size, synced := activeSynced(l, "t", 0); synced < size {
		t.Fatalf("after the interval, %d of %d bytes fsynced", synced, size)
	}
}

func TestFlushMessages(t *testing.T) {
	var fsyncs atomic.Int64
	l := openLog(t, Options{Fsync: FsyncNever, OnFsync: func(time.Duration) { fsyncs.Add(1) }})
	createTopic(t, l, "every", 1, map[string]string{log.ConfigFlushMessages: "1"})
	createTopic(t, l, "third", 1, map[string]string{log.ConfigFlushMessages: "3"})
	createTopic(t, l, "none", 1, nil)
	for i := int64(0); i < 6; i++ {
		before := fsyncs.Load()
		mustAppend(t, l, "every", 0, testRecords(i, 1))
		if size, synced := activeSynced(l, "every", 0); synced < size || fsyncs.Load() != before+1 {
			t.Fatalf("flush.messages=1: Append %d returned with %d of %d bytes fsynced", i, synced, size)
		}
	}
	before := fsyncs.Load()
	for i := int64(0); i < 6; i++ {
		mustAppend(t, l, "third", 0, testRecords(i, 1))
		mustAppend(t, l, "none", 0, testRecords(i, 1))
	}
	if got := fsyncs.Load() - before; got != 2 {
		t.Errorf("6 single-record appends with flush.messages=3 and 6 without: %d fsyncs, want 2", got)
	}
	before = fsyncs.Load()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if fsyncs.Load() == before {
		t.Error("Close did not fsync under the never policy")
	}
}

func TestNextReturnsBatches(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, nil)
	for i := int64(0); i < 100; i += 10 {
		mustAppend(t, l, "t", 0, testRecords(i, 10))
	}
	ctx := context.Background()
	r, err := l.OpenReader(ctx, "t", 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := r.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 95 || r.Position() != 100 {
		t.Fatalf("Next returned %d records (position %d), want the 95 available at once", len(recs), r.Position())
	}
	checkTestRecords(t, recs, 5, 0)
}

func TestReaderDoesNotAllocatePerRecord(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, nil)
	recs := benchRecords(1000)
	for i := range recs {
		if i%10 == 0 {
			recs[i].Headers = []log.Header{{Key: "source", Value: []byte("x")}}
		}
	}
	for range 50 {
		mustAppend(t, l, "t", 0, recs)
	}
	ctx := context.Background()
	read := func() {
		r, err := l.OpenReader(ctx, "t", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Position() < 50000 {
			if _, err := r.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One reader's whole life, buffers included: a few dozen allocations
	// for 50,000 records.
	if allocs := testing.AllocsPerRun(3, read); allocs > 100 {
		t.Errorf("reading 50000 records allocated %v times", allocs)
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, nil)
	recs := benchRecords(1000)
	ctx := context.Background()
	mustAppend(t, l, "t", 0, recs)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := l.Append(ctx, "t", 0, recs); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("Append of 1000 records allocated %v times", allocs)
	}
}

func TestStagingLeftoversRemoved(t *testing.T) {
	dir := t.TempDir()
	half := filepath.Join(dir, tmpDir, "create-1-1")
	if err := os.MkdirAll(filepath.Join(half, "0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(half, topicFile), []byte(`{"format":1,"name":"half","partitions":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, Options{Dir: dir})
	if ents, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(ents) != 0 {
		t.Errorf("staging leftovers survive open: %d entries", len(ents))
	}
	if topics, _ := l.ListTopics(context.Background()); len(topics) != 0 {
		t.Errorf("a half-created topic appeared: %v", topics)
	}
}

func TestClosedLog(t *testing.T) {
	l := openLog(t, Options{})
	createTopic(t, l, "t", 1, nil)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Close(); !errors.Is(err, log.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := l.DescribeTopic(ctx, "t"); !errors.Is(err, log.ErrClosed) {
		t.Errorf("DescribeTopic after Close: %v", err)
	}
	if err := l.CommitOffsets(ctx, "g", nil); !errors.Is(err, log.ErrClosed) {
		t.Errorf("CommitOffsets after Close: %v", err)
	}
	if err := l.EnforceRetention(ctx); !errors.Is(err, log.ErrClosed) {
		t.Errorf("EnforceRetention after Close: %v", err)
	}
}
