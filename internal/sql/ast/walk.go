package ast

// Walk calls fn for e and then, while fn returns true, for each of its
// sub-expressions, depth first in source order. Lambda bodies are walked;
// their parameters are not expressions.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Children returns the direct sub-expressions of e, in source order.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Unary:
		return []Expr{e.X}
	case *Binary:
		return []Expr{e.L, e.R}
	case *Not:
		return []Expr{e.X}
	case *IsNull:
		return []Expr{e.X}
	case *DistinctFrom:
		return []Expr{e.L, e.R}
	case *Between:
		return []Expr{e.X, e.Low, e.High}
	case *In:
		return append([]Expr{e.X}, e.List...)
	case *Like:
		return []Expr{e.X, e.Pattern}
	case *Call:
		return e.Args
	case *Lambda:
		return []Expr{e.Body}
	case *Case:
		var out []Expr
		if e.Operand != nil {
			out = append(out, e.Operand)
		}
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *Cast:
		return []Expr{e.X}
	case *ArrayCtor:
		return e.Elems
	case *MapCtor:
		out := make([]Expr, 0, 2*len(e.Entries))
		for _, en := range e.Entries {
			out = append(out, en.Key, en.Value)
		}
		return out
	case *StructCtor:
		out := make([]Expr, 0, len(e.Fields))
		for _, f := range e.Fields {
			out = append(out, f.Value)
		}
		return out
	case *Subscript:
		return []Expr{e.X, e.Index}
	case *Deref:
		return []Expr{e.X}
	}
	return nil
}
