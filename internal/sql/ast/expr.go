package ast

import (
	"strings"
)

// ColumnRef names a column, optionally qualified by its source or alias
// (a.col). Pseudo-columns such as ROWTIME and WINDOWSTART are column
// references like any other.
type ColumnRef struct {
	Pos
	Qualifier *Ident
	Name      Ident
}

// NullLit is NULL.
type NullLit struct{ Pos }

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	Pos
	Value bool
}

// StringLit is a string literal; Value has the doubled quotes undone.
type StringLit struct {
	Pos
	Value string
}

// IntegerLit is a whole number, optionally negative. Text is the literal
// as written, sign included; Value always fits in an int64 (the parser
// rejects larger ones, as ksqlDB does).
type IntegerLit struct {
	Pos
	Value int64
	Text  string
}

// DecimalLit is a number with a decimal point and no exponent, 12.50:
// exact, its scale given by the digits written. Text is the number as
// written, or the content of DECIMAL '...'.
type DecimalLit struct {
	Pos
	Text string
}

// DoubleLit is a number with an exponent, 1.5E3.
type DoubleLit struct {
	Pos
	Value float64
	Text  string
}

// Variable is ${name} in the place of a literal.
type Variable struct {
	Pos
	Name string
}

// UnaryOp is a prefix arithmetic operator.
type UnaryOp uint8

const (
	Neg UnaryOp = iota
	Plus
)

func (op UnaryOp) String() string {
	if op == Plus {
		return "+"
	}
	return "-"
}

// Unary is -X or +X. A minus sign directly before a number is part of the
// number literal instead, as in ksqlDB.
type Unary struct {
	Pos
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp uint8

const (
	Or BinaryOp = iota
	And
	Eq
	Ne
	Lt
	Le
	Gt
	Ge
	Add
	Sub
	Mul
	Div
	Mod
	Concat
)

var binaryOps = [...]string{
	Or: "OR", And: "AND", Eq: "=", Ne: "<>", Lt: "<", Le: "<=", Gt: ">", Ge: ">=",
	Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%", Concat: "||",
}

func (op BinaryOp) String() string { return binaryOps[op] }

// Binary is L op R for the logical (AND, OR), comparison, arithmetic and
// concatenation operators. Its position is that of L.
type Binary struct {
	Pos
	Op   BinaryOp
	L, R Expr
}

// Not is NOT X.
type Not struct {
	Pos
	X Expr
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	Pos
	X   Expr
	Not bool
}

// DistinctFrom is L IS [NOT] DISTINCT FROM R.
type DistinctFrom struct {
	Pos
	L, R Expr
	Not  bool
}

// Between is X [NOT] BETWEEN Low AND High.
type Between struct {
	Pos
	X, Low, High Expr
	Not          bool
}

// In is X [NOT] IN (List...).
type In struct {
	Pos
	X    Expr
	List []Expr
	Not  bool
}

// Like is X [NOT] LIKE Pattern [ESCAPE 'c'].
type Like struct {
	Pos
	X, Pattern Expr
	Escape     *StringLit
	Not        bool
}

// Call is a function call, Name(Args...) or Name(*) (Star set, no Args).
// Arguments may be lambdas and, for the date arithmetic functions, bare
// time units.
type Call struct {
	Pos
	Name Ident
	Args []Expr
	Star bool
}

// TimeUnitArg is a bare time unit passed as a function argument, as in
// TIMESTAMPADD(SECONDS, 5, ts).
type TimeUnitArg struct {
	Pos
	Unit TimeUnit
}

// Lambda is x => body or (x, y) => body, allowed as a function argument.
type Lambda struct {
	Pos
	Params []Ident
	Body   Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE ...] END; Operand is nil for
// the searched form.
type Case struct {
	Pos
	Operand Expr
	Whens   []When
	Else    Expr
}

// When is one WHEN Cond THEN Result branch of a CASE.
type When struct {
	Pos
	Cond, Result Expr
}

// Cast is CAST(X AS Type).
type Cast struct {
	Pos
	X    Expr
	Type Type
}

// ArrayCtor is ARRAY[elems...].
type ArrayCtor struct {
	Pos
	Elems []Expr
}

// MapCtor is MAP(key := value, ...).
type MapCtor struct {
	Pos
	Entries []MapEntry
}

// MapEntry is one key := value of a MAP constructor.
type MapEntry struct {
	Pos
	Key, Value Expr
}

// StructCtor is STRUCT(name := value, ...).
type StructCtor struct {
	Pos
	Fields []FieldValue
}

// FieldValue is one name := value of a STRUCT constructor.
type FieldValue struct {
	Pos
	Name  Ident
	Value Expr
}

// Subscript is X[Index]: an array element (1-based, negative from the end)
// or a map value.
type Subscript struct {
	Pos
	X, Index Expr
}

// Deref is X->Field, a struct field.
type Deref struct {
	Pos
	X     Expr
	Field Ident
}

func (*ColumnRef) exprNode()    {}
func (*NullLit) exprNode()      {}
func (*BoolLit) exprNode()      {}
func (*StringLit) exprNode()    {}
func (*IntegerLit) exprNode()   {}
func (*DecimalLit) exprNode()   {}
func (*DoubleLit) exprNode()    {}
func (*Variable) exprNode()     {}
func (*Unary) exprNode()        {}
func (*Binary) exprNode()       {}
func (*Not) exprNode()          {}
func (*IsNull) exprNode()       {}
func (*DistinctFrom) exprNode() {}
func (*Between) exprNode()      {}
func (*In) exprNode()           {}
func (*Like) exprNode()         {}
func (*Call) exprNode()         {}
func (*TimeUnitArg) exprNode()  {}
func (*Lambda) exprNode()       {}
func (*Case) exprNode()         {}
func (*Cast) exprNode()         {}
func (*ArrayCtor) exprNode()    {}
func (*MapCtor) exprNode()      {}
func (*StructCtor) exprNode()   {}
func (*Subscript) exprNode()    {}
func (*Deref) exprNode()        {}

func (e *ColumnRef) String() string {
	if e.Qualifier != nil {
		return e.Qualifier.String() + "." + e.Name.String()
	}
	return e.Name.String()
}

func (*NullLit) String() string { return "null" }

func (e *BoolLit) String() string {
	if e.Value {
		return "true"
	}
	return "false"
}

func (e *StringLit) String() string  { return QuoteString(e.Value) }
func (e *IntegerLit) String() string { return e.Text }
func (e *DoubleLit) String() string  { return e.Text }
func (e *Variable) String() string   { return "${" + e.Name + "}" }

// String prints the decimal bare when the text lexes as a decimal literal,
// and as DECIMAL '...' otherwise, so that it parses back as a decimal.
func (e *DecimalLit) String() string {
	if IsDecimalText(e.Text) {
		return e.Text
	}
	return "DECIMAL " + QuoteString(e.Text)
}

// IsDecimalText reports whether s is written the way a decimal literal
// lexes: an optional minus, digits with a point, no exponent.
func IsDecimalText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	dot := strings.IndexByte(s, '.')
	if dot < 0 || s == "." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != dot && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

func (e *Unary) String() string {
	x := e.X.String()
	if e.Op == Neg && x != "" && (x[0] == '-' || x[0] == '.' || x[0] >= '0' && x[0] <= '9') {
		// A minus before a number would read as a negative literal, and
		// "--" would start a comment.
		return "-(" + x + ")"
	}
	return e.Op.String() + x
}

func (e *Binary) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}

func (e *Not) String() string { return "(NOT " + e.X.String() + ")" }

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *DistinctFrom) String() string {
	op := " IS DISTINCT FROM "
	if e.Not {
		op = " IS NOT DISTINCT FROM "
	}
	return "(" + e.L.String() + op + e.R.String() + ")"
}

func (e *Between) String() string {
	op := " BETWEEN "
	if e.Not {
		op = " NOT BETWEEN "
	}
	return "(" + e.X.String() + op + e.Low.String() + " AND " + e.High.String() + ")"
}

func (e *In) String() string {
	op := " IN "
	if e.Not {
		op = " NOT IN "
	}
	return "(" + e.X.String() + op + "(" + joinExprs(e.List) + "))"
}

func (e *Like) String() string {
	op := " LIKE "
	if e.Not {
		op = " NOT LIKE "
	}
	s := "(" + e.X.String() + op + e.Pattern.String()
	if e.Escape != nil {
		s += " ESCAPE " + e.Escape.String()
	}
	return s + ")"
}

func (e *Call) String() string {
	name := quoteFunc(e.Name.Name)
	if e.Name.Variable {
		name = e.Name.String()
	}
	if e.Star {
		return name + "(*)"
	}
	return name + "(" + joinExprs(e.Args) + ")"
}

func (e *TimeUnitArg) String() string { return e.Unit.String() }

func (e *Lambda) String() string {
	if len(e.Params) == 1 {
		return e.Params[0].String() + " => " + e.Body.String()
	}
	var b strings.Builder
	b.WriteString("(")
	for i, p := range e.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	b.WriteString(") => ")
	b.WriteString(e.Body.String())
	return b.String()
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("(CASE")
	if e.Operand != nil {
		b.WriteString(" ")
		b.WriteString(e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" ")
		b.WriteString(w.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE ")
		b.WriteString(e.Else.String())
	}
	b.WriteString(" END)")
	return b.String()
}

func (w When) String() string {
	return "WHEN " + w.Cond.String() + " THEN " + w.Result.String()
}

func (e *Cast) String() string {
	return "CAST(" + e.X.String() + " AS " + e.Type.String() + ")"
}

func (e *ArrayCtor) String() string { return "ARRAY[" + joinExprs(e.Elems) + "]" }

func (e *MapCtor) String() string {
	var b strings.Builder
	b.WriteString("MAP(")
	for i, en := range e.Entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(en.String())
	}
	b.WriteString(")")
	return b.String()
}

func (en MapEntry) String() string { return en.Key.String() + ":=" + en.Value.String() }

func (e *StructCtor) String() string {
	var b strings.Builder
	b.WriteString("STRUCT(")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	b.WriteString(")")
	return b.String()
}

func (f FieldValue) String() string { return f.Name.String() + ":=" + f.Value.String() }

func (e *Subscript) String() string { return postfixBase(e.X) + "[" + e.Index.String() + "]" }

func (e *Deref) String() string { return postfixBase(e.X) + "->" + e.Field.String() }

// postfixBase prints the operand of [] or ->, which bind tighter than a
// prefix sign: (-a)[1] is not -a[1].
func postfixBase(x Expr) string {
	if _, ok := x.(*Unary); ok {
		return "(" + x.String() + ")"
	}
	return x.String()
}

func joinExprs(es []Expr) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.String())
	}
	return b.String()
}
