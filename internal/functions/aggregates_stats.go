package functions

import (
	"math"

	"github.com/sluicedata/sluice/internal/types"
)

// CORRELATION, STDDEV_SAMP and STDDEV_SAMPLE, with ksqlDB's arithmetic
// reproduced operation by operation (integer sums that wrap, integer
// divisions where its Java code divides longs), so that results match to
// the last bit.
//
// STDDEV_SAMP returns the sample variance, not its square root: that is
// what ksqlDB's STDDEV_SAMP computes. STDDEV_SAMPLE returns the standard
// deviation.

func statsAggregates() []*aggFunc {
	sd := func(name string) []string {
		return []string{name + "(val INT) => DOUBLE", name + "(val BIGINT) => DOUBLE", name + "(val DOUBLE) => DOUBLE"}
	}
	return []*aggFunc{
		{name: "CORRELATION", decl: "correlation", description: "Computes the Pearson correlation coefficient between two columns of data.",
			signatures: []string{"CORRELATION(x DOUBLE, y DOUBLE) => DOUBLE", "CORRELATION(x INT, y INT) => DOUBLE", "CORRELATION(x BIGINT, y BIGINT) => DOUBLE"},
			resolve:    resolveCorrelation},
		{name: "STDDEV_SAMP", decl: "STDDEV_SAMP", description: "Returns the sample standard deviation of the column. Applicable only to numeric types.",
			signatures: sd("STDDEV_SAMP"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveStddev(c, false) }},
		{name: "STDDEV_SAMPLE", decl: "STDDEV_SAMPLE", description: "Returns the sample standard deviation of the column. Applicable only to numeric types.",
			signatures: sd("STDDEV_SAMPLE"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveStddev(c, true) }},
	}
}

var corrNames = []string{"X_SUM", "Y_SUM", "X_SQUARED_SUM", "Y_SQUARED_SUM", "XY_SUM", "COUNT"}

func resolveCorrelation(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 2 {
		return ResolvedAggregate{}, false, nil
	}
	// Both arguments bind to one type: DOUBLE, INT or BIGINT, in ksqlDB's
	// order of declaration.
	var p types.Type
	best := -1
	for _, cand := range []types.Type{types.DoubleType, types.IntegerType, types.BigIntType} {
		c1, ok1 := widenCost(c.args[0].Type, cand)
		c2, ok2 := widenCost(c.args[1].Type, cand)
		if ok1 && ok2 && (best < 0 || c1+c2 < best) {
			p, best = cand, c1+c2
		}
	}
	if best < 0 {
		return ResolvedAggregate{}, false, nil
	}
	n := numericFor(p)
	d := types.DoubleType
	st := mustStruct(corrNames, d, d, d, d, d, types.BigIntType)
	names := st.FieldNames()
	mk := func(f [5]float64, count int64) types.Value {
		vals := make([]types.Value, 6)
		for i, x := range f {
			vals[i] = types.Double(x)
		}
		vals[5] = types.BigInt(count)
		return types.Struct(names, vals)
	}
	get := func(s types.Value) ([5]float64, int64) {
		var f [5]float64
		for i := range f {
			f[i] = s.Field(i).Double()
		}
		return f, s.Field(5).BigInt()
	}
	step := func(s types.Value, args []types.Value, sign float64) types.Value {
		if args[0].IsNull() || args[1].IsNull() {
			return s
		}
		x, y := n.f64(args[0]), n.f64(args[1])
		f, count := get(s)
		f[0] += sign * x
		f[1] += sign * y
		f[2] += sign * (x * x)
		f[3] += sign * (y * y)
		f[4] += sign * (x * y)
		return mk(f, count+int64(sign))
	}
	return ResolvedAggregate{
		Params: []types.Type{p, p}, Return: types.DoubleType, State: st,
		Init: func() types.Value { return mk([5]float64{}, 0) },
		Add:  func(s types.Value, args []types.Value) (types.Value, error) { return step(s, args, 1), nil },
		Undo: func(s types.Value, args []types.Value) (types.Value, error) { return step(s, args, -1), nil },
		Merge: func(a, b types.Value) (types.Value, error) {
			fa, ca := get(a)
			fb, cb := get(b)
			for i := range fa {
				fa[i] += fb[i]
			}
			return mk(fa, ca+cb), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			f, count := get(s)
			cnt := float64(count)
			num := cnt*f[4] - f[0]*f[1]
			dx := cnt*f[2] - f[0]*f[0]
			dy := cnt*f[3] - f[1]*f[1]
			return types.Double(num / math.Sqrt(dx*dy)), nil
		},
	}, true, nil
}

var stddevNames = []string{"SUM", "COUNT", "M2"}

// resolveStddev builds STDDEV_SAMP (sqrt false) or STDDEV_SAMPLE (sqrt
// true) over a state STRUCT<SUM T, COUNT BIGINT, M2 DOUBLE>. Fewer than
// two values give 0.0.
func resolveStddev(c *aggCall, sqrt bool) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	n, ok := pickNumeric(c.args[0].Type)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	kind := n.typ.Kind()
	// delta is ksqlDB's v*(count+1) - (sum+v), in the argument's Java
	// arithmetic: an int sum wraps before being widened to long.
	delta := func(sum types.Value, count int64, v types.Value) float64 {
		switch kind {
		case types.KindInt:
			return float64(int64(v.Int())*(count+1) - int64(sum.Int()+v.Int()))
		case types.KindBigInt:
			return float64(v.BigInt()*(count+1) - (sum.BigInt() + v.BigInt()))
		}
		return v.Double()*float64(count+1) - (sum.Double() + v.Double())
	}
	// meanDiff is the difference of two states' means; STDDEV_SAMP divides
	// integer sums by counts as longs, STDDEV_SAMPLE as doubles.
	meanDiff := func(s1 types.Value, c1 int64, s2 types.Value, c2 int64) float64 {
		if kind == types.KindDouble || sqrt {
			return n.f64(s1)/float64(c1) - n.f64(s2)/float64(c2)
		}
		var a, b int64
		if kind == types.KindInt {
			a, b = int64(s1.Int()), int64(s2.Int())
		} else {
			a, b = s1.BigInt(), s2.BigInt()
		}
		return float64(a/c1 - b/c2)
	}
	st := mustStruct(stddevNames, n.typ, types.BigIntType, types.DoubleType)
	names := st.FieldNames()
	mk := func(sum types.Value, count int64, m2 float64) types.Value {
		return types.Struct(names, []types.Value{sum, types.BigInt(count), types.Double(m2)})
	}
	return ResolvedAggregate{
		Params: []types.Type{n.typ}, Return: types.DoubleType, State: st,
		Init: func() types.Value { return mk(n.zero, 0, 0) },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			v := args[0]
			if v.IsNull() {
				return s, nil
			}
			sum, count, m2 := s.Field(0), s.Field(1).BigInt(), s.Field(2).Double()
			newCount := count + 1
			var inc float64
			if newCount-1 > 0 {
				d := delta(sum, count, v)
				inc = d * d / float64(newCount*(newCount-1))
			}
			return mk(n.add(v, sum), newCount, inc+m2), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			v := args[0]
			if v.IsNull() {
				return s, nil
			}
			sum, count, m2 := s.Field(0), s.Field(1).BigInt(), s.Field(2).Double()
			newCount := count - 1
			var dec float64
			if newCount > 0 {
				d := delta(sum, count, v)
				dec = d * d / float64(newCount*(newCount+1))
			}
			return mk(n.sub(sum, v), newCount, m2-dec), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			c1, c2 := a.Field(1).BigInt(), b.Field(1).BigInt()
			m2 := a.Field(2).Double() + b.Field(2).Double()
			if c1 != 0 && c2 != 0 {
				inner := meanDiff(a.Field(0), c1, b.Field(0), c2)
				m2 += float64(c1*c2) * inner * inner / float64(c1+c2)
			}
			return mk(n.add(a.Field(0), b.Field(0)), c1+c2, m2), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			count := s.Field(1).BigInt()
			if count < 2 {
				return types.Double(0), nil
			}
			r := s.Field(2).Double() / float64(count-1)
			if sqrt {
				r = math.Sqrt(r)
			}
			return types.Double(r), nil
		},
	}, true, nil
}
