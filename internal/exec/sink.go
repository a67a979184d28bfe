package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// A task's output reaches its topics exactly once, without transactions
// and whatever else writes to those topics. Its output depends only on its
// state and its input, so a task restarted from a checkpoint writes again,
// record for record, what it wrote after that checkpoint before it died.
// Each record it writes carries its origin (originHeader): which task, the
// offset of the input record it comes from, and its rank among that input
// record's results. The checkpoint keeps, per output partition, where the
// task's unconfirmed records can start (Positions); a restarted sink reads
// its partitions from there (Resume) and drops every result whose origin
// is not after the last one it finds there. Readers therefore see each
// input's effect once, even those that read the output before the crash,
// which cutting the topics back could not give them.

// originHeader carries a record's origin: the writing task's identity (8
// bytes), the input offset (8) and the rank of the result (4).
const originHeader = "_sluice_src"

const originLen = 20

// origin orders a task's results: by input offset, then by rank.
type origin struct {
	offset int64
	rank   uint32
}

func (o origin) after(p origin) bool {
	return o.offset > p.offset || o.offset == p.offset && o.rank > p.rank
}

// ProducerID names a task as a writer: a hash of its query and input
// partition, stable across restarts.
func ProducerID(queryID string, input log.TopicPartition) []byte {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", queryID, input.Topic, input.Partition)
	return h.Sum(nil)
}

// stripOrigin returns hs without origin headers; it copies only when it
// must.
func stripOrigin(hs []log.Header) []log.Header {
	for i := range hs {
		if hs[i].Key != originHeader {
			continue
		}
		out := append([]log.Header(nil), hs[:i]...)
		for _, h := range hs[i+1:] {
			if h.Key != originHeader {
				out = append(out, h)
			}
		}
		return out
	}
	return hs
}

// TopicSink writes output rows to a topic with the sink's formats,
// partitioned by key as Kafka's default partitioner does.
type TopicSink struct {
	log        log.Log
	topic      string
	partitions int32
	keyCols    int
	key, value serde.Format
	// timestamp gives the record time from the output row (the sink's
	// TIMESTAMP property); nil keeps the input's.
	timestamp  func(types.Row) (int64, error)
	pl         *Pipeline
	batches    [][]log.Record
	buf        []byte
	keyScratch []types.Value
	// ordered keeps the global order of writes across partitions, one
	// append per run of a partition, for tests that compare a topic's
	// records in the order they were produced.
	ordered bool
	run     []log.Record
	runPart int32

	// producer, when set, tags each record with its origin (see above):
	// cur is the origin of the next result; skip[p], when skipping[p], the
	// last origin already in partition p, found reading it from from[p];
	// ends[p] the offset after this sink's last record in p. hdrs and
	// origins hold the tagged records' headers until Flush.
	producer []byte
	cur      origin
	skip     []origin
	skipping []bool
	from     []int64
	ends     []int64
	hdrs     []log.Header
	origins  []byte
}

// KeepOrder makes the sink append in the exact order of its writes.
func (s *TopicSink) KeepOrder() { s.ordered = true }

// NewRecordSink returns a sink of records written as they are (see
// WriteRecord) to topic, which has the given number of partitions.
func NewRecordSink(l log.Log, topic string, partitions int32, pl *Pipeline) *TopicSink {
	return &TopicSink{log: l, topic: topic, partitions: partitions, pl: pl, batches: make([][]log.Record, partitions)}
}

// NewTopicSink returns a sink appending to topic, which has the given
// number of partitions.
// timestamp, when not nil, computes each record's time from the output
// row (see TimestampOf).
func NewTopicSink(l log.Log, topic string, partitions int32, out *types.Schema, key, value serde.Format, timestamp func(types.Row) (int64, error), pl *Pipeline) *TopicSink {
	return &TopicSink{log: l, topic: topic, partitions: partitions, keyCols: out.KeyLen(), key: key, value: value,
		timestamp: timestamp, pl: pl, batches: make([][]log.Record, partitions)}
}

// Resume makes the sink tag what it writes as producer's, and skip the
// results that a previous run of the same task already wrote: it reads
// each partition from its position in from (the checkpoint's, see
// Positions; the end of the partition where it has none) to the end.
func (s *TopicSink) Resume(ctx context.Context, producer []byte, from map[int32]int64) error {
	info, err := s.log.DescribeTopic(ctx, s.topic)
	if err != nil {
		return err
	}
	s.producer = producer
	s.skip = make([]origin, s.partitions)
	s.skipping = make([]bool, s.partitions)
	s.from = make([]int64, s.partitions)
	s.ends = make([]int64, s.partitions)
	for _, part := range info.Partitions {
		p := part.Partition
		if p < 0 || p >= s.partitions {
			continue
		}
		s.ends[p] = part.EndOffset
		start, ok := from[p]
		if !ok || start >= part.EndOffset {
			continue
		}
		s.from[p] = start
		if err := s.scan(ctx, p, max(start, part.StartOffset), part.EndOffset); err != nil {
			return fmt.Errorf("reading back %s partition %d: %w", s.topic, p, err)
		}
	}
	return nil
}

// scan finds the last origin of this sink's producer in [start, end) of
// partition p.
func (s *TopicSink) scan(ctx context.Context, p int32, start, end int64) error {
	r, err := s.log.OpenReader(ctx, s.topic, p, start)
	if err != nil {
		if errors.Is(err, log.ErrOffsetOutOfRange) {
			return nil // retention removed them: nothing left to repeat
		}
		return err
	}
	defer r.Close()
	for r.Position() < end {
		recs, err := r.Next(ctx)
		if err != nil {
			return err
		}
		for i := range recs {
			if recs[i].Offset >= end {
				break
			}
			if o, ok := s.originOf(recs[i].Headers); ok {
				s.skip[p], s.skipping[p] = o, true
			}
		}
	}
	return nil
}

// originOf returns the origin of a record this sink's producer wrote.
func (s *TopicSink) originOf(hs []log.Header) (origin, bool) {
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		if h.Key == originHeader && len(h.Value) == originLen && bytes.Equal(h.Value[:8], s.producer) {
			return origin{offset: int64(binary.BigEndian.Uint64(h.Value[8:])), rank: binary.BigEndian.Uint32(h.Value[16:])}, true
		}
	}
	return origin{}, false
}

// begin tells the sink that the results to come are those of the input
// record at offset.
func (s *TopicSink) begin(offset int64) { s.cur = origin{offset: offset} }

// Topic is the topic the sink writes.
func (s *TopicSink) Topic() string { return s.topic }

// Positions returns, when the sink tags its records, where each partition
// has to be read from to find those of input offsets from next on, which
// a restart from next would write again; a checkpoint keeps them for
// Resume. They are after this sink's last record, except where a previous
// run wrote results of next or later that this run has not reached yet.
func (s *TopicSink) Positions(next int64) map[int32]int64 {
	if s.producer == nil {
		return nil
	}
	out := make(map[int32]int64, len(s.ends))
	for p, end := range s.ends {
		if s.skipping[p] && s.skip[p].offset >= next {
			end = s.from[p]
		}
		out[int32(p)] = end
	}
	return out
}

// Write encodes the row into the current batch.
func (s *TopicSink) Write(o *Out) error {
	start := len(s.buf)
	var err error
	keyVals := o.Row[:s.keyCols]
	if o.Window != nil {
		s.keyScratch = append(append(s.keyScratch[:0], keyVals...), o.Window...)
		keyVals = s.keyScratch
	}
	s.buf, err = s.key.Encode(s.buf, keyVals)
	if err != nil {
		s.buf = s.buf[:start]
		s.pl.failOut(fmt.Sprintf("Error serializing key for topic %s: %v", s.topic, err))
		return nil
	}
	keyEnd := len(s.buf)
	var value []byte
	if !o.NullValue {
		s.buf, err = s.value.Encode(s.buf, o.Row[s.keyCols:])
		if err != nil {
			s.buf = s.buf[:start]
			s.pl.failOut(fmt.Sprintf("Error serializing value for topic %s: %v", s.topic, err))
			return nil
		}
		value = s.buf[keyEnd:len(s.buf):len(s.buf)]
		if serde.IsNullRecord(s.value, o.Row[s.keyCols:]) {
			value = nil
		}
	}
	// A null single-column key is a null key; a multi-column key is
	// written even when all its columns are null, as ksqlDB does.
	var key []byte
	if !o.NullKey && (s.keyCols > 1 || s.keyCols == 1 && !o.Row[0].IsNull()) || o.Window != nil {
		key = s.buf[start:keyEnd:keyEnd]
	}
	ts := o.Time
	if s.timestamp != nil {
		t, err := s.timestamp(o.Row)
		if err != nil || t < 0 {
			s.buf = s.buf[:start]
			if err == nil {
				err = fmt.Errorf("the record's timestamp %d is negative", t)
			}
			s.pl.failOut(fmt.Sprintf("Error writing to topic %s: %v", s.topic, err))
			return nil
		}
		ts = t
	}
	return s.add(log.Record{Key: key, Value: value, Timestamp: ts, Headers: o.Headers}, start)
}

// WriteRecord adds a record as it is (its bytes are copied), partitioned
// by its key.
func (s *TopicSink) WriteRecord(rec log.Record) error {
	start := len(s.buf)
	s.buf = append(s.buf, rec.Key...)
	keyEnd := len(s.buf)
	s.buf = append(s.buf, rec.Value...)
	if rec.Key != nil {
		rec.Key = s.buf[start:keyEnd:keyEnd]
	}
	if rec.Value != nil {
		rec.Value = s.buf[keyEnd:len(s.buf):len(s.buf)]
	}
	return s.add(rec, start)
}

// add puts an encoded record, whose bytes start at start in buf, into the
// batch of its partition, unless a previous run already wrote it.
func (s *TopicSink) add(rec log.Record, start int) error {
	p := int32(0)
	if rec.Key != nil && s.partitions > 1 {
		p = log.PartitionForKey(rec.Key, s.partitions)
	}
	if s.producer != nil {
		o := s.cur
		s.cur.rank++
		if s.skipping[p] {
			if !o.after(s.skip[p]) {
				s.buf = s.buf[:start]
				return nil // already written before a restart
			}
			s.skipping[p] = false
		}
		rec.Headers = s.tag(rec.Headers, o)
	}
	if s.ordered {
		if len(s.run) > 0 && p != s.runPart {
			// The run's bytes live in buf, which only Flush resets.
			if err := s.appendRun(context.Background()); err != nil {
				return err
			}
		}
		s.run, s.runPart = append(s.run, rec), p
		return nil
	}
	s.batches[p] = append(s.batches[p], rec)
	return nil
}

// tag returns the headers of a record: hs, without any origin it came
// with, then its own origin. Both live in buffers that Flush resets; a
// grown buffer leaves the records taken before on the old one.
func (s *TopicSink) tag(hs []log.Header, o origin) []log.Header {
	at := len(s.origins)
	s.origins = append(s.origins, s.producer...)
	s.origins = binary.BigEndian.AppendUint64(s.origins, uint64(o.offset))
	s.origins = binary.BigEndian.AppendUint32(s.origins, o.rank)
	from := len(s.hdrs)
	for _, h := range hs {
		if h.Key != originHeader {
			s.hdrs = append(s.hdrs, h)
		}
	}
	s.hdrs = append(s.hdrs, log.Header{Key: originHeader, Value: s.origins[at:len(s.origins):len(s.origins)]})
	return s.hdrs[from:len(s.hdrs):len(s.hdrs)]
}

func (s *TopicSink) appendRun(ctx context.Context) error {
	if err := s.append(ctx, s.runPart, s.run); err != nil {
		return err
	}
	clear(s.run)
	s.run = s.run[:0]
	return nil
}

func (s *TopicSink) append(ctx context.Context, p int32, recs []log.Record) error {
	first, err := s.log.Append(ctx, s.topic, p, recs)
	if err != nil {
		return fmt.Errorf("writing to %s: %w", s.topic, err)
	}
	if s.ends != nil {
		s.ends[p] = first + int64(len(recs))
	}
	return nil
}

// Flush appends the batch, one append per partition.
func (s *TopicSink) Flush(ctx context.Context) error {
	if len(s.run) > 0 {
		if err := s.appendRun(ctx); err != nil {
			return err
		}
	}
	for p, recs := range s.batches {
		if len(recs) == 0 {
			continue
		}
		if err := s.append(ctx, int32(p), recs); err != nil {
			return err
		}
		clear(recs)
		s.batches[p] = recs[:0]
	}
	s.buf = s.buf[:0]
	clear(s.hdrs)
	s.hdrs, s.origins = s.hdrs[:0], s.origins[:0]
	return nil
}
