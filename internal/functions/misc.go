package functions

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// maxSeriesLength bounds GENERATE_SERIES, so that one row cannot ask for
// an array of billions of elements.
const maxSeriesLength = 1 << 24

func byteOrder(a []types.Value) (binary.ByteOrder, error) {
	if len(a) < 2 {
		return binary.BigEndian, nil
	}
	switch strings.ToUpper(a[1].Str()) {
	case "BIG_ENDIAN":
		return binary.BigEndian, nil
	case "LITTLE_ENDIAN":
		return binary.LittleEndian, nil
	}
	return nil, fmt.Errorf("functions: unknown byte order %q: use 'BIG_ENDIAN' or 'LITTLE_ENDIAN'", a[1].Str())
}

// fromBytes returns the overloads of a function reading a number of size
// bytes from a BYTES value, in big-endian order or the given one.
func fromBytes(ret types.Type, size int, conv func(uint64) types.Value) []*overload {
	eval := func(a []types.Value) (types.Value, error) {
		b := a[0].Bytes()
		if len(b) != size {
			return types.Null(), fmt.Errorf("functions: number of bytes must be equal to %d, but found %d", size, len(b))
		}
		order, err := byteOrder(a)
		if err != nil {
			return types.Null(), err
		}
		var u uint64
		if size == 4 {
			u = uint64(order.Uint32(b))
		} else {
			u = order.Uint64(b)
		}
		return conv(u), nil
	}
	return []*overload{
		fixed(ret, eval, p("value", bytesT)),
		fixed(ret, eval, p("value", bytesT), p("byteOrder", str)),
	}
}

const degreesToRadians = 0.017453292519943295

func haversin(x float64) float64 { return math.Pow(math.Sin(x/2), 2) }

func registerMisc(r *Registry) {
	r.add("INT_FROM_BYTES", "CONVERSIONS", "Reads an INTEGER from 4 bytes, big-endian or in the given byte order.",
		fromBytes(integ, 4, func(u uint64) types.Value { return types.Int(int32(uint32(u))) })...)
	r.add("BIGINT_FROM_BYTES", "CONVERSIONS", "Reads a BIGINT from 8 bytes, big-endian or in the given byte order.",
		fromBytes(bigint, 8, func(u uint64) types.Value { return types.BigInt(int64(u)) })...)
	r.add("DOUBLE_FROM_BYTES", "CONVERSIONS", "Reads a DOUBLE from 8 bytes, big-endian or in the given byte order.",
		fromBytes(dbl, 8, func(u uint64) types.Value { return types.Double(math.Float64frombits(u)) })...)

	series := func(ret types.Type, mk func(int64) types.Value) func([]types.Value) (types.Value, error) {
		return func(a []types.Value) (types.Value, error) {
			get := func(v types.Value) int64 {
				if v.Kind() == types.KindInt {
					return int64(v.Int())
				}
				return v.BigInt()
			}
			start, end, step := get(a[0]), get(a[1]), int64(1)
			if len(a) > 2 {
				step = get(a[2])
			} else if end < start {
				step = -1
			}
			if step == 0 {
				return types.Null(), fmt.Errorf("functions: GENERATE_SERIES step cannot be zero")
			}
			if (end > start && step < 0) || (end < start && step > 0) {
				return types.Null(), fmt.Errorf("functions: GENERATE_SERIES step has wrong sign")
			}
			n := (float64(end)-float64(start))/float64(step) + 1
			if n > maxSeriesLength {
				return types.Null(), fmt.Errorf("functions: GENERATE_SERIES would have %.0f elements, more than the %d allowed", n, maxSeriesLength)
			}
			out := make([]types.Value, 0, int(n))
			for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
				out = append(out, mk(i))
				if (step > 0 && i > math.MaxInt64-step) || (step < 0 && i < math.MinInt64-step) {
					break
				}
			}
			return types.Array(out), nil
		}
	}
	i32 := func(i int64) types.Value { return types.Int(int32(i)) }
	i64 := func(i int64) types.Value { return types.BigInt(i) }
	r.add("GENERATE_SERIES", "ARRAY", "Returns the array of numbers from start to end inclusive, by step (1 or -1 by default).",
		fixed(types.ArrayType(integ), series(integ, i32), p("start", integ), p("end", integ)),
		fixed(types.ArrayType(integ), series(integ, i32), p("start", integ), p("end", integ), p("step", integ)),
		fixed(types.ArrayType(bigint), series(bigint, i64), p("start", bigint), p("end", bigint)),
		fixed(types.ArrayType(bigint), series(bigint, i64), p("start", bigint), p("end", bigint), p("step", integ)))

	geo := func(a []types.Value) (types.Value, error) {
		for _, v := range a[:4] {
			if v.IsNull() {
				return types.Null(), nil
			}
		}
		lat1, lon1, lat2, lon2 := a[0].Double(), a[1].Double(), a[2].Double(), a[3].Double()
		if math.Abs(lat1) > 90 || math.Abs(lat2) > 90 || math.Abs(lon1) > 180 || math.Abs(lon2) > 180 {
			return types.Null(), fmt.Errorf("functions: GEO_DISTANCE: latitudes must be in [-90, 90] and longitudes in [-180, 180]")
		}
		radius := 6371.0
		if len(a) > 4 && !a[4].IsNull() {
			switch strings.ToUpper(a[4].Str()) {
			case "KM", "KILOMETER", "KILOMETERS", "KILOMETRE", "KILOMETRES":
			case "MI", "MILE", "MILES":
				radius = 3959
			default:
				return types.Null(), fmt.Errorf("functions: GEO_DISTANCE: unknown unit %q: use 'KM' or 'MI'", a[4].Str())
			}
		}
		dLat := (lat2 - lat1) * degreesToRadians
		dLon := (lon2 - lon1) * degreesToRadians
		h := haversin(dLat) + haversin(dLon)*math.Cos(lat1*degreesToRadians)*math.Cos(lat2*degreesToRadians)
		return types.Double(2 * math.Asin(math.Sqrt(h)) * radius), nil
	}
	r.add("GEO_DISTANCE", "MATHEMATICAL", "Returns the great-circle distance between two points given in degrees, in kilometres or in the given unit ('KM' or 'MI').",
		nonStrict(fixed(dbl, geo, p("lat1", dbl), p("lon1", dbl), p("lat2", dbl), p("lon2", dbl))),
		nonStrict(fixed(dbl, geo, p("lat1", dbl), p("lon1", dbl), p("lat2", dbl), p("lon2", dbl), p("unit", str))))

	r.add("DATETOSTRING", "DATE / TIME", "Formats days since the Unix epoch with a java.time pattern. Deprecated: use FORMAT_DATE.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			s, err := formatTime(time0.AddDate(0, 0, int(a[0].Int())), a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			return types.Str(s), nil
		}, p("epochDays", integ), p("formatPattern", str)))
	r.add("STRINGTODATE", "DATE / TIME", "Parses a string into days since the Unix epoch with a java.time pattern. Deprecated: use PARSE_DATE.",
		fixed(integ, func(a []types.Value) (types.Value, error) {
			t, err := parseTime(a[0].Str(), a[1].Str(), time0.Location(), &zones{})
			if err != nil {
				return types.Null(), err
			}
			return types.Int(types.TimestampDate(t.UnixMilli())), nil
		}, p("formattedDate", str), p("formatPattern", str)))
}

func registerMoreCollections2(r *Registry) {
	r.add("ARRAY_CONCAT", "ARRAY", "Concatenates two arrays, keeping duplicates; a NULL array counts as empty, NULL if both are.",
		nonStrict(gen("ARRAY<T>", retFirst, func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() && a[1].IsNull() {
				return types.Null(), nil
			}
			var out []types.Value
			for _, v := range a {
				if !v.IsNull() {
					out = append(out, v.Elems()...)
				}
			}
			if out == nil {
				out = []types.Value{}
			}
			return types.Array(out), nil
		}, pArray("left"), pArray("right"))))

	entries := gen("ARRAY<STRUCT<K STRING, V T>>", func(_ []types.Type, t types.Type) types.Type {
		return types.ArrayType(types.MustStructType(types.Field{Name: "K", Type: str}, types.Field{Name: "V", Type: t}))
	}, nil, param{name: "map", display: "MAP<STRING, T>", g: gMapKV}, p("sorted", types.BooleanType))
	entries.evalTyped = func(params []types.Type, ret types.Type) func([]types.Value) (types.Value, error) {
		names := ret.Elem().FieldNames()
		return func(a []types.Value) (types.Value, error) {
			m := a[0]
			out := make([]types.Value, m.Len())
			for i := range out {
				out[i] = types.Struct(names, []types.Value{m.MapKey(i), m.MapElem(i)})
			}
			if a[1].Bool() {
				slices.SortStableFunc(out, func(x, y types.Value) int { return x.Field(0).Compare(y.Field(0)) })
			}
			return types.Array(out), nil
		}
	}
	entries.bind = func(args []types.Type) ([]types.Type, types.Type, int, bool) {
		// ksqlDB's ENTRIES takes only maps with STRING keys.
		if args[0].Kind() == types.KindMap && !args[0].Key().Equal(str) {
			return nil, types.Type{}, 0, false
		}
		return entries.bindGeneric(args)
	}
	r.add("ENTRIES", "MAP", "Returns the entries of a map with STRING keys as an array of STRUCT<K, V>, sorted by key if sorted is true.", entries)

	padBytes := func(left bool) func([]types.Value) (types.Value, error) {
		return func(a []types.Value) (types.Value, error) {
			in, n, padding := a[0].Bytes(), int(a[1].Int()), a[2].Bytes()
			if n < 0 || len(padding) == 0 {
				return types.Null(), nil
			}
			if n > maxPadLength {
				return types.Null(), fmt.Errorf("functions: pad length %d is more than the %d bytes allowed", n, maxPadLength)
			}
			if len(in) >= n {
				return types.Bytes(in[:n:n]), nil
			}
			out := make([]byte, 0, n)
			fill := make([]byte, 0, n-len(in))
			for len(fill) < n-len(in) {
				fill = append(fill, padding[:min(len(padding), n-len(in)-len(fill))]...)
			}
			if left {
				out = append(append(out, fill...), in...)
			} else {
				out = append(append(out, in...), fill...)
			}
			return types.Bytes(out), nil
		}
	}
	r.add("LPAD", "STRING", "", fixed(bytesT, padBytes(true), p("input", bytesT), p("length", integ), p("padding", bytesT)))
	r.add("RPAD", "STRING", "", fixed(bytesT, padBytes(false), p("input", bytesT), p("length", integ), p("padding", bytesT)))
}
