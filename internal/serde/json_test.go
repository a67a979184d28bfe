package serde

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// event is a typical ingested event object of about 260 bytes.
const event = `{"event_id":"8f14e45f-ceea-467f-a0e6-7d1c8a2b3c4d","ts":1700000000123,"user_id":"u_0042137",` +
	`"session_id":"s_9b2f1c77","type":"page_view","url":"https://shop.example.com/products/1234?ref=home",` +
	`"country":"DE","device":"mobile","price":19.99,"qty":2,"tags":["new","sale"],"consent":true,"ref":null}`

var validInputs = []string{
	`0`, `-0`, `1`, `-1`, `123456789`, `1.5`, `-0.25e+10`, `1E5`, `1e-5`, `0.0`,
	`""`, `"a"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"\ud800"`, `"héllo wörld ✓ 😀"`,
	`"0123456789abcdef0123456789abcdef"`, `"long string with \"escape\" past the eighth byte"`,
	`true`, `false`, `null`,
	`[]`, `{}`, `[ ]`, `{ }`, `[1,2,3]`, `{"a":1}`, `{"a":{"b":[true,false,null]}}`,
	" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : \"c\" } \n",
	`[[[[[[[[[[]]]]]]]]]]`, `[{},[],"",0]`,
	event,
}

var invalidInputs = []struct {
	in     string
	offset int
	msg    string // substring of the message
}{
	{``, 0, "unexpected end of input"},
	{`   `, 3, "unexpected end of input"},
	{`{`, 1, "expecting a string as object member name"},
	{`[`, 1, "unexpected end of input, expecting a value"},
	{`[1,]`, 3, "unexpected character ']', expecting a value"},
	{`{"a":1,}`, 7, "expecting a string as object member name"},
	{`{"a" 1}`, 5, "expecting ':'"},
	{`{"a":1 "b":2}`, 7, "expecting ',' or '}'"},
	{`[1 2]`, 3, "expecting ',' or ']'"},
	{`{1:2}`, 1, "expecting a string as object member name"},
	{`"abc`, 0, "string not terminated"},
	{`"abcdefghijklmnop`, 0, "string not terminated"},
	{"\"a\tb\"", 2, "unescaped control character U+0009"},
	{`"\x"`, 2, `invalid escape \x`},
	{`"\u12G4"`, 5, `in \u escape`},
	{`"\u12"`, 5, `in \u escape`},
	{"\"\xff\"", 1, "invalid UTF-8 byte 0xff"},
	{"\"abcdefgh\xc3\x28\"", 9, "invalid UTF-8"},
	{`01`, 1, "after the JSON value"},
	{`-`, 1, "expecting a digit"},
	{`-a`, 1, "expecting a digit"},
	{`1.`, 2, "after a decimal point"},
	{`1.e5`, 2, "after a decimal point"},
	{`1e`, 2, "in an exponent"},
	{`1e+`, 3, "in an exponent"},
	{`+1`, 0, "invalid character '+'"},
	{`.5`, 0, "invalid character '.'"},
	{`tru`, 3, "in literal true"},
	{`nul1`, 3, "in literal null"},
	{`falsy`, 4, "in literal false"},
	{`True`, 0, "invalid character 'T'"},
	{`{} {}`, 3, "after the JSON value"},
	{`1 2`, 2, "after the JSON value"},
	{`]`, 0, "unexpected character ']'"},
	{"\x00", 0, "control character U+0000"},
	{"[1]\x00", 3, "after the JSON value"},
	{`[NaN]`, 1, "invalid character 'N'"},
	{`{"a":1}}`, 7, "after the JSON value"},
	{"\xef\xbb\xbf{}", 0, "expecting a value"}, // a byte order mark is not JSON
}

func TestValidJSONAccepts(t *testing.T) {
	for _, in := range validInputs {
		if err := ValidJSON([]byte(in)); err != nil {
			t.Errorf("ValidJSON(%q) = %v, want nil", in, err)
		}
		if !json.Valid([]byte(in)) {
			t.Errorf("test input %q is not valid for encoding/json either", in)
		}
	}
}

func TestValidJSONRejects(t *testing.T) {
	for _, tc := range invalidInputs {
		err := ValidJSON([]byte(tc.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ValidJSON(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("ValidJSON(%q) = %q (offset %d), want offset %d and a message containing %q", tc.in, se.Error(), se.Offset, tc.offset, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "offset ") {
			t.Errorf("error %q does not start with the offset", err)
		}
		if json.Valid([]byte(tc.in)) && utf8.ValidString(tc.in) {
			t.Errorf("test input %q is valid for encoding/json", tc.in)
		}
	}
}

func TestValidJSONDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if err := ValidJSON([]byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	deep := strings.Repeat(`{"a":`, MaxDepth) + "[" + "]" + strings.Repeat("}", MaxDepth)
	err := ValidJSON([]byte(deep))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 5*MaxDepth || !strings.Contains(se.Msg, "nesting deeper than 1000") {
		t.Fatalf("depth %d: got %v, want a nesting error at offset %d", MaxDepth+1, err, 5*MaxDepth)
	}
}

func TestScanValue(t *testing.T) {
	b := []byte(`  {"a":[1,2]} , "next"`)
	end, err := ScanValue(b, 0)
	if err != nil || end != 13 {
		t.Fatalf("ScanValue = %d, %v; want 13", end, err)
	}
	end, err = ScanValue(b, SkipSpace(b, end)+1)
	if err != nil || end != len(b) {
		t.Fatalf("second ScanValue = %d, %v; want %d", end, err, len(b))
	}
}

// isDepthError tells the fuzz test to skip inputs that only our depth
// limit rejects (encoding/json allows deeper nesting).
func isDepthError(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se) && strings.HasPrefix(se.Msg, "nesting deeper")
}

func FuzzValidJSON(f *testing.F) {
	for _, in := range validInputs {
		f.Add([]byte(in))
	}
	for _, tc := range invalidInputs {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"a":"\ud83d\ude00","b":[1e10,-0.5E-3]}`))
	f.Add([]byte(`"\u0000\u001f"`))
	f.Add([]byte("[\"\x7f\"]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := ValidJSON(b)
		if isDepthError(err) {
			return
		}
		// RFC 8259 requires UTF-8; encoding/json accepts (and replaces)
		// invalid bytes, so the reference is both checks together.
		want := json.Valid(b) && utf8.Valid(b)
		if (err == nil) != want {
			t.Fatalf("ValidJSON(%q) = %v, encoding/json says valid=%v", b, err, want)
		}
		var se *SyntaxError
		if err != nil && (!errors.As(err, &se) || se.Offset < 0 || se.Offset > len(b)) {
			t.Fatalf("ValidJSON(%q) = %#v: want a *SyntaxError with an offset in [0, %d]", b, err, len(b))
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	run := func(b *testing.B, in []byte) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			if err := ValidJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("event", func(b *testing.B) { run(b, []byte(event)) })
	b.Run("numbers", func(b *testing.B) {
		run(b, []byte("["+strings.Repeat("1700000000123,-0.25e3,42,", 40)+"0]"))
	})
	b.Run("text", func(b *testing.B) {
		run(b, []byte(`{"text":"`+strings.Repeat(`Grüße aus Köln, \"quoted\" and plain ASCII text. `, 20)+`"}`))
	})
}

func BenchmarkEncodingJSONValid(b *testing.B) {
	in := []byte(event)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(in) {
			b.Fatal("invalid")
		}
	}
}

func TestEventIsTypical(t *testing.T) {
	if n := len(event); n < 240 || n > 300 {
		t.Fatalf("benchmark event is %d bytes, want about 260", n)
	}
	if !bytes.HasPrefix([]byte(event), []byte("{")) || ValidJSON([]byte(event)) != nil {
		t.Fatal("benchmark event is not a valid object")
	}
}
