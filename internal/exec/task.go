package exec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/state"
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
	commit func(ctx context.Context, next int64, outputs map[log.TopicPartition]int64) error
	// tagged is the sink when it is a topic's, which tags records with
	// their origin once resumed, and late the sink of the query's late
	// records, which does too; restored is the checkpoint of the state
	// the task was restored from.
	tagged   *TopicSink
	late     *TopicSink
	outputs  []*TopicSink // tagged and late, those set
	restored *state.Checkpoint
	st       rowState
	// CommitInterval spaces commits of the input position: committing
	// costs a durable write, so a busy task commits at most this often
	// (and always when it stops, see Commit). Zero commits every batch.
	CommitInterval time.Duration
	lastCommit     time.Time
	committed      int64
	restoreUntil   int64
	// input names the task's input in its state's checkpoints; budget
	// bounds the memory of its cached state.
	input  string
	budget *StateCache
}

// NewTask returns a task reading r into sink. commit, when not nil, is
// called after a batch's output is flushed with the next input offset
// and the positions of its topic sinks (see TopicSink.Positions), which
// a restart gives back to ResumeOutput.
func NewTask(pl *Pipeline, r log.Reader, sink Sink, commit func(ctx context.Context, next int64, outputs map[log.TopicPartition]int64) error) *Task {
	t := &Task{pl: pl, reader: r, sink: sink, emit: sink.Write, commit: commit, committed: r.Position()}
	if ts, ok := sink.(*TopicSink); ok {
		t.tagged = ts
	}
	if pl.Plan.Aggregate != nil && (pl.stage != StageJoin || pl.lastStage()) {
		t.st.agg = newAggregator(pl)
		if pl.LateTopic != "" && pl.lateLog != nil {
			t.late = NewRecordSink(pl.lateLog, pl.LateTopic, 1, pl)
			t.st.agg.lateSink = t.late
		}
	}
	for _, s := range []*TopicSink{t.tagged, t.late} {
		if s != nil {
			t.outputs = append(t.outputs, s)
		}
	}
	return t
}

// OutputTopics are the topics of the task's topic sinks.
func (t *Task) OutputTopics() []string {
	var out []string
	for _, s := range t.outputs {
		out = append(out, s.topic)
	}
	return out
}

// RestoreUntil makes the task rebuild its state from the records before
// offset without emitting anything for them: a restarted aggregation
// reads its input again from the start up to its committed position.
func (t *Task) RestoreUntil(offset int64) {
	t.restoreUntil = offset
	t.committed = offset
}

func discard(*Out) error { return nil }

// UseStore keeps the task's state in store, checkpointed at each commit
// with the task's position in input (a "topic/partition" name) and its
// sink's positions: an aggregation's groups, or a join stage's rows. It
// restores the state of the last checkpoint and returns that checkpoint;
// ok is false when the store had none. Call it before the task runs.
func (t *Task) UseStore(store *state.Store, input string) (cp state.Checkpoint, ok bool, err error) {
	t.input = input
	if t.pl.stage == StageJoin {
		js, err := t.pl.newJoinState(store, t.budget)
		if err != nil {
			return cp, false, err
		}
		t.st.join = js
		cp, ok, err = store.LastCheckpoint()
	} else if ag := t.st.agg; ag != nil {
		p := newPersistence(t.pl, store, input)
		ag.persist = p
		cp, ok, err = p.restore(ag)
	}
	if ok {
		t.restored = &cp
	}
	return cp, ok, err
}

// ResumeOutput makes the task's topic sinks tag their records as
// producer's and skip those a previous run wrote after its last
// checkpoint: from the output positions of the restored state's
// checkpoint, else from committed (those the task's commit function last
// stored). With nothing committed, it returns where the outputs start,
// for the caller to store before the task writes anything.
func (t *Task) ResumeOutput(ctx context.Context, producer []byte, committed map[log.TopicPartition]int64) (map[log.TopicPartition]int64, error) {
	for _, s := range t.outputs {
		from := map[int32]int64{}
		for p := range s.partitions {
			if t.restored != nil {
				if off, ok := t.restored.Outputs[state.PartitionKey(s.topic, p)]; ok {
					from[p] = off
				}
			} else if off, ok := committed[log.TopicPartition{Topic: s.topic, Partition: p}]; ok {
				from[p] = off
			}
		}
		if err := s.Resume(ctx, producer, from); err != nil {
			return nil, err
		}
	}
	if len(committed) > 0 {
		return nil, nil
	}
	return t.outputPositions(t.Position()), nil
}

// outputPositions are the positions of the task's topic sinks for a
// checkpoint at input offset next (see TopicSink.Positions).
func (t *Task) outputPositions(next int64) map[log.TopicPartition]int64 {
	var out map[log.TopicPartition]int64
	for _, s := range t.outputs {
		for p, off := range s.Positions(next) {
			if out == nil {
				out = map[log.TopicPartition]int64{}
			}
			out[log.TopicPartition{Topic: s.topic, Partition: p}] = off
		}
	}
	return out
}

// SetReader replaces the task's reader (closing the old one), so that it
// reads from where a restored state stands. That position is committed
// again at the first commit: a crash may have come between the state's
// checkpoint and the commit of the same position, which would otherwise
// wait for the next input.
func (t *Task) SetReader(r log.Reader) {
	t.reader.Close()
	t.reader, t.committed, t.restoreUntil = r, -1, 0
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
	if t.pl.stage != StageAggregate && t.pl.stage != StageJoin {
		// A query's records are counted once, where they enter it.
		t.pl.Stats.consumed(len(recs))
	}
	if err := t.processBatch(recs); err != nil {
		return err
	}
	if err := t.sink.Flush(ctx); err != nil {
		return err
	}
	if t.late != nil {
		if err := t.late.Flush(ctx); err != nil {
			return err
		}
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
		restoring := recs[i].Offset < t.restoreUntil
		if ag := t.st.agg; ag != nil {
			// The late records of what is restored were written before.
			ag.restoring = restoring
		}
		if restoring {
			emit = discard
		} else {
			for _, s := range t.outputs {
				s.begin(recs[i].Offset)
			}
		}
		if err := t.pl.process(&t.st, &recs[i], emit); err != nil {
			return err
		}
	}
	return nil
}

// Commit stores the task's input position, if it moved since the last
// commit. The output of every record before it has been flushed. A task
// rebuilding its state commits nothing until it is past the position it
// restores to: that position is already stored, and storing one before
// it would make the next restart emit again what was emitted.
func (t *Task) Commit(ctx context.Context) error {
	pos := t.reader.Position()
	if t.commit == nil || pos == t.committed || pos < t.restoreUntil {
		return nil
	}
	outputs := t.outputPositions(pos)
	if err := t.checkpoint(pos, outputs); err != nil {
		return fmt.Errorf("checkpointing the state: %w", err)
	}
	if err := t.commit(ctx, pos, outputs); err != nil {
		return err
	}
	t.committed, t.lastCommit = pos, t.pl.Stats.clock.Now()
	return nil
}

// checkpoint commits the task's state in its store, if it has one, with
// its input position next and its outputs' positions.
func (t *Task) checkpoint(next int64, outputs map[log.TopicPartition]int64) error {
	ag, js := t.st.agg, t.st.join
	persisted := ag != nil && ag.persist != nil
	if !persisted && (js == nil || js.owned) {
		return nil
	}
	cp := state.Checkpoint{Inputs: map[string]int64{t.input: next}}
	for tp, off := range outputs {
		if cp.Outputs == nil {
			cp.Outputs = map[string]int64{}
		}
		cp.Outputs[state.PartitionKey(tp.Topic, tp.Partition)] = off
	}
	if persisted {
		return ag.persist.checkpoint(ag, cp)
	}
	if err := js.save(); err != nil {
		return err
	}
	return js.store.Checkpoint(cp, nil)
}

// Close releases the task's reader.
func (t *Task) Close() error {
	if ag := t.st.agg; ag != nil {
		ag.sources.close()
	}
	if js := t.st.join; js != nil {
		js.close()
	}
	return t.reader.Close()
}

func (pl *Pipeline) failOut(msg string) {
	pl.Stats.fail()
	if pl.Log != nil {
		pl.Log.Record(pl.QueryID, "serialization", msg, &log.Record{})
	}
}
