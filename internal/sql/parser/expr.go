package parser

import (
	"math"
	"strconv"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

// Expression grammar, loosest first, as in ksqlDB:
//
//	expr      = or
//	or        = and {OR and}
//	and       = not {AND not}
//	not       = NOT not | predicated
//	predicated= value [comparison value | [NOT] BETWEEN value AND value |
//	            [NOT] IN (expr, ...) | [NOT] LIKE value [ESCAPE 'c'] |
//	            IS [NOT] NULL | IS [NOT] DISTINCT FROM value]
//	value     = additive {|| additive}
//	additive  = multiplicative {(+|-) multiplicative}
//	multiplicative = unary {(*|/|%) unary}
//	unary     = (-|+) unary | primary {[value] | -> field}
//
// GROUP BY, PARTITION BY and VALUES take value expressions, so a bare
// comparison or AND there is a syntax error, as in ksqlDB.

func (p *parser) expr() ast.Expr {
	l := p.and()
	for p.isWord("OR") {
		p.next()
		r := p.and()
		l = &ast.Binary{Pos: l.Position(), Op: ast.Or, L: l, R: r}
	}
	return l
}

func (p *parser) and() ast.Expr {
	l := p.not()
	for p.isWord("AND") {
		p.next()
		r := p.not()
		l = &ast.Binary{Pos: l.Position(), Op: ast.And, L: l, R: r}
	}
	return l
}

func (p *parser) not() ast.Expr {
	if t := p.cur(); p.isWord("NOT") {
		p.next()
		p.enter()
		x := p.not()
		p.leave()
		return &ast.Not{Pos: t.pos, X: x}
	}
	return p.predicated()
}

var comparisons = map[tokKind]ast.BinaryOp{
	tEq: ast.Eq, tNe: ast.Ne, tLt: ast.Lt, tLe: ast.Le, tGt: ast.Gt, tGe: ast.Ge,
}

func (p *parser) predicated() ast.Expr {
	x := p.valueExpr()
	pos := x.Position()
	t := p.cur()
	if op, ok := comparisons[t.kind]; ok {
		p.next()
		return &ast.Binary{Pos: pos, Op: op, L: x, R: p.valueExpr()}
	}
	if t.kind != tWord || t.digit {
		return x
	}
	not := false
	if t.val == "NOT" {
		next := p.peek(1)
		if !isWordTok(next, "BETWEEN") && !isWordTok(next, "IN") && !isWordTok(next, "LIKE") {
			return x
		}
		p.next()
		not, t = true, p.cur()
	}
	switch t.val {
	case "BETWEEN":
		p.next()
		low := p.valueExpr()
		p.expectWord("AND")
		return &ast.Between{Pos: pos, X: x, Low: low, High: p.valueExpr(), Not: not}
	case "IN":
		p.next()
		p.expect(tLParen)
		in := &ast.In{Pos: pos, X: x, Not: not}
		for {
			in.List = append(in.List, p.expr())
			if !p.accept(tComma) {
				break
			}
		}
		p.expectClose(tRParen)
		return in
	case "LIKE":
		p.next()
		like := &ast.Like{Pos: pos, X: x, Pattern: p.valueExpr(), Not: not}
		if p.isWord("ESCAPE") && p.peek(1).kind == tString {
			p.next()
			e := p.next()
			like.Escape = &ast.StringLit{Pos: e.pos, Value: e.val}
		}
		return like
	case "IS":
		p.next()
		isNot := p.acceptWord("NOT")
		if p.acceptWord("NULL") {
			return &ast.IsNull{Pos: pos, X: x, Not: isNot}
		}
		if !p.isWord("DISTINCT") {
			if isNot {
				p.failExpecting(words("NULL", "DISTINCT")...)
			}
			p.failExpecting(words("NOT", "NULL", "DISTINCT")...)
		}
		p.next()
		p.expectWord("FROM")
		return &ast.DistinctFrom{Pos: pos, L: x, R: p.valueExpr(), Not: isNot}
	}
	return x
}

// expectClose expects a closing token after a list, where a comma would
// also have done.
func (p *parser) expectClose(k tokKind) {
	if p.is(k) {
		p.next()
		return
	}
	p.failExpecting(want{kind: tComma}, want{kind: k})
}

func (p *parser) valueExpr() ast.Expr {
	l := p.additive()
	for p.is(tConcat) {
		p.next()
		r := p.additive()
		l = &ast.Binary{Pos: l.Position(), Op: ast.Concat, L: l, R: r}
	}
	return l
}

func (p *parser) additive() ast.Expr {
	l := p.multiplicative()
	for {
		var op ast.BinaryOp
		switch p.cur().kind {
		case tPlus:
			op = ast.Add
		case tMinus:
			op = ast.Sub
		default:
			return l
		}
		p.next()
		r := p.multiplicative()
		l = &ast.Binary{Pos: l.Position(), Op: op, L: l, R: r}
	}
}

func (p *parser) multiplicative() ast.Expr {
	l := p.unary()
	for {
		var op ast.BinaryOp
		switch p.cur().kind {
		case tStar:
			op = ast.Mul
		case tSlash:
			op = ast.Div
		case tPercent:
			op = ast.Mod
		default:
			return l
		}
		p.next()
		r := p.unary()
		l = &ast.Binary{Pos: l.Position(), Op: op, L: l, R: r}
	}
}

func isNumber(k tokKind) bool { return k == tInteger || k == tDecimal || k == tDouble }

func (p *parser) unary() ast.Expr {
	t := p.cur()
	switch t.kind {
	case tMinus:
		p.next()
		if n := p.cur(); isNumber(n.kind) {
			// A minus sign before a number belongs to the literal.
			p.next()
			return p.postfix(p.number(t.pos, n, "-"))
		}
		p.enter()
		x := p.unary()
		p.leave()
		return &ast.Unary{Pos: t.pos, Op: ast.Neg, X: x}
	case tPlus:
		p.next()
		p.enter()
		x := p.unary()
		p.leave()
		return &ast.Unary{Pos: t.pos, Op: ast.Plus, X: x}
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(x ast.Expr) ast.Expr {
	for {
		switch {
		case p.is(tLBracket):
			p.next()
			p.enter()
			idx := p.valueExpr()
			p.leave()
			p.expect(tRBracket)
			x = &ast.Subscript{Pos: x.Position(), X: x, Index: idx}
		case p.is(tArrow) && p.peek(1).kind != tStar:
			p.next()
			x = &ast.Deref{Pos: x.Position(), X: x, Field: p.ident()}
		default:
			return x
		}
	}
}

func (p *parser) primary() ast.Expr {
	p.enter()
	defer p.leave()
	t := p.cur()
	switch t.kind {
	case tLParen:
		p.next()
		x := p.expr()
		p.expect(tRParen)
		return x
	case tString:
		p.next()
		return &ast.StringLit{Pos: t.pos, Value: t.val}
	case tInteger, tDecimal, tDouble:
		p.next()
		return p.number(t.pos, t, "")
	case tVariable:
		if k := p.peek(1).kind; k != tLParen && k != tDot {
			p.next()
			return &ast.Variable{Pos: t.pos, Name: t.val}
		}
		return p.nameExpr()
	case tQuoted:
		return p.nameExpr()
	case tWord:
		if t.digit {
			return p.nameExpr()
		}
		next := p.peek(1).kind
		switch t.val {
		case "NULL":
			p.next()
			return &ast.NullLit{Pos: t.pos}
		case "TRUE", "FALSE":
			p.next()
			return &ast.BoolLit{Pos: t.pos, Value: t.val == "TRUE"}
		case "CASE":
			return p.caseExpr()
		case "CAST":
			return p.cast()
		case "ARRAY":
			if next == tLBracket {
				return p.arrayCtor()
			}
		case "MAP":
			if next == tLParen {
				return p.mapCtor()
			}
		case "STRUCT":
			if next == tLParen {
				return p.structCtor()
			}
		}
		if ast.IsReserved(t.val) {
			p.fail("")
		}
		if next == tString {
			return p.typedLiteral()
		}
		return p.nameExpr()
	}
	p.fail("")
	return nil
}

// nameExpr reads a column reference, qualified or not, or a function call.
func (p *parser) nameExpr() ast.Expr {
	name := p.ident()
	if p.is(tLParen) {
		return p.call(name)
	}
	if p.is(tDot) && identTok(p.peek(1)) {
		p.next()
		col := p.ident()
		return &ast.ColumnRef{Pos: name.Pos, Qualifier: &name, Name: col}
	}
	return &ast.ColumnRef{Pos: name.Pos, Name: name}
}

func (p *parser) call(name ast.Ident) ast.Expr {
	p.next()
	c := &ast.Call{Pos: name.Pos, Name: name}
	if p.accept(tStar) {
		c.Star = true
		p.expect(tRParen)
		return c
	}
	if p.accept(tRParen) {
		return c
	}
	for {
		c.Args = append(c.Args, p.funcArg())
		if !p.accept(tComma) {
			break
		}
	}
	p.expectClose(tRParen)
	return c
}

// funcArg reads a function argument: a lambda, a bare time unit, or an
// expression.
func (p *parser) funcArg() ast.Expr {
	t := p.cur()
	if identTok(t) && p.peek(1).kind == tFatArrow {
		param := p.ident()
		p.next()
		return &ast.Lambda{Pos: t.pos, Params: []ast.Ident{param}, Body: p.expr()}
	}
	if t.kind == tLParen && p.lambdaAhead() {
		p.next()
		l := &ast.Lambda{Pos: t.pos}
		for {
			l.Params = append(l.Params, p.ident())
			if !p.accept(tComma) {
				break
			}
		}
		p.expect(tRParen)
		p.expect(tFatArrow)
		l.Body = p.expr()
		return l
	}
	if t.kind == tWord && !t.digit {
		if u, ok := ast.ParseTimeUnit(t.val); ok {
			if k := p.peek(1).kind; k == tComma || k == tRParen {
				p.next()
				return &ast.TimeUnitArg{Pos: t.pos, Unit: u}
			}
		}
	}
	return p.expr()
}

// lambdaAhead reports whether the '(' at the current token starts the
// parameter list of a lambda: (a, b) =>.
func (p *parser) lambdaAhead() bool {
	for n := 1; ; n += 2 {
		if !identTok(p.peek(n)) {
			return false
		}
		switch p.peek(n + 1).kind {
		case tComma:
			continue
		case tRParen:
			return p.peek(n+2).kind == tFatArrow
		}
		return false
	}
}

func (p *parser) caseExpr() ast.Expr {
	c := &ast.Case{Pos: p.next().pos}
	if !p.isWord("WHEN") {
		c.Operand = p.valueExpr()
	}
	for p.isWord("WHEN") {
		w := ast.When{Pos: p.next().pos}
		w.Cond = p.expr()
		p.expectWord("THEN")
		w.Result = p.expr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.failExpecting(want{word: "WHEN"})
	}
	if p.acceptWord("ELSE") {
		c.Else = p.expr()
	}
	if !p.isWord("END") {
		if c.Else == nil {
			p.failExpecting(words("WHEN", "ELSE", "END")...)
		}
		p.failExpecting(want{word: "END"})
	}
	p.next()
	return c
}

func (p *parser) cast() ast.Expr {
	c := &ast.Cast{Pos: p.next().pos}
	p.expect(tLParen)
	c.X = p.expr()
	p.expectWord("AS")
	c.Type = p.typ()
	p.expect(tRParen)
	return c
}

func (p *parser) arrayCtor() ast.Expr {
	a := &ast.ArrayCtor{Pos: p.next().pos}
	p.next()
	if p.accept(tRBracket) {
		return a
	}
	for {
		a.Elems = append(a.Elems, p.expr())
		if !p.accept(tComma) {
			break
		}
	}
	p.expectClose(tRBracket)
	return a
}

func (p *parser) mapCtor() ast.Expr {
	m := &ast.MapCtor{Pos: p.next().pos}
	p.next()
	if p.accept(tRParen) {
		return m
	}
	for {
		e := ast.MapEntry{Pos: p.cur().pos}
		e.Key = p.expr()
		p.expect(tAssign)
		e.Value = p.expr()
		m.Entries = append(m.Entries, e)
		if !p.accept(tComma) {
			break
		}
	}
	p.expectClose(tRParen)
	return m
}

func (p *parser) structCtor() ast.Expr {
	s := &ast.StructCtor{Pos: p.next().pos}
	p.next()
	if p.accept(tRParen) {
		return s
	}
	for {
		f := ast.FieldValue{Pos: p.cur().pos, Name: p.ident()}
		p.expect(tAssign)
		f.Value = p.expr()
		s.Fields = append(s.Fields, f)
		if !p.accept(tComma) {
			break
		}
	}
	p.expectClose(tRParen)
	return s
}

// typedLiteral reads TYPE 'text'. ksqlDB knows one: DECIMAL '1.50'.
func (p *parser) typedLiteral() ast.Expr {
	t := p.next()
	s := p.next()
	if t.val != "DECIMAL" {
		panic(errorAt(t.pos, CodeUnknownType, "Unknown type: "+t.val))
	}
	if !decimalText(s.val) {
		panic(errorAt(s.pos, CodeInvalidNumber, "Invalid decimal literal: "+ast.QuoteString(s.val)))
	}
	return &ast.DecimalLit{Pos: t.pos, Text: s.val}
}

// decimalText accepts what a decimal parses from: an optional sign,
// digits with at most one point, an optional exponent.
func decimalText(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

// number builds the literal of a number token, with its sign.
func (p *parser) number(pos ast.Pos, t *token, sign string) ast.Expr {
	text := sign + t.val
	switch t.kind {
	case tInteger:
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			panic(numberError(pos, "Invalid numeric literal: "+text))
		}
		return &ast.IntegerLit{Pos: pos, Value: v, Text: text}
	case tDecimal:
		return &ast.DecimalLit{Pos: pos, Text: text}
	}
	v, _ := strconv.ParseFloat(text, 64)
	if math.IsInf(v, 0) {
		panic(numberError(pos, "Number overflows DOUBLE: "+text))
	}
	return &ast.DoubleLit{Pos: pos, Value: v, Text: text}
}

// numberError reports a number out of range. ksqlDB reports these one
// column past the literal's start; Compat keeps that column.
func numberError(pos ast.Pos, msg string) *Error {
	e := errorAt(pos, CodeInvalidNumber, msg)
	e.compat = "line " + itoa(pos.Line) + ":" + itoa(pos.Col+1) + ": " + msg
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }

// literal reads the value of a property or an ID: a string, number,
// boolean, NULL or variable.
func (p *parser) literal() ast.Expr {
	t := p.cur()
	switch t.kind {
	case tString:
		p.next()
		return &ast.StringLit{Pos: t.pos, Value: t.val}
	case tVariable:
		p.next()
		return &ast.Variable{Pos: t.pos, Name: t.val}
	case tInteger, tDecimal, tDouble:
		p.next()
		return p.number(t.pos, t, "")
	case tMinus:
		if n := p.peek(1); isNumber(n.kind) {
			p.i += 2
			return p.number(t.pos, n, "-")
		}
	case tWord:
		switch {
		case p.isWord("NULL"):
			p.next()
			return &ast.NullLit{Pos: t.pos}
		case p.isWord("TRUE"), p.isWord("FALSE"):
			p.next()
			return &ast.BoolLit{Pos: t.pos, Value: t.val == "TRUE"}
		}
	}
	p.fail("")
	return nil
}

// count reads the whole number of a LIMIT or INTERVAL clause. A decimal
// there is a number of the wrong kind rather than a syntax error, worded as
// ksqlDB words it.
func (p *parser) count(clause string) *ast.IntegerLit {
	t := p.cur()
	if t.kind == tMinus {
		t = p.peek(1)
	}
	if t.kind == tDecimal || t.kind == tDouble {
		panic(errorAt(p.cur().pos, CodeInvalidNumber, "Value must be integer for command: "+clause))
	}
	return p.integer()
}

// integer reads a whole number, optionally negative.
func (p *parser) integer() *ast.IntegerLit {
	t := p.cur()
	pos, sign := t.pos, ""
	if t.kind == tMinus && p.peek(1).kind == tInteger {
		p.next()
		t, sign = p.cur(), "-"
	}
	if t.kind != tInteger {
		p.failExpecting(want{kind: tInteger})
	}
	p.next()
	return p.number(pos, t, sign).(*ast.IntegerLit)
}

func (p *parser) typ() ast.Type {
	p.enter()
	defer p.leave()
	t := p.cur()
	if isWordTok(t, "STRUCT") && p.peek(1).kind == tNe && p.text(p.peek(1)) == "<>" {
		// STRUCT<> lexes as STRUCT and the operator <>.
		p.i += 2
		return &ast.StructType{Pos: t.pos}
	}
	if t.kind == tWord && !t.digit && p.peek(1).kind == tLt {
		switch t.val {
		case "ARRAY":
			p.i += 2
			at := &ast.ArrayType{Pos: t.pos, Elem: p.typ()}
			p.expect(tGt)
			return at
		case "MAP":
			p.i += 2
			mt := &ast.MapType{Pos: t.pos, Key: p.typ()}
			p.expect(tComma)
			mt.Value = p.typ()
			p.expect(tGt)
			return mt
		case "STRUCT":
			p.i += 2
			st := &ast.StructType{Pos: t.pos}
			if p.accept(tGt) {
				return st
			}
			for {
				f := ast.StructField{Pos: p.cur().pos, Name: p.ident()}
				f.Type = p.typ()
				st.Fields = append(st.Fields, f)
				if !p.accept(tComma) {
					break
				}
			}
			p.expectClose(tGt)
			return st
		}
	}
	nt := &ast.NamedType{Pos: t.pos, Name: p.ident()}
	if !p.accept(tLParen) {
		return nt
	}
	for {
		c := p.cur()
		if c.kind != tInteger && !isWordTok(c, "STRING") {
			p.failExpecting(want{word: "STRING"}, want{kind: tInteger})
		}
		p.next()
		nt.Params = append(nt.Params, c.val)
		if !p.accept(tComma) {
			break
		}
	}
	p.expectClose(tRParen)
	return nt
}
