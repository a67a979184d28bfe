package expr

import (
	"strings"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func (c *compiler) compile(e ast.Expr) (*node, error) {
	switch e := e.(type) {
	case *ast.NullLit:
		return constNode(types.Type{}, types.Null(), e), nil
	case *ast.BoolLit:
		return constNode(types.BooleanType, types.Bool(e.Value), e), nil
	case *ast.StringLit:
		return constNode(types.StringType, types.Str(e.Value), e), nil
	case *ast.IntegerLit:
		if e.Value >= -1<<31 && e.Value < 1<<31 {
			return constNode(types.IntegerType, types.Int(int32(e.Value)), e), nil
		}
		return constNode(types.BigIntType, types.BigInt(e.Value), e), nil
	case *ast.DoubleLit:
		return constNode(types.DoubleType, types.Double(e.Value), e), nil
	case *ast.DecimalLit:
		return c.decimalLit(e)
	case *ast.ColumnRef:
		return c.column(e)
	case *ast.Unary:
		return c.unary(e)
	case *ast.Binary:
		return c.binary(e)
	case *ast.Not:
		return c.not(e)
	case *ast.IsNull:
		return c.isNullExpr(e)
	case *ast.DistinctFrom:
		return c.distinct(e)
	case *ast.Between:
		return c.between(e)
	case *ast.In:
		return c.in(e)
	case *ast.Like:
		return c.like(e)
	case *ast.Case:
		return c.caseExpr(e)
	case *ast.Cast:
		return c.cast(e)
	case *ast.Deref:
		return c.deref(e)
	case *ast.Subscript:
		return c.subscript(e)
	case *ast.ArrayCtor:
		return c.arrayCtor(e)
	case *ast.MapCtor:
		return c.mapCtor(e)
	case *ast.StructCtor:
		return c.structCtor(e)
	case *ast.Call:
		return c.call(e)
	case *ast.Lambda:
		return nil, errorf(e.Pos, CodeUnsupported, "Lambda %s is only allowed as an argument of TRANSFORM, FILTER or REDUCE", e)
	case *ast.Variable:
		return nil, errorf(e.Pos, CodeUnsupported, "Variable ${%s} was not substituted; define it with DEFINE", e.Name)
	case nil:
		return nil, errorf(ast.Pos{}, CodeUnsupported, "missing expression")
	default:
		return nil, errorf(e.Position(), CodeUnsupported, "Unsupported expression: %s", e)
	}
}

func (c *compiler) decimalLit(e *ast.DecimalLit) (*node, error) {
	d, err := types.ParseDecimal(strings.TrimSpace(e.Text))
	if err != nil {
		return nil, errorf(e.Pos, CodeType, "Invalid DECIMAL literal '%s': %v", e.Text, err)
	}
	if d.Scale() < 0 {
		d = d.Rescale(0, types.RoundHalfUp)
	}
	p, s := d.Precision(), int(d.Scale())
	if s > p {
		p = s
	}
	t, err := types.DecimalType(p, s)
	if err != nil {
		return nil, errorf(e.Pos, CodeType, "Invalid DECIMAL literal '%s': %v", e.Text, err)
	}
	return constNode(t, types.Dec(d), e), nil
}

func (c *compiler) column(e *ast.ColumnRef) (*node, error) {
	name := e.Name.Name
	if e.Qualifier == nil {
		for i := len(c.scope) - 1; i >= 0; i-- {
			if v := c.scope[i]; v.name == name {
				slot := v.slot
				return &node{t: v.t, src: e, fn: func(row types.Row) (types.Value, error) { return row[slot], nil }}, nil
			}
		}
	}
	i, ok := c.env.Schema.Find(name)
	if !ok {
		return nil, errorf(e.Pos, CodeUnknownColumn, "Column '%s' cannot be resolved.", e)
	}
	t := c.env.Schema.Column(i).Type
	c.columns = append(c.columns, i)
	return &node{t: t, src: e, fn: func(row types.Row) (types.Value, error) {
		if i >= len(row) {
			return types.Null(), nil
		}
		return row[i], nil
	}}, nil
}

// widenTo converts n's values to type t, which n.t widens to. Constants are
// converted once, here.
func widenTo(n *node, t types.Type) (*node, error) {
	if n.t.Equal(t) || n.t.IsZero() {
		return &node{t: t, fn: n.fn, isConst: n.isConst, val: n.val, src: n.src}, nil
	}
	if (n.t.Kind() == types.KindString && t.Kind() != types.KindString) || (n.t.Kind() == types.KindDate && t.Kind() == types.KindTimestamp) {
		// Only comparisons and temporal function arguments ask for this:
		// a string read as a time, a date as its midnight.
		return castNode(n, t)
	}
	if n.isConst {
		v, err := types.Widen(n.val, t)
		if err != nil {
			return nil, errorf(n.src.Position(), CodeType, "Cannot convert %s (%s) to %s: %v", n.src, n.t, t, err)
		}
		return constNode(t, v, n.src), nil
	}
	fn := n.fn
	return &node{t: t, src: n.src, fn: func(row types.Row) (types.Value, error) {
		v, err := fn(row)
		if err != nil || v.IsNull() {
			return v, err
		}
		return types.Widen(v, t)
	}}, nil
}

// commonType is the type values of a and b are both converted to, for
// comparisons, CASE branches and constructor elements: the same type, the
// common numeric type, or the other type when one is an untyped NULL.
func commonType(a, b types.Type) (types.Type, bool) {
	switch {
	case a.IsZero():
		return b, true
	case b.IsZero():
		return a, true
	case a.Equal(b):
		return a, true
	case a.IsNumeric() && b.IsNumeric():
		return types.CommonNumeric(a, b)
	}
	return types.Type{}, false
}

func (c *compiler) caseExpr(e *ast.Case) (*node, error) {
	var operand *node
	var err error
	if e.Operand != nil {
		if operand, err = c.compile(e.Operand); err != nil {
			return nil, err
		}
	}
	n := len(e.Whens)
	conds := make([]*node, n)
	results := make([]*node, n+1)
	var rt types.Type
	for i, w := range e.Whens {
		if operand != nil {
			cn, err := c.compile(w.Cond)
			if err != nil {
				return nil, err
			}
			if conds[i], err = c.comparison(ast.Eq, operand, cn, w.Cond.Position()); err != nil {
				return nil, err
			}
		} else {
			if conds[i], err = c.compile(w.Cond); err != nil {
				return nil, err
			}
			if !conds[i].t.IsZero() && conds[i].t.Kind() != types.KindBoolean {
				return nil, errorf(w.Cond.Position(), CodeType, "WHEN operand type should be boolean. Type for '%s' is %s", w.Cond, conds[i].t)
			}
		}
		if results[i], err = c.compile(w.Result); err != nil {
			return nil, err
		}
	}
	if e.Else != nil {
		if results[n], err = c.compile(e.Else); err != nil {
			return nil, err
		}
	} else {
		results[n] = constNode(types.Type{}, types.Null(), e)
	}
	for _, r := range results {
		t, ok := commonType(rt, r.t)
		if !ok {
			pos := e.Pos
			if r.src != nil {
				pos = r.src.Position()
			}
			return nil, errorf(pos, CodeType, "Invalid Case expression. Type for all 'THEN' clauses should be the same. THEN expression '%s' has type: %s. Previous THEN expression(s) type: %s.", r.src, r.t, rt)
		}
		rt = t
	}
	if rt.IsZero() {
		return nil, errorf(e.Pos, CodeType, "Invalid Case expression. All case branches have NULL type")
	}
	fns := make([]evalFn, n+1)
	for i, r := range results {
		w, err := widenTo(r, rt)
		if err != nil {
			return nil, err
		}
		fns[i] = w.fn
	}
	cfns := make([]evalFn, n)
	for i, cn := range conds {
		cfns[i] = cn.fn
	}
	return &node{t: rt, src: e, fn: func(row types.Row) (types.Value, error) {
		for i, cf := range cfns {
			v, err := cf(row)
			if err != nil {
				return types.Null(), err
			}
			if !v.IsNull() && v.Bool() {
				return fns[i](row)
			}
		}
		return fns[n](row)
	}}, nil
}
