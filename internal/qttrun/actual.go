package qttrun

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// An actual value is what ksqlDB's test deserializers hand to its
// comparator, in Go: nil (null), bool, string, []byte, javaInt, javaLong,
// javaDouble, types.Decimal (a BigDecimal, scale kept), []any (a list) or
// *object (a map or struct, field order kept). The three number types are
// distinct because the comparator's rules depend on which one it gets.
type (
	javaInt    int32
	javaLong   int64
	javaDouble float64
)

// object is a decoded JSON object or struct, its fields in record order.
type object struct {
	names []string
	vals  []any
}

// get returns the field called name.
func (o *object) get(name string) (any, bool) {
	for i, n := range o.names {
		if n == name {
			return o.vals[i], true
		}
	}
	return nil, false
}

// set adds or replaces a field; a repeated name keeps its first position
// and takes the last value, as the LinkedHashMap Jackson fills does.
func (o *object) set(name string, v any) {
	for i, n := range o.names {
		if n == name {
			o.vals[i] = v
			return
		}
	}
	o.names = append(o.names, name)
	o.vals = append(o.vals, v)
}

// decodeJSON parses a record's JSON bytes as Jackson does in ksqlDB's
// test deserializer: whole numbers become int, long or (past long) an exact
// decimal of scale 0; numbers with a point or an exponent become exact
// decimals when exact is set (use.exact.numeric.comparison, the default)
// and doubles otherwise.
func decodeJSON(data []byte, exact bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec, exact)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder, exact bool) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec, exact)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token() // ]
			return list, err
		}
		obj := &object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeJSONValue(dec, exact)
			if err != nil {
				return nil, err
			}
			obj.set(k.(string), v)
		}
		_, err := dec.Token() // }
		return obj, err
	case json.Number:
		return javaNumber(string(t), exact)
	default: // nil, bool, string
		return t, nil
	}
}

// isIntegralLiteral reports whether a JSON number literal is written as a
// whole number (Jackson's IntNode, LongNode or BigIntegerNode).
func isIntegralLiteral(text string) bool { return !strings.ContainsAny(text, ".eE") }

// javaNumber classifies a JSON number literal as Jackson does.
func javaNumber(text string, exact bool) (any, error) {
	if isIntegralLiteral(text) {
		i, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			if int64(int32(i)) == i {
				return javaInt(i), nil
			}
			return javaLong(i), nil
		}
		b, ok := new(big.Int).SetString(text, 10)
		if !ok {
			return nil, fmt.Errorf("invalid number %s", text)
		}
		return types.NewDecimalFromBig(b, 0), nil
	}
	if !exact {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %s", text)
		}
		return javaDouble(f), nil
	}
	d, err := types.ParseDecimal(text)
	if err != nil {
		return nil, fmt.Errorf("invalid number %s", text)
	}
	return d, nil
}

// formatActual renders an actual value for a failure message, as JSON
// where it can: strings quoted, decimals with their scale, bytes in base64.
func formatActual(v any) string {
	var b strings.Builder
	writeActual(&b, v)
	return b.String()
}

func writeActual(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.WriteString(strconv.Quote(v))
	case []byte:
		fmt.Fprintf(b, "bytes(%s)", base64.StdEncoding.EncodeToString(v))
	case javaInt:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case javaLong:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case javaDouble:
		b.WriteString(types.FormatDouble(float64(v)))
	case types.Decimal:
		b.WriteString(v.ScientificString())
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeActual(b, e)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, n := range v.names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(n))
			b.WriteString(": ")
			writeActual(b, v.vals[i])
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

// formatExpected renders an expected value (as package qtt decoded it) as
// compact JSON with its number literals as written and sorted field names.
func formatExpected(v any) string {
	var b strings.Builder
	writeExpected(&b, v)
	return b.String()
}

func writeExpected(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.WriteString(strconv.Quote(v))
	case json.Number:
		b.WriteString(string(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpected(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k))
			b.WriteString(": ")
			writeExpected(b, v[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
