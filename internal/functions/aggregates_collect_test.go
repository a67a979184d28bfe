package functions

import (
	"fmt"
	"math"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func strMap(kv ...any) types.Value {
	var pairs []types.Value
	for i := 0; i < len(kv); i += 2 {
		pairs = append(pairs, S(kv[i].(string)), L(int64(kv[i+1].(int))))
	}
	return types.MapPairs(append([]types.Value{}, pairs...))
}

func TestCollectAggregates(t *testing.T) {
	d41 := types.MustDecimalType(4, 1)
	st := types.MustStructType(types.Field{Name: "A", Type: tStr}, types.Field{Name: "B", Type: tBig})
	rec := func(a string, b int64) types.Value { return types.Struct(st.FieldNames(), []types.Value{S(a), L(b)}) }
	runAggCases(t, []aggCase{
		// collect-list.json "collect_list decimal": NULLs are kept.
		{name: "list decimal", fn: "COLLECT_LIST", args: TypeArgs(d41), ret: types.ArrayType(d41), steps: []aggStep{
			add(arr(dec("500.9")), dec("500.9")), add(arr(dec("500.9"), dec("300.8")), dec("300.8")),
			add(arr(dec("500.9"), dec("300.8"), null), null), add(arr(dec("500.9"), dec("300.8"), null, dec("300.8")), dec("300.8"))}},
		{name: "list undo removes the last occurrence", fn: "COLLECT_LIST", args: TypeArgs(tStr), steps: []aggStep{
			add(strs("a"), S("a")), add(strs("a", "b"), S("b")), add(strs("a", "b", "a"), S("a")),
			undo(strs("a", "b"), S("a")), undo(strs("a", "b"), S("z")), undo(strs("b"), S("a"))}},
		{name: "list limit", fn: "COLLECT_LIST", args: TypeArgs(tInt), config: map[string]string{CollectListLimitConfig: "1"}, steps: []aggStep{
			add(arr(I(0)), I(0)), add(arr(I(0)), I(100))}},
		{name: "list negative limit is none", fn: "COLLECT_LIST", args: TypeArgs(tInt), config: map[string]string{CollectListLimitConfig: "-1"}, steps: []aggStep{
			add(arr(I(0)), I(0)), add(arr(I(0), I(1)), I(1))}},
		{name: "list structs", fn: "COLLECT_LIST", args: TypeArgs(st), steps: []aggStep{
			add(arr(rec("Record0", 100)), rec("Record0", 100)), add(arr(rec("Record0", 100), rec("Record0", 100)), rec("Record0", 100))}},
		// collect-set.json: structs and maps compare by value.
		{name: "set structs", fn: "COLLECT_SET", args: TypeArgs(st), steps: []aggStep{
			add(arr(rec("Record0", 1)), rec("Record0", 1)), add(arr(rec("Record0", 1), rec("Record1", 100)), rec("Record1", 100)),
			add(arr(rec("Record0", 1), rec("Record1", 100)), rec("Record0", 1))}},
		{name: "set strings and null", fn: "COLLECT_SET", args: TypeArgs(tStr), steps: []aggStep{
			add(strs("baz"), S("baz")), add(strs("baz"), S("baz")), add(strs("baz", "foo"), S("foo")),
			add(arr(S("baz"), S("foo"), null), null), add(arr(S("baz"), S("foo"), null), null)}},
		{name: "set maps", fn: "COLLECT_SET", args: TypeArgs(types.MapType(tStr, tBig)), steps: []aggStep{
			add(arr(strMap("Record0", 100, "Record2", 2)), strMap("Record0", 100, "Record2", 2)),
			add(arr(strMap("Record0", 100, "Record2", 2)), strMap("Record2", 2, "Record0", 100))}},
		{name: "set limit", fn: "COLLECT_SET", args: TypeArgs(tInt), config: map[string]string{CollectSetLimitConfig: "1"}, steps: []aggStep{
			add(arr(I(0)), I(0)), add(arr(I(0)), I(100))}},
		// histogram.json "histogram on a table".
		{name: "histogram", fn: "HISTOGRAM", args: TypeArgs(tStr), steps: []aggStep{
			add(strMap("carol", 1), S("carol")), add(strMap("carol", 1, "dave", 1), S("dave")),
			add(strMap("carol", 1, "dave", 1, "bob", 1), S("bob")), add(strMap("carol", 1, "dave", 1, "bob", 2), S("bob")),
			undo(strMap("carol", 1, "dave", 1, "bob", 1), S("bob")), undo(strMap("carol", 1, "dave", 1), S("bob")),
			undo(strMap("carol", 1, "dave", 1), S("nobody")), add(strMap("carol", 1, "dave", 1), null)}},
		{name: "attr", fn: "ATTR", args: TypeArgs(tStr), ret: tStr, steps: []aggStep{
			add(S("a"), S("a")), add(S("a"), S("a")), add(null, S("b")), undo(S("a"), S("b")),
			undo(S("a"), S("a")), undo(null, S("a")), add(S("c"), S("c"))}},
		{name: "attr null is a value", fn: "ATTR", args: TypeArgs(tInt), steps: []aggStep{
			add(null, null), add(null, I(1)), undo(I(1), null)}},
		// count-distinct.json.
		{name: "count distinct", fn: "COUNT_DISTINCT", args: TypeArgs(tStr), ret: tBig, steps: []aggStep{
			add(L(1), S("one")), add(L(2), S("two")), add(L(2), S("one")), add(L(2), S("two")), add(L(2), null)}},
	})
}

func TestHistogramKeepsAThousandValues(t *testing.T) {
	agg := mustAgg(t, "HISTOGRAM", TypeArgs(tStr), nil)
	s := agg.Init()
	for i := range 1001 {
		s, _ = agg.Add(s, []types.Value{S(fmt.Sprint(i))})
	}
	s, _ = agg.Add(s, []types.Value{S("0")})
	if s.Len() != 1000 {
		t.Fatalf("%d entries, want 1000", s.Len())
	}
	if v, _ := s.MapGet(S("0")); !same(v, L(2)) {
		t.Errorf("count of a kept value = %v, want 2", v)
	}
	if _, ok := s.MapGet(S("1000")); ok {
		t.Error("the 1001st value was kept")
	}
}

func TestCollectDefaultLimit(t *testing.T) {
	for _, fn := range []string{"COLLECT_LIST", "COLLECT_SET"} {
		agg := mustAgg(t, fn, TypeArgs(tInt), nil)
		s := agg.Init()
		for i := range 1500 {
			s, _ = agg.Add(s, []types.Value{I(int32(i))})
		}
		if s.Len() != defaultCollectLimit {
			t.Errorf("%s kept %d values, want %d", fn, s.Len(), defaultCollectLimit)
		}
	}
}

func TestCollectMerge(t *testing.T) {
	cfg := map[string]string{CollectListLimitConfig: "3", CollectSetLimitConfig: "3"}
	rows := func(vs ...int32) [][]types.Value {
		var out [][]types.Value
		for _, v := range vs {
			out = append(out, []types.Value{I(v)})
		}
		return out
	}
	cases := []struct {
		fn   string
		a, b [][]types.Value
		want types.Value
	}{
		{"COLLECT_LIST", rows(1, 2), rows(3, 4), arr(I(1), I(2), I(3))},
		{"COLLECT_SET", rows(1, 2), rows(2, 1, 5, 6), arr(I(1), I(2), I(5))},
		{"ATTR", rows(1), rows(1), I(1)},
		{"ATTR", rows(1), rows(2), null},
	}
	for _, c := range cases {
		got := mergeResult(t, mustAgg(t, c.fn, TypeArgs(tInt), cfg), c.a, c.b)
		if !same(got, c.want) {
			t.Errorf("%s: merged %v", c.fn, got)
		}
	}
	h := mustAgg(t, "HISTOGRAM", TypeArgs(tStr), nil)
	got := mergeResult(t, h, [][]types.Value{{S("a")}, {S("b")}}, [][]types.Value{{S("b")}, {S("c")}})
	if !got.Equal(strMap("a", 1, "b", 2, "c", 1)) {
		t.Errorf("HISTOGRAM merged %v", got)
	}
}

// TestCountDistinctEstimates checks the HyperLogLog against exact counts,
// through the switch from sparse to dense registers, and that merging
// two sketches estimates their union.
func TestCountDistinctEstimates(t *testing.T) {
	agg := mustAgg(t, "COUNT_DISTINCT", TypeArgs(tBig), nil)
	fill := func(from, to int) types.Value {
		s := agg.Init()
		for i := from; i < to; i++ {
			// Each value twice: duplicates must not count.
			for range 2 {
				var err error
				if s, err = agg.Add(s, []types.Value{L(int64(i))}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return s
	}
	estimate := func(s types.Value) int64 {
		v, err := agg.Result(s)
		if err != nil {
			t.Fatal(err)
		}
		return v.BigInt()
	}
	for _, n := range []int{1, 10, 100, 1000, 3000, 20000} {
		s := fill(0, n)
		checkState(t, agg, s)
		got := estimate(s)
		if math.Abs(float64(got-int64(n))) > 0.03*float64(n)+1 {
			t.Errorf("%d distinct values estimated as %d", n, got)
		}
		if n <= 100 && got != int64(n) {
			t.Errorf("%d distinct values estimated as %d, want exact", n, got)
		}
	}
	m, err := agg.Merge(fill(0, 4000), fill(2000, 6000))
	if err != nil {
		t.Fatal(err)
	}
	if got := estimate(m); math.Abs(float64(got-6000)) > 180 {
		t.Errorf("union of 6000 values estimated as %d", got)
	}
	if got := estimate(agg.Init()); got != 0 {
		t.Errorf("empty estimate %d", got)
	}
}

func TestStableHashIsDeterministic(t *testing.T) {
	// Fixed values: a state written by one process is read by another.
	if a, b := stableHash(S("one")), stableHash(S("one")); a != b {
		t.Fatal("stableHash differs between calls")
	}
	if stableHash(S("1")) == stableHash(I(1)) {
		t.Error("a STRING and an INTEGER printing alike hash alike")
	}
	idx, rank := hllPosition(0)
	if idx != 0 || rank != 64-hllLog2M+1 {
		t.Errorf("hllPosition(0) = %d, %d", idx, rank)
	}
}
