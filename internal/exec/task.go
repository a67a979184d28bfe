package exec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// Sink receives a task's output rows.
type Sink interface {
	// Write takes one output row; the row is valid only during the call.
	Write(o *Out) error
	// Flush is called after each batch of input records, before the
	// task's input position is committed: a persistent sink appends what
	// it holds.
	Flush(ctx context.Context) error
}

// idleCommitWait is how long a task with uncommitted progress waits for
// input before it commits.
const idleCommitWait = 20 * time.Millisecond

// Task runs a pipeline over one input partition.
type Task struct {
	pl     *Pipeline
	reader log.Reader
	sink   Sink
	emit   func(*Out) error
	commit func(ctx context.Context, next int64) error
	st     rowState
	// CommitInterval spaces commits of the input position: committing
	// costs a durable write, so a busy task commits at most this often
	// (and always when it stops, see Commit). Zero commits every batch.
	CommitInterval time.Duration
	lastCommit     time.Time
	committed      int64
	restoreUntil   int64
}

// NewTask returns a task reading r into sink. commit, when not nil, is
// called with the next input offset after a batch's output is flushed.
func NewTask(pl *Pipeline, r log.Reader, sink Sink, commit func(ctx context.Context, next int64) error) *Task {
	t := &Task{pl: pl, reader: r, sink: sink, emit: sink.Write, commit: commit, committed: r.Position()}
	if pl.Plan.Aggregate != nil {
		t.st.agg = newAggregator(pl)
	}
	return t
}

// RestoreUntil makes the task rebuild its state from the records before
// offset without emitting anything for them: a restarted aggregation
// reads its input again from the start up to its committed position.
func (t *Task) RestoreUntil(offset int64) {
	t.restoreUntil = offset
	t.committed = offset
}

func discard(*Out) error { return nil }

// UseStore keeps the aggregation's groups in store, checkpointed at each
// commit with the task's position in input (a "topic/partition" name),
// and loads those of the last checkpoint. It returns the input position
// the loaded state stands for; ok is false when the store had none. Call
// it before the task runs.
func (t *Task) UseStore(store *state.Store, input string) (next int64, ok bool, err error) {
	ag := t.st.agg
	if ag == nil {
		return 0, false, nil
	}
	p, err := newPersistence(t.pl, store, input)
	if err != nil {
		return 0, false, err
	}
	ag.persist = p
	return p.restore(ag)
}

// SetReader replaces the task's reader (closing the old one), so that it
// reads from where a restored state stands.
func (t *Task) SetReader(r log.Reader) {
	t.reader.Close()
	t.reader, t.committed, t.restoreUntil = r, r.Position(), 0
}

// ShareGroups makes t aggregate into o's groups: a transient aggregation
// reads every partition into one set of groups, without a repartition
// topic. The tasks take turns, each holding the groups' lock per batch.
func (t *Task) ShareGroups(o *Task) { t.st.agg = o.st.agg }

// Position is the offset of the next input record.
func (t *Task) Position() int64 { return t.reader.Position() }

// Step blocks for the next batch of input records and processes it.
// Cancelling ctx interrupts only the wait: a batch once read is written
// and its position committed, so that a clean stop loses nothing and
// repeats nothing.
func (t *Task) Step(ctx context.Context) error {
	var recs []log.Record
	var err error
	if t.CommitInterval > 0 && t.reader.Position() != t.committed {
		// A task that catches up with its input commits what it processed
		// rather than keep it uncommitted until the next record: under
		// load it commits every interval, when quiet at once.
		wctx, cancel := context.WithTimeout(ctx, min(t.CommitInterval, idleCommitWait))
		recs, err = t.reader.Next(wctx)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return t.Commit(ctx)
		}
	} else {
		recs, err = t.reader.Next(ctx)
	}
	if err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	if t.pl.stage != StageAggregate {
		// A query's records are counted once, where they enter it.
		t.pl.Stats.consumed(len(recs))
	}
	if err := t.processBatch(recs); err != nil {
		return err
	}
	if err := t.sink.Flush(ctx); err != nil {
		return err
	}
	if t.CommitInterval > 0 && t.pl.Stats.clock.Now().Sub(t.lastCommit) < t.CommitInterval {
		return nil
	}
	return t.Commit(ctx)
}

// processBatch runs a batch of records through the pipeline. Pull
// queries read an aggregation's groups while the task changes them, so
// the task holds its groups' lock meanwhile (and not while it writes).
func (t *Task) processBatch(recs []log.Record) error {
	if ag := t.st.agg; ag != nil {
		ag.mu.Lock()
		defer ag.mu.Unlock()
	}
	for i := range recs {
		emit := t.emit
		if recs[i].Offset < t.restoreUntil {
			emit = discard
		}
		if err := t.pl.process(&t.st, &recs[i], emit); err != nil {
			return err
		}
	}
	return nil
}

// Commit stores the task's input position, if it moved since the last
// commit. The output of every record before it has been flushed.
func (t *Task) Commit(ctx context.Context) error {
	pos := t.reader.Position()
	if t.commit == nil || pos == t.committed {
		return nil
	}
	if ag := t.st.agg; ag != nil && ag.persist != nil {
		if err := ag.persist.checkpoint(ag, pos); err != nil {
			return fmt.Errorf("checkpointing the state: %w", err)
		}
	}
	if err := t.commit(ctx, pos); err != nil {
		return err
	}
	t.committed, t.lastCommit = pos, t.pl.Stats.clock.Now()
	return nil
}

// Close releases the task's reader.
func (t *Task) Close() error { return t.reader.Close() }

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
}

// KeepOrder makes the sink append in the exact order of its writes.
func (s *TopicSink) KeepOrder() { s.ordered = true }

// NewTopicSink returns a sink appending to topic, which has the given
// number of partitions.
// timestamp, when not nil, computes each record's time from the output
// row (see TimestampOf).
func NewTopicSink(l log.Log, topic string, partitions int32, out *types.Schema, key, value serde.Format, timestamp func(types.Row) (int64, error), pl *Pipeline) *TopicSink {
	return &TopicSink{log: l, topic: topic, partitions: partitions, keyCols: out.KeyLen(), key: key, value: value,
		timestamp: timestamp, pl: pl, batches: make([][]log.Record, partitions)}
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
	p := int32(0)
	if key != nil && s.partitions > 1 {
		p = log.PartitionForKey(key, s.partitions)
	}
	rec := log.Record{Key: key, Value: value, Timestamp: ts, Headers: o.Headers}
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

func (s *TopicSink) appendRun(ctx context.Context) error {
	if _, err := s.log.Append(ctx, s.topic, s.runPart, s.run); err != nil {
		return fmt.Errorf("writing to %s: %w", s.topic, err)
	}
	clear(s.run)
	s.run = s.run[:0]
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
		if _, err := s.log.Append(ctx, s.topic, int32(p), recs); err != nil {
			return fmt.Errorf("writing to %s: %w", s.topic, err)
		}
		clear(recs)
		s.batches[p] = recs[:0]
	}
	s.buf = s.buf[:0]
	return nil
}

func allNull(vals []types.Value) bool {
	for _, v := range vals {
		if !v.IsNull() {
			return false
		}
	}
	return true
}

func (pl *Pipeline) failOut(msg string) {
	pl.Stats.fail()
	if pl.Log != nil {
		pl.Log.Record(pl.QueryID, "serialization", msg, &log.Record{})
	}
}
