package functions

import "github.com/sluicedata/sluice/internal/types"

// LEAST and GREATEST are one Java method per type in ksqlDB, each taking
// one value and any number more of that type. Which one a call gets follows
// ksqlDB's method lookup (Registry.exactFirst): LEAST(INTEGER, BIGINT) fits
// the BIGINT, DECIMAL and DOUBLE methods equally and is ambiguous, while
// LEAST(DATE, '2022-06-14') reads the string literal as a DATE.

// extremeTypes are the types of the methods, in ksqlDB's order; the zero
// Type stands for DECIMAL of any precision.
var extremeTypes = []types.Type{
	types.IntegerType, types.BigIntType, types.DoubleType, {}, types.StringType,
	types.BytesType, types.DateType, types.TimeType, types.TimestampType,
}

func registerExtremes(r *Registry) {
	for _, fn := range []struct {
		name, desc string
		want       int
	}{
		{"GREATEST", "Returns the largest of the non-NULL arguments, NULL if all are NULL.", 1},
		{"LEAST", "Returns the smallest of the non-NULL arguments, NULL if all are NULL.", -1},
	} {
		for _, t := range extremeTypes {
			r.add(fn.name, "MATHEMATICAL", fn.desc, extremeOverload(t, fn.want))
		}
		r.funcs[fn.name].exactFirst = true
	}
}

// extremeOverload is the method for type t (DECIMAL when t is zero),
// returning the non-NULL argument that compares as want (1: largest, -1:
// smallest) to all others, or NULL when every argument is NULL.
func extremeOverload(t types.Type, want int) *overload {
	display := t.String()
	if t.IsZero() {
		display = "DECIMAL"
	}
	o := &overload{
		params:   []param{{name: "val", typ: t, display: display}, {name: "vals", typ: t, display: display}},
		variadic: true,
		retName:  display,
		eval: func(a []types.Value) (types.Value, error) {
			var best types.Value
			for _, v := range a {
				if v.IsNull() {
					continue
				}
				if best.IsNull() || v.Compare(best) == want {
					best = v
				}
			}
			return best, nil
		},
	}
	if t.IsZero() {
		o.bindArgs = bindDecimalExtreme
	} else {
		o.bindArgs = func(args []Arg) ([]types.Type, types.Type, int, bool) {
			cost := 0
			for _, a := range args {
				switch {
				case a.Type.IsZero() || a.Type.Equal(t):
				case types.Widens(a.Type, t) && !(a.Type.Kind() == types.KindDecimal && t.Kind() == types.KindDecimal):
					cost = 1
				case a.StringLiteral && isTemporal(t):
					cost = 1
				default:
					return nil, types.Type{}, 0, false
				}
			}
			return repeat(t, len(args)), t, cost, true
		}
	}
	return o
}

// bindDecimalExtreme binds the DECIMAL method: every argument an integer
// or a decimal, all widened to the decimal that holds them all.
func bindDecimalExtreme(args []Arg) ([]types.Type, types.Type, int, bool) {
	var t types.Type
	cost := 0
	for _, a := range args {
		at := a.Type
		switch {
		case at.IsZero():
			continue
		case at.Kind() == types.KindDecimal:
		case at.Kind() == types.KindInt || at.Kind() == types.KindBigInt:
			cost = 1
		default:
			return nil, types.Type{}, 0, false
		}
		if t.IsZero() {
			t, _ = types.DecimalOf(at)
			continue
		}
		if c, ok := types.CommonNumeric(t, at); ok {
			t = c
		}
		// A decimal too wide to hold both still makes this method a
		// candidate, as in ksqlDB, whose lookup ignores precision.
	}
	if t.IsZero() {
		t = types.MustDecimalType(1, 0)
	}
	return repeat(t, len(args)), t, cost, true
}

func repeat(t types.Type, n int) []types.Type {
	ts := make([]types.Type, n)
	for i := range ts {
		ts[i] = t
	}
	return ts
}
