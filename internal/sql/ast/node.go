package ast

// Pos is where a node starts in the source text. Line and Col are 1-based;
// Col counts characters, not bytes. Offset is the 0-based byte offset.
type Pos struct {
	Line   int
	Col    int
	Offset int
}

// Position returns p; embedding Pos gives every node its Position method.
func (p Pos) Position() Pos { return p }

// Node is any element of the tree.
type Node interface {
	Position() Pos
	// String prints the node as SQL that parses back to an equal node.
	String() string
}

// Statement is one complete statement of a script.
type Statement interface {
	Node
	stmtNode()
}

// Expr is a value expression.
type Expr interface {
	Node
	exprNode()
}

// Type is a data type as written in a column definition, CAST or CREATE TYPE.
type Type interface {
	Node
	typeNode()
}

// Ident is a name: of a source, column, field, function, type, alias or
// variable. Name is upper-cased when the identifier was written unquoted
// (ksqlDB semantics) and kept as written when it was quoted with backticks or
// double quotes.
type Ident struct {
	Pos
	Name string
	// Variable is set when the identifier was written as ${Name}, a
	// reference to a variable defined with DEFINE.
	Variable bool
}

func (id Ident) String() string {
	if id.Variable {
		return "${" + id.Name + "}"
	}
	return QuoteIdent(id.Name)
}

// SourceKind tells streams from tables.
type SourceKind uint8

const (
	Stream SourceKind = iota
	Table
)

func (k SourceKind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// plural is the keyword naming many sources of kind k.
func (k SourceKind) plural() string {
	if k == Table {
		return "TABLES"
	}
	return "STREAMS"
}
