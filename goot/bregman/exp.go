package bregman

import "math"

// Constants of exp's argument reduction x = k·ln2 + r (fdlibm's split of
// ln 2, whose high part has trailing zero bits so that k·ln2Hi is exact).
const (
	ln2Hi  = 6.93147180369123816490e-01
	ln2Lo  = 1.90821492927058770002e-10
	log2e  = 1.44269504088896338700e+00
	round  = 6755399441055744.0 // 1.5·2^52: adding it rounds to an integer
	expMin = -708.0             // below: subnormal results, left to math.Exp
	expMax = 709.0              // above: overflow, left to math.Exp
)

// exp returns e^x within 3 ulp of math.Exp, about three times faster: the
// log-domain iterations evaluate one exp per cost entry, so it sets their
// speed. Arguments outside [expMin, expMax] (and NaN) go to math.Exp.
func exp(x float64) float64 {
	if !(x > expMin && x < expMax) {
		return math.Exp(x)
	}
	k := (x*log2e + round) - round
	r := (x - k*ln2Hi) - k*ln2Lo

	// e^r on |r| ≤ ln2/2 by its Taylor polynomial of degree 13 (truncation
	// below 5e-18), evaluated by Estrin's scheme for short dependency chains.
	r2 := r * r
	r4 := r2 * r2
	r8 := r4 * r4
	p01 := 1 + r
	p23 := 1.0/2 + r*(1.0/6)
	p45 := 1.0/24 + r*(1.0/120)
	p67 := 1.0/720 + r*(1.0/5040)
	p89 := 1.0/40320 + r*(1.0/362880)
	pab := 1.0/3628800 + r*(1.0/39916800)
	pcd := 1.0/479001600 + r*(1.0/6227020800)
	p := (p01 + r2*p23) + r4*(p45+r2*p67) + r8*((p89+r2*pab)+r4*pcd)
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
