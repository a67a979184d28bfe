package expr

import (
	"errors"
	"strings"

	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// registryCall resolves a function by name and argument types, widens the
// arguments to the chosen overload's parameters and calls it.
func (c *compiler) registryCall(e *ast.Call) (*node, error) {
	if e.Star {
		// A scalar function called with * is called with no arguments, as
		// in ksqlDB: LEAST(*) fails as LEAST() does.
		if c.env.Functions != nil && !c.env.Functions.IsTableFunction(e.Name.Name) {
			if _, err := c.env.Functions.Resolve(e.Name.Name, nil); err != nil && errors.Is(err, functions.ErrNoMatchingOverload) {
				return nil, &Error{Pos: e.Pos, Code: CodeFunction, Msg: userMessage(err)}
			}
		}
		return nil, errorf(e.Pos, CodeFunction, "Function '%s' with * is an aggregate; it is not allowed here", e.Name.Name)
	}
	args := make([]*node, len(e.Args))
	ts := make([]functions.Arg, len(e.Args))
	for i, a := range e.Args {
		if tu, ok := a.(*ast.TimeUnitArg); ok {
			// A bare time unit reaches the function as its name.
			args[i] = constNode(types.StringType, types.Str(tu.Unit.String()), a)
		} else {
			n, err := c.compile(a)
			if err != nil {
				return nil, err
			}
			args[i] = n
		}
		_, lit := a.(*ast.StringLit)
		ts[i] = functions.Arg{Type: args[i].t, StringLiteral: lit}
	}
	if c.env.Functions == nil {
		return nil, errorf(e.Pos, CodeFunction, "Can't find any functions with the name '%s'", e.Name.Name)
	}
	res, err := c.env.Functions.ResolveArgs(e.Name.Name, ts)
	if err != nil {
		return nil, &Error{Pos: e.Pos, Code: CodeFunction, Msg: userMessage(err)}
	}
	fns := make([]evalFn, len(args))
	for i, a := range args {
		p := a.t
		if i < len(res.Params) {
			p = res.Params[i]
		}
		w, err := widenTo(a, p)
		if err != nil {
			return nil, err
		}
		fns[i] = w.fn
	}
	eval := res.Eval
	// ksqlDB evaluates a function call nested in an expression so that its
	// failure makes the call NULL and the rest goes on: MAP('a' :=
	// STRINGTODATE(x, 'yyyyMMdd'), 'b' := 3) keeps 'b' when x is bad, and
	// IFNULL(PARSE_DATE(x, ...), d) gives d. A call that is the whole
	// expression reports its error (Compile uses strict), for the
	// processing log. Errors of the arguments themselves still fail.
	call := func(row types.Row, nested bool) (types.Value, error) {
		var small [4]types.Value
		vals := small[:0]
		if len(fns) > len(small) {
			vals = make([]types.Value, 0, len(fns))
		}
		for _, f := range fns {
			v, err := f(row)
			if err != nil {
				return types.Null(), err
			}
			vals = append(vals, v)
		}
		v, err := eval(vals)
		if err != nil && nested {
			return types.Null(), nil
		}
		return v, err
	}
	return &node{t: res.Return, src: e,
		fn:     func(row types.Row) (types.Value, error) { return call(row, true) },
		strict: func(row types.Row) (types.Value, error) { return call(row, false) },
	}, nil
}

// userMessage drops the Go prefix of the registry's sentinel errors, leaving
// the text in ksqlDB's wording that users and tests see.
func userMessage(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{functions.ErrUnknownFunction, functions.ErrNoMatchingOverload} {
		if p := sentinel.Error() + ": "; errors.Is(err, sentinel) && strings.HasPrefix(msg, p) {
			return msg[len(p):]
		}
	}
	return msg
}
