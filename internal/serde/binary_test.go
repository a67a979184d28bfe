package serde

import (
	"errors"
	"testing"

	"github.com/sluicedata/sluice/internal/types"
)

func TestBinaryFormat(t *testing.T) {
	f := NewBinary([]types.Column{{Name: "S", Type: types.StringType}, {Name: "N", Type: types.BigIntType},
		{Name: "A", Type: types.ArrayType(types.IntegerType)}})
	row := []types.Value{types.Str("x\x00y"), types.Null(), types.Array([]types.Value{types.Int(1), types.Null()})}
	b, err := f.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Decode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if types.Row(got).String() != types.Row(row).String() {
		t.Fatalf("decoded %s, want %s", types.Row(got), types.Row(row))
	}
	if got, err := f.Decode(nil, nil); err != nil || len(got) != 3 || !got[0].IsNull() {
		t.Fatalf("a null record decodes to %v, %v; want 3 NULLs", got, err)
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(b, 0)} {
		if _, err := f.Decode(nil, bad); !errors.Is(err, ErrDecode) {
			t.Errorf("Decode(%x): %v, want ErrDecode", bad, err)
		}
	}
	if _, err := f.Encode(nil, row[:2]); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode of 2 values for 3 columns: %v, want ErrEncode", err)
	}
}
