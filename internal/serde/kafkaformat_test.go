package serde

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestKafkaFormat(t *testing.T) {
	tests := []struct {
		typ  types.Type
		v    types.Value
		data []byte
	}{
		{types.IntegerType, types.Int(1), []byte{0, 0, 0, 1}},
		{types.IntegerType, types.Int(-2), []byte{0xff, 0xff, 0xff, 0xfe}},
		{types.BigIntType, types.BigInt(math.MaxInt64), []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{types.BigIntType, types.BigInt(258), []byte{0, 0, 0, 0, 0, 0, 1, 2}},
		{types.DoubleType, types.Double(1.5), []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{types.DoubleType, types.Double(-2), []byte{0xc0, 0, 0, 0, 0, 0, 0, 0}},
		{types.StringType, types.Str("héllo"), []byte("héllo")},
		{types.StringType, types.Str(""), []byte{}},
		{types.BytesType, types.Bytes([]byte{0, 1, 0xff}), []byte{0, 1, 0xff}},
	}
	for _, tc := range tests {
		for _, c := range []types.Column{col("V", tc.typ), keyCol("K", tc.typ)} {
			f := mustFormat(t, "KAFKA", []types.Column{c}, Options{})
			b, err := f.Encode(nil, []types.Value{tc.v})
			if err != nil || b == nil || !bytes.Equal(b, tc.data) {
				t.Errorf("%s: Encode(%v) = %x, %v; want %x", tc.typ, tc.v, b, err, tc.data)
			}
			got, err := f.Decode(nil, tc.data)
			if err != nil || !sameRow(got, []types.Value{tc.v}) {
				t.Errorf("%s: Decode(%x) = %v, %v; want %v", tc.typ, tc.data, got, err, tc.v)
			}
			if got, err := f.Decode(nil, nil); err != nil || !sameRow(got, []types.Value{types.Null()}) {
				t.Errorf("%s: Decode(nil) = %v, %v; want [NULL]", tc.typ, got, err)
			}
			if b, err := f.Encode(nil, []types.Value{types.Null()}); err != nil || b != nil {
				t.Errorf("%s: Encode(NULL) = %x, %v; want nil", tc.typ, b, err)
			}
		}
	}
}

func TestKafkaFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		typ  types.Type
		data []byte
		want string
	}{
		{types.IntegerType, []byte{0, 1, 2}, "column `V` of type INTEGER needs 4 bytes, got 3"},
		{types.IntegerType, []byte{}, "needs 4 bytes, got 0"},
		{types.BigIntType, []byte{0, 0, 0, 1}, "needs 8 bytes, got 4"},
		{types.DoubleType, make([]byte, 9), "column `V` of type DOUBLE needs 8 bytes, got 9"},
	} {
		f := mustFormat(t, "KAFKA", []types.Column{col("V", tc.typ)}, Options{})
		got, err := f.Decode(nil, tc.data)
		if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), tc.want) || len(got) != 0 {
			t.Errorf("%s: Decode(%x) = %v, %v; want ErrDecode with %q", tc.typ, tc.data, got, err, tc.want)
		}
	}
	f := mustFormat(t, "KAFKA", []types.Column{col("V", types.IntegerType)}, Options{})
	if _, err := f.Encode(nil, []types.Value{types.Str("x")}); !errors.Is(err, ErrEncode) || !strings.Contains(err.Error(), "cannot hold a STRING value") {
		t.Errorf("Encode(STRING into INTEGER) = %v", err)
	}
	if _, err := f.Encode(nil, nil); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode(no values) = %v", err)
	}
}

func TestKafkaFormatNoColumns(t *testing.T) {
	f := mustFormat(t, "KAFKA", nil, Options{})
	if got, err := f.Decode(nil, []byte("ignored")); err != nil || len(got) != 0 {
		t.Errorf("Decode = %v, %v; want no values", got, err)
	}
	if b, err := f.Encode(nil, nil); err != nil || b != nil {
		t.Errorf("Encode = %x, %v; want nil", b, err)
	}
}
