package ast

import (
	"strings"
)

// Property is one name=value of a WITH clause. Name is upper-cased when
// written as an unquoted identifier and kept as written when written as a
// string or quoted identifier. Value is a literal: a string, number,
// boolean, NULL or variable.
type Property struct {
	Pos
	Name  string
	Value Expr
}

func (p Property) String() string {
	if bare(p.Name) && !reserved[p.Name] {
		return p.Name + "=" + p.Value.String()
	}
	return QuoteString(p.Name) + "=" + p.Value.String()
}

func withClause(props []Property) string {
	if len(props) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" WITH (")
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	b.WriteString(")")
	return b.String()
}

// Constraint is what a column definition says about the column's place in
// the record.
type Constraint uint8

const (
	// Value: an ordinary value column.
	Value Constraint = iota
	// Key: a key column of a stream (KEY).
	Key
	// PrimaryKey: a key column of a table (PRIMARY KEY).
	PrimaryKey
	// Headers: the column holds all the record's headers (HEADERS).
	Headers
	// Header: the column holds one header, TableElement.Header (HEADER('k')).
	Header
)

var constraints = [...]string{Value: "", Key: "KEY", PrimaryKey: "PRIMARY KEY", Headers: "HEADERS", Header: "HEADER"}

// String is the constraint's keywords; a value column has none.
func (c Constraint) String() string { return constraints[c] }

// TableElement is a column definition of CREATE STREAM or CREATE TABLE.
type TableElement struct {
	Pos
	Name       Ident
	Type       Type
	Constraint Constraint
	// Header is the header key of a HEADER('key') column.
	Header string
}

func (e *TableElement) String() string {
	s := e.Name.String() + " " + e.Type.String()
	switch e.Constraint {
	case Key:
		s += " KEY"
	case PrimaryKey:
		s += " PRIMARY KEY"
	case Headers:
		s += " HEADERS"
	case Header:
		s += " HEADER(" + QuoteString(e.Header) + ")"
	}
	return s
}

// CreateSource is CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS]
// name [(columns)] [WITH (...)]: a source over an existing topic. Source is
// set for a read-only SOURCE stream or table.
type CreateSource struct {
	Pos
	Kind        SourceKind
	OrReplace   bool
	Source      bool
	IfNotExists bool
	Name        Ident
	Elements    []*TableElement
	With        []Property
}

// CreateAsSelect is CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name
// [WITH (...)] AS query: a persistent query writing a new source.
type CreateAsSelect struct {
	Pos
	Kind        SourceKind
	OrReplace   bool
	IfNotExists bool
	Name        Ident
	With        []Property
	Query       *Query
}

// InsertInto is INSERT INTO name [WITH (...)] query.
type InsertInto struct {
	Pos
	Target Ident
	With   []Property
	Query  *Query
}

// InsertValues is INSERT INTO name [(columns)] VALUES (values).
type InsertValues struct {
	Pos
	Target  Ident
	Columns []Ident
	Values  []Expr
}

// DropSource is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
type DropSource struct {
	Pos
	Kind        SourceKind
	IfExists    bool
	Name        Ident
	DeleteTopic bool
}

// AlterSource is ALTER STREAM|TABLE name ADD COLUMN c type, ...
type AlterSource struct {
	Pos
	Kind    SourceKind
	Name    Ident
	Columns []AlterColumn
}

// AlterColumn is one ADD [COLUMN] name type of ALTER.
type AlterColumn struct {
	Pos
	Name Ident
	Type Type
}

// CreateType is CREATE TYPE [IF NOT EXISTS] name AS type.
type CreateType struct {
	Pos
	IfNotExists bool
	Name        Ident
	Type        Type
}

// DropType is DROP TYPE [IF EXISTS] name.
type DropType struct {
	Pos
	IfExists bool
	Name     Ident
}

// ShowKind is what a SHOW (or LIST) statement lists.
type ShowKind uint8

const (
	ShowProperties ShowKind = iota
	ShowTopics
	ShowStreams
	ShowTables
	ShowFunctions
	ShowConnectors
	ShowSourceConnectors
	ShowSinkConnectors
	ShowConnectorPlugins
	ShowTypes
	ShowVariables
	ShowQueries
)

var showKinds = [...]string{
	ShowProperties: "PROPERTIES", ShowTopics: "TOPICS", ShowStreams: "STREAMS",
	ShowTables: "TABLES", ShowFunctions: "FUNCTIONS", ShowConnectors: "CONNECTORS",
	ShowSourceConnectors: "SOURCE CONNECTORS", ShowSinkConnectors: "SINK CONNECTORS",
	ShowConnectorPlugins: "CONNECTOR PLUGINS", ShowTypes: "TYPES",
	ShowVariables: "VARIABLES", ShowQueries: "QUERIES",
}

func (k ShowKind) String() string { return showKinds[k] }

// Show is SHOW or LIST of What; All is ALL TOPICS, Extended is EXTENDED
// (topics, streams, tables and queries).
type Show struct {
	Pos
	What     ShowKind
	All      bool
	Extended bool
}

// DescribeSource is DESCRIBE name [EXTENDED].
type DescribeSource struct {
	Pos
	Name     Ident
	Extended bool
}

// DescribeSources is DESCRIBE STREAMS|TABLES [EXTENDED].
type DescribeSources struct {
	Pos
	Kind     SourceKind
	Extended bool
}

// DescribeFunction is DESCRIBE FUNCTION name.
type DescribeFunction struct {
	Pos
	Name Ident
}

// DescribeConnector is DESCRIBE CONNECTOR name.
type DescribeConnector struct {
	Pos
	Name Ident
}

// Explain is EXPLAIN statement or EXPLAIN queryId; exactly one of Statement
// and QueryID is set.
type Explain struct {
	Pos
	Statement Statement
	QueryID   *Ident
}

// Print is PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]. A topic
// written as a string is held as a quoted name.
type Print struct {
	Pos
	Topic         Ident
	FromBeginning bool
	Interval      *IntegerLit
	Limit         *IntegerLit
}

// Terminate is TERMINATE queryId or TERMINATE ALL.
type Terminate struct {
	Pos
	All     bool
	QueryID Ident
}

// Pause is PAUSE queryId or PAUSE ALL.
type Pause struct {
	Pos
	All     bool
	QueryID Ident
}

// Resume is RESUME queryId or RESUME ALL.
type Resume struct {
	Pos
	All     bool
	QueryID Ident
}

// SetProperty is SET 'name'='value'.
type SetProperty struct {
	Pos
	Name, Value string
}

// UnsetProperty is UNSET 'name'.
type UnsetProperty struct {
	Pos
	Name string
}

// AlterSystem is ALTER SYSTEM 'name'='value'.
type AlterSystem struct {
	Pos
	Name, Value string
}

// DefineVariable is DEFINE name = 'value'.
type DefineVariable struct {
	Pos
	Name  Ident
	Value string
}

// UndefineVariable is UNDEFINE name.
type UndefineVariable struct {
	Pos
	Name Ident
}

// AssertTopic is ASSERT [NOT EXISTS] TOPIC name [WITH (...)] [TIMEOUT n unit].
type AssertTopic struct {
	Pos
	NotExists bool
	Topic     Ident
	With      []Property
	Timeout   *Duration
}

// AssertSchema is ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID literal]
// [TIMEOUT n unit].
type AssertSchema struct {
	Pos
	NotExists bool
	Subject   *Ident
	ID        Expr
	Timeout   *Duration
}

// ConnectorType tells source connectors from sink connectors.
type ConnectorType uint8

const (
	SourceConnector ConnectorType = iota
	SinkConnector
)

func (t ConnectorType) String() string {
	if t == SinkConnector {
		return "SINK"
	}
	return "SOURCE"
}

// CreateConnector is CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] name WITH (...).
type CreateConnector struct {
	Pos
	Type        ConnectorType
	IfNotExists bool
	Name        Ident
	With        []Property
}

// DropConnector is DROP CONNECTOR [IF EXISTS] name.
type DropConnector struct {
	Pos
	IfExists bool
	Name     Ident
}

// RunScript is RUN SCRIPT 'path', which only a client can execute: it reads
// the file and sends its statements.
type RunScript struct {
	Pos
	Path string
}

func (*CreateSource) stmtNode()      {}
func (*CreateAsSelect) stmtNode()    {}
func (*InsertInto) stmtNode()        {}
func (*InsertValues) stmtNode()      {}
func (*DropSource) stmtNode()        {}
func (*AlterSource) stmtNode()       {}
func (*CreateType) stmtNode()        {}
func (*DropType) stmtNode()          {}
func (*Show) stmtNode()              {}
func (*DescribeSource) stmtNode()    {}
func (*DescribeSources) stmtNode()   {}
func (*DescribeFunction) stmtNode()  {}
func (*DescribeConnector) stmtNode() {}
func (*Explain) stmtNode()           {}
func (*Print) stmtNode()             {}
func (*Terminate) stmtNode()         {}
func (*Pause) stmtNode()             {}
func (*Resume) stmtNode()            {}
func (*SetProperty) stmtNode()       {}
func (*UnsetProperty) stmtNode()     {}
func (*AlterSystem) stmtNode()       {}
func (*DefineVariable) stmtNode()    {}
func (*UndefineVariable) stmtNode()  {}
func (*AssertTopic) stmtNode()       {}
func (*AssertSchema) stmtNode()      {}
func (*CreateConnector) stmtNode()   {}
func (*DropConnector) stmtNode()     {}
func (*RunScript) stmtNode()         {}

func createPrefix(orReplace bool) string {
	if orReplace {
		return "CREATE OR REPLACE "
	}
	return "CREATE "
}

func ifNotExists(b bool) string {
	if b {
		return "IF NOT EXISTS "
	}
	return ""
}

func ifExists(b bool) string {
	if b {
		return "IF EXISTS "
	}
	return ""
}

func (s *CreateSource) String() string {
	var b strings.Builder
	b.WriteString(createPrefix(s.OrReplace))
	if s.Source {
		b.WriteString("SOURCE ")
	}
	b.WriteString(s.Kind.String())
	b.WriteString(" ")
	b.WriteString(ifNotExists(s.IfNotExists))
	b.WriteString(s.Name.String())
	if len(s.Elements) > 0 {
		b.WriteString(" (")
		for i, e := range s.Elements {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.String())
		}
		b.WriteString(")")
	}
	b.WriteString(withClause(s.With))
	return b.String()
}

func (s *CreateAsSelect) String() string {
	return createPrefix(s.OrReplace) + s.Kind.String() + " " + ifNotExists(s.IfNotExists) +
		s.Name.String() + withClause(s.With) + " AS " + s.Query.String()
}

func (s *InsertInto) String() string {
	return "INSERT INTO " + s.Target.String() + withClause(s.With) + " " + s.Query.String()
}

func (s *InsertValues) String() string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(s.Target.String())
	if len(s.Columns) > 0 {
		b.WriteString(" (")
		for i, c := range s.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.String())
		}
		b.WriteString(")")
	}
	b.WriteString(" VALUES (")
	b.WriteString(joinExprs(s.Values))
	b.WriteString(")")
	return b.String()
}

func (s *DropSource) String() string {
	str := "DROP " + s.Kind.String() + " " + ifExists(s.IfExists) + s.Name.String()
	if s.DeleteTopic {
		str += " DELETE TOPIC"
	}
	return str
}

func (s *AlterSource) String() string {
	var b strings.Builder
	b.WriteString("ALTER ")
	b.WriteString(s.Kind.String())
	b.WriteString(" ")
	b.WriteString(s.Name.String())
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" ADD COLUMN ")
		b.WriteString(c.Name.String())
		b.WriteString(" ")
		b.WriteString(c.Type.String())
	}
	return b.String()
}

func (s *CreateType) String() string {
	return "CREATE TYPE " + ifNotExists(s.IfNotExists) + s.Name.String() + " AS " + s.Type.String()
}

func (s *DropType) String() string {
	return "DROP TYPE " + ifExists(s.IfExists) + s.Name.String()
}

func (s *Show) String() string {
	str := "SHOW "
	if s.All {
		str += "ALL "
	}
	str += s.What.String()
	if s.Extended {
		str += " EXTENDED"
	}
	return str
}

func extended(b bool) string {
	if b {
		return " EXTENDED"
	}
	return ""
}

func (s *DescribeSource) String() string {
	return "DESCRIBE " + s.Name.String() + extended(s.Extended)
}

func (s *DescribeSources) String() string {
	return "DESCRIBE " + s.Kind.plural() + extended(s.Extended)
}

func (s *DescribeFunction) String() string { return "DESCRIBE FUNCTION " + s.Name.String() }

func (s *DescribeConnector) String() string { return "DESCRIBE CONNECTOR " + s.Name.String() }

func (s *Explain) String() string {
	if s.Statement != nil {
		return "EXPLAIN " + s.Statement.String()
	}
	return "EXPLAIN " + s.QueryID.String()
}

func (s *Print) String() string {
	str := "PRINT " + s.Topic.String()
	if s.FromBeginning {
		str += " FROM BEGINNING"
	}
	if s.Interval != nil {
		str += " INTERVAL " + s.Interval.String()
	}
	if s.Limit != nil {
		str += " LIMIT " + s.Limit.String()
	}
	return str
}

func queryControl(verb string, all bool, id Ident) string {
	if all {
		return verb + " ALL"
	}
	return verb + " " + id.String()
}

func (s *Terminate) String() string { return queryControl("TERMINATE", s.All, s.QueryID) }
func (s *Pause) String() string     { return queryControl("PAUSE", s.All, s.QueryID) }
func (s *Resume) String() string    { return queryControl("RESUME", s.All, s.QueryID) }

func (s *SetProperty) String() string {
	return "SET " + QuoteString(s.Name) + "=" + QuoteString(s.Value)
}

func (s *UnsetProperty) String() string { return "UNSET " + QuoteString(s.Name) }

func (s *AlterSystem) String() string {
	return "ALTER SYSTEM " + QuoteString(s.Name) + "=" + QuoteString(s.Value)
}

func (s *DefineVariable) String() string {
	return "DEFINE " + s.Name.String() + "=" + QuoteString(s.Value)
}

func (s *UndefineVariable) String() string { return "UNDEFINE " + s.Name.String() }

func notExists(b bool) string {
	if b {
		return "NOT EXISTS "
	}
	return ""
}

func (s *AssertTopic) String() string {
	str := "ASSERT " + notExists(s.NotExists) + "TOPIC " + s.Topic.String() + withClause(s.With)
	if s.Timeout != nil {
		str += " TIMEOUT " + s.Timeout.String()
	}
	return str
}

func (s *AssertSchema) String() string {
	str := "ASSERT " + notExists(s.NotExists) + "SCHEMA"
	if s.Subject != nil {
		str += " SUBJECT " + s.Subject.String()
	}
	if s.ID != nil {
		str += " ID " + s.ID.String()
	}
	if s.Timeout != nil {
		str += " TIMEOUT " + s.Timeout.String()
	}
	return str
}

func (s *CreateConnector) String() string {
	return "CREATE " + s.Type.String() + " CONNECTOR " + ifNotExists(s.IfNotExists) +
		s.Name.String() + withClause(s.With)
}

func (s *DropConnector) String() string {
	return "DROP CONNECTOR " + ifExists(s.IfExists) + s.Name.String()
}

func (s *RunScript) String() string { return "RUN SCRIPT " + QuoteString(s.Path) }
