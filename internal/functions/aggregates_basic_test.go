package functions

import (
	"math"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestBasicAggregates(t *testing.T) {
	d41 := types.MustDecimalType(4, 1)
	d31 := types.MustDecimalType(3, 1)
	runAggCases(t, []aggCase{
		{name: "count rows", fn: "COUNT", ret: tBig, steps: []aggStep{add(L(1)), add(L(2)), undo(L(1)), undo(L(0))}},
		{name: "count non-null", fn: "COUNT", args: TypeArgs(tStr), steps: []aggStep{
			add(L(1), S("a")), add(L(1), null), add(L(2), S("b")), undo(L(2), null), undo(L(1), S("a"))}},
		// sum.json "sum int", "sum long", "sum double".
		{name: "sum int", fn: "SUM", args: TypeArgs(tInt), ret: tInt, steps: []aggStep{
			add(I(0), I(0)), add(I(100), I(100)), add(I(100), null), undo(I(0), I(100))}},
		{name: "sum int wraps", fn: "SUM", args: TypeArgs(tInt), steps: []aggStep{
			add(I(math.MaxInt32), I(math.MaxInt32)), add(I(math.MinInt32), I(1))}},
		{name: "sum long", fn: "SUM", args: TypeArgs(tBig), steps: []aggStep{
			add(L(2147483648), L(2147483648)), add(L(2147483748), L(100))}},
		{name: "sum double", fn: "SUM", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(500.9), D(500.9)), add(D(801.7), D(300.8)), undo(D(500.90000000000003), D(300.8))}},
		// sum.json "sum decimal with overflow": DECIMAL(4,1) holds < 1000.
		{name: "sum decimal", fn: "SUM", args: TypeArgs(d41), ret: d41, steps: []aggStep{
			add(dec("500.9"), dec("500.9")), add(dec("801.7"), dec("300.8")), add(dec("801.7"), null),
			addErr("Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3. Got 1202.5", dec("400.8")),
			undo(dec("500.9"), dec("300.8"))}},
		{name: "sum decimal lower precision", fn: "SUM", args: TypeArgs(d31), steps: []aggStep{
			add(dec("50.9"), dec("50.9")), addErr("Numeric field overflow", dec("50.8"))}},
		{name: "sum decimal starts at zero", fn: "SUM", args: TypeArgs(d41), steps: []aggStep{add(dec("0.0"), null)}},
		// average-udaf.json.
		{name: "avg int", fn: "AVG", args: TypeArgs(tInt), ret: tDbl, steps: []aggStep{
			add(D(1), I(1)), add(D(1.5), I(2)), add(D(1.6666666666666667), I(2)), add(D(1.6666666666666667), null)}},
		{name: "avg long", fn: "AVG", args: TypeArgs(tBig), steps: []aggStep{
			add(D(-1), L(-1)), add(D(4.611686018427388e+18), L(math.MaxInt64)), add(D(3.0744573456182584e+18), L(1))}},
		{name: "avg double", fn: "AVG", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(2.3), D(2.3)), add(D(-99999.15000000001), D(-200000.6)), add(D(-66666.1), D(0))}},
		// "average udaf with table": updates retract the old value.
		{name: "avg table", fn: "AVG", args: TypeArgs(tInt), steps: []aggStep{
			add(D(1), I(1)), add(D(1.5), I(2)), undo(D(2), I(1)), add(D(2), null), add(D(3), I(4))}},
		// Arguments not yet widened to Params are widened by Add.
		{name: "avg decimal widened", fn: "AVG", args: TypeArgs(d41), steps: []aggStep{
			add(D(1.5), dec("1.5")), add(D(2), dec("2.5")), undo(D(2.5), dec("1.5"))}},
		{name: "correlation int and double", fn: "CORRELATION", args: TypeArgs(tInt, tDbl), steps: []aggStep{
			add(D(math.NaN()), I(1), D(8)), add(D(1), I(-1), D(-2))}},
		{name: "count needs its argument", fn: "COUNT", args: TypeArgs(tInt), steps: []aggStep{addErr("0 arguments for 1 parameters")}},
		{name: "avg of nothing", fn: "AVG", args: TypeArgs(tInt), steps: []aggStep{add(D(0), null)}},
		{name: "min int", fn: "MIN", args: TypeArgs(tInt), steps: []aggStep{
			add(null, null), add(I(5), I(5)), add(I(-3), I(-3)), add(I(-3), null), add(I(-3), I(7))}},
		{name: "max string", fn: "MAX", args: TypeArgs(tStr), steps: []aggStep{
			add(S("b"), S("b")), add(S("b"), S("a")), add(S("c"), S("c")), add(S("c"), null)}},
		{name: "max decimal", fn: "MAX", args: TypeArgs(d41), steps: []aggStep{
			add(dec("1.5"), dec("1.5")), add(dec("10.1"), dec("10.1")), add(dec("10.1"), dec("-99.9"))}},
		// ByteBuffer compares bytes as signed.
		{name: "max bytes", fn: "MAX", args: TypeArgs(types.BytesType), steps: []aggStep{
			add(types.Bytes([]byte{1}), types.Bytes([]byte{1})), add(types.Bytes([]byte{1}), types.Bytes([]byte{0xff}))}},
		// sum.json "sum list of ...".
		{name: "sum_list double", fn: "SUM_LIST", args: TypeArgs(types.ArrayType(tDbl)), ret: tDbl, steps: []aggStep{
			add(D(2), arr(D(1), D(1))), add(D(6), arr(D(2), D(2))), add(D(922337203692), arr(D(922337203685.0), D(1))),
			add(D(922337203694), arr(D(1), D(1), null)), add(D(922337203694), null)}},
		{name: "sum_list int", fn: "SUM_LIST", args: TypeArgs(types.ArrayType(tInt)), ret: tInt, steps: []aggStep{
			add(I(2), arr(I(1), I(1))), add(I(206), arr(I(100), I(100), I(2), I(2))), undo(I(204), arr(I(1), I(1))), add(I(204), arr())}},
		{name: "sum_list long", fn: "SUM_LIST", args: TypeArgs(types.ArrayType(tBig)), ret: tBig, steps: []aggStep{
			add(L(200), arr(L(100), L(100), null))}},
	})
}

func TestBasicAggregatesMerge(t *testing.T) {
	cases := []struct {
		fn   string
		args []AggArg
		a, b [][]types.Value
		want types.Value
	}{
		{"COUNT", nil, [][]types.Value{{}, {}}, [][]types.Value{{}}, L(3)},
		{"SUM", TypeArgs(tBig), [][]types.Value{{L(1)}, {L(2)}}, [][]types.Value{{L(10)}}, L(13)},
		{"SUM", TypeArgs(types.MustDecimalType(4, 2)), [][]types.Value{{dec("1.25")}}, [][]types.Value{{dec("2.50")}}, dec("3.75")},
		{"AVG", TypeArgs(tInt), [][]types.Value{{I(1)}, {I(2)}}, [][]types.Value{{I(6)}}, D(3)},
		{"MIN", TypeArgs(tInt), [][]types.Value{{I(4)}}, [][]types.Value{{I(2)}}, I(2)},
		{"MIN", TypeArgs(tInt), [][]types.Value{{I(4)}}, nil, I(4)},
		{"MAX", TypeArgs(tInt), nil, [][]types.Value{{I(4)}}, I(4)},
		{"SUM_LIST", TypeArgs(types.ArrayType(tInt)), [][]types.Value{{arr(I(1), I(2))}}, [][]types.Value{{arr(I(3))}}, I(6)},
	}
	for _, c := range cases {
		got := mergeResult(t, mustAgg(t, c.fn, c.args, nil), c.a, c.b)
		if !same(got, c.want) {
			t.Errorf("%s: merged result %v, want %v", c.fn, got, c.want)
		}
	}
}

// mergeResult adds rows a and b to two fresh states, merges them and
// returns the merged state's result.
func mergeResult(t *testing.T, agg ResolvedAggregate, a, b [][]types.Value) types.Value {
	t.Helper()
	fold := func(rows [][]types.Value) types.Value {
		s := agg.Init()
		for _, r := range rows {
			var err error
			if s, err = agg.Add(s, r); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	m, err := agg.Merge(fold(a), fold(b))
	if err != nil {
		t.Fatal(err)
	}
	checkState(t, agg, m)
	got, err := agg.Result(m)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
