package types

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Decimal is an exact decimal number: an unscaled integer and a scale, the
// value being unscaled × 10^-scale, as Java's BigDecimal. 1.00 has
// unscaled 100 and scale 2, and keeps that scale when printed. A negative
// scale stands for trailing zeros (1E+3 is unscaled 1, scale -3).
//
// Values whose unscaled integer fits in an int64 carry it inline and most
// operations on them do not allocate; larger ones hold an immutable
// *big.Int. Decimal is immutable: operations return new values. The zero
// Decimal is 0 with scale 0.
type Decimal struct {
	big   *big.Int // the unscaled value when it does not fit in int64, else nil; never modified
	small int64
	scale int32
}

// Limits on the text ParseDecimal accepts. They keep one malicious
// literal such as 1E+999999999 from turning into a billion-digit string.
const (
	maxDecimalDigits = 1 << 14 // significand digits
	maxDecimalScale  = 1 << 14 // magnitude of the scale
)

var pow10Int = [19]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

var pow10Float = [23]float64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// bigPow10Table caches the powers of ten most rescales need. Its entries
// are shared and must never be modified.
var bigPow10Table = func() [80]*big.Int {
	var t [80]*big.Int
	t[0] = big.NewInt(1)
	ten := big.NewInt(10)
	for i := 1; i < len(t); i++ {
		t[i] = new(big.Int).Mul(t[i-1], ten)
	}
	return t
}()

// bigPow10 returns 10^n; the result must not be modified.
func bigPow10(n int64) *big.Int {
	if n < int64(len(bigPow10Table)) {
		return bigPow10Table[n]
	}
	return new(big.Int).Exp(bigPow10Table[1], big.NewInt(n), nil)
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{small: unscaled, scale: scale}
}

// NewDecimalFromBig returns unscaled × 10^-scale. It copies unscaled.
func NewDecimalFromBig(unscaled *big.Int, scale int32) Decimal {
	if unscaled.IsInt64() {
		return Decimal{small: unscaled.Int64(), scale: scale}
	}
	return Decimal{big: new(big.Int).Set(unscaled), scale: scale}
}

// makeDecimal takes ownership of u.
func makeDecimal(u *big.Int, scale int32) Decimal {
	if u.IsInt64() {
		return Decimal{small: u.Int64(), scale: scale}
	}
	return Decimal{big: u, scale: scale}
}

// DecimalFromFloat64 returns the decimal Java's BigDecimal.valueOf(f)
// gives, which ksqlDB uses to cast a DOUBLE to a DECIMAL: the digits of
// f's shortest representation (FormatDouble), so 0.1 becomes 0.1, not the
// binary value 0.1000000000000000055511151231257827. NaN and infinities
// are errors.
func DecimalFromFloat64(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, fmt.Errorf("%w: %q", ErrInvalidDecimal, FormatDouble(f))
	}
	return ParseDecimal(FormatDouble(f))
}

// unscaledRO returns the unscaled value as a *big.Int that the caller
// must not modify.
func (d Decimal) unscaledRO() *big.Int {
	if d.big != nil {
		return d.big
	}
	return big.NewInt(d.small)
}

// Unscaled returns a new *big.Int holding the unscaled value.
func (d Decimal) Unscaled() *big.Int {
	if d.big != nil {
		return new(big.Int).Set(d.big)
	}
	return big.NewInt(d.small)
}

// UnscaledInt64 returns the unscaled value if it fits in an int64.
func (d Decimal) UnscaledInt64() (int64, bool) {
	return d.small, d.big == nil
}

// Scale returns the scale: the number of digits after the decimal point.
func (d Decimal) Scale() int32 { return d.scale }

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int {
	if d.big != nil {
		return d.big.Sign()
	}
	switch {
	case d.small < 0:
		return -1
	case d.small > 0:
		return 1
	}
	return 0
}

// IsZero reports whether d is zero, whatever its scale.
func (d Decimal) IsZero() bool { return d.big == nil && d.small == 0 }

// Precision returns the number of digits of the unscaled value, 1 for
// zero, as Java's BigDecimal.precision.
func (d Decimal) Precision() int {
	if d.big == nil {
		return digits64(uabs(d.small))
	}
	return digitsBig(d.big)
}

func uabs(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // also right for math.MinInt64
	}
	return uint64(x)
}

func digits64(u uint64) int {
	n := 1
	for p := uint64(10); u >= p; p *= 10 {
		n++
		if n == 20 {
			break
		}
	}
	return n
}

func digitsBig(x *big.Int) int {
	bl := x.BitLen()
	if bl == 0 {
		return 1
	}
	// 10^e <= |x| < 10^(e+1); the float estimate is at most one off.
	e := int64(float64(bl-1) * 0.30102999566398119521)
	for e > 0 && x.CmpAbs(bigPow10(e)) < 0 {
		e--
	}
	for x.CmpAbs(bigPow10(e+1)) >= 0 {
		e++
	}
	return int(e) + 1
}

// ParseDecimal parses a decimal in the syntax of Java's BigDecimal(String):
// an optional sign, digits with an optional decimal point (at least one
// digit), and an optional exponent (e or E, optional sign, digits). The
// scale is the number of digits after the point minus the exponent, so
// "1.00" has scale 2 and "1E+3" scale -3.
func ParseDecimal(s string) (Decimal, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var (
		u        uint64
		overflow bool
		digits   int
		frac     int
		dot      bool
	)
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
			if dot {
				frac++
			}
			if !overflow {
				if u > (math.MaxUint64-9)/10 {
					overflow = true
				} else {
					u = u*10 + uint64(c-'0')
				}
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 || digits > maxDecimalDigits {
		return Decimal{}, invalidDecimal(s)
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 1<<40 {
				exp = exp*10 + int64(s[i]-'0')
			}
		}
		if i == start {
			return Decimal{}, invalidDecimal(s)
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return Decimal{}, invalidDecimal(s)
	}
	scale := int64(frac) - exp
	if scale > maxDecimalScale || scale < -maxDecimalScale {
		return Decimal{}, invalidDecimal(s)
	}
	if !overflow && (u <= math.MaxInt64 || neg && u == 1<<63) {
		v := int64(u)
		if neg {
			v = -v
		}
		return Decimal{small: v, scale: int32(scale)}, nil
	}
	buf := make([]byte, 0, digits+1)
	if neg {
		buf = append(buf, '-')
	}
	for j := 0; j < len(s); j++ {
		if c := s[j]; c >= '0' && c <= '9' {
			buf = append(buf, c)
		} else if c == 'e' || c == 'E' {
			break
		}
	}
	b, ok := new(big.Int).SetString(string(buf), 10)
	if !ok {
		return Decimal{}, invalidDecimal(s)
	}
	return makeDecimal(b, int32(scale)), nil
}

// MustParseDecimal is ParseDecimal for literals known to be valid; it
// panics otherwise.
func MustParseDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func invalidDecimal(s string) error {
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return fmt.Errorf("%w: \"%s\"", ErrInvalidDecimal, s)
}

// appendDigits appends the decimal digits of |unscaled| and reports
// whether the value is negative.
func (d Decimal) appendDigits(dst []byte) ([]byte, bool) {
	if d.big == nil {
		return strconv.AppendUint(dst, uabs(d.small), 10), d.small < 0
	}
	n := len(dst)
	dst = d.big.Append(dst, 10)
	if d.big.Sign() < 0 {
		copy(dst[n:], dst[n+1:])
		dst = dst[:len(dst)-1]
		return dst, true
	}
	return dst, false
}

// String returns d in plain notation, never with an exponent, keeping
// the scale, as Java's BigDecimal.toPlainString: "1.00", "-0.05", "1000"
// for 1E+3.
func (d Decimal) String() string {
	var buf [32]byte
	return string(d.Append(buf[:0]))
}

// Append appends d in plain notation (see String) to dst.
func (d Decimal) Append(dst []byte) []byte {
	var tmp [24]byte
	digits, neg := d.appendDigits(tmp[:0])
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case d.scale == 0:
		return append(dst, digits...)
	case d.scale < 0:
		if len(digits) == 1 && digits[0] == '0' {
			return append(dst, '0')
		}
		dst = append(dst, digits...)
		for i := int32(0); i < -d.scale; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	return appendPointed(dst, digits, int(d.scale))
}

// appendPointed appends digits with a decimal point scale digits from the
// right, padding with zeros: ("5", 2) gives "0.05".
func appendPointed(dst, digits []byte, scale int) []byte {
	if len(digits) > scale {
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-scale:]...)
	}
	dst = append(dst, '0', '.')
	for i := len(digits); i < scale; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// ScientificString returns d as Java's BigDecimal.toString does: plain
// notation when the scale is not negative and the exponent would be -6
// or more, otherwise scientific notation such as "1E+3", "1.5E-7" or
// "0E-8". ParseDecimal gives back exactly d, scale included.
func (d Decimal) ScientificString() string {
	var tmp [24]byte
	digits, neg := d.appendDigits(tmp[:0])
	var out []byte
	if neg {
		out = append(out, '-')
	}
	if d.scale == 0 {
		return string(append(out, digits...))
	}
	adjusted := -int64(d.scale) + int64(len(digits)-1)
	if d.scale > 0 && adjusted >= -6 {
		return string(appendPointed(out, digits, int(d.scale)))
	}
	out = append(out, digits[0])
	if len(digits) > 1 {
		out = append(out, '.')
		out = append(out, digits[1:]...)
	}
	if adjusted != 0 {
		out = append(out, 'E')
		if adjusted > 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, adjusted, 10)
	}
	return string(out)
}

// Float64 returns the float64 nearest to d.
func (d Decimal) Float64() float64 {
	if d.big == nil && uabs(d.small) < 1<<53 {
		f := float64(d.small)
		switch {
		case d.scale == 0:
			return f
		case d.scale > 0 && d.scale < int32(len(pow10Float)):
			return f / pow10Float[d.scale]
		case d.scale < 0 && -d.scale < int32(len(pow10Float)):
			return f * pow10Float[-d.scale]
		}
	}
	f, _ := strconv.ParseFloat(d.ScientificString(), 64) // ±Inf when out of range, as Java
	return f
}

// TruncInt64 returns d truncated toward zero, keeping the low 64 bits of
// two's complement when it does not fit, as Java's BigDecimal.longValue
// (which ksqlDB's casts to BIGINT and INTEGER use).
func (d Decimal) TruncInt64() int64 {
	if d.big == nil {
		switch {
		case d.scale == 0:
			return d.small
		case d.scale > 0:
			if d.scale > 18 {
				return 0
			}
			return d.small / pow10Int[d.scale]
		case d.scale >= -18:
			return d.small * pow10Int[-d.scale] // wraps like Java
		}
	}
	q := d.unscaledRO()
	if d.scale > 0 {
		q = new(big.Int).Quo(q, bigPow10(int64(d.scale)))
	} else if d.scale < 0 {
		q = new(big.Int).Mul(q, bigPow10(-int64(d.scale)))
	}
	if q.IsInt64() {
		return q.Int64()
	}
	low := new(big.Int).Abs(q)
	low.And(low, new(big.Int).SetUint64(math.MaxUint64))
	v := low.Uint64()
	if q.Sign() < 0 {
		v = -v
	}
	return int64(v)
}

// mul64 multiplies with overflow detection.
func mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uabs(a), uabs(b))
	if hi != 0 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		if lo > 1<<63 {
			return 0, false
		}
		return -int64(lo), true
	}
	if lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// add64 adds with overflow detection.
func add64(a, b int64) (int64, bool) {
	c := a + b
	return c, (a^c)&(b^c) >= 0
}

// mulPow10 returns x × 10^n (n >= 0) if it fits in an int64.
func mulPow10(x int64, n int64) (int64, bool) {
	if x == 0 {
		return 0, true
	}
	if n > 18 {
		return 0, false
	}
	return mul64(x, pow10Int[n])
}
