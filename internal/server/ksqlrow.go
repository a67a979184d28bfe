package server

import (
	"encoding/base64"
	"math"
	"strconv"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// appendKsqlValue appends v as ksqlDB's REST API writes a column value:
// numbers as JSON numbers (decimals in plain notation), NaN and infinities
// as strings (Jackson's default), BYTES as base64, TIMESTAMP, DATE and TIME
// as ISO-8601 strings in UTC ("2021-01-01T00:00:00.000", "2021-01-01",
// "12:00:00"), structs and maps as objects and arrays as arrays.
func appendKsqlValue(dst []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return append(dst, "null"...)
	case types.KindBoolean:
		return strconv.AppendBool(dst, v.Bool())
	case types.KindInt:
		return strconv.AppendInt(dst, int64(v.Int()), 10)
	case types.KindBigInt:
		return strconv.AppendInt(dst, v.BigInt(), 10)
	case types.KindDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.AppendQuote(dst, types.FormatDouble(f))
		}
		return types.AppendDouble(dst, f)
	case types.KindDecimal:
		return v.Dec().Append(dst)
	case types.KindString:
		return serde.AppendQuoted(dst, v.Str())
	case types.KindBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes())
		return append(dst, '"')
	case types.KindTimestamp:
		dst = append(dst, '"')
		dst = types.AppendTimestamp(dst, v.Timestamp())
		return append(dst, '"')
	case types.KindDate:
		dst = append(dst, '"')
		dst = types.AppendDate(dst, v.Date())
		return append(dst, '"')
	case types.KindTime:
		dst = append(dst, '"')
		dst = types.AppendTime(dst, v.Time())
		return append(dst, '"')
	case types.KindArray:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendKsqlValue(dst, e)
		}
		return append(dst, ']')
	case types.KindMap:
		dst = append(dst, '{')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			// JSON keys are strings; ksqlDB's map keys are STRING, and
			// any other key is written as its text.
			k := v.MapKey(i)
			if k.Kind() == types.KindString {
				dst = serde.AppendQuoted(dst, k.Str())
			} else {
				dst = serde.AppendQuoted(dst, k.String())
			}
			dst = append(dst, ':')
			dst = appendKsqlValue(dst, v.MapElem(i))
		}
		return append(dst, '}')
	case types.KindStruct:
		dst = append(dst, '{')
		names := v.FieldNames()
		for i, f := range v.Fields() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = serde.AppendQuoted(dst, names[i])
			dst = append(dst, ':')
			dst = appendKsqlValue(dst, f)
		}
		return append(dst, '}')
	}
	// A kind this writer does not know yet: its text, quoted, is still
	// valid JSON.
	return serde.AppendQuoted(dst, v.String())
}

// appendKsqlRow appends a row's values as a JSON array in the order of
// cols. A tombstone may carry only the key values: they go to the key
// columns, in order, and the other columns are null.
func appendKsqlRow(dst []byte, cols []engine.Column, row engine.Row) []byte {
	dst = append(dst, '[')
	vals := row.Values
	if len(vals) == len(cols) || !row.Tombstone {
		for i, v := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendKsqlValue(dst, v)
		}
		return append(dst, ']')
	}
	k := 0
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		if c.Key && k < len(vals) {
			dst = appendKsqlValue(dst, vals[k])
			k++
			continue
		}
		dst = append(dst, "null"...)
	}
	return append(dst, ']')
}
