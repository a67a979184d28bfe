package serde

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sluicedata/sluice/internal/types"
)

// kafkaFormat is ksqlDB's KAFKA format: one primitive column in the
// layout of Kafka's own serializers.
type kafkaFormat struct {
	col  types.Column
	none bool // no columns: nothing to read or write
}

func newKafkaFormat(cols []types.Column) (*kafkaFormat, error) {
	switch len(cols) {
	case 0:
		return &kafkaFormat{none: true}, nil
	case 1:
	default:
		return nil, fmt.Errorf("%w: The 'KAFKA' format only supports a single field. Got: %s", ErrInvalidFormat, columnList(cols))
	}
	switch cols[0].Type.Kind() {
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindString, types.KindBytes:
	default:
		// ksqlDB's wording, which its tests pin: the type's kind alone.
		return nil, fmt.Errorf("%w: The 'KAFKA' format does not support type '%s'", ErrInvalidFormat, cols[0].Type.Kind())
	}
	return &kafkaFormat{col: cols[0]}, nil
}

func (f *kafkaFormat) Name() string { return "KAFKA" }

// Decode reads the column; STRING and BYTES values share data.
func (f *kafkaFormat) Decode(dst []types.Value, data []byte) ([]types.Value, error) {
	if f.none {
		return dst, nil
	}
	if data == nil {
		return append(dst, types.Value{}), nil
	}
	want := 0
	switch f.col.Type.Kind() {
	case types.KindInt:
		want = 4
	case types.KindBigInt, types.KindDouble:
		want = 8
	case types.KindString:
		return append(dst, types.Str(bytesString(data))), nil
	case types.KindBytes:
		return append(dst, types.Bytes(data)), nil
	}
	if len(data) != want {
		return dst, fmt.Errorf("%w: KAFKA column %s of type %s needs %d bytes, got %d", ErrDecode, types.QuoteIdentifier(f.col.Name), f.col.Type, want, len(data))
	}
	switch f.col.Type.Kind() {
	case types.KindInt:
		return append(dst, types.Int(int32(binary.BigEndian.Uint32(data)))), nil
	case types.KindBigInt:
		return append(dst, types.BigInt(int64(binary.BigEndian.Uint64(data)))), nil
	default:
		return append(dst, types.Double(math.Float64frombits(binary.BigEndian.Uint64(data)))), nil
	}
}

// Encode writes the column; a NULL writes nothing (a null record).
func (f *kafkaFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	n := 1
	if f.none {
		n = 0
	}
	if len(vals) != n {
		return dst, fmt.Errorf("%w: KAFKA: %d values for %d columns", ErrEncode, len(vals), n)
	}
	if n == 0 || vals[0].IsNull() {
		return dst, nil
	}
	v := vals[0]
	if dst == nil {
		// An empty STRING or BYTES is not a null record.
		dst = make([]byte, 0, 8)
	}
	if v.Kind() != f.col.Type.Kind() {
		return dst, fmt.Errorf("%w: KAFKA column %s of type %s cannot hold a %s value", ErrEncode, types.QuoteIdentifier(f.col.Name), f.col.Type, v.Kind())
	}
	switch v.Kind() {
	case types.KindInt:
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int())), nil
	case types.KindBigInt:
		return binary.BigEndian.AppendUint64(dst, uint64(v.BigInt())), nil
	case types.KindDouble:
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Double())), nil
	case types.KindString:
		return append(dst, v.Str()...), nil
	default:
		return append(dst, v.Bytes()...), nil
	}
}
