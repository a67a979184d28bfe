package functions

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/types"
)

// Errors of this package, wrapped by Resolve's errors with ksqlDB's message.
var (
	ErrUnknownFunction    = errors.New("functions: unknown function")
	ErrNoMatchingOverload = errors.New("functions: no matching overload")
)

// Description describes a function for DESCRIBE FUNCTION and SHOW FUNCTIONS.
type Description struct {
	Name, Category, Description string
	// Kind is KindScalar, KindTable or KindAggregate, the type ksqlDB's
	// listings show.
	Kind string
	// Signatures lists the overloads, e.g.
	// "SUBSTRING(str STRING, pos INTEGER, len INTEGER) => STRING".
	Signatures []string
}

// Resolved is one overload chosen for a call's argument types.
type Resolved struct {
	Name string
	// Params is the type each argument must be widened to before Eval
	// (same length as the arguments).
	Params []types.Type
	Return types.Type
	// Eval computes the result. args are already widened to Params. It must
	// not retain args. A returned error means a bad value in this row (the
	// caller logs it and uses NULL); it never panics on bad input.
	Eval func(args []types.Value) (types.Value, error)
}

// Registry holds the built-in scalar and table functions, looked up by
// upper-case name.
// It is immutable once built and safe for concurrent use.
type Registry struct {
	funcs map[string]*function
	names []string
	// now is the current time of UNIX_TIMESTAMP() and UNIX_DATE().
	now func() time.Time
}

// Option configures a Registry.
type Option func(*Registry)

// WithClock makes now the current time of the functions that read it
// (UNIX_TIMESTAMP() and UNIX_DATE() without arguments); the default is
// time.Now. The engine passes its clock, so that tests with a fake clock
// get reproducible results.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) {
		if now != nil {
			r.now = now
		}
	}
}

type function struct {
	name, category, description string
	overloads                   []*overload
	// tables holds the overloads of a table function; a function has
	// either overloads or tables, never both.
	tables []*tableOverload
	// exactFirst makes resolution ksqlDB's lookup of Java methods: an
	// overload that needs no widening beats those that do, and two
	// overloads equally good are ambiguous, however many widenings each
	// needs.
	exactFirst bool
}

// param is one declared parameter. A concrete parameter has a non-zero typ;
// a generic one (DECIMAL of any precision, ARRAY<T>, T) has typ zero and is
// bound to its argument's type by bindGeneric.
type param struct {
	name    string
	typ     types.Type
	display string // the type as signatures show it, for generic parameters
	g       generic
}

// generic says how a generic parameter binds to its argument's type.
type generic uint8

const (
	gConcrete generic = iota
	gDecimal          // DECIMAL of any precision and scale
	gT                // any type T, the same for every T of the overload
	gArrayT           // ARRAY<T>
	gMapKV            // MAP<K, T>
)

// overload is one signature of a function.
type overload struct {
	params   []param
	variadic bool // the last parameter repeats zero or more times
	// bind, when set, replaces the standard matching: it returns the
	// parameter types and return type for the arguments, and a cost (0 for
	// an exact match). Overloads use it for checks the generic parameters
	// cannot express.
	bind func(args []types.Type) (params []types.Type, ret types.Type, cost int, ok bool)
	// bindArgs is bind for overloads that also look at which arguments are
	// string literals.
	bindArgs func(args []Arg) (params []types.Type, ret types.Type, cost int, ok bool)
	// retFn computes the return type of a generic overload from its bound
	// parameter types and T.
	retFn   func(params []types.Type, t types.Type) types.Type
	ret     types.Type
	retName string // the return type as signatures show it, when generic
	// strict overloads return NULL when any argument is NULL without
	// calling eval, as most ksqlDB functions do.
	strict bool
	eval   func(args []types.Value) (types.Value, error)
	// evalTyped, when set, builds eval from the resolved types, for
	// generic overloads whose evaluation depends on them.
	evalTyped func(params []types.Type, ret types.Type) func(args []types.Value) (types.Value, error)
}

// NewRegistry returns a registry of every built-in function.
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{funcs: map[string]*function{}, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	registerNulls(r)
	registerStrings(r)
	registerMoreStrings(r)
	registerNumeric(r)
	registerCollections(r)
	registerMoreCollections(r)
	registerDateTime(r)
	registerURL(r)
	registerMisc(r)
	registerJSON(r)
	registerJSON2(r)
	registerJSON3(r)
	registerDateAdd(r)
	registerMoreCollections2(r)
	registerTables(r)
	listAggregates(r)
	for n := range r.funcs {
		r.names = append(r.names, n)
	}
	sort.Strings(r.names)
	return r
}

func (r *Registry) add(name, category, description string, ovs ...*overload) {
	f := r.funcs[name]
	if f == nil {
		f = &function{name: name, category: category, description: description}
		r.funcs[name] = f
	}
	f.overloads = append(f.overloads, ovs...)
}

// Names returns the names of all functions, aggregates included, sorted.
func (r *Registry) Names() []string {
	return append([]string(nil), r.names...)
}

// Describe returns the description of the function called name (any case).
func (r *Registry) Describe(name string) (Description, bool) {
	if d, ok := describeAggregate(name); ok {
		return d, true
	}
	f := r.funcs[strings.ToUpper(name)]
	if f == nil {
		return Description{}, false
	}
	d := Description{Name: f.name, Category: f.category, Description: f.description, Kind: KindScalar}
	if f.tables != nil {
		d.Kind = KindTable
		for _, o := range f.tables {
			d.Signatures = append(d.Signatures, o.signature(f.name))
		}
	}
	for _, o := range f.overloads {
		d.Signatures = append(d.Signatures, o.signature(f.name))
	}
	return d, true
}

func (o *overload) signature(name string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, p := range o.params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.name)
		b.WriteByte(' ')
		if p.display != "" {
			b.WriteString(p.display)
		} else {
			b.WriteString(p.typ.String())
		}
		if o.variadic && i == len(o.params)-1 {
			b.WriteString("...")
		}
	}
	b.WriteString(") => ")
	if o.retName != "" {
		b.WriteString(o.retName)
	} else {
		b.WriteString(o.ret.String())
	}
	return b.String()
}

// Arg is one argument of a call, as ResolveArgs sees it.
type Arg struct {
	// Type is the argument's type; the zero Type for a NULL literal.
	Type types.Type
	// StringLiteral marks a string literal, which ksqlDB also reads as a
	// DATE, TIME or TIMESTAMP where an overload expects one.
	StringLiteral bool
}

// Resolve picks the overload of the function called name for the argument
// types, as ksqlDB does: an exact match first, then the one reachable by
// the cheapest implicit widening (INT -> BIGINT -> DECIMAL -> DOUBLE); among
// equals, the first declared. A NULL literal argument has the zero
// types.Type and matches any parameter.
func (r *Registry) Resolve(name string, args []types.Type) (Resolved, error) {
	as := make([]Arg, len(args))
	for i, t := range args {
		as[i] = Arg{Type: t}
	}
	return r.ResolveArgs(name, as)
}

// ResolveArgs is Resolve for arguments that may be string literals, which
// an overload taking a DATE, TIME or TIMESTAMP accepts (at the cost of one
// widening): the caller converts them with a cast.
//
// Functions that ksqlDB declares as one Java method per type (LEAST,
// GREATEST) resolve as ksqlDB's method lookup does: the overloads that
// accept the arguments without widening, or else those that accept them
// with it, and an error when that leaves more than one.
func (r *Registry) ResolveArgs(name string, args []Arg) (Resolved, error) {
	up := strings.ToUpper(name)
	f := r.funcs[up]
	if f == nil || f.aggregateOnly() {
		return Resolved{}, fmt.Errorf("%w: Can't find any functions with the name '%s'", ErrUnknownFunction, up)
	}
	if f.tables != nil {
		return Resolved{}, fmt.Errorf("%w: %s", ErrNoMatchingOverload, tableInScalarContext(up))
	}
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type
	}
	var (
		best       *overload
		bestParams []types.Type
		bestRet    types.Type
		bestCost   = -1
		ties       int
	)
	for _, o := range f.overloads {
		params, ret, cost, ok := o.match(args, ts)
		if !ok {
			continue
		}
		if f.exactFirst && cost > 0 {
			// Only whether a widening is needed counts, not how many.
			cost = 1
		}
		switch {
		case bestCost < 0 || cost < bestCost:
			best, bestParams, bestRet, bestCost, ties = o, params, ret, cost, 1
		case cost == bestCost:
			ties++
		}
	}
	if best != nil && f.exactFirst && ties > 1 {
		return Resolved{}, fmt.Errorf("%w: Function '%s' cannot be resolved due to ambiguous method parameters (%s).", ErrNoMatchingOverload, strings.ToLower(up), typeList(ts))
	}
	if best == nil {
		var b strings.Builder
		// ksqlDB names built-in functions in lower case in this message.
		fmt.Fprintf(&b, "Function '%s' does not accept parameters (%s).\nValid alternatives are:", strings.ToLower(up), typeList(ts))
		for _, o := range f.overloads {
			b.WriteString("\n")
			b.WriteString(o.signature(up))
		}
		return Resolved{}, fmt.Errorf("%w: %s", ErrNoMatchingOverload, b.String())
	}
	eval := best.eval
	if best.evalTyped != nil {
		eval = best.evalTyped(bestParams, bestRet)
	}
	if best.strict {
		inner := eval
		eval = func(args []types.Value) (types.Value, error) {
			for _, a := range args {
				if a.IsNull() {
					return types.Null(), nil
				}
			}
			return inner(args)
		}
	}
	return Resolved{Name: up, Params: bestParams, Return: bestRet, Eval: eval}, nil
}

// typeList is the argument types as ksqlDB lists them, "null" for a NULL
// literal.
func typeList(ts []types.Type) string {
	names := make([]string, len(ts))
	for i, a := range ts {
		names[i] = a.String()
	}
	return strings.Join(names, ", ")
}

// match reports whether o accepts args, with the parameter types the
// arguments widen to, the return type and the cost of the widenings.
func (o *overload) match(lits []Arg, args []types.Type) ([]types.Type, types.Type, int, bool) {
	n := len(o.params)
	if o.variadic {
		if len(args) < n-1 {
			return nil, types.Type{}, 0, false
		}
	} else if len(args) != n {
		return nil, types.Type{}, 0, false
	}
	if o.bind != nil {
		return o.bind(args)
	}
	if o.bindArgs != nil {
		return o.bindArgs(lits)
	}
	if o.retFn != nil {
		return o.bindGeneric(args)
	}
	params := make([]types.Type, len(args))
	cost := 0
	for i, a := range args {
		p := o.params[min(i, n-1)].typ
		c, ok := widenCost(a, p)
		if !ok && lits[i].StringLiteral && isTemporal(p) {
			c, ok = 1, true
		}
		if !ok {
			return nil, types.Type{}, 0, false
		}
		cost += c
		params[i] = p
	}
	return params, o.ret, cost, true
}

func isTemporal(t types.Type) bool {
	k := t.Kind()
	return k == types.KindDate || k == types.KindTime || k == types.KindTimestamp
}

// numericRank orders the numeric kinds along ksqlDB's widening chain.
func numericRank(k types.Kind) int {
	switch k {
	case types.KindInt:
		return 0
	case types.KindBigInt:
		return 1
	case types.KindDecimal:
		return 2
	case types.KindDouble:
		return 3
	}
	return -1
}

// widenCost returns the cost of widening from to to: 0 for an equal type or
// a NULL, the number of steps along the numeric chain otherwise.
func widenCost(from, to types.Type) (int, bool) {
	if from.IsZero() || from.Equal(to) {
		return 0, true
	}
	if !types.Widens(from, to) {
		return 0, false
	}
	c := numericRank(to.Kind()) - numericRank(from.Kind())
	if from.Kind() == types.KindDecimal && to.Kind() == types.KindDecimal {
		c = 1
	}
	return max(c, 1), true
}

// Constructors for declarations.

func p(name string, t types.Type) param { return param{name: name, typ: t} }

func fixed(ret types.Type, eval func([]types.Value) (types.Value, error), params ...param) *overload {
	return &overload{params: params, ret: ret, strict: true, eval: eval}
}

func variadic(ret types.Type, eval func([]types.Value) (types.Value, error), params ...param) *overload {
	return &overload{params: params, ret: ret, variadic: true, eval: eval}
}

// bindGeneric binds T (and a map's K) from the arguments, unifying numbers
// to their common type, then checks every argument against its bound
// parameter.
func (o *overload) bindGeneric(args []types.Type) ([]types.Type, types.Type, int, bool) {
	n := len(o.params)
	var t, k types.Type
	usesT := false
	for i, a := range args {
		pr := o.params[min(i, n-1)]
		var cand types.Type
		switch pr.g {
		case gT:
			usesT = true
			cand = a
		case gArrayT:
			usesT = true
			if a.IsZero() {
				continue
			}
			if a.Kind() != types.KindArray {
				return nil, types.Type{}, 0, false
			}
			cand = a.Elem()
		case gMapKV:
			usesT = true
			if a.IsZero() {
				continue
			}
			if a.Kind() != types.KindMap {
				return nil, types.Type{}, 0, false
			}
			cand = a.Elem()
			if !k.IsZero() && !k.Equal(a.Key()) {
				return nil, types.Type{}, 0, false
			}
			k = a.Key()
		default:
			continue
		}
		if cand.IsZero() {
			continue
		}
		if t.IsZero() || t.Equal(cand) {
			t = cand
			continue
		}
		c, ok := types.CommonNumeric(t, cand)
		if !ok {
			return nil, types.Type{}, 0, false
		}
		t = c
	}
	if usesT && t.IsZero() {
		// Nothing to infer T from: ksqlDB rejects such calls too.
		return nil, types.Type{}, 0, false
	}
	params := make([]types.Type, len(args))
	cost := 0
	for i, a := range args {
		pr := o.params[min(i, n-1)]
		var want types.Type
		switch pr.g {
		case gConcrete:
			want = pr.typ
		case gDecimal:
			switch {
			case a.IsZero():
				want = types.MustDecimalType(1, 0)
			case a.Kind() == types.KindDecimal:
				want = a
			default:
				d, ok := types.DecimalOf(a)
				if !ok {
					return nil, types.Type{}, 0, false
				}
				want = d
			}
		case gT:
			want = t
		case gArrayT:
			want = types.ArrayType(t)
		case gMapKV:
			want = types.MapType(k, t)
		}
		c, ok := widenCost(a, want)
		if !ok {
			return nil, types.Type{}, 0, false
		}
		cost += c
		params[i] = want
	}
	return params, o.retFn(params, t), cost, true
}

func pDec(name string) param   { return param{name: name, display: "DECIMAL", g: gDecimal} }
func pT(name string) param     { return param{name: name, display: "T", g: gT} }
func pArray(name string) param { return param{name: name, display: "ARRAY<T>", g: gArrayT} }
func pMap(name string) param   { return param{name: name, display: "MAP<K, T>", g: gMapKV} }

func gen(retName string, retFn func(params []types.Type, t types.Type) types.Type, eval func([]types.Value) (types.Value, error), params ...param) *overload {
	return &overload{params: params, retName: retName, retFn: retFn, strict: true, eval: eval}
}

func retT(_ []types.Type, t types.Type) types.Type          { return t }
func retFirst(params []types.Type, _ types.Type) types.Type { return params[0] }
func retConst(r types.Type) func([]types.Type, types.Type) types.Type {
	return func([]types.Type, types.Type) types.Type { return r }
}
