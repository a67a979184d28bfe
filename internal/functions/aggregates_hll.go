package functions

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/bits"

	"github.com/sluicedata/sluice/internal/types"
)

// COUNT_DISTINCT estimates the number of distinct non-null values with a
// HyperLogLog of 2^14 registers, as ksqlDB does (standard error about
// 0.8%; small counts, estimated by linear counting, are nearly always
// exact). The hash differs from ksqlDB's, so estimates of large counts
// may differ from ksqlDB's by that error.
//
// The state is a BYTES value. While few registers are set it is sparse:
// 3-byte entries (register index, big-endian uint16, then its rank),
// sorted by index. Once that would exceed hllSparseMax entries it becomes
// dense: one byte per register, hllM bytes. The two are told apart by
// length, since a sparse state is always shorter than hllM.

const (
	hllLog2M     = 14
	hllM         = 1 << hllLog2M
	hllSparseMax = 2048
)

func resolveCountDistinct(c *aggCall) (ResolvedAggregate, bool, error) {
	t, ok := anyTypeArg(c)
	if !ok {
		return ResolvedAggregate{}, false, nil
	}
	return ResolvedAggregate{
		Params: []types.Type{t}, Return: types.BigIntType, State: types.BytesType,
		Init: func() types.Value { return types.Bytes([]byte{}) },
		Add: func(s types.Value, args []types.Value) (types.Value, error) {
			if args[0].IsNull() {
				return s, nil
			}
			idx, rank := hllPosition(stableHash(args[0]))
			return types.Bytes(hllSet(s.Bytes(), idx, rank)), nil
		},
		Merge: func(a, b types.Value) (types.Value, error) {
			out := a.Bytes()
			hllEach(b.Bytes(), func(idx int, rank byte) { out = hllSet(out, idx, rank) })
			return types.Bytes(out), nil
		},
		Result: func(s types.Value) (types.Value, error) {
			return types.BigInt(hllEstimate(s.Bytes())), nil
		},
	}, true, nil
}

// stableHash hashes a value the same way in every process, since the
// state it feeds is persisted (types.Value.Hash is seeded per process).
func stableHash(v types.Value) uint64 {
	h := fnv.New64a()
	h.Write([]byte{byte(v.Kind())})
	h.Write(v.Append(nil))
	x := h.Sum64()
	// FNV's high bits mix poorly; finish with a 64-bit avalanche.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// hllPosition splits a hash into a register index (its top bits) and the
// rank of the rest: one plus its number of leading zeros.
func hllPosition(h uint64) (int, byte) {
	idx := int(h >> (64 - hllLog2M))
	rest := h<<hllLog2M | 1<<(hllLog2M-1) // the guard bit bounds the rank
	return idx, byte(bits.LeadingZeros64(rest) + 1)
}

// hllSet returns a copy of the state with register idx raised to rank, or
// the state itself when the register is already at least that high.
func hllSet(state []byte, idx int, rank byte) []byte {
	if len(state) == hllM {
		if state[idx] >= rank {
			return state
		}
		out := append([]byte(nil), state...)
		out[idx] = rank
		return out
	}
	n := len(state) / 3
	// Binary search for idx among the sorted entries.
	lo, hi := 0, n
	for lo < hi {
		mid := (lo + hi) / 2
		if int(binary.BigEndian.Uint16(state[3*mid:])) < idx {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < n && int(binary.BigEndian.Uint16(state[3*lo:])) == idx {
		if state[3*lo+2] >= rank {
			return state
		}
		out := append([]byte(nil), state...)
		out[3*lo+2] = rank
		return out
	}
	if n+1 > hllSparseMax {
		dense := make([]byte, hllM)
		hllEach(state, func(i int, r byte) { dense[i] = r })
		dense[idx] = rank
		return dense
	}
	out := make([]byte, 0, len(state)+3)
	out = append(out, state[:3*lo]...)
	out = binary.BigEndian.AppendUint16(out, uint16(idx))
	out = append(out, rank)
	return append(out, state[3*lo:]...)
}

// hllEach calls fn for every register set in a state.
func hllEach(state []byte, fn func(idx int, rank byte)) {
	if len(state) == hllM {
		for i, r := range state {
			if r != 0 {
				fn(i, r)
			}
		}
		return
	}
	for i := 0; i+3 <= len(state); i += 3 {
		fn(int(binary.BigEndian.Uint16(state[i:])), state[i+2])
	}
}

// hllEstimate is the HyperLogLog estimate, with linear counting for small
// cardinalities, as stream-lib (which ksqlDB uses) computes it.
func hllEstimate(state []byte) int64 {
	var sum float64
	set := 0
	hllEach(state, func(_ int, r byte) {
		sum += math.Ldexp(1, -int(r))
		set++
	})
	zeros := float64(hllM - set)
	sum += zeros // each empty register adds 2^-0
	const m = float64(hllM)
	alphaMM := 0.7213 / (1 + 1.079/m) * m * m
	estimate := alphaMM / sum
	if estimate <= 2.5*m && zeros > 0 {
		return int64(math.Round(m * math.Log(m/zeros)))
	}
	return int64(math.Round(estimate))
}
