// Package functions owns the registry of built-in scalar functions of the
// ksqlDB dialect: their signatures, the overload resolution that picks one
// for a call's argument types (an exact match first, then one reachable by
// implicit widening INT -> BIGINT -> DECIMAL -> DOUBLE), and their null and
// error semantics, which follow ksqlDB's so that queries give the same rows.
//
// The expression compiler resolves a call once, widens the arguments to the
// chosen parameter types and calls Eval per row:
//
//	reg := functions.NewRegistry()
//	fn, err := reg.Resolve("SUBSTRING", []types.Type{types.StringType, types.IntegerType})
//	if err != nil {
//		return err // Function 'substring' does not accept parameters ...
//	}
//	v, _ := fn.Eval([]types.Value{types.Str("sluice"), types.Int(-3)})
//	fmt.Println(v, fn.Return) // ice STRING
//
// An error from Eval means a bad value in one row (an invalid regular
// expression, an unknown encoding): the caller logs it and uses NULL, as
// ksqlDB does. Eval never panics on bad input.
package functions
