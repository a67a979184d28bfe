package functions

import (
	"math"
	"math/big"
	"sync"
)

// javaLog is the natural logarithm correctly rounded, as Java's Math.log
// gives it on the JVMs ksqlDB runs on, so that LN and LOG give ksqlDB's
// digits: Go's math.Log can differ in the last place (math.Log(3) is
// 1.0986122886681096, Java's 1.0986122886681098). It computes the
// logarithm to 120 bits and rounds once.
func javaLog(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	frac, exp := math.Frexp(x) // x = frac * 2^exp, frac in [0.5, 1)
	if frac < math.Sqrt2/2 {
		frac *= 2
		exp--
	}
	r := new(big.Float).SetPrec(logPrec).Mul(new(big.Float).SetPrec(logPrec).SetInt64(int64(exp)), ln2())
	r.Add(r, lnNear1(frac))
	f, _ := r.Float64()
	return f
}

const logPrec = 120

var ln2Once = sync.OnceValue(func() *big.Float { return lnNear1(2) })

func ln2() *big.Float { return ln2Once() }

// lnNear1 is ln(m) for m in [0.7, 2] by the series of 2·atanh(s), s =
// (m-1)/(m+1), |s| <= 1/3.
func lnNear1(m float64) *big.Float {
	num := new(big.Float).SetPrec(logPrec).SetFloat64(m - 1)
	if m == 2 {
		num.SetInt64(1)
	}
	den := new(big.Float).SetPrec(logPrec).SetFloat64(m)
	den.Add(den, big.NewFloat(1))
	s := new(big.Float).SetPrec(logPrec).Quo(num, den)
	s2 := new(big.Float).SetPrec(logPrec).Mul(s, s)
	sum := new(big.Float).SetPrec(logPrec).Set(s)
	pow := new(big.Float).SetPrec(logPrec).Set(s)
	term := new(big.Float).SetPrec(logPrec)
	eps := new(big.Float).SetMantExp(big.NewFloat(1), -logPrec)
	for n := int64(3); ; n += 2 {
		pow.Mul(pow, s2)
		term.Quo(pow, new(big.Float).SetPrec(logPrec).SetInt64(n))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(new(big.Float).Mul(eps, new(big.Float).Abs(sum))) < 0 || term.Sign() == 0 {
			break
		}
	}
	return sum.Mul(sum, big.NewFloat(2))
}
