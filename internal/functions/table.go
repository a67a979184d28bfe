package functions

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// The kinds of function a Description reports, as ksqlDB's DESCRIBE
// FUNCTION and SHOW FUNCTIONS name them.
const (
	KindScalar = "SCALAR"
	KindTable  = "TABLE"
)

// cubeMaxElements caps CUBE_EXPLODE's input as ksqlDB does: the output has
// 2^n rows, so a larger array would exhaust memory on one record.
const cubeMaxElements = 20

// ResolvedTable is one overload of a table function chosen for a call's
// argument types.
type ResolvedTable struct {
	Name string
	// Params is the type each argument has (same length as the arguments).
	// Table functions do not widen, so they are the argument types.
	Params []types.Type
	// Return is the type of each output value.
	Return types.Type
	// Eval turns one input row's arguments into zero or more output values,
	// in order. It must not retain args; the returned slice belongs to the
	// caller. A returned error means a bad value in this row: ksqlDB logs it
	// and emits nothing for the row.
	Eval func(args []types.Value) ([]types.Value, error)
}

// tableOverload is one signature of a table function.
type tableOverload struct {
	params  []param
	retName string // the return type as signatures show it
	// bind returns the return type for the argument types, or false when
	// the overload does not accept them.
	bind func(args []types.Type) (types.Type, bool)
	eval func(args []types.Value) ([]types.Value, error)
}

// IsTableFunction reports whether name (any case) is a table function.
func (r *Registry) IsTableFunction(name string) bool {
	f := r.funcs[strings.ToUpper(name)]
	return f != nil && f.tables != nil
}

// ResolveTable picks the overload of the table function called name for
// the argument types: the first declared that accepts them.
//
// The engine combines the results of a row as ksqlDB does: every table
// function of the select list is evaluated on the row, and the row yields
// as many output rows as the longest result, the i-th output row taking the
// i-th value of each function and NULL from those with fewer values (SELECT
// EXPLODE(A), EXPLODE(B) on A=[1, 2], B=[10, 11, 12] gives (1, 10), (2, 11),
// (NULL, 12)). The other select expressions are copied into each output row.
// A row whose functions all yield nothing produces no output, and a row for
// which an argument or Eval fails produces no output either.
func (r *Registry) ResolveTable(name string, args []types.Type) (ResolvedTable, error) {
	up := strings.ToUpper(name)
	f := r.funcs[up]
	if f == nil || f.tables == nil {
		return ResolvedTable{}, fmt.Errorf("%w: Can not find any table functions with the name '%s'", ErrUnknownFunction, name)
	}
	for _, o := range f.tables {
		if len(args) != len(o.params) {
			continue
		}
		ret, ok := o.bind(args)
		if !ok {
			continue
		}
		return ResolvedTable{Name: up, Params: append([]types.Type(nil), args...), Return: ret, Eval: o.eval}, nil
	}
	// ksqlDB words this error with the name and signatures as its table
	// functions are registered: lower case, type before parameter name.
	lower := strings.ToLower(up)
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Function '%s' does not accept parameters (%s).\nValid alternatives are:", lower, strings.Join(names, ", "))
	for _, o := range f.tables {
		b.WriteString("\n")
		b.WriteString(o.ksqlSignature(lower))
	}
	return ResolvedTable{}, fmt.Errorf("%w: %s", ErrNoMatchingOverload, b.String())
}

// tableInScalarContext is the message for a table function called where a
// single value is expected.
func tableInScalarContext(name string) string {
	return fmt.Sprintf("Table function '%s' can only be used in the select list of a query on a stream.", name)
}

// signature is the overload as DESCRIBE FUNCTION lists it, in the same
// shape as scalar signatures.
func (o *tableOverload) signature(name string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, p := range o.params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.name)
		b.WriteByte(' ')
		b.WriteString(p.display)
	}
	b.WriteString(") => ")
	b.WriteString(o.retName)
	return b.String()
}

// ksqlSignature is the overload as ksqlDB's resolution errors list a table
// function's alternatives: "explode(ARRAY<T> list)".
func (o *tableOverload) ksqlSignature(name string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, p := range o.params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.display)
		b.WriteByte(' ')
		b.WriteString(p.name)
	}
	b.WriteByte(')')
	return b.String()
}

func registerTables(r *Registry) {
	r.addTable("EXPLODE", "Outputs one row for each element of an array, NULL elements included; none for a NULL or empty array.",
		// ksqlDB declares a DECIMAL overload besides the generic one, and
		// lists it first in its errors.
		&tableOverload{
			params:  []param{{name: "input", display: "ARRAY<DECIMAL>"}},
			retName: "DECIMAL",
			bind:    arrayElem(func(e types.Type) bool { return e.Kind() == types.KindDecimal }),
			eval:    explode,
		},
		&tableOverload{
			params:  []param{{name: "list", display: "ARRAY<T>"}},
			retName: "T",
			bind:    arrayElem(func(types.Type) bool { return true }),
			eval:    explode,
		})

	r.addTable("CUBE_EXPLODE", "Outputs every combination of an array's elements where each is either kept or NULL: 2^n rows for n elements, without the duplicates NULL elements would cause.",
		&tableOverload{
			params:  []param{{name: "columns", display: "ARRAY<T>"}},
			retName: "ARRAY<T>",
			bind: func(args []types.Type) (types.Type, bool) {
				if _, ok := arrayElem(func(types.Type) bool { return true })(args); !ok {
					return types.Type{}, false
				}
				return args[0], true
			},
			eval: cubeExplode,
		})
}

func (r *Registry) addTable(name, description string, ovs ...*tableOverload) {
	r.funcs[name] = &function{name: name, category: "TABLE", description: description, tables: ovs}
}

// arrayElem binds a single ARRAY argument whose element type satisfies ok,
// returning the element type. An untyped NULL or an array of unknown
// element type gives nothing to infer the output type from, so it is
// rejected, as generic scalar functions reject it.
func arrayElem(ok func(types.Type) bool) func(args []types.Type) (types.Type, bool) {
	return func(args []types.Type) (types.Type, bool) {
		a := args[0]
		if a.Kind() != types.KindArray || a.Elem().IsZero() || !ok(a.Elem()) {
			return types.Type{}, false
		}
		return a.Elem(), true
	}
}

// explode returns the elements of the array, none for a NULL array.
func explode(args []types.Value) ([]types.Value, error) {
	if args[0].IsNull() {
		return nil, nil
	}
	return append([]types.Value(nil), args[0].Elems()...), nil
}

// cubeExplode returns the combinations of the array's elements in ksqlDB's
// order: for n elements, the masks 0 to 2^n-1 in turn, where the bit
// n-1-i of a mask keeps element i and a clear bit makes it NULL. A mask
// keeping a NULL element would repeat the row of the mask without it, so it
// is skipped. An empty array yields one empty array; a NULL one, nothing.
func cubeExplode(args []types.Value) ([]types.Value, error) {
	if args[0].IsNull() {
		return nil, nil
	}
	elems := args[0].Elems()
	n := len(elems)
	if n > cubeMaxElements {
		return nil, fmt.Errorf("CUBE_EXPLODE input size (%d) exceeds the maximum of %d columns. The output cardinality is 2^N rows and would exhaust server memory.", n, cubeMaxElements)
	}
	nonNull := 0
	for i, e := range elems {
		if !e.IsNull() {
			nonNull |= 1 << (n - 1 - i)
		}
	}
	out := make([]types.Value, 0, 1<<bits.OnesCount(uint(nonNull)))
	for mask := 0; mask < 1<<n; mask++ {
		if mask&nonNull != mask {
			continue
		}
		row := make([]types.Value, n)
		for i, e := range elems {
			if mask&(1<<(n-1-i)) != 0 {
				row[i] = e
			}
		}
		out = append(out, types.Array(row))
	}
	return out, nil
}
