package serde

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendUnquoted(t *testing.T) {
	cases := []struct{ in, want string }{
		{`""`, ""},
		{`"abc"`, "abc"},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{`"\u00e9\u20ac"`, "é€"},
		{`"\ud83d\ude00!"`, "😀!"},
		{`"\ud83dx"`, "\ufffdx"},
		{`"\ude00\u0041"`, "\ufffdA"},
		{`"\ud83d\u0041"`, "\ufffdA"},
		{`"héllo"`, "héllo"},
	}
	for _, tc := range cases {
		got, err := AppendUnquoted([]byte("pre:"), []byte(tc.in))
		if err != nil || string(got) != "pre:"+tc.want {
			t.Errorf("AppendUnquoted(%s) = %q, %v; want %q", tc.in, got, err, "pre:"+tc.want)
		}
		var ref string
		if err := json.Unmarshal([]byte(tc.in), &ref); err != nil || ref != tc.want {
			t.Errorf("encoding/json decodes %s as %q (%v), the table says %q", tc.in, ref, err, tc.want)
		}
	}
	for _, bad := range []string{``, `"`, `abc`, `"\"`, `"\q"`, `"\u12"`} {
		if got, err := AppendUnquoted(nil, []byte(bad)); err == nil {
			t.Errorf("AppendUnquoted(%s) = %q, want an error", bad, got)
		}
	}
}

func TestAppendQuoted(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"a\nb\rc\td\x01", `"a\nb\rc\td\u0001"`},
		{"é😀", `"é😀"`},
		{"bad\xffbyte", `"bad\ufffdbyte"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
	}
	for _, tc := range cases {
		if got := string(AppendQuoted(nil, tc.in)); got != tc.want {
			t.Errorf("AppendQuoted(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func FuzzQuoteRoundTrip(f *testing.F) {
	f.Add("hello \"world\"\n")
	f.Add("\x00\x1f\u2028é😀")
	f.Fuzz(func(t *testing.T, s string) {
		q := AppendQuoted(nil, s)
		if err := ValidJSON(q); err != nil {
			t.Fatalf("AppendQuoted(%q) = %s is not valid JSON: %v", s, q, err)
		}
		got, err := AppendUnquoted(nil, q)
		if err != nil {
			t.Fatalf("AppendUnquoted(%s): %v", q, err)
		}
		if utf8.ValidString(s) && string(got) != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
		var ref string
		if err := json.Unmarshal(q, &ref); err != nil || ref != string(got) {
			t.Fatalf("encoding/json decodes %s as %q (%v), AppendUnquoted as %q", q, ref, err, got)
		}
	})
}
