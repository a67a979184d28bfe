package expr

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// A user list is a list of expressions written together that must share one
// type: the operand and values of IN, the elements of ARRAY[...], the keys
// or the values of MAP(...). ksqlDB finds their common type one element at
// a time, widest wins:
//
//   - numbers widen along INTEGER -> BIGINT -> DECIMAL -> DOUBLE;
//   - a string literal next to numbers is read as the number it spells
//     ('2147483648' is a BIGINT, '4.000' a DECIMAL(4, 3)), and next to a
//     BOOLEAN must spell one;
//   - any other literal may become a STRING ('10' IN (10, TRUE));
//   - an ARRAY, MAP or STRUCT constructor is typed against the common type
//     so far, element by element; a STRUCT constructor adds its fields;
//   - any other expression must coerce strictly (numeric widening only,
//     also inside ARRAY, MAP and STRUCT types).
//
// Literals are then converted to the common type at compile time and other
// expressions cast to it at run time.

// coercionError is a type mismatch inside a user list. A mismatch found
// inside a constructor is reported on the constructor as a whole.
type coercionError struct {
	pos ast.Pos
	msg string
}

func (e *coercionError) Error() string { return e.msg }

// syntaxError is a string literal that does not spell a value of the type
// the list needs; it is reported as it is, wherever it was found.
type syntaxError struct {
	pos ast.Pos
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func mismatch(src ast.Expr, from, to types.Type) error {
	return &coercionError{pos: src.Position(), msg: fmt.Sprintf("operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.", to, kindOrNull(from), src)}
}

func invalidSyntax(pos ast.Pos, value string, to types.Type) error {
	return &syntaxError{pos: pos, msg: fmt.Sprintf("invalid input syntax for type %s: \"%s\".", baseName(to), value)}
}

// baseName is the type's name without parameters: DECIMAL, not
// DECIMAL(4, 2).
func baseName(t types.Type) string {
	if t.Kind() == types.KindDecimal {
		return "DECIMAL"
	}
	if t.Kind() == types.KindArray || t.Kind() == types.KindMap || t.Kind() == types.KindStruct {
		return t.Kind().String()
	}
	return t.String()
}

// isLiteral reports whether e is a literal, a negated number included.
func isLiteral(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.NullLit, *ast.BoolLit, *ast.StringLit, *ast.IntegerLit, *ast.DoubleLit, *ast.DecimalLit:
		return true
	case *ast.Unary:
		switch e.X.(type) {
		case *ast.IntegerLit, *ast.DoubleLit, *ast.DecimalLit:
			return true
		}
	}
	return false
}

// listItem is one compiled expression of a user list with its source.
type listItem struct {
	n *node
	e ast.Expr
}

// coerceList compiles es and converts them to their common type, which is
// the zero Type when every element is a NULL literal (or there are none).
func (c *compiler) coerceList(es []ast.Expr) ([]*node, types.Type, error) {
	items := make([]listItem, len(es))
	for i, e := range es {
		n, err := c.compile(e)
		if err != nil {
			return nil, types.Type{}, err
		}
		items[i] = listItem{n: n, e: e}
	}
	t, err := c.commonOf(items, types.Type{})
	if err != nil {
		return nil, t, err
	}
	out := make([]*node, len(items))
	for i, it := range items {
		if out[i], err = convertTo(it, t); err != nil {
			return nil, t, err
		}
	}
	return out, t, nil
}

// commonOf folds the items' types into start (the zero Type: nothing yet).
func (c *compiler) commonOf(items []listItem, start types.Type) (types.Type, error) {
	t := start
	for i, it := range items {
		if i == 0 && start.IsZero() {
			t = it.n.t
			continue
		}
		var err error
		if t, err = c.commonWith(it, t); err != nil {
			return t, err
		}
	}
	return t, nil
}

// commonWith is the common type of item and target, the common type so
// far.
func (c *compiler) commonWith(it listItem, target types.Type) (types.Type, error) {
	if target.IsZero() {
		return it.n.t, nil
	}
	if it.n.t.IsZero() {
		return target, nil
	}
	switch e := it.e.(type) {
	case *ast.ArrayCtor:
		if target.Kind() != types.KindArray {
			return target, mismatch(e, it.n.t, target)
		}
		et, err := c.commonElems(target.Elem(), e.Elems)
		if err != nil {
			return target, rewrap(err, e, it.n.t, target)
		}
		return types.ArrayType(et), nil
	case *ast.MapCtor:
		if target.Kind() != types.KindMap {
			return target, mismatch(e, it.n.t, target)
		}
		ks := make([]ast.Expr, len(e.Entries))
		vs := make([]ast.Expr, len(e.Entries))
		for i, en := range e.Entries {
			ks[i], vs[i] = en.Key, en.Value
		}
		kt, err := c.commonElems(target.Key(), ks)
		if err != nil {
			return target, rewrap(err, e, it.n.t, target)
		}
		vt, err := c.commonElems(target.Elem(), vs)
		if err != nil {
			return target, rewrap(err, e, it.n.t, target)
		}
		return types.MapType(kt, vt), nil
	case *ast.StructCtor:
		if target.Kind() != types.KindStruct {
			return target, mismatch(e, it.n.t, target)
		}
		t, err := c.commonStruct(e, target)
		if err != nil {
			return target, rewrap(err, e, it.n.t, target)
		}
		return t, nil
	case *ast.StringLit:
		if target.IsNumeric() {
			return numberFromString(e.Pos, e.Value, target)
		}
		if target.Kind() == types.KindBoolean {
			if _, ok := parseBoolLax(e.Value); !ok {
				return target, invalidSyntax(e.Pos, e.Value, target)
			}
			return target, nil
		}
	}
	lax := isLiteral(it.e)
	if t, ok := canCoerce(it.n.t, target, lax); ok {
		return t, nil
	}
	if t, ok := canCoerce(target, it.n.t, lax); ok {
		return t, nil
	}
	return target, mismatch(it.e, it.n.t, target)
}

// rewrap reports a mismatch found inside constructor e on e itself; a
// syntax error passes through.
func rewrap(err error, e ast.Expr, from, to types.Type) error {
	if _, ok := err.(*coercionError); ok {
		return mismatch(e, from, to)
	}
	return err
}

// commonElems is the common type of target and the elements es of a
// constructor.
func (c *compiler) commonElems(target types.Type, es []ast.Expr) (types.Type, error) {
	items := make([]listItem, len(es))
	for i, e := range es {
		n, err := c.compile(e)
		if err != nil {
			return target, err
		}
		items[i] = listItem{n: n, e: e}
	}
	return c.commonOf(items, target)
}

// commonStruct is the common type of a STRUCT constructor and a STRUCT
// type: the constructor's fields, then the type's others, each field of
// both typed as the common type of the two.
func (c *compiler) commonStruct(e *ast.StructCtor, target types.Type) (types.Type, error) {
	var fields []types.Field
	seen := map[string]bool{}
	for _, f := range e.Fields {
		name := f.Name.Name
		if seen[name] {
			continue
		}
		seen[name] = true
		n, err := c.compile(f.Value)
		if err != nil {
			return target, err
		}
		ft := n.t
		if j, ok := target.FieldIndex(name); ok {
			if ft, err = c.commonWith(listItem{n: n, e: f.Value}, target.Field(j).Type); err != nil {
				return target, err
			}
		}
		if ft.IsZero() {
			return target, &coercionError{pos: f.Value.Position(), msg: fmt.Sprintf("Cannot infer the type of field '%s' from NULL", name)}
		}
		fields = append(fields, types.Field{Name: name, Type: ft})
	}
	for _, f := range target.Fields() {
		if !seen[f.Name] {
			seen[f.Name] = true
			fields = append(fields, f)
		}
	}
	t, err := types.StructType(fields...)
	if err != nil {
		return target, &coercionError{pos: e.Pos, msg: err.Error()}
	}
	return t, nil
}

// numberFromString is the common type of a numeric target and the number a
// string literal spells.
func numberFromString(pos ast.Pos, s string, target types.Type) (types.Type, error) {
	st, ok := stringNumberType(s)
	if !ok {
		return target, invalidSyntax(pos, s, target)
	}
	if st.Kind() == types.KindDouble || target.Kind() == types.KindDouble {
		return types.DoubleType, nil
	}
	if st.Kind() == types.KindDecimal || target.Kind() == types.KindDecimal {
		t, ok := types.CommonNumeric(st, target)
		if !ok {
			return target, invalidSyntax(pos, s, target)
		}
		return t, nil
	}
	if types.Widens(st, target) {
		return target, nil
	}
	return st, nil
}

// stringNumberType is the type of the number s spells: INTEGER or BIGINT
// for an integer in range, else the DECIMAL that holds it exactly.
func stringNumberType(s string) (types.Type, bool) {
	t := strings.TrimSpace(s)
	d, err := types.ParseDecimal(t)
	if err != nil {
		return types.Type{}, false
	}
	if !strings.ContainsAny(s, ".eE") && d.Scale() == 0 {
		u := d.Unscaled()
		// ksqlDB's bounds are exclusive: MIN and MAX themselves take the
		// next wider type.
		if u.Cmp(big.NewInt(math.MinInt32)) > 0 && u.Cmp(big.NewInt(math.MaxInt32)) < 0 {
			return types.IntegerType, true
		}
		if u.Cmp(big.NewInt(math.MinInt64)) > 0 && u.Cmp(big.NewInt(math.MaxInt64)) < 0 {
			return types.BigIntType, true
		}
	}
	if d.Scale() < 0 {
		d = d.Rescale(0, types.RoundHalfUp)
	}
	p, sc := d.Precision(), int(d.Scale())
	if sc > p {
		p = sc
	}
	dt, err := types.DecimalType(p, sc)
	if err != nil {
		return types.DoubleType, true
	}
	return dt, true
}

// numericRank orders the numeric kinds by implicit widening.
func numericRank(k types.Kind) int {
	switch k {
	case types.KindInt:
		return 1
	case types.KindBigInt:
		return 2
	case types.KindDecimal:
		return 3
	case types.KindDouble:
		return 4
	}
	return 0
}

// canCoerce reports whether values of type from convert implicitly to type
// to, and to what type: numbers widen (a DECIMAL to the decimal holding
// both), containers coerce element by element, a STRUCT to one with at
// least its fields. A literal (lax) may also become a STRING, and a
// string literal a DATE, TIME or TIMESTAMP.
func canCoerce(from, to types.Type, lax bool) (types.Type, bool) {
	if from.Equal(to) {
		return to, true
	}
	fk, tk := from.Kind(), to.Kind()
	switch {
	case from.IsNumeric() && to.IsNumeric():
		if numericRank(fk) > numericRank(tk) {
			return to, false
		}
		if tk == types.KindDecimal {
			return types.CommonNumeric(from, to)
		}
		return to, true
	case fk == types.KindArray && tk == types.KindArray:
		e, ok := canCoerce(from.Elem(), to.Elem(), lax)
		return types.ArrayType(e), ok
	case fk == types.KindMap && tk == types.KindMap:
		k, ok := canCoerce(from.Key(), to.Key(), lax)
		if !ok {
			return to, false
		}
		v, ok := canCoerce(from.Elem(), to.Elem(), lax)
		return types.MapType(k, v), ok
	case fk == types.KindStruct && tk == types.KindStruct:
		for _, f := range from.Fields() {
			if _, ok := to.FieldIndex(f.Name); !ok {
				return to, false
			}
		}
		fields := to.Fields()
		for i, f := range fields {
			j, ok := from.FieldIndex(f.Name)
			if !ok {
				continue
			}
			ft, ok := canCoerce(from.Field(j).Type, f.Type, lax)
			if !ok {
				return to, false
			}
			fields[i].Type = ft
		}
		t, err := types.StructType(fields...)
		return t, err == nil
	case lax && tk == types.KindString:
		return to, fk == types.KindBoolean || from.IsNumeric()
	case lax && fk == types.KindString:
		return to, tk == types.KindTimestamp || tk == types.KindDate || tk == types.KindTime
	}
	return to, false
}

// convertTo converts one element of a user list to the list's type t: a
// literal now, any other expression by a cast at run time.
func convertTo(it listItem, t types.Type) (*node, error) {
	n := it.n
	if t.IsZero() || n.t.IsZero() || n.t.Equal(t) {
		return n, nil
	}
	if n.isConst && isLiteral(it.e) {
		v, err := coerceLiteral(n.val, n.t, t)
		if err != nil {
			return nil, errorf(it.e.Position(), CodeType, "%v", err)
		}
		return constNode(t, v, it.e), nil
	}
	cn, err := castNode(n, t)
	if err != nil {
		return nil, err
	}
	return cn, nil
}

// coerceLiteral converts a literal's value to type t, as ksqlDB's lax
// coercion of literals does.
func coerceLiteral(v types.Value, from, t types.Type) (types.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	switch {
	case t.Kind() == types.KindString:
		return types.Str(v.String()), nil
	case from.Kind() == types.KindString && t.Kind() == types.KindBoolean:
		b, ok := parseBoolLax(v.Str())
		if !ok {
			return v, invalidSyntax(ast.Pos{}, v.Str(), t)
		}
		return types.Bool(b), nil
	case from.Kind() == types.KindString:
		cf := parseCast(t)
		if cf == nil {
			return v, invalidSyntax(ast.Pos{}, v.Str(), t)
		}
		w, err := cf(v)
		if err != nil {
			return v, invalidSyntax(ast.Pos{}, v.Str(), t)
		}
		return w, nil
	case from.IsNumeric() && t.IsNumeric():
		return types.Widen(v, t)
	}
	cf := castFunc(from, t)
	if cf == nil {
		return v, fmt.Errorf("cannot convert %s to %s", from, t)
	}
	return cf(v)
}

// parseBoolLax reads a boolean as ksqlDB's lax coercion does: any
// non-empty prefix of TRUE, YES, FALSE or NO, in any case.
func parseBoolLax(s string) (bool, bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "" {
		return false, false
	}
	switch {
	case strings.HasPrefix("true", l), strings.HasPrefix("yes", l):
		return true, true
	case strings.HasPrefix("false", l), strings.HasPrefix("no", l):
		return false, true
	}
	return false, false
}
