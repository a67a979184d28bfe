package functions

import (
	"math"
	"math/rand/v2"

	"github.com/sluicedata/sluice/internal/types"
)

var (
	bigint = types.BigIntType
	dbl    = types.DoubleType
)

type (
	i32Fn = func(int32) int32
	i64Fn = func(int64) int64
	f64Fn = func(float64) float64
	decFn = func(types.Decimal) types.Decimal
)

// unaryNumeric returns the INT, BIGINT, DOUBLE and DECIMAL overloads of a
// function that keeps its argument's type; a decimal result is cast back to
// the argument's type (an overflow is an error, so NULL).
func unaryNumeric(fi i32Fn, fl i64Fn, fd f64Fn, fdec decFn) []*overload {
	return []*overload{
		fixed(integ, func(a []types.Value) (types.Value, error) { return types.Int(fi(a[0].Int())), nil }, p("val", integ)),
		fixed(bigint, func(a []types.Value) (types.Value, error) { return types.BigInt(fl(a[0].BigInt())), nil }, p("val", bigint)),
		fixed(dbl, func(a []types.Value) (types.Value, error) { return types.Double(fd(a[0].Double())), nil }, p("val", dbl)),
		gen("DECIMAL", retFirst, nil, pDec("val")).withDecEval(fdec),
	}
}

// withDecEval sets the evaluation of a one-decimal-argument overload whose
// result has the argument's type; the type comes from resolution.
func (o *overload) withDecEval(f decFn) *overload {
	o.evalTyped = func(params []types.Type, ret types.Type) func([]types.Value) (types.Value, error) {
		return func(a []types.Value) (types.Value, error) {
			d, err := f(a[0].Dec()).CastTo(ret)
			if err != nil {
				return types.Null(), err
			}
			return types.Dec(d), nil
		}
	}
	return o
}

// decPlaces is the (DECIMAL, INTEGER) overload of ROUND and TRUNC: the
// result keeps the argument's type, and a value that no longer fits it
// (999 rounded to -3 places in a DECIMAL(3, 0)) is an overflow error.
func decPlaces(f func(types.Decimal, int32) types.Decimal) *overload {
	o := gen("DECIMAL", retFirst, nil, pDec("val"), p("decimalPlaces", integ))
	o.evalTyped = func(_ []types.Type, ret types.Type) func([]types.Value) (types.Value, error) {
		return func(a []types.Value) (types.Value, error) {
			d, err := f(a[0].Dec(), a[1].Int()).CastTo(ret)
			if err != nil {
				return types.Null(), err
			}
			return types.Dec(d), nil
		}
	}
	return o
}

func doubleFn(f f64Fn) func([]types.Value) (types.Value, error) {
	return func(a []types.Value) (types.Value, error) { return types.Double(f(a[0].Double())), nil }
}

func ident32(i int32) int32 { return i }
func ident64(i int64) int64 { return i }

// roundHalfCeiling rounds d to places, ties toward positive infinity, as
// ksqlDB's ROUND does (after Java's Math.round).
func roundHalfCeiling(d types.Decimal, places int32) types.Decimal {
	places = clampPlaces(d, places)
	mode := types.RoundHalfUp
	if d.Sign() < 0 {
		mode = types.RoundHalfDown
	}
	return d.Round(places, mode)
}

// clampPlaces limits negative decimal places to one digit beyond d's
// integer digits: rounding further gives zero all the same, without
// computing a power of ten of a row-supplied size.
func clampPlaces(d types.Decimal, places int32) int32 {
	return max(places, -(int32(d.Precision())-d.Scale())-1)
}

// decimalPlacesFn applies f to a double through its decimal representation
// (BigDecimal.valueOf), for ROUND and TRUNC with decimal places.
func decimalPlacesFn(f func(types.Decimal, int32) types.Decimal) func([]types.Value) (types.Value, error) {
	return func(a []types.Value) (types.Value, error) {
		x := a[0].Double()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return a[0], nil
		}
		d, err := types.DecimalFromFloat64(x)
		if err != nil {
			return types.Null(), err
		}
		return types.Double(f(d, a[1].Int()).Float64()), nil
	}
}

// intPartType is the DECIMAL type of the integer part of a DECIMAL(p, s):
// DECIMAL(p - s, 0), as ksqlDB types ROUND and TRUNC without places.
func intPartType(params []types.Type, _ types.Type) types.Type {
	p := max(params[0].Precision()-params[0].Scale(), 1)
	return types.MustDecimalType(p, 0)
}

func registerNumeric(r *Registry) {
	abs32 := func(i int32) int32 {
		if i < 0 {
			return -i
		}
		return i
	}
	abs64 := func(i int64) int64 {
		if i < 0 {
			return -i
		}
		return i
	}
	r.add("ABS", "MATHEMATICAL", "Returns the absolute value of a number.",
		unaryNumeric(abs32, abs64, math.Abs, types.Decimal.Abs)...)
	r.add("CEIL", "MATHEMATICAL", "Returns the smallest integer value not less than a number.",
		unaryNumeric(ident32, ident64, math.Ceil, func(d types.Decimal) types.Decimal { return d.Round(0, types.RoundCeiling) })...)
	r.add("FLOOR", "MATHEMATICAL", "Returns the largest integer value not greater than a number.",
		unaryNumeric(ident32, ident64, math.Floor, func(d types.Decimal) types.Decimal { return d.Round(0, types.RoundFloor) })...)

	r.add("ROUND", "MATHEMATICAL", "Rounds a number to the nearest integer, or to a number of decimal places, ties toward positive infinity.",
		fixed(integ, func(a []types.Value) (types.Value, error) { return a[0], nil }, p("val", integ)),
		fixed(bigint, func(a []types.Value) (types.Value, error) { return a[0], nil }, p("val", bigint)),
		fixed(bigint, func(a []types.Value) (types.Value, error) {
			x := a[0].Double()
			return types.BigInt(javaRound(x)), nil
		}, p("val", dbl)),
		gen("DECIMAL", intPartType, nil, pDec("val")).withDecEval(func(d types.Decimal) types.Decimal { return roundHalfCeiling(d, 0) }),
		fixed(dbl, decimalPlacesFn(roundHalfCeiling), p("val", dbl), p("decimalPlaces", integ)),
		decPlaces(roundHalfCeiling))

	trunc := func(d types.Decimal, places int32) types.Decimal {
		return d.Round(clampPlaces(d, places), types.RoundDown)
	}
	r.add("TRUNC", "MATHEMATICAL", "Truncates a number toward zero, to an integer or to a number of decimal places.",
		fixed(integ, func(a []types.Value) (types.Value, error) { return a[0], nil }, p("val", integ)),
		fixed(bigint, func(a []types.Value) (types.Value, error) { return a[0], nil }, p("val", bigint)),
		fixed(bigint, func(a []types.Value) (types.Value, error) {
			return types.BigInt(int64(math.Trunc(a[0].Double()))), nil
		}, p("val", dbl)),
		gen("DECIMAL", intPartType, nil, pDec("val")).withDecEval(func(d types.Decimal) types.Decimal { return trunc(d, 0) }),
		fixed(dbl, decimalPlacesFn(trunc), p("val", dbl), p("decimalPlaces", integ)),
		decPlaces(trunc))

	sign := func(a []types.Value) (types.Value, error) {
		x, _ := a[0].Float64()
		switch {
		case x > 0:
			return types.Int(1), nil
		case x < 0:
			return types.Int(-1), nil
		}
		return types.Int(0), nil
	}
	r.add("SIGN", "MATHEMATICAL", "Returns -1, 0 or 1 as a number is negative, zero or positive.",
		fixed(integ, sign, p("val", integ)), fixed(integ, sign, p("val", bigint)), fixed(integ, sign, p("val", dbl)),
		gen("INTEGER", retConst(integ), func(a []types.Value) (types.Value, error) { return types.Int(int32(a[0].Dec().Sign())), nil }, pDec("val")))

	for _, d := range []struct {
		name, desc string
		f          f64Fn
	}{
		{"SQRT", "Returns the square root of a number.", math.Sqrt},
		{"CBRT", "Returns the cube root of a number.", math.Cbrt},
		{"EXP", "Returns e raised to the power of a number.", math.Exp},
		{"LN", "Returns the natural logarithm of a number.", javaLog},
		{"SIN", "Returns the sine of an angle in radians.", math.Sin},
		{"COS", "Returns the cosine of an angle in radians.", math.Cos},
		{"TAN", "Returns the tangent of an angle in radians.", math.Tan},
		{"COT", "Returns the cotangent of an angle in radians.", func(x float64) float64 { return 1 / math.Tan(x) }},
		{"ASIN", "Returns the arc sine of a number, in radians.", math.Asin},
		{"ACOS", "Returns the arc cosine of a number, in radians.", math.Acos},
		{"ATAN", "Returns the arc tangent of a number, in radians.", math.Atan},
		{"SINH", "Returns the hyperbolic sine of a number.", math.Sinh},
		{"COSH", "Returns the hyperbolic cosine of a number.", math.Cosh},
		{"TANH", "Returns the hyperbolic tangent of a number.", math.Tanh},
		{"DEGREES", "Converts an angle in radians to degrees.", func(x float64) float64 { return x * 180 / math.Pi }},
		{"RADIANS", "Converts an angle in degrees to radians.", func(x float64) float64 { return x / 180 * math.Pi }},
	} {
		r.add(d.name, "MATHEMATICAL", d.desc, fixed(dbl, doubleFn(d.f), p("value", dbl)))
	}
	// ksqlDB's LOG of one argument is the natural logarithm, as LN.
	r.add("LOG", "MATHEMATICAL", "Returns the natural logarithm of a number, or its logarithm in a given base.",
		fixed(dbl, doubleFn(javaLog), p("value", dbl)),
		fixed(dbl, func(a []types.Value) (types.Value, error) {
			base, v := a[0].Double(), a[1].Double()
			if base <= 0 || base == 1 {
				return types.Double(math.NaN()), nil
			}
			return types.Double(javaLog(v) / javaLog(base)), nil
		}, p("base", dbl), p("value", dbl)))
	r.add("POWER", "MATHEMATICAL", "Returns base raised to the power of exponent.",
		fixed(dbl, func(a []types.Value) (types.Value, error) {
			return types.Double(math.Pow(a[0].Double(), a[1].Double())), nil
		}, p("base", dbl), p("exponent", dbl)))
	r.add("ATAN2", "MATHEMATICAL", "Returns the angle in radians of the point (x, y).",
		fixed(dbl, func(a []types.Value) (types.Value, error) {
			return types.Double(math.Atan2(a[0].Double(), a[1].Double())), nil
		}, p("y", dbl), p("x", dbl)))
	r.add("PI", "MATHEMATICAL", "Returns the value of pi.",
		fixed(dbl, func([]types.Value) (types.Value, error) { return types.Double(math.Pi), nil }))
	r.add("RANDOM", "MATHEMATICAL", "Returns a random DOUBLE in [0, 1).",
		fixed(dbl, func([]types.Value) (types.Value, error) { return types.Double(rand.Float64()), nil }))

	registerExtremes(r)
}

// javaRound is Java's Math.round: the nearest integer, ties toward positive
// infinity, NaN to 0 and saturating at the int64 range.
func javaRound(x float64) int64 {
	if math.IsNaN(x) {
		return 0
	}
	// x - Floor(x) is exact, unlike x + 0.5, which rounds
	// 0.49999999999999994 up to 1.
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}
