package expr

import (
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func (c *compiler) call(e *ast.Call) (*node, error) {
	switch e.Name.Name {
	case "TRANSFORM", "FILTER", "REDUCE":
		if len(e.Args) > 0 {
			if _, ok := e.Args[len(e.Args)-1].(*ast.Lambda); ok {
				return c.lambdaCall(e)
			}
		}
	}
	for _, a := range e.Args {
		if l, ok := a.(*ast.Lambda); ok {
			return nil, errorf(l.Pos, CodeUnsupported, "Lambda %s is only allowed as an argument of TRANSFORM, FILTER or REDUCE", l)
		}
	}
	return c.registryCall(e)
}

// lambda compiles the body of l with its parameters bound to ts. The
// parameters live in row slots after the schema's columns (and after those
// of any enclosing lambda); first is the first slot.
func (c *compiler) lambda(l *ast.Lambda, ts ...types.Type) (body *node, first int, err error) {
	if len(l.Params) != len(ts) {
		return nil, 0, errorf(l.Pos, CodeFunction, "Lambda %s must take %d parameter(s), not %d", l, len(ts), len(l.Params))
	}
	first = c.base + len(c.scope)
	saved := c.scope
	for i, p := range l.Params {
		c.scope = append(c.scope, lambdaVar{name: p.Name, t: ts[i], slot: first + i})
	}
	body, err = c.compile(l.Body)
	c.scope = saved
	return body, first, err
}

// frame copies row into a buffer with room for n lambda parameters at
// first, reused across the elements of one call.
func frame(row types.Row, first, n int) types.Row {
	buf := make(types.Row, first+n)
	copy(buf, row)
	return buf
}

func lambdaArg(e *ast.Call, i int) (*ast.Lambda, error) {
	if i < len(e.Args) {
		if l, ok := e.Args[i].(*ast.Lambda); ok {
			return l, nil
		}
	}
	return nil, errorf(e.Pos, CodeFunction, "Function '%s' expects a lambda as argument %d", e.Name.Name, i+1)
}

func (c *compiler) lambdaCall(e *ast.Call) (*node, error) {
	name := e.Name.Name
	want := 2
	if name == "REDUCE" {
		want = 3
	}
	coll, err := c.compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	isMap := coll.t.Kind() == types.KindMap
	if name == "TRANSFORM" && isMap {
		want = 3
	}
	if len(e.Args) != want {
		return nil, errorf(e.Pos, CodeFunction, "Function '%s' does not accept %d arguments here", name, len(e.Args))
	}
	if k := coll.t.Kind(); k != types.KindArray && k != types.KindMap {
		return nil, errorf(e.Args[0].Position(), CodeFunction, "Function '%s' expects an ARRAY or a MAP as its first argument, not %s", name, kindOrNull(coll.t))
	}
	cf := coll.fn
	switch name {
	case "TRANSFORM":
		return c.transform(e, coll, cf, isMap)
	case "FILTER":
		l, err := lambdaArg(e, 1)
		if err != nil {
			return nil, err
		}
		params := []types.Type{coll.t.Elem()}
		if isMap {
			params = []types.Type{coll.t.Key(), coll.t.Elem()}
		}
		body, first, err := c.lambda(l, params...)
		if err != nil {
			return nil, err
		}
		if err := checkBool(body, "FILTER"); err != nil {
			return nil, err
		}
		bf := body.fn
		return &node{t: coll.t, src: e, fn: func(row types.Row) (types.Value, error) {
			v, err := cf(row)
			if err != nil || v.IsNull() {
				return types.Null(), err
			}
			buf := frame(row, first, len(params))
			keep := func(args ...types.Value) (bool, error) {
				copy(buf[first:], args)
				b, err := bf(buf)
				return err == nil && !b.IsNull() && b.Bool(), err
			}
			if !isMap {
				var out []types.Value
				for _, x := range v.Elems() {
					ok, err := keep(x)
					if err != nil {
						return types.Null(), err
					}
					if ok {
						out = append(out, x)
					}
				}
				if out == nil {
					out = []types.Value{}
				}
				return types.Array(out), nil
			}
			var ks, vs []types.Value
			for i := 0; i < v.Len(); i++ {
				ok, err := keep(v.MapKey(i), v.MapElem(i))
				if err != nil {
					return types.Null(), err
				}
				if ok {
					ks, vs = append(ks, v.MapKey(i)), append(vs, v.MapElem(i))
				}
			}
			return types.Map(ks, vs), nil
		}}, nil
	}
	// REDUCE(coll, init, (acc, x) => ...) or (acc, k, v) => ... for maps.
	init, err := c.compile(e.Args[1])
	if err != nil {
		return nil, err
	}
	if init.t.IsZero() {
		return nil, errorf(e.Args[1].Position(), CodeFunction, "The initial state of REDUCE cannot be an untyped NULL; cast it to the desired type")
	}
	l, err := lambdaArg(e, 2)
	if err != nil {
		return nil, err
	}
	params := []types.Type{init.t, coll.t.Elem()}
	if isMap {
		params = []types.Type{init.t, coll.t.Key(), coll.t.Elem()}
	}
	body, first, err := c.lambda(l, params...)
	if err != nil {
		return nil, err
	}
	if !body.t.IsZero() && !types.Widens(body.t, init.t) {
		return nil, errorf(l.Body.Position(), CodeFunction, "The lambda of REDUCE must return the type of its initial state, %s, not %s", init.t, body.t)
	}
	if body, err = widenTo(body, init.t); err != nil {
		return nil, err
	}
	bf, inf := body.fn, init.fn
	return &node{t: init.t, src: e, fn: func(row types.Row) (types.Value, error) {
		v, acc, err := both(cf, inf, row)
		if err != nil {
			return types.Null(), err
		}
		if v.IsNull() {
			// ksqlDB's REDUCE of a NULL collection is its initial state.
			return acc, nil
		}
		buf := frame(row, first, len(params))
		n := v.Len()
		var order []int
		if isMap {
			order = javaHashOrder(v)
		}
		for i := 0; i < n; i++ {
			buf[first] = acc
			if isMap {
				j := order[i]
				buf[first+1], buf[first+2] = v.MapKey(j), v.MapElem(j)
			} else {
				buf[first+1] = v.Index(i)
			}
			if acc, err = bf(buf); err != nil {
				return types.Null(), err
			}
		}
		return acc, nil
	}}, nil
}

func (c *compiler) transform(e *ast.Call, coll *node, cf evalFn, isMap bool) (*node, error) {
	if !isMap {
		l, err := lambdaArg(e, 1)
		if err != nil {
			return nil, err
		}
		body, first, err := c.lambda(l, coll.t.Elem())
		if err != nil {
			return nil, err
		}
		if body.t.IsZero() {
			return nil, errorf(l.Body.Position(), CodeFunction, "The lambda of TRANSFORM cannot return an untyped NULL; cast it to the desired type")
		}
		bf := body.fn
		return &node{t: types.ArrayType(body.t), src: e, fn: func(row types.Row) (types.Value, error) {
			v, err := cf(row)
			if err != nil || v.IsNull() {
				return types.Null(), err
			}
			buf := frame(row, first, 1)
			in := v.Elems()
			out := make([]types.Value, len(in))
			for i, x := range in {
				buf[first] = x
				if out[i], err = bf(buf); err != nil {
					return types.Null(), err
				}
			}
			return types.Array(out), nil
		}}, nil
	}
	kl, err := lambdaArg(e, 1)
	if err != nil {
		return nil, err
	}
	vl, err := lambdaArg(e, 2)
	if err != nil {
		return nil, err
	}
	kb, first, err := c.lambda(kl, coll.t.Key(), coll.t.Elem())
	if err != nil {
		return nil, err
	}
	vb, _, err := c.lambda(vl, coll.t.Key(), coll.t.Elem())
	if err != nil {
		return nil, err
	}
	if kb.t.IsZero() || vb.t.IsZero() {
		return nil, errorf(e.Pos, CodeFunction, "The lambdas of TRANSFORM cannot return an untyped NULL; cast it to the desired type")
	}
	kf, vf := kb.fn, vb.fn
	return &node{t: types.MapType(kb.t, vb.t), src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := cf(row)
		if err != nil || v.IsNull() {
			return types.Null(), err
		}
		buf := frame(row, first, 2)
		n := v.Len()
		ks, vs := make([]types.Value, n), make([]types.Value, n)
		for i := 0; i < n; i++ {
			buf[first], buf[first+1] = v.MapKey(i), v.MapElem(i)
			if ks[i], err = kf(buf); err != nil {
				return types.Null(), err
			}
			if vs[i], err = vf(buf); err != nil {
				return types.Null(), err
			}
		}
		return types.Map(ks, vs), nil
	}}, nil
}
