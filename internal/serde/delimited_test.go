package serde

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestDelimitedTypes(t *testing.T) {
	tests := []struct {
		typ  types.Type
		text string // as written
		want types.Value
		in   []string // other spellings read as want
	}{
		{types.BooleanType, "true", types.Bool(true), []string{"TRUE", `"true"`}},
		{types.BooleanType, "false", types.Bool(false), []string{"False", "yes", "0"}}, // Java's Boolean.parseBoolean
		{types.IntegerType, "-42", types.Int(-42), []string{"-042", `"-42"`, `"-42"  `}},
		{types.BigIntType, "9223372036854775807", types.BigInt(math.MaxInt64), nil},
		{types.DoubleType, "1.5", types.Double(1.5), []string{"15e-1"}},
		{types.DoubleType, "1.0E7", types.Double(1e7), []string{"10000000"}},
		{types.DoubleType, "NaN", types.Double(math.NaN()), nil},
		{types.DoubleType, "Infinity", types.Double(math.Inf(1)), []string{"1e400", " +Infinity "}},
		{types.DoubleType, "0.25", types.Double(0.25), []string{"0.25d", "25e-2F", "0x1p-2", " .25"}},
		{dec52, "1.50", d("1.50"), []string{"1.5", `"1.50"`, "1.500"}},
		{types.StringType, "hello world", types.Str("hello world"), nil},
		{types.StringType, `"a,b"`, types.Str("a,b"), nil},
		{types.StringType, `"say ""hi"""`, types.Str(`say "hi"`), nil},
		{types.StringType, "\"two\nlines\"", types.Str("two\nlines"), nil},
		{types.StringType, `""`, types.Null(), nil}, // an empty STRING reads back as NULL, as in ksqlDB
		{types.BytesType, "AQID/w==", types.Bytes([]byte{1, 2, 3, 255}), []string{"AQID/w"}},
		{types.TimestampType, "1704067199904", types.Timestamp(1704067199904), nil},
		{types.DateType, "19000", types.Date(19000), nil},
		{types.TimeType, "3723004", types.Time(3723004), nil},
		{types.IntegerType, "", types.Null(), []string{`""`}},
	}
	for _, tc := range tests {
		f := mustFormat(t, "DELIMITED", []types.Column{col("A", types.IntegerType), col("C", tc.typ)}, Options{})
		for _, in := range append([]string{tc.text}, tc.in...) {
			rec := "7," + in
			got, err := f.Decode(nil, []byte(rec))
			if err != nil || !sameRow(got, []types.Value{types.Int(7), tc.want}) {
				t.Errorf("%s: Decode(%q) = %v, %v; want [7, %v]", tc.typ, rec, got, err, tc.want)
			}
		}
		v, text := tc.want, tc.text
		if tc.typ.Kind() == types.KindString && tc.text == `""` {
			// Only an empty first field is quoted.
			v, text = types.Str(""), ""
		}
		b, err := f.Encode(nil, []types.Value{types.Int(7), v})
		if want := "7," + text; err != nil || string(b) != want {
			t.Errorf("%s: Encode(%v) = %q, %v; want %q", tc.typ, v, b, err, want)
		}
	}
}

func TestDelimitedRecords(t *testing.T) {
	cols := []types.Column{col("A", types.IntegerType), col("B", types.StringType), col("C", types.DoubleType)}
	f := mustFormat(t, "DELIMITED", cols, Options{})
	tests := []struct {
		in   string
		want []types.Value
	}{
		{"1,x,2.5", []types.Value{types.Int(1), types.Str("x"), types.Double(2.5)}},
		{"1,x,2.5\n", []types.Value{types.Int(1), types.Str("x"), types.Double(2.5)}},
		{"1,x,2.5\r\n", []types.Value{types.Int(1), types.Str("x"), types.Double(2.5)}},
		{",,", []types.Value{types.Null(), types.Null(), types.Null()}},
		{`,"",`, []types.Value{types.Null(), types.Null(), types.Null()}},
		{` 1,x,2`, nil}, // spaces are part of the field: not an INTEGER
		// As in Commons CSV: a quote inside an unquoted field is a
		// character, spaces may follow a closing quote, empty lines before
		// the record are skipped and records after the first are ignored.
		{`1,x"y,2`, []types.Value{types.Int(1), types.Str(`x"y`), types.Double(2)}},
		{"1,\"x\" \t,2", []types.Value{types.Int(1), types.Str("x"), types.Double(2)}},
		{"\n\r\n1,x,2\n3,y,4\n", []types.Value{types.Int(1), types.Str("x"), types.Double(2)}},
		{"1,x,2\r3", []types.Value{types.Int(1), types.Str("x"), types.Double(2)}},
		{`1,"a""b""",2`, []types.Value{types.Int(1), types.Str(`a"b"`), types.Double(2)}},
	}
	for _, tc := range tests {
		got, err := f.Decode(nil, []byte(tc.in))
		if tc.want == nil {
			if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "column `A`: cannot convert \" 1\" to INTEGER") {
				t.Errorf("Decode(%q) = %v, %v; want a conversion error", tc.in, got, err)
			}
			continue
		}
		if err != nil || !sameRow(got, tc.want) {
			t.Errorf("Decode(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if got, err := f.Decode(nil, nil); err != nil || !sameRow(got, []types.Value{types.Null(), types.Null(), types.Null()}) {
		t.Errorf("Decode(nil) = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		"1,x":          "Column count mismatch on deserialization. expected: 3, got: 2",
		"1,x,2,3":      "expected: 3, got: 4",
		"":             "No fields in record",
		"\n\r\n":       "No fields in record",
		`1,"x,2`:       "EOF reached before encapsulated token finished",
		`1,"x"y,2`:     "invalid char between encapsulated token and delimiter",
		"1,x,2\n\"3,y": "EOF reached before encapsulated token finished", // later records must parse
		"1,x,abc":      "column `C`: cannot convert \"abc\" to DOUBLE",
		"1.0,x,2":      "column `A`: cannot convert \"1.0\" to INTEGER",
	} {
		dst := []types.Value{types.Int(0)}
		got, err := f.Decode(dst, []byte(in))
		if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), want) || len(got) != 1 {
			t.Errorf("Decode(%q) = %v, %v; want ErrDecode with %q and dst unchanged", in, got, err, want)
		}
	}
	g := mustFormat(t, "DELIMITED", []types.Column{col("A", dec52)}, Options{})
	// Decimals are never rounded on the way in, as ksqlDB's ensureFit.
	if _, err := g.Decode(nil, []byte("1.499")); !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "Cannot fit decimal '1.499' into DECIMAL(5, 2) without rounding. (Requires 4,3)") {
		t.Errorf("Decode(1.499) = %v", err)
	}
	if _, err := g.Decode(nil, []byte("1000")); !errors.Is(err, types.ErrDecimalOverflow) || !errors.Is(err, ErrDecode) {
		t.Errorf("Decode(decimal overflow) = %v", err)
	}
}

func TestDelimitedDelimiterAndRoundTrip(t *testing.T) {
	var cols []types.Column
	for _, c := range allTypesCols {
		switch c.Type.Kind() {
		case types.KindArray, types.KindMap, types.KindStruct:
			continue
		}
		cols = append(cols, c)
	}
	row := []types.Value{
		types.Bool(true), types.Int(-1), types.BigInt(math.MinInt64), types.Double(0.1), d("-0.05"),
		types.Str("with\ttab, comma | bar \"q\"\r\n"), types.Bytes([]byte{9, 8}), types.Timestamp(5), types.Date(6), types.Time(7),
	}
	for _, delim := range []byte{',', '\t', '|', ' ', ';'} {
		f := mustFormat(t, "DELIMITED", cols, Options{Delimiter: delim})
		for _, r := range [][]types.Value{row, make([]types.Value, len(cols))} {
			b, err := f.Encode(nil, r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Decode(nil, b)
			if err != nil || !sameRow(got, r) {
				t.Errorf("delimiter %q: round trip of %v through %q = %v, %v", delim, r, b, got, err)
			}
		}
	}
	f := mustFormat(t, "DELIMITED", cols[:2], Options{Delimiter: '\t'})
	b, _ := f.Encode(nil, []types.Value{types.Bool(false), types.Int(3)})
	if string(b) != "false\t3" {
		t.Errorf("tab-delimited Encode = %q", b)
	}
	if _, err := f.Encode(nil, []types.Value{types.Int(3)}); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode(short row) = %v", err)
	}
	none := mustFormat(t, "DELIMITED", nil, Options{})
	if got, err := none.Decode(nil, []byte{}); err != nil || len(got) != 0 {
		t.Errorf("no columns: Decode(empty) = %v, %v", got, err)
	}
	if b, err := none.Encode(nil, nil); err != nil || b != nil {
		t.Errorf("no columns: Encode = %q, %v", b, err)
	}
}

func FuzzDelimitedDecode(f *testing.F) {
	for _, s := range []string{"1,x,2.5,true", `,"a,""b""",-0.0,FALSE`, "\"\n\",,,", "1,,,\r\n"} {
		f.Add([]byte(s))
	}
	cols := []types.Column{col("A", types.IntegerType), col("B", types.StringType), col("C", types.DoubleType), col("D", types.BooleanType)}
	fm := mustFormat(f, "DELIMITED", cols, Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, err := fm.Decode(nil, data)
		if err != nil {
			return
		}
		b1, err := fm.Encode(nil, vals)
		if err != nil {
			t.Fatalf("Encode(%v): %v", vals, err)
		}
		again, err := fm.Decode(nil, b1)
		if err != nil || !sameRow(again, vals) {
			t.Fatalf("decode(%q) = %v; encoded %q; decoded again %v, %v", data, vals, b1, again, err)
		}
	})
}

func TestDelimitedQuoting(t *testing.T) {
	str := func(s string) types.Value { return types.Str(s) }
	tests := []struct {
		delim byte
		row   []types.Value
		want  string
	}{
		{',', []types.Value{str("!"), str("IQ=="), str("!")}, `"!",IQ==,"!"`},
		{',', []types.Value{str("-12345.12"), str("-5"), str("a")}, `"-12345.12",-5,a`}, // first field: letters and digits only
		{',', []types.Value{str("é"), str("é")}, `"é",é`},
		{',', []types.Value{str("#"), str("$"), str("#x")}, `"#",$,"#x"`}, // up to '#' at the start
		{',', []types.Value{str("a "), str("b\t"), str(" c")}, `"a ","b` + "\t" + `"," c"`},
		{',', []types.Value{str(""), str(""), types.Null()}, `"",,`},
		{',', []types.Value{types.Null(), str("x")}, `,x`}, // NULL is never quoted
		{',', []types.Value{types.Null(), types.Null()}, `,`},
		{',', []types.Value{str(`a"b`), str("a,b"), str("a\nb"), str("a\rb")}, `"a""b","a,b","a` + "\n" + `b","a` + "\r" + `b"`},
		{'|', []types.Value{str("a,b"), str("a|b")}, `a,b|"a|b"`},
		{',', []types.Value{types.Int(-3), types.Double(-0.5), types.Bytes([]byte{0xfb, 0xff})}, `"-3",-0.5,+/8=`},
		{',', []types.Value{types.Bytes([]byte{0xfb, 0xff}), types.Bool(true)}, `"+/8=",true`},
	}
	for _, tc := range tests {
		cols := make([]types.Column, len(tc.row))
		for i, v := range tc.row {
			typ := types.StringType
			switch v.Kind() {
			case types.KindInt:
				typ = types.IntegerType
			case types.KindDouble:
				typ = types.DoubleType
			case types.KindBytes:
				typ = types.BytesType
			case types.KindBoolean:
				typ = types.BooleanType
			}
			cols[i] = col(string(rune('A'+i)), typ)
		}
		f := mustFormat(t, "DELIMITED", cols, Options{Delimiter: tc.delim})
		b, err := f.Encode([]byte("prefix:"), tc.row)
		if err != nil || string(b) != "prefix:"+tc.want {
			t.Errorf("Encode(%v) = %q, %v; want %q", tc.row, b, err, tc.want)
			continue
		}
		// What is written reads back, an empty STRING as NULL.
		got, err := f.Decode(nil, b[len("prefix:"):])
		want := append([]types.Value(nil), tc.row...)
		for i, v := range want {
			if v.Kind() == types.KindString && v.Str() == "" {
				want[i] = types.Null()
			}
		}
		if err != nil || !sameRow(got, want) {
			t.Errorf("Decode(%q) = %v, %v; want %v", b, got, err, want)
		}
	}
}

func TestDelimitedQuotedFieldsOwnMemory(t *testing.T) {
	f := mustFormat(t, "DELIMITED", []types.Column{col("A", types.StringType), col("B", types.StringType)}, Options{})
	got, err := f.Decode(nil, []byte(`"a""1","b""2"`))
	if err != nil || !sameRow(got, []types.Value{types.Str(`a"1`), types.Str(`b"2`)}) {
		t.Errorf("Decode = %v, %v", got, err)
	}
}
