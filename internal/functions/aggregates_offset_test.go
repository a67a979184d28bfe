package functions

import (
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestByOffsetAggregates(t *testing.T) {
	t0, f := lit(types.Bool(true)), lit(types.Bool(false))
	two := lit(I(2))
	d32 := types.MustDecimalType(3, 2)
	runAggCases(t, []aggCase{
		// latest-offset-udaf.json.
		{name: "latest", fn: "LATEST_BY_OFFSET", args: TypeArgs(tStr), ret: tStr, steps: []aggStep{
			add(S("foo"), S("foo")), add(S("bar"), S("bar"))}},
		{name: "latest of nulls", fn: "LATEST_BY_OFFSET", args: TypeArgs(tInt), steps: []aggStep{add(null, null), add(null, null)}},
		{name: "latest decimals", fn: "LATEST_BY_OFFSET", args: []AggArg{col(d32), t0}, ret: d32, steps: []aggStep{
			add(dec("3.40"), dec("3.40"), types.Bool(true)), add(dec("8.90"), dec("8.90"), types.Bool(true))}},
		{name: "latest nulls ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{col(tInt), t0}, steps: []aggStep{
			add(I(12), I(12), types.Bool(true)), add(I(12), null, types.Bool(true)), add(I(13), I(13), types.Bool(true))}},
		{name: "latest nulls kept", fn: "LATEST_BY_OFFSET", args: []AggArg{col(tInt), f}, steps: []aggStep{
			add(I(12), I(12), types.Bool(false)), add(null, null, types.Bool(false)), add(I(13), I(13), types.Bool(false))}},
		{name: "latest n nulls ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{col(tInt), two, t0}, ret: types.ArrayType(tInt), steps: []aggStep{
			add(arr(I(12)), I(12), I(2), types.Bool(true)), add(arr(I(12)), null, I(2), types.Bool(true)),
			add(arr(I(12), I(13)), I(13), I(2), types.Bool(true)), add(arr(I(13), I(14)), I(14), I(2), types.Bool(true))}},
		{name: "latest n nulls kept", fn: "LATEST_BY_OFFSET", args: []AggArg{col(tInt), two, f}, steps: []aggStep{
			add(arr(I(12)), I(12), I(2), types.Bool(false)), add(arr(I(12), null), null, I(2), types.Bool(false)),
			add(arr(null, I(13)), I(13), I(2), types.Bool(false))}},
		{name: "latest n default ignores nulls", fn: "LATEST_BY_OFFSET", args: []AggArg{col(tInt), two}, steps: []aggStep{
			add(arr(), null, I(2)), add(arr(I(12)), I(12), I(2)), add(arr(I(12)), null, I(2))}},
		{name: "earliest", fn: "EARLIEST_BY_OFFSET", args: TypeArgs(tInt), ret: tInt, steps: []aggStep{
			add(null, null), add(I(1), I(1)), add(I(1), I(2)), add(I(1), null)}},
		{name: "earliest nulls kept", fn: "EARLIEST_BY_OFFSET", args: []AggArg{col(tInt), f}, steps: []aggStep{
			add(null, null, types.Bool(false)), add(null, I(1), types.Bool(false))}},
		{name: "earliest n", fn: "EARLIEST_BY_OFFSET", args: []AggArg{col(tStr), two}, ret: types.ArrayType(tStr), steps: []aggStep{
			add(strs("a"), S("a"), I(2)), add(strs("a"), null, I(2)), add(strs("a", "b"), S("b"), I(2)), add(strs("a", "b"), S("c"), I(2))}},
		{name: "earliest n nulls kept", fn: "EARLIEST_BY_OFFSET", args: []AggArg{col(tStr), two, f}, steps: []aggStep{
			add(arr(null), null, I(2), types.Bool(false)), add(arr(null, S("a")), S("a"), I(2), types.Bool(false))}},
	})
}

// sessionMerge reproduces how Kafka Streams folds a record into merged
// session windows: a fresh state, merged with each existing session's
// state in turn, then the record added.
func sessionMerge(t *testing.T, agg ResolvedAggregate, row []types.Value, sessions ...types.Value) types.Value {
	t.Helper()
	s := agg.Init()
	var err error
	for _, old := range sessions {
		if s, err = agg.Merge(s, old); err != nil {
			t.Fatal(err)
		}
	}
	if s, err = agg.Add(s, row); err != nil {
		t.Fatal(err)
	}
	checkState(t, agg, s)
	return s
}

// TestByOffsetSessionMerges follows latest-offset-udaf.json's "merging
// session windows" cases: 1 and then a second value in separate sessions,
// and a third record bridging them (or a second one merging into the
// first).
func TestByOffsetSessionMerges(t *testing.T) {
	one := func(t *testing.T, agg ResolvedAggregate, v types.Value, extra ...types.Value) types.Value {
		s, err := agg.Add(agg.Init(), append([]types.Value{v}, extra...))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	result := func(agg ResolvedAggregate, s types.Value) types.Value {
		v, _ := agg.Result(s)
		return v
	}
	cases := []struct {
		name, fn string // fn defaults to LATEST_BY_OFFSET
		args     []AggArg
		extra    []types.Value // the literal arguments
		// first and second are the values of two sessions (second only
		// with twoSess), bridge the record merging them.
		first, second, bridge types.Value
		twoSess               bool
		want                  types.Value
	}{
		{name: "latest", args: TypeArgs(tInt), first: I(1), second: I(3), bridge: I(2), twoSess: true, want: I(2)},
		{name: "latest nulls ignored", args: TypeArgs(tInt), first: I(1), second: null, bridge: I(2), twoSess: true, want: I(2)},
		{name: "latest nulls ignored when merging", args: TypeArgs(tInt), first: I(1), bridge: null, want: I(1)},
		{name: "latest nulls kept when merging", args: []AggArg{col(tInt), lit(types.Bool(false))}, extra: []types.Value{types.Bool(false)},
			first: I(1), bridge: null, want: null},
		{name: "latest n nulls ignored", args: []AggArg{col(tInt), lit(I(2)), lit(types.Bool(true))}, extra: []types.Value{I(2), types.Bool(true)},
			first: I(1), second: null, bridge: I(2), twoSess: true, want: arr(I(1), I(2))},
		{name: "latest n nulls kept", args: []AggArg{col(tInt), lit(I(2)), lit(types.Bool(false))}, extra: []types.Value{I(2), types.Bool(false)},
			first: I(1), second: null, bridge: I(2), twoSess: true, want: arr(null, I(2))},
		{name: "latest n all nulls", args: []AggArg{col(tInt), lit(I(2)), lit(types.Bool(false))}, extra: []types.Value{I(2), types.Bool(false)},
			first: null, second: null, bridge: null, twoSess: true, want: arr(null, null)},
		{name: "earliest", fn: "EARLIEST_BY_OFFSET", args: TypeArgs(tInt), first: I(1), second: I(3), bridge: I(2), twoSess: true, want: I(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fn := c.fn
			if fn == "" {
				fn = "LATEST_BY_OFFSET"
			}
			agg := mustAgg(t, fn, c.args, nil)
			sessions := []types.Value{one(t, agg, c.first, c.extra...)}
			if c.twoSess {
				sessions = append(sessions, one(t, agg, c.second, c.extra...))
			}
			got := result(agg, sessionMerge(t, agg, append([]types.Value{c.bridge}, c.extra...), sessions...))
			if !same(got, c.want) {
				t.Errorf("merged result %v, want %v", got, c.want)
			}
		})
	}
}

func TestLatestNMergeKeepsFirstN(t *testing.T) {
	// ksqlDB sorts merged entries by sequence and keeps the first n.
	agg := mustAgg(t, "LATEST_BY_OFFSET", []AggArg{col(tInt), lit(I(2))}, nil)
	a, _ := agg.Add(agg.Init(), []types.Value{I(1), I(2)})
	b, _ := agg.Add(agg.Init(), []types.Value{I(2), I(2)})
	b, _ = agg.Add(b, []types.Value{I(3), I(2)})
	m, err := agg.Merge(b, a)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := agg.Result(m); !same(got, arr(I(1), I(2))) {
		t.Errorf("merged %v, want [1, 2]", got)
	}
}

func TestSequenceGrows(t *testing.T) {
	prev := nextSeq()
	for range 1000 {
		n := nextSeq()
		if n <= prev {
			t.Fatalf("sequence went from %d to %d", prev, n)
		}
		prev = n
	}
}
