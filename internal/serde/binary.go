package serde

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/types"
)

// binaryFormat writes each column in the binary encoding of types, one
// after the other. It is for topics only Sluice reads (repartition
// topics): several times cheaper than JSON both ways, and never offered
// in a WITH clause.
type binaryFormat struct{ types []types.Type }

// NewBinary returns the internal binary format of the given columns.
func NewBinary(cols []types.Column) Format {
	f := &binaryFormat{}
	for _, c := range cols {
		f.types = append(f.types, c.Type)
	}
	return f
}

func (f *binaryFormat) Name() string { return "BINARY" }

func (f *binaryFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	if len(vals) != len(f.types) {
		return dst, fmt.Errorf("%w: %d values for %d columns", ErrEncode, len(vals), len(f.types))
	}
	for _, v := range vals {
		dst = types.AppendBinary(dst, v)
	}
	return dst, nil
}

// Decode reads the columns; strings and bytes point into data.
func (f *binaryFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if data == nil {
		return appendNulls(dst, len(f.types)), nil
	}
	for i, t := range f.types {
		v, rest, err := types.ReadBinaryShared(data, t)
		if err != nil {
			return dst, fmt.Errorf("%w: column %d: %w", ErrDecode, i, err)
		}
		dst, data = append(dst, v), rest
	}
	if len(data) != 0 {
		return dst, fmt.Errorf("%w: %d bytes after the last column", ErrDecode, len(data))
	}
	return dst, nil
}
