package logtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

// testConfigs are settings every implementation accepts: Kafka's own
// topic configs, since a broker rejects keys it does not know.
var testConfigs = map[string]string{
	log.ConfigRetentionMs:    "3600000",
	log.ConfigRetentionBytes: "1073741824",
}

func (s *suite) testCreateDescribe(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	cfg := log.TopicConfig{Partitions: 3, Configs: map[string]string{}}
	for k, v := range testConfigs {
		cfg.Configs[k] = v
	}
	if err := l.CreateTopic(ctx, name, cfg); err != nil {
		t.Fatalf("CreateTopic(%q): %v", name, err)
	}
	info := describe(t, ctx, l, name)
	if info.Name != name {
		t.Errorf("DescribeTopic(%q).Name = %q", name, info.Name)
	}
	if len(info.Partitions) != 3 {
		t.Fatalf("DescribeTopic(%q) has %d partitions, want 3: %+v", name, len(info.Partitions), info.Partitions)
	}
	for i, p := range info.Partitions {
		if p.Partition != int32(i) {
			t.Errorf("Partitions[%d].Partition = %d, want %d (sorted by partition)", i, p.Partition, i)
		}
		if p.StartOffset < 0 || p.EndOffset != p.StartOffset {
			t.Errorf("new partition %d: start %d, end %d; want start >= 0 and end == start", i, p.StartOffset, p.EndOffset)
		}
		if p.SizeBytes < 0 {
			t.Errorf("partition %d: SizeBytes %d < 0", i, p.SizeBytes)
		}
	}
	// Implementations may report more settings (broker defaults), but
	// those given at creation must come back unchanged.
	for k, v := range testConfigs {
		if got, ok := info.Configs[k]; !ok || got != v {
			t.Errorf("DescribeTopic(%q).Configs[%q] = %q (present %v), want %q; all: %v", name, k, got, ok, v, info.Configs)
		}
	}

	// A topic without configs is fine too.
	plain := s.topicName(t, "plain")
	createTopic(t, ctx, l, plain, 1)
	if info := describe(t, ctx, l, plain); len(info.Partitions) != 1 || info.Name != plain {
		t.Errorf("DescribeTopic(%q) = %+v, want one partition", plain, info)
	}
}

func (s *suite) testCreateExisting(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 2)
	err := l.CreateTopic(ctx, name, log.TopicConfig{Partitions: 5})
	wantErr(t, "CreateTopic of an existing topic", err, log.ErrTopicExists)
	if info := describe(t, ctx, l, name); len(info.Partitions) != 2 {
		t.Errorf("after a failed re-create, %q has %d partitions, want the original 2", name, len(info.Partitions))
	}
}

func (s *suite) testInvalidName(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	for _, bad := range []string{"", ".", "..", "has space", "a/b", "ü", strings.Repeat("x", log.MaxTopicNameLen+1)} {
		err := l.CreateTopic(ctx, bad, log.TopicConfig{Partitions: 1})
		wantErr(t, "CreateTopic("+showName(bad)+")", err, log.ErrInvalidTopicName)
	}
	// The longest legal name is accepted.
	prefix := s.topicName(t, "")
	long := prefix + strings.Repeat("x", log.MaxTopicNameLen-len(prefix))
	createTopic(t, ctx, l, long, 1)
	if info := describe(t, ctx, l, long); info.Name != long {
		t.Errorf("DescribeTopic of the %d-character name returned %q", len(long), info.Name)
	}
}

func showName(n string) string {
	if len(n) > 20 {
		return `"` + n[:20] + `..."`
	}
	return `"` + n + `"`
}

func (s *suite) testInvalidPartitions(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	for _, p := range []int32{0, -1} {
		name := s.topicName(t, "")
		err := l.CreateTopic(ctx, name, log.TopicConfig{Partitions: p})
		wantErr(t, fmt.Sprintf("CreateTopic with %d partitions", p), err, log.ErrInvalidConfig)
		_, err = l.DescribeTopic(ctx, name)
		wantErr(t, "DescribeTopic after a rejected CreateTopic", err, log.ErrUnknownTopic)
	}
}

func (s *suite) testListSorted(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	// Created out of order; each with a different partition count so the
	// infos can be told apart.
	names := map[string]int32{
		s.topicName(t, "b"): 2,
		s.topicName(t, "c"): 3,
		s.topicName(t, "a"): 1,
	}
	for _, n := range []string{s.topicName(t, "b"), s.topicName(t, "c"), s.topicName(t, "a")} {
		createTopic(t, ctx, l, n, names[n])
	}
	list, err := l.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	var all, ours []string
	for _, info := range list {
		all = append(all, info.Name)
		if want, ok := names[info.Name]; ok {
			ours = append(ours, info.Name)
			if int32(len(info.Partitions)) != want {
				t.Errorf("ListTopics: %q has %d partitions, want %d", info.Name, len(info.Partitions), want)
			}
		}
	}
	if !slices.IsSorted(all) {
		t.Errorf("ListTopics is not sorted by name: %q", all)
	}
	want := []string{s.topicName(t, "a"), s.topicName(t, "b"), s.topicName(t, "c")}
	if !slices.Equal(ours, want) {
		t.Errorf("ListTopics holds %q of the created topics, want %q", ours, want)
	}
}

func (s *suite) testDelete(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name, other := s.topicName(t, ""), s.topicName(t, "other")
	createTopic(t, ctx, l, name, 2)
	createTopic(t, ctx, l, other, 1)
	appendRecs(t, ctx, l, name, 0, s.records("d", 3))
	if err := l.DeleteTopic(ctx, name); err != nil {
		t.Fatalf("DeleteTopic(%q): %v", name, err)
	}
	_, err := l.DescribeTopic(ctx, name)
	wantErr(t, "DescribeTopic of a deleted topic", err, log.ErrUnknownTopic)
	_, err = l.Append(ctx, name, 0, s.records("d", 1))
	wantErr(t, "Append to a deleted topic", err, log.ErrUnknownTopic)
	_, err = l.OpenReader(ctx, name, 0, 0)
	wantErr(t, "OpenReader of a deleted topic", err, log.ErrUnknownTopic)
	wantErr(t, "DeleteTopic of a deleted topic", l.DeleteTopic(ctx, name), log.ErrUnknownTopic)

	list, err := l.ListTopics(ctx)
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	found := map[string]bool{}
	for _, info := range list {
		found[info.Name] = true
	}
	if found[name] {
		t.Errorf("ListTopics still lists deleted topic %q", name)
	}
	if !found[other] {
		t.Errorf("ListTopics lost %q when %q was deleted", other, name)
	}
}

func (s *suite) testDeleteAndRecreate(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	createTopic(t, ctx, l, name, 1)
	appendRecs(t, ctx, l, name, 0, s.records("old", 5))
	if err := l.DeleteTopic(ctx, name); err != nil {
		t.Fatalf("DeleteTopic(%q): %v", name, err)
	}
	createTopic(t, ctx, l, name, 2)
	info := describe(t, ctx, l, name)
	if len(info.Partitions) != 2 {
		t.Fatalf("re-created %q has %d partitions, want 2", name, len(info.Partitions))
	}
	p0 := info.Partitions[0]
	if p0.EndOffset != p0.StartOffset {
		t.Fatalf("re-created %q partition 0 holds offsets [%d, %d), want it empty", name, p0.StartOffset, p0.EndOffset)
	}
	want := s.records("new", 1)
	base := appendRecs(t, ctx, l, name, 0, want)
	if base != p0.StartOffset {
		t.Errorf("first Append to re-created %q = %d, want %d", name, base, p0.StartOffset)
	}
	checkRecords(t, "re-created topic", want, readN(t, ctx, l, name, 0, base, 1))
}

func (s *suite) testUnknownTopic(t *testing.T) {
	ctx := testContext(t)
	l := s.newLog(t)
	name := s.topicName(t, "")
	_, err := l.DescribeTopic(ctx, name)
	wantErr(t, "DescribeTopic of an unknown topic", err, log.ErrUnknownTopic)
	wantErr(t, "DeleteTopic of an unknown topic", l.DeleteTopic(ctx, name), log.ErrUnknownTopic)
}
