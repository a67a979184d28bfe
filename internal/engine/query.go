package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// persistentQuery is a running CREATE ... AS SELECT or INSERT INTO ...
// SELECT: one task per partition of its source, each in its own goroutine
// (or run by Drain in manual mode). Its consumer group, named by its ID,
// holds how far each task got, so a restart resumes there.
type persistentQuery struct {
	id        string
	statement string
	plan      *plan.Query
	sink      *catalog.Source
	stats     *exec.Stats
	tasks     []*exec.Task
	// inputs[i] is the partition tasks[i] reads, in stage order.
	inputs []log.TopicPartition
	// stores hold the state of aggregation tasks, when kept on disk.
	stores         []*state.Store
	internalTopics []string
	lateTopic      string
	props          map[string]string

	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	paused  bool
	resumed chan struct{} // closed on resume
	err     error
}

func (q *persistentQuery) state() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.err != nil:
		return "ERROR"
	case q.paused:
		return "PAUSED"
	}
	return "RUNNING"
}

// newQuery prepares the tasks of a persistent query; addQuery starts them.
// An aggregation whose group key is not the source's key runs in two
// stages joined by an internal repartition topic.
func (e *Engine) newQuery(ctx context.Context, sess *Session, id, text string, p *plan.Query, sink *catalog.Source) (*persistentQuery, error) {
	stats := exec.NewStats(e.clock)
	q := &persistentQuery{id: id, statement: text, plan: p, sink: sink, stats: stats, props: copyProps(sess)}
	key, value, err := sink.Formats()
	if err != nil {
		return nil, asStmtError(err)
	}
	var timestamp func(types.Row) (int64, error)
	if sink.Timestamp != "" {
		col, _ := sink.Schema.Find(sink.Timestamp)
		if timestamp, err = exec.TimestampOf(e.functions, col, sink.Timestamp, sink.TimestampFormat); err != nil {
			return nil, asStmtError(err)
		}
	}
	sinkInfo, err := e.log.DescribeTopic(ctx, sink.Topic)
	if err != nil {
		return nil, asStmtError(err)
	}
	reset := e.offsetReset(sess)
	stateful := p.Aggregate != nil
	if p.Aggregate != nil && p.Aggregate.Window != nil {
		// Records past a window's grace period go to a topic of the query.
		q.lateTopic = lateTopic(id)
		if err := e.log.CreateTopic(ctx, q.lateTopic, log.TopicConfig{Partitions: 1}); err != nil && !errors.Is(err, log.ErrTopicExists) {
			return nil, asStmtError(err)
		}
	}
	withLate := func(pl *exec.Pipeline) *exec.Pipeline {
		if q.lateTopic != "" {
			pl.SendLateRecordsTo(e.log, q.lateTopic)
		}
		return pl
	}
	toSink := func(pl *exec.Pipeline) exec.Sink {
		out := exec.NewTopicSink(e.log, sink.Topic, int32(len(sinkInfo.Partitions)), sink.Schema, key, value, timestamp, pl)
		if e.manual {
			out.KeepOrder()
		}
		return out
	}
	if p.Join != nil && p.Aggregate == nil {
		if err := e.addJoinTasks(ctx, q, p, reset, toSink); err != nil {
			q.closeTasks()
			return nil, err
		}
		return q, nil
	}
	if p.Aggregate == nil || !p.Aggregate.Rekeyed {
		pl, err := exec.NewPipeline(id, p, e.functions, e.proclog, stats)
		if err != nil {
			return nil, asStmtError(err)
		}
		if err := e.addTasks(ctx, q, withLate(pl), p.Source.Topic, reset, stateful, toSink); err != nil {
			q.closeTasks()
			return nil, err
		}
		return q, nil
	}

	// Two stages: source -> repartition topic -> aggregation -> sink.
	topic := repartitionTopic(id)
	parts := p.Source.Partitions
	if e.manual || parts < 1 {
		// One partition keeps the order of a test's records, as ksqlDB's
		// test driver processes each record through both stages at once.
		parts = 1
	}
	if err := e.log.CreateTopic(ctx, topic, log.TopicConfig{Partitions: parts, Configs: map[string]string{log.ConfigRetentionMs: "-1"}}); err != nil && !errors.Is(err, log.ErrTopicExists) {
		return nil, asStmtError(err)
	}
	q.internalTopics = append(q.internalTopics, topic)
	rkey, rvalue, err := exec.RepartitionFormats(p)
	if err != nil {
		return nil, asStmtError(err)
	}
	first, err := exec.NewPipeline(id, p, e.functions, e.proclog, stats)
	if err != nil {
		return nil, asStmtError(err)
	}
	if err := first.SetStage(exec.StageRepartition); err != nil {
		return nil, asStmtError(err)
	}
	info, err := e.log.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, asStmtError(err)
	}
	toRepartition := func(pl *exec.Pipeline) exec.Sink {
		out := exec.NewTopicSink(e.log, topic, int32(len(info.Partitions)), exec.RepartitionSchema(p), rkey, rvalue, nil, pl)
		if e.manual {
			out.KeepOrder()
		}
		return out
	}
	if p.Join != nil {
		// The join's last stage is the aggregation's first.
		err = e.addJoinTasks(ctx, q, p, reset, toRepartition)
	} else {
		// A table source's first stage remembers each key's last row.
		err = e.addTasks(ctx, q, first, p.Source.Topic, reset, p.Source.Kind == catalog.Table, toRepartition)
	}
	if err != nil {
		q.closeTasks()
		return nil, err
	}
	second, err := exec.NewPipeline(id, p, e.functions, e.proclog, stats)
	if err != nil {
		return nil, asStmtError(err)
	}
	if err := second.SetStage(exec.StageAggregate); err != nil {
		return nil, asStmtError(err)
	}
	if err := e.addTasks(ctx, q, withLate(second), topic, "earliest", true, toSink); err != nil {
		q.closeTasks()
		return nil, err
	}
	return q, nil
}

// addJoinTasks adds the tasks of a join (see exec.NewJoinInput): one per
// partition of each side, writing its stage's join topic, and for each
// stage one per partition of its join topic, joining and writing to the
// next stage's topic, or, for the last, to the sink. A table side is read
// from its start, so that a stream joins the whole table.
func (e *Engine) addJoinTasks(ctx context.Context, q *persistentQuery, p *plan.Query, reset string, toSink func(*exec.Pipeline) exec.Sink) error {
	stages := p.Join.Stages
	topics := make([]string, len(stages))
	parts := make([]int32, len(stages))
	for k, st := range stages {
		topics[k], parts[k] = joinTopic(q.id, k), st.Partitions
		if e.manual || parts[k] < 1 {
			parts[k] = 1
		}
		if err := e.log.CreateTopic(ctx, topics[k], log.TopicConfig{Partitions: parts[k], Configs: map[string]string{log.ConfigRetentionMs: "-1"}}); err != nil && !errors.Is(err, log.ErrTopicExists) {
			return asStmtError(err)
		}
		q.internalTopics = append(q.internalTopics, topics[k])
	}
	toTopic := func(k int, schema *types.Schema, key, value serde.Format) func(*exec.Pipeline) exec.Sink {
		return func(pl *exec.Pipeline) exec.Sink {
			out := exec.NewTopicSink(e.log, topics[k], parts[k], schema, key, value, nil, pl)
			if e.manual {
				out.KeepOrder()
			}
			return out
		}
	}
	for i, side := range p.Join.Sides {
		pl, err := exec.NewJoinInput(q.id, p, i, e.functions, e.proclog, q.stats)
		if err != nil {
			return asStmtError(err)
		}
		key, value, err := exec.JoinTopicFormats(p, i)
		if err != nil {
			return asStmtError(err)
		}
		from := reset
		if side.Table() {
			from = "earliest"
		}
		// The left table of a foreign-key join remembers each row's
		// foreign key: it rebuilds that from its source after a restart.
		stateful := i == 0 && stages[0].ForeignKey
		if err := e.addTasks(ctx, q, pl, side.Source.Topic, from, stateful, toTopic(p.Join.StageOf(i), exec.JoinTopicSchema(p, i), key, value)); err != nil {
			return err
		}
	}
	for k := range stages {
		pl, err := exec.NewPipeline(q.id, p, e.functions, e.proclog, q.stats)
		if err != nil {
			return asStmtError(err)
		}
		pl.SetJoinStage(k)
		sink := toSink
		if k < len(stages)-1 {
			key, value, err := exec.IntermediateFormats(p, k+1)
			if err != nil {
				return asStmtError(err)
			}
			sink = toTopic(k+1, exec.IntermediateSchema(p, k+1), key, value)
		}
		if err := e.addTasks(ctx, q, pl, topics[k], "earliest", true, sink); err != nil {
			return err
		}
	}
	return nil
}

// sourceNames are the sources a query reads: its source, or each side of
// its join.
func sourceNames(p *plan.Query) []string {
	if p.Join == nil {
		return []string{p.Source.Name}
	}
	var out []string
	for _, s := range p.Join.Sides {
		out = append(out, s.Source.Name)
	}
	return out
}

// repartitions reports whether a query redistributes records by a new
// key through an internal topic.
func repartitions(p *plan.Query) bool {
	if p.Aggregate != nil && p.Aggregate.Rekeyed {
		return true
	}
	if p.Join != nil {
		if len(p.Join.Stages) > 1 {
			return true
		}
		for i, s := range p.Join.Sides {
			// A foreign-key join routes its left rows by foreign key:
			// that is the join itself, not a repartition of its input.
			if s.Rekeyed && !(p.Join.Stages[0].ForeignKey && i == 0) {
				return true
			}
		}
	}
	return false
}

// joinTopic names the internal topic of stage k of a join query.
func joinTopic(queryID string, k int) string {
	if k == 0 {
		return "_sluice-" + queryID + "-join"
	}
	return fmt.Sprintf("_sluice-%s-join-%d", queryID, k+1)
}

// lateTopic names the topic of a windowed query's late records.
func lateTopic(queryID string) string { return "sluice-" + queryID + "-late-records" }

// repartitionTopic names a query's internal repartition topic.
func repartitionTopic(queryID string) string { return "_sluice-" + queryID + "-repartition" }

// openState keeps a task's state (an aggregation's groups, a join's
// rows) in a state store under the data directory, the most recently
// used of it cached in memory within the task's share of the engine's
// state cache. A store with a checkpoint is where the task resumes: it
// reads on from the checkpoint's position, instead of reading its input
// again from the start, and its state comes back from the store as
// records need it.
func (e *Engine) openState(ctx context.Context, q *persistentQuery, t *exec.Task, tp log.TopicPartition) error {
	dir := filepath.Join(e.stateDir, q.id, fmt.Sprintf("%s-%d", tp.Topic, tp.Partition))
	store, err := state.Open(dir, state.Options{BlockCache: e.blockCache})
	if err != nil {
		return asStmtError(fmt.Errorf("opening the state of %s: %w", q.id, err))
	}
	q.stores = append(q.stores, store)
	t.SetStateCache(e.stateCache)
	cp, ok, err := t.UseStore(store, state.PartitionKey(tp.Topic, tp.Partition))
	if err != nil {
		return asStmtError(fmt.Errorf("restoring the state of %s: %w", q.id, err))
	}
	if !ok {
		return nil
	}
	r, err := e.log.OpenReader(ctx, tp.Topic, tp.Partition, cp.Inputs[state.PartitionKey(tp.Topic, tp.Partition)])
	if err != nil {
		return asStmtError(err)
	}
	t.SetReader(r)
	return nil
}

// addTasks adds one task per partition of topic. A stateful task starts
// from the beginning of its partition and rebuilds its state, emitting
// nothing, up to the position the query had committed.
func (e *Engine) addTasks(ctx context.Context, q *persistentQuery, pl *exec.Pipeline, topic, reset string, stateful bool, sink func(*exec.Pipeline) exec.Sink) error {
	info, err := e.log.DescribeTopic(ctx, topic)
	if err != nil {
		return asStmtError(err)
	}
	committed, err := e.log.CommittedOffsets(ctx, q.id, topic)
	if err != nil {
		return asStmtError(err)
	}
	offsets, err := e.startOffsets(ctx, q.id, topic, reset)
	if err != nil {
		return err
	}
	for i, part := range info.Partitions {
		start := offsets[i]
		_, hasCommitted := committed[part.Partition]
		if stateful && hasCommitted {
			start = part.StartOffset
		}
		r, err := e.log.OpenReader(ctx, topic, part.Partition, start)
		if err != nil {
			return asStmtError(err)
		}
		tp := log.TopicPartition{Topic: topic, Partition: part.Partition}
		out := sink(pl)
		commit := func(ctx context.Context, next int64, outputs map[log.TopicPartition]int64) error {
			if err := e.log.CommitOffsets(ctx, q.id, map[log.TopicPartition]int64{tp: next}); err != nil {
				return err
			}
			return e.commitOutputs(ctx, q.id, tp, outputs)
		}
		t := exec.NewTask(pl, r, out, commit)
		if stateful && hasCommitted {
			t.RestoreUntil(offsets[i])
		}
		if stateful && e.stateDir != "" && pl.KeepsState() {
			if err := e.openState(ctx, q, t, tp); err != nil {
				t.Close()
				return err
			}
		}
		if !e.manual {
			if err := e.resumeOutput(ctx, q, tp, t); err != nil {
				t.Close()
				return err
			}
		}
		if !e.manual {
			t.CommitInterval = commitInterval
		}
		q.tasks = append(q.tasks, t)
		q.inputs = append(q.inputs, tp)
	}
	return nil
}

// outputGroup names the consumer group that keeps the output positions
// of the task of query reading input (see exec.TopicSink): a group per
// task, as each task has its own.
func outputGroup(queryID string, input log.TopicPartition) string {
	return fmt.Sprintf("%s-output-%s-%d", queryID, input.Topic, input.Partition)
}

// commitOutputs stores a task's output positions, after its input
// position: a crash between the two leaves older output positions, from
// which a restart only reads more.
func (e *Engine) commitOutputs(ctx context.Context, queryID string, input log.TopicPartition, outputs map[log.TopicPartition]int64) error {
	if len(outputs) == 0 {
		return nil
	}
	return e.log.CommitOffsets(ctx, outputGroup(queryID, input), outputs)
}

// resumeOutput makes a task's topic sinks (its output's and its late
// records') tag their records with their origin and skip those that a
// previous run of the task wrote after its last commit, so that each
// input's effect reaches the outputs once. A task's first run stores
// where its outputs start before it writes anything.
func (e *Engine) resumeOutput(ctx context.Context, q *persistentQuery, input log.TopicPartition, t *exec.Task) error {
	committed := map[log.TopicPartition]int64{}
	for _, topic := range t.OutputTopics() {
		offsets, err := e.log.CommittedOffsets(ctx, outputGroup(q.id, input), topic)
		if err != nil {
			return asStmtError(err)
		}
		for p, off := range offsets {
			committed[log.TopicPartition{Topic: topic, Partition: p}] = off
		}
	}
	start, err := t.ResumeOutput(ctx, exec.ProducerID(q.id, input), committed)
	if err != nil {
		return asStmtError(fmt.Errorf("resuming the output of %s: %w", q.id, err))
	}
	if err := e.commitOutputs(ctx, q.id, input, start); err != nil {
		return asStmtError(err)
	}
	return nil
}

func copyProps(sess *Session) map[string]string {
	out := map[string]string{}
	if sess != nil {
		for k, v := range sess.Properties {
			out[k] = v
		}
	}
	return out
}

// offsetReset is auto.offset.reset, also accepted with ksqlDB clients'
// ksql.streams. prefix.
func (e *Engine) offsetReset(sess *Session) string {
	return e.property(sess, "auto.offset.reset", e.property(sess, "ksql.streams.auto.offset.reset", "latest"))
}

// startOffsets returns where each partition's task starts: the query's
// committed position, else the start or the end of the partition as
// auto.offset.reset says (ksqlDB's default is the end).
func (e *Engine) startOffsets(ctx context.Context, group, topic, reset string) ([]int64, error) {
	info, err := e.log.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, asStmtError(err)
	}
	committed, err := e.log.CommittedOffsets(ctx, group, topic)
	if err != nil {
		return nil, asStmtError(err)
	}
	out := make([]int64, len(info.Partitions))
	for i, p := range info.Partitions {
		switch off, ok := committed[p.Partition]; {
		case ok && off >= p.StartOffset && off <= p.EndOffset:
			out[i] = off
		case strings.EqualFold(reset, "earliest"):
			out[i] = p.StartOffset
		default:
			out[i] = p.EndOffset
		}
	}
	return out, nil
}

func (q *persistentQuery) closeTasks() {
	for _, t := range q.tasks {
		t.Close()
	}
	for _, s := range q.stores {
		s.Close()
	}
	q.stores = nil
}

// addQuery registers a query and, unless the engine is manual, starts
// its tasks.
func (e *Engine) addQuery(q *persistentQuery) {
	e.queries = append(e.queries, q)
	if e.manual {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	q.cancel = cancel
	for _, t := range q.tasks {
		q.wg.Add(1)
		go e.runTask(ctx, q, t)
	}
}

// runTask runs one task until the query stops. A failing step (the log
// unavailable, say) is retried with a growing pause, the query showing
// ERROR meanwhile; records are never skipped.
func (e *Engine) runTask(ctx context.Context, q *persistentQuery, t *exec.Task) {
	defer q.wg.Done()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		q.mu.Lock()
		paused, resumed := q.paused, q.resumed
		q.mu.Unlock()
		if paused {
			select {
			case <-resumed:
			case <-ctx.Done():
				return
			}
		}
		err := t.Step(ctx)
		if err == nil {
			q.mu.Lock()
			q.err = nil
			q.mu.Unlock()
			backoff = 100 * time.Millisecond
			continue
		}
		if ctx.Err() != nil || errors.Is(err, log.ErrClosed) {
			return
		}
		q.mu.Lock()
		q.err = err
		q.mu.Unlock()
		e.logger.Error("query task failed; retrying", "query", q.id, "error", err, "retry_in", backoff)
		select {
		case <-e.clock.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// commitInterval is how often a running task stores its input position;
// a restart after a crash may repeat at most this much of its output.
// Each commit is a durable write, which the tasks of a query take in
// turn, so it is not much shorter than Kafka Streams' default allows.
const commitInterval = time.Second

// stop ends the query's tasks, waits for them and stores where they got.
func (q *persistentQuery) stop() {
	if q.cancel != nil {
		q.cancel()
	}
	q.wg.Wait()
	for _, t := range q.tasks {
		t.Commit(context.Background())
	}
	q.closeTasks()
}

func (e *Engine) removeQuery(q *persistentQuery) {
	q.stop()
	// A terminated or replaced query's state serves nothing any more.
	if e.stateDir != "" {
		if err := os.RemoveAll(filepath.Join(e.stateDir, q.id)); err != nil {
			e.logger.Warn("cannot delete a query's state", "query", q.id, "error", err)
		}
	}
	for i, x := range e.queries {
		if x == q {
			e.queries = append(e.queries[:i], e.queries[i+1:]...)
			break
		}
	}
}

func (e *Engine) stopQueries() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stop != nil {
		e.stop()
	}
	for _, q := range e.queries {
		q.stop()
	}
	e.transient.Range(func(_, v any) bool {
		v.(*transientQuery).stop()
		return true
	})
}

func (e *Engine) queryByID(id string) *persistentQuery {
	for _, q := range e.queries {
		if strings.EqualFold(q.id, id) {
			return q
		}
	}
	return nil
}

func (e *Engine) queryWriting(sink string) *persistentQuery {
	for _, q := range e.queries {
		if q.sink.Name == sink && !strings.HasPrefix(q.id, "INSERTQUERY_") {
			return q
		}
	}
	return nil
}

func (e *Engine) terminate(ctx context.Context, sess *Session, text string, all bool, id ast.Ident, replay bool) (Entity, error) {
	var targets []*persistentQuery
	if all {
		targets = append(targets, e.queries...)
	} else if q := e.queryByID(id.Name); q != nil {
		targets = append(targets, q)
	} else if tq, ok := e.transient.Load(strings.ToUpper(id.Name)); ok {
		tq.(*transientQuery).stop()
		return e.status(text, "query/"+id.Name+"/terminate", "Query terminated.", "", 0), nil
	} else {
		return nil, stmtErrorf(id.Pos, "Unknown queryId: %s", id.Name)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	for _, q := range targets {
		e.removeQuery(q)
		// A terminated query's internal topics serve nothing any more.
		for _, t := range q.internalTopics {
			if err := e.log.DeleteTopic(ctx, t); err != nil && !errors.Is(err, log.ErrUnknownTopic) {
				e.logger.Warn("cannot delete a terminated query's internal topic", "topic", t, "error", err)
			}
		}
	}
	return e.status(text, "query/"+id.Name+"/terminate", "Query terminated.", "", seq), nil
}

func (e *Engine) pause(ctx context.Context, sess *Session, text string, all bool, id ast.Ident, pause bool, replay bool) (Entity, error) {
	var targets []*persistentQuery
	if all {
		targets = append(targets, e.queries...)
	} else if q := e.queryByID(id.Name); q != nil {
		targets = append(targets, q)
	} else {
		return nil, stmtErrorf(id.Pos, "Unknown queryId: %s", id.Name)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	verb := "resume"
	for _, q := range targets {
		q.mu.Lock()
		if pause && !q.paused {
			q.paused, q.resumed = true, make(chan struct{})
		} else if !pause && q.paused {
			q.paused = false
			close(q.resumed)
		}
		q.mu.Unlock()
	}
	if pause {
		verb = "pause"
	}
	return e.status(text, "query/"+id.Name+"/"+verb, "Query "+verb+"d.", "", seq), nil
}

// Drain, in manual mode, runs every persistent query in creation order
// until each has processed all the records its inputs hold, as ksqlDB's
// test driver does. It is how tests run queries without goroutines.
func (e *Engine) Drain(ctx context.Context) error {
	if !e.manual {
		return errors.New("engine: Drain needs an engine opened with Manual set")
	}
	e.mu.Lock()
	queries := append([]*persistentQuery(nil), e.queries...)
	e.mu.Unlock()
	for _, q := range queries {
		if q.state() == "PAUSED" {
			continue
		}
		for i, t := range q.tasks {
			info, err := e.log.DescribeTopic(ctx, q.inputs[i].Topic)
			if err != nil {
				return err
			}
			end := info.Partitions[q.inputs[i].Partition].EndOffset
			for t.Position() < end {
				if err := t.Step(ctx); err != nil {
					return fmt.Errorf("query %s: %w", q.id, err)
				}
			}
		}
	}
	return nil
}

// Queries describes the persistent queries, in creation order.
func (e *Engine) Queries() []QueryInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]QueryInfo, 0, len(e.queries))
	for _, q := range e.queries {
		out = append(out, QueryInfo{ID: q.id, Statement: q.statement, Sources: sourceNames(q.plan),
			Sink: q.sink.Name, SinkTopic: q.sink.Topic, State: q.state(), Stats: q.statistics(),
			Repartitioned: repartitions(q.plan), InternalTopics: q.internalTopics})
	}
	return out
}

func (q *persistentQuery) statistics() QueryStats {
	st := statsOf(q.stats)
	st.LateTopic = q.lateTopic
	st.Repartitioned = repartitions(q.plan)
	return st
}

func statsOf(s *exec.Stats) QueryStats {
	snap := s.Snapshot()
	st := QueryStats{MessagesPerSec: snap.MessagesPerSec, TotalMessages: snap.Total, Failed: snap.Failed, LateRecords: snap.Late}
	if !snap.Last.IsZero() {
		st.LastMessageTime = snap.Last.Format(time.RFC3339Nano)
	}
	return st
}

// start registers the processing log and replays the command log,
// restarting the queries it holds.
func (e *Engine) start(ctx context.Context, cfg Config) error {
	e.meta = catalog.NewMetastore()
	e.functions = functions.NewRegistry(functions.WithClock(e.clock.Now))
	e.manual = cfg.Manual
	if cfg.DataDir != "" && cfg.Log == nil {
		e.stateDir = filepath.Join(cfg.DataDir, "state")
	}
	e.ctx, e.stop = context.WithCancel(context.Background())
	e.proclog = exec.NewProcessingLog(e.log, e.clock, func(msg string, args ...any) { e.logger.Warn(msg, args...) })
	if err := e.log.CreateTopic(ctx, exec.ProcessingLogTopic, log.TopicConfig{Partitions: 1}); err != nil && !errors.Is(err, log.ErrTopicExists) {
		return fmt.Errorf("engine: cannot create the processing log: %w", err)
	}
	els, err := parser.ParseTableElements(exec.ProcessingLogColumns)
	if err != nil {
		return fmt.Errorf("engine: processing log schema: %w", err)
	}
	var cols []types.Column
	for _, el := range els {
		c, err := e.column(catalog.Stream, el)
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	e.meta.PutSource(&catalog.Source{Name: "KSQL_PROCESSING_LOG", Kind: catalog.Stream, Topic: exec.ProcessingLogTopic,
		Schema: types.MustSchema(cols...), Key: catalog.FormatInfo{Name: "NONE"}, Value: catalog.FormatInfo{Name: "JSON"},
		IsSource: true, Partitions: 1, Statement: "CREATE SOURCE STREAM KSQL_PROCESSING_LOG (" + exec.ProcessingLogColumns + ") WITH (KAFKA_TOPIC='" + exec.ProcessingLogTopic + "', VALUE_FORMAT='JSON');"})

	e.mu.Lock()
	defer e.mu.Unlock()
	return e.commands.Replay(ctx, func(c catalog.Command) error {
		stmt, err := parser.ParseStatement(strings.TrimSuffix(strings.TrimSpace(c.Statement), ";"))
		if err != nil {
			e.logger.Error("command log: cannot parse a statement; skipped", "seq", c.Seq, "error", err)
			return nil
		}
		sess := &Session{Properties: c.Properties, Variables: map[string]string{}}
		if sess.Properties == nil {
			sess.Properties = map[string]string{}
		}
		e.replaySeq = c.Seq
		if _, err := e.execute(ctx, sess, c.Statement, stmt, true); err != nil {
			// A statement that no longer applies (its source was dropped
			// by hand, say) must not keep the server from starting.
			e.logger.Error("command log: statement failed on replay; skipped", "seq", c.Seq, "statement", c.Statement, "error", err)
		}
		return nil
	})
}
