package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

// transientQuery is a running push query or PRINT: one goroutine per
// partition of its source, feeding a channel that Stream.Next reads.
type transientQuery struct {
	id     string
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	failed chan error // the first task failure
}

func (t *transientQuery) stop() {
	t.once.Do(func() {
		t.cancel()
		t.wg.Wait()
	})
}

// Query starts a transient query: SELECT ... EMIT CHANGES, or PRINT.
func (e *Engine) Query(ctx context.Context, sess *Session, sql string) (*Stream, error) {
	if sess == nil {
		sess = NewSession()
	}
	stmts, err := parseScript(sql)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, &StatementError{Code: CodeBadRequest, Kind: "statement", Statement: sql, Message: "Expected exactly one statement, got " + itoa(int64(len(stmts)))}
	}
	text, stmt := stmts[0].Text, stmts[0].Stmt
	if sub, err := substitute(text, sess.Variables); err != nil {
		return nil, err
	} else if sub != text {
		if stmt, err = parser.ParseStatement(sub); err != nil {
			return nil, parseError(err, sub)
		}
		text = sub
	}
	var st *Stream
	switch s := stmt.(type) {
	case *ast.Query:
		st, err = e.push(sess, text, s)
	case *ast.Print:
		st, err = e.print(ctx, s)
	default:
		return nil, &StatementError{Code: CodeBadStatement, Kind: "statement", Statement: text + ";",
			Message: "The statement is not a query: send it to /ksql"}
	}
	if err != nil {
		se := AsStatementError(asStmtError(err))
		se.Statement = text + ";"
		return nil, se
	}
	return st, nil
}

func (e *Engine) push(sess *Session, text string, s *ast.Query) (*Stream, error) {
	if s.Emit != ast.EmitChanges {
		return e.pull(sess, text, s)
	}
	// Binding reads the metastore, which guards itself: transient queries
	// do not wait for statements.
	p, err := e.binder().Bind(s, plan.Options{})
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("transient_%s_%d", strings.ToUpper(p.Source.Name), e.nextPush.Add(1))
	if p.Join != nil && p.Aggregate != nil {
		return nil, stmtErrorf(s.Pos, "Push queries aggregating a join are not supported yet: create a table of the aggregation with CREATE TABLE ... AS SELECT, then query it.")
	}
	if p.Join != nil {
		return e.pushJoin(sess, id, p)
	}
	pl, err := exec.NewPipeline(id, p, e.functions, e.proclog, exec.NewStats(e.clock))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(e.ctx)
	offsets, err := e.startOffsets(ctx, id, p.Source.Topic, e.offsetReset(sess))
	if err != nil {
		cancel()
		return nil, err
	}
	rows := make(chan exec.Result, 256)
	tq := &transientQuery{id: id, cancel: cancel, failed: make(chan error, 1)}
	var first *exec.Task
	table := p.Source.Kind == catalog.Table || p.Aggregate != nil
	for part, off := range offsets {
		r, err := e.log.OpenReader(ctx, p.Source.Topic, int32(part), off)
		if err != nil {
			tq.stop()
			return nil, err
		}
		t := exec.NewTask(pl, r, exec.NewChanSink(ctx, rows, table), nil)
		if first == nil {
			first = t
		} else if p.Aggregate != nil {
			// One set of groups for all partitions.
			t.ShareGroups(first)
		}
		tq.run(ctx, t)
	}
	return e.startTransient(tq, p, rows), nil
}

// run steps the task until the query stops; its first failure ends the
// query's stream.
func (tq *transientQuery) run(ctx context.Context, t *exec.Task) {
	tq.wg.Add(1)
	go func() {
		defer tq.wg.Done()
		defer t.Close()
		for {
			if err := t.Step(ctx); err != nil {
				if ctx.Err() == nil {
					select {
					case tq.failed <- err:
					default:
					}
				}
				return
			}
		}
	}()
}

// startTransient registers a running transient query and returns its
// stream of rows.
func (e *Engine) startTransient(tq *transientQuery, p *plan.Query, rows <-chan exec.Result) *Stream {
	e.transient.Store(tq.id, tq)
	cols := make([]Column, p.Output.Len())
	for i, c := range p.Output.Columns() {
		cols[i] = Column{Name: c.Name, Type: c.Type, Key: isSourceKeyRef(p, i)}
	}
	return e.stream(tq.id, cols, false, p.Limit, rows, tq)
}

// pushJoin runs a transient join as a persistent one runs (see
// addJoinTasks), with its join topic in memory: nothing of it outlives
// the query.
func (e *Engine) pushJoin(sess *Session, id string, p *plan.Query) (*Stream, error) {
	ctx, cancel := context.WithCancel(e.ctx)
	joins := memlog.New()
	tq := &transientQuery{id: id, failed: make(chan error, 1)}
	tq.cancel = func() {
		cancel()
		go func() { tq.wg.Wait(); joins.Close() }()
	}
	stages := p.Join.Stages
	topic := func(k int) string { return fmt.Sprintf("join-%d", k) }
	for k := range stages {
		if err := joins.CreateTopic(ctx, topic(k), log.TopicConfig{Partitions: 1}); err != nil {
			cancel()
			return nil, err
		}
	}
	stats := exec.NewStats(e.clock)
	var tasks []*exec.Task
	fail := func(err error) (*Stream, error) {
		for _, t := range tasks {
			t.Close()
		}
		tq.stop()
		return nil, err
	}
	for i, side := range p.Join.Sides {
		pl, err := exec.NewJoinInput(id, p, i, e.functions, e.proclog, stats)
		if err != nil {
			return fail(err)
		}
		key, value, err := exec.JoinTopicFormats(p, i)
		if err != nil {
			return fail(err)
		}
		reset := e.offsetReset(sess)
		if side.Table() {
			reset = "earliest"
		}
		offsets, err := e.startOffsets(ctx, id, side.Source.Topic, reset)
		if err != nil {
			return fail(err)
		}
		for part, off := range offsets {
			r, err := e.log.OpenReader(ctx, side.Source.Topic, int32(part), off)
			if err != nil {
				return fail(err)
			}
			sink := exec.NewTopicSink(joins, topic(p.Join.StageOf(i)), 1, exec.JoinTopicSchema(p, i), key, value, nil, pl)
			tasks = append(tasks, exec.NewTask(pl, r, sink, nil))
		}
	}
	rows := make(chan exec.Result, 256)
	for k := range stages {
		pl, err := exec.NewPipeline(id, p, e.functions, e.proclog, stats)
		if err != nil {
			return fail(err)
		}
		pl.SetJoinStage(k)
		var sink exec.Sink = exec.NewChanSink(ctx, rows, p.Source.Kind == catalog.Table)
		if k < len(stages)-1 {
			key, value, err := exec.IntermediateFormats(p, k+1)
			if err != nil {
				return fail(err)
			}
			sink = exec.NewTopicSink(joins, topic(k+1), 1, exec.IntermediateSchema(p, k+1), key, value, nil, pl)
		}
		r, err := joins.OpenReader(ctx, topic(k), 0, 0)
		if err != nil {
			return fail(err)
		}
		tasks = append(tasks, exec.NewTask(pl, r, sink, nil))
	}
	for _, t := range tasks {
		tq.run(ctx, t)
	}
	return e.startTransient(tq, p, rows), nil
}

// isSourceKeyRef tells whether output column i is a source key column
// selected as it is (or an aggregation's group column), which the REST
// header marks as KEY.
func isSourceKeyRef(p *plan.Query, i int) bool {
	if i < len(p.Key) {
		return true
	}
	return p.Value[i-len(p.Key)].KeyColumn >= 0
}

// stream wraps a transient query's channel as a Stream, counting rows
// against the LIMIT (limit < 0: none).
func (e *Engine) stream(id string, cols []Column, print bool, limit int, rows <-chan exec.Result, tq *transientQuery) *Stream {
	n := 0
	closeQuery := func() {
		tq.stop()
		e.transient.Delete(id)
	}
	return &Stream{QueryID: id, Columns: cols, Print: print, close: closeQuery,
		next: func(ctx context.Context) (Row, error) {
			if limit >= 0 && n >= limit {
				closeQuery()
				return Row{}, ErrLimitReached
			}
			select {
			case r := <-rows:
				n++
				return Row{Values: r.Row, Tombstone: r.Tombstone}, nil
			case err := <-tq.failed:
				return Row{}, err
			case <-ctx.Done():
				return Row{}, ctx.Err()
			}
		}}
}

// CloseQuery stops the transient query with the given ID.
func (e *Engine) CloseQuery(id string) error {
	v, ok := e.transient.LoadAndDelete(id)
	if !ok {
		return &StatementError{Code: CodeBadRequest, Kind: "statement", Message: "No query with id " + id}
	}
	v.(*transientQuery).stop()
	return nil
}

// print runs PRINT: the records of a topic, formatted one per line as
// ksqlDB prints them.
func (e *Engine) print(ctx context.Context, s *ast.Print) (*Stream, error) {
	topic := s.Topic.Name
	info, err := e.log.DescribeTopic(ctx, topic)
	if err != nil {
		if _, ok := e.meta.Source(topic); ok {
			src, _ := e.meta.Source(topic)
			topic = src.Topic
			info, err = e.log.DescribeTopic(ctx, topic)
		}
		if err != nil {
			return nil, stmtErrorf(s.Topic.Pos, "Could not find topic '%s', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.", s.Topic.Name)
		}
	}
	interval, limit := int64(1), -1
	if s.Interval != nil && s.Interval.Value > 0 {
		interval = s.Interval.Value
	}
	if s.Limit != nil {
		limit = int(s.Limit.Value)
	}
	id := fmt.Sprintf("print_%s_%d", topic, e.nextPush.Add(1))
	qctx, cancel := context.WithCancel(e.ctx)
	tq := &transientQuery{id: id, cancel: cancel, failed: make(chan error, 1)}
	rows := make(chan exec.Result, 256)
	for _, p := range info.Partitions {
		off := p.EndOffset
		if s.FromBeginning {
			off = p.StartOffset
		}
		r, err := e.log.OpenReader(qctx, topic, p.Partition, off)
		if err != nil {
			tq.stop()
			return nil, err
		}
		tq.wg.Add(1)
		go func() {
			defer tq.wg.Done()
			defer r.Close()
			var seen int64
			for {
				recs, err := r.Next(qctx)
				if err != nil {
					return
				}
				for i := range recs {
					seen++
					if (seen-1)%interval != 0 {
						continue
					}
					select {
					case rows <- exec.Result{Row: types.Row{types.Str(printLine(&recs[i]))}}:
					case <-qctx.Done():
						return
					}
				}
			}
		}()
	}
	e.transient.Store(id, tq)
	return e.stream(id, []Column{{Name: "RECORD", Type: types.StringType}}, true, limit, rows, tq), nil
}

func printLine(r *log.Record) string {
	ts := time.UnixMilli(r.Timestamp).UTC().Format("2006/01/02 15:04:05.000 Z")
	key, value := "<null>", "<null>"
	if r.Key != nil {
		key = string(r.Key)
	}
	if r.Value != nil {
		value = string(r.Value)
	}
	line := fmt.Sprintf("rowtime: %s, key: %s, value: %s, partition: %d", ts, key, value, r.Partition)
	if len(r.Headers) > 0 {
		hs := make([]string, len(r.Headers))
		for i, h := range r.Headers {
			hs[i] = fmt.Sprintf("%s=%s", h.Key, h.Value)
		}
		line += ", headers: [" + strings.Join(hs, ", ") + "]"
	}
	return line
}
