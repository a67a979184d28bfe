package serde

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/gen"
	"github.com/sluicedata/sluice/internal/types"
)

func FuzzJSONFormatDecode(f *testing.F) {
	for _, s := range []string{
		`{"B": true, "I": 1, "L": -2, "D": 1.5, "DEC": 1.25, "S": "x", "BY": "AQI=", "TS": 5, "DT": 6, "TM": 7, "ARR": [1.0, null], "M": {"a": 1}, "ST": {"x": 1, "label": "p"}}`,
		`{"b": "false", "i": "3", "dec": "9.999", "s": {"n": [1, 2e3]}, "d": "NaN", "m": {}}`,
		`[1, {"X": 2}, null]`,
		`{"ST": {"X": "1"}, "ARR": []}`,
		`null`,
		`"\ud800x"`,
		`{"S": "\u00e9\"\\"}`,
	} {
		f.Add([]byte(s))
	}
	arrOfStruct := []types.Column{col("V", types.ArrayType(pointTyp))}
	formats := []Format{
		mustFormat(f, "JSON", allTypesCols, Options{}),
		mustFormat(f, "JSON", arrOfStruct, Options{WrapSingle: ptr(false)}),
		mustFormat(f, "JSON", []types.Column{keyCol("K", types.StringType)}, Options{}),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		invalid := ValidJSON(data) != nil
		for _, fm := range formats {
			vals, err := fm.Decode(nil, data)
			// Decoding validates as it goes: exactly the invalid texts fail
			// as such, whatever their columns.
			if invalid != (err != nil && strings.Contains(err.Error(), "invalid JSON")) {
				t.Fatalf("decode(%q) = %v; ValidJSON says invalid: %v", data, err, invalid)
			}
			if err != nil {
				continue
			}
			b1, err := fm.Encode(nil, vals)
			if err != nil {
				t.Fatalf("Encode(%v) of decoded %q: %v", vals, data, err)
			}
			again, err := fm.Decode(nil, b1)
			if err != nil || !sameRow(again, vals) {
				t.Fatalf("decode(%q) = %v; encoded %s; decoded again %v, %v", data, vals, b1, again, err)
			}
			b2, err := fm.Encode(nil, again)
			if err != nil || !bytes.Equal(b1, b2) {
				t.Fatalf("encoding is not stable: %s then %s (%v)", b1, b2, err)
			}
		}
	})
}

// s2Columns are the columns of a stream over the S2 tracking events,
// named in upper case as ksqlDB declares them, so that decoding matches
// member names ignoring case.
var s2Columns = []types.Column{
	col("EVENT_ID", types.StringType),
	col("TYPE", types.StringType),
	col("AD_ID", types.BigIntType),
	col("WEBSITE_ID", types.IntegerType),
	col("USER_ID", types.StringType),
	col("SESSION_ID", types.StringType),
	col("EVENT_TIME", types.TimestampType),
	col("IP", types.StringType),
	col("UA", types.StringType),
	col("URL", types.StringType),
}

func s2Event(tb testing.TB) []byte {
	g, err := gen.New("s2", gen.Config{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	var e gen.Event
	g.Next(&e)
	return bytes.Clone(e.Value)
}

func TestJSONDecodeS2Event(t *testing.T) {
	ev := s2Event(t)
	if n := len(ev); n < 240 || n > 320 {
		t.Fatalf("S2 event is %d bytes, want about 280: %s", n, ev)
	}
	f := mustFormat(t, "JSON", s2Columns, Options{})
	vals, err := f.Decode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if v.IsNull() || v.Kind() != s2Columns[i].Type.Kind() {
			t.Errorf("column %s = %v (%s), want a %s", s2Columns[i].Name, v, v.Kind(), s2Columns[i].Type)
		}
	}
	// Re-encoding keeps every member, with the columns' names.
	b, err := f.Encode(nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.Decode(nil, b)
	if err != nil || !sameRow(again, vals) {
		t.Fatalf("round trip through %s = %v, %v", b, again, err)
	}
}

func BenchmarkJSONDecodeS2(b *testing.B) {
	ev := s2Event(b)
	f := mustFormat(b, "JSON", s2Columns, Options{})
	dst := make([]types.Value, 0, len(s2Columns))
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = f.Decode(dst[:0], ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkJSONEncodeS2(b *testing.B) {
	ev := s2Event(b)
	f := mustFormat(b, "JSON", s2Columns, Options{})
	vals, err := f.Decode(nil, ev)
	if err != nil {
		b.Fatal(err)
	}
	var out []byte
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for b.Loop() {
		if out, err = f.Encode(out[:0], vals); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
