package parser

import (
	"github.com/sluicedata/sluice/internal/sql/ast"
)

func (p *parser) statement() ast.Statement {
	t := p.cur()
	if t.kind == tWord && !t.digit {
		switch t.val {
		case "SELECT":
			return p.query()
		case "CREATE":
			return p.create()
		case "INSERT":
			return p.insert()
		case "DROP":
			return p.drop()
		case "ALTER":
			return p.alter()
		case "SHOW", "LIST":
			return p.show()
		case "DESCRIBE":
			return p.describe()
		case "EXPLAIN":
			return p.explain()
		case "PRINT":
			return p.print()
		case "TERMINATE", "PAUSE", "RESUME":
			return p.queryControl()
		case "SET":
			return p.set()
		case "UNSET":
			p.next()
			return &ast.UnsetProperty{Pos: t.pos, Name: p.expect(tString).val}
		case "DEFINE":
			p.next()
			name := p.ident()
			p.expect(tEq)
			return &ast.DefineVariable{Pos: t.pos, Name: name, Value: p.expect(tString).val}
		case "UNDEFINE":
			p.next()
			return &ast.UndefineVariable{Pos: t.pos, Name: p.ident()}
		case "ASSERT":
			return p.assert()
		case "RUN":
			p.next()
			p.expectWord("SCRIPT")
			return &ast.RunScript{Pos: t.pos, Path: p.expect(tString).val}
		}
	}
	p.failAt(t, CodeUnknownStatement, "Unknown statement "+quoteTok(p.text(t)))
	return nil
}

func (p *parser) create() ast.Statement {
	pos := p.next().pos
	orReplace := false
	if p.acceptWord("OR") {
		p.expectWord("REPLACE")
		orReplace = true
	}
	source := false
	if !orReplace && p.isWord("SOURCE") && isWordTok(p.peek(1), "CONNECTOR") ||
		!orReplace && p.isWord("SINK") {
		return p.createConnector(pos)
	}
	if p.acceptWord("SOURCE") {
		source = true
	}
	var kind ast.SourceKind
	switch {
	case p.acceptWord("STREAM"):
		kind = ast.Stream
	case p.acceptWord("TABLE"):
		kind = ast.Table
	case !orReplace && !source && p.isWord("TYPE"):
		p.next()
		ct := &ast.CreateType{Pos: pos, IfNotExists: p.ifNotExists(), Name: p.ident()}
		p.expectWord("AS")
		ct.Type = p.typ()
		return ct
	default:
		switch {
		case orReplace:
			p.failExpecting(words("STREAM", "TABLE")...)
		case source:
			p.failExpecting(words("STREAM", "TABLE", "CONNECTOR")...)
		}
		p.failExpecting(words("STREAM", "TABLE", "TYPE", "SOURCE", "SINK", "OR")...)
	}
	ifNotExists := p.ifNotExists()
	name := p.ident()
	var elements []*ast.TableElement
	if p.accept(tLParen) {
		for {
			el := p.tableElement()
			p.checkConstraint(kind, el)
			elements = append(elements, el)
			if p.accept(tComma) {
				continue
			}
			if !p.is(tRParen) {
				p.failExpecting(want{kind: tComma}, want{kind: tRParen})
			}
			p.next()
			break
		}
	}
	with := p.withClause()
	if elements == nil && !source && p.isWord("AS") {
		p.next()
		return &ast.CreateAsSelect{Pos: pos, Kind: kind, OrReplace: orReplace,
			IfNotExists: ifNotExists, Name: name, With: with, Query: p.query()}
	}
	return &ast.CreateSource{Pos: pos, Kind: kind, OrReplace: orReplace, Source: source,
		IfNotExists: ifNotExists, Name: name, Elements: elements, With: with}
}

func (p *parser) createConnector(pos ast.Pos) ast.Statement {
	typ := ast.SourceConnector
	if p.next().val == "SINK" {
		typ = ast.SinkConnector
	}
	p.expectWord("CONNECTOR")
	cc := &ast.CreateConnector{Pos: pos, Type: typ, IfNotExists: p.ifNotExists(), Name: p.ident()}
	if !p.isWord("WITH") {
		p.failExpecting(want{word: "WITH"})
	}
	cc.With = p.withClause()
	return cc
}

// ifNotExists reads an optional IF NOT EXISTS. IF alone may be a name.
func (p *parser) ifNotExists() bool {
	if p.isWord("IF") && isWordTok(p.peek(1), "NOT") {
		p.i += 2
		p.expectWord("EXISTS")
		return true
	}
	return false
}

func (p *parser) ifExists() bool {
	if p.isWord("IF") && isWordTok(p.peek(1), "EXISTS") {
		p.i += 2
		return true
	}
	return false
}

func (p *parser) tableElement() *ast.TableElement {
	el := &ast.TableElement{Pos: p.cur().pos, Name: p.ident()}
	el.Type = p.typ()
	switch {
	case p.acceptWord("KEY"):
		el.Constraint = ast.Key
	case p.isWord("PRIMARY"):
		p.next()
		p.expectWord("KEY")
		el.Constraint = ast.PrimaryKey
	case p.acceptWord("HEADERS"):
		el.Constraint = ast.Headers
	case p.isWord("HEADER") && p.peek(1).kind == tLParen:
		p.next()
		p.next()
		el.Constraint = ast.Header
		el.Header = p.expect(tString).val
		p.expect(tRParen)
	}
	return el
}

// checkConstraint rejects KEY in a table and PRIMARY KEY in a stream, as
// ksqlDB's parser does.
func (p *parser) checkConstraint(kind ast.SourceKind, el *ast.TableElement) {
	var msg string
	switch {
	case kind == ast.Table && el.Constraint == ast.Key:
		msg = "Column `" + el.Name.Name + "` is a 'KEY' column: please use 'PRIMARY KEY' for tables."
	case kind == ast.Stream && el.Constraint == ast.PrimaryKey:
		msg = "Column `" + el.Name.Name + "` is a 'PRIMARY KEY' column: please use 'KEY' for streams."
	default:
		return
	}
	e := errorAt(el.Pos, CodeKeyConstraint, msg)
	e.compat = "Line: " + itoa(el.Pos.Line) + ", Col: " + itoa(el.Pos.Col) + ": " + msg
	panic(e)
}

// withClause reads an optional WITH (name=literal, ...).
func (p *parser) withClause() []ast.Property {
	if !p.acceptWord("WITH") {
		return nil
	}
	p.expect(tLParen)
	var props []ast.Property
	for {
		t := p.cur()
		prop := ast.Property{Pos: t.pos}
		switch {
		case t.kind == tString:
			p.next()
			prop.Name = t.val
		case t.kind == tVariable:
			p.next()
			prop.Name = "${" + t.val + "}"
		default:
			prop.Name = p.ident().Name
		}
		p.expect(tEq)
		prop.Value = p.literal()
		props = append(props, prop)
		if p.accept(tComma) {
			continue
		}
		if !p.is(tRParen) {
			p.failExpecting(want{kind: tComma}, want{kind: tRParen})
		}
		p.next()
		return props
	}
}

func (p *parser) insert() ast.Statement {
	pos := p.next().pos
	p.expectWord("INTO")
	target := p.ident()
	if p.is(tLParen) || p.isWord("VALUES") {
		iv := &ast.InsertValues{Pos: pos, Target: target}
		if p.accept(tLParen) {
			for {
				iv.Columns = append(iv.Columns, p.ident())
				if !p.accept(tComma) {
					break
				}
			}
			p.expect(tRParen)
		}
		p.expectWord("VALUES")
		p.expect(tLParen)
		if !p.accept(tRParen) {
			for {
				iv.Values = append(iv.Values, p.valueExpr())
				if !p.accept(tComma) {
					break
				}
			}
			p.expect(tRParen)
		}
		return iv
	}
	ii := &ast.InsertInto{Pos: pos, Target: target, With: p.withClause()}
	if !p.isWord("SELECT") {
		if ii.With == nil {
			p.failExpecting(want{word: "WITH"}, want{word: "SELECT"}, want{word: "VALUES"}, want{kind: tLParen})
		}
		p.failExpecting(want{word: "SELECT"})
	}
	ii.Query = p.query()
	return ii
}

func (p *parser) drop() ast.Statement {
	pos := p.next().pos
	switch {
	case p.isWord("STREAM") || p.isWord("TABLE"):
		kind := ast.Stream
		if p.next().val == "TABLE" {
			kind = ast.Table
		}
		ds := &ast.DropSource{Pos: pos, Kind: kind, IfExists: p.ifExists(), Name: p.ident()}
		if p.acceptWord("DELETE") {
			p.expectWord("TOPIC")
			ds.DeleteTopic = true
		}
		return ds
	case p.acceptWord("TYPE"):
		return &ast.DropType{Pos: pos, IfExists: p.ifExists(), Name: p.ident()}
	case p.acceptWord("CONNECTOR"):
		return &ast.DropConnector{Pos: pos, IfExists: p.ifExists(), Name: p.ident()}
	}
	p.failExpecting(words("STREAM", "TABLE", "TYPE", "CONNECTOR")...)
	return nil
}

func (p *parser) alter() ast.Statement {
	pos := p.next().pos
	if p.acceptWord("SYSTEM") {
		name := p.expect(tString).val
		p.expect(tEq)
		return &ast.AlterSystem{Pos: pos, Name: name, Value: p.expect(tString).val}
	}
	var kind ast.SourceKind
	switch {
	case p.acceptWord("STREAM"):
	case p.acceptWord("TABLE"):
		kind = ast.Table
	default:
		p.failExpecting(words("STREAM", "TABLE", "SYSTEM")...)
	}
	as := &ast.AlterSource{Pos: pos, Kind: kind, Name: p.ident()}
	for {
		cpos := p.cur().pos
		// ADD is required before the first column and optional after a
		// comma.
		if len(as.Columns) == 0 || p.isWord("ADD") {
			p.expectWord("ADD")
			cpos = p.toks[p.i-1].pos
		}
		p.acceptWord("COLUMN")
		col := ast.AlterColumn{Pos: cpos, Name: p.ident()}
		col.Type = p.typ()
		as.Columns = append(as.Columns, col)
		if !p.accept(tComma) {
			return as
		}
	}
}

func (p *parser) show() ast.Statement {
	pos := p.next().pos
	s := &ast.Show{Pos: pos}
	t := p.cur()
	if t.kind == tWord && !t.digit {
		p.next()
		switch t.val {
		case "PROPERTIES":
			s.What = ast.ShowProperties
			return s
		case "ALL":
			s.All = true
			p.expectWord("TOPICS")
			s.What = ast.ShowTopics
		case "TOPICS":
			s.What = ast.ShowTopics
		case "STREAMS":
			s.What = ast.ShowStreams
		case "TABLES":
			s.What = ast.ShowTables
		case "QUERIES":
			s.What = ast.ShowQueries
		case "FUNCTIONS":
			s.What = ast.ShowFunctions
			return s
		case "TYPES":
			s.What = ast.ShowTypes
			return s
		case "VARIABLES":
			s.What = ast.ShowVariables
			return s
		case "CONNECTORS":
			s.What = ast.ShowConnectors
			return s
		case "SOURCE", "SINK":
			p.expectWord("CONNECTORS")
			s.What = ast.ShowSourceConnectors
			if t.val == "SINK" {
				s.What = ast.ShowSinkConnectors
			}
			return s
		case "CONNECTOR":
			p.expectWord("PLUGINS")
			s.What = ast.ShowConnectorPlugins
			return s
		default:
			p.i--
			p.showFail()
		}
		s.Extended = p.acceptWord("EXTENDED")
		return s
	}
	p.showFail()
	return nil
}

func (p *parser) showFail() {
	p.failExpecting(words("ALL", "CONNECTOR", "CONNECTORS", "FUNCTIONS", "PROPERTIES",
		"QUERIES", "SINK", "SOURCE", "STREAMS", "TABLES", "TOPICS", "TYPES", "VARIABLES")...)
}

func (p *parser) describe() ast.Statement {
	pos := p.next().pos
	next := p.peek(1)
	// STREAMS, TABLES, FUNCTION and CONNECTOR are keywords here only when
	// what follows fits; otherwise they name a source. "DESCRIBE x
	// EXTENDED" describes source x, whatever x is.
	endsAfterNext := p.peek(2).kind == tSemi || p.peek(2).kind == tEOF
	nameFollows := identTok(next) && !(isWordTok(next, "EXTENDED") && endsAfterNext)
	switch {
	case (p.isWord("STREAMS") || p.isWord("TABLES")) && !identTok(next) ||
		(p.isWord("STREAMS") || p.isWord("TABLES")) && isWordTok(next, "EXTENDED") && endsAfterNext:
		kind := ast.Stream
		if p.next().val == "TABLES" {
			kind = ast.Table
		}
		return &ast.DescribeSources{Pos: pos, Kind: kind, Extended: p.acceptWord("EXTENDED")}
	case p.isWord("FUNCTION") && nameFollows:
		p.next()
		return &ast.DescribeFunction{Pos: pos, Name: p.ident()}
	case p.isWord("CONNECTOR") && nameFollows:
		p.next()
		return &ast.DescribeConnector{Pos: pos, Name: p.ident()}
	}
	return &ast.DescribeSource{Pos: pos, Name: p.ident(), Extended: p.acceptWord("EXTENDED")}
}

func (p *parser) explain() ast.Statement {
	pos := p.next().pos
	// A query id is one identifier ending the statement; anything else is
	// a statement to explain.
	if identTok(p.cur()) {
		if k := p.peek(1).kind; k == tSemi || k == tEOF {
			return &ast.Explain{Pos: pos, QueryID: p.identPtr()}
		}
	}
	return &ast.Explain{Pos: pos, Statement: p.statement()}
}

func (p *parser) print() ast.Statement {
	pos := p.next().pos
	pr := &ast.Print{Pos: pos}
	if t := p.cur(); t.kind == tString {
		p.next()
		pr.Topic = ast.Ident{Pos: t.pos, Name: t.val}
	} else {
		pr.Topic = p.ident()
	}
	if p.acceptWord("FROM") {
		p.expectWord("BEGINNING")
		pr.FromBeginning = true
	}
	if p.isWord("INTERVAL") || p.isWord("SAMPLE") {
		pr.Interval = p.count(p.next().val)
	}
	if p.acceptWord("LIMIT") {
		pr.Limit = p.count("LIMIT")
	}
	return pr
}

func (p *parser) queryControl() ast.Statement {
	t := p.next()
	all := p.acceptWord("ALL")
	var id ast.Ident
	if !all {
		id = p.ident()
	}
	switch t.val {
	case "PAUSE":
		return &ast.Pause{Pos: t.pos, All: all, QueryID: id}
	case "RESUME":
		return &ast.Resume{Pos: t.pos, All: all, QueryID: id}
	}
	return &ast.Terminate{Pos: t.pos, All: all, QueryID: id}
}

func (p *parser) set() ast.Statement {
	pos := p.next().pos
	name := p.expect(tString).val
	p.expect(tEq)
	return &ast.SetProperty{Pos: pos, Name: name, Value: p.expect(tString).val}
}

func (p *parser) assert() ast.Statement {
	pos := p.next().pos
	notExists := false
	if p.acceptWord("NOT") {
		p.expectWord("EXISTS")
		notExists = true
	}
	switch {
	case p.acceptWord("TOPIC"):
		at := &ast.AssertTopic{Pos: pos, NotExists: notExists, Topic: p.resourceName()}
		at.With = p.withClause()
		at.Timeout = p.timeout()
		return at
	case p.acceptWord("SCHEMA"):
		as := &ast.AssertSchema{Pos: pos, NotExists: notExists}
		if p.acceptWord("SUBJECT") {
			id := p.resourceName()
			as.Subject = &id
		}
		if p.acceptWord("ID") {
			as.ID = p.literal()
		}
		as.Timeout = p.timeout()
		return as
	}
	if notExists {
		p.failExpecting(words("TOPIC", "SCHEMA")...)
	}
	p.failExpecting(words("NOT", "TOPIC", "SCHEMA")...)
	return nil
}

// resourceName is a topic or subject name: an identifier or a string.
func (p *parser) resourceName() ast.Ident {
	if t := p.cur(); t.kind == tString {
		p.next()
		return ast.Ident{Pos: t.pos, Name: t.val}
	}
	return p.ident()
}

func (p *parser) timeout() *ast.Duration {
	if !p.acceptWord("TIMEOUT") {
		return nil
	}
	d := p.duration()
	return &d
}
