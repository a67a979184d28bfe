package gen

import (
	"math"
	"math/bits"
)

// rng is splitmix64: tiny state, a few nanoseconds per number, and an
// output sequence defined here rather than by a library that may change
// it between releases.
type rng struct{ s uint64 }

func newRNG(seed int64, stream uint64) rng {
	return rng{s: mix64(uint64(seed)) ^ mix64(stream+0x632be59bd9b4e019)}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn is uniform in [0, n) (Lemire's multiply, bias below 2^-40 for the
// sizes used here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// between is uniform in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// mix64 is splitmix64's finalizer: a bijection on uint64, so distinct
// inputs give distinct outputs (used for unique ids).
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// zipf draws ranks 1..n with P(k) proportional to (k+q)^-s (Zipf, or
// Zipf-Mandelbrot when q > 0, which flattens the head), in constant time
// and without a table, by rejection-inversion (Hörmann and Derflinger,
// 1996): the rank is read off the inverse of the integral of a continuous
// hat function and rejected only in a thin sliver near each integer.
type zipf struct {
	lo, hi          float64 // shifted ranks: 1+q .. n+q
	q               int
	s               float64
	hX1, hN, cutoff float64
}

func newZipf(n int, s float64, q int) *zipf {
	z := &zipf{lo: float64(1 + q), hi: float64(n + q), q: q, s: s}
	z.hX1 = z.hIntegral(z.lo+0.5) - z.h(z.lo)
	z.hN = z.hIntegral(z.hi + 0.5)
	z.cutoff = z.lo + 1 - z.hIntegralInv(z.hIntegral(z.lo+1.5)-z.h(z.lo+1))
	return z
}

// index returns a value in [0, n), 0 the most frequent.
func (z *zipf) index(r *rng) int {
	for {
		u := z.hN + r.float()*(z.hX1-z.hN)
		x := z.hIntegralInv(u)
		k := math.Floor(x + 0.5)
		if k < z.lo {
			k = z.lo
		} else if k > z.hi {
			k = z.hi
		}
		if k-x <= z.cutoff || u >= z.hIntegral(k+0.5)-z.h(k) {
			return int(k) - 1 - z.q
		}
	}
}

func (z *zipf) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

// hIntegral is the integral of h from 1 to x, written so that it stays
// exact as s approaches 1 (where it becomes log x).
func (z *zipf) hIntegral(x float64) float64 {
	lx := math.Log(x)
	return expm1Over((1-z.s)*lx) * lx
}

func (z *zipf) hIntegralInv(y float64) float64 {
	t := y * (1 - z.s)
	if t < -1 {
		t = -1 // rounding at the far end of the domain
	}
	return math.Exp(log1pOver(t) * y)
}

// expm1Over is (e^t - 1)/t, continuous at 0.
func expm1Over(t float64) float64 {
	if math.Abs(t) > 1e-8 {
		return math.Expm1(t) / t
	}
	return 1 + t*0.5*(1+t/3*(1+t*0.25))
}

// log1pOver is log(1+t)/t, continuous at 0.
func log1pOver(t float64) float64 {
	if math.Abs(t) > 1e-8 {
		return math.Log1p(t) / t
	}
	return 1 - t*(0.5-t*(1.0/3-t*0.25))
}

// picker draws an index with fixed relative weights in constant time from
// a 4096-entry table, fine-grained enough for weights down to 0.025%.
type picker struct{ table [4096]uint16 }

func newPicker(weights []float64) *picker {
	var total float64
	for _, w := range weights {
		total += w
	}
	p := &picker{}
	var acc float64
	i := 0
	for j, w := range weights {
		acc += w
		end := int(math.Round(acc / total * float64(len(p.table))))
		for ; i < end; i++ {
			p.table[i] = uint16(j)
		}
	}
	for ; i < len(p.table); i++ {
		p.table[i] = uint16(len(weights) - 1)
	}
	return p
}

func (p *picker) pick(r *rng) int { return int(p.table[r.next()>>52]) }

// at draws with the top bits of v, for choices fixed by a hash rather
// than drawn afresh (a user keeps the browser it was given).
func (p *picker) at(v uint64) int { return int(p.table[v>>52]) }

// texts is a weighted vocabulary.
type texts struct {
	list []string
	p    *picker
}

func newTexts(ws ...[]weighted) texts {
	var t texts
	var weights []float64
	for _, w := range ws {
		for _, x := range w {
			t.list = append(t.list, x.text)
			weights = append(weights, x.weight)
		}
	}
	t.p = newPicker(weights)
	return t
}

func (t texts) pick(r *rng) string { return t.list[t.p.pick(r)] }
func (t texts) at(v uint64) string { return t.list[t.p.at(v)] }

// ipPool is a weighted set of address ranges.
type ipPool struct {
	ranges []ipRange
	p      *picker
}

func newIPPool(ranges []ipRange) ipPool {
	w := make([]float64, len(ranges))
	for i, g := range ranges {
		w[i] = g.weight
	}
	return ipPool{ranges: ranges, p: newPicker(w)}
}

// at returns the address that v (a hash) picks: the top bits choose the
// range, the low bits the address within it.
func (p ipPool) at(v uint64) uint32 { return ipIn(p.ranges[p.p.at(v)], v) }

// scaled returns ws with weights rescaled to sum to total, to mix
// vocabularies in a chosen proportion.
func scaled(ws []weighted, total float64) []weighted {
	var sum float64
	for _, w := range ws {
		sum += w.weight
	}
	out := make([]weighted, len(ws))
	for i, w := range ws {
		out[i] = weighted{w.text, w.weight / sum * total}
	}
	return out
}

// mixBits is a bijection on [0, 2^bits) for 8 <= bits <= 64, so ids made
// of its output stay distinct for distinct inputs while looking random.
func mixBits(z uint64, bits uint) uint64 {
	mask := uint64(1)<<bits - 1
	if bits == 64 {
		mask = ^uint64(0)
	}
	a, c := bits/2, bits/2-2
	z &= mask
	z ^= z >> a
	z = z * 0xbf58476d1ce4e5b9 & mask
	z ^= z >> c
	z = z * 0x94d049bb133111eb & mask
	return z ^ z>>a
}

// alias draws an index with fixed weights in constant time by Walker's
// alias method (Vose's construction): column i is kept with probability
// keep[i] and otherwise gives alias[i]. One random number chooses both.
type alias struct {
	keep  []uint32 // threshold in 1/2^32
	alias []uint32
}

func newAlias(weights []float64) *alias {
	n := len(weights)
	var sum float64
	for _, w := range weights {
		sum += w
	}
	scaled := make([]float64, n)
	var small, large []int
	for i, w := range weights {
		scaled[i] = w / sum * float64(n)
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	a := &alias{keep: make([]uint32, n), alias: make([]uint32, n)}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.keep[s] = uint32(scaled[s] * (1 << 32))
		a.alias[s] = uint32(l)
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left has probability 1, up to rounding.
	for _, i := range append(small, large...) {
		a.keep[i] = math.MaxUint32
		a.alias[i] = uint32(i)
	}
	return a
}

func (a *alias) index(r *rng) int {
	hi, lo := bits.Mul64(r.next(), uint64(len(a.keep)))
	if uint32(lo>>32) < a.keep[hi] {
		return int(hi)
	}
	return int(a.alias[hi])
}

// zipfWeights are the probabilities of ranks 1..n under Zipf's law with
// exponent s, for an alias table when n is small.
func zipfWeights(n int, s float64) []float64 {
	w := make([]float64, n)
	for k := range w {
		w[k] = math.Pow(float64(k+1), -s)
	}
	return w
}
