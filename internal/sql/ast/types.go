package ast

import "strings"

// NamedType is a type spelled by name: BOOLEAN, INT, DECIMAL(10, 2),
// VARCHAR, a custom type from CREATE TYPE. Params holds the parenthesised
// parameters as written (digits, or STRING); which names and parameters make
// sense is the binder's decision.
type NamedType struct {
	Pos
	Name   Ident
	Params []string
}

// ArrayType is ARRAY<Elem>.
type ArrayType struct {
	Pos
	Elem Type
}

// MapType is MAP<Key, Value>.
type MapType struct {
	Pos
	Key, Value Type
}

// StructType is STRUCT<name type, ...>.
type StructType struct {
	Pos
	Fields []StructField
}

// StructField is one field of a STRUCT type.
type StructField struct {
	Pos
	Name Ident
	Type Type
}

func (*NamedType) typeNode()  {}
func (*ArrayType) typeNode()  {}
func (*MapType) typeNode()    {}
func (*StructType) typeNode() {}

func (t *NamedType) String() string {
	if len(t.Params) == 0 {
		return t.Name.String()
	}
	return t.Name.String() + "(" + strings.Join(t.Params, ", ") + ")"
}

func (t *ArrayType) String() string { return "ARRAY<" + t.Elem.String() + ">" }

func (t *MapType) String() string {
	return "MAP<" + t.Key.String() + ", " + t.Value.String() + ">"
}

func (t *StructType) String() string {
	var b strings.Builder
	b.WriteString("STRUCT<")
	for i, f := range t.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	b.WriteString(">")
	return b.String()
}

func (f StructField) String() string { return f.Name.String() + " " + f.Type.String() }
