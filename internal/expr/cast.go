package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// ErrCast is the row error of a value that does not convert, such as
// CAST('x' AS INTEGER).
var ErrCast = errors.New("expr: cannot cast")

type castFn func(types.Value) (types.Value, error)

// ResolveType turns a type as written into a types.Type.
func ResolveType(t ast.Type) (types.Type, error) { return ResolveTypeIn(t, nil) }

// ResolveTypeIn is ResolveType with custom types (CREATE TYPE) looked up
// by upper-case name in custom, which may be nil.
func ResolveTypeIn(t ast.Type, custom func(name string) (types.Type, bool)) (types.Type, error) {
	switch t := t.(type) {
	case *ast.ArrayType:
		e, err := ResolveTypeIn(t.Elem, custom)
		if err != nil {
			return e, err
		}
		return types.ArrayType(e), nil
	case *ast.MapType:
		k, err := ResolveTypeIn(t.Key, custom)
		if err != nil {
			return k, err
		}
		v, err := ResolveTypeIn(t.Value, custom)
		if err != nil {
			return v, err
		}
		return types.MapType(k, v), nil
	case *ast.StructType:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			ft, err := ResolveTypeIn(f.Type, custom)
			if err != nil {
				return ft, err
			}
			fs[i] = types.Field{Name: f.Name.Name, Type: ft}
		}
		st, err := types.StructType(fs...)
		if err != nil {
			return st, errorf(t.Pos, CodeType, "%v", err)
		}
		return st, nil
	case *ast.NamedType:
		switch t.Name.Name {
		case "BOOLEAN":
			return types.BooleanType, nil
		case "INT", "INTEGER":
			return types.IntegerType, nil
		case "BIGINT":
			return types.BigIntType, nil
		case "DOUBLE":
			return types.DoubleType, nil
		case "STRING", "VARCHAR":
			return types.StringType, nil
		case "BYTES":
			return types.BytesType, nil
		case "TIMESTAMP":
			return types.TimestampType, nil
		case "DATE":
			return types.DateType, nil
		case "TIME":
			return types.TimeType, nil
		case "DECIMAL":
			if len(t.Params) != 2 {
				return types.Type{}, errorf(t.Pos, CodeType, "DECIMAL requires a precision and a scale: DECIMAL(p, s)")
			}
			p, err1 := strconv.Atoi(t.Params[0])
			s, err2 := strconv.Atoi(t.Params[1])
			if err1 != nil || err2 != nil {
				return types.Type{}, errorf(t.Pos, CodeType, "invalid DECIMAL parameters %s", t)
			}
			d, err := types.DecimalType(p, s)
			if err != nil {
				return d, errorf(t.Pos, CodeType, "%v", err)
			}
			return d, nil
		}
		if custom != nil && len(t.Params) == 0 {
			if ct, ok := custom(t.Name.Name); ok {
				return ct, nil
			}
		}
		return types.Type{}, errorf(t.Pos, CodeType, "Unknown type: %s", t)
	}
	return types.Type{}, errorf(t.Position(), CodeType, "Unknown type: %s", t)
}

func (c *compiler) cast(e *ast.Cast) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	to, err := ResolveTypeIn(e.Type, c.env.CustomTypes)
	if err != nil {
		return nil, err
	}
	if x.t.IsZero() {
		return constNode(to, types.Null(), e), nil
	}
	n, err := castNode(x, to)
	if err != nil {
		return nil, err
	}
	n.src = e
	return n, nil
}

// castNode converts x's values to type to; a constant is converted once,
// unless that fails, which then fails in every row as ksqlDB's would.
func castNode(x *node, to types.Type) (*node, error) {
	cf := castFunc(x.t, to)
	if cf == nil {
		return nil, generated(errorf(x.src.Position(), CodeCast, "Cast of %s to %s is not supported", x.t, to))
	}
	if x.isConst && !x.val.IsNull() {
		if v, err := cf(x.val); err == nil {
			return constNode(to, v, x.src), nil
		}
	}
	f := x.fn
	return &node{t: to, src: x.src, fn: func(row types.Row) (types.Value, error) {
		v, err := f(row)
		if err != nil || v.IsNull() {
			return types.Null(), err
		}
		return cf(v)
	}}, nil
}

func castErr(v types.Value, to types.Type) error {
	return fmt.Errorf("%w %s to %s: '%s'", ErrCast, v.Kind(), to, v)
}

// castFunc returns the conversion of non-NULL values of type from to type
// to, or nil when ksqlDB does not allow the cast.
func castFunc(from, to types.Type) castFn {
	fk, tk := from.Kind(), to.Kind()
	if from.Equal(to) {
		return func(v types.Value) (types.Value, error) { return v, nil }
	}
	switch {
	case tk == types.KindString:
		if fk == types.KindArray || fk == types.KindMap || fk == types.KindStruct || fk == types.KindBytes {
			return func(v types.Value) (types.Value, error) { return types.Str(v.String()), nil }
		}
		return func(v types.Value) (types.Value, error) { return types.Str(v.String()), nil }
	case from.IsNumeric() && to.IsNumeric():
		return numericCast(to)
	case fk == types.KindString:
		return parseCast(to)
	case fk == types.KindTimestamp && tk == types.KindDate:
		return func(v types.Value) (types.Value, error) {
			return types.Date(types.TimestampDate(v.Timestamp())), nil
		}
	case fk == types.KindTimestamp && tk == types.KindTime:
		return func(v types.Value) (types.Value, error) {
			return types.Time(types.TimestampTime(v.Timestamp())), nil
		}
	case fk == types.KindDate && tk == types.KindTimestamp:
		return func(v types.Value) (types.Value, error) {
			return types.Timestamp(int64(v.Date()) * types.MillisPerDay), nil
		}
	case fk == types.KindArray && tk == types.KindArray:
		ef := castFunc(from.Elem(), to.Elem())
		if ef == nil {
			return nil
		}
		return func(v types.Value) (types.Value, error) {
			in := v.Elems()
			out := make([]types.Value, len(in))
			for i, x := range in {
				if x.IsNull() {
					continue
				}
				y, err := ef(x)
				if err != nil {
					return types.Null(), err
				}
				out[i] = y
			}
			return types.Array(out), nil
		}
	case fk == types.KindMap && tk == types.KindMap:
		kf, vf := castFunc(from.Key(), to.Key()), castFunc(from.Elem(), to.Elem())
		if kf == nil || vf == nil {
			return nil
		}
		return func(v types.Value) (types.Value, error) {
			n := v.Len()
			ks, vs := make([]types.Value, n), make([]types.Value, n)
			for i := 0; i < n; i++ {
				var err error
				if k := v.MapKey(i); !k.IsNull() {
					if ks[i], err = kf(k); err != nil {
						return types.Null(), err
					}
				}
				if x := v.MapElem(i); !x.IsNull() {
					if vs[i], err = vf(x); err != nil {
						return types.Null(), err
					}
				}
			}
			return types.Map(ks, vs), nil
		}
	case fk == types.KindStruct && tk == types.KindStruct:
		// Fields are matched by name; fields of to missing from from are NULL.
		n := to.NumFields()
		src := make([]int, n)
		fns := make([]castFn, n)
		for i := 0; i < n; i++ {
			f := to.Field(i)
			j, ok := from.FieldIndex(f.Name)
			src[i] = -1
			if !ok {
				continue
			}
			if fns[i] = castFunc(from.Field(j).Type, f.Type); fns[i] == nil {
				return nil
			}
			src[i] = j
		}
		names := to.FieldNames()
		return func(v types.Value) (types.Value, error) {
			out := make([]types.Value, n)
			for i, j := range src {
				if j < 0 {
					continue
				}
				x := v.Field(j)
				if x.IsNull() {
					continue
				}
				y, err := fns[i](x)
				if err != nil {
					return types.Null(), err
				}
				out[i] = y
			}
			return types.Struct(names, out), nil
		}
	}
	return nil
}

// numericCast follows Java's conversions, as ksqlDB's casts do: integers
// narrow by keeping the low bits, doubles saturate (NaN gives 0), decimals
// truncate toward zero; casts to DECIMAL round HALF_UP and fail when the
// value does not fit.
func numericCast(to types.Type) castFn {
	switch to.Kind() {
	case types.KindInt, types.KindBigInt:
		big := to.Kind() == types.KindBigInt
		mk := func(i int64) types.Value {
			if big {
				return types.BigInt(i)
			}
			return types.Int(int32(i))
		}
		return func(v types.Value) (types.Value, error) {
			switch v.Kind() {
			case types.KindInt:
				return mk(int64(v.Int())), nil
			case types.KindBigInt:
				return mk(v.BigInt()), nil
			case types.KindDouble:
				f := v.Double()
				if big {
					return types.BigInt(saturate(f, math.MinInt64, math.MaxInt64)), nil
				}
				return types.Int(int32(saturate(f, math.MinInt32, math.MaxInt32))), nil
			default:
				return mk(v.Dec().TruncInt64()), nil
			}
		}
	case types.KindDouble:
		return func(v types.Value) (types.Value, error) {
			f, _ := v.Float64()
			return types.Double(f), nil
		}
	}
	return func(v types.Value) (types.Value, error) {
		var d types.Decimal
		switch v.Kind() {
		case types.KindInt:
			d = types.NewDecimal(int64(v.Int()), 0)
		case types.KindBigInt:
			d = types.NewDecimal(v.BigInt(), 0)
		case types.KindDouble:
			var err error
			if d, err = types.DecimalFromFloat64(v.Double()); err != nil {
				return types.Null(), fmt.Errorf("%w DOUBLE to %s: %w", ErrCast, to, err)
			}
		default:
			d = v.Dec()
		}
		r, err := d.CastTo(to)
		if err != nil {
			return types.Null(), err
		}
		return types.Dec(r), nil
	}
}

func saturate(f float64, lo, hi int64) int64 {
	switch {
	case f != f:
		return 0
	case f <= float64(lo):
		return lo
	case f >= float64(hi):
		return hi
	}
	return int64(f)
}

func parseCast(to types.Type) castFn {
	switch to.Kind() {
	case types.KindBoolean:
		return func(v types.Value) (types.Value, error) {
			switch strings.ToLower(strings.TrimSpace(v.Str())) {
			case "true", "t", "yes", "y":
				return types.Bool(true), nil
			case "false", "f", "no", "n":
				return types.Bool(false), nil
			}
			return types.Null(), castErr(v, to)
		}
	case types.KindInt:
		return func(v types.Value) (types.Value, error) {
			i, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 32)
			if err != nil {
				return types.Null(), castErr(v, to)
			}
			return types.Int(int32(i)), nil
		}
	case types.KindBigInt:
		return func(v types.Value) (types.Value, error) {
			i, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64)
			if err != nil {
				return types.Null(), castErr(v, to)
			}
			return types.BigInt(i), nil
		}
	case types.KindDouble:
		return func(v types.Value) (types.Value, error) {
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
			if err != nil {
				return types.Null(), castErr(v, to)
			}
			return types.Double(f), nil
		}
	case types.KindDecimal:
		return func(v types.Value) (types.Value, error) {
			d, err := types.ParseDecimal(strings.TrimSpace(v.Str()))
			if err != nil {
				return types.Null(), castErr(v, to)
			}
			r, err := d.CastTo(to)
			if err != nil {
				return types.Null(), err
			}
			return types.Dec(r), nil
		}
	case types.KindTimestamp:
		return func(v types.Value) (types.Value, error) {
			s := strings.TrimSpace(v.Str())
			for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return types.Timestamp(t.UnixMilli()), nil
				}
			}
			return types.Null(), castErr(v, to)
		}
	case types.KindDate:
		return func(v types.Value) (types.Value, error) {
			t, err := time.Parse("2006-01-02", strings.TrimSpace(v.Str()))
			if err != nil {
				return types.Null(), castErr(v, to)
			}
			return types.Date(types.TimestampDate(t.UnixMilli())), nil
		}
	case types.KindTime:
		return func(v types.Value) (types.Value, error) {
			s := strings.TrimSpace(v.Str())
			for _, layout := range []string{"15:04:05.999999999", "15:04"} {
				if t, err := time.Parse(layout, s); err == nil {
					ms := (t.Hour()*3600+t.Minute()*60+t.Second())*1000 + t.Nanosecond()/1e6
					return types.Time(int32(ms)), nil
				}
			}
			return types.Null(), castErr(v, to)
		}
	}
	return nil
}
