package types

import (
	"fmt"
	"math"
	"math/big"
)

// RoundingMode says how to drop digits, as Java's RoundingMode. The zero
// value is RoundHalfUp, the mode of SQL casts and decimal division.
type RoundingMode uint8

const (
	RoundHalfUp   RoundingMode = iota // to nearest, ties away from zero
	RoundHalfEven                     // to nearest, ties to the even neighbour
	RoundHalfDown                     // to nearest, ties toward zero
	RoundDown                         // toward zero (truncation)
	RoundUp                           // away from zero
	RoundFloor                        // toward negative infinity
	RoundCeiling                      // toward positive infinity
)

// roundAway decides whether a truncated quotient moves one unit away from
// zero. neg is the sign of the exact result, half compares twice the
// remainder with the divisor (-1, 0, 1), odd is the truncated quotient's
// parity. The remainder is known to be non-zero.
func roundAway(mode RoundingMode, neg bool, half int, odd bool) bool {
	switch mode {
	case RoundHalfUp:
		return half >= 0
	case RoundHalfEven:
		return half > 0 || half == 0 && odd
	case RoundHalfDown:
		return half > 0
	case RoundUp:
		return true
	case RoundFloor:
		return neg
	case RoundCeiling:
		return !neg
	}
	return false
}

// quoRound64 returns num / den rounded by mode; den != 0 and the quotient
// must not overflow (num != MinInt64 || den != -1).
func quoRound64(num, den int64, mode RoundingMode) int64 {
	q, r := num/den, num%den
	if r == 0 {
		return q
	}
	twice, ud := uabs(r)<<1, uabs(den) // |r| < |den| <= 2^63, so no overflow
	half := 0
	if twice < ud {
		half = -1
	} else if twice > ud {
		half = 1
	}
	neg := (num < 0) != (den < 0)
	if roundAway(mode, neg, half, q&1 != 0) {
		if neg {
			return q - 1
		}
		return q + 1
	}
	return q
}

// quoRoundBig returns num / den rounded by mode, as a new *big.Int.
func quoRoundBig(num, den *big.Int, mode RoundingMode) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	r.Abs(r).Lsh(r, 1)
	half := r.CmpAbs(den)
	neg := (num.Sign() < 0) != (den.Sign() < 0)
	if roundAway(mode, neg, half, q.Bit(0) != 0) {
		if neg {
			q.Sub(q, bigPow10Table[0])
		} else {
			q.Add(q, bigPow10Table[0])
		}
	}
	return q
}

// alignSmall brings two inline decimals to the larger scale.
func alignSmall(d, e Decimal) (a, b int64, scale int32, ok bool) {
	switch {
	case d.scale == e.scale:
		return d.small, e.small, d.scale, true
	case d.scale < e.scale:
		a, ok = mulPow10(d.small, int64(e.scale)-int64(d.scale))
		return a, e.small, e.scale, ok
	default:
		b, ok = mulPow10(e.small, int64(d.scale)-int64(e.scale))
		return d.small, b, d.scale, ok
	}
}

// alignBig brings two decimals to the larger scale; the results must not
// be modified.
func alignBig(d, e Decimal) (a, b *big.Int, scale int32) {
	a, b = d.unscaledRO(), e.unscaledRO()
	switch {
	case d.scale < e.scale:
		a = new(big.Int).Mul(a, bigPow10(int64(e.scale)-int64(d.scale)))
		return a, b, e.scale
	case d.scale > e.scale:
		b = new(big.Int).Mul(b, bigPow10(int64(d.scale)-int64(e.scale)))
	}
	return a, b, d.scale
}

// Add returns d + e, exactly, with scale max(d.Scale(), e.Scale()).
func (d Decimal) Add(e Decimal) Decimal {
	if d.big == nil && e.big == nil {
		if a, b, s, ok := alignSmall(d, e); ok {
			if c, ok := add64(a, b); ok {
				return Decimal{small: c, scale: s}
			}
		}
	}
	a, b, s := alignBig(d, e)
	return makeDecimal(new(big.Int).Add(a, b), s)
}

// Sub returns d - e, exactly, with scale max(d.Scale(), e.Scale()).
func (d Decimal) Sub(e Decimal) Decimal {
	if d.big == nil && e.big == nil {
		if a, b, s, ok := alignSmall(d, e); ok {
			if c, ok := add64(a, -b); ok && b != math.MinInt64 {
				return Decimal{small: c, scale: s}
			}
		}
	}
	a, b, s := alignBig(d, e)
	return makeDecimal(new(big.Int).Sub(a, b), s)
}

// Mul returns d × e, exactly, with scale d.Scale() + e.Scale().
func (d Decimal) Mul(e Decimal) Decimal {
	s := d.scale + e.scale
	if d.big == nil && e.big == nil {
		if c, ok := mul64(d.small, e.small); ok {
			return Decimal{small: c, scale: s}
		}
	}
	return makeDecimal(new(big.Int).Mul(d.unscaledRO(), e.unscaledRO()), s)
}

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	if d.big == nil && d.small != math.MinInt64 {
		return Decimal{small: -d.small, scale: d.scale}
	}
	return makeDecimal(new(big.Int).Neg(d.unscaledRO()), d.scale)
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// Quo returns d / e rounded by mode to the given scale. Division by zero
// is ErrDivisionByZero.
func (d Decimal) Quo(e Decimal, scale int32, mode RoundingMode) (Decimal, error) {
	if e.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	// d/e = (ud/ue) × 10^(se-sd); the result's unscaled value is
	// ud × 10^shift / ue with shift = scale - sd + se.
	shift := int64(scale) - int64(d.scale) + int64(e.scale)
	if d.big == nil && e.big == nil {
		num, den, ok := d.small, e.small, false
		if shift >= 0 {
			num, ok = mulPow10(num, shift)
		} else {
			den, ok = mulPow10(den, -shift)
		}
		if ok && !(num == math.MinInt64 && den == -1) {
			return Decimal{small: quoRound64(num, den, mode), scale: scale}, nil
		}
	}
	num, den := d.unscaledRO(), e.unscaledRO()
	if shift >= 0 {
		num = new(big.Int).Mul(num, bigPow10(shift))
	} else {
		den = new(big.Int).Mul(den, bigPow10(-shift))
	}
	return makeDecimal(quoRoundBig(num, den, mode), scale), nil
}

// Rem returns the remainder of d / e truncated toward zero, exactly, with
// scale max(d.Scale(), e.Scale()); its sign is d's, as Java's
// BigDecimal.remainder and SQL's %. A zero divisor is ErrDivisionByZero.
func (d Decimal) Rem(e Decimal) (Decimal, error) {
	if e.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	if d.big == nil && e.big == nil {
		if a, b, s, ok := alignSmall(d, e); ok {
			return Decimal{small: a % b, scale: s}, nil
		}
	}
	a, b, s := alignBig(d, e)
	return makeDecimal(new(big.Int).Rem(a, b), s), nil
}

// Rescale returns d with the given scale, rounding by mode when digits
// are dropped. Raising the scale is exact.
func (d Decimal) Rescale(scale int32, mode RoundingMode) Decimal {
	if scale == d.scale {
		return d
	}
	if scale > d.scale {
		n := int64(scale) - int64(d.scale)
		if d.big == nil {
			if c, ok := mulPow10(d.small, n); ok {
				return Decimal{small: c, scale: scale}
			}
		}
		return makeDecimal(new(big.Int).Mul(d.unscaledRO(), bigPow10(n)), scale)
	}
	n := int64(d.scale) - int64(scale)
	if d.big == nil && n <= 18 {
		return Decimal{small: quoRound64(d.small, pow10Int[n], mode), scale: scale}
	}
	return makeDecimal(quoRoundBig(d.unscaledRO(), bigPow10(n), mode), scale)
}

// Round returns d rounded by mode to places digits after the decimal
// point (before it, for negative places), keeping d's scale when places
// is not smaller: Round(12345.678, -2) is 12300.000.
func (d Decimal) Round(places int32, mode RoundingMode) Decimal {
	if places >= d.scale {
		return d
	}
	return d.Rescale(places, mode).Rescale(d.scale, mode)
}

// Cast returns d as a value of DECIMAL(precision, scale): rounded HALF_UP
// to the scale, and an *OverflowError (errors.Is ErrDecimalOverflow) when
// it then has more than precision digits. This is ksqlDB's cast to a
// decimal type and the last step of every decimal operation.
func (d Decimal) Cast(precision, scale int32) (Decimal, error) {
	r := d.Rescale(scale, RoundHalfUp)
	if !r.fits(precision) {
		return Decimal{}, &OverflowError{Precision: precision, Scale: scale, Value: r.String()}
	}
	return r, nil
}

// fits reports whether the unscaled value has at most precision digits.
func (d Decimal) fits(precision int32) bool {
	if precision < 0 {
		return false
	}
	if d.big == nil {
		return precision >= 19 || uabs(d.small) < uint64(pow10Int[precision])
	}
	return d.big.CmpAbs(bigPow10(int64(precision))) < 0
}

// CastTo is Cast to the precision and scale of the DECIMAL type t.
func (d Decimal) CastTo(t Type) (Decimal, error) {
	if t.kind != KindDecimal {
		return Decimal{}, fmt.Errorf("%w: cannot cast a decimal to %s", ErrTypeMismatch, t)
	}
	return d.Cast(t.precision, t.scale)
}

// Cmp compares values: -1 if d < e, 0 if equal (1.0 equals 1.00), 1 if
// d > e.
func (d Decimal) Cmp(e Decimal) int {
	if d.big == nil && e.big == nil {
		if a, b, _, ok := alignSmall(d, e); ok {
			return cmp64(a, b)
		}
	}
	sd, se := d.Sign(), e.Sign()
	if sd != se || sd == 0 {
		return cmp64(int64(sd), int64(se))
	}
	a, b, _ := alignBig(d, e)
	return a.Cmp(b)
}

// Identical reports whether d and e have the same value and the same
// scale, as Java's BigDecimal.equals: 1.0 and 1.00 are not identical.
func (d Decimal) Identical(e Decimal) bool {
	if d.scale != e.scale {
		return false
	}
	if d.big == nil || e.big == nil {
		return d.big == nil && e.big == nil && d.small == e.small
	}
	return d.big.Cmp(e.big) == 0
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DecimalArith evaluates a op b for SQL: the exact result (the quotient
// rounded HALF_UP to the result scale for division) cast to result, the
// DECIMAL type ArithmeticType gave for the operands. Division and
// remainder by zero are ErrDivisionByZero; a result that does not fit is
// an *OverflowError.
func DecimalArith(op ArithOp, a, b Decimal, result Type) (Decimal, error) {
	if result.kind != KindDecimal {
		return Decimal{}, fmt.Errorf("%w: decimal %s yields %s", ErrTypeMismatch, op, result)
	}
	var (
		r   Decimal
		err error
	)
	switch op {
	case OpAdd:
		r = a.Add(b)
	case OpSub:
		r = a.Sub(b)
	case OpMul:
		r = a.Mul(b)
	case OpDiv:
		r, err = a.Quo(b, result.scale, RoundHalfUp)
	case OpMod:
		r, err = a.Rem(b)
	default:
		return Decimal{}, fmt.Errorf("%w: unknown operator %d", ErrTypeMismatch, op)
	}
	if err != nil {
		return Decimal{}, err
	}
	return r.Cast(result.precision, result.scale)
}
