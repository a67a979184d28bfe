package engine

import (
	"context"
	"io"
	"sort"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// pull runs a pull query: the current rows of a table (each key's latest
// row, deletions applied) or the records of a stream, filtered,
// projected and limited, read from the source's topic up to its present
// end. The result ends with io.EOF.
func (e *Engine) pull(sess *Session, s *ast.Query) (*Stream, error) {
	switch {
	case len(s.Joins) > 0:
		return nil, stmtErrorf(s.Pos, "Pull queries don't support JOIN clauses.")
	case s.GroupBy != nil:
		return nil, stmtErrorf(s.Pos, "Pull queries don't support GROUP BY clauses.")
	case s.Window != nil:
		return nil, stmtErrorf(s.Pos, "Pull queries don't support WINDOW clauses.")
	case s.PartitionBy != nil:
		return nil, stmtErrorf(s.Pos, "Pull queries don't support PARTITION BY clauses.")
	case s.Emit == ast.EmitFinal:
		return nil, stmtErrorf(s.Pos, "Pull queries don't support EMIT FINAL: use EMIT CHANGES for a push query")
	}
	e.mu.Lock()
	p, err := e.binder().Bind(s, plan.Options{})
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p.Aggregate != nil {
		return nil, stmtErrorf(s.Pos, "Pull queries don't support aggregate functions.")
	}
	rows, err := e.pullRows(context.Background(), p)
	if err != nil {
		return nil, err
	}
	if p.Limit >= 0 && len(rows) > p.Limit {
		rows = rows[:p.Limit]
	}
	cols := make([]Column, p.Output.Len())
	for i, c := range p.Output.Columns() {
		cols[i] = Column{Name: c.Name, Type: c.Type, Key: isSourceKeyRef(p, i)}
	}
	i := 0
	return &Stream{Columns: cols, next: func(ctx context.Context) (Row, error) {
		if i >= len(rows) {
			return Row{}, io.EOF
		}
		i++
		return Row{Values: rows[i-1]}, nil
	}}, nil
}

// pullRows reads the source's topic to its present end through the
// query's pipeline. A table keeps each key's last row (a deletion or a
// row the filter rejects removes it), in key order; a stream keeps every
// row, in partition and offset order.
func (e *Engine) pullRows(ctx context.Context, p *plan.Query) ([]types.Row, error) {
	pl, err := exec.NewPipeline("pull", p, e.functions, nil, exec.NewStats(e.clock))
	if err != nil {
		return nil, asStmtError(err)
	}
	info, err := e.log.DescribeTopic(ctx, p.Source.Topic)
	if err != nil {
		return nil, AsStatementError(err)
	}
	sink := &pullSink{table: p.Source.Kind == catalog.Table, latest: map[string]types.Row{}}
	for _, part := range info.Partitions {
		if part.EndOffset <= part.StartOffset {
			continue
		}
		r, err := e.log.OpenReader(ctx, p.Source.Topic, part.Partition, part.StartOffset)
		if err != nil {
			return nil, AsStatementError(err)
		}
		t := exec.NewTask(pl, r, sink, nil)
		for t.Position() < part.EndOffset {
			if err := t.Step(ctx); err != nil {
				t.Close()
				return nil, AsStatementError(err)
			}
		}
		t.Close()
	}
	if !sink.table {
		return sink.rows, nil
	}
	keys := make([]string, 0, len(sink.latest))
	for k := range sink.latest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Row, len(keys))
	for i, k := range keys {
		out[i] = sink.latest[k]
	}
	return out, nil
}

// pullSink collects a pull query's rows.
type pullSink struct {
	table  bool
	latest map[string]types.Row
	rows   []types.Row
}

func (s *pullSink) Write(o *exec.Out) error {
	if !s.table {
		if !o.NullValue {
			s.rows = append(s.rows, cloneRow(o.Row))
		}
		return nil
	}
	if o.NullValue {
		delete(s.latest, string(o.SourceKey))
		return nil
	}
	s.latest[string(o.SourceKey)] = cloneRow(o.Row)
	return nil
}

func (s *pullSink) Flush(context.Context) error { return nil }

func cloneRow(r types.Row) types.Row {
	out := make(types.Row, len(r))
	for i, v := range r {
		out[i] = exec.CloneValue(v)
	}
	return out
}
