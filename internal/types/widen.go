package types

// Implicit numeric widening, as ksqlDB applies it to operands of
// arithmetic, comparisons and function arguments:
//
//	INTEGER -> BIGINT -> DECIMAL -> DOUBLE
//
// An INTEGER widens to DECIMAL(10, 0) and a BIGINT to DECIMAL(19, 0), the
// smallest decimals that hold all their values. Two decimals widen to the
// smallest decimal that holds both: scale max(s1, s2), integer digits
// max(p1-s1, p2-s2).

// DecimalOf returns the smallest DECIMAL type that holds every value of t
// exactly: INTEGER gives DECIMAL(10, 0), BIGINT DECIMAL(19, 0), a DECIMAL
// itself. It returns false for other types.
func DecimalOf(t Type) (Type, bool) {
	switch t.kind {
	case KindInt:
		return Type{kind: KindDecimal, precision: 10, scale: 0}, true
	case KindBigInt:
		return Type{kind: KindDecimal, precision: 19, scale: 0}, true
	case KindDecimal:
		return t, true
	}
	return Type{}, false
}

// CommonNumeric returns the type both a and b widen to: DOUBLE if either
// is DOUBLE; else, if either is DECIMAL, the decimal that holds both;
// else BIGINT if either is BIGINT; else INTEGER. It returns false if a or
// b is not numeric, or if the common decimal would exceed
// MaxDecimalPrecision.
func CommonNumeric(a, b Type) (Type, bool) {
	if !a.IsNumeric() || !b.IsNumeric() {
		return Type{}, false
	}
	switch {
	case a.kind == KindDouble || b.kind == KindDouble:
		return DoubleType, true
	case a.kind == KindDecimal || b.kind == KindDecimal:
		da, _ := DecimalOf(a)
		db, _ := DecimalOf(b)
		s := max(da.scale, db.scale)
		p := max(da.precision-da.scale, db.precision-db.scale) + s
		return decimalResult(p, s)
	case a.kind == KindBigInt || b.kind == KindBigInt:
		return BigIntType, true
	}
	return IntegerType, true
}

// Widens reports whether a value of type from converts implicitly, and
// without loss of range, to type to: equal types; INTEGER to BIGINT,
// DOUBLE or a DECIMAL with at least 10 integer digits; BIGINT to DOUBLE or
// a DECIMAL with at least 19 integer digits; DECIMAL to DOUBLE or to a
// DECIMAL with no fewer integer digits and no smaller scale. Containers
// widen only to equal types.
func Widens(from, to Type) bool {
	if from.Equal(to) {
		return true
	}
	switch from.kind {
	case KindInt, KindBigInt, KindDecimal:
		switch to.kind {
		case KindDouble:
			return true
		case KindBigInt:
			return from.kind == KindInt
		case KindDecimal:
			d, _ := DecimalOf(from)
			return to.scale >= d.scale && to.precision-to.scale >= d.precision-d.scale
		}
	}
	return false
}

// ArithOp is a binary arithmetic operator.
type ArithOp uint8

const (
	OpAdd ArithOp = iota
	OpSub
	OpMul
	OpDiv
	OpMod
)

// String returns the operator's SQL symbol.
func (op ArithOp) String() string {
	switch op {
	case OpAdd:
		return "+"
	case OpSub:
		return "-"
	case OpMul:
		return "*"
	case OpDiv:
		return "/"
	case OpMod:
		return "%"
	}
	return "?"
}

// ArithmeticType returns the type of a op b. DOUBLE if either operand is
// DOUBLE; INTEGER or BIGINT (CommonNumeric) for two integers, division
// included; otherwise both operands are taken as decimals (DecimalOf) and
// the result follows ksqlDB's rules, which are SQL Server's:
//
//	a + b, a - b: scale max(s1, s2), precision max(s1, s2) + max(p1-s1, p2-s2) + 1
//	a * b:        scale s1 + s2, precision p1 + p2 + 1
//	a / b:        scale max(6, s1 + p2 + 1), precision p1 - s1 + s2 + that scale
//	a % b:        scale max(s1, s2), precision min(p1-s1, p2-s2) + max(s1, s2)
//
// ksqlDB does not cap the result precision (SQL Server caps it at 38); it
// returns false when an operand is not numeric or the precision would
// exceed MaxDecimalPrecision.
func ArithmeticType(op ArithOp, a, b Type) (Type, bool) {
	if !a.IsNumeric() || !b.IsNumeric() {
		return Type{}, false
	}
	if a.kind != KindDecimal && b.kind != KindDecimal || a.kind == KindDouble || b.kind == KindDouble {
		return CommonNumeric(a, b)
	}
	da, _ := DecimalOf(a)
	db, _ := DecimalOf(b)
	p, s := DecimalResult(op, int(da.precision), int(da.scale), int(db.precision), int(db.scale))
	if p > MaxDecimalPrecision {
		return Type{}, false
	}
	return decimalResult(int32(p), int32(s))
}

// DecimalResult returns the precision and scale of a op b for a of
// DECIMAL(p1, s1) and b of DECIMAL(p2, s2), per ArithmeticType.
func DecimalResult(op ArithOp, p1, s1, p2, s2 int) (precision, scale int) {
	switch op {
	case OpAdd, OpSub:
		scale = max(s1, s2)
		precision = scale + max(p1-s1, p2-s2) + 1
	case OpMul:
		scale = s1 + s2
		precision = p1 + p2 + 1
	case OpDiv:
		scale = max(6, s1+p2+1)
		precision = p1 - s1 + s2 + scale
	case OpMod:
		scale = max(s1, s2)
		precision = min(p1-s1, p2-s2) + scale
	}
	return precision, scale
}

func decimalResult(p, s int32) (Type, bool) {
	if p < 1 || p > MaxDecimalPrecision || s < 0 || s > p {
		return Type{}, false
	}
	return Type{kind: KindDecimal, precision: p, scale: s}, true
}
