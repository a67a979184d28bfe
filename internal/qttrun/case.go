package qttrun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/qtt"
)

// RunCase runs one case in an engine of its own and reports the outcome.
// A case that runs longer than timeout (0: no limit) fails; a panic in the
// engine fails the case and not the run.
func RunCase(ctx context.Context, c qtt.Case, timeout time.Duration) CaseResult {
	res := CaseResult{Name: c.Name, Stateless: isStateless(c)}
	if r := skipReason(c); r != "" {
		res.Status, res.Reason = Skipped, r
		return res
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("panic: %v", p)
			}
		}()
		done <- runCase(ctx, c)
	}()
	select {
	case reason := <-done:
		if reason != "" {
			res.Status, res.Reason = Failed, reason
		}
	case <-ctx.Done():
		// An engine that ignores its context is left behind: the run goes
		// on with the next case.
		res.Status, res.Reason = Failed, fmt.Sprintf("did not finish: %v", ctx.Err())
	}
	return res
}

// runCase executes a case (FORMAT.md 2.6) and returns its first failure,
// or "" when it passes.
func runCase(ctx context.Context, c qtt.Case) string {
	raw := memlog.New()
	for _, t := range caseTopics(c) {
		if err := raw.CreateTopic(ctx, t.name, log.TopicConfig{Partitions: t.partitions}); err != nil {
			raw.Close()
			return fmt.Sprintf("creating topic %s: %v", t.name, err)
		}
	}
	rec := newRecordingLog(raw)
	// The wall clock is real, as in ksqlDB's runner: it stamps INSERT
	// VALUES records and answers UNIX_TIMESTAMP(); stream time comes
	// from the records.
	e, err := engine.Open(ctx, engine.Config{Log: rec, Manual: true, Clock: clock.Real{}})
	if err != nil {
		raw.Close()
		return fmt.Sprintf("opening the engine: %v", err)
	}
	defer e.Close()

	exp := c.Test.ExpectedException
	err = execute(ctx, e, c)
	if err == nil && exp == nil && len(e.Queries()) == 0 {
		return "no persistent query was created: a test without an expected exception needs one"
	}
	if err == nil {
		if err = appendInputs(ctx, e, rec, c.Test); err == nil {
			err = drain(ctx, e)
		}
	}
	if err != nil {
		if exp == nil {
			return "unexpected error: " + oneLine(err.Error())
		}
		var late *lateStatementError
		if errors.As(err, &late) {
			return late.Error()
		}
		if d := matchException(exp, err); d != "" {
			return d
		}
		return ""
	}
	if exp != nil {
		return "expected an exception (" + describeExpected(exp) + "), but none was raised"
	}
	exact := exactComparison(c.Properties)
	if d := compareOutputs(c.Test, e.Metastore(), rec.Appended, exact); d != "" {
		return d
	}
	if c.Test.Post != nil {
		st, err := postStateOf(ctx, e, rec)
		if err != nil {
			return "post: " + err.Error()
		}
		if d := checkPost(c.Test.Post, st); d != "" {
			return d
		}
	}
	return ""
}

// lateStatementError is a statement other than the last one failing in a
// negative test, which ksqlDB's runner rejects: the expected exception
// must come from the last statement.
type lateStatementError struct {
	index int
	err   error
}

func (e *lateStatementError) Error() string {
	return fmt.Sprintf("only the last statement in a negative test should fail; statement %d failed: %s", e.index+1, oneLine(e.err.Error()))
}

func (e *lateStatementError) Unwrap() error { return e.err }

// execute runs the case's statements as one script, joined by newlines as
// ksqlDB's runner joins them (so that error positions count lines across
// the script), with the test's properties in the session.
func execute(ctx context.Context, e *engine.Engine, c qtt.Case) error {
	sess := sessionFor(c.Properties)
	stmts := make([]string, len(c.Statements))
	for i, s := range c.Statements {
		s = strings.TrimSpace(s)
		if !strings.HasSuffix(s, ";") {
			s += ";"
		}
		stmts[i] = s
	}
	ents, err := e.Execute(ctx, sess, strings.Join(stmts, "\n"))
	if err != nil {
		var se *engine.StatementError
		if c.Test.ExpectedException != nil && len(ents) < len(stmts)-1 &&
			errors.As(err, &se) && se.Kind == kindStatement {
			return &lateStatementError{index: len(ents), err: err}
		}
		return err
	}
	return nil
}

// postStateOf gathers the topics for the post-conditions: the log's, and
// the internal topics of the queries. A query that repartitioned without
// naming its internal topic gets one named as ksqlDB names them, so that
// the suite's ".*-repartition" blacklist sees it.
func postStateOf(ctx context.Context, e *engine.Engine, l log.Log) (postState, error) {
	infos, err := l.ListTopics(ctx)
	if err != nil {
		return postState{}, err
	}
	st := postState{ms: e.Metastore(), partitions: map[string]int{}}
	for _, ti := range infos {
		st.topics = append(st.topics, ti.Name)
		st.partitions[ti.Name] = len(ti.Partitions)
	}
	for _, q := range e.Queries() {
		named := false
		for _, t := range q.InternalTopics {
			st.topics = append(st.topics, t)
			named = named || strings.HasSuffix(t, "-repartition")
		}
		if q.Repartitioned && !named {
			st.topics = append(st.topics, "_confluent-ksql-some.ksql.service.idquery_"+q.ID+"-repartition")
		}
	}
	return st, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// drain runs the queries until they have read all their input.
func drain(ctx context.Context, e *engine.Engine) error {
	err := e.Drain(ctx)
	var se *engine.StatementError
	if err != nil && !errors.As(err, &se) {
		err = &runtimeError{err}
	}
	return err
}
