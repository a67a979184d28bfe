package types

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxDecimalPrecision bounds the precision of a DECIMAL type. ksqlDB sets
// no bound; this one keeps a runaway chain of divisions (each of which
// widens the result type) from asking for numbers of millions of digits.
const MaxDecimalPrecision = 1000

// Type is a SQL type. It is an immutable value, cheap to copy; compare
// types with Equal, not ==. The zero Type is the type of an untyped NULL
// literal and prints as "null", as ksqlDB's messages do.
type Type struct {
	kind      Kind
	precision int32 // DECIMAL
	scale     int32 // DECIMAL
	c         *composite
}

// composite holds the parts of ARRAY, MAP and STRUCT types. It is never
// modified after construction, so types share it freely.
type composite struct {
	elem   Type // ARRAY element, MAP value
	key    Type // MAP key
	fields []Field
	names  []string // STRUCT field names, shared with struct values
}

// Field is one field of a STRUCT type. Names are case-sensitive.
type Field struct {
	Name string
	Type Type
}

// The primitive types.
var (
	BooleanType   = Type{kind: KindBoolean}
	IntegerType   = Type{kind: KindInt}
	BigIntType    = Type{kind: KindBigInt}
	DoubleType    = Type{kind: KindDouble}
	StringType    = Type{kind: KindString}
	BytesType     = Type{kind: KindBytes}
	TimestampType = Type{kind: KindTimestamp}
	DateType      = Type{kind: KindDate}
	TimeType      = Type{kind: KindTime}
)

// DecimalType returns DECIMAL(precision, scale). Precision is 1 to
// MaxDecimalPrecision, scale 0 to precision; the error texts are ksqlDB's.
func DecimalType(precision, scale int) (Type, error) {
	switch {
	case precision < 1:
		return Type{}, fmt.Errorf("%w: DECIMAL precision must be >= 1: DECIMAL(%d,%d)", ErrInvalidType, precision, scale)
	case scale < 0:
		return Type{}, fmt.Errorf("%w: DECIMAL scale must be >= 0: DECIMAL(%d,%d)", ErrInvalidType, precision, scale)
	case precision < scale:
		return Type{}, fmt.Errorf("%w: DECIMAL precision must be >= scale: DECIMAL(%d,%d)", ErrInvalidType, precision, scale)
	case precision > MaxDecimalPrecision:
		return Type{}, fmt.Errorf("%w: DECIMAL precision must be <= %d: DECIMAL(%d,%d)", ErrInvalidType, MaxDecimalPrecision, precision, scale)
	}
	return Type{kind: KindDecimal, precision: int32(precision), scale: int32(scale)}, nil
}

// MustDecimalType is DecimalType for arguments known to be valid; it
// panics otherwise.
func MustDecimalType(precision, scale int) Type {
	t, err := DecimalType(precision, scale)
	if err != nil {
		panic(err)
	}
	return t
}

// ArrayType returns ARRAY<elem>.
func ArrayType(elem Type) Type {
	return Type{kind: KindArray, c: &composite{elem: elem}}
}

// MapType returns MAP<key, value>. ksqlDB accepts keys of any primitive
// type (MAP(1 := 'a') is a MAP<INTEGER, STRING>); which key types a
// statement may declare is the binder's decision, not this package's.
func MapType(key, value Type) Type {
	return Type{kind: KindMap, c: &composite{key: key, elem: value}}
}

// StructType returns STRUCT<fields...>, keeping the field order. The
// fields slice is copied. Two fields of the same name are an error.
func StructType(fields ...Field) (Type, error) {
	for i := range fields {
		for j := 0; j < i; j++ {
			if fields[i].Name == fields[j].Name {
				return Type{}, fmt.Errorf("%w: Duplicate field names found in STRUCT: %s", ErrInvalidType, QuoteIdentifier(fields[i].Name))
			}
		}
	}
	c := &composite{fields: append([]Field(nil), fields...), names: make([]string, len(fields))}
	for i, f := range fields {
		c.names[i] = f.Name
	}
	return Type{kind: KindStruct, c: c}, nil
}

// MustStructType is StructType for fields known to be distinct; it panics
// otherwise.
func MustStructType(fields ...Field) Type {
	t, err := StructType(fields...)
	if err != nil {
		panic(err)
	}
	return t
}

// Kind returns the kind of the type.
func (t Type) Kind() Kind { return t.kind }

// IsZero reports whether t is the zero Type (an untyped NULL).
func (t Type) IsZero() bool { return t.kind == KindNull }

// IsNumeric reports whether t is INTEGER, BIGINT, DOUBLE or DECIMAL.
func (t Type) IsNumeric() bool { return t.kind.IsNumeric() }

// Precision returns the precision of a DECIMAL type, 0 for other types.
func (t Type) Precision() int { return int(t.precision) }

// Scale returns the scale of a DECIMAL type, 0 for other types.
func (t Type) Scale() int { return int(t.scale) }

// Elem returns the element type of an ARRAY or the value type of a MAP,
// the zero Type for other types.
func (t Type) Elem() Type {
	if t.c == nil {
		return Type{}
	}
	return t.c.elem
}

// Key returns the key type of a MAP, the zero Type for other types.
func (t Type) Key() Type {
	if t.c == nil {
		return Type{}
	}
	return t.c.key
}

// NumFields returns the number of fields of a STRUCT, 0 for other types.
func (t Type) NumFields() int {
	if t.c == nil {
		return 0
	}
	return len(t.c.fields)
}

// Field returns the i-th field of a STRUCT.
func (t Type) Field(i int) Field { return t.c.fields[i] }

// Fields returns a copy of the fields of a STRUCT.
func (t Type) Fields() []Field {
	if t.c == nil {
		return nil
	}
	return append([]Field(nil), t.c.fields...)
}

// FieldNames returns the field names of a STRUCT, in order. The slice is
// shared by every call and by every struct Value built with it: read only.
func (t Type) FieldNames() []string {
	if t.kind != KindStruct {
		return nil
	}
	return t.c.names
}

// FieldIndex returns the position of the STRUCT field called name
// (case-sensitive).
func (t Type) FieldIndex(name string) (int, bool) {
	if t.kind != KindStruct {
		return 0, false
	}
	for i, f := range t.c.fields {
		if f.Name == name {
			return i, true
		}
	}
	return 0, false
}

// Equal reports whether t and u are the same type: same kind, same
// precision and scale, same element, key and field types, same field
// names in the same order.
func (t Type) Equal(u Type) bool {
	if t.kind != u.kind {
		return false
	}
	switch t.kind {
	case KindDecimal:
		return t.precision == u.precision && t.scale == u.scale
	case KindArray:
		return t.c == u.c || t.c.elem.Equal(u.c.elem)
	case KindMap:
		return t.c == u.c || (t.c.key.Equal(u.c.key) && t.c.elem.Equal(u.c.elem))
	case KindStruct:
		if t.c == u.c {
			return true
		}
		if len(t.c.fields) != len(u.c.fields) {
			return false
		}
		for i, f := range t.c.fields {
			g := u.c.fields[i]
			if f.Name != g.Name || !f.Type.Equal(g.Type) {
				return false
			}
		}
		return true
	}
	return true
}

// String returns the type as ksqlDB spells it in schemas and messages:
// INTEGER, DECIMAL(4, 2), ARRAY<STRING>, MAP<STRING, INTEGER>,
// STRUCT<`A` INTEGER, `B` STRING>. An empty STRUCT is "STRUCT< >", which
// (unlike "STRUCT<>", where <> lexes as one token) parses back.
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	switch t.kind {
	case KindDecimal:
		b.WriteString("DECIMAL(")
		b.WriteString(strconv.Itoa(int(t.precision)))
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(int(t.scale)))
		b.WriteByte(')')
	case KindArray:
		b.WriteString("ARRAY<")
		t.c.elem.write(b)
		b.WriteByte('>')
	case KindMap:
		b.WriteString("MAP<")
		t.c.key.write(b)
		b.WriteString(", ")
		t.c.elem.write(b)
		b.WriteByte('>')
	case KindStruct:
		if len(t.c.fields) == 0 {
			b.WriteString("STRUCT< >")
			return
		}
		b.WriteString("STRUCT<")
		for i, f := range t.c.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			writeIdentifier(b, f.Name)
			b.WriteByte(' ')
			f.Type.write(b)
		}
		b.WriteByte('>')
	default:
		b.WriteString(t.kind.String())
	}
}

// QuoteIdentifier returns name between backquotes, doubling any backquote
// inside it, as ksqlDB prints column and field names: `ID`.
func QuoteIdentifier(name string) string {
	var b strings.Builder
	writeIdentifier(&b, name)
	return b.String()
}

func writeIdentifier(b *strings.Builder, name string) {
	b.WriteByte('`')
	for i := 0; i < len(name); i++ {
		if name[i] == '`' {
			b.WriteByte('`')
		}
		b.WriteByte(name[i])
	}
	b.WriteByte('`')
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
