package state

import (
	"bytes"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct{ in, want []byte }{
		{[]byte{1, 2}, []byte{1, 3}},
		{[]byte{1, 0xff}, []byte{2}},
		{[]byte{0xff, 0xff}, nil},
	} {
		if got := prefixEnd(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("prefixEnd(%x) = %x, want %x", c.in, got, c.want)
		}
	}
	// Names are length-prefixed: "a" does not own the keys of "ab".
	a, ab := storePrefix(kindKV, "a"), storePrefix(kindKV, "ab")
	if bytes.HasPrefix(ab, a) {
		t.Fatalf("prefix %x of store a is a prefix of store ab's %x", a, ab)
	}
}
