package functions

import (
	"math"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

// samples are edge values of each primitive kind, NULL included.
var samples = map[types.Kind][]types.Value{
	types.KindBoolean:   {null, types.Bool(true), types.Bool(false)},
	types.KindInt:       {null, I(0), I(1), I(-1), I(3), I(math.MinInt32), I(math.MaxInt32)},
	types.KindBigInt:    {null, L(0), L(-1), L(5), L(math.MinInt64), L(math.MaxInt64)},
	types.KindDouble:    {null, D(0), D(-0.5), D(2.5), D(math.NaN()), D(math.Inf(1)), D(math.Inf(-1)), D(1e308), D(-1e-300)},
	types.KindString:    {null, S(""), S("a"), S("ÿ€𝄞"), S("%zz"), S("["), S("$.a[0]"), S("'"), S("yyyy-MM-dd"), S("http://h:1/p?q=1#f"), S(`{"a":[1]}`), S("DESC"), S("MI"), S(`\u0041`)},
	types.KindBytes:     {null, types.Bytes(nil), types.Bytes([]byte{1, 2, 3, 4}), types.Bytes([]byte{1, 2, 3, 4, 5, 6, 7, 8})},
	types.KindTimestamp: {null, types.Timestamp(0), types.Timestamp(-1), types.Timestamp(math.MaxInt64), types.Timestamp(math.MinInt64)},
	types.KindDate:      {null, types.Date(0), types.Date(math.MaxInt32), types.Date(math.MinInt32)},
	types.KindTime:      {null, types.Time(0), types.Time(86399999)},
	types.KindDecimal:   {null, dec("0"), dec("-9.99"), dec("999999999999999999999.5"), dec("0.05")},
	types.KindArray:     {null, arr(), arr(I(1), null, I(-2), I(1))},
	types.KindMap:       {null, types.Map(nil, nil), types.Map([]types.Value{S("b"), S("a")}, []types.Value{null, I(1)})},
}

// TestNoPanicOnEdgeValues calls every overload with concrete parameters
// on combinations of edge values: Eval may return errors, never panic.
func TestNoPanicOnEdgeValues(t *testing.T) {
	r := NewRegistry()
	calls := 0
	for _, name := range r.Names() {
		for _, o := range r.funcs[name].overloads {
			var pools [][]types.Value
			argTypes := make([]types.Type, 0, len(o.params)+1)
			ok := true
			for _, p := range o.params {
				typ := p.typ
				switch p.g {
				case gT:
					typ = tInt
				case gArrayT:
					typ = types.ArrayType(tInt)
				case gMapKV:
					typ = types.MapType(tStr, tInt)
				case gDecimal:
					typ = types.MustDecimalType(22, 1)
				}
				pool, found := samples[typ.Kind()]
				if !found {
					ok = false
					break
				}
				pools = append(pools, pool)
				argTypes = append(argTypes, typ)
			}
			if !ok {
				continue
			}
			if o.variadic && len(pools) > 0 {
				pools = append(pools, pools[len(pools)-1])
				argTypes = append(argTypes, argTypes[len(argTypes)-1])
			}
			res, err := r.Resolve(name, argTypes)
			if err != nil {
				t.Errorf("%s%v: %v", name, argTypes, err)
				continue
			}
			total := 1
			for _, p := range pools {
				total *= len(p)
			}
			args := make([]types.Value, len(pools))
			for n := range min(total, 3000) {
				k := n
				if total > 3000 {
					k = (n * 7919) % total
				}
				for i, p := range pools {
					args[i], err = types.Widen(p[k%len(p)], res.Params[i])
					if err != nil {
						t.Fatalf("%s: widen %v to %v: %v", name, p[k%len(p)], res.Params[i], err)
					}
					k /= len(p)
				}
				calls++
				func() {
					defer func() {
						if e := recover(); e != nil {
							t.Errorf("%s%v panicked: %v", name, args, e)
						}
					}()
					_, _ = res.Eval(args)
				}()
			}
		}
	}
	if calls < 10000 {
		t.Errorf("only %d calls made", calls)
	}
}
