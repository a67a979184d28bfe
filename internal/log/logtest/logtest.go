// Package logtest is the conformance suite that every log.Log
// implementation passes: the semantics written in package log, checked the
// same way for the in-memory log, the embedded log and the Kafka log.
//
//	func TestConformance(t *testing.T) {
//		logtest.Run(t, logtest.Factory{
//			New: func(t *testing.T) log.Log { return memlog.New() },
//		})
//	}
//
// Durable implementations also set Reopen, so that the suite checks that
// topics, records and committed offsets survive a close.
//
// The suite holds every implementation to the same semantics, and leaves
// room only where log.go does, for what a Kafka cluster cannot change:
//
//   - Every subtest creates its own topics, named after the subtest plus a
//     random suffix drawn once per Run, so logs that share a cluster can run
//     the suite repeatedly against the same brokers; ListTopics may list
//     topics the suite did not create.
//   - Offsets need not start at zero: a partition starts at the StartOffset
//     that DescribeTopic reports.
//   - DescribeTopic may report configs beyond those set (broker defaults);
//     those set must come back unchanged. The suite sets only Kafka's own
//     topic configs, since a broker refuses keys it does not know.
//   - Record timestamps are near the time of the Run, because brokers apply
//     retention and timestamp bounds to them.
package logtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// Factory makes logs for the suite.
type Factory struct {
	// New returns an empty, open log. The suite closes it.
	New func(t *testing.T) log.Log
	// Reopen, if not nil, closes l and returns a log over the same storage
	// (durable implementations); the suite then checks persistence.
	Reopen func(t *testing.T, l log.Log) log.Log
}

// subtestTimeout bounds every subtest, so that a Next that never returns
// fails the test instead of hanging it.
const subtestTimeout = 60 * time.Second

// Run runs the conformance suite against the logs f makes.
func Run(t *testing.T, f Factory) {
	if f.New == nil {
		t.Fatal("logtest: Factory.New is nil")
	}
	s := &suite{f: f, run: randomSuffix(t), base: time.Now().UnixMilli()}
	t.Run("Topics", func(t *testing.T) {
		t.Run("CreateDescribe", s.testCreateDescribe)
		t.Run("CreateExisting", s.testCreateExisting)
		t.Run("InvalidName", s.testInvalidName)
		t.Run("InvalidPartitions", s.testInvalidPartitions)
		t.Run("ListSorted", s.testListSorted)
		t.Run("Delete", s.testDelete)
		t.Run("DeleteAndRecreate", s.testDeleteAndRecreate)
		t.Run("Unknown", s.testUnknownTopic)
	})
	t.Run("Append", func(t *testing.T) {
		t.Run("BaseOffsets", s.testBaseOffsets)
		t.Run("RoundTrip", s.testRoundTrip)
		t.Run("PartitionsIndependent", s.testPartitionsIndependent)
		t.Run("EndOffsets", s.testEndOffsets)
		t.Run("UnknownTopicOrPartition", s.testAppendUnknown)
		t.Run("ConcurrentAppenders", s.testConcurrentAppenders)
		t.Run("LargeBatch", s.testLargeBatch)
		t.Run("LargeRecord", s.testLargeRecord)
	})
	t.Run("Reader", func(t *testing.T) {
		t.Run("FromStart", s.testReadFromStart)
		t.Run("FromMiddle", s.testReadFromMiddle)
		t.Run("NextBlocksUntilAppend", s.testNextBlocks)
		t.Run("NextCanceled", s.testNextCanceled)
		t.Run("NextDeadline", s.testNextDeadline)
		t.Run("UsableAfterCancel", s.testUsableAfterCancel)
		t.Run("OutOfRange", s.testOpenOutOfRange)
		t.Run("UnknownTopicOrPartition", s.testOpenUnknown)
	})
	t.Run("OffsetForTime", func(t *testing.T) {
		t.Run("Empty", s.testOffsetForTimeEmpty)
		t.Run("NonMonotonic", s.testOffsetForTime)
		t.Run("UnknownTopicOrPartition", s.testOffsetForTimeUnknown)
	})
	t.Run("CommittedOffsets", func(t *testing.T) {
		t.Run("GroupsAndTopicsIsolated", s.testCommitIsolation)
		t.Run("Overwrite", s.testCommitOverwrite)
		t.Run("UnknownGroup", s.testCommitUnknownGroup)
	})
	t.Run("Close", func(t *testing.T) {
		t.Run("OperationsFail", s.testClosedOperations)
		t.Run("WakesReaders", s.testCloseWakesReaders)
	})
	t.Run("Reopen", func(t *testing.T) {
		t.Run("Persistence", s.testReopen)
	})
}

type suite struct {
	f   Factory
	run string // random per Run, keeps topic names unique on shared clusters
	// base is the records' timestamp: the time of the Run, because a
	// broker applies retention and timestamp limits to record timestamps.
	base int64
}

func randomSuffix(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("logtest: random topic suffix: %v", err)
	}
	return hex.EncodeToString(b[:])
}

// newLog returns a log that is closed when the test ends.
func (s *suite) newLog(t *testing.T) log.Log {
	t.Helper()
	l := s.f.New(t)
	if l == nil {
		t.Fatal("Factory.New returned nil")
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// topicName is unique per subtest and per Run. Slashes of the subtest path
// become dashes; dots are avoided because Kafka warns that "." and "_"
// collide in its metric names.
func (s *suite) topicName(t *testing.T, suffix string) string {
	n := strings.NewReplacer("/", "-", ".", "-").Replace(t.Name())
	n = "logtest-" + n + "-" + s.run
	if suffix != "" {
		n += "-" + suffix
	}
	if len(n) > 200 {
		n = n[len(n)-200:]
	}
	return n
}

func createTopic(t *testing.T, ctx context.Context, l log.Log, name string, partitions int32) {
	t.Helper()
	if err := l.CreateTopic(ctx, name, log.TopicConfig{Partitions: partitions}); err != nil {
		t.Fatalf("CreateTopic(%q, %d partitions): %v", name, partitions, err)
	}
}

func describe(t *testing.T, ctx context.Context, l log.Log, name string) log.TopicInfo {
	t.Helper()
	info, err := l.DescribeTopic(ctx, name)
	if err != nil {
		t.Fatalf("DescribeTopic(%q): %v", name, err)
	}
	return info
}

func partitionInfo(t *testing.T, ctx context.Context, l log.Log, name string, p int32) log.PartitionInfo {
	t.Helper()
	info := describe(t, ctx, l, name)
	for _, pi := range info.Partitions {
		if pi.Partition == p {
			return pi
		}
	}
	t.Fatalf("DescribeTopic(%q) has no partition %d: %+v", name, p, info.Partitions)
	return log.PartitionInfo{}
}

// endOffset is the offset the next record appended to the partition gets.
func endOffset(t *testing.T, ctx context.Context, l log.Log, name string, p int32) int64 {
	t.Helper()
	return partitionInfo(t, ctx, l, name, p).EndOffset
}

func appendRecs(t *testing.T, ctx context.Context, l log.Log, name string, p int32, recs []log.Record) int64 {
	t.Helper()
	base, err := l.Append(ctx, name, p, recs)
	if err != nil {
		t.Fatalf("Append(%q, %d, %d records): %v", name, p, len(recs), err)
	}
	return base
}

// readN reads exactly n records of a partition from offset on, copying
// them because Next's slice is only valid until the next call.
func readN(t *testing.T, ctx context.Context, l log.Log, name string, p int32, from int64, n int) []log.Record {
	t.Helper()
	r, err := l.OpenReader(ctx, name, p, from)
	if err != nil {
		t.Fatalf("OpenReader(%q, %d, %d): %v", name, p, from, err)
	}
	defer r.Close()
	if pos := r.Position(); pos != from {
		t.Fatalf("OpenReader(%q, %d, %d).Position() = %d, want %d", name, p, from, pos, from)
	}
	out := make([]log.Record, 0, n)
	for len(out) < n {
		recs, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("Next on %s/%d after %d of %d records: %v", name, p, len(out), n, err)
		}
		if len(recs) == 0 {
			t.Fatalf("Next on %s/%d returned no records and no error", name, p)
		}
		for _, rec := range recs {
			want := from + int64(len(out))
			if rec.Offset != want {
				t.Fatalf("record %d of %s/%d has offset %d, want %d (offsets must be contiguous)", len(out), name, p, rec.Offset, want)
			}
			if rec.Partition != p {
				t.Fatalf("record at %s/%d@%d has Partition %d", name, p, rec.Offset, rec.Partition)
			}
			if len(out) == n {
				t.Fatalf("Next on %s/%d returned more than the %d records appended (offset %d)", name, p, n, rec.Offset)
			}
			out = append(out, cloneRecord(rec))
		}
		if pos, want := r.Position(), from+int64(len(out)); pos != want {
			t.Fatalf("Position() after reading up to offset %d = %d, want %d", want-1, pos, want)
		}
	}
	return out
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
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

// sameBytes is bytes.Equal that also tells null from empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// diffRecord describes how got differs from the appended want, or returns
// "" when they are the same. Partition and Offset are checked by readN.
func diffRecord(want, got log.Record) string {
	var d []string
	if !sameBytes(want.Key, got.Key) {
		d = append(d, fmt.Sprintf("key %s, want %s", showBytes(got.Key), showBytes(want.Key)))
	}
	if !sameBytes(want.Value, got.Value) {
		d = append(d, fmt.Sprintf("value %s, want %s", showBytes(got.Value), showBytes(want.Value)))
	}
	if want.Timestamp != got.Timestamp {
		d = append(d, fmt.Sprintf("timestamp %d, want %d", got.Timestamp, want.Timestamp))
	}
	if len(want.Headers) != len(got.Headers) {
		d = append(d, fmt.Sprintf("%d headers %v, want %d %v", len(got.Headers), got.Headers, len(want.Headers), want.Headers))
	} else {
		for i := range want.Headers {
			w, g := want.Headers[i], got.Headers[i]
			if w.Key != g.Key || !sameBytes(w.Value, g.Value) {
				d = append(d, fmt.Sprintf("header %d = %q:%s, want %q:%s", i, g.Key, showBytes(g.Value), w.Key, showBytes(w.Value)))
			}
		}
	}
	return strings.Join(d, "; ")
}

func showBytes(b []byte) string {
	switch {
	case b == nil:
		return "null"
	case len(b) > 64:
		return fmt.Sprintf("%d bytes %q...", len(b), b[:32])
	default:
		return fmt.Sprintf("%q", b)
	}
}

func checkRecords(t *testing.T, what string, want, got []log.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if d := diffRecord(want[i], got[i]); d != "" {
			t.Errorf("%s: record %d (offset %d): %s", what, i, got[i].Offset, d)
			if bad++; bad == 10 {
				t.Fatalf("%s: too many differences", what)
			}
		}
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one that errors.Is %v", what, err, target)
	}
}

// records makes n records whose keys and values name their index.
func (s *suite) records(prefix string, n int) []log.Record {
	recs := make([]log.Record, n)
	for i := range recs {
		recs[i] = log.Record{
			Key:       fmt.Appendf(nil, "%s-key-%d", prefix, i),
			Value:     fmt.Appendf(nil, "%s-value-%d", prefix, i),
			Timestamp: s.base + int64(i),
		}
	}
	return recs
}
