package bregman

import "math"

// exp's argument reduction: x = (64·k + j)·ln2/64 + r with |r| ≤ ln2/128,
// so that e^x = 2^k · 2^(j/64) · e^r. ln2Hi64 has trailing zero bits, so
// its product by the integer part is exact (fdlibm's split of ln 2).
const (
	ln2Hi64 = 6.93147180369123816490e-01 / 64
	ln2Lo64 = 1.90821492927058770002e-10 / 64
	inv64   = 64 * 1.44269504088896338700e+00 // 64/ln2
	round   = 6755399441055744.0              // 1.5·2^52: adding it rounds to an integer
	expMin  = -708.0                          // below: subnormal results, left to math.Exp
	expMax  = 709.0                           // above: overflow, left to math.Exp
	expZero = -745.2                          // below: e^x rounds to 0
)

// expTable[j] = 2^(j/64), computed once at start-up and only read after.
var expTable = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// exp returns e^x within 3 ulp of math.Exp, several times faster: the
// log-domain iterations evaluate one exp per cost entry, so it sets their
// speed. Arguments outside [expMin, expMax] (and NaN) go to math.Exp.
// logSolver.row carries a hand-inlined copy of the same steps.
//
// TODO(goot): an AVX2 form over slices (four lanes, polynomial plus
// exponent-bit scaling, lanes outside [expMin, expMax] left to this
// function) for the kernel builds, the log-domain passes and the lazy
// solver; reference/performance.md §3.3 measured ~2 ns per value against
// this function's ~4-8 (issue 3).
func exp(x float64) float64 {
	if !(x > expMin && x < expMax) {
		if x < expZero {
			return 0
		}
		return math.Exp(x)
	}
	kj := (x*inv64 + round) - round
	r := (x - kj*ln2Hi64) - kj*ln2Lo64
	n := int64(kj)
	// e^r by its Taylor polynomial of degree 5 (truncation < 4e-17 relative
	// on |r| ≤ ln2/128).
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * expTable[n&63] * math.Float64frombits(uint64((n>>6)+1023)<<52)
}
