package logtest

import (
	"fmt"
	"maps"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

func (s *suite) testOffsetForTimeEmpty(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	end := endOffset(t, ctx, l, name, 0)
	for _, ts := range []int64{0, s.base} {
		got, err := l.OffsetForTime(ctx, name, 0, ts)
		if err != nil || got != end {
			t.Errorf("OffsetForTime(%d) on an empty partition = %d, %v; want the end offset %d", ts, got, err, end)
		}
	}
}

// testOffsetForTime uses timestamps out of order, within one Append and
// across two: the answer is the first offset whose timestamp is at or
// after ts, not a binary search over assumed-sorted timestamps.
func (s *suite) testOffsetForTime(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 2)
	stamps := []int64{1000, 3000, 2000, 4000, 4000, 3500}
	recs := make([]log.Record, len(stamps))
	for i, ts := range stamps {
		recs[i] = log.Record{Value: fmt.Appendf(nil, "%d", i), Timestamp: s.base + ts}
	}
	base := appendRecs(t, ctx, l, name, 1, recs[:3])
	appendRecs(t, ctx, l, name, 1, recs[3:])
	for _, c := range []struct {
		ts   int64
		want int64 // offset relative to base
	}{
		{0, 0},
		{999, 0},
		{1000, 0},
		{1001, 1},
		{2000, 1}, // 3000 at offset 1 comes before 2000 at offset 2
		{3000, 1},
		{3001, 3},
		{3500, 3},
		{4000, 3},
		{4001, 6}, // past every timestamp: the end offset
		{1 << 40, 6},
	} {
		got, err := l.OffsetForTime(ctx, name, 1, s.base+c.ts)
		if err != nil {
			t.Fatalf("OffsetForTime(base+%d): %v", c.ts, err)
		}
		if got != base+c.want {
			t.Errorf("OffsetForTime(base+%d) = base+%d, want base+%d (timestamps %v)", c.ts, got-base, c.want, stamps)
		}
	}
	// Partition 0 has no records.
	end0 := endOffset(t, ctx, l, name, 0)
	if got, err := l.OffsetForTime(ctx, name, 0, s.base); err != nil || got != end0 {
		t.Errorf("OffsetForTime on the empty partition 0 = %d, %v; want %d", got, err, end0)
	}
}

func (s *suite) testOffsetForTimeUnknown(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	_, err := l.OffsetForTime(ctx, name, 0, s.base)
	wantErr(t, "OffsetForTime on an unknown topic", err, log.ErrUnknownTopic)
	createTopic(t, ctx, l, name, 1)
	for _, p := range []int32{1, -1} {
		_, err := l.OffsetForTime(ctx, name, p, s.base)
		wantErr(t, fmt.Sprintf("OffsetForTime on partition %d of 1", p), err, log.ErrUnknownPartition)
	}
}

func checkCommitted(t *testing.T, l log.Log, group, topic string, want map[int32]int64) {
	t.Helper()
	got, err := l.CommittedOffsets(testContext(t), group, topic)
	if err != nil {
		t.Fatalf("CommittedOffsets(%q, %q): %v", group, topic, err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !maps.Equal(got, want) {
		t.Errorf("CommittedOffsets(%q, %q) = %v, want %v", group, topic, got, want)
	}
}

// commitTopics creates two topics with records in every partition, so that
// committed positions point at real offsets (Kafka does not check them,
// others might).
func (s *suite) commitTopics(t *testing.T, l log.Log) (t1, t2 string) {
	ctx := testContext(t)
	t1, t2 = s.topicName(t, "t1"), s.topicName(t, "t2")
	createTopic(t, ctx, l, t1, 3)
	createTopic(t, ctx, l, t2, 1)
	for p := range int32(3) {
		appendRecs(t, ctx, l, t1, p, s.records("c", 10))
	}
	appendRecs(t, ctx, l, t2, 0, s.records("c", 10))
	return t1, t2
}

func (s *suite) testCommitIsolation(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	t1, t2 := s.commitTopics(t, l)
	g1, g2 := s.topicName(t, "g1"), s.topicName(t, "g2")
	if err := l.CommitOffsets(ctx, g1, map[log.TopicPartition]int64{
		{Topic: t1, Partition: 0}: 5,
		{Topic: t1, Partition: 1}: 7,
		{Topic: t2, Partition: 0}: 3,
	}); err != nil {
		t.Fatalf("CommitOffsets(%q): %v", g1, err)
	}
	if err := l.CommitOffsets(ctx, g2, map[log.TopicPartition]int64{{Topic: t1, Partition: 0}: 9}); err != nil {
		t.Fatalf("CommitOffsets(%q): %v", g2, err)
	}
	// Partition 2 of t1 was never committed: absent, not zero.
	checkCommitted(t, l, g1, t1, map[int32]int64{0: 5, 1: 7})
	checkCommitted(t, l, g1, t2, map[int32]int64{0: 3})
	checkCommitted(t, l, g2, t1, map[int32]int64{0: 9})
	checkCommitted(t, l, g2, t2, nil)
}

func (s *suite) testCommitOverwrite(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	t1, _ := s.commitTopics(t, l)
	g := s.topicName(t, "g")
	if err := l.CommitOffsets(ctx, g, map[log.TopicPartition]int64{{Topic: t1, Partition: 0}: 2, {Topic: t1, Partition: 2}: 4}); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	// A later commit replaces the partitions it names and keeps the rest.
	if err := l.CommitOffsets(ctx, g, map[log.TopicPartition]int64{{Topic: t1, Partition: 0}: 6, {Topic: t1, Partition: 1}: 1}); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	checkCommitted(t, l, g, t1, map[int32]int64{0: 6, 1: 1, 2: 4})
	// Positions may move back (a reset to reprocess).
	if err := l.CommitOffsets(ctx, g, map[log.TopicPartition]int64{{Topic: t1, Partition: 0}: 0}); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	checkCommitted(t, l, g, t1, map[int32]int64{0: 0, 1: 1, 2: 4})
}

func (s *suite) testCommitUnknownGroup(t *testing.T) {
	l := s.newLog(t)
	t1, _ := s.commitTopics(t, l)
	checkCommitted(t, l, s.topicName(t, "never-committed"), t1, nil)
}
