package expr

import (
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func (c *compiler) deref(e *ast.Deref) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	if x.t.Kind() != types.KindStruct {
		return nil, errorf(e.Pos, CodeType, "Can't dereference %s: %s is %s, not a STRUCT", e, e.X, kindOrNull(x.t))
	}
	i, ok := x.t.FieldIndex(e.Field.Name)
	if !ok {
		return nil, errorf(e.Field.Pos, CodeUnknownColumn, "Could not find field '%s' in '%s'.", e.Field.Name, e.X)
	}
	f := x.fn
	return &node{t: x.t.Field(i).Type, src: e, fn: func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return types.Null(), err
		}
		return v.Field(i), nil
	}}, nil
}

func kindOrNull(t types.Type) string {
	if t.IsZero() {
		return "null"
	}
	return t.String()
}

func (c *compiler) subscript(e *ast.Subscript) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	idx, err := c.compile(e.Index)
	if err != nil {
		return nil, err
	}
	xf := x.fn
	switch x.t.Kind() {
	case types.KindArray:
		if k := idx.t.Kind(); k != types.KindInt && k != types.KindBigInt && !idx.t.IsZero() {
			return nil, errorf(e.Index.Position(), CodeType, "Array index %s must be INTEGER or BIGINT, not %s", e.Index, idx.t)
		}
		idf := idx.fn
		return &node{t: x.t.Elem(), src: e, fn: func(row types.Row) (types.Value, error) {
			a, i, err := both(xf, idf, row)
			if err != nil || a.IsNull() || i.IsNull() {
				return types.Null(), err
			}
			var n int64
			if i.Kind() == types.KindInt {
				n = int64(i.Int())
			} else {
				n = i.BigInt()
			}
			l := int64(a.Len())
			switch {
			case n > 0 && n <= l:
				return a.Index(int(n - 1)), nil
			case n < 0 && -n <= l:
				return a.Index(int(l + n)), nil
			}
			return types.Null(), nil
		}}, nil
	case types.KindMap:
		kt := x.t.Key()
		if !idx.t.IsZero() && !types.Widens(idx.t, kt) {
			return nil, errorf(e.Index.Position(), CodeType, "Map key %s (%s) does not match the map's key type %s", e.Index, idx.t, kt)
		}
		if idx, err = widenTo(idx, kt); err != nil {
			return nil, err
		}
		idf := idx.fn
		return &node{t: x.t.Elem(), src: e, fn: func(row types.Row) (types.Value, error) {
			m, k, err := both(xf, idf, row)
			if err != nil || m.IsNull() || k.IsNull() {
				return types.Null(), err
			}
			v, _ := m.MapGet(k)
			return v, nil
		}}, nil
	}
	return nil, errorf(e.Pos, CodeType, "Can't subscript %s: it is %s, not an ARRAY or a MAP", e.X, kindOrNull(x.t))
}

func evalAll(fns []evalFn, row types.Row) ([]types.Value, error) {
	out := make([]types.Value, len(fns))
	for i, f := range fns {
		v, err := f(row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (c *compiler) arrayCtor(e *ast.ArrayCtor) (*node, error) {
	if len(e.Elems) == 0 {
		return nil, errorf(e.Pos, CodeType, "Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	ns, t, err := c.coerceList(e.Elems)
	if err != nil {
		return nil, listError(err, false)
	}
	if t.IsZero() {
		return nil, errorf(e.Pos, CodeType, "Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	fns := fnsOf(ns)
	return &node{t: types.ArrayType(t), src: e, fn: func(row types.Row) (types.Value, error) {
		vs, err := evalAll(fns, row)
		if err != nil {
			return types.Null(), err
		}
		return types.Array(vs), nil
	}}, nil
}

func fnsOf(ns []*node) []evalFn {
	fns := make([]evalFn, len(ns))
	for i, n := range ns {
		fns[i] = n.fn
	}
	return fns
}

func (c *compiler) mapCtor(e *ast.MapCtor) (*node, error) {
	if len(e.Entries) == 0 {
		return nil, errorf(e.Pos, CodeType, "Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	ks := make([]ast.Expr, len(e.Entries))
	vs := make([]ast.Expr, len(e.Entries))
	for i, en := range e.Entries {
		ks[i], vs[i] = en.Key, en.Value
	}
	kn, kt, err := c.coerceList(ks)
	if err != nil {
		return nil, listError(err, false)
	}
	if kt.IsZero() {
		return nil, errorf(e.Pos, CodeType, "Cannot construct a map with all NULL keys (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL key to the desired type.")
	}
	vn, vt, err := c.coerceList(vs)
	if err != nil {
		return nil, listError(err, false)
	}
	if vt.IsZero() {
		return nil, errorf(e.Pos, CodeType, "Cannot construct a map with all NULL values (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	kf, vf := fnsOf(kn), fnsOf(vn)
	return &node{t: types.MapType(kt, vt), src: e, fn: func(row types.Row) (types.Value, error) {
		k, err := evalAll(kf, row)
		if err != nil {
			return types.Null(), err
		}
		v, err := evalAll(vf, row)
		if err != nil {
			return types.Null(), err
		}
		return types.Map(k, v), nil
	}}, nil
}

func (c *compiler) structCtor(e *ast.StructCtor) (*node, error) {
	fields := make([]types.Field, len(e.Fields))
	fns := make([]evalFn, len(e.Fields))
	for i, f := range e.Fields {
		n, err := c.compile(f.Value)
		if err != nil {
			return nil, err
		}
		if n.t.IsZero() {
			return nil, errorf(f.Value.Position(), CodeType, "Cannot infer the type of field '%s' from NULL; cast the NULL to the desired type.", f.Name.Name)
		}
		fields[i] = types.Field{Name: f.Name.Name, Type: n.t}
		fns[i] = n.fn
	}
	t, err := types.StructType(fields...)
	if err != nil {
		return nil, errorf(e.Pos, CodeType, "%v", err)
	}
	names := t.FieldNames()
	return &node{t: t, src: e, fn: func(row types.Row) (types.Value, error) {
		vs, err := evalAll(fns, row)
		if err != nil {
			return types.Null(), err
		}
		return types.Struct(names, vs), nil
	}}, nil
}
