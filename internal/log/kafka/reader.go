package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/internal/log"
)

// reader consumes one partition with a client of its own, assigned the
// partition directly (no consumer group). It reads committed records only
// (read_committed), so aborted transactions of other producers are
// skipped; offsets then have gaps where their records and the
// transaction markers sit.
type reader struct {
	l     *Log
	cl    *kgo.Client
	topic string
	part  int32
	pos   int64

	recs    []log.Record // returned by Next, reused
	headers []log.Header

	closeOnce sync.Once
}

// OpenReader checks offset against the partition's start and end offsets
// (Kafka would otherwise move it silently), then starts fetching.
func (l *Log) OpenReader(ctx context.Context, topic string, partition int32, offset int64) (log.Reader, error) {
	if err := l.checkOpen(); err != nil {
		return nil, err
	}
	start, end, err := l.bounds(ctx, topic, partition)
	if err != nil {
		return nil, err
	}
	if offset < start || offset > end {
		return nil, fmt.Errorf("kafka: read %s/%d from offset %d: %w: the partition holds [%d, %d)", topic, partition, offset, log.ErrOffsetOutOfRange, start, end)
	}
	cl, err := kgo.NewClient(l.clientOpts(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}),
		// Fail rather than jump when retention passes the reader.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: cannot create a consumer: %w", err)
	}
	r := &reader{l: l, cl: cl, topic: topic, part: partition, pos: offset}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		cl.Close()
		return nil, fmt.Errorf("kafka: %w", log.ErrClosed)
	}
	l.readers[r] = struct{}{}
	l.mu.Unlock()
	return r, nil
}

// bounds returns the partition's start and end offsets.
func (l *Log) bounds(ctx context.Context, topic string, partition int32) (start, end int64, err error) {
	what := fmt.Sprintf("offsets of %s/%d", topic, partition)
	starts, err := l.listOffsets(ctx, topic, l.adm.ListStartOffsets)
	if err != nil {
		return 0, 0, wrap(what, err)
	}
	if partition < 0 {
		return 0, 0, fmt.Errorf("kafka: %s: %w", what, log.ErrUnknownPartition)
	}
	s, ok := starts.Lookup(topic, partition)
	if !ok {
		return 0, 0, fmt.Errorf("kafka: %s: topic has %d partitions: %w", what, len(starts[topic]), log.ErrUnknownPartition)
	}
	ends, err := l.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, 0, wrap(what, err)
	}
	e, ok := ends.Lookup(topic, partition)
	if !ok {
		e.Err = kerr.UnknownTopicOrPartition
	}
	if err := errors.Join(s.Err, e.Err); err != nil {
		return 0, 0, wrap(what, err)
	}
	return s.Offset, e.Offset, nil
}

// listOffsets calls list for the topic and returns its answer, or the
// error for a topic that does not exist. The client finds partition
// leaders from metadata it caches for a few seconds; a topic unknown in
// that cache is looked up afresh before it is called unknown.
func (l *Log) listOffsets(ctx context.Context, topic string, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (kadm.ListedOffsets, error) {
	lo, err := list(ctx, topic)
	if err == nil && topicError(lo, topic) != nil {
		l.admin.PurgeTopicsFromClient(topic)
		lo, err = list(ctx, topic)
	}
	if err != nil {
		return nil, err
	}
	if err := topicError(lo, topic); err != nil {
		return nil, err
	}
	return lo, nil
}

// topicError is the error kadm reports, as a partition -1, for a topic
// that does not exist; nil when the topic was listed.
func topicError(lo kadm.ListedOffsets, topic string) error {
	ps, ok := lo[topic]
	if !ok {
		return kerr.UnknownTopicOrPartition
	}
	if o, ok := ps[-1]; ok && o.Err != nil {
		return o.Err
	}
	return nil
}

// Next polls until the partition has records at or past the position. The
// records' bytes are the client's decoded fetch, not copies.
func (r *reader) Next(ctx context.Context) ([]log.Record, error) {
	for {
		fetches := r.cl.PollFetches(ctx)
		if fetches.IsClientClosed() {
			return nil, fmt.Errorf("kafka: read %s/%d: %w", r.topic, r.part, log.ErrClosed)
		}
		if recs := r.convert(fetches); len(recs) > 0 {
			return recs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = cmp.Or(ferr, err) })
		if ferr != nil {
			if errors.Is(ferr, context.Canceled) || errors.Is(ferr, context.DeadlineExceeded) {
				continue // ctx.Err() above was nil: not ours
			}
			return nil, wrap(fmt.Sprintf("read %s/%d at offset %d", r.topic, r.part, r.pos), ferr)
		}
	}
}

// convert turns the fetched records into log records in the reused slices.
func (r *reader) convert(fetches kgo.Fetches) []log.Record {
	n, nh := 0, 0
	for i := range fetches {
		for j := range fetches[i].Topics {
			for k := range fetches[i].Topics[j].Partitions {
				for _, rec := range fetches[i].Topics[j].Partitions[k].Records {
					n++
					nh += len(rec.Headers)
				}
			}
		}
	}
	if n == 0 {
		return nil
	}
	if cap(r.headers) < nh {
		r.headers = make([]log.Header, 0, nh)
	}
	r.recs, r.headers = r.recs[:0], r.headers[:0]
	for i := range fetches {
		for j := range fetches[i].Topics {
			for k := range fetches[i].Topics[j].Partitions {
				for _, rec := range fetches[i].Topics[j].Partitions[k].Records {
					if rec.Offset < r.pos {
						continue
					}
					h0 := len(r.headers)
					for _, h := range rec.Headers {
						r.headers = append(r.headers, log.Header{Key: h.Key, Value: h.Value})
					}
					var headers []log.Header
					if len(r.headers) > h0 {
						headers = r.headers[h0:len(r.headers):len(r.headers)]
					}
					r.recs = append(r.recs, log.Record{
						Key:       rec.Key,
						Value:     rec.Value,
						Timestamp: rec.Timestamp.UnixMilli(),
						Headers:   headers,
						Partition: rec.Partition,
						Offset:    rec.Offset,
					})
					r.pos = rec.Offset + 1
				}
			}
		}
	}
	return r.recs
}

func (r *reader) Position() int64 { return r.pos }

func (r *reader) Close() error {
	r.closeOnce.Do(func() {
		r.cl.Close()
		r.l.mu.Lock()
		delete(r.l.readers, r)
		r.l.mu.Unlock()
	})
	return nil
}
