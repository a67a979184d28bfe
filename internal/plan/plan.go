// Package plan binds a parsed query to the catalog, resolving every name
// and type, and holds the result as a logical plan: pure data that the
// executor runs and EXPLAIN prints. It applies ksqlDB's rules for what a
// query may select and how its result is keyed, with ksqlDB's messages.
//
//	b := plan.Binder{Meta: meta, Functions: functions.NewRegistry()}
//	q, err := b.Bind(stmt.Query, plan.Options{Sink: "OUT", Persistent: true})
//	fmt.Print(q.Explain())
package plan

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Pseudo-columns every source row carries after its own columns.
const (
	RowTime      = "ROWTIME"
	RowPartition = "ROWPARTITION"
	RowOffset    = "ROWOFFSET"
	WindowStart  = "WINDOWSTART"
	WindowEnd    = "WINDOWEND"
)

// Query is the logical plan of a stateless query over one source:
//
//	source -> filter -> table functions -> project (key, value) -> sink
//
// Rows flow through it as types.Row laid out by the schemas below.
type Query struct {
	Source *catalog.Source
	// Input is the source row: the source's columns (key, headers, value)
	// followed by ROWTIME, ROWPARTITION and ROWOFFSET.
	Input *types.Schema
	// Where filters input rows; nil keeps all.
	Where    *expr.Compiled
	WhereSQL string
	// TableFunctions, when present, turn each input row into as many rows
	// as the longest of their results; their values are appended to the
	// input row as columns of Expanded.
	TableFunctions []TableFunction
	Expanded       *types.Schema
	// Key computes the output key columns from the (expanded) row; Value
	// the value columns. Output lays them out: key columns, then values.
	Key    []Output
	Value  []Output
	Output *types.Schema
	// Rekeyed is set when the output key differs from the source's key
	// (PARTITION BY an expression other than the key), so that records
	// must be redistributed over the sink's partitions by their new key.
	Rekeyed bool
	// Limit is the LIMIT of a transient query; -1 for none.
	Limit int
	// Persistent queries write to Sink.
	Persistent bool
	Emit       ast.Emit
	// Headers is set when the query reads header columns.
	Headers bool
	// Aggregate, when set, groups the filtered rows; Key and Value are
	// then computed from a group's result row (Aggregate.Schema).
	Aggregate *Aggregation
	// Join, when set, makes Source the result of joining several sources
	// (see Join); Input is then that result's row.
	Join *Join
}

// TableFunction is one call of EXPLODE or CUBE_EXPLODE in the select list.
type TableFunction struct {
	SQL  string
	Args []*expr.Compiled
	Fn   functions.ResolvedTable
}

// Output is one computed output column.
type Output struct {
	Name string
	SQL  string
	Expr *expr.Compiled
	// KeyColumn is the source key column the output copies as it is, or
	// -1: a deleted table row still carries its key.
	KeyColumn int
}

// Explain prints the plan as an indented tree, sink first, as ksqlDB's
// EXPLAIN lists a query's steps.
func (q *Query) Explain() string {
	var b strings.Builder
	depth := 0
	line := func(format string, args ...any) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(" > [ ")
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\n")
		depth++
	}
	if q.Persistent {
		line("SINK ] | Schema: %s", q.Output)
	} else {
		line("OUTPUT ] | Schema: %s%s", q.Output, limitText(q.Limit))
	}
	keys := make([]string, len(q.Key))
	for i, k := range q.Key {
		keys[i] = k.SQL + " AS " + types.QuoteIdentifier(k.Name)
	}
	vals := make([]string, len(q.Value))
	for i, v := range q.Value {
		vals[i] = v.SQL + " AS " + types.QuoteIdentifier(v.Name)
	}
	if q.Rekeyed {
		line("PARTITION BY ] | Key: %s", strings.Join(keys, ", "))
	}
	line("PROJECT ] | Key: %s | Value: %s", strings.Join(keys, ", "), strings.Join(vals, ", "))
	if a := q.Aggregate; a != nil {
		if a.Having != nil {
			line("HAVING ]")
		}
		calls := make([]string, len(a.Calls))
		for i, c := range a.Calls {
			calls[i] = c.SQL
		}
		groups := make([]string, len(a.GroupBy))
		for i, g := range a.GroupBy {
			groups[i] = g.SQL
		}
		win := ""
		if a.Window != nil {
			win = fmt.Sprintf(" | Window: %s SIZE %d ms ADVANCE %d ms GRACE %d ms", a.Window.Kind, a.Window.Size, a.Window.Advance, a.Window.Grace)
		}
		line("AGGREGATE ] | Group by: %s | Aggregates: %s%s", strings.Join(groups, ", "), strings.Join(calls, ", "), win)
		if a.Rekeyed {
			line("REPARTITION ] | Key: %s", strings.Join(groups, ", "))
		}
	}
	if len(q.TableFunctions) > 0 {
		fns := make([]string, len(q.TableFunctions))
		for i, f := range q.TableFunctions {
			fns[i] = f.SQL
		}
		line("FLAT MAP ] | Functions: %s", strings.Join(fns, ", "))
	}
	if q.Where != nil {
		line("FILTER ] | Where: %s", q.WhereSQL)
	}
	if j := q.Join; j != nil {
		explainJoin(&b, depth, j)
		return b.String()
	}
	line("SOURCE ] | %s: %s | Topic: %s | Key format: %s | Value format: %s",
		q.Source.Kind, q.Source.Name, q.Source.Topic, q.Source.Key.Name, q.Source.Value.Name)
	return b.String()
}

// explainJoin prints a join's steps, the last first, each with the side
// it joins and, where an input is repartitioned by its join key, where.
func explainJoin(b *strings.Builder, depth int, j *Join) {
	line := func(depth int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(" > [ ")
		fmt.Fprintf(b, format, args...)
		b.WriteString("\n")
	}
	side := func(depth int, i int) {
		s, st := &j.Sides[i], j.Stages[j.StageOf(i)]
		if s.Rekeyed {
			line(depth, "REPARTITION ] | Key: %s | Key format: %s | Partitions: %d", s.KeySQL, st.KeyFormat.Name, st.Partitions)
			depth++
		}
		line(depth, "SOURCE ] | %s: %s AS %s | Topic: %s | Key format: %s | Value format: %s",
			s.Source.Kind, s.Source.Name, s.Alias, s.Source.Topic, s.Source.Key.Name, s.Source.Value.Name)
	}
	for i := len(j.Steps) - 1; i >= 0; i-- {
		step := j.Steps[i]
		win := ""
		if w := step.Within; w != nil {
			win = fmt.Sprintf(" | Within: %d ms before, %d ms after, grace %d ms", w.Before, w.After, w.Grace)
		}
		k := j.StageOf(i + 1)
		fk := ""
		if step.ForeignKey {
			fk = " ON FOREIGN KEY " + j.Stages[k].KeySQL
		}
		line(depth, "JOIN ] | %s%s%s | Key: %s", step.Type, fk, win, j.Sides[i+1].KeySQL)
		depth++
		side(depth, i+1)
		if st := j.Stages[k]; k > 0 && i == st.First {
			line(depth, "REPARTITION ] | Key: %s | Key format: %s | Partitions: %d", st.KeySQL, st.KeyFormat.Name, st.Partitions)
			depth++
		}
	}
	side(depth, 0)
}

func limitText(n int) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprintf(" | Limit: %d", n)
}

// Error is a query that cannot be bound, with ksqlDB's wording.
type Error struct {
	Pos ast.Pos
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errorf(pos ast.Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
