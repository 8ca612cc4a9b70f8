package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// stabilized runs POT's sinkhorn_stabilized_unbalanced in its own scaling
// domain, so that its iterates (absorptions included) are POT's. With
// M0 = -reg·L and potentials alpha, beta (starting at 0), the kernel is
// K = exp((alpha_i + beta_j - M0_ij)/reg) and one iteration is
//
//	u = (a / (K v + 1e-16))^fi1 · exp(-alpha/(reg + regA))
//	v = (b / (Kᵀu + 1e-16))^fi2 · exp(-beta/(reg + regB))
//
// (the exp factors are 1 for an infinite weight). When some scaling exceeds
// opt.Tau (default 1e5), reg·log of its largest value (per row with several
// histograms, over all of u for one) is added to the potentials, K is
// rebuilt and the scalings divided by that value. The relative change of u
// is recorded on iteration 0 and every 10th iteration without absorption,
// and the loop runs while it is above opt.Tol. Non-finite scalings or a
// zero column of Kᵀu stop the solve at the previous scalings
// (Result.Breakdown).
//
// Unlike POT 0.9.7, which resets v to 1 after an absorption and so loses v
// (its plan is then far from the fixed point: goot's reported case B18, POT
// issue #711), the absorption keeps the plan u K v unchanged, so the
// iterates are POT's until the first absorption and Knopp's throughout.
//
// f and g receive alpha/reg + log u and beta/reg + log v (POT's logu and
// logv); with opt.Warm they hold log u, log v to start from.
func stabilized(a, b, M, L []float64, p problem, f, g []float64, opt Options) Result {
	n, m, k := p.n, p.m, p.k
	s := &stabSolver{problem: p, a: a, b: b, tau: opt.Tau}
	if s.tau == 0 {
		s.tau = 1e5
	}
	s.fi1, s.fi2 = exponent(p.regA, p.reg), exponent(p.regB, p.reg)
	s.M0 = make([]float64, n*m)
	for e, x := range L {
		s.M0[e] = M[e] // c = 1: M0 = M exactly, as POT
		if p.ref != Ones {
			s.M0[e] = M[e] - p.reg*math.Log(refAt(a, b, p, e/m, e%m))
		}
		if math.IsInf(x, -1) {
			s.M0[e] = math.Inf(1)
		}
	}
	s.K = make([]float64, n*m)
	s.alpha, s.beta = make([]float64, n), make([]float64, m)
	s.fa, s.fb = make([]float64, n), make([]float64, m)
	s.u, s.v = make([]float64, n*k), make([]float64, m*k)
	s.uPrev, s.vPrev = make([]float64, n*k), make([]float64, m*k)
	s.T, s.acc = make([]float64, m*k), make([]float64, p.count*m*k)
	for e, x := range f {
		s.u[e] = math.Exp(x)
	}
	for e, x := range g {
		s.v[e] = math.Exp(x)
	}
	s.buildKernel()
	res := s.iterate(opt)

	for e, x := range s.u {
		f[e] = s.alpha[e/k]/p.reg + math.Log(x)
	}
	for e, x := range s.v {
		g[e] = s.beta[e/k]/p.reg + math.Log(x)
	}
	return res
}

// stabSolver is the state of a stabilized solve.
type stabSolver struct {
	problem
	a, b         []float64
	fi1, fi2     float64
	tau          float64
	M0, K        []float64 // M - reg·log c, and the absorbed kernel
	alpha, beta  []float64 // dual potentials
	fa, fb       []float64 // exp(-alpha/(reg+regA)), exp(-beta/(reg+regB))
	u, v         []float64 // n×k, m×k scalings
	uPrev, vPrev []float64
	T            []float64 // m×k: Kᵀu
	acc          []float64 // count×(m×k) partial column sums
}

func (s *stabSolver) iterate(opt Options) Result {
	maxIter := opt.maxIter()
	res := Result{Status: goot.IterationLimit, Breakdown: -1,
		Errors: make([]float64, 0, goot.HistoryCap(maxIter, 10))}
	err := 1.0
	cpt := 0
	for ; err > opt.Tol && cpt < maxIter; cpt++ {
		copy(s.uPrev, s.u)
		copy(s.vPrev, s.v)

		// u from K v and Kᵀu in one pass, then v.
		s.factors()
		s.pass()
		for e, t := range s.T {
			s.v[e] = math.Pow(s.b[e]/(t+1e-16), s.fi2) * s.fb[e/s.k]
		}

		// Absorb large scalings into the potentials.
		absorbing := anyAbove(s.u, s.tau) || anyAbove(s.v, s.tau)
		if absorbing {
			s.absorb()
		}

		if !s.finite() {
			copy(s.u, s.uPrev)
			copy(s.v, s.vPrev)
			res.Breakdown = cpt
			break
		}
		if (cpt%10 == 0 && !absorbing) || cpt == 0 {
			err = linearChange(s.u, s.uPrev)
			res.Errors = append(res.Errors, err)
		}
	}
	res.Iter = cpt
	if err <= opt.Tol {
		res.Status = goot.Optimal
	}
	return res
}

func (s *stabSolver) factors() {
	for i, x := range s.alpha {
		s.fa[i] = 1
		if !math.IsInf(s.regA, 1) {
			s.fa[i] = math.Exp(-x / (s.reg + s.regA))
		}
	}
	for j, x := range s.beta {
		s.fb[j] = 1
		if !math.IsInf(s.regB, 1) {
			s.fb[j] = math.Exp(-x / (s.reg + s.regB))
		}
	}
}

// pass sets u = (a / (K v + 1e-16))^fi1 · fa row by row and T = Kᵀu.
func (s *stabSolver) pass() {
	m, k := s.m, s.k
	mk := m * k
	forBlocks(s.problem, func(t, lo, hi int) {
		acc := s.acc[t*mk : (t+1)*mk]
		clear(acc)
		for i := lo; i < hi; i++ {
			Ki, ui := s.K[i*m:(i+1)*m], s.u[i*k:(i+1)*k]
			for c := range k {
				var kv float64
				if k == 1 {
					kv = dot(Ki, s.v)
				} else {
					for j, x := range Ki {
						kv += x * s.v[j*k+c]
					}
				}
				ui[c] = math.Pow(s.a[i]/(kv+1e-16), s.fi1) * s.fa[i]
			}
			addRow(acc, Ki, ui, k)
		}
	})
	clear(s.T)
	for t := range s.count {
		for e, x := range s.acc[t*mk : (t+1)*mk] {
			s.T[e] += x
		}
	}
}

// absorb moves reg·log of the largest scaling (per row with several
// histograms, overall with one, as POT) into the potentials, rebuilds K and
// divides the scalings by that largest value, which leaves the plan
// u_i K_ij v_j as it was.
func (s *stabSolver) absorb() {
	k := s.k
	if k == 1 {
		fold(s.alpha, s.u, maxOf(s.u), s.reg)
		fold(s.beta, s.v, maxOf(s.v), s.reg)
	} else {
		for i := range s.alpha {
			ui := s.u[i*k : (i+1)*k]
			fold(s.alpha[i:i+1], ui, maxOf(ui), s.reg)
		}
		for j := range s.beta {
			vj := s.v[j*k : (j+1)*k]
			fold(s.beta[j:j+1], vj, maxOf(vj), s.reg)
		}
	}
	s.buildKernel()
}

// fold adds reg·log(top) to the potentials and divides the scalings by top
// (nothing when top is 0 or not finite: the health check then stops the
// solve).
func fold(potential, scaling []float64, top, reg float64) {
	if !(top > 0) || math.IsInf(top, 1) {
		return
	}
	for i := range potential {
		potential[i] += reg * math.Log(top)
	}
	for i := range scaling {
		scaling[i] /= top
	}
}

// buildKernel sets K = exp((alpha_i + beta_j - M0_ij)/reg).
func (s *stabSolver) buildKernel() {
	m := s.m
	forBlocks(s.problem, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := range m {
				e := i*m + j
				s.K[e] = math.Exp((s.alpha[i] + s.beta[j] - s.M0[e]) / s.reg)
			}
		}
	})
}

// finite reports POT's health check: no zero in Kᵀu, no NaN or Inf in u, v.
func (s *stabSolver) finite() bool {
	for _, x := range s.T {
		if x == 0 {
			return false
		}
	}
	for _, x := range s.u {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	for _, x := range s.v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func anyAbove(x []float64, tau float64) bool {
	for _, v := range x {
		if v > tau {
			return true
		}
	}
	return false
}

func maxOf(x []float64) float64 {
	top := math.Inf(-1)
	for _, v := range x {
		top = max(top, v)
	}
	return top
}

// linearChange returns max|x - prev| / max(max|x|, max|prev|, 1).
func linearChange(x, prev []float64) float64 {
	d, top := 0.0, 1.0
	for e := range x {
		d = max(d, math.Abs(x[e]-prev[e]))
		top = max(top, math.Abs(x[e]), math.Abs(prev[e]))
	}
	return d / top
}
