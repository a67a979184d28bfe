package functions

import "github.com/sluicedata/sluice/internal/types"

func registerNulls(r *Registry) {
	coalesce := gen("T", retT, func(args []types.Value) (types.Value, error) {
		for _, a := range args {
			if !a.IsNull() {
				return a, nil
			}
		}
		return types.Null(), nil
	}, pT("first"), pT("others"))
	coalesce.variadic = true
	coalesce.strict = false
	r.add("COALESCE", "NULLS", "Returns the first non-null argument, or NULL if all are NULL.", coalesce)

	ifnull := gen("T", retT, func(args []types.Value) (types.Value, error) {
		if args[0].IsNull() {
			return args[1], nil
		}
		return args[0], nil
	}, pT("expression"), pT("altValue"))
	ifnull.strict = false
	r.add("IFNULL", "NULLS", "Returns expression, or altValue if expression is NULL.", ifnull)

	nullif := gen("T", retT, func(args []types.Value) (types.Value, error) {
		if !args[1].IsNull() && args[0].Equal(args[1]) {
			return types.Null(), nil
		}
		return args[0], nil
	}, pT("expr1"), pT("expr2"))
	nullif.strict = false
	r.add("NULLIF", "NULLS", "Returns NULL if expr1 equals expr2, otherwise expr1.", nullif)

	asValue := gen("T", retT, func(args []types.Value) (types.Value, error) { return args[0], nil }, pT("val"))
	asValue.strict = false
	r.add("AS_VALUE", "OTHER", "Returns its argument; used to copy a key column into the value.", asValue)
}
