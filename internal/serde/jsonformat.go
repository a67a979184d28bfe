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
	cols []types.Column
	// index finds a column by its exact name, for wide schemas (for
	// narrow ones a scan is faster).
	index map[string]int
	// allUpper says no column name has a lower-case or non-ASCII letter:
	// a member whose name has one then matches no column exactly.
	allUpper bool
	members  [][]byte // the encoded opening of each column's member
	wrap     bool
}

func newJSONFormat(cols []types.Column, opts Options) (*jsonFormat, error) {
	wrap := !(len(cols) == 1 && cols[0].Namespace == types.NamespaceKey)
	if opts.WrapSingle != nil {
		if !*opts.WrapSingle && len(cols) != 1 {
			return nil, fmt.Errorf("%w: 'WRAP_SINGLE_VALUE' is only valid for single-field value schemas; got %d columns %s", ErrInvalidFormat, len(cols), columnList(cols))
		}
		wrap = *opts.WrapSingle
	}
	for _, c := range cols {
		if hasNonStringMapKey(c.Type) {
			return nil, fmt.Errorf("%w: JSON only supports MAP types with STRING keys", ErrInvalidFormat)
		}
	}
	f := &jsonFormat{cols: cols, wrap: wrap, allUpper: true}
	for _, c := range cols {
		f.allUpper = f.allUpper && isUpper([]byte(c.Name))
	}
	// Each member's opening, written once: `{"NAME":` then `,"NAME":`.
	for i, c := range cols {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		f.members = append(f.members, append(appendJacksonString([]byte{sep}, c.Name), ':'))
	}
	if len(cols) > 8 {
		f.index = make(map[string]int, len(cols))
		for i := len(cols) - 1; i >= 0; i-- {
			f.index[cols[i].Name] = i
		}
	}
	return f, nil
}

func (f *jsonFormat) Name() string { return "JSON" }

// hasNonStringMapKey reports whether t holds, at any depth, a MAP whose
// keys are not STRING: JSON object members are named by strings, and
// ksqlDB refuses such columns rather than convert keys.
func hasNonStringMapKey(t types.Type) bool {
	switch t.Kind() {
	case types.KindMap:
		return t.Key().Kind() != types.KindString || hasNonStringMapKey(t.Elem())
	case types.KindArray:
		return hasNonStringMapKey(t.Elem())
	case types.KindStruct:
		for _, f := range t.Fields() {
			if hasNonStringMapKey(f.Type) {
				return true
			}
		}
	}
	return false
}

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
	i := SkipSpace(data, 0)
	if f.wrap && i < len(data) && data[i] == '{' {
		// The common case validates while it decodes, in one pass; the
		// errors are those of validating first.
		base := len(dst)
		dst = appendNulls(dst, len(f.cols))
		end, err := f.decodeObject(dst[base:], data, i)
		if end < 0 || err == nil && SkipSpace(data, end) != len(data) {
			return dst[:base], invalidJSON(data)
		}
		if err != nil {
			if verr := ValidJSON(data); verr != nil {
				return dst[:base], fmt.Errorf("%w: invalid JSON: %w", ErrDecode, verr)
			}
			return dst[:base], err
		}
		return dst, nil
	}
	if err := ValidJSON(data); err != nil {
		return dst, fmt.Errorf("%w: invalid JSON: %w", ErrDecode, err)
	}
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
	return dst, fmt.Errorf("%w: JSON value must be an object with the columns %s, got %s", ErrDecode, columnList(f.cols), snippet(data[i:end]))
}

// invalidJSON is the error of a text that is not valid JSON.
func invalidJSON(data []byte) error {
	err := ValidJSON(data)
	if err == nil {
		err = syntaxErr(0, "not a JSON value") // not reached: the caller found it invalid
	}
	return fmt.Errorf("%w: invalid JSON: %w", ErrDecode, err)
}

// decodeObject fills row from the members of the JSON object at data[i]
// as ksqlDB matches them to columns: the member named exactly as the
// column, else the member whose upper-cased name is the column's (so an
// unquoted column ID reads "id" or "Id", while a quoted column `id` reads
// only "id"). Of repeated members, the last counts. It validates the
// object as it goes and returns the offset past it, or -1 when it is not
// valid JSON (see scanMembers).
func (f *jsonFormat) decodeObject(row []types.Value, data []byte, i int) (int, error) {
	var exact uint64 // columns found by their exact name, when at most 64
	var exactWide []bool
	if len(f.cols) > 64 {
		exactWide = make([]bool, len(f.cols))
	}
	mark := func(c int) {
		if exactWide != nil {
			exactWide[c] = true
		} else {
			exact |= 1 << c
		}
	}
	marked := func(c int) bool {
		if exactWide != nil {
			return exactWide[c]
		}
		return exact&(1<<c) != 0
	}
	var err error
	// One pass: a member matches its column by exact name, else by its
	// upper-cased name. An exact match wins whatever the order: it
	// overwrites an upper-case match, and an upper-case match does not
	// overwrite it. Producers usually write members in column order, so
	// each lookup first tries the column after the previous match.
	next := 0
	end := scanMembers(data, i, func(key, raw []byte) bool {
		upper := isUpper(key)
		c := -1
		if upper || !f.allUpper {
			c = f.exactColumn(key, next)
		}
		if c >= 0 {
			mark(c)
			next = c + 1
			if err = f.set(row, c, raw); err != nil {
				return false
			}
		}
		if upper {
			return true // its upper-cased name is itself
		}
		// One member may also feed another column by its upper-cased name.
		u := f.upperColumn(key, next)
		if u < 0 || u == c || marked(u) {
			return true
		}
		next = u + 1
		err = f.set(row, u, raw)
		return err == nil
	})
	return end, err
}

func (f *jsonFormat) set(row []types.Value, c int, raw []byte) error {
	v, cerr := jsonValue(f.cols[c].Type, raw)
	if cerr != nil {
		return f.decodeError(c, cerr)
	}
	row[c] = v
	return nil
}

func (f *jsonFormat) decodeError(c int, e *convertError) error {
	name := types.QuoteIdentifier(f.cols[c].Name)
	if e.cause != nil {
		return fmt.Errorf("%w: column %s: cannot convert JSON %s to %s: %w", ErrDecode, name, snippet(e.raw), e.t, e.cause)
	}
	return fmt.Errorf("%w: column %s: cannot convert JSON %s to %s", ErrDecode, name, snippet(e.raw), e.t)
}

// exactColumn returns the column named key, or -1, trying hint (the
// column after the previous match) first, since producers usually write
// members in column order.
func (f *jsonFormat) exactColumn(key []byte, hint int) int {
	name := bytesString(key)
	if hint < len(f.cols) && f.cols[hint].Name == name {
		return hint
	}
	if f.index != nil {
		if c, ok := f.index[name]; ok {
			return c
		}
		return -1
	}
	for i := range f.cols {
		if f.cols[i].Name == name {
			return i
		}
	}
	return -1
}

// upperColumn returns the column named as key in upper case, or -1,
// trying hint first, without allocating for ASCII names.
func (f *jsonFormat) upperColumn(key []byte, hint int) int {
	if hint < len(f.cols) && equalUpper(key, f.cols[hint].Name) {
		return hint
	}
	var buf [64]byte
	var upper []byte
	if len(key) <= len(buf) && isASCII(key) {
		upper = buf[:len(key)]
		for i, c := range key {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			upper[i] = c
		}
	} else {
		upper = []byte(strings.ToUpper(string(key)))
	}
	return f.exactColumn(upper, len(f.cols))
}

// equalUpper reports whether the ASCII upper case of key is name.
func equalUpper(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if c >= 0x80 {
			return false
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// isUpper reports whether b is ASCII without lower-case letters: its
// upper-cased form is itself.
func isUpper(b []byte) bool {
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 0x80 {
			return false
		}
	}
	return true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// scanMembers is forMembers over text not yet validated: it checks the
// object's syntax (RFC 8259, as ValidJSON) as it walks it and returns the
// offset past it, or -1 when it is not valid. When fn stops the walk, the
// rest is not checked and the offset is that of the member fn stopped at.
func scanMembers(b []byte, i int, fn func(key, raw []byte) bool) int {
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		kend, err := scanString(b, i)
		if err != nil {
			return -1
		}
		key := b[i+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key, _ = AppendUnquoted(nil, b[i:kend])
		}
		i = SkipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		i = SkipSpace(b, i+1)
		vend, err := scanValueDepth(b, i, MaxDepth-1)
		if err != nil {
			return -1
		}
		if !fn(key, b[i:vend]) {
			return i
		}
		i = SkipSpace(b, vend)
		switch {
		case i < len(b) && b[i] == '}':
			return i + 1
		case i < len(b) && b[i] == ',':
			i = SkipSpace(b, i+1)
		default:
			return -1
		}
	}
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
		return types.Str(jsonAsString(raw)), nil
	case types.KindBytes:
		// Jackson's base64: the standard alphabet, padded.
		if raw[0] != '"' {
			return fail(nil)
		}
		s := jsonText(raw)
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil || bytes.ContainsAny(s, "\r\n") {
			return fail(nil)
		}
		return types.Bytes(b[:n]), nil
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
		exact := make([]bool, len(names))
		var err *convertError
		for pass := range 2 {
			forMembers(raw, 0, func(key, vraw []byte) bool {
				name := bytesString(key)
				if pass == 1 {
					name = strings.ToUpper(name)
				}
				c := fieldIndex(names, name)
				if c < 0 || pass == 1 && exact[c] {
					return true
				}
				exact[c] = exact[c] || pass == 0
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
		}
		return types.Struct(names, vals), nil
	}
	v, err := jsonPrimitive(t, raw)
	if err != nil {
		return fail(causeOf(err))
	}
	return v, nil
}

// jsonPrimitive converts the JSON value raw (not null) to a value of the
// primitive type t as ksqlDB's JsonSerdeUtils does: BOOLEAN only from
// true and false; INTEGER, BIGINT, TIMESTAMP, DATE and TIME from a number
// by Java's intValue or longValue (truncated, wrapping around) or from a
// string of digits; DOUBLE from a number or from a string as
// Double.parseDouble reads it; DECIMAL from a number or a string, exactly.
func jsonPrimitive(t types.Type, raw []byte) (types.Value, error) {
	c := raw[0]
	number := c == '-' || c >= '0' && c <= '9'
	switch {
	case t.Kind() == types.KindBoolean:
		if c == 't' || c == 'f' {
			return types.Bool(c == 't'), nil
		}
		return types.Value{}, errConvert
	case t.Kind() == types.KindDecimal:
		if !number && c != '"' {
			return types.Value{}, errConvert
		}
		return parsePrimitive(t, jsonText(raw))
	case c == '"':
		s := jsonText(raw)
		switch t.Kind() {
		case types.KindDouble:
			if f, ok := parseJavaDouble(s); ok {
				return types.Double(f), nil
			}
			return types.Value{}, errConvert
		case types.KindTimestamp, types.KindTime:
			// Long.parseLong, then the type's own checks.
			n, ok := parseInt(s, -1<<63, 1<<63-1)
			if !ok {
				return types.Value{}, errConvert
			}
			return wholeValue(t, n)
		}
		return parseDelimited(t, s) // INTEGER, BIGINT, DATE: Java's strict parsers
	case !number:
		return types.Value{}, errConvert
	case t.Kind() == types.KindDouble:
		f, err := parseFloat(bytesString(raw))
		if err != nil {
			return types.Value{}, errConvert
		}
		return types.Double(f), nil
	}
	return wholeValue(t, javaLong(raw))
}

// wholeValue is n, a Java long, as a value of the integral type t.
func wholeValue(t types.Type, n int64) (types.Value, error) {
	switch t.Kind() {
	case types.KindInt:
		return types.Int(int32(n)), nil
	case types.KindBigInt:
		return types.BigInt(n), nil
	case types.KindTimestamp:
		return types.Timestamp(n), nil
	case types.KindDate:
		if n == int64(int32(n)) {
			return types.Date(int32(n)), nil
		}
	case types.KindTime:
		if n >= 0 && n <= 86_399_999 {
			return types.Time(int32(n)), nil
		}
	}
	return types.Value{}, errConvert
}

// causeOf keeps an error worth showing (a decimal overflow) and drops the
// bare conversion failure, which the message already says.
func causeOf(err error) error {
	if err == errConvert {
		return nil
	}
	return err
}

func fieldIndex(names []string, name string) int {
	for i, n := range names {
		if n == name {
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
	if len(vals) == 0 {
		return append(dst, "{}"...), nil
	}
	for i, v := range vals {
		dst = append(dst, f.members[i]...)
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
	case types.KindDecimal:
		// Jackson writes a BigDecimal with toString, which switches to
		// exponent notation below 1E-6: 0.0000001 is written 1E-7.
		d := v.Dec()
		if d.Scale() <= 0 || d.Precision()-1-int(d.Scale()) >= -6 {
			return d.Append(dst)
		}
		return appendJavaNumber(dst, d.Append(nil))
	case types.KindString:
		return appendJacksonString(dst, v.Str())
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
				dst = appendJacksonString(dst, k.Str())
			} else {
				dst = appendJacksonString(dst, string(appendText(nil, k)))
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
			dst = appendJacksonString(dst, names[i])
			dst = append(dst, ':')
			dst = appendJSON(dst, fv)
		}
		return append(dst, '}')
	}
	return appendText(dst, v)
}
