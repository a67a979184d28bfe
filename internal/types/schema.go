package types

import (
	"fmt"
	"strings"
)

// Namespace says where a column's data lives in a record.
type Namespace uint8

const (
	NamespaceValue   Namespace = iota // the record value
	NamespaceKey                      // the record key: KEY (PRIMARY KEY in tables)
	NamespaceHeaders                  // all headers: HEADERS, an ARRAY<STRUCT<KEY STRING, VALUE BYTES>>
	NamespaceHeader                   // one header by key: HEADER('k'), BYTES
)

// Column is one column of a schema. Names are case-sensitive: the parser
// upper-cases unquoted identifiers before they get here.
type Column struct {
	Name      string
	Type      Type
	Namespace Namespace
	HeaderKey string // the header key of a NamespaceHeader column
}

// String returns the column as ksqlDB prints it in a schema:
// "`ID` BIGINT KEY", "`NAME` STRING", "`H` BYTES HEADER('k')".
func (c Column) String() string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

func (c Column) write(b *strings.Builder) {
	writeIdentifier(b, c.Name)
	b.WriteByte(' ')
	c.Type.write(b)
	switch c.Namespace {
	case NamespaceKey:
		b.WriteString(" KEY")
	case NamespaceHeaders:
		b.WriteString(" HEADERS")
	case NamespaceHeader:
		b.WriteString(" HEADER('")
		b.WriteString(strings.ReplaceAll(c.HeaderKey, "'", "''"))
		b.WriteString("')")
	}
}

func (c Column) equal(d Column) bool {
	return c.Name == d.Name && c.Namespace == d.Namespace && c.HeaderKey == d.HeaderKey && c.Type.Equal(d.Type)
}

// Schema is the ordered list of columns of a stream, a table or an
// intermediate result, as ksqlDB's logical schema: key columns first, then
// header columns, then value columns, each group in the order given. Rows
// of the schema lay out their values in the same order. A Schema is
// immutable once built.
type Schema struct {
	cols    []Column
	keys    int // cols[:keys] are key columns
	headers int // cols[keys:keys+headers] are header columns
	index   map[string]int
}

// schemaIndexMin is the width from which Find uses a map rather than a
// scan.
const schemaIndexMin = 16

// NewSchema returns the schema of the given columns, grouped stably into
// keys, headers and values. A name may appear once among key columns and
// once among the others (ksqlDB's intermediate schemas copy keys into the
// value); a second use within a group is ErrDuplicateColumn, with
// ksqlDB's message.
func NewSchema(cols ...Column) (*Schema, error) {
	s := &Schema{cols: make([]Column, 0, len(cols))}
	for _, c := range cols {
		if c.Namespace == NamespaceKey {
			s.cols = append(s.cols, c)
		}
	}
	s.keys = len(s.cols)
	for _, c := range cols {
		if c.Namespace == NamespaceHeaders || c.Namespace == NamespaceHeader {
			s.cols = append(s.cols, c)
		}
	}
	s.headers = len(s.cols) - s.keys
	for _, c := range cols {
		if c.Namespace == NamespaceValue {
			s.cols = append(s.cols, c)
		}
	}
	if len(s.cols) != len(cols) {
		return nil, fmt.Errorf("%w: unknown column namespace", ErrInvalidType)
	}
	for i, c := range s.cols {
		for j := 0; j < i; j++ {
			d := s.cols[j]
			if d.Name == c.Name && (d.Namespace == NamespaceKey) == (c.Namespace == NamespaceKey) {
				group := "value"
				if c.Namespace == NamespaceKey {
					group = "key"
				}
				return nil, fmt.Errorf("%w: Duplicate %s columns found in schema: %s", ErrDuplicateColumn, group, c)
			}
		}
	}
	if len(s.cols) >= schemaIndexMin {
		s.index = make(map[string]int, len(s.cols))
		for i := len(s.cols) - 1; i >= 0; i-- {
			s.index[s.cols[i].Name] = i // the first column of a name wins
		}
	}
	return s, nil
}

// MustSchema is NewSchema for columns known to be valid; it panics
// otherwise.
func MustSchema(cols ...Column) *Schema {
	s, err := NewSchema(cols...)
	if err != nil {
		panic(err)
	}
	return s
}

// Len returns the number of columns.
func (s *Schema) Len() int { return len(s.cols) }

// Column returns the i-th column.
func (s *Schema) Column(i int) Column { return s.cols[i] }

// Columns returns a copy of the columns, in order.
func (s *Schema) Columns() []Column { return append([]Column(nil), s.cols...) }

// KeyLen returns the number of key columns, which come first.
func (s *Schema) KeyLen() int { return s.keys }

// HeaderLen returns the number of header columns, which follow the keys.
func (s *Schema) HeaderLen() int { return s.headers }

// ValueStart returns the position of the first value column.
func (s *Schema) ValueStart() int { return s.keys + s.headers }

// Find returns the position of the column called name (case-sensitive),
// the key column if a key and a value column share the name.
func (s *Schema) Find(name string) (int, bool) {
	if s.index != nil {
		i, ok := s.index[name]
		return i, ok
	}
	for i := range s.cols {
		if s.cols[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// FindValue returns the position of the non-key column called name.
func (s *Schema) FindValue(name string) (int, bool) {
	for i := s.keys; i < len(s.cols); i++ {
		if s.cols[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// Equal reports whether s and t have the same columns in the same order.
func (s *Schema) Equal(t *Schema) bool {
	if len(s.cols) != len(t.cols) {
		return false
	}
	for i := range s.cols {
		if !s.cols[i].equal(t.cols[i]) {
			return false
		}
	}
	return true
}

// String returns the schema as ksqlDB prints it in statements, messages
// and test post-conditions: "`ID` BIGINT KEY, `NAME` STRING".
func (s *Schema) String() string {
	var b strings.Builder
	for i, c := range s.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		c.write(&b)
	}
	return b.String()
}

// Row is one row: the values of a schema's columns, in its order (keys,
// headers, values). Record metadata such as ROWTIME travels beside it.
type Row []Value

// Equal reports whether two rows have Equal values, position by position.
func (r Row) Equal(o Row) bool {
	if len(r) != len(o) {
		return false
	}
	for i := range r {
		if !r[i].Equal(o[i]) {
			return false
		}
	}
	return true
}

// Hash hashes the row's values (HashValues).
func (r Row) Hash() uint64 { return HashValues(r) }

// String formats the row as [v1, v2, ...] with each value's String.
func (r Row) String() string {
	b := []byte{'['}
	for i, v := range r {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = v.Append(b)
	}
	return string(append(b, ']'))
}
