package qttrun

import (
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/types"
)

func expected(t *testing.T, js string) any {
	t.Helper()
	v, err := qtt.DecodeValue([]byte(js))
	if err != nil {
		t.Fatalf("DecodeValue(%s): %v", js, err)
	}
	return v
}

func actualJSON(t *testing.T, js string) any {
	t.Helper()
	v, err := decodeJSON([]byte(js), true)
	if err != nil {
		t.Fatalf("decodeJSON(%s): %v", js, err)
	}
	return v
}

func dec(s string) types.Decimal { return types.MustParseDecimal(s) }

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		name     string
		actual   any
		expected string
		match    bool
	}{
		{"int equal", javaInt(1), "1", true},
		{"int differs", javaInt(2), "1", false},
		{"int truncates expected decimal (Java intValue)", javaInt(1), "1.5", true},
		{"int truncates toward zero", javaInt(-1), "-1.9", true},
		{"int keeps low 32 bits of a long", javaInt(-2147483648), "2147483648", true},
		{"long equal", javaLong(5000000000), "5000000000", true},
		{"long differs", javaLong(5000000000), "5000000001", false},
		{"double within 1e-6", javaDouble(0.1 + 0.2), "0.3", true},
		{"double outside 1e-6", javaDouble(0.30001), "0.3", false},
		{"double against integer", javaDouble(2), "2", true},
		{"decimal same scale", dec("1.00"), "1.00", true},
		{"decimal other scale is different", dec("1.0"), "1.00", false},
		{"decimal value differs", dec("1.01"), "1.00", false},
		{"decimal scale 0 against integer", dec("10"), "10", true},
		{"decimal negative scale against integer", dec("1E+1"), "10", true},
		{"decimal with scale against integer", dec("10.0"), "10", false},
		{"decimal exponent literal is a decimal", dec("1E+3"), "1E+3", true},
		{"string is not a number", "1", "1", false},
		{"null is not a number", nil, "0", false},
		{"bool is not a number", true, "1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compareValue("value", tt.actual, expected(t, tt.expected))
			if (d == "") != tt.match {
				t.Fatalf("compare(%s, %s) = %q, want match=%v", formatActual(tt.actual), tt.expected, d, tt.match)
			}
		})
	}
}

func TestCompareStrings(t *testing.T) {
	tests := []struct {
		name     string
		actual   any
		expected string
		match    bool
	}{
		{"equal", "abc", `"abc"`, true},
		{"differs", "abc", `"abd"`, false},
		{"case matters", "abc", `"ABC"`, false},
		{"decimal exact text", dec("1.50"), `"1.50"`, true},
		{"decimal other scale", dec("1.5"), `"1.50"`, false},
		{"decimal from non-number text", dec("1.5"), `"x"`, false},
		{"bytes as base64", []byte("hello"), `"aGVsbG8="`, true},
		{"bytes other base64", []byte("hello"), `"aGVsbG9="`, false},
		{"int is not a string", javaInt(1), `"1"`, false},
		{"null is not a string", nil, `""`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compareValue("value", tt.actual, expected(t, tt.expected))
			if (d == "") != tt.match {
				t.Fatalf("compare(%s, %s) = %q, want match=%v", formatActual(tt.actual), tt.expected, d, tt.match)
			}
		})
	}
}

func TestCompareStructures(t *testing.T) {
	tests := []struct {
		name     string
		actual   string // JSON decoded as ksqlDB's test deserializer does
		expected string
		diff     string // "" for a match, else a substring of the difference
	}{
		{"object exact names", `{"A": 1, "b": "x"}`, `{"b": "x", "A": 1}`, ""},
		{"object upper-case lookup", `{"ID": 1, "NAME": "x"}`, `{"id": 1, "name": "x"}`, ""},
		{"object exact name before upper case", `{"id": 2, "ID": 1}`, `{"id": 2, "ID": 1}`, ""},
		{"object lower-case actual is not found", `{"id": 1}`, `{"ID": 1}`, `missing field "ID"`},
		{"object extra actual field", `{"A": 1, "B": 2}`, `{"A": 1}`, "expected 1 fields"},
		{"object missing actual field", `{"A": 1}`, `{"A": 1, "B": 2}`, "expected 2 fields"},
		{"object nested difference has a path", `{"A": {"B": [1, 2]}}`, `{"A": {"B": [1, 3]}}`, "value.A.B[1]: expected 3, got 2"},
		{"array equal", `[1, "a", null, true]`, `[1, "a", null, true]`, ""},
		{"array length", `[1, 2]`, `[1, 2, 3]`, "expected 3 elements"},
		{"array order", `[2, 1]`, `[1, 2]`, "value[0]"},
		{"array is not an object", `[1]`, `{"A": 1}`, "expected"},
		{"object is not an array", `{"A": 1}`, `[1]`, "expected"},
		{"null equal", `null`, `null`, ""},
		{"null against value", `null`, `{"A": 1}`, "got null"},
		{"value against null", `{"A": null}`, `null`, "expected null"},
		{"bool", `{"A": true}`, `{"A": false}`, "value.A"},
		{"json decimal keeps scale", `{"A": 1.10}`, `{"A": 1.10}`, ""},
		{"json decimal other scale", `{"A": 1.1}`, `{"A": 1.10}`, "expected 1.10, got 1.1"},
		{"json long", `{"A": 12345678901}`, `{"A": 12345678901}`, ""},
		{"json decimal vs integer expected", `{"A": 1.0}`, `{"A": 1}`, "value.A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compareValue("value", actualJSON(t, tt.actual), expected(t, tt.expected))
			if tt.diff == "" && d != "" {
				t.Fatalf("compare(%s, %s) = %q, want a match", tt.actual, tt.expected, d)
			}
			if tt.diff != "" && !strings.Contains(d, tt.diff) {
				t.Fatalf("compare(%s, %s) = %q, want a difference containing %q", tt.actual, tt.expected, d, tt.diff)
			}
		})
	}
}

func TestDecodeJSONClassifiesNumbers(t *testing.T) {
	v := actualJSON(t, `[1, 2147483648, 99999999999999999999, 1.50, 1e3, -0.0]`)
	list := v.([]any)
	want := []any{javaInt(1), javaLong(2147483648), types.NewDecimalFromBig(dec("99999999999999999999").Unscaled(), 0), dec("1.50"), dec("1e3"), dec("-0.0")}
	for i, w := range want {
		switch w := w.(type) {
		case types.Decimal:
			got, ok := list[i].(types.Decimal)
			if !ok || !got.Identical(w) {
				t.Errorf("element %d = %s, want decimal %s", i, formatActual(list[i]), w.ScientificString())
			}
		default:
			if list[i] != w {
				t.Errorf("element %d = %#v, want %#v", i, list[i], w)
			}
		}
	}
	inexact, err := decodeJSON([]byte(`1.5`), false)
	if err != nil || inexact != javaDouble(1.5) {
		t.Fatalf("inexact 1.5 = %#v, %v; want double", inexact, err)
	}
	if _, err := decodeJSON([]byte(`{"a": 1} x`), true); err == nil {
		t.Fatal("trailing data accepted")
	}
	obj := actualJSON(t, `{"b": 1, "a": 2, "b": 3}`).(*object)
	if strings.Join(obj.names, ",") != "b,a" || obj.vals[0] != javaInt(3) {
		t.Fatalf("repeated name: names %v vals %v; want b,a with b=3", obj.names, obj.vals)
	}
}

func TestFormatActual(t *testing.T) {
	v := actualJSON(t, `{"S": "x", "N": [1, 2.50, null, true]}`)
	if got, want := formatActual(v), `{"S": "x", "N": [1, 2.50, null, true]}`; got != want {
		t.Fatalf("formatActual = %s, want %s", got, want)
	}
	if got := formatActual([]byte("hi")); got != "bytes(aGk=)" {
		t.Fatalf("bytes = %s", got)
	}
	if got := formatActual(javaDouble(1e7)); got != "1.0E7" {
		t.Fatalf("double = %s", got)
	}
}

func TestCompareMissingFieldReadsAsNull(t *testing.T) {
	// ksqlDB looks expected fields up with Map.get, which gives null for a
	// missing one: with equal field counts, an expected null matches.
	if d := compareValue("value", actualJSON(t, `{"KSQL_COL_0": null}`), expected(t, `{"KQL_COL_0": null}`)); d != "" {
		t.Fatalf("missing field against null: %s", d)
	}
	if d := compareValue("value", actualJSON(t, `{"A": 1}`), expected(t, `{"B": 1}`)); !strings.Contains(d, `missing field "B"`) {
		t.Fatalf("missing field against 1: %q", d)
	}
}
