package serde

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestTopLevelField(t *testing.T) {
	obj := ` { "id" : "u-42" , "n":17,"nested":{"id":"inner","s":"}\"]"},"arr":[{"id":1},"x"],` +
		`"f":-1.5e3 , "t":true,"z":null,"esc\u0061ped":"yes","dup":1,"dup":2,"last":[ ] } `
	cases := []struct {
		name, want string
		ok         bool
	}{
		{"id", `"u-42"`, true},
		{"n", `17`, true},
		{"nested", `{"id":"inner","s":"}\"]"}`, true},
		{"arr", `[{"id":1},"x"]`, true},
		{"f", `-1.5e3`, true},
		{"t", `true`, true},
		{"z", `null`, true},
		{"escaped", `"yes"`, true},
		{"dup", `1`, true},
		{"last", `[ ]`, true},
		{"inner", ``, false},
		{"missing", ``, false},
		{"", ``, false},
	}
	for _, tc := range cases {
		raw, ok := TopLevelField([]byte(obj), tc.name)
		if ok != tc.ok || string(raw) != tc.want {
			t.Errorf("TopLevelField(%q) = %q, %v; want %q, %v", tc.name, raw, ok, tc.want, tc.ok)
		}
	}
	for _, notObject := range []string{``, `[{"id":1}]`, `"id"`, `17`, `{`, `{"id"`, `{"id":`, `{"id":"unterminated`, `{"a":[1,{"id":2}`} {
		if raw, ok := TopLevelField([]byte(notObject), "id"); ok {
			t.Errorf("TopLevelField(%q) = %q, want not found", notObject, raw)
		}
	}
}

// firstMembers decodes the first occurrence of every top-level member of
// a valid object with encoding/json, as the reference for TopLevelField.
func firstMembers(b []byte) (map[string][]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	out := map[string][]byte{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		if _, seen := out[k.(string)]; !seen {
			out[k.(string)] = raw
		}
	}
	return out, true
}

func FuzzTopLevelField(f *testing.F) {
	f.Add([]byte(`{"id":"u-42","n":17}`), "id")
	f.Add([]byte(`{"a":{"id":1},"id":[1,"]"]}`), "id")
	f.Add([]byte(`{"\u0069d":2}`), "id")
	f.Add([]byte(`{"x":"\\","id":3}`), "id")
	f.Add([]byte(`[1,2]`), "0")
	f.Add([]byte(`{"id":`), "id")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		raw, ok := TopLevelField(b, name) // must not panic, whatever b is
		if ValidJSON(b) != nil || !utf8.Valid(b) {
			return
		}
		members, isObject := firstMembers(b)
		if !isObject {
			if ok {
				t.Fatalf("TopLevelField(%q, %q) = %q on a non-object", b, name, raw)
			}
			return
		}
		want, found := members[name]
		if ok != found || !bytes.Equal(raw, want) {
			t.Fatalf("TopLevelField(%q, %q) = %q, %v; encoding/json finds %q, %v", b, name, raw, ok, want, found)
		}
	})
}

func BenchmarkTopLevelField(b *testing.B) {
	in := []byte(event)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := TopLevelField(in, "country"); !ok {
			b.Fatal("not found")
		}
	}
}
