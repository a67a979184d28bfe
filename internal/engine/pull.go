package engine

import (
	"context"
	"io"
	"sort"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// pull runs a pull query: the current rows of a table (each key's latest
// row, deletions applied) or the records of a stream, filtered,
// projected and limited, read from the source's topic up to its present
// end. The result ends with io.EOF. text is the statement as written,
// which names the plan of a key lookup in the engine's cache.
func (e *Engine) pull(sess *Session, text string, s *ast.Query) (*Stream, error) {
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
	if st, ok, err := e.pullCached(text, s); ok || err != nil {
		return st, err
	}
	// Binding reads the metastore, which guards itself: transient queries
	// do not wait for statements.
	src, _ := e.meta.Source(s.From.Name.Name)
	p, err := e.binder().Bind(s, plan.Options{})
	if err != nil {
		return nil, err
	}
	if p.Aggregate != nil {
		return nil, stmtErrorf(s.Pos, "Pull queries don't support aggregate functions.")
	}
	if p.Join != nil {
		return nil, stmtErrorf(s.Pos, "Pull queries don't support JOIN clauses.")
	}
	cols := pullColumns(p)
	var rows []types.Row
	if q := e.aggregationWriting(p.Source); q != nil {
		keys := lookupKey(s.Where, p.Source)
		rows, err = e.pullFromState(p, q, keys, true)
		if err == nil && src != nil {
			// A key lookup keeps its plan, when it was bound against the
			// source the metastore still holds.
			keyCols := src.KeyColumns()
			if shape, _, ok := keyLookupShape(text, s, keyCols); ok {
				if now, _ := e.meta.Source(s.From.Name.Name); now == src && p.Source == src {
					e.pullPlans.put(shape, &pullPlan{src: src, p: p, cols: cols, keyCols: keyCols})
				}
			}
		}
	} else {
		rows, err = e.pullRows(context.Background(), p)
	}
	if err != nil {
		return nil, err
	}
	return pullStream(p, cols, rows), nil
}

// pullCached answers a key lookup with the plan its shape was bound to
// before; ok is false when there is none, or it is out of date.
func (e *Engine) pullCached(text string, s *ast.Query) (*Stream, bool, error) {
	c := &e.pullPlans
	if c.len() == 0 {
		return nil, false, nil
	}
	src, found := e.meta.Source(s.From.Name.Name)
	if !found {
		return nil, false, nil
	}
	shape, lits, ok := keyLookupShape(text, s, c.keyColumns(src))
	if !ok {
		return nil, false, nil
	}
	pp := c.get(shape)
	if pp == nil || pp.src != src {
		return nil, false, nil
	}
	q := e.aggregationWriting(src)
	if q == nil {
		return nil, false, nil
	}
	keys := make(types.Row, len(lits))
	for i, l := range lits {
		keys[i] = literalValue(l, pp.keyCols[i].Type)
	}
	// The groups Groups returns have exactly these keys, which is all
	// the WHERE clause asks.
	rows, err := e.pullFromState(pp.p, q, keys, false)
	if err != nil {
		return nil, true, err
	}
	return pullStream(pp.p, pp.cols, rows), true, nil
}

func pullColumns(p *plan.Query) []Column {
	cols := make([]Column, p.Output.Len())
	for i, c := range p.Output.Columns() {
		cols[i] = Column{Name: c.Name, Type: c.Type, Key: isSourceKeyRef(p, i)}
	}
	return cols
}

// pullStream streams a pull query's rows, limited.
func pullStream(p *plan.Query, cols []Column, rows []types.Row) *Stream {
	if p.Limit >= 0 && len(rows) > p.Limit {
		rows = rows[:p.Limit]
	}
	i := 0
	return &Stream{Columns: cols, next: func(ctx context.Context) (Row, error) {
		if i >= len(rows) {
			return Row{}, io.EOF
		}
		i++
		return Row{Values: rows[i-1]}, nil
	}}
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

// aggregationWriting returns the running aggregation whose groups are
// table src's rows, when there is one to read them from: with EMIT FINAL
// the table holds only closed windows, which its topic has.
func (e *Engine) aggregationWriting(src *catalog.Source) *persistentQuery {
	if src.Kind != catalog.Table {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, q := range e.queries {
		if q.sink.Name == src.Name && q.plan.Aggregate != nil && q.plan.Emit != ast.EmitFinal && !strings.HasPrefix(q.id, "INSERTQUERY_") {
			return q
		}
	}
	return nil
}

// pullFromState answers a pull query from the groups an aggregation
// holds: a lookup of one group when keys fixes every key column, a scan
// otherwise. filter false skips the WHERE clause, when it asks only for
// the keys.
func (e *Engine) pullFromState(p *plan.Query, q *persistentQuery, keys types.Row, filter bool) ([]types.Row, error) {
	type keyed struct {
		g   exec.Group
		row types.Row
	}
	var out []keyed
	var in types.Row
	for _, t := range q.tasks {
		groups, err := t.Groups(keys)
		if err != nil {
			return nil, asStmtError(err)
		}
		for _, g := range groups {
			// The pull query's input row: the table's row, then its
			// pseudo-columns (unknown here) and window bounds.
			in = append(append(in[:0], g.Row...), types.Null(), types.Null(), types.Null())
			in = append(in, g.Window...)
			if filter && p.Where != nil {
				v, err := p.Where.Eval(in)
				if err != nil || v.IsNull() || !v.Bool() {
					continue
				}
			}
			row := make(types.Row, len(p.Value))
			for i, o := range p.Value {
				v, err := o.Expr.Eval(in)
				if err != nil {
					v = types.Null()
				}
				row[i] = v
			}
			out = append(out, keyed{g: g, row: row})
		}
	}
	if len(out) > 1 {
		nk := p.Source.Schema.KeyLen()
		sortKey := func(g exec.Group) string {
			return types.Row(append(g.Row[:nk:nk], g.Window...)).String()
		}
		sorts := make([]string, len(out))
		for i := range out {
			sorts[i] = sortKey(out[i].g)
		}
		idx := make([]int, len(out))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return sorts[idx[a]] < sorts[idx[b]] })
		rows := make([]types.Row, len(out))
		for i, j := range idx {
			rows[i] = out[j].row
		}
		return rows, nil
	}
	rows := make([]types.Row, len(out))
	for i, k := range out {
		rows[i] = k.row
	}
	return rows, nil
}

// lookupKey returns the key a WHERE clause fixes, when it is a
// conjunction holding KEYCOL = literal for each key column of src; nil
// otherwise.
func lookupKey(where ast.Expr, src *catalog.Source) types.Row {
	if where == nil {
		return nil
	}
	keyCols := src.KeyColumns()
	found := make(types.Row, len(keyCols))
	set := make([]bool, len(keyCols))
	var visit func(e ast.Expr)
	visit = func(e ast.Expr) {
		b, ok := e.(*ast.Binary)
		if !ok {
			return
		}
		if b.Op == ast.And {
			visit(b.L)
			visit(b.R)
			return
		}
		if b.Op != ast.Eq {
			return
		}
		ref, lit := b.L, b.R
		if _, isRef := ref.(*ast.ColumnRef); !isRef {
			ref, lit = b.R, b.L
		}
		r, ok := ref.(*ast.ColumnRef)
		if !ok {
			return
		}
		for i, c := range keyCols {
			if c.Name != r.Name.Name {
				continue
			}
			ce, err := expr.Compile(&ast.Cast{X: lit, Type: &ast.NamedType{Name: ast.Ident{Name: c.Type.String()}}}, expr.Env{Schema: emptySchema})
			if err != nil || !isConstant(lit) {
				return
			}
			v, err := ce.Eval(nil)
			if err != nil || v.IsNull() {
				return
			}
			found[i], set[i] = v, true
		}
	}
	visit(where)
	for _, ok := range set {
		if !ok {
			return nil
		}
	}
	return found
}

func isConstant(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.StringLit, *ast.IntegerLit, *ast.DecimalLit, *ast.DoubleLit, *ast.BoolLit:
		return true
	case *ast.Unary:
		return isConstant(x.X)
	}
	return false
}
