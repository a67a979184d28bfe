package types

import (
	"fmt"
	"math"
)

// Widen converts v to type to along the implicit widenings of Widens:
// INTEGER to BIGINT, DOUBLE or DECIMAL; BIGINT to DOUBLE or DECIMAL;
// DECIMAL to DOUBLE or another DECIMAL (rounded HALF_UP to its scale; an
// *OverflowError if it does not fit). A value already of to's kind, and
// NULL, are returned unchanged. Other conversions are ErrTypeMismatch:
// explicit casts belong to the expression compiler.
func Widen(v Value, to Type) (Value, error) {
	if v.kind == to.kind && to.kind != KindDecimal || v.kind == KindNull {
		return v, nil
	}
	switch v.kind {
	case KindInt, KindBigInt:
		switch to.kind {
		case KindBigInt:
			return BigInt(int64(v.n)), nil
		case KindDouble:
			return Double(float64(int64(v.n))), nil
		case KindDecimal:
			d, err := NewDecimal(int64(v.n), 0).Cast(to.precision, to.scale)
			if err != nil {
				return Value{}, err
			}
			return Dec(d), nil
		}
	case KindDecimal:
		switch to.kind {
		case KindDouble:
			return Double(v.dec().Float64()), nil
		case KindDecimal:
			if v.p == nil && int32(v.x) == to.scale && (to.precision >= 19 || uabs(int64(v.n)) < uint64(pow10Int[to.precision])) {
				return v, nil
			}
			d, err := v.dec().Cast(to.precision, to.scale)
			if err != nil {
				return Value{}, err
			}
			return Dec(d), nil
		}
	}
	return Value{}, fmt.Errorf("%w: cannot widen %s to %s", ErrTypeMismatch, v.kind, to)
}

// Float64 returns a numeric value as a float64 (the nearest one, for
// decimals and large BIGINTs), as ksqlDB widens a number to DOUBLE. It
// returns false for non-numeric values and NULL.
func (v Value) Float64() (float64, bool) {
	switch v.kind {
	case KindInt, KindBigInt:
		return float64(int64(v.n)), true
	case KindDouble:
		return math.Float64frombits(v.n), true
	case KindDecimal:
		return v.dec().Float64(), true
	}
	return 0, false
}
