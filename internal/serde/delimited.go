package serde

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/types"
)

// delimitedFormat is ksqlDB's DELIMITED format: one CSV record of fields in
// column order, read and written as ksqlDB's Apache Commons CSV (1.4) does
// with its DEFAULT dialect and the configured delimiter (see csv.go).
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
	// DELIMITED writes a single column bare: it can be unwrapped, never
	// wrapped.
	if opts.WrapSingle != nil && *opts.WrapSingle {
		return nil, fmt.Errorf("%w: %s", ErrInvalidFormat, wrapUnsupported("DELIMITED", true))
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

// Decode reads the first CSV record of data (later records must parse but
// are ignored, as in ksqlDB); an empty field, quoted or not, is NULL.
// Unquoted STRING fields share data.
func (f *delimitedFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if data == nil {
		return appendNulls(dst, len(f.cols)), nil
	}
	base := len(dst)
	lx := csvLexer{data: data, delim: f.delim, last: csvUndefined}
	n := 0
	for {
		field, t, ready, err := lx.token()
		if err != nil {
			return dst[:base], fmt.Errorf("%w: DELIMITED: %w in %s", ErrDecode, err, snippet(data))
		}
		if !ready {
			break // the input holds no record
		}
		if n < len(f.cols) {
			v := types.Value{}
			if len(field) > 0 {
				if v, err = parseDelimited(f.cols[n].Type, field); err != nil {
					return dst[:base], f.convertError(n, field, err)
				}
			}
			dst = append(dst, v)
		}
		n++
		if t != csvField {
			break
		}
	}
	if n == 0 {
		if len(f.cols) == 0 {
			return dst, nil
		}
		return dst[:base], fmt.Errorf("%w: DELIMITED: No fields in record %s", ErrDecode, snippet(data))
	}
	if err := lx.rest(); err != nil {
		return dst[:base], fmt.Errorf("%w: DELIMITED: %w in %s", ErrDecode, err, snippet(data))
	}
	if n != len(f.cols) {
		return dst[:base], fmt.Errorf("%w: DELIMITED: Column count mismatch on deserialization. expected: %d, got: %d (record %s)", ErrDecode, len(f.cols), n, snippet(data))
	}
	return dst, nil
}

func (f *delimitedFormat) convertError(i int, field []byte, err error) error {
	c := f.cols[i]
	if err = causeOf(err); err != nil {
		return fmt.Errorf("%w: column %s: cannot convert %s to %s: %w", ErrDecode, types.QuoteIdentifier(c.Name), snippet(field), c.Type, err)
	}
	return fmt.Errorf("%w: column %s: cannot convert %s to %s", ErrDecode, types.QuoteIdentifier(c.Name), snippet(field), c.Type)
}

// Encode writes the fields in column order, NULL as an empty field (even
// first: a lone NULL column writes empty bytes), quoting other fields as
// Commons CSV's minimal quoting does (see csvNeedsQuotes).
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
		case types.KindArray, types.KindMap, types.KindStruct:
			return dst, fmt.Errorf("%w: DELIMITED cannot write %s value of column %s", ErrEncode, v.Kind(), types.QuoteIdentifier(f.cols[i].Name))
		}
		if v.IsNull() {
			continue // Commons CSV writes null as nothing, never quoted
		}
		start := len(dst)
		dst = appendText(dst, v)
		if csvNeedsQuotes(dst[start:], f.delim, i == 0) {
			dst = quoteCSV(dst, start)
		}
	}
	return dst, nil
}
