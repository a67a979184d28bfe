package kafka

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/internal/log"
)

// batchSlack is room kept in a batch for its header and the produce
// request's framing, so that a record this package accepts is never
// refused by the client for size.
const batchSlack = 512

// Reused buffers larger than these are dropped after an Append, so that
// one huge Append does not pin its memory for good.
const (
	keepArenaBytes = 8 << 20
	keepRecords    = 1 << 16
)

// producer is a Kafka producer client used by one Append at a time. It
// flushes by hand (kgo.ManualFlushing): nothing leaves until the Append has
// buffered all its records, and because no other Append shares the client,
// the flush carries exactly that Append's records (but see Append for the
// rare exception). A client shared by concurrent Appends would cut batches
// wherever another Append's flush happened to fall.
type producer struct {
	cl *kgo.Client

	recs    []kgo.Record
	headers []kgo.RecordHeader
	arena   []byte // copies of the Append's bytes, which outlive a canceled Append

	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error // first failure
	failed  int
	promise func(*kgo.Record, error)

	// queued counts the Append's records placed in their partition's
	// buffer; ready closes when all are, or when one fails first.
	queued    atomic.Int64
	want      int64
	ready     chan struct{}
	readyOnce sync.Once
}

func (p *producer) done(_ *kgo.Record, err error) {
	if err != nil {
		p.mu.Lock()
		if p.err == nil {
			p.err = err
		}
		p.failed++
		p.mu.Unlock()
		p.readyOnce.Do(func() { close(p.ready) })
	}
	p.wg.Done()
}

// OnProduceRecordPartitioned is the client's hook for a record placed in
// its partition's buffer. Records for a topic the client has not produced
// to yet wait for metadata, and the client buffers them only when it
// arrives; flushing before then would send the first of them alone.
func (p *producer) OnProduceRecordPartitioned(*kgo.Record, int32) {
	if p.queued.Add(1) == p.want {
		p.readyOnce.Do(func() { close(p.ready) })
	}
}

// acquire returns an idle producer, creating one while fewer than
// Options.Producers exist.
func (l *Log) acquire(ctx context.Context) (*producer, error) {
	select {
	case p := <-l.free:
		return p, nil
	default:
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, fmt.Errorf("kafka: %w", log.ErrClosed)
	}
	if len(l.producers) < l.opts.Producers {
		p := &producer{}
		p.promise = p.done
		cl, err := kgo.NewClient(l.clientOpts(
			kgo.WithHooks(p),
			kgo.RequiredAcks(kgo.AllISRAcks()),
			kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.ManualFlushing(),
			kgo.ProducerBatchMaxBytes(l.opts.MaxBatchBytes),
			kgo.MaxBufferedRecords(math.MaxInt32),
		)...)
		if err != nil {
			l.mu.Unlock()
			return nil, fmt.Errorf("kafka: cannot create a producer: %w", err)
		}
		p.cl = cl
		l.producers = append(l.producers, p)
		l.mu.Unlock()
		return p, nil
	}
	l.mu.Unlock()
	select {
	case p := <-l.free:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lockPartition serializes Appends to one partition, so that each
// Append's records get consecutive offsets and Appends land in the order
// they were made.
func (l *Log) lockPartition(ctx context.Context, tp log.TopicPartition) (unlock func(), err error) {
	l.mu.Lock()
	ch, ok := l.partLocks[tp]
	if !ok {
		ch = make(chan struct{}, 1)
		l.partLocks[tp] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Append produces recs to one partition with acks=all and an idempotent
// producer, and returns the offset of the first.
//
// All or nothing: Kafka writes or rejects one record batch as a whole, and
// nothing more; there is no atomic write of several batches outside
// transactions. An Append goes out as one batch when it fits in
// Options.MaxBatchBytes (about 1 MB by default): it has a producer client
// to itself, which sends nothing until all its records are buffered. Two
// cases cut it into several batches: an Append larger than MaxBatchBytes,
// and, rarely, a send loop of the client still running from the previous
// Append on the same producer client, which can take the first records
// before the rest are buffered (the tests see about one Append in a
// thousand under heavy concurrency). The batches of a cut Append are sent
// in order and retried until each is written, so it still lands complete
// and contiguous, unless a later batch fails for good (the topic deleted
// meanwhile, a broker limit lower than MaxBatchBytes, an authorization
// change, Close): then the first batches stay written, and the error says
// how many records were appended. Keep Appends under MaxBatchBytes where all
// or nothing matters.
//
// Offsets are contiguous while only this log writes to the partition; a
// batch from another producer can come between two batches of a split
// Append.
//
// When ctx ends before the brokers answer, Append returns ctx's error but
// the records are still sent: the outcome is unknown, as after a timeout.
// An empty recs appends nothing and returns the end offset.
func (l *Log) Append(ctx context.Context, topic string, partition int32, recs []log.Record) (int64, error) {
	if err := l.checkOpen(); err != nil {
		return 0, err
	}
	if err := l.checkPartition(ctx, topic, partition); err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return l.endOffset(ctx, topic, partition)
	}
	limit := int(l.opts.MaxBatchBytes) - batchSlack
	for i := range recs {
		if n := recordSize(&recs[i]); n > limit {
			return 0, fmt.Errorf("kafka: append to %s/%d: record %d encodes to %d bytes, over the %d a batch holds (raise MaxBatchBytes and the topic's max.message.bytes): %w",
				topic, partition, i, n, limit, log.ErrRecordTooLarge)
		}
	}

	tp := log.TopicPartition{Topic: topic, Partition: partition}
	unlock, err := l.lockPartition(ctx, tp)
	if err != nil {
		return 0, fmt.Errorf("kafka: append to %s/%d: %w", topic, partition, err)
	}
	p, err := l.acquire(ctx)
	if err != nil {
		unlock()
		return 0, fmt.Errorf("kafka: append to %s/%d: %w", topic, partition, err)
	}
	release := func() {
		p.reset()
		l.free <- p
		unlock()
	}

	p.fill(topic, partition, recs)
	p.wg.Add(len(recs))
	p.want, p.ready, p.readyOnce = int64(len(recs)), make(chan struct{}), sync.Once{}
	p.queued.Store(0)
	for i := range p.recs {
		// The records are not tied to ctx: cancelling after some batches
		// left would leave the rest behind, cutting the Append in two.
		p.cl.Produce(context.Background(), &p.recs[i], p.promise)
	}
	finished := make(chan struct{})
	go func() {
		<-p.ready
		// Flush waits for every buffered record, which are this Append's
		// alone; it ends early only when the client closes.
		p.cl.Flush(context.Background())
		p.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		go func() {
			<-finished
			release()
		}()
		return 0, fmt.Errorf("kafka: append of %d records to %s/%d not acknowledged before %w; the records may still be appended", len(recs), topic, partition, ctx.Err())
	}
	defer release()

	if p.err != nil {
		if kind(p.err) == log.ErrUnknownTopic {
			l.mu.Lock()
			delete(l.parts, topic)
			l.mu.Unlock()
		}
		op := fmt.Sprintf("append to %s/%d", topic, partition)
		if appended := len(recs) - p.failed; appended > 0 {
			op = fmt.Sprintf("append to %s/%d split into batches: %d of %d records were appended, the rest failed", topic, partition, appended, len(recs))
		}
		return 0, wrap(op, p.err)
	}
	base := p.recs[0].Offset
	for i := range p.recs {
		if p.recs[i].Offset != base+int64(i) {
			l.log.Warn("kafka: appended records are not contiguous; another producer wrote between the batches of one append",
				"topic", topic, "partition", partition, "first", base, "record", i, "offset", p.recs[i].Offset)
			break
		}
	}
	return base, nil
}

// fill makes client records of recs, copying their bytes into the
// producer's arena: the client holds them until the brokers answer, which
// may be after a canceled Append has returned and its caller has reused
// its buffers. nil stays nil and empty stays empty.
func (p *producer) fill(topic string, partition int32, recs []log.Record) {
	size, nh := 0, 0
	for i := range recs {
		r := &recs[i]
		size += len(r.Key) + len(r.Value)
		for _, h := range r.Headers {
			size += len(h.Value)
		}
		nh += len(r.Headers)
	}
	if cap(p.arena) < size || p.arena == nil {
		p.arena = make([]byte, 0, max(size, 512))
	}
	if cap(p.headers) < nh {
		p.headers = make([]kgo.RecordHeader, 0, nh)
	}
	if cap(p.recs) < len(recs) {
		p.recs = make([]kgo.Record, len(recs))
	}
	p.recs = p.recs[:len(recs)]
	p.arena, p.headers = p.arena[:0], p.headers[:0]
	for i := range recs {
		r := &recs[i]
		h0 := len(p.headers)
		for _, h := range r.Headers {
			p.headers = append(p.headers, kgo.RecordHeader{Key: h.Key, Value: p.copy(h.Value)})
		}
		var headers []kgo.RecordHeader
		if len(p.headers) > h0 {
			headers = p.headers[h0:len(p.headers):len(p.headers)]
		}
		p.recs[i] = kgo.Record{
			Topic:     topic,
			Partition: partition,
			Key:       p.copy(r.Key),
			Value:     p.copy(r.Value),
			Headers:   headers,
			Timestamp: time.UnixMilli(r.Timestamp),
		}
	}
}

// copy appends b to the arena, whose capacity fill has ensured.
func (p *producer) copy(b []byte) []byte {
	if b == nil {
		return nil
	}
	start := len(p.arena)
	p.arena = append(p.arena, b...)
	return p.arena[start:len(p.arena):len(p.arena)]
}

func (p *producer) reset() {
	clear(p.recs) // drop references for the garbage collector
	p.recs = p.recs[:0]
	if cap(p.recs) > keepRecords {
		p.recs = nil
	}
	clear(p.headers[:cap(p.headers)])
	p.headers = p.headers[:0]
	if cap(p.arena) > keepArenaBytes {
		p.arena = nil
	}
	p.err, p.failed = nil, 0
}

// recordSize is the record's size inside a batch (Kafka's v2 format) as
// the first record of the batch, whose deltas take one byte each.
func recordSize(r *log.Record) int {
	body := 1 + 1 + 1 + // attributes, timestamp delta, offset delta
		varintLen(len(r.Key)) + len(r.Key) +
		varintLen(len(r.Value)) + len(r.Value) +
		varintLen(len(r.Headers))
	for _, h := range r.Headers {
		body += varintLen(len(h.Key)) + len(h.Key) + varintLen(len(h.Value)) + len(h.Value)
	}
	return varintLen(body) + body
}

// varintLen is the size of n as a zigzag varint.
func varintLen(n int) int {
	u := uint64(n) << 1
	l := 1
	for u >= 0x80 {
		u >>= 7
		l++
	}
	return l
}

// endOffset is the partition's high watermark.
func (l *Log) endOffset(ctx context.Context, topic string, partition int32) (int64, error) {
	ends, err := l.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, wrap(fmt.Sprintf("end offset of %s/%d", topic, partition), err)
	}
	o, ok := ends.Lookup(topic, partition)
	if !ok {
		return 0, fmt.Errorf("kafka: end offset of %s/%d: %w", topic, partition, log.ErrUnknownPartition)
	}
	if o.Err != nil {
		return 0, wrap(fmt.Sprintf("end offset of %s/%d", topic, partition), o.Err)
	}
	return o.Offset, nil
}
