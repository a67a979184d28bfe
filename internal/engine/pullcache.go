package engine

import (
	"math"
	"strings"
	"sync"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// A key lookup, SELECT ... FROM t WHERE k = 'literal' [AND k2 = ...],
// binds to the same plan whatever its literals: the plan of its shape
// (its text with the key literals masked) is kept and reused, and only
// the key is read from each statement. The plan is checked against the
// metastore at each use: a source dropped, created again or altered
// since (a different *catalog.Source) makes it bound again.

// pullCacheSize bounds the shapes kept; when full the cache starts over.
const pullCacheSize = 512

// pullPlan is the bound plan of a key lookup's shape.
type pullPlan struct {
	src     *catalog.Source // the source bound against, as the metastore held it
	p       *plan.Query
	cols    []Column
	keyCols []types.Column
}

type pullCache struct {
	mu    sync.RWMutex
	plans map[string]*pullPlan
	keys  map[*catalog.Source][]types.Column // the key columns of the sources of plans
}

// keyColumns returns src's key columns, kept for the sources of plans.
func (c *pullCache) keyColumns(src *catalog.Source) []types.Column {
	c.mu.RLock()
	k, ok := c.keys[src]
	c.mu.RUnlock()
	if ok {
		return k
	}
	return src.KeyColumns()
}

func (c *pullCache) get(shape string) *pullPlan {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.plans[shape]
}

func (c *pullCache) put(shape string, pp *pullPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plans == nil || len(c.plans) >= pullCacheSize {
		c.plans = make(map[string]*pullPlan)
		c.keys = make(map[*catalog.Source][]types.Column)
	}
	c.plans[shape] = pp
	c.keys[pp.src] = pp.keyCols
}

func (c *pullCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.plans)
}

// keyLookupShape returns the shape of a pull query that is a key lookup
// (its text with the literals of its key comparisons masked) and the
// literal fixing each key column, or ok false when s is not one: a WHERE
// clause made only of KEYCOL = literal conjuncts, one per key column, a
// string or integer literal each, and no cast anywhere (a cast may name a
// type of the metastore).
func keyLookupShape(text string, s *ast.Query, keyCols []types.Column) (shape string, lits []ast.Expr, ok bool) {
	if s.Where == nil || len(keyCols) == 0 || len(s.Joins) > 0 || s.Window != nil || s.GroupBy != nil ||
		s.PartitionBy != nil || s.Having != nil || s.Emit == ast.EmitChanges {
		return "", nil, false
	}
	for _, it := range s.Select {
		if it.Expr != nil && hasCast(it.Expr) {
			return "", nil, false
		}
	}
	lits = make([]ast.Expr, len(keyCols))
	if !keyConjuncts(s.Where, keyCols, lits) {
		return "", nil, false
	}
	type span struct{ from, to int }
	spans := make([]span, len(lits))
	for i, l := range lits {
		if l == nil {
			return "", nil, false
		}
		f, t, ok := literalSpan(text, l)
		if !ok {
			return "", nil, false
		}
		spans[i] = span{f, t}
	}
	// Mask the spans in text order.
	var b strings.Builder
	b.Grow(len(text))
	at := 0
	for at <= len(text) {
		next := -1
		for i, sp := range spans {
			if sp.from >= at && (next < 0 || sp.from < spans[next].from) {
				next = i
			}
		}
		if next < 0 {
			b.WriteString(text[at:])
			break
		}
		b.WriteString(text[at:spans[next].from])
		if _, isString := lits[next].(*ast.StringLit); isString {
			b.WriteString("\x00s")
		} else {
			b.WriteString("\x00i")
		}
		at = spans[next].to
	}
	return b.String(), lits, true
}

// keyConjuncts fills lits with the literal each key column is compared
// with, when e is a conjunction of KEYCOL = literal only, each key column
// named once.
func keyConjuncts(e ast.Expr, keyCols []types.Column, lits []ast.Expr) bool {
	b, ok := e.(*ast.Binary)
	if !ok {
		return false
	}
	if b.Op == ast.And {
		return keyConjuncts(b.L, keyCols, lits) && keyConjuncts(b.R, keyCols, lits)
	}
	if b.Op != ast.Eq {
		return false
	}
	ref, lit := b.L, b.R
	if _, isRef := ref.(*ast.ColumnRef); !isRef {
		ref, lit = b.R, b.L
	}
	r, ok := ref.(*ast.ColumnRef)
	if !ok || r.Qualifier != nil {
		return false
	}
	switch lit.(type) {
	case *ast.StringLit, *ast.IntegerLit:
	default:
		return false
	}
	for i, c := range keyCols {
		if c.Name == r.Name.Name {
			if lits[i] != nil || !literalFits(lit, c.Type) {
				return false
			}
			lits[i] = lit
			return true
		}
	}
	return false
}

// literalFits tells whether a key column of type t compared with lit
// matches exactly the groups whose key is lit's value: a string with a
// STRING column, an integer with an INT or BIGINT column.
func literalFits(lit ast.Expr, t types.Type) bool {
	switch l := lit.(type) {
	case *ast.StringLit:
		return t.Kind() == types.KindString
	case *ast.IntegerLit:
		switch t.Kind() {
		case types.KindBigInt:
			return true
		case types.KindInt:
			return l.Value >= math.MinInt32 && l.Value <= math.MaxInt32
		}
	}
	return false
}

// literalValue is the key value of a literal that fits its column.
func literalValue(lit ast.Expr, t types.Type) types.Value {
	switch l := lit.(type) {
	case *ast.StringLit:
		return types.Str(l.Value)
	case *ast.IntegerLit:
		if t.Kind() == types.KindInt {
			return types.Int(int32(l.Value))
		}
		return types.BigInt(l.Value)
	}
	return types.Null()
}

// literalSpan returns where lit is written in text, checked against its
// value: a quoted string (” standing for ') or an integer's digits.
func literalSpan(text string, lit ast.Expr) (from, to int, ok bool) {
	switch l := lit.(type) {
	case *ast.StringLit:
		from = l.Offset
		if from < 0 || from >= len(text) || text[from] != '\'' {
			return 0, 0, false
		}
		i := from + 1
		if j := strings.IndexByte(text[i:], '\''); j >= 0 && (i+j+1 >= len(text) || text[i+j+1] != '\'') {
			// No quote written twice: the text is the value.
			if text[i:i+j] != l.Value {
				return 0, 0, false
			}
			return from, i + j + 1, true
		}
		var val strings.Builder
		for {
			j := strings.IndexByte(text[i:], '\'')
			if j < 0 {
				return 0, 0, false
			}
			val.WriteString(text[i : i+j])
			i += j + 1
			if i < len(text) && text[i] == '\'' {
				val.WriteByte('\'')
				i++
				continue
			}
			break
		}
		if val.String() != l.Value {
			return 0, 0, false
		}
		return from, i, true
	case *ast.IntegerLit:
		from = l.Offset
		if l.Text == "" || from < 0 || from+len(l.Text) > len(text) || text[from:from+len(l.Text)] != l.Text {
			return 0, 0, false
		}
		to = from + len(l.Text)
		if to < len(text) && isWordByte(text[to]) {
			return 0, 0, false
		}
		return from, to, true
	}
	return 0, 0, false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func hasCast(e ast.Expr) bool {
	found := false
	ast.Walk(e, func(x ast.Expr) bool {
		if _, ok := x.(*ast.Cast); ok {
			found = true
		}
		return !found
	})
	return found
}
