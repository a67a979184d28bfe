package types

import (
	"errors"
	"fmt"
)

// Errors of this package. Functions wrap them with the offending value or
// type; callers test with errors.Is. The texts after the prefix follow
// ksqlDB's wording, which its users and tests match on.
var (
	// ErrInvalidType: a type that cannot exist, such as DECIMAL(2, 3) or a
	// STRUCT with two fields of the same name.
	ErrInvalidType = errors.New("types: invalid type")
	// ErrInvalidDecimal: text that is not a decimal number.
	ErrInvalidDecimal = errors.New("types: invalid input syntax for type DECIMAL")
	// ErrDecimalOverflow: a decimal does not fit the precision of its type.
	// The error is an *OverflowError.
	ErrDecimalOverflow = errors.New("types: numeric field overflow")
	// ErrDivisionByZero: a decimal division or remainder by zero.
	ErrDivisionByZero = errors.New("types: Division by zero")
	// ErrTypeMismatch: a value cannot be widened to the requested type.
	ErrTypeMismatch = errors.New("types: type mismatch")
	// ErrDuplicateColumn: a schema names a column twice in one namespace.
	ErrDuplicateColumn = errors.New("types: duplicate column")
)

// OverflowError reports a decimal that does not fit DECIMAL(Precision,
// Scale) after rounding to Scale. Expression evaluation turns it into a
// NULL and a processing-log entry, as ksqlDB does.
type OverflowError struct {
	Precision, Scale int32
	Value            string // the rounded value, plain notation
}

func (e *OverflowError) Error() string {
	return fmt.Sprintf("types: Numeric field overflow: A field with precision %d and scale %d "+
		"must round to an absolute value less than 10^%d. Got %s",
		e.Precision, e.Scale, e.Precision-e.Scale, e.Value)
}

// Is makes errors.Is(err, ErrDecimalOverflow) true for an *OverflowError.
func (e *OverflowError) Is(target error) bool { return target == ErrDecimalOverflow }
