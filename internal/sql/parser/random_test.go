package parser

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

// TestRandomTreesRoundTrip builds random trees of every expression form,
// with awkward names and literals, and requires each to print as SQL that
// parses back to the same tree. Where the text fuzzer explores inputs, this
// explores the printer: shapes that text rarely takes, such as a sign under
// a subscript.
func TestRandomTreesRoundTrip(t *testing.T) {
	g := &treeGen{r: rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < 10000; i++ {
		q := g.query()
		printed := q.String()
		back, err := ParseStatement(printed)
		if err != nil {
			t.Fatalf("printed SQL does not parse: %v\n%s", err, printed)
		}
		if !ast.Equal(q, back) {
			t.Fatalf("printed SQL parses to a different tree\n%s\n--- built:\n%s--- parsed:\n%s", printed, ast.Dump(q), ast.Dump(back))
		}
	}
}

type treeGen struct {
	r     *rand.Rand
	depth int
}

var genNames = []string{"A", "B", "KEY", "ID", "TYPE", "a", "Mixed", "SELECT", "EMIT", "PARTITION",
	"SECONDS", "DAY", "MAP", "STRUCT", "ARRAY", "1X", "a b", "x`y", "", "É", "WINDOWSTART", "DECIMAL", "NULL",
	"SESSION", "GRACE", "ON", "IF", "ESCAPE", "_x@1"}

func (g *treeGen) pick(n int) int { return g.r.IntN(n) }

func (g *treeGen) ident() ast.Ident {
	if g.pick(12) == 0 {
		return ast.Ident{Name: "v" + strconv.Itoa(g.pick(3)), Variable: true}
	}
	return ast.Ident{Name: genNames[g.pick(len(genNames))]}
}

// plainIdent is an identifier that is not a variable.
func (g *treeGen) plainIdent() ast.Ident { return ast.Ident{Name: genNames[g.pick(len(genNames))]} }

func (g *treeGen) query() *ast.Query {
	g.depth = 0
	q := &ast.Query{From: ast.Source{Name: g.ident()}}
	if g.pick(2) == 0 {
		a := g.ident()
		q.From.Alias = &a
	}
	for n := 1 + g.pick(3); n > 0; n-- {
		it := ast.SelectItem{Expr: g.expr()}
		switch g.pick(4) {
		case 0:
			a := g.ident()
			it.Alias = &a
		case 1:
			it.Star, it.Expr = true, nil
			if g.pick(2) == 0 {
				q := g.ident()
				it.Qualifier = &q
			}
		case 2:
			it.Star = g.pick(3) == 0
		}
		q.Select = append(q.Select, it)
	}
	if g.pick(2) == 0 {
		q.Where = g.expr()
	}
	if g.pick(3) == 0 {
		q.GroupBy = &ast.ExprList{Exprs: []ast.Expr{g.expr(), g.expr()}[:g.pick(3)]}
	}
	if g.pick(4) == 0 {
		q.Having = g.expr()
	}
	for n := g.pick(3); n > 0; n-- {
		j := ast.Join{Type: ast.JoinType(g.pick(4)), Source: ast.Source{Name: g.ident()}, On: g.expr()}
		if g.pick(2) == 0 {
			j.Within = &ast.JoinWindow{Before: g.duration(), After: g.duration()}
			if g.pick(2) == 0 {
				j.Within.After = j.Within.Before
			}
			if g.pick(2) == 0 {
				d := g.duration()
				j.Within.Grace = &d
			}
		}
		q.Joins = append(q.Joins, j)
	}
	if g.pick(3) == 0 {
		w := &ast.Window{Kind: ast.WindowKind(g.pick(3)), Size: g.duration()}
		if w.Kind == ast.Hopping {
			d := g.duration()
			w.Advance = &d
		}
		if g.pick(2) == 0 {
			d := g.duration()
			w.Grace = &d
		}
		if g.pick(2) == 0 {
			n := g.ident()
			w.Name = &n
		}
		q.Window = w
	}
	if g.pick(3) == 0 {
		q.PartitionBy = &ast.ExprList{Exprs: g.exprs(1 + g.pick(2))}
	}
	q.Emit = ast.Emit(g.pick(3))
	if g.pick(3) == 0 {
		q.Limit = &ast.IntegerLit{Value: 5, Text: "5"}
	}
	return q
}

func (g *treeGen) duration() ast.Duration {
	return ast.Duration{Value: int64(g.pick(3)) - 1, Unit: ast.TimeUnit(g.pick(5))}
}

func (g *treeGen) leaf() ast.Expr {
	switch g.pick(9) {
	case 0:
		c := &ast.ColumnRef{Name: g.plainIdent()}
		if g.pick(3) == 0 {
			q := g.ident()
			c.Qualifier = &q
			c.Name = g.ident()
		}
		return c
	case 1:
		v := g.r.Int64() >> g.pick(63)
		if g.pick(2) == 0 {
			v = -v
		}
		return &ast.IntegerLit{Value: v, Text: strconv.FormatInt(v, 10)}
	case 2:
		texts := []string{"1.5", "-0.0", ".5", "5.", "-12.50", "1e3", "7", "+2.5"}
		return &ast.DecimalLit{Text: texts[g.pick(len(texts))]}
	case 3:
		texts := []string{"1E3", "-1.5e-3", ".5E1", "04.90E-324"}
		s := texts[g.pick(len(texts))]
		f, _ := strconv.ParseFloat(s, 64)
		return &ast.DoubleLit{Value: f, Text: s}
	case 4:
		strs := []string{"", "it's", "--x", "/*", "a\nb", "`"}
		return &ast.StringLit{Value: strs[g.pick(len(strs))]}
	case 5:
		return &ast.NullLit{}
	case 6:
		return &ast.BoolLit{Value: g.pick(2) == 0}
	case 7:
		return &ast.Variable{Name: "v"}
	}
	return &ast.ColumnRef{Name: g.plainIdent()}
}

func (g *treeGen) exprs(n int) []ast.Expr {
	var out []ast.Expr
	for ; n > 0; n-- {
		out = append(out, g.expr())
	}
	return out
}

func (g *treeGen) expr() ast.Expr {
	if g.depth > 4 || g.pick(3) == 0 {
		return g.leaf()
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(19) {
	case 0:
		return &ast.Unary{Op: ast.UnaryOp(g.pick(2)), X: g.expr()}
	case 1, 2:
		return &ast.Binary{Op: ast.BinaryOp(g.pick(int(ast.Concat) + 1)), L: g.expr(), R: g.expr()}
	case 3:
		return &ast.Not{X: g.expr()}
	case 4:
		return &ast.IsNull{X: g.expr(), Not: g.pick(2) == 0}
	case 5:
		return &ast.DistinctFrom{L: g.expr(), R: g.expr(), Not: g.pick(2) == 0}
	case 6:
		return &ast.Between{X: g.expr(), Low: g.expr(), High: g.expr(), Not: g.pick(2) == 0}
	case 7:
		return &ast.In{X: g.expr(), List: g.exprs(1 + g.pick(3)), Not: g.pick(2) == 0}
	case 8:
		l := &ast.Like{X: g.expr(), Pattern: g.expr(), Not: g.pick(2) == 0}
		if g.pick(2) == 0 {
			l.Escape = &ast.StringLit{Value: "!"}
		}
		return l
	case 9:
		c := &ast.Call{Name: g.ident()}
		if g.pick(5) == 0 {
			c.Star = true
			return c
		}
		c.Args = g.exprs(g.pick(3))
		if g.pick(3) == 0 {
			c.Args = append(c.Args, &ast.TimeUnitArg{Unit: ast.TimeUnit(g.pick(5))})
		}
		if g.pick(3) == 0 {
			params := []ast.Ident{g.ident()}
			if g.pick(2) == 0 {
				params = append(params, g.ident())
			}
			c.Args = append(c.Args, &ast.Lambda{Params: params, Body: g.expr()})
		}
		return c
	case 10:
		c := &ast.Case{}
		if g.pick(2) == 0 {
			c.Operand = g.expr()
		}
		for n := 1 + g.pick(2); n > 0; n-- {
			c.Whens = append(c.Whens, ast.When{Cond: g.expr(), Result: g.expr()})
		}
		if g.pick(2) == 0 {
			c.Else = g.expr()
		}
		return c
	case 11:
		return &ast.Cast{X: g.expr(), Type: g.typ()}
	case 12:
		return &ast.ArrayCtor{Elems: g.exprs(g.pick(3))}
	case 13:
		m := &ast.MapCtor{}
		for n := g.pick(3); n > 0; n-- {
			m.Entries = append(m.Entries, ast.MapEntry{Key: g.expr(), Value: g.expr()})
		}
		return m
	case 14:
		s := &ast.StructCtor{}
		for n := g.pick(3); n > 0; n-- {
			s.Fields = append(s.Fields, ast.FieldValue{Name: g.ident(), Value: g.expr()})
		}
		return s
	case 15, 16:
		return &ast.Subscript{X: g.expr(), Index: g.expr()}
	}
	return &ast.Deref{X: g.expr(), Field: g.ident()}
}

func (g *treeGen) typ() ast.Type {
	if g.depth > 5 || g.pick(2) == 0 {
		t := &ast.NamedType{Name: g.plainIdent()}
		switch g.pick(4) {
		case 0:
			t.Params = []string{"10", "2"}
		case 1:
			t.Params = []string{"STRING"}
		}
		return t
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(3) {
	case 0:
		return &ast.ArrayType{Elem: g.typ()}
	case 1:
		return &ast.MapType{Key: g.typ(), Value: g.typ()}
	}
	s := &ast.StructType{}
	for n := g.pick(3); n > 0; n-- {
		s.Fields = append(s.Fields, ast.StructField{Name: g.ident(), Type: g.typ()})
	}
	return s
}
