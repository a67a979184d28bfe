package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Join is the JOIN step of a plan: sources joined left to right. The
// plan's Source is then the joined source this step produces, whose key
// is the join's key and whose value holds every side's columns named
// ALIAS_COLUMN, as ksqlDB names them, followed by each side's ROWTIME,
// ROWPARTITION and ROWOFFSET: the rest of the plan (filter, projection)
// binds against it as against any source.
type Join struct {
	Sides []JoinSide
	// Steps[i] joins Sides[i+1] to the result of the sides before it.
	Steps []JoinStep
	// Stages are the parts of the join that run together, each on one
	// key, in order: a join on another key than the one before it, or a
	// foreign-key join, starts a stage.
	Stages []JoinStage
	// Synthetic is set when the key is none of the sides' columns (a
	// join on expressions, or a FULL OUTER join): it is then the ROWKEY
	// column that a persistent query must select.
	Synthetic bool
	// Conditions is the number of equalities of a join on several: its
	// sides' keys are STRUCTs of their expressions (K0, K1, ...), and its
	// result has a key column per equality.
	Conditions int
}

// JoinStage is steps First to Last of a join, run by one set of tasks
// around one internal topic. Its left input is Sides[0] for the first
// stage, else the previous stage's result, repartitioned by Key; its
// other inputs are Sides[First+1] to Sides[Last+1].
type JoinStage struct {
	First, Last int
	// Key computes a later stage's join key from the previous stage's
	// result row (laid out as the plan's Input).
	Key    *expr.Compiled
	KeySQL string
	// ForeignKey is set for a table-table join on a column of the left
	// input that is the right table's primary key: the stage's result
	// is keyed by its left input's key, and each left row is routed to
	// the right row of its foreign key.
	ForeignKey bool
	// KeyFormat and Partitions are those of the stage's internal topic:
	// its inputs are read, or repartitioned, into it co-partitioned by
	// key.
	KeyFormat  catalog.FormatInfo
	Partitions int32
}

// StageOf is the stage whose internal topic side i is written to.
func (j *Join) StageOf(i int) int {
	for k, st := range j.Stages {
		if i <= st.Last+1 {
			return k
		}
	}
	return len(j.Stages) - 1
}

// LeftTable reports whether the left input of stage k is a table.
func (j *Join) LeftTable(k int) bool {
	for _, s := range j.Sides[:j.Stages[k].First+1] {
		if !s.Table() {
			return false
		}
	}
	return true
}

// JoinSide is one source of a join.
type JoinSide struct {
	Source *catalog.Source
	Alias  string
	// Input is the side's row, laid out as a one-source query's Input:
	// its columns, then ROWTIME, ROWPARTITION and ROWOFFSET.
	Input *types.Schema
	// Key computes the join key from the side's row; KeySQL prints it,
	// qualified by the side's alias.
	Key    *expr.Compiled
	KeySQL string
	// Rekeyed is set when the side is not keyed by its join key, or not
	// in the join's key format, so that its records are repartitioned by
	// it before they are joined.
	Rekeyed bool
	// Columns is where the side's columns start in the joined row, and
	// Pseudo where its ROWTIME, ROWPARTITION and ROWOFFSET do.
	Columns, Pseudo int
}

// Table reports whether the side is a table.
func (s *JoinSide) Table() bool { return s.Source.Kind == catalog.Table }

// JoinStep is one JOIN clause.
type JoinStep struct {
	Type ast.JoinType
	// Within bounds a stream-stream join; nil for the others.
	Within *JoinWindow
	// ForeignKey is set for a foreign-key table-table join (see
	// JoinStage).
	ForeignKey bool
}

// JoinWindow is a stream-stream join's WITHIN and GRACE PERIOD, in
// milliseconds: a left record at time t joins right records from
// t-Before to t+After.
type JoinWindow struct {
	Before, After int64
	Grace         int64
	GraceSet      bool
}

// joinKeyName is the joined source's key column when the key is one of
// the sides' columns: the query names it after the column it selects.
const joinKeyName = "KSQL_JOIN_KEY"

// joinScope resolves column references against the sides of a join.
type joinScope struct {
	sides   []JoinSide
	byAlias map[string]int
}

// side returns the side a column reference names, or -1 when it names
// none (a pseudo-column of the result, or an unknown column).
func (s *joinScope) side(ref *ast.ColumnRef) (int, error) {
	name := ref.Name.Name
	if ref.Qualifier != nil {
		i, ok := s.byAlias[ref.Qualifier.Name]
		if !ok {
			return -1, errorf(ref.Qualifier.Pos, "Failed to prepare statement: '%s' is not a valid stream/table name or alias.", ref.Qualifier.Name)
		}
		return i, nil
	}
	if reservedNames[name] {
		return -1, nil
	}
	var found []int
	for i, sd := range s.sides {
		if _, ok := sd.Source.Schema.Find(name); ok {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return -1, nil
	case 1:
		return found[0], nil
	}
	could := make([]string, len(found))
	for i, f := range found {
		could[i] = s.sides[f].Alias + "." + name
	}
	return -1, errorf(ref.Pos, "Exception while preparing statement: Line: %d, Col: %d: Column '%s' is ambiguous. Could be %s.", ref.Pos.Line, ref.Pos.Col, name, strings.Join(could, " or "))
}

// checkQualifiers reports the first qualifier that names no side, before
// any column is resolved, as ksqlDB does.
func (s *joinScope) checkQualifiers(q *ast.Query) error {
	exprs := []ast.Expr{q.Where, q.Having}
	for _, si := range q.Select {
		exprs = append(exprs, si.Expr)
	}
	for _, j := range q.Joins {
		exprs = append(exprs, j.On)
	}
	for _, list := range []*ast.ExprList{q.GroupBy, q.PartitionBy} {
		if list != nil {
			exprs = append(exprs, list.Exprs...)
		}
	}
	var err error
	for _, e := range exprs {
		ast.Walk(e, func(x ast.Expr) bool {
			if ref, ok := x.(*ast.ColumnRef); ok && ref.Qualifier != nil && err == nil {
				_, err = s.side(ref)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// unique reports whether only one side has a column of that name.
func (s *joinScope) unique(name string) bool {
	n := 0
	for _, sd := range s.sides {
		if _, ok := sd.Source.Schema.Find(name); ok {
			n++
		}
	}
	return n == 1
}

// rewrite returns a copy of e whose column references name the joined
// source's columns (ALIAS_COLUMN).
func (s *joinScope) rewrite(e ast.Expr) (ast.Expr, error) {
	if e == nil {
		return nil, nil
	}
	var err error
	out := ast.Rewrite(ast.Clone(e), func(x ast.Expr) ast.Expr {
		ref, ok := x.(*ast.ColumnRef)
		if !ok || err != nil {
			return x
		}
		i, serr := s.side(ref)
		if serr != nil {
			err = serr
			return x
		}
		if i < 0 {
			return x
		}
		return &ast.ColumnRef{Pos: ref.Pos, Name: ast.Ident{Pos: ref.Name.Pos, Name: s.sides[i].Alias + "_" + ref.Name.Name}}
	})
	return out, err
}

// onSide returns a copy of e with its qualifiers removed, to compile
// against the row of the one side it refers to, and that side; side is
// -1 when e refers to no column or to several sides.
func (s *joinScope) onSide(e ast.Expr) (ast.Expr, int, error) {
	side, several := -1, false
	var err error
	ast.Walk(e, func(x ast.Expr) bool {
		ref, ok := x.(*ast.ColumnRef)
		if !ok || err != nil {
			return err == nil
		}
		i, serr := s.side(ref)
		if serr != nil {
			err = serr
			return false
		}
		if _, ok := s.sides[max(i, 0)].Input.Find(ref.Name.Name); i < 0 || !ok {
			alias := ""
			if ref.Qualifier != nil {
				alias = ref.Qualifier.Name + "."
			}
			err = errorf(ref.Pos, "Line: %d, Col: %d: JOIN ON column '%s%s' cannot be resolved.", ref.Pos.Line, ref.Pos.Col, alias, ref.Name.Name)
			return false
		}
		if side >= 0 && side != i {
			several = true
		}
		side = i
		return true
	})
	if err != nil {
		return nil, -1, err
	}
	if several {
		side = -1
	}
	out := ast.Rewrite(ast.Clone(e), func(x ast.Expr) ast.Expr {
		if ref, ok := x.(*ast.ColumnRef); ok && ref.Qualifier != nil {
			return &ast.ColumnRef{Pos: ref.Pos, Name: ref.Name}
		}
		return x
	})
	return out, side, nil
}

// qualifiedSQL prints a side's expression qualified by its alias, as
// ksqlDB prints join criteria in messages.
func (s *joinScope) qualifiedSQL(e ast.Expr, side int) string {
	return qualified(e, s.sides[side].Alias)
}

// bindJoin binds a query with JOINs: it checks the joins as ksqlDB does,
// builds the joined source and binds the rest of the query against it.
func (b *Binder) bindJoin(q *ast.Query, opts Options) (*Query, error) {
	refs := []ast.Source{q.From}
	for _, j := range q.Joins {
		refs = append(refs, j.Source)
	}
	sc := &joinScope{byAlias: map[string]int{}}
	for i, r := range refs {
		src, ok := b.Meta.Source(r.Name.Name)
		if !ok {
			return nil, errorf(r.Pos, "%s does not exist.", r.Name.Name)
		}
		for _, prev := range sc.sides {
			if prev.Source.Name == src.Name {
				return nil, errorf(r.Pos, "Can not join '%s' to '%s': self joins are not yet supported.", prev.Source.Name, src.Name)
			}
		}
		alias := src.Name
		if r.Alias != nil {
			alias = r.Alias.Name
		}
		if _, dup := sc.byAlias[alias]; dup {
			return nil, errorf(r.Pos, "The alias '%s' names two sources of the join: give each its own alias.", alias)
		}
		in, err := inputSchema(src)
		if err != nil {
			return nil, err
		}
		sc.byAlias[alias] = i
		sc.sides = append(sc.sides, JoinSide{Source: src, Alias: alias, Input: in})
	}
	if err := sc.checkQualifiers(q); err != nil {
		return nil, err
	}
	if err := checkJoinSources(q, sc.sides); err != nil {
		return nil, err
	}
	j := &Join{}
	var stages []*stageBinding
	for i, jc := range q.Joins {
		step, lops, rops, err := b.bindJoinStep(sc, i, jc)
		if err != nil {
			return nil, err
		}
		j.Steps = append(j.Steps, step)
		l, r := lops[0], rops[0]
		if i == 0 {
			stages = append(stages, newStageBinding(i, step, lops, rops, sc, nil))
			continue
		}
		cur := stages[len(stages)-1]
		switch {
		case cur.ForeignKey && !step.ForeignKey && !containsString(cur.keyExprs, l.canon):
			return nil, errorf(jc.On.Position(), "Invalid join condition: after a foreign-key join, a table is joined on the left table's primary key. Got %s = %s.", l.sql, r.sql)
		case step.ForeignKey || cur.ForeignKey || step.Within != nil || cur.withinJoin || !containsString(cur.keyExprs, l.canon):
			// A foreign-key or a stream-stream join is a stage of its own.
			stages = append(stages, newStageBinding(i, step, lops, rops, sc, cur))
		default:
			cur.add(i, step, l, r)
		}
	}
	for k, st := range stages {
		if err := checkPartitioning(sc.sides, st, k); err != nil {
			return nil, err
		}
		j.Stages = append(j.Stages, st.JoinStage)
	}
	j.Sides = sc.sides
	last := stages[len(stages)-1]
	keys, keyTypes, synthetic := last.keys(sc.sides)
	j.Synthetic = synthetic
	j.Conditions = len(stages[0].conditions)
	if j.Synthetic {
		name := syntheticKeyName(sc.sides)
		keys = []joinKey{{column: name, names: []string{name}, sql: []string{name}}}
	}
	joined, err := joinedSource(q, j, keys, keyTypes, last.ForeignKey || len(last.conditions) > 0)
	if err != nil {
		return nil, err
	}
	// A later stage's key is computed from the joined row.
	in, err := inputSchema(joined)
	if err != nil {
		return nil, err
	}
	for k, st := range stages {
		if st.left != nil {
			c, err := expr.Compile(st.left, expr.Env{Schema: in, Functions: b.Functions, CustomTypes: b.Meta.Type})
			if err != nil {
				return nil, err
			}
			j.Stages[k].Key = c
		}
	}
	rq, err := rewriteJoinQuery(q, sc, joined)
	if err != nil {
		return nil, err
	}
	p := &Query{Source: joined, Limit: -1, Persistent: opts.Persistent, Emit: q.Emit, Join: j}
	jb := &joinBinding{join: j, keys: keys, leftKeyed: last.ForeignKey}
	return b.bindSource(rq, p, "", opts, jb)
}

// stageBinding gathers a stage's steps as the binder goes through them.
type stageBinding struct {
	JoinStage
	keyExprs     []string // canonical key expressions: a join on one of them joins the stage
	candidates   []string // the columns equal to its key (ALIAS_COLUMN)
	candidateSQL []string
	conditions   []joinKey // of a join on several conditions
	prev         *stageBinding
	left         ast.Expr // a later stage's key over the joined row
	withinJoin   bool
}

func newStageBinding(i int, step JoinStep, lops, rops []joinOperand, sc *joinScope, prev *stageBinding) *stageBinding {
	st := &stageBinding{JoinStage: JoinStage{First: i, Last: i, ForeignKey: step.ForeignKey, KeySQL: lops[0].sql}, prev: prev, withinJoin: step.Within != nil}
	if prev != nil {
		st.left = lops[0].joined
	}
	if len(lops) > 1 {
		for c := range lops {
			k := joinKey{column: fmt.Sprintf("%s_%d", joinKeyName, c)}
			for _, o := range []joinOperand{lops[c], rops[c]} {
				if o.column != "" {
					k.names, k.sql = append(k.names, o.column), append(k.sql, o.sql)
				}
			}
			st.conditions = append(st.conditions, k)
		}
		return st
	}
	if step.ForeignKey {
		// Keyed by its left input's key: the stage before it, or the
		// left table's primary key.
		if prev != nil {
			st.keyExprs = prev.keyExprs
		} else {
			st.keyExprs = []string{sc.sides[0].Alias + "_" + keyNames(sc.sides[0].Source)}
		}
		return st
	}
	st.add(i, step, lops[0], rops[0])
	return st
}

// add joins step i to the stage.
func (st *stageBinding) add(i int, step JoinStep, l, r joinOperand) {
	st.Last = i
	for _, o := range []joinOperand{l, r} {
		if !containsString(st.keyExprs, o.canon) {
			st.keyExprs = append(st.keyExprs, o.canon)
		}
		if o.column != "" && !containsString(st.candidates, o.column) {
			st.candidates = append(st.candidates, o.column)
			st.candidateSQL = append(st.candidateSQL, o.sql)
		}
	}
	if step.Type == ast.FullJoin {
		st.candidates, st.candidateSQL = nil, nil
	}
}

// keys are the key columns of the stage's result and their types;
// synthetic is set when none of the sides' columns is its key.
func (st *stageBinding) keys(sides []JoinSide) (keys []joinKey, kt []types.Type, synthetic bool) {
	t := sides[st.First+1].Key.Type
	switch {
	case len(st.conditions) > 0:
		for _, f := range t.Fields() {
			kt = append(kt, f.Type)
		}
		return st.conditions, kt, false
	case st.ForeignKey && st.prev != nil:
		return st.prev.keys(sides)
	case st.ForeignKey:
		// The left table's primary key.
		left := sides[0]
		for i, c := range left.Source.KeyColumns() {
			keys = append(keys, joinKey{column: fmt.Sprintf("%s_%d", joinKeyName, i), names: []string{left.Alias + "_" + c.Name}, sql: []string{c.Name}})
			kt = append(kt, c.Type)
		}
		return keys, kt, false
	case len(st.candidates) == 0:
		return nil, []types.Type{t}, true
	}
	return []joinKey{{column: joinKeyName, names: st.candidates, sql: st.candidateSQL}}, []types.Type{t}, false
}

// joinBinding carries what binding a join's select list needs.
type joinBinding struct {
	join *Join
	keys []joinKey
	// leftKeyed: the result is keyed as a foreign-key join's left table.
	leftKeyed bool
}

// joinKey is a key column of a join's result: the joined source's column
// and the columns a query may select to name it (all equal to it), with
// their SQL for messages.
type joinKey struct {
	column string
	names  []string
	sql    []string
}

// joinOperand is one side of a join criterion.
type joinOperand struct {
	side   int
	sql    string   // qualified, for messages
	joined ast.Expr // over the joined source
	canon  string   // joined, printed to compare criteria
	column string   // the joined source's column when the operand is one
}

// bindJoinStep checks one JOIN clause and sets the join keys of its sides.
func (b *Binder) bindJoinStep(sc *joinScope, i int, jc ast.Join) (JoinStep, []joinOperand, []joinOperand, error) {
	step := JoinStep{Type: jc.Type}
	var conds []*ast.Binary
	var flatten func(e ast.Expr) bool
	flatten = func(e ast.Expr) bool {
		bin, ok := e.(*ast.Binary)
		switch {
		case ok && bin.Op == ast.And:
			return flatten(bin.L) && flatten(bin.R)
		case ok && bin.Op == ast.Eq:
			conds = append(conds, bin)
			return true
		}
		return false
	}
	if !flatten(jc.On) {
		return step, nil, nil, errorf(jc.On.Position(), "Unsupported join expression: %s. A join is on equalities of an expression of each side, joined by AND.", jc.On)
	}
	if len(conds) > 1 && i > 0 {
		return step, nil, nil, errorf(jc.On.Position(), "Invalid join condition: joins on several conditions are supported in a join of two sources only. Got %s.", jc.On)
	}
	right := i + 1
	var lops, rops []joinOperand
	var lexprs, rexprs []ast.Expr
	left := -1
	for _, eq := range conds {
		operands := [2]ast.Expr{eq.L, eq.R}
		var bound [2]ast.Expr
		var sides [2]int
		for k, e := range operands {
			x, side, err := sc.onSide(e)
			if err != nil {
				return step, nil, nil, err
			}
			if side < 0 {
				return step, nil, nil, errorf(e.Position(), "Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.", e, jc.On)
			}
			bound[k], sides[k] = x, side
		}
		if sides[0] == right {
			bound[0], bound[1] = bound[1], bound[0]
			sides[0], sides[1] = sides[1], sides[0]
		}
		if sides[1] != right || sides[0] >= right || left >= 0 && sides[0] != left {
			return step, nil, nil, errorf(jc.On.Position(), "Invalid join condition: %s must compare an expression of %s with one of the sources before it.", jc.On, sc.sides[right].Alias)
		}
		left = sides[0]
		l, r := operand(sc, left, bound[0]), operand(sc, right, bound[1])
		lc, err := b.compileOn(bound[0], &sc.sides[left])
		if err != nil {
			return step, nil, nil, err
		}
		rc, err := b.compileOn(bound[1], &sc.sides[right])
		if err != nil {
			return step, nil, nil, err
		}
		if !lc.Type.Equal(rc.Type) {
			return step, nil, nil, errorf(jc.On.Position(), "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", l.sql, lc.Type, r.sql, rc.Type)
		}
		lops, rops = append(lops, l), append(rops, r)
		lexprs, rexprs = append(lexprs, bound[0]), append(rexprs, bound[1])
	}
	ls, rs := &sc.sides[left], &sc.sides[right]
	if err := b.setJoinKey(ls, lexprs, lops); err != nil {
		return step, nil, nil, err
	}
	if err := b.setJoinKey(rs, rexprs, rops); err != nil {
		return step, nil, nil, err
	}
	l, r := lops[0], rops[0]
	eq := conds[0]
	bound := [2]ast.Expr{lexprs[0], rexprs[0]}

	leftTable := true
	for k := 0; k < right; k++ {
		leftTable = leftTable && sc.sides[k].Table()
	}
	desc := func() string {
		return fmt.Sprintf("%s [%s] JOIN %s", sc.sides[0].Alias, strings.TrimSuffix(jc.Type.String(), " JOIN"), rs.Alias)
	}
	switch {
	case !leftTable && !rs.Table():
		if jc.Within == nil {
			return step, nil, nil, errorf(jc.Pos, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
		}
		step.Within = &JoinWindow{Before: durationMillis(jc.Within.Before), After: durationMillis(jc.Within.After), Grace: DefaultGrace}
		if g := jc.Within.Grace; g != nil {
			step.Within.Grace, step.Within.GraceSet = durationMillis(*g), true
		}
	case !leftTable && rs.Table():
		if jc.Within != nil {
			return step, nil, nil, errorf(jc.Within.Pos, "A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your join again.")
		}
		if jc.Type == ast.RightJoin || jc.Type == ast.FullJoin {
			return step, nil, nil, errorf(jc.Pos, "Invalid join type: %s join not supported for Stream-Table join. Got %s.", joinKindName(jc.Type), desc())
		}
	case leftTable && !rs.Table():
		return step, nil, nil, errorf(jc.Pos, "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s.", desc())
	default:
		if jc.Within != nil {
			return step, nil, nil, errorf(jc.Within.Pos, "A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your join again.")
		}
		if len(conds) > 1 {
			break // setJoinKey checked that both are joined on their keys
		}
		if !isKeyOf(bound[1], rs.Source) {
			got := l.sql + " = " + r.sql
			if sideOf(sc, eq.L) == right {
				got = r.sql + " = " + l.sql
			}
			return step, nil, nil, errorf(jc.On.Position(), "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", got)
		}
		if !isKeyOf(bound[0], ls.Source) {
			if jc.Type == ast.RightJoin || jc.Type == ast.FullJoin {
				return step, nil, nil, errorf(jc.Pos, "%s on a foreign key is not supported", strings.TrimSuffix(jc.Type.String(), " JOIN")+" JOIN")
			}
			step.ForeignKey = true
		}
	}
	return step, lops, rops, nil
}

// compileOn compiles a side's join expression against its row.
func (b *Binder) compileOn(e ast.Expr, s *JoinSide) (*expr.Compiled, error) {
	return expr.Compile(e, expr.Env{Schema: s.Input, Functions: b.Functions, CustomTypes: b.Meta.Type})
}

// setJoinKey sets a side's join key: its one expression, or a STRUCT of
// them for a join on several conditions, whose sides are then always
// repartitioned by it. A side that already has one keeps it (the left
// side of the second join of three).
func (b *Binder) setJoinKey(s *JoinSide, exprs []ast.Expr, ops []joinOperand) error {
	if s.Key != nil {
		return nil
	}
	if len(exprs) == 1 {
		c, err := b.compileOn(exprs[0], s)
		s.Key, s.KeySQL, s.Rekeyed = c, ops[0].sql, !isKeyOf(exprs[0], s.Source)
		return err
	}
	ctor := &ast.StructCtor{}
	sqls := make([]string, len(exprs))
	keyCols := map[string]bool{}
	for i, e := range exprs {
		ctor.Fields = append(ctor.Fields, ast.FieldValue{Name: ast.Ident{Name: fmt.Sprintf("K%d", i)}, Value: e})
		sqls[i] = ops[i].sql
		if ref, ok := e.(*ast.ColumnRef); ok {
			if i, found := s.Source.Schema.Find(ref.Name.Name); found && i < s.Source.Schema.KeyLen() {
				keyCols[ref.Name.Name] = true
			}
		}
	}
	c, err := b.compileOn(ctor, s)
	if err != nil {
		return err
	}
	s.Key, s.KeySQL, s.Rekeyed = c, "("+strings.Join(sqls, ", ")+")", true
	if s.Table() && (len(keyCols) != s.Source.Schema.KeyLen() || len(exprs) != len(keyCols)) {
		return errorf(ast.Pos{}, "Invalid join condition: a table is joined on its primary key: %s is not %s's.", s.KeySQL, s.Alias)
	}
	return nil
}

func operand(sc *joinScope, side int, e ast.Expr) joinOperand {
	o := joinOperand{side: side, sql: sc.qualifiedSQL(e, side)}
	o.joined, _ = sc.rewrite(qualifiedCopy(e, sc.sides[side].Alias))
	o.canon = canonical(o.joined)
	if ref, ok := e.(*ast.ColumnRef); ok {
		o.column = sc.sides[side].Alias + "_" + ref.Name.Name
	}
	return o
}

// qualifiedCopy returns e with every column reference qualified by alias.
func qualifiedCopy(e ast.Expr, alias string) ast.Expr {
	return ast.Rewrite(ast.Clone(e), func(x ast.Expr) ast.Expr {
		if ref, ok := x.(*ast.ColumnRef); ok {
			return &ast.ColumnRef{Pos: ref.Pos, Qualifier: &ast.Ident{Name: alias}, Name: ref.Name}
		}
		return x
	})
}

// sideOf is the side the first column reference of e names, or -1.
func sideOf(sc *joinScope, e ast.Expr) int {
	side := -1
	ast.Walk(e, func(x ast.Expr) bool {
		if ref, ok := x.(*ast.ColumnRef); ok && side < 0 {
			side, _ = sc.side(ref)
		}
		return side < 0
	})
	return side
}

func joinKindName(t ast.JoinType) string {
	switch t {
	case ast.LeftJoin:
		return "left"
	case ast.RightJoin:
		return "right"
	case ast.FullJoin:
		return "full-outer"
	}
	return "inner"
}

// isKeyOf reports whether e is the single key column of src.
func isKeyOf(e ast.Expr, src *catalog.Source) bool {
	ref, ok := e.(*ast.ColumnRef)
	keys := src.KeyColumns()
	return ok && len(keys) == 1 && keys[0].Name == ref.Name.Name
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkJoinSources applies ksqlDB's rules on what may be joined at all.
func checkJoinSources(q *ast.Query, sides []JoinSide) error {
	var kafka []string
	for _, s := range sides {
		if strings.EqualFold(s.Source.Value.Name, "KAFKA") {
			kafka = append(kafka, s.Source.Name)
		}
	}
	if len(kafka) > 0 {
		return errorf(q.Pos, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafka, ", "))
	}
	l := sides[0].Source
	for _, s := range sides[1:] {
		r := s.Source
		lw, rw := l.Window.Type != "", r.Window.Type != ""
		switch {
		case lw != rw:
			w, n := l, r
			if rw {
				w, n = r, l
			}
			return errorf(q.Pos, "Can not join windowed source to non-windowed source.\n`%s` is %s windowed\n`%s` is not windowed", w.Name, strings.ToUpper(w.Window.Type), n.Name)
		case lw && (strings.EqualFold(l.Window.Type, "SESSION") != strings.EqualFold(r.Window.Type, "SESSION")):
			return errorf(q.Pos, "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources", strings.ToUpper(l.Window.Type), strings.ToUpper(r.Window.Type))
		}
	}
	return nil
}

// checkPartitioning decides which inputs of stage k are repartitioned by
// their join key and checks that the others are co-partitioned, as ksqlDB
// does: a stream joined on another expression than its key is
// repartitioned, a table never is (but a foreign-key join's left table is
// routed by its foreign key), and an input whose key is in another format
// than the stage's is re-encoded. A later stage's left input, the result
// of the one before, is always repartitioned.
func checkPartitioning(sides []JoinSide, st *stageBinding, k int) error {
	var members []int
	if k == 0 {
		members = append(members, 0)
	}
	for i := st.First + 1; i <= st.Last+1; i++ {
		members = append(members, i)
	}
	st.KeyFormat = joinKeyFormat(sides, members)
	switch {
	case len(st.conditions) > 0:
		// A STRUCT of the keys, which JSON writes.
		st.KeyFormat = catalog.FormatInfo{Name: "JSON"}
	case st.ForeignKey:
		// Left rows go to the right row of their foreign key: the right
		// table's partitions and key format decide where.
		st.KeyFormat = sides[st.Last+1].Source.Key
		st.KeyFormat.WrapSingle = nil
	}
	var kept []*JoinSide
	for _, i := range members {
		s := &sides[i]
		if s.Rekeyed && s.Source.Window.Type != "" {
			return errorf(ast.Pos{}, "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
		}
		if s.Rekeyed && s.Table() && !(st.ForeignKey && i == 0) && len(st.conditions) == 0 {
			return errorf(ast.Pos{}, "Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses the TABLE's key column %s instead of %s", keyNames(s.Source), s.KeySQL)
		}
		if !s.Rekeyed && !strings.EqualFold(s.Source.Key.Name, st.KeyFormat.Name) {
			// Its key is re-encoded in the stage's format, so that equal
			// keys meet.
			s.Rekeyed = true
		}
		if !s.Rekeyed {
			kept = append(kept, s)
		}
	}
	if sides[0].Source.Window.Type != "" {
		return errorf(ast.Pos{}, "Joins of windowed sources are not supported yet.")
	}
	st.Partitions = sides[members[0]].Source.Partitions
	if len(kept) > 0 {
		st.Partitions = kept[0].Source.Partitions
	}
	for _, s := range kept[min(1, len(kept)):] {
		if s.Source.Partitions != kept[0].Source.Partitions {
			a, c := kept[0].Source, s.Source
			return errorf(ast.Pos{}, "Can't join `%s` with `%s` since the number of partitions don't match. `%s` partitions = %d; `%s` partitions = %d. Please repartition either one so that the number of partitions match.",
				a.Name, c.Name, a.Name, a.Partitions, c.Name, c.Partitions)
		}
	}
	return nil
}

// joinKeyFormat is the format of a stage's key: its first input's, or
// when it has none (NONE) the first other one's that has one.
func joinKeyFormat(sides []JoinSide, members []int) catalog.FormatInfo {
	for _, i := range members {
		s := sides[i]
		if !strings.EqualFold(s.Source.Key.Name, "NONE") && s.Source.Key.Name != "" {
			return catalog.FormatInfo{Name: s.Source.Key.Name, Delimiter: s.Source.Key.Delimiter}
		}
	}
	return catalog.FormatInfo{Name: "KAFKA"}
}

func keyNames(src *catalog.Source) string {
	var names []string
	for _, c := range src.KeyColumns() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// inputSchema is a source's row as queries see it: its columns, then
// ROWTIME, ROWPARTITION and ROWOFFSET, then WINDOWSTART and WINDOWEND
// for a windowed source.
func inputSchema(src *catalog.Source) (*types.Schema, error) {
	cols := append([]types.Column(nil), src.Schema.Columns()...)
	cols = append(cols,
		types.Column{Name: RowTime, Type: types.BigIntType},
		types.Column{Name: RowPartition, Type: types.IntegerType},
		types.Column{Name: RowOffset, Type: types.BigIntType})
	if src.Window.Type != "" {
		cols = append(cols, types.Column{Name: WindowStart, Type: types.BigIntType}, types.Column{Name: WindowEnd, Type: types.BigIntType})
	}
	return types.NewSchema(cols...)
}

// joinedSource builds the source a join produces (see Join) and places
// each side's columns in its row. Its key format is the last stage's,
// but for a foreign-key join, keyed as its left table, and a join on
// several conditions, in JSON.
func joinedSource(q *ast.Query, j *Join, keys []joinKey, keyTypes []types.Type, leftKeyed bool) (*catalog.Source, error) {
	var cols []types.Column
	for i, k := range keys {
		cols = append(cols, types.Column{Name: k.column, Type: keyTypes[i], Namespace: types.NamespaceKey})
	}
	for i := range j.Sides {
		s := &j.Sides[i]
		s.Columns = len(cols)
		for _, c := range s.Source.Schema.Columns() {
			cols = append(cols, types.Column{Name: s.Alias + "_" + c.Name, Type: c.Type})
		}
	}
	for i := range j.Sides {
		s := &j.Sides[i]
		s.Pseudo = len(cols)
		for _, c := range s.Input.Columns()[s.Source.Schema.Len():] {
			cols = append(cols, types.Column{Name: s.Alias + "_" + c.Name, Type: c.Type})
		}
	}
	schema, err := types.NewSchema(cols...)
	if err != nil {
		return nil, errorf(q.Pos, "%s", strings.TrimPrefix(err.Error(), "types: "))
	}
	kind := catalog.Table
	for _, s := range j.Sides {
		if !s.Table() {
			kind = catalog.Stream
		}
	}
	left := j.Sides[0].Source
	last := j.Stages[len(j.Stages)-1]
	key := last.KeyFormat
	if leftKeyed {
		key = catalog.FormatInfo{Name: left.Key.Name, Delimiter: left.Key.Delimiter}
		if len(keys) > 1 && (strings.EqualFold(key.Name, "KAFKA") || strings.EqualFold(key.Name, "NONE")) {
			key = catalog.FormatInfo{Name: "JSON"}
		}
	}
	return &catalog.Source{Name: left.Name, Kind: kind, Topic: left.Topic, Schema: schema,
		Key: key, Value: catalog.FormatInfo{Name: left.Value.Name, Delimiter: left.Value.Delimiter}, Partitions: last.Partitions}, nil
}

// syntheticKeyName is ROWKEY, or ROWKEY_n when a side has a column of
// that name.
func syntheticKeyName(sides []JoinSide) string {
	taken := func(n string) bool {
		for _, s := range sides {
			if _, ok := s.Source.Schema.Find(n); ok {
				return true
			}
		}
		return false
	}
	name := "ROWKEY"
	for i := 1; taken(name); i++ {
		name = fmt.Sprintf("ROWKEY_%d", i)
	}
	return name
}

// rewriteJoinQuery returns the query over the joined source: column
// references renamed, unaliased columns named as ksqlDB names them (the
// column's own name when no other side has one so named).
func rewriteJoinQuery(q *ast.Query, sc *joinScope, joined *catalog.Source) (*ast.Query, error) {
	rq := *q
	rq.Joins = nil
	rq.From = ast.Source{Pos: q.From.Pos, Name: ast.Ident{Pos: q.From.Pos, Name: joined.Name}}
	rq.Select = make([]ast.SelectItem, len(q.Select))
	var err error
	for i, si := range q.Select {
		rs := si
		if si.Star && si.Expr == nil {
			if si.Qualifier != nil {
				if _, ok := sc.byAlias[si.Qualifier.Name]; !ok {
					return nil, errorf(si.Qualifier.Pos, "'%s' is not a valid stream/table name or alias.", si.Qualifier.Name)
				}
			}
			rq.Select[i] = rs
			continue
		}
		if rs.Expr, err = sc.rewrite(si.Expr); err != nil {
			return nil, err
		}
		if ref, ok := si.Expr.(*ast.ColumnRef); ok && si.Alias == nil && !si.Star {
			if side, _ := sc.side(ref); side >= 0 {
				name := ref.Name.Name
				if !sc.unique(name) {
					name = sc.sides[side].Alias + "_" + name
				}
				rs.Alias = &ast.Ident{Pos: si.Pos, Name: name}
			}
		}
		rq.Select[i] = rs
	}
	if rq.Where, err = sc.rewrite(q.Where); err != nil {
		return nil, err
	}
	if rq.Having, err = sc.rewrite(q.Having); err != nil {
		return nil, err
	}
	for _, list := range []**ast.ExprList{&rq.GroupBy, &rq.PartitionBy} {
		if *list == nil {
			continue
		}
		l := &ast.ExprList{Pos: (*list).Pos}
		for _, e := range (*list).Exprs {
			x, err := sc.rewrite(e)
			if err != nil {
				return nil, err
			}
			l.Exprs = append(l.Exprs, x)
		}
		*list = l
	}
	return &rq, nil
}

// expandJoinStar expands * (every side) or ALIAS.* (one side) into the
// joined source's columns.
func (jb *joinBinding) expandStar(si ast.SelectItem) []item {
	var out []item
	if si.Qualifier == nil && jb.join.Synthetic {
		// * includes the synthetic key, which a side's star does not.
		name := jb.keys[0].column
		out = append(out, item{name: name, pos: si.Pos, fromStar: true, ast: &ast.ColumnRef{Pos: si.Pos, Name: ast.Ident{Pos: si.Pos, Name: name}}})
	}
	for _, s := range jb.join.Sides {
		if si.Qualifier != nil && si.Qualifier.Name != s.Alias {
			continue
		}
		for _, c := range s.Source.Schema.Columns() {
			name := s.Alias + "_" + c.Name
			out = append(out, item{name: name, pos: si.Pos, fromStar: true, ast: &ast.ColumnRef{Pos: si.Pos, Name: ast.Ident{Pos: si.Pos, Name: name}}})
		}
	}
	return out
}

// bindOutputs decides a join's output key as ksqlDB does: each key
// column is named by the first selected column equal to it (any side's
// join column, explicit items before stars), or by the synthetic ROWKEY,
// which must then be selected.
func (jb *joinBinding) bindOutputs(b *Binder, p *Query, items []item, env expr.Env, opts Options) error {
	if !opts.Persistent {
		return b.compileOutputs(p, nil, nil, items, env, opts)
	}
	used := map[int]bool{}
	var keyExprs []ast.Expr
	var keyNames, missing []string
	for _, k := range jb.keys {
		keyItem := -1
		for pass := 0; pass < 2 && keyItem < 0; pass++ {
			for i, it := range items {
				if ref, ok := it.ast.(*ast.ColumnRef); ok && it.fromStar == (pass == 1) && !used[i] && containsString(k.names, ref.Name.Name) {
					keyItem = i
					break
				}
			}
		}
		if keyItem < 0 {
			missing = append(missing, k.sql...)
			continue
		}
		chosen := items[keyItem].ast.(*ast.ColumnRef).Name.Name
		var dup []string
		for _, it := range items {
			if ref, ok := it.ast.(*ast.ColumnRef); ok && !it.fromStar && ref.Name.Name == chosen {
				dup = append(dup, it.name)
			}
		}
		if len(dup) > 1 {
			sort.Strings(dup)
			return errorf(items[keyItem].pos, "The projection contains a key column (%s) more than once, aliased as: %s.", types.QuoteIdentifier(chosen), joinAnd(dup))
		}
		if t := p.Source.Schema.Columns()[len(keyExprs)].Type; hasMap(t) {
			return errorf(items[keyItem].pos, "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
				types.QuoteIdentifier(k.names[0]), t)
		}
		used[keyItem] = true
		keyExprs = append(keyExprs, &ast.ColumnRef{Name: ast.Ident{Name: k.column}})
		keyNames = append(keyNames, items[keyItem].name)
	}
	if len(missing) > 0 {
		return jb.missingKey(opts.Sink, missing)
	}
	var values []item
	for i, it := range items {
		if !used[i] {
			values = append(values, it)
		}
	}
	if len(values) == 0 {
		return errorf(ast.Pos{}, "The projection contains no value columns.")
	}
	return b.compileOutputs(p, keyExprs, keyNames, values, env, opts)
}

func (jb *joinBinding) missingKey(sink string, missing []string) error {
	switch {
	case jb.leftKeyed:
		what, names := "column", make([]string, len(missing))
		for i, m := range missing {
			names[i] = types.QuoteIdentifier(m)
		}
		if len(missing) > 1 {
			what = "columns"
		}
		return errorf(ast.Pos{}, "Primary key %s missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (%s). Missing %s: %s.",
			what, types.QuoteIdentifier(jb.join.Sides[0].Source.Name), what, strings.Join(names, ", "))
	case jb.join.Synthetic:
		keyCol := missing[0]
		return errorf(ast.Pos{}, "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build %s must include the join expression %s in its projection (eg, SELECT %s...).\n%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased. ",
			types.QuoteIdentifier(sink), keyCol, keyCol, keyCol)
	}
	what := "join expression"
	if len(missing) > 1 {
		what = "join expressions"
	}
	return errorf(ast.Pos{}, "The query used to build %s must include the %s %s in its projection (eg, SELECT %s...).",
		types.QuoteIdentifier(sink), what, strings.Join(missing, " or "), missing[0])
}
