package serde

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/types"
)

// ksqlDB's JSON deserializer reads JSON with Jackson (floating-point
// numbers as exact BigDecimals) and then coerces each node to its column's
// type. The helpers below reproduce what Java does at each step, so that a
// record reads to the same values as in ksqlDB.

// numberParts splits the valid JSON number raw into its sign, its integer
// and fraction digits, and its decimal exponent.
func numberParts(raw []byte) (neg bool, intDigits, fracDigits []byte, exp int) {
	i := 0
	if raw[0] == '-' {
		neg, i = true, 1
	}
	start := i
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	intDigits = raw[start:i]
	if i < len(raw) && raw[i] == '.' {
		i++
		start = i
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
		fracDigits = raw[start:i]
	}
	if i < len(raw) && raw[i]|0x20 == 'e' {
		i++
		eneg := false
		if raw[i] == '-' || raw[i] == '+' {
			eneg = raw[i] == '-'
			i++
		}
		for ; i < len(raw); i++ {
			if exp < 1<<40 { // far beyond any exponent Java's BigDecimal takes
				exp = exp*10 + int(raw[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	return neg, intDigits, fracDigits, exp
}

// javaLong is Java's longValue() of the JSON number raw, as Jackson's
// nodes give it: truncated toward zero, then its low 64 bits (so 2^64 + 5
// is 5). Integer columns take the low 32 bits of it, as intValue() does.
func javaLong(raw []byte) int64 {
	if n, ok := parseInt(raw, -1<<63, 1<<63-1); ok {
		return n
	}
	neg, intDigits, fracDigits, exp := numberParts(raw)
	// The integer part is the first len(intDigits)+exp digits of
	// intDigits ‖ fracDigits, padded with zeros. uint64 arithmetic wraps
	// modulo 2^64, which keeps exactly the low 64 bits; 10^64 is a multiple
	// of 2^64, so more than 64 trailing zeros leave nothing.
	k := len(intDigits) + exp
	var u uint64
	for i := 0; i < k && i < len(intDigits)+len(fracDigits)+64; i++ {
		d := uint64(0)
		switch {
		case i < len(intDigits):
			d = uint64(intDigits[i] - '0')
		case i-len(intDigits) < len(fracDigits):
			d = uint64(fracDigits[i-len(intDigits)] - '0')
		}
		u = u*10 + d
	}
	if neg {
		u = -u
	}
	return int64(u)
}

// isIntegerLiteral reports whether the JSON number raw has neither a
// fraction nor an exponent: Jackson reads it as an int, a long or a
// BigInteger rather than a BigDecimal.
func isIntegerLiteral(raw []byte) bool {
	for _, c := range raw {
		if c == '.' || c|0x20 == 'e' {
			return false
		}
	}
	return true
}

// appendJavaNumber appends the JSON number raw as Jackson's node gives it
// as text: an integer as its digits ("-0" is 0), anything else as Java's
// BigDecimal.toString, which keeps the literal's scale and uses exponent
// notation for large exponents: 1.50 stays 1.50, 1e3 is 1E+3, 0.0000001 is
// 1E-7.
func appendJavaNumber(dst, raw []byte) []byte {
	if isIntegerLiteral(raw) {
		if string(raw) == "-0" {
			return append(dst, '0')
		}
		return append(dst, raw...)
	}
	neg, intDigits, fracDigits, exp := numberParts(raw)
	coeff := make([]byte, 0, len(intDigits)+len(fracDigits))
	coeff = append(append(coeff, intDigits...), fracDigits...)
	for len(coeff) > 1 && coeff[0] == '0' {
		coeff = coeff[1:]
	}
	scale := len(fracDigits) - exp
	if neg && !(len(coeff) == 1 && coeff[0] == '0') {
		dst = append(dst, '-')
	}
	adjusted := -scale + len(coeff) - 1
	switch {
	case scale == 0:
		return append(dst, coeff...)
	case scale > 0 && adjusted >= -6:
		if pad := scale - len(coeff); pad >= 0 {
			dst = append(dst, '0', '.')
			for range pad {
				dst = append(dst, '0')
			}
			return append(dst, coeff...)
		}
		point := len(coeff) - scale
		dst = append(dst, coeff[:point]...)
		dst = append(dst, '.')
		return append(dst, coeff[point:]...)
	}
	dst = append(dst, coeff[0])
	if len(coeff) > 1 {
		dst = append(dst, '.')
		dst = append(dst, coeff[1:]...)
	}
	if adjusted != 0 {
		dst = append(dst, 'E')
		if adjusted > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(adjusted), 10)
	}
	return dst
}

// jsonAsString is the text ksqlDB reads into a STRING column from the
// valid JSON value raw: a string's characters; a number or a boolean as
// Jackson's asText; an object written back as compact JSON; an array as
// Java's List.toString of its elements each read as a STRING
// ("[a, 1, null]").
func jsonAsString(raw []byte) string {
	switch raw[0] {
	case '"':
		return bytesString(jsonText(raw))
	case '[':
		return string(appendListString(nil, raw))
	case '{':
		return string(appendCompactJSON(nil, raw))
	case 't', 'f':
		return bytesString(raw)
	}
	return string(appendJavaNumber(nil, raw))
}

// appendListString appends Java's List.toString of the JSON array raw
// whose elements are read as STRINGs.
func appendListString(dst, raw []byte) []byte {
	dst = append(dst, '[')
	i := SkipSpace(raw, 1)
	first := true
	for raw[i] != ']' {
		end := skipValue(raw, i)
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		switch elem := raw[i:end]; elem[0] {
		case 'n':
			dst = append(dst, "null"...)
		case '[':
			dst = appendListString(dst, elem)
		case '{':
			dst = appendCompactJSON(dst, elem)
		case '"':
			dst = append(dst, jsonText(elem)...)
		case 't', 'f':
			dst = append(dst, elem...)
		default:
			dst = appendJavaNumber(dst, elem)
		}
		i = SkipSpace(raw, end)
		if raw[i] == ',' {
			i = SkipSpace(raw, i+1)
		}
	}
	return append(dst, ']')
}

// appendCompactJSON appends the valid JSON value raw as Jackson writes it
// back after reading it into Java maps and lists: no spaces, a repeated
// member name once (its last value, at its first place), numbers as
// appendJavaNumber gives them, strings escaped as Jackson escapes them.
func appendCompactJSON(dst, raw []byte) []byte {
	switch raw[0] {
	case '{':
		var names [][]byte
		var vals [][]byte
		forMembers(raw, 0, func(key, v []byte) bool {
			for j, n := range names {
				if string(n) == string(key) {
					vals[j] = v
					return true
				}
			}
			names, vals = append(names, key), append(vals, v)
			return true
		})
		dst = append(dst, '{')
		for j := range names {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJacksonString(dst, bytesString(names[j]))
			dst = append(dst, ':')
			dst = appendCompactJSON(dst, vals[j])
		}
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		i := SkipSpace(raw, 1)
		first := true
		for raw[i] != ']' {
			end := skipValue(raw, i)
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendCompactJSON(dst, raw[i:end])
			i = SkipSpace(raw, end)
			if raw[i] == ',' {
				i = SkipSpace(raw, i+1)
			}
		}
		return append(dst, ']')
	case '"':
		return appendJacksonString(dst, bytesString(jsonText(raw)))
	case 't', 'f', 'n':
		return append(dst, raw...)
	}
	return appendJavaNumber(dst, raw)
}

// appendJacksonString quotes s as Jackson writes a string: quotes,
// backslashes and control characters escaped (\n, \t, \r, \b and \f by
// name, others as \u00XX in upper case), everything else, '/', U+2028 and
// U+2029 included, as it is. Bytes that are not UTF-8, which a Java string
// cannot hold, are written as U+FFFD, as Java decodes them.
func appendJacksonString(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		// Copy the run of bytes that need no escaping at once.
		start := i
		for i < len(s) && s[i] >= 0x20 && s[i] < utf8.RuneSelf && s[i] != '"' && s[i] != '\\' {
			i++
		}
		dst = append(dst, s[start:i]...)
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// ensureFit is ksqlDB's DecimalUtil.ensureFit, which every format applies
// to a decimal it reads: an overflow of the column's precision is an
// error, and so is a value with more fraction digits than the column's
// scale: values are never rounded on the way in.
func ensureFit(d types.Decimal, t types.Type) (types.Decimal, error) {
	s := int32(t.Scale())
	r := d.Rescale(s, types.RoundDown)
	// Truncating keeps |d| at or above 10^(precision-scale) when it was:
	// the overflow check of r is d's, and comes first, as in ksqlDB.
	r, err := r.CastTo(t)
	if err != nil {
		return types.Decimal{}, err
	}
	if r.Cmp(d) != 0 {
		return types.Decimal{}, fmt.Errorf("Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding. (Requires %d,%d)",
			d.String(), t.Precision(), t.Scale(), d.Precision(), d.Scale())
	}
	return r, nil
}
