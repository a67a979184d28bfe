package functions

import (
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/types"
)

// LATEST_BY_OFFSET and EARLIEST_BY_OFFSET. As in ksqlDB, each value kept
// is stamped with a sequence number, STRUCT<SEQ BIGINT, VAL T>, so that
// merging two session windows' states can tell which value came later.
//
// Variants: f(col) and f(col, ignoreNulls) keep one value; f(col, n) and
// f(col, n, ignoreNulls) keep up to n in an ARRAY. ignoreNulls defaults to
// true; n and ignoreNulls must be literals.

var offsetNames = []string{"SEQ", "VAL"}

// offsetSeq is the last sequence number handed out.
var offsetSeq atomic.Int64

// nextSeq returns a sequence number greater than every earlier one. It
// starts from the wall clock rather than zero so that numbers keep
// growing across restarts, as stored states outlive the process.
func nextSeq() int64 {
	for {
		old := offsetSeq.Load()
		n := max(old+1, time.Now().UnixNano())
		if offsetSeq.CompareAndSwap(old, n) {
			return n
		}
	}
}

func offsetAggregates() []*aggFunc {
	sigs := func(name string) []string {
		return []string{name + "(val T) => T", name + "(val T, ignoreNulls BOOLEAN) => T",
			name + "(val T, n INT) => ARRAY<T>", name + "(val T, n INT, ignoreNulls BOOLEAN) => ARRAY<T>"}
	}
	return []*aggFunc{
		{name: "LATEST_BY_OFFSET", decl: "LATEST_BY_OFFSET", description: "This function returns the latest N values for the column, computed by offset.",
			signatures: sigs("LATEST_BY_OFFSET"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveByOffset(c, true) }},
		{name: "EARLIEST_BY_OFFSET", decl: "EARLIEST_BY_OFFSET", description: "This function returns the oldest N values for the column, computed by offset.",
			signatures: sigs("EARLIEST_BY_OFFSET"), resolve: func(c *aggCall) (ResolvedAggregate, bool, error) { return resolveByOffset(c, false) }},
	}
}

func resolveByOffset(c *aggCall, latest bool) (ResolvedAggregate, bool, error) {
	if len(c.args) < 1 || len(c.args) > 3 || c.args[0].Type.IsZero() {
		return ResolvedAggregate{}, false, nil
	}
	// Overloads: (T), (T, BOOLEAN), (T, INT), (T, INT, BOOLEAN).
	kinds := make([]types.Kind, len(c.args)-1)
	for i, a := range c.args[1:] {
		kinds[i] = a.Type.Kind()
	}
	params := c.types()
	n, ignoreNulls := 0, true
	var err error
	switch {
	case len(kinds) == 0:
	case len(kinds) == 1 && kinds[0] == types.KindBoolean:
		ignoreNulls, err = c.boolLiteral(1)
	case len(kinds) == 1 && kinds[0] == types.KindInt:
		n, err = c.intLiteral(1)
	case len(kinds) == 2 && kinds[0] == types.KindInt && kinds[1] == types.KindBoolean:
		if n, err = c.intLiteral(1); err == nil {
			ignoreNulls, err = c.boolLiteral(2)
		}
	default:
		return ResolvedAggregate{}, false, nil
	}
	if err != nil {
		return ResolvedAggregate{}, false, err
	}
	t := c.args[0].Type
	entry := mustStruct(offsetNames, types.BigIntType, t)
	names := entry.FieldNames()
	stamp := func(v types.Value) types.Value {
		return types.Struct(names, []types.Value{types.BigInt(nextSeq()), v})
	}
	if len(kinds) == 0 || kinds[0] == types.KindBoolean {
		agg := byOffsetOne(latest, ignoreNulls, stamp)
		agg.Params, agg.Return, agg.State = params, t, entry
		return agg, true, nil
	}
	if n <= 0 {
		which := "earliestN"
		if latest {
			which = "latestN"
		}
		return ResolvedAggregate{}, false, fmt.Errorf("%w: %s must be 1 or greater", ErrNoMatchingOverload, which)
	}
	agg := byOffsetN(latest, ignoreNulls, n, stamp)
	agg.Params, agg.Return, agg.State = params, types.ArrayType(t), types.ArrayType(entry)
	return agg, true, nil
}

// seqLess orders stamped entries by sequence, as ksqlDB does: a negative
// sequence (one that overflowed) counts as later than any other.
func seqLess(a, b types.Value) bool { return compareSeq(a, b) < 0 }

func compareSeq(a, b types.Value) int {
	s1, s2 := a.Field(0).BigInt(), b.Field(0).BigInt()
	switch {
	case s1 < 0 && s2 >= 0:
		return 1
	case s2 < 0 && s1 >= 0:
		return -1
	case s1 < s2:
		return -1
	case s1 > s2:
		return 1
	}
	return 0
}

// byOffsetOne keeps one value. LATEST's state starts as a stamped NULL
// and is replaced by every value (every non-null one with ignoreNulls);
// EARLIEST's starts as NULL and keeps the first value it is given.
func byOffsetOne(latest, ignoreNulls bool, stamp func(types.Value) types.Value) ResolvedAggregate {
	result := func(s types.Value) (types.Value, error) {
		if s.IsNull() {
			return types.Null(), nil
		}
		return s.Field(1), nil
	}
	if latest {
		return ResolvedAggregate{
			Init: func() types.Value { return stamp(types.Null()) },
			Add: func(s types.Value, args []types.Value) (types.Value, error) {
				if args[0].IsNull() && ignoreNulls {
					return s, nil
				}
				return stamp(args[0]), nil
			},
			Merge: func(a, b types.Value) (types.Value, error) {
				c := compareSeq(a, b)
				if ignoreNulls {
					// A NULL value loses to any other.
					an, bn := a.Field(1).IsNull(), b.Field(1).IsNull()
					switch {
					case an && bn:
						c = 0
					case an:
						c = -1
					case bn:
						c = 1
					}
				}
				if c >= 0 {
					return a, nil
				}
				return b, nil
			},
			Result: result,
		}
	}
	return ResolvedAggregate{
		Init: types.Null,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if !s.IsNull() || args[0].IsNull() && ignoreNulls {
				return s, nil
			}
			return stamp(args[0]), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			switch {
			case a.IsNull():
				return b, nil
			case b.IsNull():
				return a, nil
			case compareSeq(a, b) < 0:
				return a, nil
			}
			return b, nil
		},
		Result: result,
	}
}

// byOffsetN keeps up to n stamped values in order of arrival: LATEST the
// last n, EARLIEST the first n.
func byOffsetN(latest, ignoreNulls bool, n int, stamp func(types.Value) types.Value) ResolvedAggregate {
	return ResolvedAggregate{
		Init: emptyArray,
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() && ignoreNulls {
				return s, nil
			}
			elems := s.Elems()
			if !latest {
				if len(elems) >= n {
					return s, nil
				}
				return types.Array(appendCopy(elems, stamp(args[0]))), nil
			}
			out := appendCopy(elems, stamp(args[0]))
			if len(out) > n {
				out = out[len(out)-n:]
			}
			return types.Array(out), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			// ksqlDB sorts both by sequence and keeps the first n, for
			// LATEST_BY_OFFSET as well as EARLIEST_BY_OFFSET.
			merged := appendCopy(a.Elems(), b.Elems()...)
			sort.SliceStable(merged, func(i, j int) bool { return seqLess(merged[i], merged[j]) })
			return types.Array(merged[:min(n, len(merged))]), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			elems := s.Elems()
			out := make([]types.Value, len(elems))
			for i, e := range elems {
				out[i] = e.Field(1)
			}
			return types.Array(out), nil
		},
	}
}
