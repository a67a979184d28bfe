package functions

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// KindAggregate is the kind a Description reports for an aggregate
// function, as ksqlDB's SHOW FUNCTIONS names it.
const KindAggregate = "AGGREGATE"

// ErrNotLiteral is wrapped by ResolveAggregate's error when a parameter
// that ksqlDB reads once, at query start (TOPK's k, LATEST_BY_OFFSET's n
// and ignoreNulls), is not a literal.
var ErrNotLiteral = errors.New("functions: aggregate parameter must be a literal")

// AggArg is one argument of an aggregate call, as ResolveAggregate sees it.
type AggArg struct {
	// Type is the argument's type; the zero Type for a NULL literal.
	Type types.Type
	// Literal marks a constant argument; Value is then its value.
	Literal bool
	Value   types.Value
	// Text is the argument as SQL text (e.g. "F0"), quoted by the error
	// for a parameter that must be a literal.
	Text string
}

// TypeArgs returns non-literal arguments of the given types, for calls
// whose every argument is a column or expression.
func TypeArgs(ts ...types.Type) []AggArg {
	as := make([]AggArg, len(ts))
	for i, t := range ts {
		as[i] = AggArg{Type: t}
	}
	return as
}

// ResolvedAggregate is an aggregate function bound to a call's argument
// types. Its state is a plain types.Value of type State, so that the
// engine can store it with the rest of a row; the functions never mutate
// a state they are given, they return a new one.
type ResolvedAggregate struct {
	Name string
	// Params is the type each argument must be widened to before Add and
	// Undo (same length as the call's arguments, literal parameters
	// included).
	Params []types.Type
	Return types.Type
	// State is the type of the intermediate state value.
	State types.Type
	// Init returns the state of an empty group.
	Init func() types.Value
	// Add folds one row's arguments, widened to Params and aligned with
	// the call's arguments (literal parameters included, and ignored),
	// into state. COUNT() and COUNT(*) take no arguments. An error is a
	// failure of the query, as in ksqlDB (e.g. DECIMAL SUM overflow).
	Add func(state types.Value, args []types.Value) (types.Value, error)
	// Undo removes a row's contribution, for aggregations over tables,
	// where an update retracts the old row. It is nil for the functions
	// ksqlDB does not implement as TableUdaf (MIN, MAX, COUNT_DISTINCT,
	// COLLECT_SET, TOPK, TOPKDISTINCT, LATEST_BY_OFFSET,
	// EARLIEST_BY_OFFSET): ksqlDB rejects those over a table source.
	Undo func(state types.Value, args []types.Value) (types.Value, error)
	// Merge combines two states (session windows merging).
	Merge func(a, b types.Value) (types.Value, error)
	// Result maps a state to the function's value.
	Result func(state types.Value) (types.Value, error)
}

// aggFunc is one built-in aggregate function.
type aggFunc struct {
	// name is the upper-case name; decl is the name as ksqlDB declares it,
	// which its "does not accept parameters" message uses.
	name, decl  string
	description string
	signatures  []string
	// resolve binds the function to a call's arguments; ok false means no
	// overload accepts the argument types.
	resolve func(c *aggCall) (agg ResolvedAggregate, ok bool, err error)
}

// aggCall is a call being resolved.
type aggCall struct {
	fn     *aggFunc
	args   []AggArg
	config map[string]string
}

// aggregates holds the built-in aggregate functions by upper-case name.
// It is built once and never modified.
var aggregates = buildAggregates()

// aggregateOnly reports whether f is only an aggregate's entry in the
// table of functions, which scalar resolution does not know.
func (f *function) aggregateOnly() bool {
	return f.overloads == nil && f.tables == nil && aggregates[f.name] != nil
}

// listAggregates enters the aggregates in r's table of functions, without
// overloads, so that Names lists them; Describe and ResolveAggregate read
// them from aggregates.
func listAggregates(r *Registry) {
	for n, f := range aggregates {
		if r.funcs[n] == nil {
			r.funcs[n] = &function{name: n, category: "AGGREGATE", description: f.description}
		}
	}
}

func buildAggregates() map[string]*aggFunc {
	m := map[string]*aggFunc{}
	for _, list := range [][]*aggFunc{basicAggregates(), collectAggregates(), offsetAggregates(), topkAggregates(), statsAggregates()} {
		for _, f := range list {
			m[f.name] = f
		}
	}
	return m
}

// IsAggregate reports whether name (any case) is an aggregate function.
func (r *Registry) IsAggregate(name string) bool {
	return aggregates[strings.ToUpper(name)] != nil
}

// ResolveAggregate binds the aggregate function called name to a call's
// arguments. config carries the query's properties (e.g.
// ksql.functions.collect_list.limit); it may be nil. Parameters that ksqlDB
// requires to be literals (TOPK's and TOPKDISTINCT's k, the n and
// ignoreNulls of LATEST_BY_OFFSET and EARLIEST_BY_OFFSET) are read from
// args[i].Value, and must have args[i].Literal set.
//
// Errors wrap ErrUnknownFunction, ErrNoMatchingOverload or ErrNotLiteral,
// followed by ": " and ksqlDB's message. The returned Add and Undo widen
// arguments of a narrower kind than their parameter themselves.
func (r *Registry) ResolveAggregate(name string, args []AggArg, config map[string]string) (ResolvedAggregate, error) {
	up := strings.ToUpper(name)
	f := aggregates[up]
	if f == nil {
		return ResolvedAggregate{}, fmt.Errorf("%w: Can't find any functions with the name '%s'", ErrUnknownFunction, up)
	}
	c := &aggCall{fn: f, args: args, config: config}
	agg, ok, err := f.resolve(c)
	if err != nil {
		return ResolvedAggregate{}, err
	}
	if !ok {
		return ResolvedAggregate{}, c.noMatch()
	}
	agg.Name = up
	agg.Add = widening(agg.Params, agg.Add)
	agg.Undo = widening(agg.Params, agg.Undo)
	return agg, nil
}

// widening wraps step so that arguments of a narrower kind than their
// parameter (an INTEGER for a DOUBLE parameter, say) are widened first: a
// caller that forgot to widen gets the right arithmetic, not a panic.
func widening(params []types.Type, step func(types.Value, []types.Value) (types.Value, error)) func(types.Value, []types.Value) (types.Value, error) {
	if step == nil {
		return nil
	}
	return func(s types.Value, args []types.Value) (types.Value, error) {
		if len(args) < len(params) {
			return s, fmt.Errorf("%d arguments for %d parameters", len(args), len(params))
		}
		for i, a := range args {
			if i < len(params) && !a.IsNull() && a.Kind() != params[i].Kind() {
				widened := make([]types.Value, len(args))
				copy(widened, args)
				for j := i; j < len(args) && j < len(params); j++ {
					if w := widened[j]; !w.IsNull() && w.Kind() != params[j].Kind() {
						v, err := types.Widen(w, params[j])
						if err != nil {
							return s, fmt.Errorf("argument %d of %s: %w", j+1, params[j], err)
						}
						widened[j] = v
					}
				}
				return step(s, widened)
			}
		}
		return step(s, args)
	}
}

// describeAggregate is Describe for an aggregate function.
func describeAggregate(name string) (Description, bool) {
	f := aggregates[strings.ToUpper(name)]
	if f == nil {
		return Description{}, false
	}
	return Description{Name: f.name, Category: "AGGREGATE", Description: f.description, Kind: KindAggregate,
		Signatures: append([]string(nil), f.signatures...)}, true
}

func (c *aggCall) types() []types.Type {
	ts := make([]types.Type, len(c.args))
	for i, a := range c.args {
		ts[i] = a.Type
	}
	return ts
}

func (c *aggCall) noMatch() error {
	var b strings.Builder
	fmt.Fprintf(&b, "Function '%s' does not accept parameters (%s).\nValid alternatives are:", c.fn.decl, typeList(c.types()))
	for _, s := range c.fn.signatures {
		b.WriteString("\n")
		b.WriteString(s)
	}
	return fmt.Errorf("%w: %s", ErrNoMatchingOverload, b.String())
}

// literal returns the value of the i-th argument, which must be a literal,
// with ksqlDB's message otherwise.
func (c *aggCall) literal(i int) (types.Value, error) {
	a := c.args[i]
	if !a.Literal {
		return types.Value{}, fmt.Errorf("%w: Parameter %d passed to function %s must be a literal constant, but was expression: '%s'",
			ErrNotLiteral, i+1, c.fn.name, a.Text)
	}
	return a.Value, nil
}

// intLiteral reads the i-th argument as an INTEGER literal.
func (c *aggCall) intLiteral(i int) (int, error) {
	v, err := c.literal(i)
	if err != nil {
		return 0, err
	}
	if v.Kind() != types.KindInt {
		return 0, fmt.Errorf("%w: Parameter %d passed to function %s must be a non-null INTEGER", ErrNoMatchingOverload, i+1, c.fn.name)
	}
	return int(v.Int()), nil
}

// boolLiteral reads the i-th argument as a BOOLEAN literal.
func (c *aggCall) boolLiteral(i int) (bool, error) {
	v, err := c.literal(i)
	if err != nil {
		return false, err
	}
	if v.Kind() != types.KindBoolean {
		return false, fmt.Errorf("%w: Parameter %d passed to function %s must be a non-null BOOLEAN", ErrNoMatchingOverload, i+1, c.fn.name)
	}
	return v.Bool(), nil
}

// pickType returns the candidate that t widens to most cheaply (the first
// among equals), as ksqlDB picks a UDAF overload. A nil entry in cands
// stands for DECIMAL of any precision, matched by a DECIMAL t as is.
func pickType(t types.Type, cands ...*types.Type) (types.Type, bool) {
	best, bestCost := types.Type{}, -1
	for _, c := range cands {
		target := t
		if c != nil {
			target = *c
		} else if t.Kind() != types.KindDecimal {
			continue
		}
		cost, ok := widenCost(t, target)
		if !ok {
			continue
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = target, cost
		}
	}
	return best, bestCost >= 0
}

func ptr(t types.Type) *types.Type { return &t }

// limitConfig reads a collection size limit from config: ksqlDB parses it
// as an int and treats a negative one as no limit.
func limitConfig(config map[string]string, key string, def int) (int, error) {
	s, ok := config[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid value for %s: %q is not an integer", key, s)
	}
	if n < 0 {
		return int(^uint(0) >> 1), nil
	}
	return n, nil
}

// mustStruct builds a state STRUCT type from its field names and types.
func mustStruct(names []string, ts ...types.Type) types.Type {
	fs := make([]types.Field, len(names))
	for i, n := range names {
		fs[i] = types.Field{Name: n, Type: ts[i]}
	}
	return types.MustStructType(fs...)
}
