package functions

import (
	"fmt"
	"sort"

	"github.com/sluicedata/sluice/internal/types"
)

// TOPK and TOPKDISTINCT keep the k greatest values, greatest first; k is
// the last argument and must be an INTEGER literal. NULL values are
// skipped.
//
// TOPK(col, k) keeps values of col, duplicates included. TOPK(col, other1,
// ..., k) keeps, for each of the top values of col, the row's other
// columns too: its elements are STRUCT<sort_col T, col0 U0, col1 U1, ...>.

func topkAggregates() []*aggFunc {
	var distinctSigs []string
	for _, t := range []string{"INT", "BIGINT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "STRING", "BYTES"} {
		distinctSigs = append(distinctSigs, "TOPKDISTINCT(val "+t+", k INT) => ARRAY<"+t+">")
	}
	var topkSigs []string
	for _, t := range []string{"INT", "BIGINT", "DOUBLE", "STRING"} {
		topkSigs = append(topkSigs, "TOPK(val "+t+", k INT) => ARRAY<"+t+">",
			"TOPK(val "+t+", other ANY..., k INT) => ARRAY<STRUCT<sort_col "+t+", col0 ANY, ...>>")
	}
	return []*aggFunc{
		{name: "TOPK", decl: "TOPK", description: "Returns the top k values for a column and other values in those records.",
			signatures: topkSigs, resolve: resolveTopK},
		{name: "TOPKDISTINCT", decl: "TOPKDISTINCT", description: "Computes the top k distinct values for a column, per key.",
			signatures: distinctSigs, resolve: resolveTopKDistinct},
	}
}

// topkK reads and checks k, the last argument.
func topkK(c *aggCall) (int, bool, error) {
	last := len(c.args) - 1
	if !c.args[last].Type.IsZero() && c.args[last].Type.Kind() != types.KindInt {
		return 0, false, nil
	}
	k, err := c.intLiteral(last)
	if err != nil {
		return 0, false, err
	}
	if k < 1 {
		return 0, false, fmt.Errorf("%w: %s k must be 1 or greater, but was %d", ErrNoMatchingOverload, c.fn.name, k)
	}
	return k, true, nil
}

func resolveTopK(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) < 2 {
		return ResolvedAggregate{}, false, nil
	}
	p, ok := pickType(c.args[0].Type, ptr(types.IntegerType), ptr(types.BigIntType), ptr(types.DoubleType), ptr(types.StringType))
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	for _, a := range c.args[1 : len(c.args)-1] {
		if a.Type.IsZero() {
			return ResolvedAggregate{}, false, nil
		}
	}
	k, ok, err := topkK(c)
	if !ok || err != nil {
		return ResolvedAggregate{}, ok, err
	}
	params := c.types()
	params[0], params[len(params)-1] = p, types.IntegerType
	elem := p
	sortKey := func(v types.Value) types.Value { return v }
	makeElem := func(args []types.Value) types.Value { return args[0] }
	if len(c.args) > 2 {
		// The other columns ride along in a struct.
		fields := []types.Field{{Name: "sort_col", Type: p}}
		for i, a := range c.args[1 : len(c.args)-1] {
			fields = append(fields, types.Field{Name: fmt.Sprintf("col%d", i), Type: a.Type})
		}
		elem = types.MustStructType(fields...)
		names := elem.FieldNames()
		sortKey = func(v types.Value) types.Value { return v.Field(0) }
		makeElem = func(args []types.Value) types.Value {
			return types.Struct(names, append([]types.Value(nil), args[:len(args)-1]...))
		}
	}
	at := types.ArrayType(elem)
	return ResolvedAggregate{
		Params: params, Return: at, State: at,
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			elems := s.Elems()
			full := len(elems) == k
			if full && args[0].Compare(sortKey(elems[len(elems)-1])) <= 0 {
				return s, nil
			}
			out := appendCopy(elems)
			if full {
				out[len(out)-1] = makeElem(args)
			} else {
				out = append(out, makeElem(args))
			}
			// Stable, as Java's List.sort: a new value equal to kept ones
			// goes after them.
			sort.SliceStable(out, func(i, j int) bool { return sortKey(out[i]).Compare(sortKey(out[j])) > 0 })
			return types.Array(out), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			x, y := a.Elems(), b.Elems()
			out := make([]types.Value, 0, min(k, len(x)+len(y)))
			i, j := 0, 0
			for len(out) < k && (i < len(x) || j < len(y)) {
				if j >= len(y) || i < len(x) && sortKey(x[i]).Compare(sortKey(y[j])) >= 0 {
					out = append(out, x[i])
					i++
				} else {
					out = append(out, y[j])
					j++
				}
			}
			return types.Array(out), nil
		},
		Result: identityResult,
	}, true, nil
}

func resolveTopKDistinct(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 2 {
		return ResolvedAggregate{}, false, nil
	}
	p, ok := pickType(c.args[0].Type, comparableCands...)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	k, ok, err := topkK(c)
	if !ok || err != nil {
		return ResolvedAggregate{}, ok, err
	}
	at := types.ArrayType(p)
	return ResolvedAggregate{
		Params: []types.Type{p, types.IntegerType}, Return: at, State: at,
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			v := args[0]
			elems := s.Elems()
			if v.IsNull() || len(elems) == k && v.Compare(elems[len(elems)-1]) <= 0 || containsValue(elems, v) {
				return s, nil
			}
			out := appendCopy(elems)
			if len(out) == k {
				out[len(out)-1] = v
			} else {
				out = append(out, v)
			}
			sort.SliceStable(out, func(i, j int) bool { return out[i].Compare(out[j]) > 0 })
			return types.Array(out), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			x, y := a.Elems(), b.Elems()
			out := make([]types.Value, 0, min(k, len(x)+len(y)))
			i, j := 0, 0
			for len(out) < k && (i < len(x) || j < len(y)) {
				switch {
				case j >= len(y):
					out = append(out, x[i])
					i++
				case i >= len(x):
					out = append(out, y[j])
					j++
				default:
					switch c := x[i].Compare(y[j]); {
					case c > 0:
						out = append(out, x[i])
						i++
					case c < 0:
						out = append(out, y[j])
						j++
					default:
						out = append(out, x[i])
						i++
						j++
					}
				}
			}
			return types.Array(out), nil
		},
		Result: identityResult,
	}, true, nil
}
