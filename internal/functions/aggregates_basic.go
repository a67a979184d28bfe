package functions

import (
	"fmt"
	"math/big"

	"github.com/sluicedata/sluice/internal/types"
)

// COUNT, SUM, AVG, MIN, MAX and SUM_LIST. Integer sums wrap around on
// overflow, as ksqlDB's Java arithmetic does; a DECIMAL sum fails instead.

func basicAggregates() []*aggFunc {
	return []*aggFunc{
		{name: "COUNT", decl: "COUNT", description: "Counts records by key.",
			signatures: []string{"COUNT() => BIGINT", "COUNT(val T) => BIGINT"}, resolve: resolveCount},
		{name: "SUM", decl: "SUM", description: "Computes the sum for a key.",
			signatures: []string{"SUM(val INT) => INT", "SUM(val BIGINT) => BIGINT", "SUM(val DOUBLE) => DOUBLE", "SUM(val DECIMAL) => DECIMAL"},
			resolve:    resolveSum},
		{name: "AVG", decl: "avg", description: "Returns the average value of the column computed as the sum divided by the count. Applicable only to numeric types.",
			signatures: []string{"AVG(val INT) => DOUBLE", "AVG(val BIGINT) => DOUBLE", "AVG(val DOUBLE) => DOUBLE"},
			resolve:    resolveAvg},
		{name: "MIN", decl: "MIN", description: "Computes the minimum value for a key.",
			signatures: extremeSignatures("MIN"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveExtreme(c, -1) }},
		{name: "MAX", decl: "MAX", description: "Computes the maximum value for a key.",
			signatures: extremeSignatures("MAX"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveExtreme(c, 1) }},
		{name: "SUM_LIST", decl: "sum_list", description: "Returns the sum of elements contained in the list.",
			signatures: []string{"SUM_LIST(list ARRAY<INT>) => INT", "SUM_LIST(list ARRAY<BIGINT>) => BIGINT", "SUM_LIST(list ARRAY<DOUBLE>) => DOUBLE"},
			resolve:    resolveSumList},
	}
}

func resolveCount(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) > 1 {
		return ResolvedAggregate{}, false, nil
	}
	params := c.types()
	// COUNT() and COUNT(*) count rows; COUNT(col) the non-null values.
	counts := func(args []types.Value) bool { return len(args) == 0 || !args[0].IsNull() }
	return ResolvedAggregate{
		Params: params, Return: types.BigIntType, State: types.BigIntType,
		Init: func() types.Value { return types.BigInt(0) },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if !counts(args) {
				return s, nil
			}
			return types.BigInt(s.BigInt() + 1), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			if !counts(args) {
				return s, nil
			}
			return types.BigInt(s.BigInt() - 1), nil
		},
		Merge:  func(a, b types.Value) (types.Value, error) { return types.BigInt(a.BigInt() + b.BigInt()), nil },
		Result: identityResult,
	}, true, nil
}

func identityResult(s types.Value) (types.Value, error) { return s, nil }

// numeric is arithmetic on INTEGER, BIGINT or DOUBLE values of one type,
// with Java's wrap-around for the integers.
type numeric struct {
	typ  types.Type
	zero types.Value
	add  func(a, b types.Value) types.Value
	sub  func(a, b types.Value) types.Value
	f64  func(v types.Value) float64
}

var (
	intNumeric = numeric{typ: types.IntegerType, zero: types.Int(0),
		add: func(a, b types.Value) types.Value { return types.Int(a.Int() + b.Int()) },
		sub: func(a, b types.Value) types.Value { return types.Int(a.Int() - b.Int()) },
		f64: func(v types.Value) float64 { return float64(v.Int()) }}
	bigintNumeric = numeric{typ: types.BigIntType, zero: types.BigInt(0),
		add: func(a, b types.Value) types.Value { return types.BigInt(a.BigInt() + b.BigInt()) },
		sub: func(a, b types.Value) types.Value { return types.BigInt(a.BigInt() - b.BigInt()) },
		f64: func(v types.Value) float64 { return float64(v.BigInt()) }}
	doubleNumeric = numeric{typ: types.DoubleType, zero: types.Double(0),
		add: func(a, b types.Value) types.Value { return types.Double(a.Double() + b.Double()) },
		sub: func(a, b types.Value) types.Value { return types.Double(a.Double() - b.Double()) },
		f64: func(v types.Value) float64 { return v.Double() }}
)

// numericFor returns the arithmetic of an INTEGER, BIGINT or DOUBLE type.
func numericFor(t types.Type) numeric {
	switch t.Kind() {
	case types.KindInt:
		return intNumeric
	case types.KindBigInt:
		return bigintNumeric
	}
	return doubleNumeric
}

// pickNumeric binds an argument to INTEGER, BIGINT or DOUBLE.
func pickNumeric(t types.Type) (numeric, bool) {
	p, ok := pickType(t, ptr(types.IntegerType), ptr(types.BigIntType), ptr(types.DoubleType))
	if !ok {
		return numeric{}, false
	}
	return numericFor(p), true
}

func resolveSum(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	p, ok := pickType(c.args[0].Type, ptr(types.IntegerType), ptr(types.BigIntType), ptr(types.DoubleType), nil)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	if p.Kind() == types.KindDecimal {
		return decimalSum(p), true, nil
	}
	n := numericFor(p)
	return ResolvedAggregate{
		Params: []types.Type{p}, Return: p, State: p,
		Init: func() types.Value { return n.zero },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return n.add(s, args[0]), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return n.sub(s, args[0]), nil
		},
		Merge:  func(a, b types.Value) (types.Value, error) { return n.add(a, b), nil },
		Result: identityResult,
	}, true, nil
}

// decimalSum sums DECIMAL(p, s) values into a DECIMAL(p, s), failing as
// ksqlDB does when the sum no longer fits.
func decimalSum(t types.Type) ResolvedAggregate {
	prec, scale := t.Precision(), t.Scale()
	digits := prec - scale
	limit := types.NewDecimalFromBig(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil), 0)
	zero := types.Dec(types.NewDecimal(0, int32(scale)))
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: t, State: t,
		Init: func() types.Value { return zero },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			sum := s.Dec().Add(args[0].Dec()).Rescale(int32(scale), types.RoundHalfUp)
			if sum.Abs().Cmp(limit) >= 0 {
				return types.Value{}, fmt.Errorf("Numeric field overflow: A field with precision %d and scale %d must round to an absolute value less than 10^%d. Got %s",
					prec, scale, digits, sum.String())
			}
			return types.Dec(sum), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return types.Dec(s.Dec().Sub(args[0].Dec()).Rescale(int32(scale), types.RoundHalfUp)), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			return types.Dec(a.Dec().Add(b.Dec()).Rescale(int32(scale), types.RoundHalfUp)), nil
		},
		Result: identityResult,
	}
}

var avgNames = []string{"SUM", "COUNT"}

// resolveAvg averages INTEGER, BIGINT or DOUBLE values (a DECIMAL is
// widened to DOUBLE). The state is STRUCT<SUM T, COUNT BIGINT>; the
// average of no values is 0.0, as in ksqlDB.
func resolveAvg(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	n, ok := pickNumeric(c.args[0].Type)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	st := mustStruct(avgNames, n.typ, types.BigIntType)
	names := st.FieldNames()
	mk := func(sum types.Value, count int64) types.Value {
		return types.Struct(names, []types.Value{sum, types.BigInt(count)})
	}
	step := func(s, v types.Value, sign int64) types.Value {
		if v.IsNull() {
			return s
		}
		if sign > 0 {
			return mk(n.add(s.Field(0), v), s.Field(1).BigInt()+1)
		}
		return mk(n.sub(s.Field(0), v), s.Field(1).BigInt()-1)
	}
	return ResolvedAggregate{
		Params: []types.Type{n.typ}, Return: types.DoubleType, State: st,
		Init: func() types.Value { return mk(n.zero, 0) },
		Add:  func(s types.Value, args []types.Value) (types.Value, error) { return step(s, args[0], 1), nil },
		Undo: func(s types.Value, args []types.Value) (types.Value, error) { return step(s, args[0], -1), nil },
		Merge: func(a, b types.Value) (types.Value, error) {
			return mk(n.add(a.Field(0), b.Field(0)), a.Field(1).BigInt()+b.Field(1).BigInt()), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			count := s.Field(1).BigInt()
			if count == 0 {
				return types.Double(0), nil
			}
			return types.Double(n.f64(s.Field(0)) / float64(count)), nil
		},
	}, true, nil
}

func extremeSignatures(name string) []string {
	var out []string
	for _, t := range []string{"INT", "BIGINT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "STRING", "BYTES"} {
		out = append(out, name+"(val "+t+") => "+t)
	}
	return out
}

// comparableCands are the types MIN, MAX and TOPKDISTINCT accept; nil
// stands for any DECIMAL.
var comparableCands = []*types.Type{ptr(types.IntegerType), ptr(types.BigIntType), ptr(types.DoubleType), nil,
	ptr(types.DateType), ptr(types.TimeType), ptr(types.TimestampType), ptr(types.StringType), ptr(types.BytesType)}

// resolveExtreme is MIN (dir -1) or MAX (dir 1): NULLs are skipped, and
// the state is the extreme so far, NULL for none.
func resolveExtreme(c *aggCall, dir int) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	p, ok := pickType(c.args[0].Type, comparableCands...)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	pick := func(a, b types.Value) types.Value {
		switch {
		case a.IsNull():
			return b
		case b.IsNull():
			return a
		case a.Compare(b)*dir >= 0:
			return a
		}
		return b
	}
	return ResolvedAggregate{
		Params: []types.Type{p}, Return: p, State: p,
		Init:   func() types.Value { return types.Null() },
		Add:    func(s types.Value, args []types.Value) (types.Value, error) { return pick(s, args[0]), nil },
		Merge:  func(a, b types.Value) (types.Value, error) { return pick(a, b), nil },
		Result: identityResult,
	}, true, nil
}

// resolveSumList sums the non-null elements of arrays of INTEGER, BIGINT
// or DOUBLE into one value of the element type.
func resolveSumList(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	t := c.args[0].Type
	if t.Kind() != types.KindArray {
		return ResolvedAggregate{}, false, nil
	}
	var n numeric
	switch t.Elem().Kind() {
	case types.KindInt, types.KindBigInt, types.KindDouble:
		n = numericFor(t.Elem())
	default:
		return ResolvedAggregate{}, false, nil
	}
	sumOf := func(list types.Value) types.Value {
		s := n.zero
		for _, e := range list.Elems() {
			if !e.IsNull() {
				s = n.add(s, e)
			}
		}
		return s
	}
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: n.typ, State: n.typ,
		Init: func() types.Value { return n.zero },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return n.add(s, sumOf(args[0])), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return n.sub(s, sumOf(args[0])), nil
		},
		Merge:  func(a, b types.Value) (types.Value, error) { return n.add(a, b), nil },
		Result: identityResult,
	}, true, nil
}
