package parser

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

// MaxDepth bounds how deeply expressions and types may nest, so that no
// input can exhaust the stack. It is generous because printed SQL nests a
// parenthesis per operator: a chain of a few thousand ORs must read back.
const MaxDepth = 5000

// Parsed is one statement of a script with the text it was parsed from,
// without the terminating semicolon.
type Parsed struct {
	Stmt ast.Statement
	Text string
}

// Parse parses a script of statements separated by semicolons; the last
// semicolon may be left out. Positions count from the start of the script.
// The error, if any, is an *Error.
func Parse(script string) ([]ast.Statement, error) {
	ps, err := ParseScript(script)
	if err != nil {
		return nil, err
	}
	out := make([]ast.Statement, len(ps))
	for i, p := range ps {
		out[i] = p.Stmt
	}
	return out, nil
}

// ParseScript is Parse, returning each statement with its source text.
func ParseScript(script string) (ps []Parsed, err error) {
	p := newParser(script)
	defer func() {
		if err != nil {
			ps = nil
		}
	}()
	defer p.recover(&err)
	for {
		for p.cur().kind == tSemi {
			p.i++
		}
		if p.cur().kind == tEOF {
			return ps, nil
		}
		start := p.cur().pos.Offset
		st := p.statement()
		text := script[start:p.prevEnd()]
		p.endOfStatement()
		ps = append(ps, Parsed{Stmt: st, Text: text})
	}
}

// ParseStatement parses exactly one statement, with or without its
// semicolon.
func ParseStatement(sql string) (ast.Statement, error) {
	ps, err := ParseScript(sql)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		pos := ast.Pos{Line: 1, Col: 1}
		if len(ps) > 1 {
			pos = ps[1].Stmt.Position()
		}
		return nil, &Error{Pos: pos, Code: CodeStatementCount,
			Msg: fmt.Sprintf("Expected exactly one statement; found %d instead", len(ps))}
	}
	return ps[0].Stmt, nil
}

// ParseExpr parses one expression, such as a WHERE condition.
func ParseExpr(s string) (e ast.Expr, err error) {
	p := newParser(s)
	defer p.recover(&err)
	e = p.expr()
	p.expectEnd()
	return e, nil
}

// ParseType parses one type, such as STRUCT<A INT, B ARRAY<STRING>>.
func ParseType(s string) (t ast.Type, err error) {
	p := newParser(s)
	defer p.recover(&err)
	t = p.typ()
	p.expectEnd()
	return t, nil
}

// ParseTableElements parses a column list without its parentheses, as
// ksqlDB prints schemas: "`ID` BIGINT KEY, NAME STRING". Key constraints
// are not checked against a source kind.
func ParseTableElements(s string) (els []*ast.TableElement, err error) {
	p := newParser(s)
	defer p.recover(&err)
	for {
		els = append(els, p.tableElement())
		if !p.accept(tComma) {
			break
		}
	}
	p.expectEnd()
	return els, nil
}

// CheckExecutable returns an error for statements that a client executes
// itself and a server must refuse (RUN SCRIPT), worded as ksqlDB words it.
func CheckExecutable(s ast.Statement) error {
	if rs, ok := s.(*ast.RunScript); ok {
		return &Error{Pos: rs.Pos, Code: CodeNotExecutable, Msg: syntaxMsg("Unknown statement 'RUN'"), Near: "RUN"}
	}
	return nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func newParser(src string) *parser {
	return &parser{src: src, toks: lex(src)}
}

// Errors travel by panic inside the parser and are recovered at the API.
func (p *parser) recover(err *error) {
	if r := recover(); r != nil {
		e, ok := r.(*Error)
		if !ok {
			panic(r)
		}
		*err = e
	}
}

// cur returns the current token; reaching a lexical error reports it.
func (p *parser) cur() *token {
	t := &p.toks[p.i]
	if t.kind == tError {
		panic(t.err)
	}
	return t
}

// peek returns the token n places ahead; the token list ends with EOF or
// an error token, which peek never passes.
func (p *parser) peek(n int) *token {
	if p.i+n >= len(p.toks) {
		return &p.toks[len(p.toks)-1]
	}
	return &p.toks[p.i+n]
}

func (p *parser) next() *token {
	t := p.cur()
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) prevEnd() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].end
}

func (p *parser) is(k tokKind) bool { return p.cur().kind == k }

func (p *parser) accept(k tokKind) bool {
	if p.cur().kind == k {
		p.i++
		return true
	}
	return false
}

// isWord reports whether the current token is the unquoted word kw.
func (p *parser) isWord(kw string) bool {
	t := p.cur()
	return t.kind == tWord && !t.digit && t.val == kw
}

func isWordTok(t *token, kw string) bool { return t.kind == tWord && !t.digit && t.val == kw }

func (p *parser) acceptWord(kw string) bool {
	if p.isWord(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectWord(kw string) *token {
	if !p.isWord(kw) {
		p.failExpecting(want{word: kw})
	}
	return p.next()
}

func (p *parser) expect(k tokKind) *token {
	if p.cur().kind != k {
		p.failExpecting(want{kind: k})
	}
	return p.next()
}

// want is one expected token: a keyword or a token kind.
type want struct {
	kind tokKind
	word string
}

func (w want) matches(t *token) bool {
	if w.word != "" {
		return isWordTok(t, w.word)
	}
	return t.kind == w.kind
}

func (w want) String() string {
	if w.word != "" {
		return "'" + w.word + "'"
	}
	return kindNames[w.kind]
}

func words(kws ...string) []want {
	ws := make([]want, len(kws))
	for i, kw := range kws {
		ws[i] = want{word: kw}
	}
	return ws
}

// expecting formats a set of expected tokens as ANTLR does: one token
// bare, several in braces.
func expecting(ws []want) string {
	if len(ws) == 1 {
		return ws[0].String()
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// failExpecting reports that the current token is none of ws, phrased as
// ksqlDB phrases it: an extra token when the one after it would do, a
// missing closing token before a separator, else what was expected.
func (p *parser) failExpecting(ws ...want) {
	t := p.cur()
	next := p.peek(1)
	for _, w := range ws {
		if w.matches(next) && t.kind != tEOF {
			p.failAt(t, CodeSyntax, "extraneous input "+quoteTok(p.text(t))+" expecting "+expecting(ws))
		}
	}
	if len(ws) == 1 && closing(ws[0].kind) && separator(t.kind) {
		p.failAt(t, CodeSyntax, "missing "+ws[0].String()+" at "+quoteTok(p.text(t)))
	}
	p.failAt(t, CodeSyntax, "Expecting "+expecting(ws))
}

func closing(k tokKind) bool { return k == tRParen || k == tRBracket || k == tGt }

func separator(k tokKind) bool {
	return k == tComma || k == tSemi || k == tEOF || k == tRParen || k == tRBracket
}

// fail reports a syntax error at the current token with the given detail,
// which may be empty.
func (p *parser) fail(detail string) {
	p.failAt(p.cur(), CodeSyntax, detail)
}

func (p *parser) failAt(t *token, code Code, detail string) {
	near := p.text(t)
	panic(&Error{Pos: t.pos, Code: code, Msg: syntaxMsg(detail), Near: near,
		compat: fmt.Sprintf("Syntax error at or near %s at line %d:%d", quoteTok(near), t.pos.Line, t.pos.Col)})
}

// text is the source text of a token.
func (p *parser) text(t *token) string {
	if t.kind == tEOF {
		return "<EOF>"
	}
	return p.src[t.pos.Offset:t.end]
}

func quoteTok(s string) string {
	if s == "<EOF>" {
		return s
	}
	return "'" + s + "'"
}

// errorAt reports a non-syntax error (a bad number, a bad constraint) at a
// position.
func errorAt(pos ast.Pos, code Code, msg string) *Error {
	return &Error{Pos: pos, Code: code, Msg: msg}
}

func (p *parser) expectEnd() {
	if !p.is(tEOF) {
		p.fail("")
	}
}

// endOfStatement requires the statement to end here. Anything else is
// reported without a detail, as ksqlDB does when a statement continues
// with what no clause accepts.
func (p *parser) endOfStatement() {
	if p.accept(tSemi) || p.is(tEOF) {
		return
	}
	p.fail("")
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		t := p.cur()
		panic(&Error{Pos: t.pos, Code: CodeTooDeep, Near: p.text(t),
			Msg: fmt.Sprintf("Syntax Error\nnested more than %d levels deep", MaxDepth)})
	}
}

func (p *parser) leave() { p.depth-- }

// isIdent reports whether the current token can be an identifier.
func (p *parser) isIdent() bool { return identTok(p.cur()) }

func identTok(t *token) bool {
	switch t.kind {
	case tQuoted, tVariable:
		return true
	case tWord:
		return t.digit || !ast.IsReserved(t.val)
	}
	return false
}

// ident reads an identifier: unquoted (not reserved), quoted, or ${var}.
func (p *parser) ident() ast.Ident {
	t := p.cur()
	if !identTok(t) {
		if t.kind == tWord {
			p.fail("")
		}
		p.failExpecting(want{kind: tWord})
	}
	p.i++
	return ast.Ident{Pos: t.pos, Name: t.val, Variable: t.kind == tVariable}
}

func (p *parser) identPtr() *ast.Ident {
	id := p.ident()
	return &id
}
