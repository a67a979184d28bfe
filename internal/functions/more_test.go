package functions

import (
	"math"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestMoreStringFunctions(t *testing.T) {
	s4 := []types.Type{tStr, tStr, tStr, tStr, tStr}
	runCases(t, []evalCase{
		{name: "MASK", args: []types.Value{S("AbCd#$123xy Z")}, want: S("XxXx--nnnxx-X")},
		{name: "MASK", args: []types.Value{S("AbCd#$123xy Z"), S("Q"), S("q"), S("9"), S("@")}, want: S("QqQq@@999qq@Q")},
		{name: "MASK", types: s4, args: []types.Value{S("Ab1-"), null, S("q"), null, S("@")}, want: S("Aq1@")},
		{name: "MASK", types: []types.Type{tStr}, args: []types.Value{null}, want: null},
		{name: "MASK_LEFT", args: []types.Value{S("Abc123"), I(4)}, want: S("Xxxn23")},
		{name: "MASK_LEFT", args: []types.Value{S("Ab"), I(10)}, want: S("Xx")},
		{name: "MASK_RIGHT", args: []types.Value{S("Abc123"), I(2)}, want: S("Abc1nn")},
		{name: "MASK_KEEP_LEFT", args: []types.Value{S("Abc123"), I(2)}, want: S("Abxnnn")},
		{name: "MASK_KEEP_RIGHT", args: []types.Value{S("Abc123"), I(2)}, want: S("Xxxn23")},
		{name: "MASK_KEEP_RIGHT", args: []types.Value{S("Abc"), I(-1)}, want: null},
		{name: "REGEXP_EXTRACT_ALL", args: []types.Value{S("test."), S("some_test_string_testabab")}, want: strs("test_", "testa")},
		{name: "REGEXP_EXTRACT_ALL", args: []types.Value{S("test."), S("anothertest")}, want: strs()},
		{name: "REGEXP_EXTRACT_ALL", args: []types.Value{S(`(\w+) (\w*)`), S("apurva mehta agavra "), I(2)}, want: strs("mehta", "")},
		{name: "REGEXP_EXTRACT_ALL", args: []types.Value{S(`(?<=a)b`), S("ab")}, wantErr: "invalid regular expression"},
		{name: "REGEXP_SPLIT_TO_ARRAY", args: []types.Value{S("a1b22c"), S(`\d+`)}, want: strs("a", "b", "c")},
		{name: "SPLIT_TO_MAP", args: []types.Value{S("a=1/b=2/c/a=3"), S("/"), S("=")},
			want: types.Map([]types.Value{S("a"), S("b")}, []types.Value{S("3"), S("2")})},
		{name: "SPLIT_TO_MAP", args: []types.Value{S("a=1"), S(""), S("=")}, want: null},
		{name: "LPAD", args: []types.Value{S("a"), I(1 << 30), S("x")}, wantErr: "pad length"},
	})
}

func TestMoreCollectionFunctions(t *testing.T) {
	mt := types.MapType(tStr, tInt)
	m := func(kv ...any) types.Value {
		var ks, vs []types.Value
		for i := 0; i < len(kv); i += 2 {
			ks = append(ks, S(kv[i].(string)))
			if kv[i+1] == nil {
				vs = append(vs, null)
			} else {
				vs = append(vs, I(int32(kv[i+1].(int))))
			}
		}
		return types.Map(ks, vs)
	}
	runCases(t, []evalCase{
		{name: "MAP_UNION", types: []types.Type{mt, mt}, args: []types.Value{m("foo", 10, "bar", 20), m("foo", 99, "apple", -1)}, want: m("foo", 99, "bar", 20, "apple", -1)},
		{name: "MAP_UNION", types: []types.Type{mt, mt}, args: []types.Value{null, m("foo", nil)}, want: m("foo", nil)},
		{name: "MAP_UNION", types: []types.Type{mt, mt}, args: []types.Value{null, null}, want: null},
		{name: "AS_MAP", types: []types.Type{types.ArrayType(tStr), types.ArrayType(tInt)}, args: []types.Value{strs("a", "b"), arr(I(1), I(2))}, want: m("a", 1, "b", 2)},
	})
}

func BenchmarkResolvedEval(b *testing.B) {
	r := NewRegistry()
	for _, c := range []struct {
		name  string
		types []types.Type
		args  []types.Value
	}{
		{"ABS", []types.Type{tBig}, []types.Value{L(-5)}},
		{"ROUND", []types.Type{tDbl, tInt}, []types.Value{D(1.2345), I(2)}},
		{"SUBSTRING", []types.Type{tStr, tInt, tInt}, []types.Value{S("a streaming engine"), I(3), I(6)}},
		{"COALESCE", []types.Type{tStr, tStr}, []types.Value{null, S("x")}},
		{"UCASE", []types.Type{tStr}, []types.Value{S("mixed Case")}},
	} {
		res, err := r.Resolve(c.name, c.types)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := res.Eval(c.args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	r := NewRegistry()
	args := []types.Type{tStr, tInt, tInt}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve("SUBSTRING", args); err != nil {
			b.Fatal(err)
		}
	}
}

func TestURLFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "URL_ENCODE_PARAM", args: []types.Value{S("?foo $bar")}, want: S("%3Ffoo+%24bar")},
		{name: "URL_ENCODE_PARAM", args: []types.Value{S("hello&world~")}, want: S("hello%26world%7E")},
		{name: "URL_DECODE_PARAM", args: []types.Value{S("%3Ffoo+%24bar")}, want: S("?foo $bar")},
		{name: "URL_DECODE_PARAM", args: []types.Value{S("%zz")}, wantErr: "cannot decode"},
		{name: "URL_EXTRACT_FRAGMENT", args: []types.Value{S("http://www.test.com/?query#fragment")}, want: S("fragment")},
		{name: "URL_EXTRACT_FRAGMENT", args: []types.Value{S("http://www.nofragment.com")}, want: null},
		{name: "URL_EXTRACT_HOST", args: []types.Value{S("http://test@confluent.io:8080")}, want: S("confluent.io")},
		{name: "URL_EXTRACT_PATH", args: []types.Value{S("http://www.test.com?query#fragment")}, want: S("")},
		{name: "URL_EXTRACT_PATH", args: []types.Value{S("http://test@confluent.io:8080/nested/path?query&jobs")}, want: S("/nested/path")},
		{name: "URL_EXTRACT_PORT", args: []types.Value{S("http://test@confluent.io")}, want: null},
		{name: "URL_EXTRACT_PORT", args: []types.Value{S("http://test@confluent.io:8080/p")}, want: I(8080)},
		{name: "URL_EXTRACT_PROTOCOL", args: []types.Value{S("https://confluent.io")}, want: S("https")},
		{name: "URL_EXTRACT_PROTOCOL", args: []types.Value{S("www.confluent.io")}, want: null},
		{name: "URL_EXTRACT_QUERY", args: []types.Value{S("http://www.test.com/path?q1&q2")}, want: S("q1&q2")},
		{name: "URL_EXTRACT_QUERY", args: []types.Value{S("http://test@confluent.io:8080/path")}, want: null},
		{name: "URL_EXTRACT_PARAMETER", args: []types.Value{S("http://www.test.com/?one=a&two=url%20encoded&three"), S("two")}, want: S("url encoded")},
		{name: "URL_EXTRACT_PARAMETER", args: []types.Value{S("http://www.test.com/?one=a&three"), S("three")}, want: null},
		{name: "URL_EXTRACT_PARAMETER", args: []types.Value{S("http://www.test.com/?one=a"), S("four")}, want: null},
		{name: "URL_EXTRACT_HOST", args: []types.Value{S("http://[::1")}, wantErr: "invalid URL"},
	})
}

func TestMiscFunctions(t *testing.T) {
	by := func(b ...byte) types.Value { return types.Bytes(b) }
	runCases(t, []evalCase{
		{name: "INT_FROM_BYTES", args: []types.Value{by(0, 0, 1, 2)}, want: I(258)},
		{name: "INT_FROM_BYTES", args: []types.Value{by(2, 1, 0, 0), S("LITTLE_ENDIAN")}, want: I(258)},
		{name: "INT_FROM_BYTES", args: []types.Value{by(0xff, 0xff, 0xff, 0xfe)}, want: I(-2)},
		{name: "INT_FROM_BYTES", args: []types.Value{by(1, 2)}, wantErr: "must be equal to 4"},
		{name: "INT_FROM_BYTES", args: []types.Value{by(1, 2, 3, 4), S("middle")}, wantErr: "unknown byte order"},
		{name: "BIGINT_FROM_BYTES", args: []types.Value{by(0, 0, 0, 0, 0, 0, 1, 0)}, want: L(256)},
		{name: "DOUBLE_FROM_BYTES", args: []types.Value{by(0x3f, 0xf0, 0, 0, 0, 0, 0, 0)}, want: D(1)},
		{name: "GENERATE_SERIES", args: []types.Value{I(1), I(3)}, want: arr(I(1), I(2), I(3))},
		{name: "GENERATE_SERIES", args: []types.Value{I(3), I(1)}, want: arr(I(3), I(2), I(1))},
		{name: "GENERATE_SERIES", args: []types.Value{L(0), L(10), I(5)}, want: arr(L(0), L(5), L(10))},
		{name: "GENERATE_SERIES", args: []types.Value{I(1), I(3), I(-1)}, wantErr: "wrong sign"},
		{name: "GENERATE_SERIES", args: []types.Value{I(1), I(3), I(0)}, wantErr: "cannot be zero"},
		{name: "GENERATE_SERIES", args: []types.Value{L(0), L(1 << 40)}, wantErr: "more than"},
		{name: "GEO_DISTANCE", args: []types.Value{D(91), D(0), D(0), D(0)}, wantErr: "latitudes"},
		{name: "DATETOSTRING", args: []types.Value{I(17662), S("yyyy-MM-dd")}, want: S("2018-05-11")},
		{name: "STRINGTODATE", args: []types.Value{S("2018-05-11"), S("yyyy-MM-dd")}, want: I(17662)},
	})
}

// TestGeoDistance allows a relative error of 1e-12: Go's and Java's sine
// and arc sine may differ in the last bit.
func TestGeoDistance(t *testing.T) {
	r := NewRegistry()
	for _, c := range []struct {
		args []types.Value
		want float64
	}{
		{[]types.Value{D(37.4439), D(-122.1663), D(51.5257), D(-0.1122)}, 8634.659796579544},
		{[]types.Value{D(37.4439), D(-122.1663), D(51.5257), D(-0.1122), null}, 8634.659796579544},
		{[]types.Value{D(37.4439), D(-122.1663), D(51.5257), D(-0.1122), S("MI")}, 5365.659729188262},
		{[]types.Value{D(51.5257), D(-0.1122), D(-33.9323), D(18.4197)}, 9673.40421197142},
		{[]types.Value{D(-33.9323), D(18.4197), D(-33.8666), D(151.1)}, 11005.23304055582},
		{[]types.Value{D(39.18660374), D(-76.73262144), D(39.18660374), D(-76.73222145)}, 0.03447366811448324},
	} {
		ts := []types.Type{tDbl, tDbl, tDbl, tDbl, tStr}[:len(c.args)]
		res, err := r.Resolve("GEO_DISTANCE", ts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := res.Eval(c.args)
		if err != nil || got.IsNull() || math.Abs(got.Double()-c.want) > 1e-12*c.want {
			t.Errorf("GEO_DISTANCE%v = %v, %v; want %v", c.args, got, err, c.want)
		}
	}
}

func TestJSONFunctions(t *testing.T) {
	obj := S(`{"name": "cdc", "n": 1.23450, "@type": "UDF", "arr": [1, {"x": "y"}], "nil": null}`)
	runCases(t, []evalCase{
		{name: "IS_JSON_STRING", args: []types.Value{S(`[1, 2, 3]`)}, want: types.Bool(true)},
		{name: "IS_JSON_STRING", args: []types.Value{S(`abc`)}, want: types.Bool(false)},
		{name: "IS_JSON_STRING", types: []types.Type{tStr}, args: []types.Value{null}, want: types.Bool(false)},
		{name: "JSON_ARRAY_LENGTH", args: []types.Value{S(`[1, [2], {}]`)}, want: I(3)},
		{name: "JSON_ARRAY_LENGTH", args: []types.Value{S(`{}`)}, want: null},
		{name: "JSON_KEYS", args: []types.Value{S(`{"Red": 3, "Green": 5}`)}, want: strs("Red", "Green")},
		{name: "JSON_KEYS", args: []types.Value{S(`{}`)}, want: strs()},
		{name: "JSON_KEYS", args: []types.Value{S(`[1]`)}, want: null},
		{name: "JSON_RECORDS", args: []types.Value{S(`{"Red": 3, "White": "Seven", "o": {"a" : 1}}`)},
			want: types.Map([]types.Value{S("Red"), S("White"), S("o")}, []types.Value{S("3"), S("Seven"), S(`{"a":1}`)})},
		{name: "JSON_ITEMS", args: []types.Value{S(`[{"type": "A"}, "s", 2]`)}, want: strs(`{"type":"A"}`, `"s"`, "2")},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.name")}, want: S("cdc")},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.n")}, want: S("1.23450")},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$['@type']")}, want: S("UDF")},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.arr[1].x")}, want: S("y")},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.arr[1]")}, want: S(`{"x":"y"}`)},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.arr[-1]")}, want: null},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.arr[2]")}, want: null},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.nil")}, want: null},
		{name: "EXTRACTJSONFIELD", args: []types.Value{obj, S("$.missing")}, want: null},
		{name: "EXTRACTJSONFIELD", args: []types.Value{S("not json"), S("$.a")}, want: null},
	})
}

func TestArrayConcatEntriesBytesPad(t *testing.T) {
	aInt := types.ArrayType(tInt)
	mt := types.MapType(tStr, tInt)
	m := types.Map([]types.Value{S("b"), S("a")}, []types.Value{I(2), I(1)})
	kv := func(k string, v int32) types.Value {
		return types.Struct([]string{"K", "V"}, []types.Value{S(k), I(v)})
	}
	by := func(s string) types.Value { return types.Bytes([]byte(s)) }
	runCases(t, []evalCase{
		{name: "ARRAY_CONCAT", types: []types.Type{aInt, aInt}, args: []types.Value{arr(I(0), I(1)), arr(I(1))}, want: arr(I(0), I(1), I(1))},
		{name: "ARRAY_CONCAT", types: []types.Type{aInt, aInt}, args: []types.Value{null, arr(I(1))}, want: arr(I(1))},
		{name: "ARRAY_CONCAT", types: []types.Type{aInt, aInt}, args: []types.Value{null, null}, want: null},
		{name: "ENTRIES", types: []types.Type{mt, types.BooleanType}, args: []types.Value{m, types.Bool(false)}, want: arr(kv("b", 2), kv("a", 1))},
		{name: "ENTRIES", types: []types.Type{mt, types.BooleanType}, args: []types.Value{m, types.Bool(true)}, want: arr(kv("a", 1), kv("b", 2))},
		{name: "LPAD", args: []types.Value{by("ab"), I(5), by("xy")}, want: by("xyxab")},
		{name: "RPAD", args: []types.Value{by("abcdef"), I(2), by("x")}, want: by("ab")},
	})
	r := NewRegistry()
	res, err := r.Resolve("ENTRIES", []types.Type{mt, types.BooleanType})
	if err != nil || res.Return.String() != "ARRAY<STRUCT<`K` STRING, `V` INTEGER>>" {
		t.Errorf("ENTRIES return = %v, %v", res.Return, err)
	}
	if _, err := r.Resolve("ENTRIES", []types.Type{types.MapType(tInt, tInt), types.BooleanType}); err == nil {
		t.Error("ENTRIES accepted a map with INTEGER keys")
	}
}

func TestToJSONString(t *testing.T) {
	st := types.MustStructType(types.Field{Name: "ID", Type: tInt}, types.Field{Name: "NAME", Type: tStr})
	mt := types.MapType(tStr, types.ArrayType(tInt))
	runCases(t, []evalCase{
		{name: "TO_JSON_STRING", args: []types.Value{I(1)}, want: S("1")},
		{name: "TO_JSON_STRING", types: []types.Type{tInt}, args: []types.Value{null}, want: S("null")},
		{name: "TO_JSON_STRING", args: []types.Value{S("a\"b\\c\n\x01é<")}, want: S(`"a\"b\\c\n\u0001é<"`)},
		{name: "TO_JSON_STRING", args: []types.Value{D(123.456)}, want: S("123.456")},
		{name: "TO_JSON_STRING", args: []types.Value{dec("123.450")}, want: S("123.450")},
		{name: "TO_JSON_STRING", args: []types.Value{types.Bytes([]byte("!"))}, want: S(`"IQ=="`)},
		{name: "TO_JSON_STRING", args: []types.Value{types.Time(60220000)}, want: S(`"16:43:40"`)},
		{name: "TO_JSON_STRING", args: []types.Value{types.Date(1000)}, want: S(`"1972-09-27"`)},
		{name: "TO_JSON_STRING", args: []types.Value{types.Timestamp(60220000000)}, want: S(`"1971-11-28T23:46:40.000"`)},
		{name: "TO_JSON_STRING", types: []types.Type{st}, args: []types.Value{types.Struct(st.FieldNames(), []types.Value{I(1), null})}, want: S(`{"ID":1,"NAME":null}`)},
		{name: "TO_JSON_STRING", types: []types.Type{mt}, args: []types.Value{types.Map([]types.Value{S("id")}, []types.Value{arr(I(1), I(2))})}, want: S(`{"id":[1,2]}`)},
	})
}

func TestDateAddAndJSONArrayFunctions(t *testing.T) {
	dt, tm, ts := types.Date, types.Time, types.Timestamp
	runCases(t, []evalCase{
		{name: "DATEADD", args: []types.Value{S("DAYS"), I(10), dt(10)}, want: dt(20)},
		{name: "DATEADD", args: []types.Value{S("DAYS"), I(-5), dt(2)}, want: dt(-3)},
		{name: "DATEADD", args: []types.Value{S("HOURS"), I(-1), dt(0)}, want: dt(-1)},
		{name: "DATEADD", types: []types.Type{tStr, tInt, types.DateType}, args: []types.Value{S("DAYS"), null, dt(0)}, want: null},
		{name: "DATEADD", args: []types.Value{S("WEEKS"), I(1), dt(0)}, wantErr: "unknown interval unit"},
		{name: "DATESUB", args: []types.Value{S("DAYS"), I(10), dt(5)}, want: dt(-5)},
		{name: "TIMEADD", args: []types.Value{S("MILLISECONDS"), I(10), tm(86399995)}, want: tm(5)},
		{name: "TIMEADD", args: []types.Value{S("MILLISECONDS"), I(-5), tm(2)}, want: tm(86399997)},
		{name: "TIMESUB", args: []types.Value{S("HOURS"), I(1), tm(0)}, want: tm(23 * 3600 * 1000)},
		{name: "TIMESTAMPADD", args: []types.Value{S("MILLISECONDS"), I(-5), ts(2)}, want: ts(-3)},
		{name: "TIMESTAMPSUB", args: []types.Value{S("seconds"), L(2), ts(5000)}, want: ts(3000)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`["Pink", "Yellow"]`), S("Pink")}, want: types.Bool(true)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`["Red"]`), S("Pink")}, want: types.Bool(false)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`[1, 2.5]`), D(2.5)}, want: types.Bool(true)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`[1, "2"]`), I(2)}, want: types.Bool(false)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`[true]`), types.Bool(true)}, want: types.Bool(true)},
		{name: "JSON_ARRAY_CONTAINS", types: []types.Type{tStr, tStr}, args: []types.Value{S(`["a", null]`), null}, want: types.Bool(true)},
		{name: "JSON_ARRAY_CONTAINS", args: []types.Value{S(`{"a": 1}`), I(1)}, want: types.Bool(false)},
		{name: "JSON_CONCAT", args: []types.Value{S(`{"a": 1}`), S(`{"b": 2}`)}, want: S(`{"a":1,"b":2}`)},
		{name: "JSON_CONCAT", args: []types.Value{S(`{"a": {"5": 6}}`), S(`{"a": {"3": 4}}`)}, want: S(`{"a":{"3":4}}`)},
		{name: "JSON_CONCAT", args: []types.Value{S(`[1, 2]`), S(`[3, 4]`), S(`5`)}, want: S(`[1,2,3,4,5]`)},
		{name: "JSON_CONCAT", args: []types.Value{S(`{}`), S(`{}`)}, want: S(`{}`)},
		{name: "JSON_CONCAT", args: []types.Value{S(`{`), S(`{}`)}, want: null},
		{name: "JSON_CONCAT", types: []types.Type{tStr, tStr}, args: []types.Value{null, S(`{}`)}, want: null},
	})
	d, _ := NewRegistry().Describe("DATEADD")
	if d.Signatures[0] != "DATEADD(unit INTERVALUNIT, interval INTEGER, date DATE) => DATE" {
		t.Errorf("DATEADD signature = %q", d.Signatures[0])
	}
}
