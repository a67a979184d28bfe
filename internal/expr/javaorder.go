package expr

import (
	"sort"
	"unicode/utf16"

	"github.com/sluicedata/sluice/internal/types"
)

// javaHashOrder returns the positions of a map's entries in the order
// ksqlDB's REDUCE visits them: the iteration order of a java.util.HashMap
// copied from the map (new HashMap<>(map)), which is by bucket of the keys'
// Java hash codes, then by the map's own order. The order only matters to
// a REDUCE whose lambda does not commute, but then it must be ksqlDB's.
// Keys of a type without a Java hash here keep the map's order.
func javaHashOrder(m types.Value) []int {
	n := m.Len()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if n < 2 {
		return idx
	}
	buckets := make([]uint32, n)
	mask := uint32(javaTableSize(n) - 1)
	for i := 0; i < n; i++ {
		h, ok := javaHash(m.MapKey(i))
		if !ok {
			return idx
		}
		buckets[i] = (h ^ h>>16) & mask
	}
	sort.SliceStable(idx, func(a, b int) bool { return buckets[idx[a]] < buckets[idx[b]] })
	return idx
}

// javaTableSize is the table size of new HashMap<>(m) for a map m of n
// entries: the power of two at least n/0.75 + 1.
func javaTableSize(n int) int {
	t := int(float32(n)/0.75 + 1)
	size := 1
	for size < t {
		size <<= 1
	}
	return size
}

// javaHash is the key's Java hashCode(): String, Integer, Long, Boolean.
func javaHash(k types.Value) (uint32, bool) {
	if k.IsNull() {
		return 0, true
	}
	switch k.Kind() {
	case types.KindString:
		var h uint32
		for _, c := range utf16.Encode([]rune(k.Str())) {
			h = 31*h + uint32(c)
		}
		return h, true
	case types.KindInt:
		return uint32(k.Int()), true
	case types.KindBigInt:
		v := uint64(k.BigInt())
		return uint32(v ^ v>>32), true
	case types.KindBoolean:
		if k.Bool() {
			return 1231, true
		}
		return 1237, true
	}
	return 0, false
}
