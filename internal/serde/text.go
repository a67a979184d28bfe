package serde

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"strconv"

	"github.com/sluicedata/sluice/internal/types"
)

var errConvert = errors.New("cannot convert")

// parseInt parses an optionally signed run of decimal digits without
// allocating; ok is false for other text or a value outside [lo, hi].
func parseInt(s []byte, lo, hi int64) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	switch s[0] {
	case '-':
		neg, i = true, 1
	case '+':
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	var u uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		n := -int64(u)
		return n, n >= lo
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), int64(u) <= hi
}

// parseWhole parses an integer for an INTEGER or BIGINT column: digits, or a
// number with a fraction or exponent truncated toward zero as Java's
// Number.longValue does, within [lo, hi].
func parseWhole(s []byte, lo, hi int64) (int64, bool) {
	if n, ok := parseInt(s, lo, hi); ok {
		return n, true
	}
	d, err := types.ParseDecimal(bytesString(s))
	if err != nil {
		return 0, false
	}
	t := d.Rescale(0, types.RoundDown)
	n, ok := t.UnscaledInt64()
	return n, ok && n >= lo && n <= hi
}

// parseDouble parses a DOUBLE as Java's Double.parseDouble, NaN and
// Infinity included, but refuses a number too large for a DOUBLE instead
// of rounding it to an infinity.
func parseDouble(s []byte) (float64, bool) {
	f, ok := parseJavaDouble(s)
	if ok && math.IsInf(f, 0) && bytes.IndexByte(s, 'I') < 0 {
		return 0, false
	}
	return f, ok
}

// parseFloat is strconv.ParseFloat where a value beyond float64's range
// rounds to an infinity, as in Java, instead of failing.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, nil
		}
	}
	return f, err
}

// decodeBase64 decodes standard base64 as Java's Base64.getDecoder does:
// the padding may be left out, but no other character (line breaks
// included) is allowed.
func decodeBase64(s []byte) ([]byte, bool) {
	if bytes.ContainsAny(s, "\r\n") {
		return nil, false
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 && bytes.IndexByte(s, '=') < 0 {
		enc = base64.RawStdEncoding
	}
	b := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(b, s)
	if err != nil {
		return nil, false
	}
	return b[:n], true
}

// parseDelimited converts a DELIMITED field to a value of the primitive
// type t as ksqlDB's delimited deserializer does: BOOLEAN as Java's
// Boolean.parseBoolean (true ignoring case, anything else false), INTEGER
// and BIGINT as Integer.parseInt and Long.parseLong (digits only), the
// DOUBLE as Double.parseDouble (1e400 is Infinity), the other types as
// parsePrimitive.
func parseDelimited(t types.Type, s []byte) (types.Value, error) {
	switch t.Kind() {
	case types.KindBoolean:
		b, _ := parseBool(s)
		return types.Bool(b), nil
	case types.KindInt:
		if n, ok := parseInt(s, math.MinInt32, math.MaxInt32); ok {
			return types.Int(int32(n)), nil
		}
		return types.Value{}, errConvert
	case types.KindBigInt:
		if n, ok := parseInt(s, math.MinInt64, math.MaxInt64); ok {
			return types.BigInt(n), nil
		}
		return types.Value{}, errConvert
	case types.KindDouble:
		if f, ok := parseJavaDouble(s); ok {
			return types.Double(f), nil
		}
		return types.Value{}, errConvert
	}
	return parsePrimitive(t, s)
}

// parseBool accepts true and false in any case.
func parseBool(s []byte) (bool, bool) {
	if len(s) == 4 && (s[0]|0x20) == 't' && (s[1]|0x20) == 'r' && (s[2]|0x20) == 'u' && (s[3]|0x20) == 'e' {
		return true, true
	}
	if len(s) == 5 && (s[0]|0x20) == 'f' && (s[1]|0x20) == 'a' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 's' && (s[4]|0x20) == 'e' {
		return false, true
	}
	return false, false
}

// parsePrimitive converts text to a value of a primitive type t. STRING
// values share s's bytes; BYTES are base64 and get their own memory.
// The error is errConvert, which callers dress with the column and text.
func parsePrimitive(t types.Type, s []byte) (types.Value, error) {
	switch t.Kind() {
	case types.KindBoolean:
		if b, ok := parseBool(s); ok {
			return types.Bool(b), nil
		}
	case types.KindInt:
		if n, ok := parseWhole(s, math.MinInt32, math.MaxInt32); ok {
			return types.Int(int32(n)), nil
		}
	case types.KindBigInt:
		if n, ok := parseWhole(s, math.MinInt64, math.MaxInt64); ok {
			return types.BigInt(n), nil
		}
	case types.KindTimestamp:
		if n, ok := parseInt(s, math.MinInt64, math.MaxInt64); ok {
			return types.Timestamp(n), nil
		}
	case types.KindDate:
		if n, ok := parseInt(s, math.MinInt32, math.MaxInt32); ok {
			return types.Date(int32(n)), nil
		}
	case types.KindTime:
		if n, ok := parseInt(s, 0, 86_399_999); ok {
			return types.Time(int32(n)), nil
		}
	case types.KindDouble:
		if f, ok := parseDouble(s); ok {
			return types.Double(f), nil
		}
	case types.KindDecimal:
		d, err := types.ParseDecimal(bytesString(s))
		if err != nil {
			return types.Value{}, errConvert
		}
		d, err = ensureFit(d, t)
		if err != nil {
			return types.Value{}, err
		}
		return types.Dec(d), nil
	case types.KindString:
		return types.Str(bytesString(s)), nil
	case types.KindBytes:
		if b, ok := decodeBase64(s); ok {
			return types.Bytes(b), nil
		}
	}
	return types.Value{}, errConvert
}

// appendText appends a primitive value as text: numbers as ksqlDB writes
// them (DOUBLE as Java's Double.toString, DECIMAL in plain notation with
// its scale), TIMESTAMP, DATE and TIME as their numbers, BYTES as base64.
func appendText(dst []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindBoolean:
		return strconv.AppendBool(dst, v.Bool())
	case types.KindInt:
		return strconv.AppendInt(dst, int64(v.Int()), 10)
	case types.KindBigInt:
		return strconv.AppendInt(dst, v.BigInt(), 10)
	case types.KindTimestamp:
		return strconv.AppendInt(dst, v.Timestamp(), 10)
	case types.KindDate:
		return strconv.AppendInt(dst, int64(v.Date()), 10)
	case types.KindTime:
		return strconv.AppendInt(dst, int64(v.Time()), 10)
	case types.KindDouble:
		return types.AppendDouble(dst, v.Double())
	case types.KindDecimal:
		return v.Dec().Append(dst)
	case types.KindString:
		return append(dst, v.Str()...)
	case types.KindBytes:
		return base64.StdEncoding.AppendEncode(dst, v.Bytes())
	}
	return v.Append(dst)
}
