package types

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unsafe"
)

// String returns v as ksqlDB shows it when it casts a value to STRING:
// true, 42, 1.5 and 1.0E10 (Java's Double.toString), 1.00 (decimals in
// plain notation, scale kept), text as is, 2021-03-04T05:06:07.089
// (TIMESTAMP, UTC), 2021-03-04 (DATE), 05:06:07 (TIME), [1, 2] (ARRAY),
// {a=1, b=2} (MAP), Struct{A=1,B=x} (STRUCT, NULL fields left out, as
// Kafka Connect prints them). NULL is "null"; BYTES are base64, as ksqlDB
// shows them in JSON.
func (v Value) String() string {
	return string(v.Append(nil))
}

// Append appends String() to dst.
func (v Value) Append(dst []byte) []byte {
	return appendValue(dst, v, false)
}

// appendValue formats v; nested values (inside containers) are formatted
// as Java's toString of the element, which for decimals is
// BigDecimal.toString (ScientificString).
func appendValue(dst []byte, v Value, nested bool) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBoolean:
		return strconv.AppendBool(dst, v.n != 0)
	case KindInt, KindBigInt:
		return strconv.AppendInt(dst, int64(v.n), 10)
	case KindDouble:
		return AppendDouble(dst, math.Float64frombits(v.n))
	case KindDecimal:
		if nested {
			return append(dst, v.dec().ScientificString()...)
		}
		return v.dec().Append(dst)
	case KindString:
		return append(dst, v.Str()...)
	case KindBytes:
		return base64.StdEncoding.AppendEncode(dst, v.Bytes())
	case KindTimestamp:
		return AppendTimestamp(dst, int64(v.n))
	case KindDate:
		return AppendDate(dst, int32(v.n))
	case KindTime:
		return AppendTime(dst, int32(v.n))
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendValue(dst, e, true)
		}
		return append(dst, ']')
	case KindMap:
		dst = append(dst, '{')
		pairs := v.Pairs()
		for i := 0; i < len(pairs); i += 2 {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendValue(dst, pairs[i], true)
			dst = append(dst, '=')
			dst = appendValue(dst, pairs[i+1], true)
		}
		return append(dst, '}')
	case KindStruct:
		s := (*structData)(v.p)
		dst = append(dst, "Struct{"...)
		first := true
		for i, f := range s.vals {
			if f.IsNull() {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, s.names[i]...)
			dst = append(dst, '=')
			dst = appendValue(dst, f, true)
		}
		return append(dst, '}')
	}
	return dst
}

// FormatDouble formats f as Java's Double.toString does, which is how
// ksqlDB writes a DOUBLE as text: the shortest digits that read back as f,
// at least one digit after the point, plain for 1E-3 <= |f| < 1E7
// ("100.0", "0.001") and scientific otherwise ("1.0E7", "4.9E-324");
// "NaN", "Infinity", "-Infinity".
func FormatDouble(f float64) string {
	var buf [32]byte
	return string(AppendDouble(buf[:0], f))
}

// AppendDouble appends FormatDouble(f) to dst.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case f != f:
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	var sbuf, tbuf [32]byte
	digits, exp := decimalDigits(sbuf[:0], strconv.AppendFloat(tbuf[:0], abs, 'e', -1, 64))
	if len(digits) == 1 {
		// Java writes at least two significant digits and picks, among
		// two-digit decimals that read back as f, the closest to f: the
		// smallest double is 4.9E-324, not 5.0E-324.
		two := strconv.AppendFloat(tbuf[:0], abs, 'e', 1, 64)
		if g, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(two), len(two)), 64); err == nil && g == abs {
			digits, exp = decimalDigits(sbuf[:0], two)
			if digits[1] == '0' {
				digits = digits[:1]
			}
		}
	}
	if f < 0 {
		dst = append(dst, '-')
	}
	// The value is 0.d1d2d3... × 10^exp.
	if abs >= 1e-3 && abs < 1e7 {
		switch {
		case exp <= 0:
			dst = append(dst, '0', '.')
			for i := exp; i < 0; i++ {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		case exp >= len(digits):
			dst = append(dst, digits...)
			for i := len(digits); i < exp; i++ {
				dst = append(dst, '0')
			}
			return append(dst, '.', '0')
		}
		dst = append(dst, digits[:exp]...)
		dst = append(dst, '.')
		return append(dst, digits[exp:]...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp-1), 10)
}

// decimalDigits returns the significant digits of a number formatted as
// d.ddde±xx, and the exponent e with the number = 0.d1d2... × 10^e.
func decimalDigits(dst, s []byte) ([]byte, int) {
	i := 0
	for ; i < len(s) && s[i] != 'e'; i++ {
		if s[i] != '.' {
			dst = append(dst, s[i])
		}
	}
	e := 0
	for _, c := range s[i+2:] {
		e = e*10 + int(c-'0')
	}
	if s[i+1] == '-' {
		e = -e
	}
	return dst, e + 1
}

// AppendTimestamp appends a TIMESTAMP as ksqlDB shows it, in UTC with
// milliseconds: 2021-03-04T05:06:07.089.
func AppendTimestamp(dst []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000")
}

// AppendDate appends a DATE as ISO 8601: 2021-03-04.
func AppendDate(dst []byte, days int32) []byte {
	return time.Unix(int64(days)*86400, 0).UTC().AppendFormat(dst, "2006-01-02")
}

// AppendTime appends a TIME as HH:mm:ss, with .SSS when the milliseconds
// are not zero: 05:06:07, 05:06:07.089.
func AppendTime(dst []byte, ms int32) []byte {
	t := int64(ms)
	dst = append2(dst, t/3600000)
	dst = append(dst, ':')
	dst = append2(dst, t/60000%60)
	dst = append(dst, ':')
	dst = append2(dst, t/1000%60)
	if m := t % 1000; m != 0 {
		dst = append(dst, '.', byte('0'+m/100), byte('0'+m/10%10), byte('0'+m%10))
	}
	return dst
}

func append2(dst []byte, n int64) []byte {
	if n < 10 && n >= 0 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, n, 10)
}
