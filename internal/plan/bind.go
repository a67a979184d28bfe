package plan

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Binder binds queries against a catalog.
type Binder struct {
	Meta      *catalog.Metastore
	Functions *functions.Registry
}

// Options say what kind of query is bound.
type Options struct {
	// Persistent is set for CREATE ... AS SELECT and INSERT INTO ... SELECT,
	// whose result is written to a topic and so must be keyed as ksqlDB
	// requires. Sink names the target, for messages.
	Persistent bool
	Sink       string
	// NewPlanner is ksql.new.query.planner.enabled: a persistent query
	// may leave out its source's key (its result then has none), and its
	// key columns follow the select list's order.
	NewPlanner bool
	// Config holds the properties that change how functions behave, such
	// as ksql.functions.collect_list.limit.
	Config map[string]string
}

var reservedNames = map[string]bool{RowTime: true, RowPartition: true, RowOffset: true, WindowStart: true, WindowEnd: true}

// item is one select-list entry after star expansion.
type item struct {
	name     string
	ast      ast.Expr
	pos      ast.Pos
	fromStar bool
}

// Bind turns a query into a plan.
func (b *Binder) Bind(q *ast.Query, opts Options) (*Query, error) {
	if len(q.Joins) > 0 {
		return b.bindJoin(q, opts)
	}
	src, ok := b.Meta.Source(q.From.Name.Name)
	if !ok {
		return nil, errorf(q.From.Pos, "%s does not exist.", q.From.Name.Name)
	}
	if src.Kind == catalog.Table && src.Window.Type != "" && opts.Persistent {
		return nil, errorf(q.From.Pos, "KSQL does not support persistent queries on windowed tables.")
	}
	alias := src.Name
	if q.From.Alias != nil {
		alias = q.From.Alias.Name
	}
	if err := checkQualifiers(q, alias); err != nil {
		return nil, err
	}
	p := &Query{Source: src, Limit: -1, Persistent: opts.Persistent, Emit: q.Emit}
	return b.bindSource(q, p, alias, opts, nil)
}

// bindSource binds the clauses of a query over p.Source; jb is set when
// that source is the result of a join (its alias is then empty).
func (b *Binder) bindSource(q *ast.Query, p *Query, alias string, opts Options, jb *joinBinding) (*Query, error) {
	src := p.Source
	if src.Kind == catalog.Table && q.PartitionBy != nil {
		return nil, errorf(q.PartitionBy.Pos, "Unsupported operation: PARTITION BY is not allowed on a table; a table is always keyed by its PRIMARY KEY")
	}
	if q.Limit != nil {
		n := q.Limit.Value
		if n < 0 || n > math.MaxInt32 {
			return nil, errorf(q.Limit.Pos, "Invalid LIMIT %s", q.Limit)
		}
		p.Limit = int(n)
	}
	in, err := inputSchema(src)
	if err != nil {
		return nil, err
	}
	cols := in.Columns()
	p.Input = in
	p.Headers = src.Schema.HeaderLen() > 0
	env := expr.Env{Schema: in, Functions: b.Functions, CustomTypes: b.Meta.Type}

	if q.Where != nil {
		if containsTableFunction(q.Where, b.Functions) {
			return nil, errorf(q.Where.Position(), "Table functions cannot be used in the WHERE clause")
		}
		where := ast.Clone(q.Where)
		if err := rewriteTimeLiterals(where); err != nil {
			return nil, err
		}
		w, err := expr.CompilePredicate(where, env)
		if err != nil {
			var ee *expr.Error
			if errors.As(err, &ee) && ee.Code == expr.CodeUnknownColumn && strings.HasPrefix(ee.Msg, "Column '") {
				if col := unresolved(err); col == WindowStart || col == WindowEnd {
					return nil, &Error{Pos: ee.Pos, Msg: "Error in WHERE expression: Unknown column " + col + "."}
				}
				return nil, &Error{Pos: ee.Pos, Msg: "WHERE column '" + strings.TrimPrefix(ee.Msg, "Column '")}
			}
			if errors.As(err, &ee) && ee.Code == expr.CodeNotBoolean {
				return nil, prefixError("Type error in WHERE expression: ", err)
			}
			return nil, prefixError("Error in WHERE expression: ", err)
		}
		p.Where, p.WhereSQL = w, where.String()
	}

	if b.needsAggregation(q) {
		if jb != nil && src.Kind == catalog.Table {
			return nil, errorf(q.Pos, "Aggregating the result of a table-table join is not supported yet: write the join to a table, then aggregate it in a second query.")
		}
		for _, si := range q.Select {
			if si.Expr != nil && containsTableFunction(si.Expr, b.Functions) {
				return nil, errorf(si.Pos, "Table functions cannot be used with aggregations.")
			}
		}
		p.Expanded = in
		if err := b.bindAggregate(p, q, env, opts, opts.Config); err != nil {
			return nil, err
		}
		if jb != nil {
			// The join's last stage writes its rows to the repartition
			// topic, by group.
			p.Aggregate.Rekeyed = true
		}
		return p, nil
	}
	items, err := b.expandSelect(q, alias, env, jb)
	if err != nil {
		return nil, err
	}
	gen := newNameGen(in)
	for i := range items {
		if items[i].name == "" && !items[i].fromStar {
			items[i].name = derivedName(items[i].ast, gen)
		}
	}
	// Table functions become columns appended to the row, and the select
	// items that called them refer to those columns.
	expanded := cols
	for i := range items {
		if items[i].ast == nil || !containsTableFunction(items[i].ast, b.Functions) {
			continue
		}
		var bindErr error
		items[i].ast = ast.Rewrite(ast.Clone(items[i].ast), func(x ast.Expr) ast.Expr {
			call, ok := x.(*ast.Call)
			if !ok || bindErr != nil || !b.Functions.IsTableFunction(call.Name.Name) {
				return x
			}
			if src.Kind == catalog.Table {
				bindErr = errorf(call.Pos, "Table source is not supported with table functions")
				return x
			}
			tf, err := b.bindTableFunction(call, env)
			if err != nil {
				bindErr = err
				return x
			}
			synth := fmt.Sprintf("KSQL_SYNTH_%d", len(p.TableFunctions))
			p.TableFunctions = append(p.TableFunctions, tf)
			expanded = append(expanded, types.Column{Name: synth, Type: tf.Fn.Return})
			return &ast.ColumnRef{Pos: call.Pos, Name: ast.Ident{Pos: call.Pos, Name: synth}}
		})
		if bindErr != nil {
			return nil, bindErr
		}
	}
	if p.Expanded, err = types.NewSchema(expanded...); err != nil {
		return nil, err
	}
	env.Schema = p.Expanded
	// Errors in the select list come before those about its keys.
	for _, it := range items {
		if it.ast != nil && !it.fromStar {
			if _, err := expr.CompileSelect(it.ast, env); err != nil {
				return nil, selectError(err)
			}
		}
	}
	if jb != nil && q.PartitionBy == nil {
		err = jb.bindOutputs(b, p, items, env, opts)
	} else {
		err = b.bindOutputs(p, q, items, env, gen, opts)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// expandSelect expands stars and names aliased items; other names are
// derived later, once table functions are known.
func (b *Binder) expandSelect(q *ast.Query, alias string, env expr.Env, jb *joinBinding) ([]item, error) {
	var items []item
	for _, si := range q.Select {
		if si.Star && si.Expr != nil {
			// struct->*: one column per field, named after it.
			c, err := expr.Compile(si.Expr, env)
			if err != nil {
				return nil, selectError(err)
			}
			if c.Type.Kind() != types.KindStruct {
				return nil, errorf(si.Pos, "Can not use '->*' on a non-struct expression: %s (%s)", si.Expr, c.Type)
			}
			for _, f := range c.Type.Fields() {
				items = append(items, item{name: f.Name, pos: si.Pos,
					ast: &ast.Deref{Pos: si.Pos, X: ast.Clone(si.Expr), Field: ast.Ident{Pos: si.Pos, Name: f.Name}}})
			}
			continue
		}
		if si.Star && jb != nil {
			items = append(items, jb.expandStar(si)...)
			continue
		}
		if si.Star {
			if si.Qualifier != nil && si.Qualifier.Name != alias {
				return nil, errorf(si.Pos, "'%s' is not a valid stream/table name or alias.", si.Qualifier.Name)
			}
			items = append(items, item{pos: si.Pos, fromStar: true})
			continue
		}
		it := item{ast: si.Expr, pos: si.Pos}
		if si.Alias != nil {
			it.name = si.Alias.Name
			if reservedNames[it.name] {
				return nil, errorf(si.Alias.Pos, "`%s` is a reserved column name. You cannot use it as an alias for a column.", it.name)
			}
		}
		items = append(items, it)
	}
	return items, nil
}

func (b *Binder) bindTableFunction(call *ast.Call, env expr.Env) (TableFunction, error) {
	tf := TableFunction{SQL: call.String()}
	argTypes := make([]types.Type, len(call.Args))
	for i, a := range call.Args {
		c, err := expr.Compile(a, env)
		if err != nil {
			return tf, err
		}
		tf.Args = append(tf.Args, c)
		argTypes[i] = c.Type
	}
	fn, err := b.Functions.ResolveTable(call.Name.Name, argTypes)
	if err != nil {
		return tf, errorf(call.Pos, "%v", err)
	}
	tf.Fn = fn
	return tf, nil
}

// bindOutputs decides the output key and value columns, as ksqlDB does:
// the key is the source's key, or the PARTITION BY expressions; a select
// item equal to a key expression names that key column; a persistent
// query must select its key.
func (b *Binder) bindOutputs(p *Query, q *ast.Query, items []item, env expr.Env, gen *nameGen, opts Options) error {
	src := p.Source
	star := false
	for _, it := range items {
		star = star || it.fromStar
	}
	var keyExprs []ast.Expr
	var keyPos []ast.Pos
	partitioned := q.PartitionBy != nil
	if partitioned {
		exprs := q.PartitionBy.Exprs
		if len(exprs) == 0 {
			return errorf(q.PartitionBy.Pos, "PARTITION BY requires at least one expression")
		}
		for _, e := range exprs {
			if _, isNull := e.(*ast.NullLit); isNull {
				if len(exprs) > 1 {
					return errorf(e.Position(), "Cannot PARTITION BY multiple columns including NULL")
				}
				exprs = nil
			}
		}
		for _, e := range exprs {
			if err := checkPartitionColumns(e, env.Schema, items); err != nil {
				return err
			}
			keyExprs = append(keyExprs, e)
			keyPos = append(keyPos, e.Position())
		}
		p.Rekeyed = !sameAsSourceKey(exprs, src)
		if p.Rekeyed && src.Window.Type != "" {
			return errorf(q.PartitionBy.Pos, "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
		}
	} else {
		for _, c := range src.KeyColumns() {
			keyExprs = append(keyExprs, &ast.ColumnRef{Name: ast.Ident{Name: c.Name}})
			keyPos = append(keyPos, q.Pos)
		}
	}

	// Match key expressions to select items.
	consumed := make([]bool, len(items))
	keyNames := make([]string, len(keyExprs))
	var missing []ast.Expr
	for k, ke := range keyExprs {
		canon := canonical(ke)
		var matches []int
		for i, it := range items {
			if !it.fromStar && canonical(it.ast) == canon {
				matches = append(matches, i)
			}
		}
		switch {
		case len(matches) > 1 && opts.Persistent:
			names := make([]string, len(matches))
			for j, m := range matches {
				names[j] = items[m].name
			}
			return errorf(items[matches[1]].pos, "The projection contains a key column (%s) more than once, aliased as: %s.",
				types.QuoteIdentifier(keyColumnName(ke, gen, false)), joinAnd(names))
		case len(matches) >= 1:
			keyNames[k] = items[matches[0]].name
			consumed[matches[0]] = true
		case star:
			keyNames[k] = keyColumnName(ke, gen, true)
		default:
			missing = append(missing, ke)
		}
	}
	if len(missing) > 0 && opts.Persistent {
		if !partitioned && opts.NewPlanner {
			// The newer planner drops an unselected key: the result has none.
			keyExprs, keyNames = nil, nil
		} else {
			// ksqlDB names every key expression when one is missing.
			return missingKeyError(opts.Sink, keyExprs, partitioned, src.Name)
		}
	}
	if !partitioned && !star && opts.NewPlanner {
		keyExprs, keyNames = inSelectOrder(keyExprs, keyNames, items)
	}

	// Value columns: the select items not used as keys, stars expanded.
	var values []item
	for i, it := range items {
		if consumed[i] {
			continue
		}
		if !it.fromStar {
			values = append(values, it)
			continue
		}
		if it.ast != nil {
			// A join's star, expanded already: less the new key.
			if !isKeyExpr(it.ast, keyExprs) {
				values = append(values, it)
			}
			continue
		}
		values = append(values, starColumns(src, p, keyExprs, partitioned, !opts.Persistent)...)
	}

	if !opts.Persistent {
		// A transient query returns its select list as it is, key columns
		// first when the select list names them.
		for i, it := range items {
			if consumed[i] {
				values = insertAt(values, it, i)
			}
		}
		return b.compileOutputs(p, nil, nil, values, env, opts)
	}
	if len(values) == 0 {
		return errorf(q.Pos, "The projection contains no value columns.")
	}
	return b.compileOutputs(p, keyExprs, keyNames, values, env, opts)
}

// inSelectOrder orders key columns as the select list names them.
func inSelectOrder(exprs []ast.Expr, names []string, items []item) ([]ast.Expr, []string) {
	pos := func(name string) int {
		for i, it := range items {
			if it.name == name && !it.fromStar {
				return i
			}
		}
		return len(items)
	}
	idx := make([]int, len(exprs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return pos(names[idx[a]]) < pos(names[idx[b]]) })
	oe, on := make([]ast.Expr, len(exprs)), make([]string, len(names))
	for i, j := range idx {
		oe[i], on[i] = exprs[j], names[j]
	}
	return oe, on
}

func insertAt(items []item, it item, i int) []item {
	if i > len(items) {
		i = len(items)
	}
	items = append(items, item{})
	copy(items[i+1:], items[i:])
	items[i] = it
	return items
}

func (b *Binder) compileOutputs(p *Query, keyExprs []ast.Expr, keyNames []string, values []item, env expr.Env, opts Options) error {
	var cols []types.Column
	for k, ke := range keyExprs {
		c, err := expr.Compile(ke, env)
		if err != nil {
			return err
		}
		if c.Type.IsZero() {
			return errorf(ke.Position(), "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		if hasMap(c.Type) {
			return errorf(ke.Position(), "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
				types.QuoteIdentifier(keyNames[k]), c.Type)
		}
		p.Key = append(p.Key, Output{Name: keyNames[k], SQL: ke.String(), Expr: c, KeyColumn: -1})
		cols = append(cols, types.Column{Name: keyNames[k], Type: c.Type, Namespace: types.NamespaceKey})
	}
	for _, v := range values {
		if opts.Persistent {
			if ref, ok := v.ast.(*ast.ColumnRef); ok && reservedNames[ref.Name.Name] && v.name == ref.Name.Name {
				return errorf(v.pos, "Reserved column name in select: %s. Please remove or alias the column.", types.QuoteIdentifier(ref.Name.Name))
			}
		}
		c, err := expr.CompileSelect(v.ast, env)
		if err != nil {
			return selectError(err)
		}
		if c.Type.IsZero() {
			return errorf(v.pos, "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		p.Value = append(p.Value, Output{Name: v.name, SQL: v.ast.String(), Expr: c, KeyColumn: keyColumnOf(v.ast, p.Source)})
		cols = append(cols, types.Column{Name: v.name, Type: c.Type})
	}
	out, err := types.NewSchema(cols...)
	if err != nil {
		return errorf(ast.Pos{}, "%s", strings.TrimPrefix(err.Error(), "types: "))
	}
	p.Output = out
	return nil
}

// starColumns expands * for the output value: the source's value and
// header columns, and, when PARTITION BY moved the key, the old key
// columns, less those that became the key. A transient query's * starts
// with the key columns.
func starColumns(src *catalog.Source, p *Query, keyExprs []ast.Expr, partitioned, transient bool) []item {
	isKey := map[string]bool{}
	if partitioned {
		for _, ke := range keyExprs {
			if ref, ok := ke.(*ast.ColumnRef); ok {
				isKey[ref.Name.Name] = true
			}
		}
	}
	var out []item
	add := func(c types.Column) {
		if !isKey[c.Name] {
			out = append(out, item{name: c.Name, ast: &ast.ColumnRef{Name: ast.Ident{Name: c.Name}}, fromStar: true})
		}
	}
	if transient {
		for _, c := range src.KeyColumns() {
			add(c)
		}
	}
	for _, c := range src.ValueColumns() {
		add(c)
	}
	for _, c := range src.HeaderColumns() {
		add(c)
	}
	if partitioned && !transient {
		for _, c := range src.KeyColumns() {
			add(c)
		}
	}
	return out
}

// isKeyExpr reports whether e is one of the key expressions.
func isKeyExpr(e ast.Expr, keys []ast.Expr) bool {
	for _, k := range keys {
		if canonical(k) == canonical(e) {
			return true
		}
	}
	return false
}

func sameAsSourceKey(exprs []ast.Expr, src *catalog.Source) bool {
	keys := src.KeyColumns()
	if len(exprs) != len(keys) {
		return false
	}
	for i, e := range exprs {
		ref, ok := e.(*ast.ColumnRef)
		if !ok || ref.Name.Name != keys[i].Name {
			return false
		}
	}
	return true
}

// checkPartitionColumns reports PARTITION BY names that are not input
// columns, as ksqlDB words it.
func checkPartitionColumns(e ast.Expr, in *types.Schema, items []item) error {
	var err error
	ast.Walk(e, func(x ast.Expr) bool {
		ref, ok := x.(*ast.ColumnRef)
		if !ok || err != nil {
			return err == nil
		}
		if _, found := in.Find(ref.Name.Name); found {
			return true
		}
		msg := fmt.Sprintf("PARTITION BY column '%s' cannot be resolved.", ref.Name.Name)
		for _, it := range items {
			if it.name == ref.Name.Name {
				msg += fmt.Sprintf(" '%s' must be a column in the source schema since PARTITION BY is applied on the input.", ref.Name.Name)
				break
			}
		}
		err = errorf(ref.Pos, "%s", msg)
		return false
	})
	return err
}

func missingKeyError(sink string, missing []ast.Expr, partitioned bool, source string) error {
	names := make([]string, len(missing))
	for i, m := range missing {
		if partitioned {
			names[i] = qualified(m, source)
		} else {
			names[i] = m.String()
		}
	}
	what := "key column"
	if partitioned {
		what = "partitioning expression"
	}
	if len(missing) > 1 {
		what += "s"
	}
	return errorf(missing[0].Position(), "The query used to build %s must include the %s %s in its projection (eg, SELECT %s...).",
		types.QuoteIdentifier(sink), what, joinAnd(names), strings.Join(names, ", "))
}

// qualified prints e with its column references qualified by source, as
// ksqlDB prints expressions in messages.
func qualified(e ast.Expr, source string) string {
	c := ast.Clone(e)
	ast.Walk(c, func(x ast.Expr) bool {
		if ref, ok := x.(*ast.ColumnRef); ok {
			ref.Qualifier = &ast.Ident{Name: source}
		}
		return true
	})
	return c.String()
}

func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// canonical prints an expression without qualifiers, so that L.A and A
// compare equal in a single-source query.
func canonical(e ast.Expr) string {
	if e == nil {
		return ""
	}
	// The qualifiers are cleared for printing and put back: no copy of
	// the tree, which binding does for many pairs of expressions.
	type cleared struct {
		ref *ast.ColumnRef
		q   *ast.Ident
	}
	var refs []cleared
	ast.Walk(e, func(x ast.Expr) bool {
		if ref, ok := x.(*ast.ColumnRef); ok && ref.Qualifier != nil {
			refs = append(refs, cleared{ref, ref.Qualifier})
			ref.Qualifier = nil
		}
		return true
	})
	out := e.String()
	for _, r := range refs {
		r.ref.Qualifier = r.q
	}
	return out
}

func checkQualifiers(q *ast.Query, alias string) error {
	var err error
	visit := func(e ast.Expr) {
		ast.Walk(e, func(x ast.Expr) bool {
			if ref, ok := x.(*ast.ColumnRef); ok && ref.Qualifier != nil && ref.Qualifier.Name != alias && err == nil {
				err = errorf(ref.Qualifier.Pos, "'%s' is not a valid stream/table name or alias.", ref.Qualifier.Name)
			}
			return err == nil
		})
	}
	for _, si := range q.Select {
		visit(si.Expr)
	}
	visit(q.Where)
	if q.PartitionBy != nil {
		for _, e := range q.PartitionBy.Exprs {
			visit(e)
		}
	}
	return err
}

func containsTableFunction(e ast.Expr, fns *functions.Registry) bool {
	found := false
	ast.Walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.Call); ok && fns.IsTableFunction(c.Name.Name) {
			found = true
		}
		return !found
	})
	return found
}

func hasMap(t types.Type) bool {
	switch t.Kind() {
	case types.KindMap:
		return true
	case types.KindArray:
		return hasMap(t.Elem())
	case types.KindStruct:
		for _, f := range t.Fields() {
			if hasMap(f.Type) {
				return true
			}
		}
	}
	return false
}

// selectError words an unknown column of the select list as ksqlDB does.
func selectError(err error) error {
	var ee *expr.Error
	if errors.As(err, &ee) && ee.Code == expr.CodeUnknownColumn && strings.HasPrefix(ee.Msg, "Column '") {
		return &Error{Pos: ee.Pos, Msg: "SELECT column '" + strings.TrimPrefix(ee.Msg, "Column '")}
	}
	return err
}

func prefixError(prefix string, err error) error {
	var ee *expr.Error
	if errors.As(err, &ee) {
		return &Error{Pos: ee.Pos, Msg: prefix + ee.Msg}
	}
	return &Error{Msg: prefix + err.Error()}
}

// nameGen hands out ksqlDB's generated column names, KSQL_COL_0, ...,
// skipping names the input already uses.
type nameGen struct {
	next  int
	taken func(string) bool
}

func newNameGen(in *types.Schema) *nameGen {
	return &nameGen{taken: func(n string) bool { _, ok := in.Find(n); return ok }}
}

func (g *nameGen) name() string {
	for {
		n := fmt.Sprintf("KSQL_COL_%d", g.next)
		g.next++
		if !g.taken(n) {
			return n
		}
	}
}

// derivedName is the name ksqlDB gives an unaliased select item: a
// column's own name, a struct field's name, or a generated one.
func derivedName(e ast.Expr, gen *nameGen) string {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return e.Name.Name
	case *ast.Deref:
		return e.Field.Name
	}
	return gen.name()
}

// keyColumnOf returns the index of the source key column e refers to as
// it is, or -1.
func keyColumnOf(e ast.Expr, src *catalog.Source) int {
	ref, ok := e.(*ast.ColumnRef)
	if !ok {
		return -1
	}
	for i, c := range src.KeyColumns() {
		if c.Name == ref.Name.Name {
			return i
		}
	}
	return -1
}

// keyColumnName names a key column that no select item names.
func keyColumnName(e ast.Expr, gen *nameGen, generate bool) string {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return e.Name.Name
	case *ast.Deref:
		return e.Field.Name
	}
	if !generate {
		return e.String()
	}
	return gen.name()
}
