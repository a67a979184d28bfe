package functions

import (
	"strings"
	"unicode"

	"github.com/sluicedata/sluice/internal/types"
)

// mask replaces the characters of s between from and to (rune indexes) by
// class: upper-case, lower-case, digit and other; a NULL replacement keeps
// its class unmasked.
func mask(s string, from, to int, repl [4]types.Value) string {
	rs := []rune(s)
	from, to = max(from, 0), min(to, len(rs))
	for i := from; i < to; i++ {
		r := rs[i]
		class := 3
		switch {
		case unicode.IsUpper(r):
			class = 0
		case unicode.IsLower(r):
			class = 1
		case unicode.IsDigit(r):
			class = 2
		}
		if rv := repl[class]; !rv.IsNull() {
			if m := []rune(rv.Str()); len(m) > 0 {
				rs[i] = m[0]
			}
		}
	}
	return string(rs)
}

// maskReplacements returns the replacements given after the fixed
// arguments, or the defaults X, x, n and -.
func maskReplacements(a []types.Value) [4]types.Value {
	if len(a) >= 4 {
		return [4]types.Value{a[len(a)-4], a[len(a)-3], a[len(a)-2], a[len(a)-1]}
	}
	return [4]types.Value{types.Str("X"), types.Str("x"), types.Str("n"), types.Str("-")}
}

func maskOverloads(withN bool, span func(n, count int) (int, int)) []*overload {
	eval := func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null(), nil
		}
		n := 0
		if withN {
			if a[1].IsNull() {
				return types.Null(), nil
			}
			n = int(a[1].Int())
			if n < 0 {
				return types.Null(), nil
			}
		}
		s := a[0].Str()
		from, to := span(n, len([]rune(s)))
		return types.Str(mask(s, from, to, maskReplacements(a))), nil
	}
	base := []param{p("input", str)}
	if withN {
		base = append(base, p("numChars", integ))
	}
	full := append(append([]param(nil), base...), p("upper", str), p("lower", str), p("digit", str), p("other", str))
	return []*overload{nonStrict(fixed(str, eval, base...)), nonStrict(fixed(str, eval, full...))}
}

func registerMoreStrings(r *Registry) {
	r.add("MASK", "STRING", "Masks every character: upper-case with X, lower-case with x, digits with n, others with -, or the given replacements (NULL keeps a class).",
		maskOverloads(false, func(_, count int) (int, int) { return 0, count })...)
	r.add("MASK_LEFT", "STRING", "Masks the first numChars characters, as MASK.",
		maskOverloads(true, func(n, _ int) (int, int) { return 0, n })...)
	r.add("MASK_RIGHT", "STRING", "Masks the last numChars characters, as MASK.",
		maskOverloads(true, func(n, count int) (int, int) { return count - n, count })...)
	r.add("MASK_KEEP_LEFT", "STRING", "Masks all but the first numChars characters, as MASK.",
		maskOverloads(true, func(n, count int) (int, int) { return n, count })...)
	r.add("MASK_KEEP_RIGHT", "STRING", "Masks all but the last numChars characters, as MASK.",
		maskOverloads(true, func(n, count int) (int, int) { return 0, count - n })...)

	extractAll := func(a []types.Value) (types.Value, error) {
		re, err := compileRegexp(a[0].Str())
		if err != nil {
			return types.Null(), err
		}
		group := 0
		if len(a) > 2 {
			group = int(a[2].Int())
		}
		if group < 0 || group > re.NumSubexp() {
			return types.Null(), nil
		}
		input := a[1].Str()
		ms := re.FindAllStringSubmatchIndex(input, -1)
		out := make([]types.Value, 0, len(ms))
		for _, m := range ms {
			if m[2*group] < 0 {
				out = append(out, types.Null())
				continue
			}
			out = append(out, types.Str(input[m[2*group]:m[2*group+1]]))
		}
		return types.Array(out), nil
	}
	r.add("REGEXP_EXTRACT_ALL", "STRING", "Returns every substring of input matching pattern, or the given group of each match.",
		fixed(types.ArrayType(str), extractAll, p("pattern", str), p("input", str)),
		fixed(types.ArrayType(str), extractAll, p("pattern", str), p("input", str), p("group", integ)))
	r.add("REGEXP_SPLIT_TO_ARRAY", "STRING", "Splits a string around the matches of a pattern.",
		fixed(types.ArrayType(str), func(a []types.Value) (types.Value, error) {
			re, err := compileRegexp(a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			parts := re.Split(a[0].Str(), -1)
			out := make([]types.Value, len(parts))
			for i, x := range parts {
				out[i] = types.Str(x)
			}
			return types.Array(out), nil
		}, p("string", str), p("pattern", str)))
	r.add("SPLIT_TO_MAP", "STRING", "Splits a string into key-value pairs at entryDelimiter and each pair at kvDelimiter; pairs without kvDelimiter are dropped, a repeated key keeps its last value.",
		fixed(types.MapType(str, str), func(a []types.Value) (types.Value, error) {
			s, ed, kd := a[0].Str(), a[1].Str(), a[2].Str()
			if ed == "" || kd == "" || ed == kd {
				return types.Null(), nil
			}
			var keys, vals []types.Value
			for _, e := range strings.Split(s, ed) {
				k, v, ok := strings.Cut(e, kd)
				if !ok {
					continue
				}
				keys = append(keys, types.Str(k))
				vals = append(vals, types.Str(v))
			}
			return types.Map(keys, vals), nil
		}, p("input", str), p("entryDelimiter", str), p("kvDelimiter", str)))
}

func registerMoreCollections(r *Registry) {
	r.add("MAP_UNION", "MAP", "Merges two maps; for a key in both, the second map's value wins. A NULL map counts as empty; NULL if both are.",
		nonStrict(gen("MAP<K, T>", retFirst, func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() && a[1].IsNull() {
				return types.Null(), nil
			}
			var keys, vals []types.Value
			for _, m := range a {
				if m.IsNull() {
					continue
				}
				for i := range m.Len() {
					keys = append(keys, m.MapKey(i))
					vals = append(vals, m.MapElem(i))
				}
			}
			return types.Map(keys, vals), nil
		}, pMap("map1"), pMap("map2"))))
	r.add("AS_MAP", "MAP", "Builds a map from an array of keys and an array of values, pairing them by position.",
		gen("MAP<STRING, T>", func(_ []types.Type, t types.Type) types.Type { return types.MapType(str, t) },
			func(a []types.Value) (types.Value, error) {
				ks, vs := a[0].Elems(), a[1].Elems()
				n := min(len(ks), len(vs))
				keys := make([]types.Value, 0, n)
				vals := make([]types.Value, 0, n)
				for i := range n {
					if ks[i].IsNull() {
						continue
					}
					keys = append(keys, ks[i])
					vals = append(vals, vs[i])
				}
				return types.Map(keys, vals), nil
			}, param{name: "keys", typ: types.ArrayType(str)}, pArray("values")))
}
