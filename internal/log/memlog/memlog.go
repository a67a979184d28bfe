// Package memlog is a Log held in memory: no durability, no retention. It
// exists so that the layers above the log can be tested quickly; it passes
// the same conformance suite (log/logtest) as the durable implementations.
//
//	l := memlog.New()
//	l.CreateTopic(ctx, "events", log.TopicConfig{Partitions: 1})
package memlog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/sluicedata/sluice/internal/log"
)

// Log is an in-memory log.Log.
type Log struct {
	mu     sync.Mutex
	topics map[string]*topic
	groups map[string]map[log.TopicPartition]int64
	closed bool
}

type topic struct {
	cfg   map[string]string
	parts []*partition
}

type partition struct {
	recs    []log.Record
	changed chan struct{} // closed and replaced on every append
}

// New returns an empty log.
func New() *Log {
	return &Log{topics: map[string]*topic{}, groups: map[string]map[log.TopicPartition]int64{}}
}

var _ log.Log = (*Log)(nil)

func (l *Log) CreateTopic(_ context.Context, name string, cfg log.TopicConfig) error {
	if err := log.ValidateTopicName(name); err != nil {
		return err
	}
	if cfg.Partitions < 1 {
		return fmt.Errorf("%w: topic %q: partitions must be at least 1, got %d", log.ErrInvalidConfig, name, cfg.Partitions)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return log.ErrClosed
	}
	if _, ok := l.topics[name]; ok {
		return fmt.Errorf("%w: %q", log.ErrTopicExists, name)
	}
	t := &topic{cfg: maps.Clone(cfg.Configs)}
	if t.cfg == nil {
		t.cfg = map[string]string{}
	}
	for range cfg.Partitions {
		t.parts = append(t.parts, &partition{changed: make(chan struct{})})
	}
	l.topics[name] = t
	return nil
}

func (l *Log) DeleteTopic(_ context.Context, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.topics[name]
	if !ok {
		return fmt.Errorf("%w: %q", log.ErrUnknownTopic, name)
	}
	for _, p := range t.parts {
		close(p.changed) // wake readers so they see the topic is gone
	}
	delete(l.topics, name)
	return nil
}

func (l *Log) describe(name string, t *topic) log.TopicInfo {
	info := log.TopicInfo{Name: name, Configs: maps.Clone(t.cfg)}
	for i, p := range t.parts {
		info.Partitions = append(info.Partitions, log.PartitionInfo{Partition: int32(i), EndOffset: int64(len(p.recs))})
	}
	return info
}

func (l *Log) DescribeTopic(_ context.Context, name string) (log.TopicInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.topics[name]
	if !ok {
		return log.TopicInfo{}, fmt.Errorf("%w: %q", log.ErrUnknownTopic, name)
	}
	return l.describe(name, t), nil
}

func (l *Log) ListTopics(context.Context) ([]log.TopicInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := slices.Sorted(maps.Keys(l.topics))
	out := make([]log.TopicInfo, 0, len(names))
	for _, n := range names {
		out = append(out, l.describe(n, l.topics[n]))
	}
	return out, nil
}

// part returns the partition; l.mu must be held.
func (l *Log) part(name string, p int32) (*partition, error) {
	if l.closed {
		return nil, log.ErrClosed
	}
	t, ok := l.topics[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", log.ErrUnknownTopic, name)
	}
	if p < 0 || int(p) >= len(t.parts) {
		return nil, fmt.Errorf("%w: %q has %d partitions, not %d", log.ErrUnknownPartition, name, len(t.parts), p)
	}
	return t.parts[p], nil
}

func (l *Log) Append(_ context.Context, name string, p int32, recs []log.Record) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	part, err := l.part(name, p)
	if err != nil {
		return 0, err
	}
	base := int64(len(part.recs))
	for i, r := range recs {
		c := log.Record{Key: clone(r.Key), Value: clone(r.Value), Timestamp: r.Timestamp, Partition: p, Offset: base + int64(i)}
		for _, h := range r.Headers {
			c.Headers = append(c.Headers, log.Header{Key: h.Key, Value: clone(h.Value)})
		}
		part.recs = append(part.recs, c)
	}
	close(part.changed)
	part.changed = make(chan struct{})
	return base, nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func (l *Log) OpenReader(_ context.Context, name string, p int32, offset int64) (log.Reader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	part, err := l.part(name, p)
	if err != nil {
		return nil, err
	}
	if offset < 0 || offset > int64(len(part.recs)) {
		return nil, fmt.Errorf("%w: %s/%d offset %d not in [0, %d]", log.ErrOffsetOutOfRange, name, p, offset, len(part.recs))
	}
	return &reader{l: l, topic: name, part: p, pos: offset}, nil
}

func (l *Log) OffsetForTime(_ context.Context, name string, p int32, ts int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	part, err := l.part(name, p)
	if err != nil {
		return 0, err
	}
	for _, r := range part.recs {
		if r.Timestamp >= ts {
			return r.Offset, nil
		}
	}
	return int64(len(part.recs)), nil
}

func (l *Log) CommitOffsets(_ context.Context, group string, offsets map[log.TopicPartition]int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.groups[group]
	if g == nil {
		g = map[log.TopicPartition]int64{}
		l.groups[group] = g
	}
	maps.Copy(g, offsets)
	return nil
}

func (l *Log) CommittedOffsets(_ context.Context, group, topicName string) (map[int32]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int32]int64{}
	for tp, off := range l.groups[group] {
		if tp.Topic == topicName {
			out[tp.Partition] = off
		}
	}
	return out, nil
}

func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, name := range slices.Sorted(maps.Keys(l.topics)) {
		for _, p := range l.topics[name].parts {
			close(p.changed)
			p.changed = make(chan struct{})
		}
	}
	return nil
}

type reader struct {
	l     *Log
	topic string
	part  int32
	pos   int64
}

func (r *reader) Next(ctx context.Context) ([]log.Record, error) {
	for {
		r.l.mu.Lock()
		p, err := r.l.part(r.topic, r.part)
		if err != nil {
			r.l.mu.Unlock()
			return nil, err
		}
		if r.pos < int64(len(p.recs)) {
			out := p.recs[r.pos:len(p.recs):len(p.recs)]
			r.pos = int64(len(p.recs))
			r.l.mu.Unlock()
			return out, nil
		}
		wait := p.changed
		r.l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wait:
		}
	}
}

func (r *reader) Position() int64 { return r.pos }
func (r *reader) Close() error    { return nil }
