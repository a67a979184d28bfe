package functions

import (
	"slices"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

func retArrayT(_ []types.Type, t types.Type) types.Type { return types.ArrayType(t) }

// nonStrict marks an overload that sees NULL arguments itself.
func nonStrict(o *overload) *overload {
	o.strict = false
	return o
}

// distinctValues returns the values of vs without repeats, in first-seen
// order; a NULL counts as one value.
func distinctValues(vs []types.Value, keep func(types.Value) bool) []types.Value {
	out := make([]types.Value, 0, len(vs))
	for _, v := range vs {
		if keep != nil && !keep(v) {
			continue
		}
		if !slices.ContainsFunc(out, v.Equal) && !(v.IsNull() && slices.ContainsFunc(out, types.Value.IsNull)) {
			out = append(out, v)
		}
	}
	return out
}

func registerCollections(r *Registry) {
	r.add("ARRAY_LENGTH", "ARRAY", "Returns the number of elements of an array.",
		gen("INTEGER", retConst(integ), func(a []types.Value) (types.Value, error) {
			return types.Int(int32(len(a[0].Elems()))), nil
		}, pArray("array")))

	r.add("ARRAY_CONTAINS", "ARRAY", "Reports whether an array contains a value (NULL included); false for a NULL array.",
		nonStrict(gen("BOOLEAN", retConst(types.BooleanType), func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() {
				return types.Bool(false), nil
			}
			for _, e := range a[0].Elems() {
				if (e.IsNull() && a[1].IsNull()) || (!e.IsNull() && e.Equal(a[1])) {
					return types.Bool(true), nil
				}
			}
			return types.Bool(false), nil
		}, pArray("array"), pT("val"))))

	r.add("ARRAY_DISTINCT", "ARRAY", "Returns the distinct elements of an array, in order of first appearance.",
		gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			return types.Array(distinctValues(a[0].Elems(), nil)), nil
		}, pArray("array")))

	extreme := func(want int) func([]types.Value) (types.Value, error) {
		return func(a []types.Value) (types.Value, error) {
			var best types.Value
			for _, e := range a[0].Elems() {
				if !e.IsNull() && (best.IsNull() || e.Compare(best) == want) {
					best = e
				}
			}
			return best, nil
		}
	}
	r.add("ARRAY_MAX", "ARRAY", "Returns the largest non-NULL element of an array, NULL if there is none.",
		gen("T", retT, extreme(1), pArray("array")))
	r.add("ARRAY_MIN", "ARRAY", "Returns the smallest non-NULL element of an array, NULL if there is none.",
		gen("T", retT, extreme(-1), pArray("array")))

	sortArr := func(a []types.Value) (types.Value, error) {
		desc := false
		if len(a) > 1 {
			switch strings.ToUpper(a[1].Str()) {
			case "ASC":
			case "DESC":
				desc = true
			default:
				return types.Null(), nil
			}
		}
		out := slices.Clone(a[0].Elems())
		slices.SortStableFunc(out, func(x, y types.Value) int {
			switch {
			case x.IsNull() && y.IsNull():
				return 0
			case x.IsNull():
				return 1
			case y.IsNull():
				return -1
			case desc:
				return y.Compare(x)
			}
			return x.Compare(y)
		})
		return types.Array(out), nil
	}
	r.add("ARRAY_SORT", "ARRAY", "Sorts an array ascending, or in the direction 'ASC' or 'DESC'; NULLs go last.",
		gen("ARRAY<T>", retFirst, sortArr, pArray("array")),
		gen("ARRAY<T>", retFirst, sortArr, pArray("array"), p("direction", str)))

	join := func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null(), nil
		}
		sep := ","
		if len(a) > 1 {
			sep = ""
			if !a[1].IsNull() {
				sep = a[1].Str()
			}
		}
		var b []byte
		for i, e := range a[0].Elems() {
			if i > 0 {
				b = append(b, sep...)
			}
			b = e.Append(b)
		}
		return types.Str(string(b)), nil
	}
	r.add("ARRAY_JOIN", "ARRAY", "Joins the elements of an array as text with a delimiter, ',' by default.",
		nonStrict(gen("STRING", retConst(str), join, pArray("array"))),
		nonStrict(gen("STRING", retConst(str), join, pArray("array"), p("delimiter", str))))

	r.add("ARRAY_REMOVE", "ARRAY", "Returns an array without the elements equal to a value (NULL removes NULLs).",
		nonStrict(gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() {
				return types.Null(), nil
			}
			out := make([]types.Value, 0, len(a[0].Elems()))
			for _, e := range a[0].Elems() {
				if e.IsNull() != a[1].IsNull() || (!e.IsNull() && !e.Equal(a[1])) {
					out = append(out, e)
				}
			}
			return types.Array(out), nil
		}, pArray("array"), pT("victim"))))

	r.add("ARRAY_UNION", "ARRAY", "Returns the distinct elements of both arrays, in order of first appearance.",
		gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			all := append(slices.Clone(a[0].Elems()), a[1].Elems()...)
			return types.Array(distinctValues(all, nil)), nil
		}, pArray("left"), pArray("right")))
	r.add("ARRAY_INTERSECT", "ARRAY", "Returns the distinct elements of the first array that are also in the second.",
		gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			right := a[1].Elems()
			return types.Array(distinctValues(a[0].Elems(), func(v types.Value) bool { return containsValue(right, v) })), nil
		}, pArray("left"), pArray("right")))
	r.add("ARRAY_EXCEPT", "ARRAY", "Returns the distinct elements of the first array that are not in the second.",
		gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			right := a[1].Elems()
			return types.Array(distinctValues(a[0].Elems(), func(v types.Value) bool { return !containsValue(right, v) })), nil
		}, pArray("left"), pArray("right")))

	r.add("SLICE", "ARRAY", "Returns the elements of an array from position from to position to, 1-based and inclusive; NULL when out of range.",
		nonStrict(gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() {
				return types.Null(), nil
			}
			es := a[0].Elems()
			start, end := 0, len(es)
			if !a[1].IsNull() {
				start = int(a[1].Int()) - 1
			}
			if !a[2].IsNull() {
				end = int(a[2].Int())
			}
			if start < 0 || end > len(es) || start > end {
				return types.Null(), nil
			}
			return types.Array(es[start:end:end]), nil
		}, pArray("array"), p("from", integ), p("to", integ))))

	r.add("MAP_KEYS", "MAP", "Returns the keys of a map as an array.",
		gen("ARRAY<K>", func(params []types.Type, _ types.Type) types.Type { return types.ArrayType(params[0].Key()) },
			func(a []types.Value) (types.Value, error) {
				m := a[0]
				out := make([]types.Value, m.Len())
				for i := range out {
					out[i] = m.MapKey(i)
				}
				return types.Array(out), nil
			}, pMap("map")))
	r.add("MAP_VALUES", "MAP", "Returns the values of a map as an array.",
		gen("ARRAY<T>", retArrayT, func(a []types.Value) (types.Value, error) {
			m := a[0]
			out := make([]types.Value, m.Len())
			for i := range out {
				out[i] = m.MapElem(i)
			}
			return types.Array(out), nil
		}, pMap("map")))

	elt := variadic(str, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null(), nil
		}
		n := int(a[0].Int())
		if n < 1 || n >= len(a) {
			return types.Null(), nil
		}
		return a[n], nil
	}, p("n", integ), p("args", str))
	r.add("ELT", "STRING", "Returns the n-th of the string arguments, 1-based; NULL when out of range.", elt)
	field := variadic(integ, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Int(0), nil
		}
		for i, v := range a[1:] {
			if !v.IsNull() && v.Str() == a[0].Str() {
				return types.Int(int32(i + 1)), nil
			}
		}
		return types.Int(0), nil
	}, p("str", str), p("args", str))
	r.add("FIELD", "STRING", "Returns the 1-based position of str among the arguments, 0 if absent or NULL.", field)
}

func containsValue(vs []types.Value, v types.Value) bool {
	for _, e := range vs {
		if (e.IsNull() && v.IsNull()) || (!e.IsNull() && !v.IsNull() && e.Equal(v)) {
			return true
		}
	}
	return false
}
