package qttrun

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// compareValue matches an actual value against an expected one as
// ksqlDB's ExpectedRecordComparator does, dispatching on the kind of the
// expected JSON. It returns "" when they match, else the first difference,
// prefixed with path (e.g. "value.C[1]").
func compareValue(path string, actual, expected any) string {
	switch e := expected.(type) {
	case nil:
		if actual != nil {
			return mismatch(path, actual, expected)
		}
	case bool:
		if a, ok := actual.(bool); !ok || a != e {
			return mismatch(path, actual, expected)
		}
	case json.Number:
		if !numberMatches(actual, string(e)) {
			return mismatch(path, actual, expected)
		}
	case string:
		if !stringMatches(actual, e) {
			return mismatch(path, actual, expected)
		}
	case []any:
		a, ok := actual.([]any)
		if !ok {
			return mismatch(path, actual, expected)
		}
		if len(a) != len(e) {
			return fmt.Sprintf("%s: expected %d elements %s, got %d %s", path, len(e), formatExpected(e), len(a), formatActual(a))
		}
		for i := range e {
			if d := compareValue(fmt.Sprintf("%s[%d]", path, i), a[i], e[i]); d != "" {
				return d
			}
		}
	case map[string]any:
		a, ok := actual.(*object)
		if !ok {
			return mismatch(path, actual, expected)
		}
		if len(a.names) != len(e) {
			return fmt.Sprintf("%s: expected %d fields %s, got %d %s", path, len(e), formatExpected(e), len(a.names), formatActual(a))
		}
		for _, name := range sortedKeys(e) {
			v, ok := a.get(name)
			if !ok {
				// ksqlDB looks a field up by its exact name, then upper-cased,
				// since unquoted column names are upper case.
				v, ok = a.get(strings.ToUpper(name))
			}
			// A field the actual lacks reads as null (Java's Map.get), so
			// it matches an expected null: the counts already agree.
			if d := compareValue(path+"."+name, v, e[name]); d != "" {
				if !ok {
					return fmt.Sprintf("%s: missing field %q in %s", path, name, formatActual(a))
				}
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: unexpected expected value %v", path, expected)
	}
	return ""
}

func mismatch(path string, actual, expected any) string {
	return fmt.Sprintf("%s: expected %s, got %s", path, formatExpected(expected), formatActual(actual))
}

// numberMatches applies ksqlDB's rules for an expected number: the actual
// int or long is compared with the expected one truncated to that width
// (so 1.5 matches 1, a Java quirk kept on purpose), a double within 1e-6,
// and a decimal exactly: an expected whole number needs an actual of scale
// 0 or less, an expected decimal literal the same value and scale.
func numberMatches(actual any, text string) bool {
	switch a := actual.(type) {
	case javaInt:
		d, err := types.ParseDecimal(text)
		return err == nil && int32(d.TruncInt64()) == int32(a)
	case javaLong:
		d, err := types.ParseDecimal(text)
		return err == nil && d.TruncInt64() == int64(a)
	case javaDouble:
		f, err := strconv.ParseFloat(text, 64)
		return err == nil && math.Abs(f-float64(a)) < 1e-6
	case types.Decimal:
		d, err := types.ParseDecimal(text)
		if err != nil {
			return false
		}
		if isIntegralLiteral(text) {
			return a.Scale() <= 0 && a.Cmp(d) == 0
		}
		return a.Identical(d)
	}
	return false
}

// stringMatches applies ksqlDB's rules for an expected string: equal to an
// actual string, the exact text (scale included) of an actual decimal, or
// the base64 of actual bytes.
func stringMatches(actual any, e string) bool {
	switch a := actual.(type) {
	case string:
		return a == e
	case types.Decimal:
		d, err := types.ParseDecimal(e)
		return err == nil && a.Identical(d)
	case []byte:
		return base64.StdEncoding.EncodeToString(a) == e
	}
	return false
}
