package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// SinkhornStabilized solves entropic OT with POT's stabilized Sinkhorn
// (Schmitzer 2019): Sinkhorn–Knopp iterations on the kernel
// K = exp(-(M - alpha_i - beta_j)/reg), and whenever a scaling exceeds
// opt.Tau in absolute value it is absorbed into the dual potentials
// (alpha += reg·log u, beta += reg·log v, u = 1/n, v = 1/m, K rebuilt).
// The column error of the plan is recomputed every opt.CheckEvery
// iterations (default 20) and tested against opt.Tol at every iteration,
// as POT does.
//
// alpha (n) and beta (m) receive the absorbed potentials and u, v the
// remaining scalings, so that the plan is
// P_ij = u_i exp(-(M_ij - alpha_i - beta_j)/reg) v_j (POT's log reports
// alpha + reg·log u and beta + reg·log v). With opt.Warm, alpha and beta
// hold the starting potentials (POT's warmstart). plan and costs (one
// value) are written when non-nil.
//
// Non-finite scalings (POT's "numerical errors") set Result.Breakdown; the
// problem is then solved by SinkhornLog and returned as alpha = reg·f,
// beta = reg·g, u = v = 1, with Result.LogDomain set.
func SinkhornStabilized(a, b, M []float64, reg float64, alpha, beta, u, v, plan,
	costs []float64, opt Options) (Result, error) {
	p, err := check(a, b, M, 1, reg)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, alpha, beta, plan, costs); err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, u, v, nil, nil); err != nil {
		return Result{}, err
	}
	if !opt.Warm {
		clear(alpha)
		clear(beta)
	}
	s, res := stabilize(a, b, M, p, alpha, beta, opt)
	if res.Breakdown >= 0 {
		return stabilizedFallback(a, b, M, reg, alpha, beta, u, v, plan, costs, opt, res)
	}
	copy(u, s.U)
	copy(v, s.V)
	s.output(u, v, M, plan, costs)
	return res, nil
}

// stabilize runs the stabilized loop from the potentials alpha, beta
// (updated in place) and returns the final state.
func stabilize(a, b, M []float64, p problem, alpha, beta []float64,
	opt Options) (*knopp, Result) {
	n, m := p.n, p.m
	tau := opt.Tau
	if tau == 0 {
		tau = 1e3
	}
	every := opt.CheckEvery
	if every <= 0 {
		every = 20
	}
	s := &knopp{problem: p, a: a, bT: b}
	s.count, s.rows = blocks(n, m)
	s.K = make([]float64, n*m)
	s.U, s.V, s.W = make([]float64, n), make([]float64, m), make([]float64, m)
	s.uPrev, s.vPrev = make([]float64, n), make([]float64, m)
	s.acc = make([]float64, s.count*m)
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, every)
	if !s.buildKernel(M, alpha, beta) {
		res.Breakdown = 0
		return s, res
	}
	s.init(nil, nil, false)
	err := 1.0
	for it := range maxIter {
		res.Iter = it
		copy(s.uPrev, s.U)
		copy(s.vPrev, s.V)

		// v = b / Kᵀu, then u = a / K v and Kᵀu in one pass.
		for j, w := range s.W {
			s.V[j] = scale(b[j], w)
		}
		s.pass(true)

		// Absorb large scalings into the potentials.
		if maxAbs(s.U) > tau || maxAbs(s.V) > tau {
			if !s.scalingsOK() {
				copy(s.U, s.uPrev)
				copy(s.V, s.vPrev)
				res.Breakdown = it
				break
			}
			absorb(alpha, s.U, p.reg)
			absorb(beta, s.V, p.reg)
			if !s.buildKernel(M, alpha, beta) {
				res.Breakdown = it
				break
			}
			s.init(nil, nil, false)
		}

		if it%every == 0 {
			err = s.columnError()
			res.Errors = append(res.Errors, err)
		}
		if err <= opt.Tol {
			res.Status = goot.Optimal
			break
		}
		if !s.scalingsOK() {
			copy(s.U, s.uPrev)
			copy(s.V, s.vPrev)
			res.Breakdown = it
			break
		}
	}
	return s, res
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// absorb adds reg·log(scaling) to the potential (-Inf for a zero scaling,
// which only zero weights have).
func absorb(potential, scaling []float64, reg float64) {
	for i, x := range scaling {
		potential[i] += reg * math.Log(x)
	}
}

func stabilizedFallback(a, b, M []float64, reg float64, alpha, beta, u, v, plan,
	costs []float64, opt Options, broke Result) (Result, error) {
	opt.Warm = false
	res, err := SinkhornLog(a, b, M, reg, alpha, beta, plan, costs, opt)
	if err != nil {
		return res, err
	}
	for i := range alpha {
		alpha[i] *= reg
	}
	for j := range beta {
		beta[j] *= reg
	}
	fill(u, 1)
	fill(v, 1)
	res.Breakdown = broke.Breakdown
	res.LogDomain = true
	return res, nil
}

// SinkhornEpsilonScaling solves entropic OT as POT's
// sinkhorn_epsilon_scaling does: outer iteration i runs a stabilized solve
// (opt.InnerMaxIter iterations, default 100; Tau and Tol as given) at
// reg_i = (Epsilon0 - reg)·e^{-i} + reg, warm-started from the previous
// potentials. Every opt.CheckEvery outer iterations (default 10) the error
// ‖colsum(P) - b‖² + ‖rowsum(P) - a‖² is recorded; the solve stops when it
// is ≤ opt.Tol after at least 35 outer iterations, the minimum POT imposes
// (MaxIter is raised to 35).
//
// alpha and beta receive the final potentials (POT's log alpha and beta);
// with opt.Warm they hold the starting ones. plan is written when non-nil.
// Result.InnerLimit counts inner solves that hit their cap.
func SinkhornEpsilonScaling(a, b, M []float64, reg float64, alpha, beta, plan []float64,
	opt Options) (Result, error) {
	p, err := check(a, b, M, 1, reg)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, alpha, beta, plan, nil); err != nil {
		return Result{}, err
	}
	const minOuter = 35
	eps0 := opt.Epsilon0
	if eps0 == 0 {
		eps0 = 1e4
	}
	every := opt.CheckEvery
	if every <= 0 {
		every = 10
	}
	if !opt.Warm {
		clear(alpha)
		clear(beta)
	}
	inner := opt
	inner.MaxIter = opt.InnerMaxIter
	if inner.MaxIter <= 0 {
		inner.MaxIter = 100
	}
	inner.CheckEvery = 20

	maxIter := max(minOuter, opt.maxIter(100))
	res := newResult(maxIter, every)
	rows, cols := make([]float64, p.n), make([]float64, p.m)
	var s *knopp
	err2 := 1.0
	for it := range maxIter {
		res.Iter = it
		q := p
		q.reg = (eps0-reg)*math.Exp(-float64(it)) + reg
		var r Result
		s, r = stabilize(a, b, M, q, alpha, beta, inner)
		if r.Status != goot.Optimal {
			res.InnerLimit++
		}
		if r.Breakdown >= 0 && res.Breakdown < 0 {
			res.Breakdown = r.Breakdown
		}
		// The warm start of the next solve: POT's alpha + reg_i·log u.
		absorb(alpha, s.U, q.reg)
		absorb(beta, s.V, q.reg)

		if it%every == 0 {
			s.marginals(rows, cols)
			err2 = sq(norm2(cols, b)) + sq(norm2(rows, a))
			res.Errors = append(res.Errors, err2)
		}
		if err2 <= opt.Tol && it > minOuter {
			res.Status = goot.Optimal
			break
		}
	}
	if plan != nil {
		s.output(make([]float64, p.n), make([]float64, p.m), M, plan, nil)
	}
	return res, nil
}

func sq(x float64) float64 { return x * x }

// marginals writes the row and column sums of P = diag(u) K diag(v).
func (s *knopp) marginals(rows, cols []float64) {
	n, m := s.n, s.m
	clear(cols)
	part := make([]float64, s.count*m)
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		acc := part[t*m : (t+1)*m]
		for i := lo; i < hi; i++ {
			Ki, ui := s.K[i*m:(i+1)*m], s.U[i]
			sum := 0.0
			for j, x := range Ki {
				pij := entry(ui, x, s.V[j])
				sum += pij
				acc[j] += pij
			}
			rows[i] = sum
		}
	})
	for t := range s.count {
		for j, x := range part[t*m : (t+1)*m] {
			cols[j] += x
		}
	}
}
