package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Aggregation is the GROUP BY step of a plan: rows that pass the filter
// are grouped by GroupBy, each group (and window) folds its rows into the
// states of Calls, and every change of a group's result is emitted.
type Aggregation struct {
	// GroupBy computes the group key from an input row.
	GroupBy []Output
	// Rekeyed is set when the group key is not the source's key, so that
	// rows must be redistributed by it before they are aggregated.
	Rekeyed bool
	Calls   []AggCall
	Window  *Window
	// Schema is the row of a group's result: the group key columns, the
	// aggregate results, then WINDOWSTART and WINDOWEND when windowed.
	// The plan's Key, Value and Having are compiled against it.
	Schema *types.Schema
	Having *expr.Compiled
}

// AggCall is one aggregate call, e.g. SUM(X).
type AggCall struct {
	SQL  string
	Args []*expr.Compiled // over the input row
	Fn   functions.ResolvedAggregate
}

// Window is a WINDOW clause, in milliseconds.
type Window struct {
	Kind                   ast.WindowKind
	Size, Advance          int64
	Grace, Retention       int64
	GraceSet, RetentionSet bool
}

// DefaultGrace is the grace period of a window that sets none, as in
// ksqlDB: 24 hours.
const DefaultGrace = int64(24 * time.Hour / time.Millisecond)

// DefaultRetention is how long a window's state is kept when RETENTION is
// not given (at least its size plus the grace period): one day, as in
// ksqlDB's documentation.
const DefaultRetention = int64(24 * time.Hour / time.Millisecond)

func groupName(i int) string { return fmt.Sprintf("KSQL_GROUP_%d", i) }
func aggName(i int) string   { return fmt.Sprintf("KSQL_AGG_VARIABLE_%d", i) }

// needsAggregation tells whether a query groups: GROUP BY, or an
// aggregate call in its select list or HAVING.
func (b *Binder) needsAggregation(q *ast.Query) bool {
	if q.GroupBy != nil || q.Having != nil || q.Window != nil {
		return true
	}
	for _, si := range q.Select {
		if si.Expr != nil && b.containsAggregate(si.Expr) {
			return true
		}
	}
	return false
}

func (b *Binder) containsAggregate(e ast.Expr) bool {
	found := false
	ast.Walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.Call); ok && b.Functions.IsAggregate(c.Name.Name) {
			found = true
		}
		return !found
	})
	return found
}

// bindAggregate binds the GROUP BY part of q; p already holds the source,
// its input schema and the filter.
func (b *Binder) bindAggregate(p *Query, q *ast.Query, env expr.Env, opts Options, config map[string]string) error {
	if q.GroupBy == nil {
		// As ksqlDB: aggregates beside plain columns, then aggregates
		// alone, then a window over nothing to aggregate.
		var calls, plain []string
		for _, si := range q.Select {
			if si.Expr == nil {
				continue
			}
			column := false
			ast.Walk(si.Expr, func(x ast.Expr) bool {
				switch x := x.(type) {
				case *ast.Call:
					if b.Functions.IsAggregate(x.Name.Name) {
						s := x.String()
						if x.Star {
							s = x.Name.Name + "(ROWTIME)"
						}
						calls = append(calls, s)
						return false
					}
				case *ast.ColumnRef:
					column = true
				}
				return true
			})
			if column {
				plain = append(plain, si.Expr.String())
			}
		}
		switch {
		case len(calls) > 0 && len(plain) > 0:
			return errorf(q.Pos, "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the GROUP BY or remove them from the SELECT.", strings.Join(plain, ", "))
		case q.Window != nil && len(calls) == 0:
			return errorf(q.Window.Pos, "WINDOW clause requires a GROUP BY clause.")
		}
		return errorf(q.Pos, "CREATE TABLE AS SELECT statement does not support aggregate function %s without a GROUP BY clause.", quoteList(calls))
	}
	if p.Source.Value.Name == "KAFKA" {
		return errorf(q.From.Pos, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support GROUP BY.", p.Source.Name)
	}
	seen := map[string]bool{}
	for _, g := range q.GroupBy.Exprs {
		c := canonical(g)
		if seen[c] {
			return errorf(g.Position(), "Duplicate GROUP BY expression: %s", qualified(g, aliasOf(q, p.Source)))
		}
		seen[c] = true
	}
	if len(q.GroupBy.Exprs) == 0 {
		return errorf(q.GroupBy.Pos, "GROUP BY requires at least one expression")
	}
	if q.PartitionBy != nil {
		return errorf(q.PartitionBy.Pos, "PARTITION BY is not supported with GROUP BY: the result is keyed by the GROUP BY expressions")
	}
	if p.Source.Window.Type != "" {
		return errorf(q.From.Pos, "Aggregating a windowed source is not supported yet")
	}
	if q.Emit == ast.EmitFinal && q.Window == nil {
		return errorf(q.Pos, "EMIT FINAL is only supported for windowed aggregations.")
	}
	if err := checkWindowBounds(q, b); err != nil {
		return err
	}
	agg := &Aggregation{}
	p.Aggregate = agg
	if q.Window != nil {
		w, err := bindWindow(q.Window)
		if err != nil {
			return err
		}
		if q.Emit == ast.EmitFinal && !w.GraceSet {
			// A final result without a grace period is due at the
			// window's end, as ksqlDB emits it.
			w.Grace = 0
		}
		agg.Window = w
	}

	// The group key.
	var cols []types.Column
	for i, g := range q.GroupBy.Exprs {
		if b.containsAggregate(g) {
			name := ""
			ast.Walk(g, func(x ast.Expr) bool {
				if c, ok := x.(*ast.Call); ok && b.Functions.IsAggregate(c.Name.Name) && name == "" {
					name = c.Name.Name
				}
				return name == ""
			})
			return errorf(g.Position(), "GROUP BY does not support aggregate functions: %s is an aggregate function.", name)
		}
		c, err := expr.Compile(g, env)
		if err != nil {
			return prefixError("Error in GROUP BY expression: ", err)
		}
		if c.Type.IsZero() {
			return errorf(g.Position(), "GROUP BY NULL is not supported: group by an expression with a type")
		}
		agg.GroupBy = append(agg.GroupBy, Output{Name: groupName(i), SQL: g.String(), Expr: c, KeyColumn: -1})
		cols = append(cols, types.Column{Name: groupName(i), Type: c.Type})
	}
	agg.Rekeyed = !sameAsSourceKey(q.GroupBy.Exprs, p.Source)

	// The aggregate calls, from the select list and HAVING.
	calls := map[string]int{}
	var bindErr error
	collect := func(e ast.Expr) {
		ast.Walk(e, func(x ast.Expr) bool {
			c, ok := x.(*ast.Call)
			if !ok || !b.Functions.IsAggregate(c.Name.Name) || bindErr != nil {
				return bindErr == nil
			}
			for _, a := range c.Args {
				if b.containsAggregate(a) {
					bindErr = errorf(c.Pos, "Aggregate functions can not be nested: %s", unquoted(c))
					return false
				}
			}
			key := canonical(c)
			if _, seen := calls[key]; seen {
				return false
			}
			call, err := b.bindAggCall(c, env, config)
			if err != nil {
				bindErr = err
				return false
			}
			calls[key] = len(agg.Calls)
			agg.Calls = append(agg.Calls, call)
			cols = append(cols, types.Column{Name: aggName(len(agg.Calls) - 1), Type: call.Fn.Return})
			return false
		})
	}
	for _, si := range q.Select {
		if si.Expr != nil {
			collect(si.Expr)
		}
	}
	if q.Having != nil {
		collect(q.Having)
	}
	if bindErr != nil {
		return bindErr
	}
	if len(agg.Calls) == 0 {
		// An unknown function is reported before the missing aggregate.
		for _, si := range q.Select {
			if si.Expr != nil {
				if _, err := expr.CompileSelect(si.Expr, env); err != nil {
					var ee *expr.Error
					if errors.As(err, &ee) && ee.Code == expr.CodeFunction {
						return err
					}
				}
			}
		}
		return errorf(q.GroupBy.Pos, "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.")
	}
	if p.Source.Kind == catalog.Table {
		var cannot []string
		for _, c := range agg.Calls {
			if c.Fn.Undo == nil && !contains(cannot, c.Fn.Name) {
				cannot = append(cannot, c.Fn.Name)
			}
		}
		if len(cannot) > 0 {
			return errorf(q.Pos, "The aggregation functions %s cannot be applied to a table source, only to a stream source.", joinAnd(cannot))
		}
	}
	if agg.Window != nil {
		cols = append(cols, types.Column{Name: WindowStart, Type: types.BigIntType}, types.Column{Name: WindowEnd, Type: types.BigIntType})
	}
	schema, err := types.NewSchema(cols...)
	if err != nil {
		return err
	}
	agg.Schema = schema
	aggEnv := expr.Env{Schema: schema, Functions: b.Functions, CustomTypes: b.Meta.Type}

	// rewrite turns an expression over the input into one over the
	// group's result: aggregate calls and group expressions become
	// references to their columns.
	rewrite := func(e ast.Expr) ast.Expr {
		return ast.RewriteTopDown(ast.Clone(e), func(x ast.Expr) (ast.Expr, bool) {
			if c, ok := x.(*ast.Call); ok {
				if i, ok := calls[canonical(c)]; ok {
					return &ast.ColumnRef{Pos: c.Pos, Name: ast.Ident{Pos: c.Pos, Name: aggName(i)}}, true
				}
			}
			canon := canonical(x)
			for i, g := range q.GroupBy.Exprs {
				if canonical(g) == canon {
					return &ast.ColumnRef{Pos: x.Position(), Name: ast.Ident{Pos: x.Position(), Name: groupName(i)}}, true
				}
			}
			return x, false
		})
	}
	if q.Having != nil {
		h, err := expr.CompilePredicate(rewrite(q.Having), aggEnv)
		if err != nil {
			return nonAggregateError("HAVING", spellOut(err, agg), strings.ReplaceAll(unresolved(err), "`", ""))
		}
		agg.Having = h
	}

	// The select list: items equal to a group expression name the key.
	items, err := b.expandSelect(q, aliasOf(q, p.Source), env, nil)
	if err != nil {
		return err
	}
	gen := newNameGen(p.Input)
	var expanded []item
	for _, it := range items {
		if it.fromStar {
			expanded = append(expanded, starColumns(p.Source, p, nil, false, true)...)
			continue
		}
		expanded = append(expanded, it)
	}
	items = expanded
	for i := range items {
		items[i].fromStar = false
		if items[i].name == "" {
			items[i].name = derivedName(items[i].ast, gen)
		}
	}
	// Every select item must be grouped or aggregated: ksqlDB lists those
	// that are not before anything else.
	var bad []string
	compiled := make([]*expr.Compiled, len(items))
	for i, it := range items {
		c, err := expr.CompileSelect(rewrite(it.ast), aggEnv)
		if err != nil {
			var ee *expr.Error
			if errors.As(err, &ee) && ee.Code == expr.CodeUnknownColumn {
				bad = append(bad, unquoted(it.ast))
				continue
			}
			return selectError(err)
		}
		compiled[i] = c
	}
	if len(bad) > 0 {
		return errorf(q.Pos, "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the GROUP BY or remove them from the SELECT.", strings.Join(bad, ", "))
	}
	keyNames := make([]string, len(q.GroupBy.Exprs))
	consumed := make([]bool, len(items))
	var missing []ast.Expr
	for k, g := range q.GroupBy.Exprs {
		canon := canonical(g)
		for i, it := range items {
			if canonical(it.ast) != canon {
				continue
			}
			if keyNames[k] != "" {
				return errorf(it.pos, "The projection contains a key column more than once: %s and %s.", types.QuoteIdentifier(keyNames[k]), types.QuoteIdentifier(it.name))
			}
			keyNames[k], consumed[i] = it.name, true
		}
		if keyNames[k] == "" {
			if !opts.Persistent {
				keyNames[k] = keyColumnName(g, gen, true)
				continue
			}
			missing = append(missing, g)
		}
	}
	if len(missing) > 0 {
		names := make([]string, len(missing))
		for i, m := range missing {
			names[i] = m.String()
		}
		what := "grouping expression"
		if len(missing) > 1 {
			what += "s"
		}
		return errorf(missing[0].Position(), "The query used to build %s must include the %s %s in its projection (eg, SELECT %s...).",
			types.QuoteIdentifier(opts.Sink), what, joinAnd(names), strings.Join(names, ", "))
	}
	var out []types.Column
	for k := range q.GroupBy.Exprs {
		c, err := expr.Compile(&ast.ColumnRef{Name: ast.Ident{Name: groupName(k)}}, aggEnv)
		if err != nil {
			return err
		}
		if hasMap(c.Type) {
			return errorf(q.GroupBy.Exprs[k].Position(), "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
				types.QuoteIdentifier(keyNames[k]), c.Type)
		}
		p.Key = append(p.Key, Output{Name: keyNames[k], SQL: q.GroupBy.Exprs[k].String(), Expr: c, KeyColumn: -1})
		ns := types.NamespaceKey
		if !opts.Persistent {
			ns = types.NamespaceValue
		}
		out = append(out, types.Column{Name: keyNames[k], Type: c.Type, Namespace: ns})
	}
	for i, it := range items {
		if consumed[i] {
			continue
		}
		if ref, ok := it.ast.(*ast.ColumnRef); ok && (ref.Name.Name == WindowStart || ref.Name.Name == WindowEnd) && agg.Window == nil {
			return errorf(it.pos, "Window bounds column %s can only be used in the SELECT clause of windowed aggregations", ref.Name.Name)
		}
		c := compiled[i]
		for _, k := range keyNames {
			if k == it.name && opts.Persistent {
				return errorf(it.pos, "Duplicate value columns found in schema: %s %s", types.QuoteIdentifier(it.name), c.Type)
			}
		}
		p.Value = append(p.Value, Output{Name: it.name, SQL: it.ast.String(), Expr: c, KeyColumn: -1})
		out = append(out, types.Column{Name: it.name, Type: c.Type})
	}
	if opts.Persistent && len(p.Value) == 0 {
		return errorf(q.Pos, "The projection contains no value columns.")
	}
	if p.Output, err = types.NewSchema(out...); err != nil {
		return errorf(q.Pos, "%s", strings.TrimPrefix(err.Error(), "types: "))
	}
	return nil
}

// checkWindowBounds refuses WINDOWSTART and WINDOWEND anywhere but
// directly in the select list of a windowed aggregation.
func checkWindowBounds(q *ast.Query, b *Binder) error {
	var err error
	visit := func(e ast.Expr) {
		ast.Walk(e, func(x ast.Expr) bool {
			if ref, ok := x.(*ast.ColumnRef); ok && (ref.Name.Name == WindowStart || ref.Name.Name == WindowEnd) && err == nil {
				err = errorf(ref.Pos, "Window bounds column %s can only be used in the SELECT clause of windowed aggregations", ref.Name.Name)
			}
			return err == nil
		})
	}
	for _, g := range q.GroupBy.Exprs {
		visit(g)
	}
	visit(q.Having)
	for _, si := range q.Select {
		ast.Walk(si.Expr, func(x ast.Expr) bool {
			if c, ok := x.(*ast.Call); ok && b.Functions.IsAggregate(c.Name.Name) {
				for _, a := range c.Args {
					visit(a)
				}
				return false
			}
			return true
		})
	}
	return err
}

func aliasOf(q *ast.Query, src *catalog.Source) string {
	if q.From.Alias != nil {
		return q.From.Alias.Name
	}
	return src.Name
}

// nonAggregateError words a HAVING column that is neither grouped nor
// aggregated as ksqlDB does.
func nonAggregateError(clause string, err error, column string) error {
	var ee *expr.Error
	if errors.As(err, &ee) && ee.Code == expr.CodeUnknownColumn {
		return &Error{Pos: ee.Pos, Msg: "Non-aggregate " + clause + " expression not part of GROUP BY: " + column}
	}
	return prefixError("Error in "+clause+" expression: ", err)
}

// unquoted prints e as ksqlDB's messages do, without quoting names.
func unquoted(e ast.Expr) string { return strings.ReplaceAll(e.String(), "`", "") }

// spellOut writes, in an expression error over a group's result, its
// columns as the SQL they stand for: SUM(VALUE), not KSQL_AGG_VARIABLE_0.
func spellOut(err error, agg *Aggregation) error {
	var ee *expr.Error
	if !errors.As(err, &ee) {
		return err
	}
	out := *ee
	// Highest first, so that _1 does not replace the start of _10.
	for i := len(agg.Calls) - 1; i >= 0; i-- {
		out.Msg = strings.ReplaceAll(out.Msg, aggName(i), agg.Calls[i].SQL)
	}
	for i := len(agg.GroupBy) - 1; i >= 0; i-- {
		out.Msg = strings.ReplaceAll(out.Msg, groupName(i), agg.GroupBy[i].SQL)
	}
	return &out
}

// unresolved extracts the column an unknown-column error names.
func unresolved(err error) string {
	var ee *expr.Error
	if errors.As(err, &ee) {
		if _, rest, ok := strings.Cut(ee.Msg, "'"); ok {
			if name, _, ok := strings.Cut(rest, "'"); ok {
				return name
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteList(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

func (b *Binder) bindAggCall(c *ast.Call, env expr.Env, config map[string]string) (AggCall, error) {
	call := AggCall{SQL: c.String()}
	var args []functions.AggArg
	if c.Star && !strings.EqualFold(c.Name.Name, "COUNT") {
		// ksqlDB reads AGG(*) as AGG(ROWTIME).
		rt, err := expr.Compile(&ast.ColumnRef{Pos: c.Pos, Name: ast.Ident{Pos: c.Pos, Name: RowTime}}, env)
		if err != nil {
			return call, err
		}
		call.Args = append(call.Args, rt)
		args = append(args, functions.AggArg{Type: rt.Type, Text: RowTime})
	}
	if !c.Star {
		for _, a := range c.Args {
			ce, err := expr.Compile(a, env)
			if err != nil {
				return call, err
			}
			call.Args = append(call.Args, ce)
			arg := functions.AggArg{Type: ce.Type, Text: a.String()}
			if isLiteral(a) {
				if v, err := ce.Eval(nil); err == nil {
					arg.Literal, arg.Value = true, v
				}
			}
			args = append(args, arg)
		}
	}
	fn, err := b.Functions.ResolveAggregate(c.Name.Name, args, config)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "functions: ")
		for _, sentinel := range []error{functions.ErrUnknownFunction, functions.ErrNoMatchingOverload, functions.ErrNotLiteral} {
			msg = strings.TrimPrefix(msg, strings.TrimPrefix(sentinel.Error(), "functions: ")+": ")
		}
		return call, errorf(c.Pos, "%s", msg)
	}
	call.Fn = fn
	return call, nil
}

func isLiteral(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.IntegerLit, *ast.DecimalLit, *ast.DoubleLit, *ast.StringLit, *ast.BoolLit:
		return true
	case *ast.Unary:
		return isLiteral(x.X)
	}
	return false
}

func bindWindow(w *ast.Window) (*Window, error) {
	ms := func(d ast.Duration) int64 { return durationMillis(d) }
	out := &Window{Kind: w.Kind, Size: ms(w.Size), Grace: DefaultGrace}
	if w.Kind == ast.Hopping {
		if w.Advance == nil {
			return nil, errorf(w.Pos, "HOPPING windows need ADVANCE BY")
		}
		out.Advance = ms(*w.Advance)
		if out.Advance <= 0 || out.Advance > out.Size {
			return nil, errorf(w.Pos, "Window advance must be positive and at most the window size")
		}
	} else {
		out.Advance = out.Size
	}
	if w.Grace != nil {
		out.Grace, out.GraceSet = ms(*w.Grace), true
	}
	if w.Retention != nil {
		out.Retention, out.RetentionSet = ms(*w.Retention), true
		if out.Retention < out.Size+out.Grace && out.Kind != ast.Session {
			return nil, errorf(w.Pos, "Retention must be at least the window size plus the grace period")
		}
	}
	if out.Size <= 0 {
		return nil, errorf(w.Pos, "Window size must be positive")
	}
	return out, nil
}

// durationMillis converts a duration of the syntax tree to milliseconds.
func durationMillis(d ast.Duration) int64 {
	return d.Value * d.Unit.Millis()
}
