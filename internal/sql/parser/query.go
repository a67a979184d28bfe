package parser

import (
	"github.com/sluicedata/sluice/internal/sql/ast"
)

func (p *parser) query() *ast.Query {
	q := &ast.Query{Pos: p.expectWord("SELECT").pos}
	for {
		q.Select = append(q.Select, p.selectItem())
		if !p.accept(tComma) {
			break
		}
	}
	if !p.isWord("FROM") {
		p.failExpecting(want{kind: tComma}, want{word: "FROM"})
	}
	p.next()
	q.From = p.source()
	for {
		j, ok := p.join()
		if !ok {
			break
		}
		q.Joins = append(q.Joins, j)
	}
	if p.isWord("WINDOW") {
		q.Window = p.window()
	}
	if p.acceptWord("WHERE") {
		q.Where = p.expr()
	}
	if p.acceptWord("GROUP") {
		p.expectWord("BY")
		q.GroupBy = p.exprList()
	}
	if p.isWord("PARTITION") && isWordTok(p.peek(1), "BY") {
		p.i += 2
		q.PartitionBy = p.exprList()
	}
	if p.acceptWord("HAVING") {
		q.Having = p.expr()
	}
	if p.isWord("EMIT") {
		p.next()
		switch {
		case p.acceptWord("CHANGES"):
			q.Emit = ast.EmitChanges
		case p.acceptWord("FINAL"):
			q.Emit = ast.EmitFinal
		default:
			p.failExpecting(words("CHANGES", "FINAL")...)
		}
	}
	if p.acceptWord("LIMIT") {
		q.Limit = p.count("LIMIT")
	}
	return q
}

func (p *parser) selectItem() ast.SelectItem {
	t := p.cur()
	it := ast.SelectItem{Pos: t.pos}
	if p.accept(tStar) {
		it.Star = true
		return it
	}
	if identTok(t) && p.peek(1).kind == tDot && p.peek(2).kind == tStar {
		q := p.ident()
		p.i += 2
		it.Star, it.Qualifier = true, &q
		return it
	}
	it.Expr = p.expr()
	if p.is(tArrow) && p.peek(1).kind == tStar {
		p.i += 2
		it.Star = true
		return it
	}
	if p.acceptWord("AS") || p.isIdent() {
		it.Alias = p.identPtr()
	}
	return it
}

// source reads a source name and its optional alias. PARTITION BY and
// EMIT CHANGES|FINAL end the source rather than alias it.
func (p *parser) source() ast.Source {
	s := ast.Source{Pos: p.cur().pos, Name: p.ident()}
	if p.acceptWord("AS") {
		s.Alias = p.identPtr()
		return s
	}
	if !p.isIdent() {
		return s
	}
	next := p.peek(1)
	if p.isWord("PARTITION") && isWordTok(next, "BY") ||
		p.isWord("EMIT") && (isWordTok(next, "CHANGES") || isWordTok(next, "FINAL")) {
		return s
	}
	s.Alias = p.identPtr()
	return s
}

func (p *parser) join() (ast.Join, bool) {
	t := p.cur()
	j := ast.Join{Pos: t.pos}
	switch {
	case p.isWord("JOIN"):
	case p.isWord("INNER"):
		p.next()
	case p.isWord("LEFT"), p.isWord("RIGHT"), p.isWord("FULL"):
		p.next()
		switch t.val {
		case "LEFT":
			j.Type = ast.LeftJoin
		case "RIGHT":
			j.Type = ast.RightJoin
		default:
			j.Type = ast.FullJoin
		}
		p.acceptWord("OUTER")
	default:
		return j, false
	}
	p.expectWord("JOIN")
	j.Source = p.source()
	if t := p.cur(); p.acceptWord("WITHIN") {
		w := &ast.JoinWindow{Pos: t.pos}
		if p.accept(tLParen) {
			w.Before = p.duration()
			p.expect(tComma)
			w.After = p.duration()
			p.expect(tRParen)
		} else {
			w.Before = p.duration()
			w.After = w.Before
		}
		if p.acceptWord("GRACE") {
			p.expectWord("PERIOD")
			g := p.duration()
			w.Grace = &g
		}
		j.Within = w
	}
	if !p.isWord("ON") {
		if j.Within == nil {
			p.failExpecting(words("WITHIN", "ON")...)
		}
		p.failExpecting(want{word: "ON"})
	}
	p.next()
	j.On = p.expr()
	return j, true
}

func (p *parser) window() *ast.Window {
	w := &ast.Window{Pos: p.next().pos}
	kindWord := func() bool {
		return p.isWord("TUMBLING") || p.isWord("HOPPING") || p.isWord("SESSION")
	}
	if !kindWord() && p.isIdent() {
		w.Name = p.identPtr()
	}
	if !kindWord() {
		p.failExpecting(words("TUMBLING", "HOPPING", "SESSION")...)
	}
	switch p.next().val {
	case "TUMBLING":
		w.Kind = ast.Tumbling
	case "HOPPING":
		w.Kind = ast.Hopping
	default:
		w.Kind = ast.Session
	}
	p.expect(tLParen)
	if w.Kind != ast.Session {
		p.expectWord("SIZE")
	}
	w.Size = p.duration()
	if w.Kind == ast.Hopping {
		p.expect(tComma)
		p.expectWord("ADVANCE")
		p.expectWord("BY")
		d := p.duration()
		w.Advance = &d
	}
	if p.is(tComma) && isWordTok(p.peek(1), "RETENTION") {
		p.i += 2
		d := p.duration()
		w.Retention = &d
	}
	if p.is(tComma) && isWordTok(p.peek(1), "GRACE") {
		p.i += 2
		p.expectWord("PERIOD")
		d := p.duration()
		w.Grace = &d
	}
	if !p.is(tRParen) {
		p.failExpecting(want{kind: tComma}, want{kind: tRParen})
	}
	p.next()
	return w
}

// duration reads n unit.
func (p *parser) duration() ast.Duration {
	d := ast.Duration{Pos: p.cur().pos}
	d.Value = p.integer().Value
	t := p.cur()
	u, ok := ast.ParseTimeUnit(t.val)
	if t.kind != tWord || t.digit || !ok {
		p.failExpecting(words("DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND",
			"DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS")...)
	}
	p.next()
	d.Unit = u
	return d
}

// exprList reads the expressions of GROUP BY or PARTITION BY: a list of
// value expressions, or the same in parentheses.
func (p *parser) exprList() *ast.ExprList {
	l := &ast.ExprList{Pos: p.cur().pos}
	paren := p.is(tLParen) && p.parenList()
	if paren {
		p.next()
		if p.accept(tRParen) {
			return l
		}
	}
	for {
		l.Exprs = append(l.Exprs, p.valueExpr())
		if !p.accept(tComma) {
			break
		}
	}
	if paren {
		if !p.is(tRParen) {
			p.failExpecting(want{kind: tComma}, want{kind: tRParen})
		}
		p.next()
	}
	return l
}

// parenList reports whether the '(' at the current token encloses a whole
// list: nothing, or expressions with a comma between them at its top level.
func (p *parser) parenList() bool {
	if p.peek(1).kind == tRParen {
		return true
	}
	depth := 0
	for n := 0; ; n++ {
		switch p.peek(n).kind {
		case tLParen, tLBracket:
			depth++
		case tRParen, tRBracket:
			depth--
			if depth == 0 {
				return false
			}
		case tComma:
			if depth == 1 {
				return true
			}
		case tEOF, tError, tSemi:
			return false
		}
	}
}
