package functions

import (
	"github.com/sluicedata/sluice/internal/types"
)

// COLLECT_LIST, COLLECT_SET, HISTOGRAM and ATTR: aggregates whose state
// holds the values seen. States are copied on every change, since a state
// handed to the engine may still be stored.

// Configuration keys of the collection limits, and the limit when unset
// (Confluent Cloud's fixed value, which keeps a group's state bounded).
const (
	CollectListLimitConfig = "ksql.functions.collect_list.limit"
	CollectSetLimitConfig  = "ksql.functions.collect_set.limit"
	defaultCollectLimit    = 1000
	// histogramLimit is HISTOGRAM's fixed cap on distinct values.
	histogramLimit = 1000
)

func collectAggregates() []*aggFunc {
	return []*aggFunc{
		{name: "COLLECT_LIST", decl: "collect_list",
			description: "Gather all of the values from an input grouping into a single Array field.",
			signatures:  []string{"COLLECT_LIST(val T) => ARRAY<T>"}, resolve: resolveCollectList},
		{name: "COLLECT_SET", decl: "collect_set",
			description: "Gather all of the distinct values from an input grouping into a single Array.",
			signatures:  []string{"COLLECT_SET(val T) => ARRAY<T>"}, resolve: resolveCollectSet},
		{name: "HISTOGRAM", decl: "histogram",
			description: "Returns a map of each distinct String from the input Stream or Table and how many times each occurs.",
			signatures:  []string{"HISTOGRAM(val STRING) => MAP<STRING, BIGINT>"}, resolve: resolveHistogram},
		{name: "ATTR", decl: "ATTR",
			description: "Returns the single value a column has in a group, or NULL if it has more than one.",
			signatures:  []string{"ATTR(val T) => T"}, resolve: resolveAttr},
		{name: "COUNT_DISTINCT", decl: "COUNT_DISTINCT",
			description: "This function returns the number of items found in a group. The implementation is probabilistic with a typical accuracy (standard error) of less than 1%.",
			signatures:  []string{"COUNT_DISTINCT(val T) => BIGINT"}, resolve: resolveCountDistinct},
	}
}

// anyTypeArg returns the single argument's type, for the functions of
// any type T; a NULL literal has no type to collect and is refused.
func anyTypeArg(c *aggCall) (types.Type, bool) {
	if len(c.args) != 1 || c.args[0].Type.IsZero() {
		return types.Type{}, false
	}
	return c.args[0].Type, true
}

// appendCopy returns elems with v appended, in a new slice.
func appendCopy(elems []types.Value, v ...types.Value) []types.Value {
	out := make([]types.Value, len(elems), len(elems)+len(v))
	copy(out, elems)
	return append(out, v...)
}

func emptyArray() types.Value { return types.Array([]types.Value{}) }

// resolveCollectList keeps every value, NULLs included, up to the limit;
// Undo removes the last occurrence of the value.
func resolveCollectList(c *aggCall) (ResolvedAggregate, bool, error) {
	t, ok := anyTypeArg(c)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	limit, err := limitConfig(c.config, CollectListLimitConfig, defaultCollectLimit)
	if err != nil {
		return ResolvedAggregate{}, false, err
	}
	at := types.ArrayType(t)
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: at, State: at,
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if s.Len() >= limit {
				return s, nil
			}
			return types.Array(appendCopy(s.Elems(), args[0])), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			elems := s.Elems()
			for i := len(elems) - 1; i >= 0; i-- {
				if elems[i].Equal(args[0]) {
					out := appendCopy(elems[:i], elems[i+1:]...)
					return types.Array(out), nil
				}
			}
			return s, nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			room := max(0, limit-a.Len())
			tail := b.Elems()
			if len(tail) > room {
				tail = tail[:room]
			}
			return types.Array(appendCopy(a.Elems(), tail...)), nil
		},
		Result: identityResult,
	}, true, nil
}

// resolveCollectSet keeps the distinct values, NULL included, in order of
// first appearance, up to the limit. ksqlDB has no Undo for it.
func resolveCollectSet(c *aggCall) (ResolvedAggregate, bool, error) {
	t, ok := anyTypeArg(c)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	limit, err := limitConfig(c.config, CollectSetLimitConfig, defaultCollectLimit)
	if err != nil {
		return ResolvedAggregate{}, false, err
	}
	at := types.ArrayType(t)
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: at, State: at,
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if s.Len() >= limit || containsValue(s.Elems(), args[0]) {
				return s, nil
			}
			return types.Array(appendCopy(s.Elems(), args[0])), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			out := appendCopy(a.Elems())
			for _, v := range b.Elems() {
				if len(out) >= limit {
					break
				}
				if !containsValue(out, v) {
					out = append(out, v)
				}
			}
			return types.Array(out), nil
		},
		Result: identityResult,
	}, true, nil
}

// resolveHistogram counts each distinct STRING, for up to 1000 distinct
// values; later new values are ignored. NULLs are not counted: a map key
// cannot be NULL in the formats the result is written in. Undo drops an
// entry whose count reaches zero.
func resolveHistogram(c *aggCall) (ResolvedAggregate, bool, error) {
	if len(c.args) != 1 {
		return ResolvedAggregate{}, false, nil
	}
	if _, ok := pickType(c.args[0].Type, ptr(types.StringType)); !ok {
		return ResolvedAggregate{}, false, nil
	}
	mt := types.MapType(types.StringType, types.BigIntType)
	// add adds n to key's count, returning the new pairs.
	add := func(pairs []types.Value, key types.Value, n int64) []types.Value {
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i].Equal(key) {
				out := appendCopy(pairs)
				out[i+1] = types.BigInt(pairs[i+1].BigInt() + n)
				return out
			}
		}
		if len(pairs)/2 >= histogramLimit {
			return pairs
		}
		return appendCopy(pairs, key, types.BigInt(n))
	}
	return ResolvedAggregate{
		Params: []types.Type{types.StringType}, Return: mt, State: mt,
		Init: func() types.Value { return types.MapPairs([]types.Value{}) },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			return types.MapPairs(add(s.Pairs(), args[0], 1)), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			pairs := s.Pairs()
			for i := 0; i < len(pairs); i += 2 {
				if !pairs[i].Equal(args[0]) {
					continue
				}
				if n := pairs[i+1].BigInt() - 1; n >= 1 {
					out := appendCopy(pairs)
					out[i+1] = types.BigInt(n)
					return types.MapPairs(out), nil
				}
				return types.MapPairs(appendCopy(pairs[:i], pairs[i+2:]...)), nil
			}
			return s, nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			pairs := a.Pairs()
			bp := b.Pairs()
			for i := 0; i < len(bp); i += 2 {
				pairs = add(pairs, bp[i], bp[i+1].BigInt())
			}
			return types.MapPairs(pairs), nil
		},
		Result: identityResult,
	}, true, nil
}

var attrNames = []string{"VALUE", "COUNT"}

// resolveAttr tracks how many rows hold each value, in a state
// ARRAY<STRUCT<VALUE T, COUNT INT>>; the result is the value if exactly
// one value has a positive count, else NULL.
func resolveAttr(c *aggCall) (ResolvedAggregate, bool, error) {
	t, ok := anyTypeArg(c)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	entry := mustStruct(attrNames, t, types.IntegerType)
	names := entry.FieldNames()
	update := func(entries []types.Value, v types.Value, n int32) []types.Value {
		for i, e := range entries {
			if e.Field(0).Equal(v) {
				out := appendCopy(entries)
				out[i] = types.Struct(names, []types.Value{v, types.Int(max(0, e.Field(1).Int()+n))})
				return out
			}
		}
		if n <= 0 {
			return entries
		}
		return appendCopy(entries, types.Struct(names, []types.Value{v, types.Int(n)}))
	}
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: t, State: types.ArrayType(entry),
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			return types.Array(update(s.Elems(), args[0], 1)), nil
		},
		Undo: func(s types.Value, args []types.Value) (types.Value, error) {
			return types.Array(update(s.Elems(), args[0], -1)), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			entries := a.Elems()
			for _, e := range b.Elems() {
				entries = update(entries, e.Field(0), e.Field(1).Int())
			}
			return types.Array(entries), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			var found types.Value
			n := 0
			for _, e := range s.Elems() {
				if e.Field(1).Int() > 0 {
					found = e.Field(0)
					n++
				}
			}
			if n != 1 {
				return types.Null(), nil
			}
			return found, nil
		},
	}, true, nil
}
