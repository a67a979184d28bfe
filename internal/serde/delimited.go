package serde

import (
	"bytes"
	"fmt"

	"github.com/sluicedata/sluice/internal/types"
)

// delimitedFormat is ksqlDB's DELIMITED format: one line of fields in
// column order, separated by the delimiter and quoted as in CSV (RFC 4180).
type delimitedFormat struct {
	cols  []types.Column
	delim byte
}

func newDelimitedFormat(cols []types.Column, opts Options) (*delimitedFormat, error) {
	d := opts.Delimiter
	if d == 0 {
		d = ','
	}
	if d == '"' || d == '\n' || d == '\r' || d >= 0x80 {
		return nil, fmt.Errorf("%w: DELIMITED: invalid delimiter %q", ErrInvalidFormat, d)
	}
	if opts.WrapSingle != nil {
		return nil, fmt.Errorf("%w: Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to '%t'", ErrInvalidFormat, *opts.WrapSingle)
	}
	for _, c := range cols {
		switch c.Type.Kind() {
		case types.KindArray, types.KindMap, types.KindStruct:
			return nil, fmt.Errorf("%w: The 'DELIMITED' format does not support type '%s', column: %s", ErrInvalidFormat, c.Type.Kind(), types.QuoteIdentifier(c.Name))
		}
	}
	return &delimitedFormat{cols: cols, delim: d}, nil
}

func (f *delimitedFormat) Name() string { return "DELIMITED" }

// Decode splits data into fields; an empty field, quoted or not, is NULL.
// Unquoted STRING fields share data.
func (f *delimitedFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if data == nil {
		return appendNulls(dst, len(f.cols)), nil
	}
	// One record per message: drop one line break at the end.
	if n := len(data); n > 0 && data[n-1] == '\n' {
		data = data[:n-1]
		if n > 1 && data[n-2] == '\r' {
			data = data[:n-2]
		}
	}
	base := len(dst)
	i, col := 0, 0
	for {
		field, next, err := f.field(data, i)
		if err != nil {
			return dst[:base], err
		}
		if col < len(f.cols) {
			v := types.Value{}
			if len(field) > 0 {
				if v, err = parsePrimitive(f.cols[col].Type, field); err != nil {
					c := f.cols[col]
					if err = causeOf(err); err != nil {
						return dst[:base], fmt.Errorf("%w: column %s: cannot convert %s to %s: %w", ErrDecode, types.QuoteIdentifier(c.Name), snippet(field), c.Type, err)
					}
					return dst[:base], fmt.Errorf("%w: column %s: cannot convert %s to %s", ErrDecode, types.QuoteIdentifier(c.Name), snippet(field), c.Type)
				}
			}
			dst = append(dst, v)
		}
		col++
		if next >= len(data) {
			break
		}
		i = next + 1 // past the delimiter
	}
	if col != len(f.cols) && !(len(f.cols) == 0 && len(data) == 0) {
		return dst[:base], fmt.Errorf("%w: DELIMITED: Unexpected field count, csvFields:%d schemaFields:%d (record %s)", ErrDecode, col, len(f.cols), snippet(data))
	}
	return dst, nil
}

// field returns the text of the field at data[i] and the offset of the
// delimiter after it (len(data) at the end).
func (f *delimitedFormat) field(data []byte, i int) (text []byte, next int, err error) {
	if i >= len(data) || data[i] != '"' {
		j := i
		for j < len(data) && data[j] != f.delim {
			switch data[j] {
			case '"':
				return nil, 0, fmt.Errorf("%w: DELIMITED: quote inside an unquoted field at offset %d of %s", ErrDecode, j, snippet(data))
			case '\n', '\r':
				return nil, 0, fmt.Errorf("%w: DELIMITED: line break outside quotes at offset %d of %s: one record per message", ErrDecode, j, snippet(data))
			}
			j++
		}
		return data[i:j], j, nil
	}
	// A quoted field: "" stands for one quote.
	start := i + 1
	var buf []byte
	for j := start; j < len(data); j++ {
		if data[j] != '"' {
			continue
		}
		if j+1 < len(data) && data[j+1] == '"' {
			buf = append(buf, data[start:j+1]...)
			start = j + 2
			j++
			continue
		}
		if j+1 < len(data) && data[j+1] != f.delim {
			return nil, 0, fmt.Errorf("%w: DELIMITED: unexpected %q after a closing quote at offset %d of %s", ErrDecode, data[j+1], j+1, snippet(data))
		}
		if buf != nil {
			return append(buf, data[start:j]...), j + 1, nil
		}
		return data[start:j], j + 1, nil
	}
	return nil, 0, fmt.Errorf("%w: DELIMITED: unterminated quoted field at offset %d of %s", ErrDecode, i, snippet(data))
}

// Encode writes the fields in column order: NULL as an empty field, an
// empty STRING as "", and text holding the delimiter, a quote or a line
// break between quotes.
func (f *delimitedFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	if len(vals) != len(f.cols) {
		return dst, fmt.Errorf("%w: DELIMITED: %d values for %d columns %s", ErrEncode, len(vals), len(f.cols), columnList(f.cols))
	}
	if len(vals) == 0 {
		return dst, nil
	}
	if dst == nil {
		dst = make([]byte, 0, 16*len(vals))
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, f.delim)
		}
		switch v.Kind() {
		case types.KindNull:
			continue
		case types.KindArray, types.KindMap, types.KindStruct:
			return dst, fmt.Errorf("%w: DELIMITED cannot write %s value of column %s", ErrEncode, v.Kind(), types.QuoteIdentifier(f.cols[i].Name))
		}
		start := len(dst)
		dst = appendText(dst, v)
		text := dst[start:]
		if len(text) == 0 || bytes.IndexByte(text, f.delim) >= 0 || bytes.ContainsAny(text, "\"\r\n") {
			quoted := make([]byte, 0, len(text)+2)
			quoted = append(quoted, '"')
			for _, c := range text {
				if c == '"' {
					quoted = append(quoted, '"')
				}
				quoted = append(quoted, c)
			}
			quoted = append(quoted, '"')
			dst = append(dst[:start], quoted...)
		}
	}
	return dst, nil
}
