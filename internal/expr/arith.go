package expr

import (
	"errors"
	"fmt"
	"math"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// ErrDivisionByZero is the row error of an integer division or remainder by
// zero (decimal ones give types.ErrDivisionByZero).
var ErrDivisionByZero = errors.New("expr: / by zero")

var arithOps = map[ast.BinaryOp]types.ArithOp{
	ast.Add: types.OpAdd, ast.Sub: types.OpSub, ast.Mul: types.OpMul, ast.Div: types.OpDiv, ast.Mod: types.OpMod,
}

func (c *compiler) arith(e *ast.Binary, l, r *node) (*node, error) {
	op := arithOps[e.Op]
	lt, rt := l.t, r.t
	// An untyped NULL takes the other operand's type.
	if lt.IsZero() {
		lt = rt
	}
	if rt.IsZero() {
		rt = lt
	}
	if op == types.OpAdd && lt.Kind() == types.KindString && rt.Kind() == types.KindString {
		return c.concat(e, l, r)
	}
	if lt.IsZero() && rt.IsZero() {
		return constNode(types.Type{}, types.Null(), e), nil
	}
	t, ok := types.ArithmeticType(op, lt, rt)
	if !ok {
		return nil, errorf(e.Pos, CodeType, "Error processing expression: %s. Unsupported arithmetic types. %s %s", e, kindName(l.t), kindName(r.t))
	}
	operand := t
	if t.Kind() == types.KindDecimal {
		operand = types.Type{} // each side keeps its own decimal type
	}
	if operand.Kind() != types.KindNull {
		var err error
		if l, err = widenTo(l, operand); err != nil {
			return nil, err
		}
		if r, err = widenTo(r, operand); err != nil {
			return nil, err
		}
	} else {
		var err error
		if l, err = toDecimal(l, lt); err != nil {
			return nil, err
		}
		if r, err = toDecimal(r, rt); err != nil {
			return nil, err
		}
	}
	lf, rf := l.fn, r.fn
	if len(c.scope) > 0 {
		// A lambda body is Java code over boxed values in ksqlDB: a NULL
		// operand throws, and the error fails the whole lambda call.
		lf, rf = nullFails(lf, e.L), nullFails(rf, e.R)
	}
	n := &node{t: t, src: e}
	switch t.Kind() {
	case types.KindInt:
		f := intOp(op)
		n.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return types.Null(), err
			}
			v, err := f(int64(a.Int()), int64(b.Int()))
			if err != nil {
				return types.Null(), err
			}
			return types.Int(int32(v)), nil
		}
	case types.KindBigInt:
		f := intOp(op)
		n.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return types.Null(), err
			}
			v, err := f(a.BigInt(), b.BigInt())
			if err != nil {
				return types.Null(), err
			}
			return types.BigInt(v), nil
		}
	case types.KindDouble:
		f := floatOp(op)
		n.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return types.Null(), err
			}
			return types.Double(f(a.Double(), b.Double())), nil
		}
	default:
		n.fn = func(row types.Row) (types.Value, error) {
			a, b, err := both(lf, rf, row)
			if err != nil || a.IsNull() || b.IsNull() {
				return types.Null(), err
			}
			d, err := types.DecimalArith(op, a.Dec(), b.Dec(), t)
			if err != nil {
				return types.Null(), err
			}
			return types.Dec(d), nil
		}
	}
	return n, nil
}

// ErrNullInLambda is the row error of arithmetic on a NULL inside a lambda.
var ErrNullInLambda = errors.New("expr: NULL operand of arithmetic in a lambda")

func nullFails(f evalFn, src ast.Expr) evalFn {
	return func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err == nil && v.IsNull() {
			return v, fmt.Errorf("%w: %s", ErrNullInLambda, src)
		}
		return v, err
	}
}

func kindName(t types.Type) string {
	if t.IsZero() {
		return "null"
	}
	return t.Kind().String()
}

// toDecimal widens an integer operand to the decimal that holds it.
func toDecimal(n *node, t types.Type) (*node, error) {
	d, ok := types.DecimalOf(t)
	if !ok {
		return n, nil
	}
	return widenTo(n, d)
}

// intOp computes in 64 bits; INTEGER results are truncated to 32 bits by
// the caller, which wraps as Java's int arithmetic does.
func intOp(op types.ArithOp) func(a, b int64) (int64, error) {
	switch op {
	case types.OpAdd:
		return func(a, b int64) (int64, error) { return a + b, nil }
	case types.OpSub:
		return func(a, b int64) (int64, error) { return a - b, nil }
	case types.OpMul:
		return func(a, b int64) (int64, error) { return a * b, nil }
	case types.OpDiv:
		return func(a, b int64) (int64, error) {
			if b == 0 {
				return 0, ErrDivisionByZero
			}
			return a / b, nil
		}
	}
	return func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, ErrDivisionByZero
		}
		return a % b, nil
	}
}

func floatOp(op types.ArithOp) func(a, b float64) float64 {
	switch op {
	case types.OpAdd:
		return func(a, b float64) float64 { return a + b }
	case types.OpSub:
		return func(a, b float64) float64 { return a - b }
	case types.OpMul:
		return func(a, b float64) float64 { return a * b }
	case types.OpDiv:
		return func(a, b float64) float64 { return a / b }
	}
	return math.Mod
}

func (c *compiler) concat(e *ast.Binary, l, r *node) (*node, error) {
	for _, n := range []*node{l, r} {
		if !n.t.IsZero() && n.t.Kind() != types.KindString {
			return nil, errorf(e.Pos, CodeType, "Error processing expression: %s. Unsupported arithmetic types. %s %s", e, kindName(l.t), kindName(r.t))
		}
	}
	lf, rf := l.fn, r.fn
	return &node{t: types.StringType, src: e, fn: func(row types.Row) (types.Value, error) {
		a, b, err := both(lf, rf, row)
		if err != nil || a.IsNull() || b.IsNull() {
			return types.Null(), err
		}
		return types.Str(a.Str() + b.Str()), nil
	}}, nil
}

func (c *compiler) unary(e *ast.Unary) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	if !x.t.IsZero() && !x.t.IsNumeric() {
		return nil, errorf(e.Pos, CodeType, "Error processing expression: %s. Unsupported arithmetic types. %s", e, kindName(x.t))
	}
	if e.Op == ast.Plus {
		return x, nil
	}
	f := x.fn
	n := &node{t: x.t, src: e}
	n.fn = func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return types.Null(), err
		}
		switch v.Kind() {
		case types.KindInt:
			return types.Int(-v.Int()), nil
		case types.KindBigInt:
			return types.BigInt(-v.BigInt()), nil
		case types.KindDouble:
			return types.Double(-v.Double()), nil
		default:
			return types.Dec(v.Dec().Neg()), nil
		}
	}
	return n, nil
}
