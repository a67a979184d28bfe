package functions

import (
	"math"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestStatsAggregates(t *testing.T) {
	nan := D(math.NaN())
	runAggCases(t, []aggCase{
		// correlation-udaf.json "correlation double" (alice's rows).
		{name: "correlation double", fn: "CORRELATION", args: TypeArgs(tDbl, tDbl), ret: tDbl, steps: []aggStep{
			add(nan, D(1.5), D(8)), add(D(1), D(-1), D(-2)), add(D(0.7580764521133173), D(-4.5), D(-1)),
			add(D(0.7580764521133173), null, D(-6))}},
		{name: "correlation int", fn: "CORRELATION", args: TypeArgs(tInt, tInt), steps: []aggStep{
			add(nan, I(1), I(8)), add(D(1), I(-1), I(-2)), add(D(0.7455284088780169), I(-4), I(-1)), add(D(0.7455284088780169), I(13), null)}},
		// "correlation udaf with table": alice's row is updated.
		{name: "correlation table", fn: "CORRELATION", args: TypeArgs(tDbl, tDbl), steps: []aggStep{
			add(nan, D(1.5), D(8)), add(D(1), D(-3.5), D(-2)), undo(nan, D(1.5), D(8)), add(nan, D(-1), D(-2)),
			add(D(-0.7205766921228921), D(-4.5), D(-1))}},
		// standarddeviation.json, key 0 of "stddev_samp int" and
		// "stddev_sample int": inputs 0, 10, 7, 6.
		{name: "stddev_samp int", fn: "STDDEV_SAMP", args: TypeArgs(tInt), ret: tDbl, steps: []aggStep{
			add(D(0), I(0)), add(D(50), I(10)), add(D(26.333333333333332), I(7)), add(D(26.333333333333332), null),
			add(D(17.583333333333332), I(6))}},
		{name: "stddev_sample int", fn: "STDDEV_SAMPLE", args: TypeArgs(tInt), steps: []aggStep{
			add(D(0), I(0)), add(D(7.0710678118654755), I(10)), add(D(5.131601439446884), I(7)), add(D(4.193248541803041), I(6))}},
		// Key 100 of the int tests: 50, 10, 3.
		{name: "stddev_samp int 2", fn: "STDDEV_SAMP", args: TypeArgs(tInt), steps: []aggStep{
			add(D(0), I(50)), add(D(800), I(10)), add(D(643), I(3))}},
		{name: "stddev_samp long", fn: "STDDEV_SAMP", args: TypeArgs(tBig), steps: []aggStep{
			add(D(0), L(2147483648)), add(D(2.3058427944653343e+18), L(100)), add(D(1.5372286026580004e+18), L(-2)),
			add(D(1.5372286026580004e+18), null)}},
		{name: "stddev_sample long", fn: "STDDEV_SAMPLE", args: TypeArgs(tBig), steps: []aggStep{
			add(D(0), L(2147483648)), add(D(1518500179.2773468), L(100)), add(D(1239850233.9629574), L(-2))}},
		{name: "stddev_samp long 2", fn: "STDDEV_SAMP", args: TypeArgs(tBig), steps: []aggStep{
			add(D(0), L(500)), add(D(80000), L(100)), add(D(70000), L(0)), add(D(57275.666666666664), L(-6))}},
		{name: "stddev_samp double", fn: "STDDEV_SAMP", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(0), D(9223372036854.775)), add(D(4.253529586234292e+25), D(300.8)), add(D(2.835686452404674e+25), D(-200000.6)),
			add(D(2.1267648239542927e+25), D(0))}},
		{name: "stddev_sample double", fn: "STDDEV_SAMPLE", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(0), D(9223372036854.775)), add(D(6521908912453.693), D(300.8)), add(D(5325116385962.54), D(-200000.6)),
			add(D(4611686051710.689), D(0))}},
		{name: "stddev_sample double 2", fn: "STDDEV_SAMPLE", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(0), D(-1.8)), add(D(2.899137802864845), D(2.3)), add(D(57.74256084841869), D(100.2))}},
		{name: "stddev_sample map values", fn: "STDDEV_SAMPLE", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(0), D(10)), add(D(1.4142135623730951), D(12)), add(D(1.5275252316519465), D(13)),
			add(D(1.707825127659933), D(14)), add(D(2.23606797749979), D(16))}},
		// Undo retracts a value: back to the variance of 0 and 10.
		{name: "stddev_samp undo", fn: "STDDEV_SAMP", args: TypeArgs(tDbl), steps: []aggStep{
			add(D(0), D(0)), add(D(50), D(10)), add(D(26.333333333333332), D(7)), undo(D(50), D(7)), undo(D(0), D(10))}},
	})
}

func TestStatsMerge(t *testing.T) {
	one := func(v types.Value) []types.Value { return []types.Value{v} }
	// The sample variance of 0, 10, 7, 6 is 17.583333333333332, however
	// the rows are split between two states.
	samp := mustAgg(t, "STDDEV_SAMP", TypeArgs(tDbl), nil)
	got := mergeResult(t, samp, [][]types.Value{one(D(0)), one(D(10))}, [][]types.Value{one(D(7)), one(D(6))})
	if v := got.Double(); math.Abs(v-17.583333333333332) > 1e-9 {
		t.Errorf("STDDEV_SAMP merged %v", v)
	}
	if got := mergeResult(t, samp, nil, [][]types.Value{one(D(0)), one(D(10))}); !same(got, D(50)) {
		t.Errorf("STDDEV_SAMP merged with empty: %v", got)
	}
	sample := mustAgg(t, "STDDEV_SAMPLE", TypeArgs(tInt), nil)
	got = mergeResult(t, sample, [][]types.Value{one(I(0)), one(I(10))}, [][]types.Value{one(I(7)), one(I(6))})
	if v := got.Double(); math.Abs(v-4.193248541803041) > 1e-9 {
		t.Errorf("STDDEV_SAMPLE merged %v", v)
	}
	// STDDEV_SAMP divides integer sums as longs when merging, as ksqlDB.
	sampInt := mustAgg(t, "STDDEV_SAMP", TypeArgs(tInt), nil)
	got = mergeResult(t, sampInt, [][]types.Value{one(I(1)), one(I(2))}, [][]types.Value{one(I(4))})
	// M2 = 0.5 + 0 + 2*1*(3/2 - 4/1)^2/3 with 3/2 = 1: 0.5 + 6 = 6.5; /2.
	if !same(got, D(3.25)) {
		t.Errorf("STDDEV_SAMP int merged %v, want 3.25", got)
	}
	corr := mustAgg(t, "CORRELATION", TypeArgs(tDbl, tDbl), nil)
	got = mergeResult(t, corr, [][]types.Value{{D(1.5), D(8)}, {D(-1), D(-2)}}, [][]types.Value{{D(-4.5), D(-1)}})
	if !same(got, D(0.7580764521133173)) {
		t.Errorf("CORRELATION merged %v", got)
	}
}
