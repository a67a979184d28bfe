package serde

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// jsonFormat is ksqlDB's JSON format: an object whose members are the
// columns, or, for a single unwrapped column, the bare value.
type jsonFormat struct {
	cols  []types.Column
	ascii []bool // whether each column's name is ASCII
	// foldTwins: two column names are equal ignoring case, so a member
	// name must be tried for an exact match before a folded one.
	foldTwins bool
	wrap      bool
}

func newJSONFormat(cols []types.Column, opts Options) (*jsonFormat, error) {
	wrap := !(len(cols) == 1 && cols[0].Namespace == types.NamespaceKey)
	if opts.WrapSingle != nil {
		if !*opts.WrapSingle && len(cols) != 1 {
			return nil, fmt.Errorf("%w: 'WRAP_SINGLE_VALUE' is only valid for single-field value schemas; got %d columns %s", ErrInvalidFormat, len(cols), columnList(cols))
		}
		wrap = *opts.WrapSingle
	}
	ascii := make([]bool, len(cols))
	for i, c := range cols {
		ascii[i] = isASCII([]byte(c.Name))
	}
	twins := false
	for i := range cols {
		for j := range i {
			twins = twins || strings.EqualFold(cols[i].Name, cols[j].Name)
		}
	}
	return &jsonFormat{cols: cols, ascii: ascii, foldTwins: twins, wrap: wrap}, nil
}

func (f *jsonFormat) Name() string { return "JSON" }

// convertError says which JSON text did not convert to which type; Decode
// adds the column.
type convertError struct {
	raw   []byte
	t     types.Type
	cause error
}

func (f *jsonFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if data == nil {
		return appendNulls(dst, len(f.cols)), nil
	}
	if err := ValidJSON(data); err != nil {
		return dst, fmt.Errorf("%w: invalid JSON: %w", ErrDecode, err)
	}
	i := SkipSpace(data, 0)
	end := skipValue(data, i)
	if !f.wrap {
		v, cerr := jsonValue(f.cols[0].Type, data[i:end])
		if cerr != nil {
			return dst, f.decodeError(0, cerr)
		}
		return append(dst, v), nil
	}
	if data[i] == 'n' {
		return appendNulls(dst, len(f.cols)), nil
	}
	if data[i] != '{' {
		return dst, fmt.Errorf("%w: JSON value must be an object with the columns %s, got %s", ErrDecode, columnList(f.cols), snippet(data[i:end]))
	}
	base := len(dst)
	dst = appendNulls(dst, len(f.cols))
	row := dst[base:]
	next := 0
	var err error
	forMembers(data, i, func(key []byte, raw []byte) bool {
		c := f.find(key, next)
		if c < 0 {
			return true
		}
		next = c + 1
		v, cerr := jsonValue(f.cols[c].Type, raw)
		if cerr != nil {
			err = f.decodeError(c, cerr)
			return false
		}
		row[c] = v
		return true
	})
	if err != nil {
		return dst[:base], err
	}
	return dst, nil
}

func (f *jsonFormat) decodeError(c int, e *convertError) error {
	name := types.QuoteIdentifier(f.cols[c].Name)
	if e.cause != nil {
		return fmt.Errorf("%w: column %s: cannot convert JSON %s to %s: %w", ErrDecode, name, snippet(e.raw), e.t, e.cause)
	}
	return fmt.Errorf("%w: column %s: cannot convert JSON %s to %s", ErrDecode, name, snippet(e.raw), e.t)
}

// find returns the column a member name matches: exactly, else ignoring
// case (ksqlDB looks members up by their upper-cased name), trying the
// column after the previous match first, since producers usually write
// members in column order.
func (f *jsonFormat) find(key []byte, hint int) int {
	name := bytesString(key)
	if hint < len(f.cols) && f.cols[hint].Name == name {
		return hint
	}
	if !f.foldTwins && hint < len(f.cols) && f.foldMatch(hint, name, isASCII(key)) {
		// No other column can match exactly: names differ ignoring case.
		return hint
	}
	for i := range f.cols {
		if f.cols[i].Name == name {
			return i
		}
	}
	// Between ASCII names, only names of one length can match; the test
	// keeps the common miss cheap.
	keyASCII := isASCII(key)
	if hint < len(f.cols) && f.foldMatch(hint, name, keyASCII) {
		return hint
	}
	for i := range f.cols {
		if f.foldMatch(i, name, keyASCII) {
			return i
		}
	}
	return -1
}

func (f *jsonFormat) foldMatch(i int, name string, keyASCII bool) bool {
	c := f.cols[i].Name
	if keyASCII && f.ascii[i] && len(c) != len(name) {
		return false
	}
	return strings.EqualFold(c, name)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// forMembers calls fn with the unquoted name and the raw value of each
// member of the valid JSON object at b[i], until fn returns false. Names
// with escapes are unquoted into fresh memory.
func forMembers(b []byte, i int, fn func(key, raw []byte) bool) {
	i = SkipSpace(b, i+1)
	if b[i] == '}' {
		return
	}
	for {
		kend, escaped := skipString(b, i)
		key := b[i+1 : kend-1]
		if escaped {
			key, _ = AppendUnquoted(nil, b[i:kend])
		}
		i = SkipSpace(b, kend)
		i = SkipSpace(b, i+1) // past ':'
		vend := skipValue(b, i)
		if !fn(key, b[i:vend]) {
			return
		}
		i = SkipSpace(b, vend)
		if b[i] != ',' {
			return
		}
		i = SkipSpace(b, i+1)
	}
}

// jsonText returns the text a primitive converts from: a string's
// characters, or the literal itself.
func jsonText(raw []byte) []byte {
	if raw[0] != '"' {
		return raw
	}
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		u, _ := AppendUnquoted(nil, raw)
		return u
	}
	return s
}

// jsonValue converts the valid JSON value raw to a value of type t, as
// ksqlDB's JSON deserializer does.
func jsonValue(t types.Type, raw []byte) (types.Value, *convertError) {
	if raw[0] == 'n' {
		return types.Value{}, nil
	}
	fail := func(cause error) (types.Value, *convertError) {
		return types.Value{}, &convertError{raw: raw, t: t, cause: cause}
	}
	switch t.Kind() {
	case types.KindString:
		// ksqlDB reads any non-string value into a STRING column as its
		// JSON text.
		return types.Str(bytesString(jsonText(raw))), nil
	case types.KindBytes:
		if raw[0] != '"' {
			return fail(nil)
		}
	case types.KindArray:
		if raw[0] != '[' {
			return fail(nil)
		}
		var elems []types.Value
		i := SkipSpace(raw, 1)
		for raw[i] != ']' {
			end := skipValue(raw, i)
			v, err := jsonValue(t.Elem(), raw[i:end])
			if err != nil {
				return types.Value{}, err
			}
			elems = append(elems, v)
			i = SkipSpace(raw, end)
			if raw[i] == ',' {
				i = SkipSpace(raw, i+1)
			}
		}
		if elems == nil {
			elems = []types.Value{}
		}
		return types.Array(elems), nil
	case types.KindMap:
		if raw[0] != '{' {
			return fail(nil)
		}
		var keys, vals []types.Value
		var err *convertError
		forMembers(raw, 0, func(key, vraw []byte) bool {
			k, kerr := parsePrimitive(t.Key(), key)
			if kerr != nil {
				err = &convertError{raw: key, t: t.Key(), cause: causeOf(kerr)}
				return false
			}
			v, verr := jsonValue(t.Elem(), vraw)
			if verr != nil {
				err = verr
				return false
			}
			keys, vals = append(keys, k), append(vals, v)
			return true
		})
		if err != nil {
			return types.Value{}, err
		}
		return types.Map(keys, vals), nil
	case types.KindStruct:
		if raw[0] != '{' {
			return fail(nil)
		}
		names := t.FieldNames()
		vals := make([]types.Value, len(names))
		var err *convertError
		forMembers(raw, 0, func(key, vraw []byte) bool {
			c := fieldIndexFold(names, bytesString(key))
			if c < 0 {
				return true
			}
			v, verr := jsonValue(t.Field(c).Type, vraw)
			if verr != nil {
				err = verr
				return false
			}
			vals[c] = v
			return true
		})
		if err != nil {
			return types.Value{}, err
		}
		return types.Struct(names, vals), nil
	default:
		if raw[0] == '[' || raw[0] == '{' {
			return fail(nil)
		}
	}
	v, err := parsePrimitive(t, jsonText(raw))
	if err != nil {
		return fail(causeOf(err))
	}
	return v, nil
}

// causeOf keeps an error worth showing (a decimal overflow) and drops the
// bare conversion failure, which the message already says.
func causeOf(err error) error {
	if err == errConvert {
		return nil
	}
	return err
}

func fieldIndexFold(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

func (f *jsonFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	if len(vals) != len(f.cols) {
		return dst, fmt.Errorf("%w: JSON: %d values for %d columns %s", ErrEncode, len(vals), len(f.cols), columnList(f.cols))
	}
	if !f.wrap {
		if vals[0].IsNull() {
			return dst, nil // a null record
		}
		return appendJSON(dst, vals[0]), nil
	}
	dst = append(dst, '{')
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendQuoted(dst, f.cols[i].Name)
		dst = append(dst, ':')
		dst = appendJSON(dst, v)
	}
	return append(dst, '}'), nil
}

// appendJSON appends v as ksqlDB's JSON serializer writes it.
func appendJSON(dst []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return append(dst, "null"...)
	case types.KindDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// Not JSON numbers; Jackson writes them as strings.
			return strconv.AppendQuote(dst, types.FormatDouble(f))
		}
		return types.AppendDouble(dst, f)
	case types.KindString:
		return AppendQuoted(dst, v.Str())
	case types.KindBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes())
		return append(dst, '"')
	case types.KindArray:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case types.KindMap:
		dst = append(dst, '{')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			k := v.MapKey(i)
			if k.Kind() == types.KindString {
				dst = AppendQuoted(dst, k.Str())
			} else {
				dst = AppendQuoted(dst, string(appendText(nil, k)))
			}
			dst = append(dst, ':')
			dst = appendJSON(dst, v.MapElem(i))
		}
		return append(dst, '}')
	case types.KindStruct:
		dst = append(dst, '{')
		names := v.FieldNames()
		for i, fv := range v.Fields() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendQuoted(dst, names[i])
			dst = append(dst, ':')
			dst = appendJSON(dst, fv)
		}
		return append(dst, '}')
	}
	return appendText(dst, v)
}
