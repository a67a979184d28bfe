package functions

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

// aggStep is one call on an aggregate, and the Result expected after it.
type aggStep struct {
	undo bool
	args []types.Value
	want types.Value
	err  string // a substring of the error expected instead
}

func add(want types.Value, args ...types.Value) aggStep { return aggStep{args: args, want: want} }
func undo(want types.Value, args ...types.Value) aggStep {
	return aggStep{undo: true, args: args, want: want}
}
func addErr(err string, args ...types.Value) aggStep { return aggStep{args: args, err: err} }

type aggCase struct {
	name   string
	fn     string
	args   []AggArg
	config map[string]string
	ret    types.Type // the expected return type; zero skips the check
	steps  []aggStep
}

// lit is a literal argument.
func lit(v types.Value) AggArg {
	return AggArg{Type: typeOf(v), Literal: true, Value: v, Text: v.String()}
}

// col is a column argument of type t.
func col(t types.Type) AggArg { return AggArg{Type: t, Text: "C"} }

func mustAgg(t *testing.T, fn string, args []AggArg, config map[string]string) ResolvedAggregate {
	t.Helper()
	agg, err := NewRegistry().ResolveAggregate(fn, args, config)
	if err != nil {
		t.Fatalf("ResolveAggregate(%s): %v", fn, err)
	}
	return agg
}

func runAggCases(t *testing.T, cases []aggCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			agg := mustAgg(t, c.fn, c.args, c.config)
			if !c.ret.IsZero() && !agg.Return.Equal(c.ret) {
				t.Fatalf("Return = %s, want %s", agg.Return, c.ret)
			}
			if len(agg.Params) != len(c.args) {
				t.Fatalf("Params = %v for %d arguments", agg.Params, len(c.args))
			}
			s := agg.Init()
			checkState(t, agg, s)
			for i, st := range c.steps {
				op, verb := agg.Add, "Add"
				if st.undo {
					op, verb = agg.Undo, "Undo"
					if op == nil {
						t.Fatalf("step %d: %s has no Undo", i, c.fn)
					}
				}
				next, err := op(s, st.args)
				if st.err != "" {
					if err == nil || !strings.Contains(err.Error(), st.err) {
						t.Fatalf("step %d: %s(%v) error = %v, want %q", i, verb, st.args, err, st.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %s(%v): %v", i, verb, st.args, err)
				}
				s = next
				checkState(t, agg, s)
				got, err := agg.Result(s)
				if err != nil {
					t.Fatalf("step %d: Result: %v", i, err)
				}
				if !same(got, st.want) {
					t.Fatalf("step %d: after %s(%v) Result = %v, want %v", i, verb, st.args, got, st.want)
				}
				if !conforms(got, agg.Return) {
					t.Fatalf("step %d: Result %v is not a %s", i, got, agg.Return)
				}
			}
		})
	}
}

// checkState fails unless s is a value of the aggregate's State type, the
// type the engine will serialize it as.
func checkState(t *testing.T, agg ResolvedAggregate, s types.Value) {
	t.Helper()
	if !conforms(s, agg.State) {
		t.Fatalf("state %v is not a %s", s, agg.State)
	}
}

// conforms reports whether v is NULL or a value of type t.
func conforms(v types.Value, t types.Type) bool {
	if v.IsNull() {
		return true
	}
	if v.Kind() != t.Kind() {
		return false
	}
	switch t.Kind() {
	case types.KindDecimal:
		d := v.Dec()
		return int(d.Scale()) == t.Scale() && d.Precision() <= t.Precision()
	case types.KindArray:
		for _, e := range v.Elems() {
			if !conforms(e, t.Elem()) {
				return false
			}
		}
	case types.KindMap:
		for i := 0; i < v.Len(); i++ {
			if !conforms(v.MapKey(i), t.Key()) || !conforms(v.MapElem(i), t.Elem()) {
				return false
			}
		}
	case types.KindStruct:
		if v.Len() != t.NumFields() {
			return false
		}
		for i, n := range v.FieldNames() {
			if n != t.Field(i).Name || !conforms(v.Field(i), t.Field(i).Type) {
				return false
			}
		}
	}
	return true
}

func TestAggregatesListedAndDescribed(t *testing.T) {
	r := NewRegistry()
	want := []string{"ATTR", "AVG", "COLLECT_LIST", "COLLECT_SET", "CORRELATION", "COUNT", "COUNT_DISTINCT",
		"EARLIEST_BY_OFFSET", "HISTOGRAM", "LATEST_BY_OFFSET", "MAX", "MIN", "STDDEV_SAMP", "STDDEV_SAMPLE",
		"SUM", "SUM_LIST", "TOPK", "TOPKDISTINCT"}
	names := r.Names()
	for _, n := range want {
		if !slices.Contains(names, n) {
			t.Errorf("Names() lacks %s", n)
		}
		if !r.IsAggregate(strings.ToLower(n)) {
			t.Errorf("IsAggregate(%s) = false", n)
		}
		d, ok := r.Describe(n)
		if !ok || d.Kind != KindAggregate || d.Category != "AGGREGATE" || len(d.Signatures) == 0 {
			t.Errorf("Describe(%s) = %+v, %v", n, d, ok)
		}
	}
	// Scalar resolution does not know aggregates, as before they were
	// listed.
	if _, err := r.Resolve("COUNT", nil); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("Resolve(COUNT) error = %v, want ErrUnknownFunction", err)
	}
	if r.IsAggregate("ABS") {
		t.Error("IsAggregate(ABS) = true")
	}
	if d, _ := r.Describe("ABS"); d.Kind != KindScalar {
		t.Errorf("Describe(ABS).Kind = %s", d.Kind)
	}
}

func TestResolveAggregateErrors(t *testing.T) {
	r := NewRegistry()
	cases := []struct {
		fn   string
		args []AggArg
		is   error
		msg  string
	}{
		{"NOPE", nil, ErrUnknownFunction, "Can't find any functions with the name 'NOPE'"},
		{"SUM", TypeArgs(tStr), ErrNoMatchingOverload, "Function 'SUM' does not accept parameters (STRING).\nValid alternatives are:\nSUM(val INT) => INT"},
		{"avg", TypeArgs(types.BooleanType), ErrNoMatchingOverload, "Function 'avg' does not accept parameters (BOOLEAN)."},
		{"HISTOGRAM", TypeArgs(tInt), ErrNoMatchingOverload, "Function 'histogram' does not accept parameters (INTEGER)."},
		{"MIN", TypeArgs(types.BooleanType), ErrNoMatchingOverload, "does not accept parameters (BOOLEAN)"},
		{"SUM_LIST", TypeArgs(types.ArrayType(tStr)), ErrNoMatchingOverload, "does not accept parameters (ARRAY<STRING>)"},
		{"TOPK", TypeArgs(types.BooleanType, tInt), ErrNoMatchingOverload, "does not accept parameters"},
		{"CORRELATION", TypeArgs(tStr, tDbl), ErrNoMatchingOverload, "does not accept parameters"},
		{"LATEST_BY_OFFSET", TypeArgs(tInt, tStr), ErrNoMatchingOverload, "does not accept parameters (INTEGER, STRING)"},
		{"EARLIEST_BY_OFFSET", []AggArg{col(tInt), {Type: tInt, Text: "F0"}}, ErrNotLiteral,
			"Parameter 2 passed to function EARLIEST_BY_OFFSET must be a literal constant, but was expression: 'F0'"},
		{"TOPK", []AggArg{col(tInt), {Type: tInt, Text: "(K + 1)"}}, ErrNotLiteral,
			"Parameter 2 passed to function TOPK must be a literal constant, but was expression: '(K + 1)'"},
		{"LATEST_BY_OFFSET", []AggArg{col(tInt), lit(I(0))}, ErrNoMatchingOverload, "latestN must be 1 or greater"},
		{"EARLIEST_BY_OFFSET", []AggArg{col(tInt), lit(I(-1)), lit(types.Bool(true))}, ErrNoMatchingOverload, "earliestN must be 1 or greater"},
		{"TOPKDISTINCT", []AggArg{col(tInt), lit(I(0))}, ErrNoMatchingOverload, "k must be 1 or greater"},
		{"COLLECT_LIST", TypeArgs(tInt), nil, "ksql.functions.collect_list.limit"},
	}
	for _, c := range cases {
		var cfg map[string]string
		if c.is == nil {
			cfg = map[string]string{CollectListLimitConfig: "lots"}
		}
		_, err := r.ResolveAggregate(c.fn, c.args, cfg)
		if err == nil || !strings.Contains(err.Error(), c.msg) || c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("ResolveAggregate(%s, %v) error = %v, want %q", c.fn, c.args, err, c.msg)
		}
	}
}

func TestResolveAggregateTypes(t *testing.T) {
	d41 := types.MustDecimalType(4, 1)
	cases := []struct {
		fn          string
		args        []AggArg
		params      []types.Type
		ret, state  types.Type
		undo, merge bool
	}{
		{"COUNT", nil, []types.Type{}, tBig, tBig, true, true},
		{"COUNT", TypeArgs(tStr), []types.Type{tStr}, tBig, tBig, true, true},
		{"SUM", TypeArgs(tInt), []types.Type{tInt}, tInt, tInt, true, true},
		{"SUM", TypeArgs(d41), []types.Type{d41}, d41, d41, true, true},
		{"AVG", TypeArgs(d41), []types.Type{tDbl}, tDbl, mustStruct(avgNames, tDbl, tBig), true, true},
		{"AVG", TypeArgs(tInt), []types.Type{tInt}, tDbl, mustStruct(avgNames, tInt, tBig), true, true},
		{"MAX", TypeArgs(d41), []types.Type{d41}, d41, d41, false, true},
		{"MIN", TypeArgs(types.TimestampType), []types.Type{types.TimestampType}, types.TimestampType, types.TimestampType, false, true},
		{"COUNT_DISTINCT", TypeArgs(tStr), []types.Type{tStr}, tBig, types.BytesType, false, true},
		{"COLLECT_SET", TypeArgs(tStr), []types.Type{tStr}, types.ArrayType(tStr), types.ArrayType(tStr), false, true},
		{"COLLECT_LIST", TypeArgs(tStr), []types.Type{tStr}, types.ArrayType(tStr), types.ArrayType(tStr), true, true},
		{"HISTOGRAM", TypeArgs(tStr), []types.Type{tStr}, types.MapType(tStr, tBig), types.MapType(tStr, tBig), true, true},
		{"ATTR", TypeArgs(tStr), []types.Type{tStr}, tStr, types.ArrayType(mustStruct(attrNames, tStr, tInt)), true, true},
		{"CORRELATION", TypeArgs(tInt, tBig), []types.Type{tBig, tBig}, tDbl, mustStruct(corrNames, tDbl, tDbl, tDbl, tDbl, tDbl, tBig), true, true},
		{"CORRELATION", TypeArgs(tInt, tDbl), []types.Type{tDbl, tDbl}, tDbl, mustStruct(corrNames, tDbl, tDbl, tDbl, tDbl, tDbl, tBig), true, true},
		{"STDDEV_SAMP", TypeArgs(tBig), []types.Type{tBig}, tDbl, mustStruct(stddevNames, tBig, tBig, tDbl), true, true},
		{"SUM_LIST", TypeArgs(types.ArrayType(tBig)), []types.Type{types.ArrayType(tBig)}, tBig, tBig, true, true},
		{"LATEST_BY_OFFSET", TypeArgs(tStr), []types.Type{tStr}, tStr, mustStruct(offsetNames, tBig, tStr), false, true},
		{"EARLIEST_BY_OFFSET", []AggArg{col(tStr), lit(I(2)), lit(types.Bool(false))}, []types.Type{tStr, tInt, types.BooleanType},
			types.ArrayType(tStr), types.ArrayType(mustStruct(offsetNames, tBig, tStr)), false, true},
		{"TOPK", []AggArg{col(tInt), lit(I(3))}, []types.Type{tInt, tInt}, types.ArrayType(tInt), types.ArrayType(tInt), false, true},
		{"TOPKDISTINCT", []AggArg{col(d41), lit(I(3))}, []types.Type{d41, tInt}, types.ArrayType(d41), types.ArrayType(d41), false, true},
	}
	for _, c := range cases {
		agg := mustAgg(t, c.fn, c.args, nil)
		if !slices.EqualFunc(agg.Params, c.params, types.Type.Equal) || !agg.Return.Equal(c.ret) || !agg.State.Equal(c.state) {
			t.Errorf("%s%v: params %v return %s state %s, want %v %s %s", c.fn, c.args, agg.Params, agg.Return, agg.State, c.params, c.ret, c.state)
		}
		if (agg.Undo != nil) != c.undo || (agg.Merge != nil) != c.merge {
			t.Errorf("%s: has Undo %v, Merge %v; want %v, %v", c.fn, agg.Undo != nil, agg.Merge != nil, c.undo, c.merge)
		}
		if agg.Name != c.fn {
			t.Errorf("Name = %s, want %s", agg.Name, c.fn)
		}
	}
}

// TestStatesAreNotMutated checks that Add leaves the state it is given
// as it was: the engine may still hold it (e.g. in a store's cache).
func TestStatesAreNotMutated(t *testing.T) {
	calls := []struct {
		fn   string
		args []AggArg
		rows [][]types.Value
	}{
		{"COLLECT_LIST", TypeArgs(tInt), [][]types.Value{{I(1)}, {I(2)}, {I(3)}}},
		{"COLLECT_SET", TypeArgs(tInt), [][]types.Value{{I(1)}, {I(2)}, {I(3)}}},
		{"HISTOGRAM", TypeArgs(tStr), [][]types.Value{{S("a")}, {S("a")}, {S("b")}}},
		{"ATTR", TypeArgs(tStr), [][]types.Value{{S("a")}, {S("a")}, {S("b")}}},
		{"TOPK", []AggArg{col(tInt), lit(I(2))}, [][]types.Value{{I(1), I(2)}, {I(5), I(2)}, {I(3), I(2)}}},
		{"TOPKDISTINCT", []AggArg{col(tInt), lit(I(2))}, [][]types.Value{{I(1), I(2)}, {I(5), I(2)}, {I(3), I(2)}}},
		{"LATEST_BY_OFFSET", []AggArg{col(tInt), lit(I(2))}, [][]types.Value{{I(1), I(2)}, {I(5), I(2)}, {I(3), I(2)}}},
		{"COUNT_DISTINCT", TypeArgs(tInt), [][]types.Value{{I(1)}, {I(5)}, {I(3)}}},
	}
	for _, c := range calls {
		agg := mustAgg(t, c.fn, c.args, nil)
		s := agg.Init()
		for _, row := range c.rows {
			before := s.String()
			next, err := agg.Add(s, row)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != before {
				t.Errorf("%s: Add changed its input state from %s to %s", c.fn, before, s)
			}
			s = next
		}
	}
}

// TestAggregatesNoPanicOnEdgeValues drives every aggregate over edge
// values of each type it accepts, undoing values never added and merging
// in both orders: errors are allowed, panics are not.
func TestAggregatesNoPanicOnEdgeValues(t *testing.T) {
	r := NewRegistry()
	argTypes := []types.Type{tInt, tBig, tDbl, tStr, types.BooleanType, types.BytesType, types.TimestampType, types.DateType,
		types.TimeType, types.MustDecimalType(22, 1), types.ArrayType(tInt), types.MapType(tStr, tInt)}
	extras := [][]AggArg{nil, {lit(I(2))}, {lit(types.Bool(false))}, {lit(I(1)), lit(types.Bool(true))}, {col(tStr), lit(I(2))}, {col(tInt)}}
	calls := 0
	for _, name := range aggregateNameList() {
		for _, at := range argTypes {
			for _, extra := range extras {
				args := append([]AggArg{col(at)}, extra...)
				agg, err := r.ResolveAggregate(name, args, nil)
				if err != nil {
					continue
				}
				calls++
				pools := make([][]types.Value, len(args))
				for i, a := range args {
					if a.Literal {
						pools[i] = []types.Value{a.Value}
					} else {
						pools[i] = samples[a.Type.Kind()]
					}
				}
				a, b := agg.Init(), agg.Init()
				for i := range 40 {
					row := make([]types.Value, len(args))
					for j, p := range pools {
						row[j] = p[(i*(j+3))%len(p)]
					}
					if i%3 == 0 && agg.Undo != nil {
						a, _ = keep(a)(agg.Undo(a, row))
					} else if i%2 == 0 {
						a, _ = keep(a)(agg.Add(a, row))
					} else {
						b, _ = keep(b)(agg.Add(b, row))
					}
				}
				for _, s := range []types.Value{a, b} {
					if _, err := agg.Merge(s, agg.Init()); err != nil {
						t.Errorf("%s: Merge: %v", name, err)
					}
				}
				m, _ := agg.Merge(a, b)
				if _, err := agg.Result(m); err != nil {
					t.Errorf("%s: Result: %v", name, err)
				}
			}
		}
	}
	if calls < 60 {
		t.Errorf("only %d aggregate overloads exercised", calls)
	}
}

// keep returns a function keeping old when a step fails.
func keep(old types.Value) func(types.Value, error) (types.Value, error) {
	return func(v types.Value, err error) (types.Value, error) {
		if err != nil {
			return old, err
		}
		return v, nil
	}
}

func aggregateNameList() []string {
	var ns []string
	for n := range aggregates {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
