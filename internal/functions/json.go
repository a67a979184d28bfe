package functions

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// jsonEntries returns the keys and raw values of a JSON object in
// document order; ok is false when raw is not an object.
func jsonEntries(raw []byte) (keys []string, vals []json.RawMessage, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, nil, false
	}
	return keys, vals, true
}

// jsonItems returns the raw elements of a JSON array; ok is false when raw
// is not an array.
func jsonItems(raw []byte) (items []json.RawMessage, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	return items, true
}

// jsonCompact returns v as compact JSON, numbers as written.
func jsonCompact(v json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return string(v)
	}
	return b.String()
}

// jsonText returns a JSON string's text, or any other value as compact
// JSON, as Jackson's asText does for ksqlDB.
func jsonText(v json.RawMessage) string {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return jsonCompact(v)
}

// jsonPath follows a JSONPath of the form $.a.b[0]['c'] through raw;
// ok is false when a step is missing.
func jsonPath(raw []byte, path string) (json.RawMessage, bool) {
	if !strings.HasPrefix(path, "$") {
		return nil, false
	}
	cur := json.RawMessage(bytes.TrimSpace(raw))
	rest := path[1:]
	for rest != "" {
		var key string
		index := -1
		switch {
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key, rest = rest[1:1+end], rest[1+end:]
		case strings.HasPrefix(rest, "['") || strings.HasPrefix(rest, `["`):
			q := rest[1]
			end := strings.IndexByte(rest[2:], q)
			if end < 0 || 2+end+1 >= len(rest) || rest[2+end+1] != ']' {
				return nil, false
			}
			key, rest = rest[2:2+end], rest[2+end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, false
			}
			index, rest = n, rest[end+1:]
		default:
			return nil, false
		}
		if index >= 0 {
			items, ok := jsonItems(cur)
			if !ok || index >= len(items) {
				return nil, false
			}
			cur = items[index]
			continue
		}
		keys, vals, ok := jsonEntries(cur)
		if !ok {
			return nil, false
		}
		found := false
		for i, k := range keys {
			if k == key {
				cur, found = vals[i], true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return cur, true
}

func registerJSON(r *Registry) {
	r.add("IS_JSON_STRING", "JSON", "Reports whether a string is valid JSON; false for NULL.",
		nonStrict(fixed(types.BooleanType, func(a []types.Value) (types.Value, error) {
			return types.Bool(!a[0].IsNull() && json.Valid([]byte(a[0].Str()))), nil
		}, p("json", str))))
	r.add("JSON_ARRAY_LENGTH", "JSON", "Returns the length of a JSON array, NULL if the string is not one.",
		fixed(integ, func(a []types.Value) (types.Value, error) {
			items, ok := jsonItems([]byte(a[0].Str()))
			if !ok {
				return types.Null(), nil
			}
			return types.Int(int32(len(items))), nil
		}, p("json", str)))
	r.add("JSON_KEYS", "JSON", "Returns the keys of a JSON object, NULL if the string is not one.",
		fixed(types.ArrayType(str), func(a []types.Value) (types.Value, error) {
			keys, _, ok := jsonEntries([]byte(a[0].Str()))
			if !ok {
				return types.Null(), nil
			}
			out := make([]types.Value, len(keys))
			for i, k := range keys {
				out[i] = types.Str(k)
			}
			return types.Array(out), nil
		}, p("json", str)))
	r.add("JSON_RECORDS", "JSON", "Returns the entries of a JSON object as a map of key to value text, NULL if the string is not one.",
		fixed(types.MapType(str, str), func(a []types.Value) (types.Value, error) {
			keys, vals, ok := jsonEntries([]byte(a[0].Str()))
			if !ok {
				return types.Null(), nil
			}
			ks := make([]types.Value, len(keys))
			vs := make([]types.Value, len(keys))
			for i := range keys {
				ks[i], vs[i] = types.Str(keys[i]), types.Str(jsonText(vals[i]))
			}
			return types.Map(ks, vs), nil
		}, p("json", str)))
	r.add("JSON_ITEMS", "JSON", "Returns the elements of a JSON array as compact JSON strings, NULL if the string is not one.",
		fixed(types.ArrayType(str), func(a []types.Value) (types.Value, error) {
			items, ok := jsonItems([]byte(a[0].Str()))
			if !ok {
				return types.Null(), nil
			}
			out := make([]types.Value, len(items))
			for i, it := range items {
				out[i] = types.Str(jsonCompact(it))
			}
			return types.Array(out), nil
		}, p("json", str)))
	r.add("EXTRACTJSONFIELD", "JSON", "Returns the value at a JSONPath such as '$.a.b[0]': a string's text or other JSON as text; NULL when absent.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			v, ok := jsonPath([]byte(a[0].Str()), a[1].Str())
			if !ok || string(v) == "null" {
				return types.Null(), nil
			}
			return types.Str(jsonText(v)), nil
		}, p("input", str), p("jsonPath", str)))
}

// appendJSONString appends s as a JSON string, escaping as Jackson does:
// quotes, backslashes and control characters; other text as is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendJSON appends v as ksqlDB's TO_JSON_STRING writes it: numbers and
// booleans bare, text, bytes (base64), dates and times quoted, containers
// as JSON arrays and objects.
func appendJSON(b []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return append(b, "null"...)
	case types.KindBoolean, types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal:
		return v.Append(b)
	case types.KindString:
		return appendJSONString(b, v.Str())
	case types.KindArray:
		b = append(b, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case types.KindMap:
		b = append(b, '{')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v.MapKey(i).String())
			b = append(b, ':')
			b = appendJSON(b, v.MapElem(i))
		}
		return append(b, '}')
	case types.KindStruct:
		b = append(b, '{')
		for i, name := range v.FieldNames() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			b = appendJSON(b, v.Field(i))
		}
		return append(b, '}')
	}
	// TIMESTAMP, DATE, TIME and BYTES: their text, quoted.
	return appendJSONString(b, v.String())
}

func registerJSON2(r *Registry) {
	r.add("TO_JSON_STRING", "JSON", "Returns a value as JSON text; NULL gives 'null'.",
		nonStrict(gen("STRING", retConst(str), func(a []types.Value) (types.Value, error) {
			return types.Str(string(appendJSON(nil, a[0]))), nil
		}, pT("val"))))
}

func registerJSON3(r *Registry) {
	r.add("JSON_ARRAY_CONTAINS", "JSON", "Reports whether a JSON array contains a value; false for NULL or text that is not an array.",
		nonStrict(gen("BOOLEAN", retConst(types.BooleanType), func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() {
				return types.Bool(false), nil
			}
			items, ok := jsonItems([]byte(a[0].Str()))
			if !ok {
				return types.Bool(false), nil
			}
			for _, it := range items {
				if jsonEquals(it, a[1]) {
					return types.Bool(true), nil
				}
			}
			return types.Bool(false), nil
		}, p("jsonArray", str), pT("val"))))

	r.add("JSON_CONCAT", "JSON", "Merges JSON objects (a later key wins) or concatenates JSON arrays (other values count as one-element arrays); NULL if any input is NULL or not JSON.",
		&overload{params: []param{p("jsonStrings", str)}, variadic: true, ret: str, strict: true, eval: func(a []types.Value) (types.Value, error) {
			raws := make([]json.RawMessage, len(a))
			allObjects := true
			for i, v := range a {
				raw := bytes.TrimSpace([]byte(v.Str()))
				if !json.Valid(raw) {
					return types.Null(), nil
				}
				raws[i] = raw
				allObjects = allObjects && len(raw) > 0 && raw[0] == '{'
			}
			out := []byte{}
			if allObjects {
				var keys []string
				vals := map[string]json.RawMessage{}
				for _, raw := range raws {
					ks, vs, _ := jsonEntries(raw)
					for i, k := range ks {
						if _, seen := vals[k]; !seen {
							keys = append(keys, k)
						}
						vals[k] = vs[i]
					}
				}
				out = append(out, '{')
				for i, k := range keys {
					if i > 0 {
						out = append(out, ',')
					}
					out = appendJSONString(out, k)
					out = append(out, ':')
					out = append(out, jsonCompact(vals[k])...)
				}
				return types.Str(string(append(out, '}'))), nil
			}
			out = append(out, '[')
			n := 0
			for _, raw := range raws {
				items, ok := jsonItems(raw)
				if !ok {
					items = []json.RawMessage{raw}
				}
				for _, it := range items {
					if n > 0 {
						out = append(out, ',')
					}
					out = append(out, jsonCompact(it)...)
					n++
				}
			}
			return types.Str(string(append(out, ']'))), nil
		}})
}

// jsonEquals reports whether the JSON value raw equals v: a string to a
// STRING, a number to a number, a boolean to a BOOLEAN, null to NULL.
func jsonEquals(raw json.RawMessage, v types.Value) bool {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return v.IsNull()
	}
	if v.IsNull() || len(raw) == 0 {
		return false
	}
	switch v.Kind() {
	case types.KindString:
		var s string
		return raw[0] == '"' && json.Unmarshal(raw, &s) == nil && s == v.Str()
	case types.KindBoolean:
		return string(raw) == strconv.FormatBool(v.Bool())
	}
	if f, ok := v.Float64(); ok {
		var g float64
		return raw[0] != '"' && json.Unmarshal(raw, &g) == nil && g == f
	}
	return false
}
