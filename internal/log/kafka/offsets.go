package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/sluicedata/sluice/internal/log"
)

// OffsetForTime asks the partition leader (ListOffsets by timestamp), which
// answers with the first record at or after ts, or the end offset.
func (l *Log) OffsetForTime(ctx context.Context, topic string, partition int32, ts int64) (int64, error) {
	if err := l.checkOpen(); err != nil {
		return 0, err
	}
	// Negative timestamps are Kafka's special queries (-1 latest, -2
	// earliest, ...); records carry no negative timestamps, so any
	// ts <= 0 means the first record.
	ts = max(ts, 0)
	what := fmt.Sprintf("offset for time %d in %s/%d", ts, topic, partition)
	lo, err := l.listOffsets(ctx, topic, func(ctx context.Context, topics ...string) (kadm.ListedOffsets, error) {
		return l.adm.ListOffsetsAfterMilli(ctx, ts, topics...)
	})
	if err != nil {
		return 0, wrap(what, err)
	}
	o, ok := lo.Lookup(topic, partition)
	if partition < 0 || !ok {
		return 0, fmt.Errorf("kafka: %s: %w", what, log.ErrUnknownPartition)
	}
	if o.Err != nil {
		return 0, wrap(what, o.Err)
	}
	return o.Offset, nil
}

// CommitOffsets commits as a consumer outside any group generation does
// (generation -1, no member), which Kafka accepts for groups with no
// active members. A group whose members are running (real Kafka consumers)
// refuses it.
func (l *Log) CommitOffsets(ctx context.Context, group string, offsets map[log.TopicPartition]int64) error {
	if err := l.checkOpen(); err != nil {
		return err
	}
	if len(offsets) == 0 {
		return nil
	}
	os := make(kadm.Offsets)
	for tp, at := range offsets {
		os.Add(kadm.Offset{Topic: tp.Topic, Partition: tp.Partition, At: at, LeaderEpoch: -1})
	}
	resps, err := l.adm.CommitOffsets(ctx, group, os)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		return wrap(fmt.Sprintf("commit offsets of group %q", group), err)
	}
	return nil
}

// CommittedOffsets fetches the group's commits and keeps the topic's.
func (l *Log) CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	if err := l.checkOpen(); err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	resps, err := l.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, wrap(fmt.Sprintf("committed offsets of group %q", group), err)
	}
	for p, r := range resps[topic] {
		if r.Err != nil {
			return nil, wrap(fmt.Sprintf("committed offset of group %q for %s/%d", group, topic, p), r.Err)
		}
		if r.At >= 0 {
			out[p] = r.At
		}
	}
	return out, nil
}
