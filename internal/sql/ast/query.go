package ast

import (
	"strconv"
	"strings"
)

// Query is SELECT ... FROM ... with its optional clauses. It is a statement
// on its own (a push or pull query) and the body of CREATE ... AS SELECT and
// INSERT INTO.
type Query struct {
	Pos
	Select      []SelectItem
	From        Source
	Joins       []Join
	Window      *Window
	Where       Expr
	GroupBy     *ExprList
	PartitionBy *ExprList
	Having      Expr
	Emit        Emit
	Limit       *IntegerLit
}

// SelectItem is one item of the select list: an expression with an
// optional alias, or a star: * (Star alone), src.* (Star and Qualifier) or
// struct->* (Star and Expr).
type SelectItem struct {
	Pos
	Expr      Expr
	Alias     *Ident
	Star      bool
	Qualifier *Ident
}

// Source is a stream or table named in FROM or JOIN, with its alias.
type Source struct {
	Pos
	Name  Ident
	Alias *Ident
}

// JoinType is the kind of join.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
)

var joinTypes = [...]string{InnerJoin: "INNER JOIN", LeftJoin: "LEFT OUTER JOIN",
	RightJoin: "RIGHT OUTER JOIN", FullJoin: "FULL OUTER JOIN"}

func (t JoinType) String() string { return joinTypes[t] }

// Join is one JOIN of a query, applied to everything to its left.
type Join struct {
	Pos
	Type   JoinType
	Source Source
	Within *JoinWindow
	On     Expr
}

// JoinWindow is WITHIN n unit or WITHIN (before, after), with an optional
// grace period. The one-value form sets Before and After alike.
type JoinWindow struct {
	Pos
	Before, After Duration
	Grace         *Duration
}

// ExprList is the expression list of GROUP BY or PARTITION BY.
type ExprList struct {
	Pos
	Exprs []Expr
}

// Emit is the result materialization of a query.
type Emit uint8

const (
	// EmitNone: no EMIT clause (a pull query, or a persistent query that
	// defaults to EMIT CHANGES).
	EmitNone Emit = iota
	EmitChanges
	EmitFinal
)

func (e Emit) String() string {
	switch e {
	case EmitChanges:
		return "CHANGES"
	case EmitFinal:
		return "FINAL"
	}
	return ""
}

// WindowKind is the kind of a WINDOW clause.
type WindowKind uint8

const (
	Tumbling WindowKind = iota
	Hopping
	Session
)

func (k WindowKind) String() string {
	switch k {
	case Hopping:
		return "HOPPING"
	case Session:
		return "SESSION"
	}
	return "TUMBLING"
}

// Window is the WINDOW clause. Size is the window size, or the inactivity
// gap of a SESSION window; Advance is set for HOPPING only.
type Window struct {
	Pos
	Name      *Ident
	Kind      WindowKind
	Size      Duration
	Advance   *Duration
	Retention *Duration
	Grace     *Duration
}

// TimeUnit is a unit of a duration; singular and plural spellings are the
// same unit.
type TimeUnit uint8

const (
	Milliseconds TimeUnit = iota
	Seconds
	Minutes
	Hours
	Days
)

var timeUnits = [...]string{Milliseconds: "MILLISECONDS", Seconds: "SECONDS",
	Minutes: "MINUTES", Hours: "HOURS", Days: "DAYS"}

func (u TimeUnit) String() string { return timeUnits[u] }

var unitMillis = [...]int64{Milliseconds: 1, Seconds: 1000, Minutes: 60_000, Hours: 3_600_000, Days: 86_400_000}

// Millis is the length of one unit in milliseconds.
func (u TimeUnit) Millis() int64 { return unitMillis[u] }

// ParseTimeUnit reads an upper-case time unit word, singular or plural.
func ParseTimeUnit(word string) (TimeUnit, bool) {
	for u, s := range timeUnits {
		if word == s || word == s[:len(s)-1] {
			return TimeUnit(u), true
		}
	}
	return 0, false
}

// Duration is n unit, as in SIZE 30 SECONDS.
type Duration struct {
	Pos
	Value int64
	Unit  TimeUnit
}

func (d Duration) String() string {
	u := d.Unit.String()
	if d.Value == 1 || d.Value == -1 {
		u = u[:len(u)-1]
	}
	return strconv.FormatInt(d.Value, 10) + " " + u
}

func (*Query) stmtNode() {}

// String prints the query the way ksqlDB formats one: one select item per
// line, one clause per line.
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT")
	for i, it := range q.Select {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		b.WriteString(it.String())
	}
	b.WriteString("\nFROM ")
	b.WriteString(q.From.String())
	for _, j := range q.Joins {
		b.WriteString("\n")
		b.WriteString(j.String())
	}
	if q.Window != nil {
		b.WriteString("\nWINDOW ")
		b.WriteString(q.Window.String())
	}
	if q.Where != nil {
		b.WriteString("\nWHERE ")
		b.WriteString(q.Where.String())
	}
	if q.GroupBy != nil {
		b.WriteString("\nGROUP BY ")
		b.WriteString(q.GroupBy.String())
	}
	if q.PartitionBy != nil {
		b.WriteString("\nPARTITION BY ")
		b.WriteString(q.PartitionBy.String())
	}
	if q.Having != nil {
		b.WriteString("\nHAVING ")
		b.WriteString(q.Having.String())
	}
	if q.Emit != EmitNone {
		b.WriteString("\nEMIT ")
		b.WriteString(q.Emit.String())
	}
	if q.Limit != nil {
		b.WriteString("\nLIMIT ")
		b.WriteString(q.Limit.String())
	}
	return b.String()
}

func (it SelectItem) String() string {
	switch {
	case it.Star && it.Expr != nil:
		return it.Expr.String() + "->*"
	case it.Star && it.Qualifier != nil:
		return it.Qualifier.String() + ".*"
	case it.Star:
		return "*"
	case it.Alias != nil:
		return it.Expr.String() + " " + it.Alias.String()
	}
	return it.Expr.String()
}

func (s Source) String() string {
	if s.Alias != nil {
		return s.Name.String() + " " + s.Alias.String()
	}
	return s.Name.String()
}

func (j Join) String() string {
	s := j.Type.String() + " " + j.Source.String()
	if j.Within != nil {
		s += " " + j.Within.String()
	}
	return s + " ON " + j.On.String()
}

func (w *JoinWindow) String() string {
	var s string
	if w.Before.Value == w.After.Value && w.Before.Unit == w.After.Unit {
		s = "WITHIN " + w.Before.String()
	} else {
		s = "WITHIN (" + w.Before.String() + ", " + w.After.String() + ")"
	}
	if w.Grace != nil {
		s += " GRACE PERIOD " + w.Grace.String()
	}
	return s
}

func (l *ExprList) String() string {
	if len(l.Exprs) == 0 {
		return "()"
	}
	return joinExprs(l.Exprs)
}

func (w *Window) String() string {
	var b strings.Builder
	if w.Name != nil {
		b.WriteString(w.Name.String())
		b.WriteString(" ")
	}
	b.WriteString(w.Kind.String())
	b.WriteString(" (")
	switch w.Kind {
	case Session:
		b.WriteString(w.Size.String())
	default:
		b.WriteString("SIZE ")
		b.WriteString(w.Size.String())
	}
	if w.Advance != nil {
		b.WriteString(", ADVANCE BY ")
		b.WriteString(w.Advance.String())
	}
	if w.Retention != nil {
		b.WriteString(", RETENTION ")
		b.WriteString(w.Retention.String())
	}
	if w.Grace != nil {
		b.WriteString(", GRACE PERIOD ")
		b.WriteString(w.Grace.String())
	}
	b.WriteString(")")
	return b.String()
}
