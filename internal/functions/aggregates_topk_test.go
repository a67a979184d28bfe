package functions

import (
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestTopKAggregates(t *testing.T) {
	k3 := lit(I(3))
	st := types.MustStructType(types.Field{Name: "sort_col", Type: tInt}, types.Field{Name: "col0", Type: tStr})
	rec := func(v int32, name types.Value) types.Value {
		return types.Struct(st.FieldNames(), []types.Value{I(v), name})
	}
	runAggCases(t, []aggCase{
		// topk-group-by.json "topk integer": inputs 0, 100, 99, 7, 100.
		{name: "topk int", fn: "TOPK", args: []AggArg{col(tInt), k3}, ret: types.ArrayType(tInt), steps: []aggStep{
			add(arr(I(0)), I(0), I(3)), add(arr(I(100), I(0)), I(100), I(3)), add(arr(I(100), I(99), I(0)), I(99), I(3)),
			add(arr(I(100), I(99), I(7)), I(7), I(3)), add(arr(I(100), I(100), I(99)), I(100), I(3)),
			add(arr(I(100), I(100), I(99)), null, I(3)), add(arr(I(100), I(100), I(99)), I(1), I(3))}},
		{name: "topk string", fn: "TOPK", args: []AggArg{col(tStr), k3}, steps: []aggStep{
			add(strs("a"), S("a"), I(3)), add(strs("b", "a"), S("b"), I(3)), add(strs("c", "b", "a"), S("c"), I(3)),
			add(strs("c", "b", "b"), S("b"), I(3)), add(strs("d", "c", "b"), S("d"), I(3))}},
		// "topk integer struct": a new value equal to a kept one goes after it.
		{name: "topk struct", fn: "TOPK", args: []AggArg{col(tInt), col(tStr), k3}, ret: types.ArrayType(st), steps: []aggStep{
			add(arr(rec(0, S("zero"))), I(0), S("zero"), I(3)),
			add(arr(rec(100, S("one")), rec(0, S("zero"))), I(100), S("one"), I(3)),
			add(arr(rec(100, S("one")), rec(99, S("two")), rec(0, S("zero"))), I(99), S("two"), I(3)),
			add(arr(rec(100, S("one")), rec(99, S("two")), rec(0, S("zero"))), I(0), S("three"), I(3)),
			add(arr(rec(100, S("one")), rec(100, null), rec(99, S("two"))), I(100), null, I(3))}},
		// topk-distinct.json "topk distinct integer".
		{name: "topkdistinct int", fn: "TOPKDISTINCT", args: []AggArg{col(tInt), k3}, ret: types.ArrayType(tInt), steps: []aggStep{
			add(arr(I(0)), I(0), I(3)), add(arr(I(100), I(0)), I(100), I(3)), add(arr(I(100), I(99), I(0)), I(99), I(3)),
			add(arr(I(100), I(99), I(7)), I(7), I(3)), add(arr(I(100), I(99), I(7)), I(100), I(3)), add(arr(I(100), I(99), I(7)), null, I(3))}},
		{name: "topkdistinct decimal", fn: "TOPKDISTINCT", args: []AggArg{col(types.MustDecimalType(2, 1)), k3}, steps: []aggStep{
			add(arr(dec("9.8")), dec("9.8"), I(3)), add(arr(dec("9.8"), dec("8.9")), dec("8.9"), I(3)),
			add(arr(dec("9.8"), dec("8.9")), dec("8.9"), I(3)), add(arr(dec("9.8"), dec("8.9"), dec("7.8")), dec("7.8"), I(3)),
			add(arr(dec("9.9"), dec("9.8"), dec("8.9")), dec("9.9"), I(3))}},
		{name: "topkdistinct bytes", fn: "TOPKDISTINCT", args: []AggArg{col(types.BytesType), lit(I(2))}, steps: []aggStep{
			add(arr(types.Bytes([]byte("B"))), types.Bytes([]byte("B")), I(2)),
			add(arr(types.Bytes([]byte("F")), types.Bytes([]byte("B"))), types.Bytes([]byte("F")), I(2)),
			add(arr(types.Bytes([]byte("G")), types.Bytes([]byte("F"))), types.Bytes([]byte("G")), I(2))}},
	})
}

func TestTopKMerge(t *testing.T) {
	rows := func(vs ...int32) [][]types.Value {
		var out [][]types.Value
		for _, v := range vs {
			out = append(out, []types.Value{I(v), I(3)})
		}
		return out
	}
	k3 := []AggArg{col(tInt), lit(I(3))}
	cases := []struct {
		fn   string
		a, b [][]types.Value
		want types.Value
	}{
		{"TOPK", rows(5, 1), rows(5, 4, 2), arr(I(5), I(5), I(4))},
		{"TOPK", rows(), rows(2), arr(I(2))},
		{"TOPKDISTINCT", rows(5, 1), rows(5, 4, 2), arr(I(5), I(4), I(2))},
		{"TOPKDISTINCT", rows(1), rows(), arr(I(1))},
	}
	for _, c := range cases {
		got := mergeResult(t, mustAgg(t, c.fn, k3, nil), c.a, c.b)
		if !same(got, c.want) {
			t.Errorf("%s: merged %v, want %v", c.fn, got, c.want)
		}
	}
}
