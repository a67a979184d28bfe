package state

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

func TestTimeEncodingOrder(t *testing.T) {
	times := []int64{math.MinInt64, -1 << 40, -1, 0, 1, 1000, 1 << 40, math.MaxInt64}
	for i, a := range times {
		if got := readTime(appendTime(nil, a)); got != a {
			t.Fatalf("round trip of %d gave %d", a, got)
		}
		for _, b := range times[i+1:] {
			if bytes.Compare(appendTime(nil, a), appendTime(nil, b)) >= 0 {
				t.Fatalf("encoding of %d does not sort before that of %d", a, b)
			}
		}
	}
}

// Window keys must sort by raw key first whatever the key bytes (zeros,
// one key a prefix of another), then by start.
func TestEscapedKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0, 1, 0xfe, 0xff, 'a'}
	randKey := func() []byte {
		k := make([]byte, rng.IntN(4))
		for i := range k {
			k[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return k
	}
	for range 5000 {
		a, b := randKey(), randKey()
		sa, sb := rng.Int64N(200)-100, rng.Int64N(200)-100
		ea := appendTime(appendEscaped(nil, a), sa)
		eb := appendTime(appendEscaped(nil, b), sb)
		want := bytes.Compare(a, b)
		if want == 0 {
			want = cmpInt(sa, sb)
		}
		if got := bytes.Compare(ea, eb); got != want {
			t.Fatalf("(%x, %d) vs (%x, %d): encoded order %d, want %d", a, sa, b, sb, got, want)
		}
		k, rest, err := readEscaped(ea)
		if err != nil || !bytes.Equal(k, a) || len(rest) != 8 || readTime(rest) != sa {
			t.Fatalf("decoding %x gave %x, %x, %v", ea, k, rest, err)
		}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

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
