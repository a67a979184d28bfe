package qttrun

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func kafkaSide(t types.Type) side {
	return side{format: "KAFKA", cols: []types.Column{{Name: "C", Type: t}}}
}

func TestEncodeSpec(t *testing.T) {
	jsonSide := side{format: "JSON", cols: []types.Column{{Name: "A", Type: types.StringType}}}
	tests := []struct {
		name string
		side side
		spec string // JSON of the spec value
		want []byte
	}{
		{"json object keeps number literals", jsonSide, `{"A": 1.50, "B": [1, 2E3]}`, []byte(`{"A":1.50,"B":[1,2E3]}`)},
		{"json string is quoted", jsonSide, `"a<b"`, []byte(`"a<b"`)},
		{"json number", jsonSide, `10`, []byte(`10`)},
		{"json null is a null record", jsonSide, `null`, nil},
		{"delimited raw string", side{format: "DELIMITED"}, `"1,foo,2.5"`, []byte("1,foo,2.5")},
		{"kafka int", kafkaSide(types.IntegerType), `258`, []byte{0, 0, 1, 2}},
		{"kafka negative int", kafkaSide(types.IntegerType), `-1`, []byte{0xff, 0xff, 0xff, 0xff}},
		{"kafka bigint", kafkaSide(types.BigIntType), `1`, []byte{0, 0, 0, 0, 0, 0, 0, 1}},
		{"kafka double", kafkaSide(types.DoubleType), `1.5`, []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{"kafka string", kafkaSide(types.StringType), `"héllo"`, []byte("héllo")},
		{"kafka bytes are the UTF-8 of the spec", kafkaSide(types.BytesType), `"aGk="`, []byte("aGk=")},
		{"kafka without columns writes text", side{format: "KAFKA"}, `"k"`, []byte("k")},
		{"kafka null", kafkaSide(types.IntegerType), `null`, nil},
		{"none writes nothing", side{format: "NONE"}, `"x"`, nil},
		{"no source: string as text", side{}, `"plain"`, []byte("plain")},
		{"no source: object as JSON", side{}, `{"A": 1}`, []byte(`{"A":1}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeSpec(tt.side, expected(t, tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("encodeSpec(%s) = %q, want %q", tt.spec, got, tt.want)
			}
		})
	}
}

func TestEncodeSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		side side
		spec string
		want string
	}{
		{"int from string", kafkaSide(types.IntegerType), `"1"`, "not a number"},
		{"int out of range", kafkaSide(types.IntegerType), `2147483648`, "out of range"},
		{"bigint from decimal", kafkaSide(types.BigIntType), `1.5`, "BIGINT"},
		{"unsupported type", kafkaSide(types.BooleanType), `true`, "cannot hold"},
		{"registry format", side{format: "AVRO"}, `{"A": 1}`, "AVRO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := encodeSpec(tt.side, expected(t, tt.spec))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestKafkaDoubleSpecials(t *testing.T) {
	b, err := encodeSpec(kafkaSide(types.DoubleType), "NaN")
	if err != nil || !math.IsNaN(math.Float64frombits(binary.BigEndian.Uint64(b))) {
		t.Fatalf("NaN spec = %x, %v", b, err)
	}
	v, err := decodeSide(kafkaSide(types.DoubleType), b, true)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := v.(javaDouble); !ok || !math.IsNaN(float64(f)) {
		t.Fatalf("NaN decodes to %#v, want a NaN double", v)
	}
}

func TestDecodeSide(t *testing.T) {
	tests := []struct {
		name string
		side side
		data []byte
		want string // formatActual of the result
	}{
		{"json object", side{format: "JSON"}, []byte(`{"B":1,"A":2.50}`), `{"B": 1, "A": 2.50}`},
		{"json bare string", side{format: "JSON"}, []byte(`"k"`), `"k"`},
		{"delimited raw", side{format: "DELIMITED"}, []byte("1,a"), `"1,a"`},
		{"kafka int", kafkaSide(types.IntegerType), []byte{0, 0, 1, 2}, `258`},
		{"kafka bigint small is an int", kafkaSide(types.BigIntType), []byte{0, 0, 0, 0, 0, 0, 0, 7}, `7`},
		{"kafka bigint large", kafkaSide(types.BigIntType), []byte{0, 0, 0, 1, 0, 0, 0, 0}, `4294967296`},
		{"kafka double as BigDecimal.valueOf", kafkaSide(types.DoubleType), []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, `1.0`},
		{"kafka string", kafkaSide(types.StringType), []byte("s"), `"s"`},
		{"kafka bytes as text", kafkaSide(types.BytesType), []byte("hi"), `"hi"`},
		{"kafka no columns", side{format: "KAFKA"}, []byte("x"), `"x"`},
		{"none", side{format: "NONE"}, []byte("x"), `null`},
		{"null record", side{format: "JSON"}, nil, `null`},
		{"no source, JSON", side{}, []byte(`{"A":1}`), `{"A": 1}`},
		{"no source, text", side{}, []byte(`not json`), `"not json"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeSide(tt.side, tt.data, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := formatActual(v); got != tt.want {
				t.Fatalf("decodeSide = %s, want %s", got, tt.want)
			}
		})
	}
	// Java's BigDecimal.valueOf(1.0) has scale 1, so an expected 1.0
	// matches and an expected 1 does not.
	v, _ := decodeSide(kafkaSide(types.DoubleType), []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, true)
	if d := compareValue("value", v, expected(t, `1.0`)); d != "" {
		t.Fatalf("1.0 vs KAFKA double 1: %s", d)
	}
	if d := compareValue("value", v, expected(t, `1`)); d == "" {
		t.Fatal("1 matched KAFKA double 1, whose BigDecimal has scale 1")
	}
	for _, bad := range []struct {
		side side
		data []byte
	}{
		{kafkaSide(types.IntegerType), []byte{1, 2}},
		{kafkaSide(types.BigIntType), []byte{1, 2, 3, 4}},
		{side{format: "JSON"}, []byte(`{"A":`)},
	} {
		if _, err := decodeSide(bad.side, bad.data, true); err == nil {
			t.Errorf("decodeSide(%s, %x) accepted bad bytes", bad.side.format, bad.data)
		}
	}
}

func TestRoundTripKafka(t *testing.T) {
	for _, c := range []struct {
		typ  types.Type
		spec string
	}{
		{types.IntegerType, `-7`},
		{types.BigIntType, `-5000000000`},
		{types.DoubleType, `0.1`},
		{types.StringType, `"x y"`},
	} {
		s := kafkaSide(c.typ)
		b, err := encodeSpec(s, expected(t, c.spec))
		if err != nil {
			t.Fatal(err)
		}
		v, err := decodeSide(s, b, true)
		if err != nil {
			t.Fatal(err)
		}
		if d := compareValue("value", v, expected(t, c.spec)); d != "" {
			t.Errorf("%s %s does not round-trip: %s", c.typ, c.spec, d)
		}
	}
}
