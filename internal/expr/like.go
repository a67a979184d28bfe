package expr

import (
	"fmt"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func (c *compiler) like(e *ast.Like) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	p, err := c.compile(e.Pattern)
	if err != nil {
		return nil, err
	}
	for _, n := range []*node{x, p} {
		if !n.t.IsZero() && n.t.Kind() != types.KindString {
			return nil, errorf(n.src.Position(), CodeType, "LIKE expects STRING operands: %s is %s", n.src, n.t)
		}
	}
	esc := rune(-1)
	if e.Escape != nil {
		r := []rune(e.Escape.Value)
		if len(r) != 1 {
			return nil, errorf(e.Escape.Pos, CodeType, "Escape character must be a single character: '%s'", e.Escape.Value)
		}
		esc = r[0]
	}
	xf, not := x.fn, e.Not
	if p.isConst {
		if p.val.IsNull() {
			return constNode(types.BooleanType, types.Null(), e), nil
		}
		pat := compileLike(p.val.Str(), esc)
		return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
			v, err := xf(row)
			if err != nil || v.IsNull() {
				return types.Null(), err
			}
			return types.Bool(pat.match(v.Str()) != not), nil
		}}, nil
	}
	pf := p.fn
	return &node{t: types.BooleanType, src: e, fn: func(row types.Row) (types.Value, error) {
		v, pv, err := both(xf, pf, row)
		if err != nil || v.IsNull() || pv.IsNull() {
			return types.Null(), err
		}
		return types.Bool(compileLike(pv.Str(), esc).match(v.Str()) != not), nil
	}}, nil
}

// likeTok is one element of a LIKE pattern: a literal rune, any one rune
// (_), or any run of runes (%).
type likeTok struct {
	kind byte // 'l', '_', '%'
	r    rune
}

type likePattern []likeTok

func compileLike(p string, esc rune) likePattern {
	var out likePattern
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			out = append(out, likeTok{kind: 'l', r: r})
			escaped = false
		case r == esc:
			escaped = true
		case r == '%':
			if len(out) == 0 || out[len(out)-1].kind != '%' {
				out = append(out, likeTok{kind: '%'})
			}
		case r == '_':
			out = append(out, likeTok{kind: '_'})
		default:
			out = append(out, likeTok{kind: 'l', r: r})
		}
	}
	if escaped {
		out = append(out, likeTok{kind: 'l', r: esc})
	}
	return out
}

// match runs the pattern with the classic greedy-with-backtrack-to-last-%
// algorithm, linear in practice and never exponential.
func (p likePattern) match(s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) {
			switch t := p[pi]; t.kind {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				pi++
				si += size
				continue
			default:
				if t.r == r {
					pi++
					si += size
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sz := utf8.DecodeRuneInString(s[starS:])
		starS += sz
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi].kind == '%' {
		pi++
	}
	return pi == len(p)
}

func (p likePattern) String() string { return fmt.Sprint([]likeTok(p)) }
