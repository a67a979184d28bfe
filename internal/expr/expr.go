package expr

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Env is what names in an expression are bound against.
type Env struct {
	// Schema holds the input columns; rows passed to Eval lay out their
	// values in its order. Pseudo-columns such as ROWTIME are ordinary
	// columns of it.
	Schema *types.Schema
	// Functions resolves function calls; nil means no functions but the
	// lambda forms TRANSFORM, FILTER and REDUCE, which are built in here.
	Functions *functions.Registry
	// CustomTypes resolves the names of CREATE TYPE types in CAST; nil
	// means none.
	CustomTypes func(name string) (types.Type, bool)
}

// Error codes of *Error.
const (
	CodeUnknownColumn = "unknown-column"
	CodeType          = "type"
	CodeCast          = "cast"
	CodeFunction      = "function"
	CodeUnsupported   = "unsupported"
	// CodeNotBoolean is CompilePredicate's error for a condition that is
	// not BOOLEAN, which ksqlDB words as "Type error in WHERE expression:
	// ..." where other errors are "Error in WHERE expression: ...".
	CodeNotBoolean = "not-boolean"
)

// Error is a compile-time error at a position of the expression.
type Error struct {
	Pos  ast.Pos
	Code string
	Msg  string
	// Generated marks an error ksqlDB finds only when it generates code for
	// the expression (an IN list without a common type, an unsupported
	// CAST), after type checking; ksqlDB words these with the clause, as
	// CompilePredicate and CompileSelect do.
	Generated bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("expr: line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

func errorf(p ast.Pos, code, format string, args ...any) *Error {
	return &Error{Pos: p, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Compiled is a type-checked expression ready to evaluate. It holds no
// per-evaluation state, so one Compiled serves concurrent goroutines.
type Compiled struct {
	// Type is the type of the result; the zero Type for an untyped NULL.
	Type types.Type
	// Columns are the indexes of the schema's columns it reads, in order.
	Columns []int
	fn      evalFn
}

// Eval evaluates the expression over row, whose values are in the order of
// the schema's columns. An error concerns this row only.
//
// A row whose values do not match the schema's types (a caller's bug) is
// reported as an error rather than a panic, so that one bad record cannot
// stop a query.
func (c *Compiled) Eval(row types.Row) (v types.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = types.Null(), fmt.Errorf("%w: %v", ErrBadRow, r)
		}
	}()
	return c.fn(row)
}

// ErrBadRow is the row error of a row whose values do not have the types of
// the schema Compile was given.
var ErrBadRow = errors.New("expr: row does not match the schema")

// Compile type-checks e against env and compiles it.
func Compile(e ast.Expr, env Env) (*Compiled, error) {
	if env.Schema == nil {
		env.Schema = types.MustSchema()
	}
	c := &compiler{env: env, base: env.Schema.Len()}
	n, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	fn := n.fn
	if n.strict != nil {
		fn = n.strict
	}
	slices.Sort(c.columns)
	return &Compiled{Type: n.t, fn: fn, Columns: slices.Compact(c.columns)}, nil
}

// evalFn computes one node. Lambda parameters are passed as extra values
// after the schema's columns, so the row type stays the same everywhere.
type evalFn func(row types.Row) (types.Value, error)

// node is a compiled expression: its type, its evaluator and, for constants
// known at compile time, its value.
type node struct {
	t       types.Type
	fn      evalFn
	isConst bool
	val     types.Value
	src     ast.Expr
	// strict, when set, is fn reporting an error fn turns into NULL: a
	// function call's own failure, which only the whole expression reports.
	strict evalFn
}

func constNode(t types.Type, v types.Value, src ast.Expr) *node {
	return &node{t: t, isConst: true, val: v, src: src, fn: func(types.Row) (types.Value, error) { return v, nil }}
}

func (n *node) isNull() bool { return n.isConst && n.val.IsNull() && n.t.IsZero() }

type lambdaVar struct {
	name string
	t    types.Type
	slot int
}

type compiler struct {
	env     Env
	base    int
	scope   []lambdaVar // innermost last
	columns []int       // the schema's columns read, in any order
}

// CompilePredicate is Compile for a WHERE or HAVING condition, which must
// be BOOLEAN (or an untyped NULL). The caller prefixes errors with its
// clause, as in "Type error in WHERE expression: ".
func CompilePredicate(e ast.Expr, env Env) (*Compiled, error) {
	c, err := Compile(e, env)
	if err != nil {
		return nil, withClause(err, "Invalid Predicate: ")
	}
	if !c.Type.IsZero() && c.Type.Kind() != types.KindBoolean {
		return nil, errorf(e.Position(), CodeNotBoolean, "Should evaluate to boolean but is %s (%s) instead.", e, c.Type)
	}
	return c, nil
}

// CompileSelect is Compile for an expression of a SELECT list: an error
// ksqlDB finds when generating code reads "Invalid Select: ...", as there.
func CompileSelect(e ast.Expr, env Env) (*Compiled, error) {
	c, err := Compile(e, env)
	if err != nil {
		return nil, withClause(err, "Invalid Select: ")
	}
	return c, nil
}

// withClause prefixes the message of a Generated error with the clause's
// wording.
func withClause(err error, prefix string) error {
	if e, ok := err.(*Error); ok && e.Generated {
		return &Error{Pos: e.Pos, Code: e.Code, Msg: prefix + e.Msg, Generated: true}
	}
	return err
}
