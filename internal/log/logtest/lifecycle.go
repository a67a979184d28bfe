package logtest

import (
	"maps"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

func (s *suite) testClosedOperations(t *testing.T) {
	ctx := testContext(t)
	l := s.f.New(t)
	closed := false
	defer func() {
		if !closed {
			l.Close()
		}
	}()
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	base := appendRecs(t, ctx, l, name, 0, s.records("c", 1))
	r, err := l.OpenReader(ctx, name, 0, base)
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	defer r.Close()
	closed = true
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = l.Append(ctx, name, 0, s.records("c", 1))
	wantErr(t, "Append after Close", err, log.ErrClosed)
	_, err = l.OpenReader(ctx, name, 0, base)
	wantErr(t, "OpenReader after Close", err, log.ErrClosed)
	wantErr(t, "CreateTopic after Close", l.CreateTopic(ctx, s.topicName(t, "new"), log.TopicConfig{Partitions: 1}), log.ErrClosed)
	_, err = r.Next(ctx)
	wantErr(t, "Next on a reader of a closed log", err, log.ErrClosed)
}

func (s *suite) testCloseWakesReaders(t *testing.T) {
	ctx := testContext(t)
	l := s.f.New(t)
	closed := false
	defer func() {
		if !closed {
			l.Close()
		}
	}()
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	r, err := l.OpenReader(ctx, name, 0, endOffset(t, ctx, l, name, 0))
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	defer r.Close()
	ch := startNext(ctx, r)
	notReturned(t, ch, "on an empty partition")
	closed = true
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	res := receive(t, ctx, ch, "when the log was closed")
	wantErr(t, "Next blocked while the log closed", res.err, log.ErrClosed)
}

// testReopen checks that a durable log keeps topics (with their partition
// counts and configs), records, end offsets and committed offsets across a
// close, and that appends continue where they left off.
func (s *suite) testReopen(t *testing.T) {
	if s.f.Reopen == nil {
		t.Skip("Factory.Reopen is nil: the log is not durable")
	}
	ctx := testContext(t)
	l := s.f.New(t)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	a, b, group := s.topicName(t, "a"), s.topicName(t, "b"), s.topicName(t, "g")
	if err := l.CreateTopic(ctx, a, log.TopicConfig{Partitions: 2, Configs: maps.Clone(testConfigs)}); err != nil {
		t.Fatalf("CreateTopic(%q): %v", a, err)
	}
	createTopic(t, ctx, l, b, 1)
	a0, a1 := s.roundTripRecords(), s.records("a1", 2)
	base0 := appendRecs(t, ctx, l, a, 0, a0)
	base1 := appendRecs(t, ctx, l, a, 1, a1)
	commits := map[log.TopicPartition]int64{{Topic: a, Partition: 0}: base0 + 2, {Topic: a, Partition: 1}: base1 + 1}
	if err := l.CommitOffsets(ctx, group, commits); err != nil {
		t.Fatalf("CommitOffsets: %v", err)
	}
	before := map[string]log.TopicInfo{a: describe(t, ctx, l, a), b: describe(t, ctx, l, b)}

	l = s.f.Reopen(t, l)
	if l == nil {
		t.Fatal("Factory.Reopen returned nil")
	}
	s.checkReopened(t, l, before, group, commits)
	checkRecords(t, "partition 0 after reopen", a0, readN(t, ctx, l, a, 0, base0, len(a0)))
	checkRecords(t, "partition 1 after reopen", a1, readN(t, ctx, l, a, 1, base1, len(a1)))

	// Appends continue after the last offset, and survive a second reopen.
	more := s.records("more", 3)
	if base := appendRecs(t, ctx, l, a, 0, more); base != base0+int64(len(a0)) {
		t.Errorf("Append after reopen = %d, want %d", base, base0+int64(len(a0)))
	}
	before[a] = describe(t, ctx, l, a)
	l = s.f.Reopen(t, l)
	if l == nil {
		t.Fatal("Factory.Reopen returned nil")
	}
	s.checkReopened(t, l, before, group, commits)
	checkRecords(t, "partition 0 after a second reopen", append(a0, more...), readN(t, ctx, l, a, 0, base0, len(a0)+len(more)))
}

func (s *suite) checkReopened(t *testing.T, l log.Log, before map[string]log.TopicInfo, group string, commits map[log.TopicPartition]int64) {
	t.Helper()
	ctx := testContext(t)
	list, err := l.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics after reopen: %v", err)
	}
	listed := map[string]bool{}
	for _, info := range list {
		listed[info.Name] = true
	}
	for name, b := range before {
		if !listed[name] {
			t.Errorf("ListTopics after reopen lacks %q", name)
		}
		info := describe(t, ctx, l, name)
		if len(info.Partitions) != len(b.Partitions) {
			t.Fatalf("%q has %d partitions after reopen, want %d", name, len(info.Partitions), len(b.Partitions))
		}
		for i, p := range info.Partitions {
			if p.Partition != b.Partitions[i].Partition || p.StartOffset != b.Partitions[i].StartOffset || p.EndOffset != b.Partitions[i].EndOffset {
				t.Errorf("%q partition %d after reopen = %+v, before = %+v", name, i, p, b.Partitions[i])
			}
		}
		for k, v := range b.Configs {
			if info.Configs[k] != v {
				t.Errorf("%q config %q after reopen = %q, want %q", name, k, info.Configs[k], v)
			}
		}
	}
	for tp, off := range commits {
		got, err := l.CommittedOffsets(ctx, group, tp.Topic)
		if err != nil {
			t.Fatalf("CommittedOffsets after reopen: %v", err)
		}
		if g, ok := got[tp.Partition]; !ok || g != off {
			t.Errorf("committed offset of %s/%d after reopen = %d (present %v), want %d", tp.Topic, tp.Partition, g, ok, off)
		}
	}
}
