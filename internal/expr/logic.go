package expr

import (
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

var compareNames = map[ast.BinaryOp]string{
	ast.Eq: "EQUAL", ast.Ne: "NOT_EQUAL", ast.Lt: "LESS_THAN", ast.Le: "LESS_THAN_OR_EQUAL",
	ast.Gt: "GREATER_THAN", ast.Ge: "GREATER_THAN_OR_EQUAL",
}

func (c *compiler) binary(e *ast.Binary) (*node, error) {
	l, err := c.compile(e.L)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case ast.And, ast.Or:
		return c.logical(e, l, r)
	case ast.Eq, ast.Ne, ast.Lt, ast.Le, ast.Gt, ast.Ge:
		return c.comparison(e.Op, l, r, e.Pos)
	case ast.Concat:
		return c.concat(e, l, r)
	default:
		return c.arith(e, l, r)
	}
}

func checkBool(n *node, what string) error {
	if n.t.IsZero() || n.t.Kind() == types.KindBoolean {
		return nil
	}
	return errorf(n.src.Position(), CodeType, "%s expects BOOLEAN operands: %s is %s", what, n.src, n.t)
}

func (c *compiler) logical(e *ast.Binary, l, r *node) (*node, error) {
	if err := checkBool(l, e.Op.String()); err != nil {
		return nil, err
	}
	if err := checkBool(r, e.Op.String()); err != nil {
		return nil, err
	}
	lf, rf := l.fn, r.fn
	if e.Op == ast.And {
		return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
			a, err := lf(row)
			if err != nil {
				return types.Null(), err
			}
			if !a.IsNull() && !a.Bool() {
				return a, nil
			}
			b, err := rf(row)
			if err != nil {
				return types.Null(), err
			}
			if !b.IsNull() && !b.Bool() {
				return b, nil
			}
			if a.IsNull() || b.IsNull() {
				return types.Null(), nil
			}
			return a, nil
		}}, nil
	}
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		a, err := lf(row)
		if err != nil {
			return types.Null(), err
		}
		if !a.IsNull() && a.Bool() {
			return a, nil
		}
		b, err := rf(row)
		if err != nil {
			return types.Null(), err
		}
		if !b.IsNull() && b.Bool() {
			return b, nil
		}
		if a.IsNull() || b.IsNull() {
			return types.Null(), nil
		}
		return a, nil
	}}, nil
}

func (c *compiler) not(e *ast.Not) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	if err := checkBool(x, "NOT"); err != nil {
		return nil, err
	}
	f := x.fn
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return types.Null(), err
		}
		return types.Bool(!v.Bool()), nil
	}}, nil
}

func (c *compiler) isNullExpr(e *ast.IsNull) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	f, not := x.fn, e.Not
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err != nil {
			return types.Null(), err
		}
		return types.Bool(v.IsNull() != not), nil
	}}, nil
}

// comparable checks that l op r is allowed and returns the type both sides
// are converted to.
func comparable(op ast.BinaryOp, l, r *node, pos ast.Pos) (types.Type, error) {
	t, ok := commonType(l.t, r.t)
	if !ok {
		// A STRING compared with a TIMESTAMP, DATE or TIME is read as one,
		// as ksqlDB does: ROWTIME > '2021-03-04T00:00:00'.
		t, ok = temporalWithString(l.t, r.t)
	}
	if ok {
		switch k := t.Kind(); {
		// BYTES order as ksqlDB's ByteBuffer.compareTo orders them.
		case k == types.KindBoolean || k == types.KindArray || k == types.KindMap || k == types.KindStruct:
			ok = op == ast.Eq || op == ast.Ne
		}
	}
	if !ok {
		return t, errorf(pos, CodeType, "Cannot compare %s (%s) to %s (%s) with %s.", l.src, l.t, r.src, r.t, compareNames[op])
	}
	return t, nil
}

func (c *compiler) comparison(op ast.BinaryOp, l, r *node, pos ast.Pos) (*node, error) {
	t, err := comparable(op, l, r, pos)
	if err != nil {
		return nil, err
	}
	if l, err = widenTo(l, t); err != nil {
		return nil, err
	}
	if r, err = widenTo(r, t); err != nil {
		return nil, err
	}
	test := cmpTest(op)
	lf, rf := l.fn, r.fn
	src := l.src
	res := &node{t: types.BooleanType, src: src}
	switch {
	case t.Kind() == types.KindDouble && r.isConst && !r.val.IsNull():
		k := r.val.Double()
		res.fn = func(row types.Row) (types.Value, error) {
			a, err := lf(row)
			if err != nil || a.IsNull() {
				return falseOr(err)
			}
			return types.Bool(test(types.CompareDoubles(a.Double(), k))), nil
		}
	case t.Kind() == types.KindString && r.isConst && !r.val.IsNull() && (op == ast.Eq || op == ast.Ne):
		k := r.val.Str()
		eq := op == ast.Eq
		res.fn = func(row types.Row) (types.Value, error) {
			a, err := lf(row)
			if err != nil || a.IsNull() {
				return falseOr(err)
			}
			return types.Bool((a.Str() == k) == eq), nil
		}
	case t.Kind() == types.KindDouble:
		res.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return falseOr(err)
			}
			return types.Bool(test(types.CompareDoubles(a.Double(), b.Double()))), nil
		}
	default:
		res.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return falseOr(err)
			}
			return types.Bool(test(a.Compare(b))), nil
		}
	}
	return res, nil
}

// falseOr is the result of a comparison with a NULL operand: FALSE, not
// NULL, as ksqlDB's generated code has it (a = b is false, and so is
// a <> b, when a is NULL).
func falseOr(err error) (types.Value, error) {
	if err != nil {
		return types.Null(), err
	}
	return types.Bool(false), nil
}

func cmpTest(op ast.BinaryOp) func(int) bool {
	switch op {
	case ast.Eq:
		return func(c int) bool { return c == 0 }
	case ast.Ne:
		return func(c int) bool { return c != 0 }
	case ast.Lt:
		return func(c int) bool { return c < 0 }
	case ast.Le:
		return func(c int) bool { return c <= 0 }
	case ast.Gt:
		return func(c int) bool { return c > 0 }
	}
	return func(c int) bool { return c >= 0 }
}

func both(lf, rf evalFn, row types.Row) (types.Value, types.Value, error) {
	a, err := lf(row)
	if err != nil {
		return a, a, err
	}
	b, err := rf(row)
	return a, b, err
}

func (c *compiler) distinct(e *ast.DistinctFrom) (*node, error) {
	l, err := c.compile(e.L)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(e.R)
	if err != nil {
		return nil, err
	}
	t, ok := commonType(l.t, r.t)
	if !ok {
		op := "IS_DISTINCT_FROM"
		if e.Not {
			op = "IS_NOT_DISTINCT_FROM"
		}
		return nil, errorf(e.Pos, CodeType, "Cannot compare %s (%s) to %s (%s) with %s.", l.src, l.t, r.src, r.t, op)
	}
	if l, err = widenTo(l, t); err != nil {
		return nil, err
	}
	if r, err = widenTo(r, t); err != nil {
		return nil, err
	}
	lf, rf, not := l.fn, r.fn, e.Not
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		a, b, err := both(lf, rf, row)
		if err != nil {
			return types.Null(), err
		}
		var same bool
		switch {
		case a.IsNull() || b.IsNull():
			same = a.IsNull() && b.IsNull()
		default:
			same = a.Compare(b) == 0
		}
		return types.Bool(same == not), nil
	}}, nil
}

func (c *compiler) between(e *ast.Between) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	lo, err := c.compile(e.Low)
	if err != nil {
		return nil, err
	}
	hi, err := c.compile(e.High)
	if err != nil {
		return nil, err
	}
	t, err := comparable(ast.Ge, x, lo, e.Pos)
	if err != nil {
		return nil, err
	}
	u, err := comparable(ast.Le, x, hi, e.Pos)
	if err != nil {
		return nil, err
	}
	// Each bound is compared with x: DATE BETWEEN '2020-01-01' AND
	// '2020-12-31' reads both strings as dates.
	if t, ok := commonType(t, u); ok {
		u = t
	} else {
		return nil, errorf(e.Pos, CodeType, "Cannot compare %s (%s) to %s (%s) with LESS_THAN_OR_EQUAL.", x.src, x.t, hi.src, hi.t)
	}
	t = u
	for _, p := range []**node{&x, &lo, &hi} {
		if *p, err = widenTo(*p, t); err != nil {
			return nil, err
		}
	}
	xf, lf, hf, not := x.fn, lo.fn, hi.fn, e.Not
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := xf(row)
		if err != nil || v.IsNull() {
			return falseOr(err)
		}
		a, b, err := both(lf, hf, row)
		if err != nil || a.IsNull() || b.IsNull() {
			return falseOr(err)
		}
		in := v.Compare(a) >= 0 && v.Compare(b) <= 0
		return types.Bool(in != not), nil
	}}, nil
}

func (c *compiler) in(e *ast.In) (*node, error) {
	// The operand and the values form one user list: ksqlDB coerces them
	// all to their common type, and words a failure as a bad predicate.
	es := append([]ast.Expr{e.X}, e.List...)
	ns, _, err := c.coerceList(es)
	if err != nil {
		return nil, listError(err, true)
	}
	fns := make([]evalFn, len(ns)-1)
	for i, n := range ns[1:] {
		fns[i] = n.fn
	}
	xf, not := ns[0].fn, e.Not
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := xf(row)
		if err != nil || v.IsNull() {
			return falseOr(err)
		}
		for _, f := range fns {
			w, err := f(row)
			if err != nil {
				return types.Null(), err
			}
			if w.IsNull() {
				continue
			}
			if v.Compare(w) == 0 {
				return types.Bool(!not), nil
			}
		}
		return types.Bool(not), nil
	}}, nil
}

// listError turns an error of coerceList into an *Error, Generated when
// ksqlDB finds it while generating code (IN) rather than when checking
// types (constructors).
func listError(err error, gen bool) error {
	switch err := err.(type) {
	case *coercionError:
		return &Error{Pos: err.pos, Code: CodeType, Msg: err.msg, Generated: gen}
	case *syntaxError:
		return &Error{Pos: err.pos, Code: CodeType, Msg: err.msg, Generated: gen}
	}
	return err
}

// generated marks a compile error as one ksqlDB finds when generating code.
func generated(err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Pos: e.Pos, Code: e.Code, Msg: e.Msg, Generated: true}
	}
	return err
}

// temporalWithString is the type a STRING and a DATE, TIME or TIMESTAMP
// are compared as, and that of a DATE and a TIMESTAMP: the date is read as
// its midnight, as ksqlDB does.
func temporalWithString(a, b types.Type) (types.Type, bool) {
	if (a.Kind() == types.KindDate && b.Kind() == types.KindTimestamp) || (a.Kind() == types.KindTimestamp && b.Kind() == types.KindDate) {
		return types.TimestampType, true
	}
	isTemporal := func(t types.Type) bool {
		k := t.Kind()
		return k == types.KindTimestamp || k == types.KindDate || k == types.KindTime
	}
	switch {
	case isTemporal(a) && b.Kind() == types.KindString:
		return a, true
	case isTemporal(b) && a.Kind() == types.KindString:
		return b, true
	}
	return types.Type{}, false
}
