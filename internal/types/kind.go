package types

// Kind is the family of a Type or of a Value. The zero Kind is Null: the
// kind of a NULL value and of the type of an untyped NULL literal.
type Kind uint8

const (
	KindNull Kind = iota
	// BOOLEAN to TIME are the kinds whose values are one integer: they
	// are contiguous so that comparisons test for them cheaply.
	KindBoolean
	KindInt // INTEGER, 32-bit
	KindBigInt
	KindTimestamp // milliseconds since the Unix epoch, no time zone
	KindDate      // days since the Unix epoch
	KindTime      // milliseconds of the day
	KindDouble
	KindDecimal
	KindString
	KindBytes
	KindArray
	KindMap
	KindStruct
	numKinds
)

var kindNames = [numKinds]string{
	KindNull:      "null",
	KindBoolean:   "BOOLEAN",
	KindInt:       "INTEGER",
	KindBigInt:    "BIGINT",
	KindDouble:    "DOUBLE",
	KindDecimal:   "DECIMAL",
	KindString:    "STRING",
	KindBytes:     "BYTES",
	KindTimestamp: "TIMESTAMP",
	KindDate:      "DATE",
	KindTime:      "TIME",
	KindArray:     "ARRAY",
	KindMap:       "MAP",
	KindStruct:    "STRUCT",
}

// String returns the SQL name of the kind, e.g. "INTEGER" or "DECIMAL".
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + itoa(int64(k)) + ")"
}

// IsNumeric reports whether k is INTEGER, BIGINT, DOUBLE or DECIMAL.
func (k Kind) IsNumeric() bool {
	return k == KindInt || k == KindBigInt || k == KindDouble || k == KindDecimal
}

// class groups kinds whose values compare with each other; values of
// different classes order by class.
func (k Kind) class() uint8 {
	switch k {
	case KindInt, KindBigInt, KindDouble, KindDecimal:
		return uint8(KindInt)
	}
	return uint8(k)
}
