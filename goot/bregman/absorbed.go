package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// absorbTau bounds the scalings of an absorbed solve: when one leaves
// [1/absorbTau, absorbTau] it is folded into the log-scalings and the kernel
// rebuilt. Far inside float64's range, so that K̃·v never over- or underflows.
const absorbTau = 1e50

// iterateAbsorbed runs the iterations of iterate in kernel form. With f0, g0
// the log-scalings at the last absorption, K̃ = exp(-M/reg + f0_i + g0_j)
// holds the current plan, and the log-domain updates
//
//	g = log b - LSE_i(-M/reg + f),  f = log a - LSE_j(-M/reg + g)
//
// are exactly the Sinkhorn–Knopp updates ṽ = b / K̃ᵀũ, ũ = a / K̃ṽ on the
// scalings ũ = exp(f - f0), ṽ = exp(g - g0). So each iteration is one pass
// over K̃ without exp (memory-bound, like Sinkhorn), and the exps are paid
// only when K̃ is built: after the first iteration, which is done in the log
// domain so that K̃ is the current plan whatever M/reg is, and when a
// scaling leaves [1/absorbTau, absorbTau]. A column of K̃ᵀũ that vanishes
// sends the solve back to one exact log-domain iteration.
func (s *logSolver) iterateAbsorbed(opt Options) Result {
	return s.iterateEvery(opt, 10, false)
}

// iterateEvery is iterateAbsorbed with the error recorded and tested every
// every iterations, as the L1 (l1 set) or L2 norm of colsum(P) - b.
func (s *logSolver) iterateEvery(opt Options, every int, l1 bool) Result {
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, every)
	colErr := func(c []float64) float64 {
		if l1 {
			e := 0.0
			for j, x := range c {
				e += math.Abs(x - s.b[j])
			}
			return e
		}
		return norm2(c, s.b)
	}
	k := &knopp{problem: s.problem, a: s.a, bT: s.b, count: s.count, rows: s.rows}
	n, m := s.n, s.m
	k.K = make([]float64, n*m)
	k.U, k.V, k.W = make([]float64, n), make([]float64, m), make([]float64, m)
	k.acc = make([]float64, s.count*m)
	k.uPrev, k.vPrev = make([]float64, n), make([]float64, m)

	k.omega = omegaFor(opt, nil)
	exact, fresh := true, false
	for it := range maxIter {
		res.Iter = it
		var err float64
		if exact {
			// One log-domain iteration, then K̃ = the current plan.
			if !fresh || !s.updateGFromSums() {
				s.updateGExact()
			}
			s.rowPass()
			err = colErr(s.c)
			s.rebuild(k)
			exact, fresh = false, true
		} else {
			copy(k.uPrev, k.U)
			copy(k.vPrev, k.V)
			ok := true
			for j, w := range k.W {
				if s.b[j] > 0 && w == 0 {
					ok = false
				}
				k.V[j] = k.relax(k.V[j], scale(s.b[j], w))
			}
			if ok {
				k.pass(true)
				ok = k.scalingsOK()
			}
			if !ok {
				// K̃ lost a row or column to underflow: redo this iteration
				// in the log domain from the last good scalings.
				copy(k.U, k.uPrev)
				copy(k.V, k.vPrev)
				s.fold(k)
				s.updateGExact()
				s.rowPass()
				err = colErr(s.c)
				s.rebuild(k)
			} else {
				err = k.columnError()
				if l1 {
					err = 0
					for j, w := range k.W {
						err += math.Abs(k.V[j]*w - s.b[j]) // v ⊙ Kᵀu: the column sums
					}
				}
				if s.outOfRange(k) {
					s.fold(k)
					s.rebuild(k)
				}
			}
		}

		if it%every == 0 {
			res.Errors = append(res.Errors, err)
			if err < opt.Tol {
				res.Status = goot.Optimal
				break
			}
			if opt.Omega < 0 && len(res.Errors) == 3 {
				k.omega = omegaFor(opt, res.Errors)
			}
		}
	}
	s.fold(k)
	return res
}

// fold moves the scalings into the log-scalings (f += log ũ, g += log ṽ)
// and resets them to 1.
func (s *logSolver) fold(k *knopp) {
	for i, u := range k.U {
		if s.a[i] > 0 {
			s.f[i] += math.Log(u)
		}
	}
	for j, v := range k.V {
		if s.b[j] > 0 {
			s.g[j] += math.Log(v)
		}
	}
	fill(k.U, 1)
	fill(k.V, 1)
}

// rebuild sets K̃ = exp(-M/reg + f_i + g_j) for the current f, g, the
// scalings to 1 and W = K̃ᵀ1.
func (s *logSolver) rebuild(k *knopp) {
	m := s.m
	forBlocks(s.count, s.rows, s.n, func(t, lo, hi int) {
		for i := lo; i < hi; i++ {
			K, fi := k.K[i*m:(i+1)*m], s.f[i]
			for j, x := range s.mr(t, i) {
				K[j] = exp(x + fi + s.g[j])
			}
		}
	})
	fill(k.U, 1)
	fill(k.V, 1)
	k.pass(false)
}

// outOfRange reports a scaling of positive weight outside
// [1/absorbTau, absorbTau].
func (s *logSolver) outOfRange(k *knopp) bool {
	for i, u := range k.U {
		if s.a[i] > 0 && (u > absorbTau || u < 1/absorbTau) {
			return true
		}
	}
	for j, v := range k.V {
		if s.b[j] > 0 && (v > absorbTau || v < 1/absorbTau) {
			return true
		}
	}
	return false
}
