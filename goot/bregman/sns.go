package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// SNSOptions controls SinkhornNewtonSparse. The zero value is valid.
type SNSOptions struct {
	// MaxIter caps the total iterations, Sinkhorn and Newton (default 1000).
	// Tol stops the solve when ‖P1 - a‖₁ + ‖Pᵀ1 - b‖₁ < Tol (0 runs MaxIter
	// iterations). Warm says that f and g hold a starting point.
	Options
	// Warmup is the number of log-domain Sinkhorn iterations before the
	// Newton stage (default 20, the paper's N1; negative: none).
	Warmup int
	// Density is the starting fraction of the n·m plan entries kept in the
	// sparsified Hessian (default 2/min(n, m), the paper's λ = 2/n). It
	// doubles after a Newton step that fails or cuts the error less than
	// tenfold, and decays back after fast steps; row and column maxima are
	// always kept, and entries weighing together at most 1e-12 of the plan
	// are dropped whatever the density.
	Density float64
	// CGTol is the floor of the relative residual at which conjugate
	// gradient stops (default 1e-10).
	CGTol float64
	// Levels is the number of coarser regularisations solved first, each 4
	// times the next, down to reg, in [0, 30] (negative: none). The default
	// is automatic: levels only when 5 warm-up iterations at reg leave the
	// L1 error above 0.5 (Sinkhorn stalls), then the fewest that bring
	// (max M - min M)/reg to at most 50 at the first level; none after a
	// warm start.
	Levels int
}

// SNSResult reports how a SinkhornNewtonSparse solve ended. Iter is the
// total number of iterations, Errors holds the L1 marginal error after each.
type SNSResult struct {
	Result
	// SinkhornIter counts the Sinkhorn iterations (warm-up and fallbacks).
	SinkhornIter int
	// NewtonIter counts the Newton steps attempted.
	NewtonIter int
	// Density is the fraction of the n·m plan entries kept in the last
	// sparsified Hessian (0 when no Newton step ran).
	Density float64
}

// Constants of the Newton stage.
const (
	// massDrop: entries whose cumulative mass is at most this fraction of the
	// plan's mass are dropped even when the density cap would keep them.
	massDrop = 1e-12
	// armijo is the sufficient-increase constant of the line search.
	armijo = 1e-4
	// maxHalvings bounds the backtracking; a step that fails that many times
	// is abandoned for a Sinkhorn iteration. The first steps of a level may
	// need α ≈ 1e-5 (the exponential overshoots) and still be worth taking.
	maxHalvings = 30
	maxCut      = 16
	// fastRate: a Newton step that cuts the error by less than this factor
	// doubles the density (the sparse Hessian is too far from the true one).
	fastRate = 0.1
	// maxForcing caps the relative CG residual η = max(CGTol, min(err,
	// maxForcing)): an inexact Newton step whose η shrinks with the error
	// keeps the fast local convergence.
	maxForcing = 1e-2
	// The relative diagonal shift σ (Levenberg–Marquardt style) starts at
	// minShift, grows ×100 after a failed Newton step (to at most maxShift)
	// and shrinks ×10 after a fast one. Small is what the fast steps need:
	// they run along near-null directions of the Hessian (weak links between
	// blocks of the plan), which a larger shift damps into linear
	// convergence (random LAP, reg = 1/1200, n = 100: 95 Newton steps with
	// a fixed 1e-3, 60 with 1e-6, 25 with 1e-10); a failed step is a sign
	// that the system is too ill-conditioned for CG, and a shift fixes that.
	minShift = 1e-10
	maxShift = 1e-1
	// cgSteps·(n+m) caps the CG iterations: the sparse system is a weighted
	// graph Laplacian whose weights span many orders of magnitude, and
	// Jacobi-PCG on it needed many passes over its n+m unknowns (with 10
	// instead of 50, n = 100 above needed 38 Newton steps instead of 25);
	// CG on its Schur complement needs far fewer and rarely meets the cap.
	cgSteps = 50
	// regScale is the ratio between successive regularisations of the
	// continuation, and levelTol the L1 error at which a coarse level ends.
	// Damped Newton from a Sinkhorn warm-up at a small reg spends most of
	// its steps in a global phase (L1 cost on 28×28 digit images, reg =
	// 1/1200: even exact Newton with the full Hessian takes ~100 steps,
	// CG or not); from the solution at 4·reg it is close to its quadratic
	// phase. Measured on that case and the random assignment: ratio 2 needs
	// more levels than it saves; 8 makes each level's first steps tiny;
	// levelTol 1e-2 spends more steps on the coarse levels than it saves.
	regScale = 4
	levelTol = 0.1
	// maxSpanRatio: the automatic continuation starts at the first reg =
	// reg·regScale^k with span(M)/reg ≤ maxSpanRatio, where Sinkhorn is
	// fast.
	maxSpanRatio = 50
	// maxLevels bounds the continuation (4^30 ≈ 1e18 between the first
	// reg and the last).
	maxLevels = 30
	// probeIter, probeFar: the automatic continuation is entered when the
	// L1 error after probeIter warm-up iterations at reg is above probeFar.
	// Where Sinkhorn gets well below it by itself (random assignment,
	// reg = 1/1200, n ≥ 500: 0.01-0.13 after 5 iterations, against 0.7 and
	// 0.9 on the digit images) the continuation's Newton steps at coarse
	// levels cost more than they save.
	probeIter = 5
	probeFar  = 0.5
	// binShift keeps the exponent and the top 3 mantissa bits of a float64
	// as its bin: 8 bins per octave, expBins in all.
	binShift = 49
	expBins  = 1 << (64 - binShift - 1)
)

// SinkhornNewtonSparse solves the entropic OT problem of SinkhornLog by
// Sinkhorn-Newton-Sparse (SNS): opt.Warmup iterations of SinkhornLog (in
// its kernel form, stopping early below the level's tolerance), then Newton
// steps on the concave dual
//
//	F(f, g) = Σ a_i f_i + Σ b_j g_j - Σ_ij exp(-M_ij/reg + f_i + g_j),
//
// whose gradient is (a - P1, b - Pᵀ1) and whose negated Hessian is
// [[diag(P1), P], [Pᵀ, diag(Pᵀ1)]]. The off-diagonal block P is sparsified
// (largest entries kept, see sparsify), the diagonal blocks are exact, and
// the system is solved by conjugate gradient on the Schur complement of
// the row block (preconditioned by its diagonal; CSR matrix), to a relative
// residual max(CGTol, min(err, 1e-2)).
// Safeguards: g is fixed at its heaviest column (the dual is invariant
// under f + t, g - t), a relative diagonal shift (adapted as in
// Levenberg–Marquardt, from 1e-10), a backtracking line search on F (a
// step is also accepted when the marginal error falls), and a Sinkhorn
// iteration with a denser Hessian after a step that fails. At small reg
// the two stages run first on a continuation of coarser problems, reg·4^k
// down to reg·4 (see SNSOptions.Levels), each solved to an L1 error of 0.1
// and started from the previous one's dual potentials: damped Newton from a
// Sinkhorn warm-up spends most of its steps in a global phase whose
// length the continuation cuts (one Sinkhorn iteration opens each level).
// Each iteration costs O(n·m); no dense Hessian is formed. The error is the L1 marginal
// error ‖P1 - a‖₁ + ‖Pᵀ1 - b‖₁, checked after every iteration.
//
// f (n) and g (m) receive the log-scalings (as SinkhornLog); plan (n×m) and
// costs (1) are written when non-nil. Zero weights give -Inf log-scalings
// and zero rows or columns; +Inf costs forbid pairs.
//
// Reference: Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao,
// Ying, "Accelerating Sinkhorn algorithm with sparse Newton iterations",
// ICLR, 2024.
func SinkhornNewtonSparse(a, b, M []float64, reg float64, f, g, plan, costs []float64,
	opt SNSOptions) (SNSResult, error) {
	p, err := check(a, b, M, 1, reg)
	if err != nil {
		return SNSResult{}, err
	}
	if err := checkOutputs(p, f, g, plan, costs); err != nil {
		return SNSResult{}, err
	}
	switch {
	case opt.Density < 0 || opt.Density > 1 || math.IsNaN(opt.Density):
		return SNSResult{}, goot.Errorf("sparsity", "must be in [0, 1], got %g",
			opt.Density)
	case opt.CGTol < 0 || math.IsNaN(opt.CGTol):
		return SNSResult{}, goot.Errorf("cg_tol", "must be non-negative, got %g", opt.CGTol)
	case opt.Levels > maxLevels:
		return SNSResult{}, goot.Errorf("levels", "must be at most %d, got %d", maxLevels,
			opt.Levels)
	}
	s := newLogSolver(a, b, M, p)
	if opt.Warm {
		copy(s.f, f)
		copy(s.g, g)
	}
	s.sanitize()
	w := newSNS(s, opt)
	res := w.solve()
	copy(f, s.f)
	copy(g, s.g)
	cost := s.output(plan)
	if costs != nil {
		costs[0] = cost
	}
	return res, nil
}

// sns is the state of the Newton stage, on top of a log-domain solver whose
// f and g are the current iterate. Every buffer is allocated once.
type sns struct {
	*logSolver
	opt      SNSOptions
	maxIter  int
	density  float64 // current cap on the kept fraction
	density0 float64
	shift    float64 // relative diagonal shift σ
	cgTol    float64
	fixed    int // the column whose g is held fixed (gauge)

	P, trial []float64 // plan at (f, g) and at the trial point, n×m
	r, c     []float64 // row and column sums of P
	rt, ct   []float64 // ... of trial
	ft, gt   []float64 // trial potentials
	part     []float64 // per-block partial sums

	// Newton system on z = (f, g), length n+m.
	grad, dir, diag, inv []float64
	res, z, q, dp        []float64

	// Sparsified off-diagonal block in CSR form.
	rowPtr []int
	col    []int32
	val    []float64
	rowMax []float64
	colMax []float64 // count×m, reduced into the first m
	sinv   []float64 // m: inverse diagonal of the Schur complement
	// Kept entries of each row block, grown as needed and reused.
	blockCol [][]int32
	blockVal [][]float64
	counts   []float64 // count×expBins
	masses   []float64 // count×expBins
}

func newSNS(s *logSolver, opt SNSOptions) *sns {
	n, m := s.n, s.m
	w := &sns{logSolver: s, opt: opt}
	w.maxIter = opt.maxIter(1000)
	w.density0 = opt.Density
	if w.density0 == 0 {
		w.density0 = min(1, 2/float64(min(n, m)))
	}
	w.density = w.density0
	w.shift = minShift
	w.cgTol = opt.CGTol
	if w.cgTol == 0 {
		w.cgTol = 1e-10
	}
	switch {
	case opt.Warmup == 0:
		w.opt.Warmup = 20
	case opt.Warmup < 0:
		w.opt.Warmup = 0
	}
	for j := range m {
		if s.b[j] > s.b[w.fixed] {
			w.fixed = j
		}
	}
	w.P, w.trial = make([]float64, n*m), make([]float64, n*m)
	w.r, w.c, w.rt, w.ct = make([]float64, n), make([]float64, m), make([]float64, n),
		make([]float64, m)
	w.ft, w.gt = make([]float64, n), make([]float64, m)
	w.part = make([]float64, s.count)
	k := n + m
	w.grad, w.dir, w.diag, w.inv = make([]float64, k), make([]float64, k), make([]float64, k),
		make([]float64, k)
	w.res, w.z, w.q, w.dp = make([]float64, k), make([]float64, k), make([]float64, k),
		make([]float64, k)
	w.rowPtr = make([]int, n+1)
	w.rowMax, w.colMax = make([]float64, n), make([]float64, s.count*m)
	w.sinv = make([]float64, m)
	w.blockCol, w.blockVal = make([][]int32, s.count), make([][]float64, s.count)
	w.counts, w.masses = make([]float64, s.count*expBins), make([]float64, s.count*expBins)
	return w
}

// solve runs the continuation and returns the result: the two stages at
// each level, coarse to fine, the last at the problem's reg. An automatic
// continuation is only entered when the first probeIter warm-up iterations
// at reg leave the L1 error above probeFar (Sinkhorn is slow here); if not,
// the warm-up goes on at reg and no coarse level is solved.
func (w *sns) solve() SNSResult {
	res := SNSResult{Result: newResult(w.maxIter, 1)}
	target := w.reg
	levels, warmup := w.levels(), w.opt.Warmup
	if levels > 0 && w.opt.Levels == 0 && warmup > 0 {
		probe := min(warmup, probeIter)
		if w.warmup(&res, probe, w.opt.Tol) {
			res.Status = goot.Optimal
			return res
		}
		if res.Iter >= w.maxIter {
			return res
		}
		if res.Errors[len(res.Errors)-1] <= probeFar {
			levels = 0
		}
		warmup -= probe
	}
	for level := levels; level >= 0; level-- {
		tol := w.opt.Tol
		if level > 0 {
			tol = max(tol, levelTol)
			w.setReg(target * math.Pow(regScale, float64(level)))
		} else if levels > 0 {
			w.setReg(target)
		}
		opener := -1 // one Sinkhorn iteration opens the later levels
		if level == levels {
			opener = warmup
		}
		done := w.stages(&res, tol, opener)
		if level == 0 && done {
			res.Status = goot.Optimal
		}
		if res.Iter >= w.maxIter || level == 0 {
			return res
		}
	}
	return res
}

// warmup runs iters Sinkhorn iterations in the kernel form of SinkhornLog
// (one pass without exp per iteration), stopping early below tol, which it
// reports; rows are exact after each iteration and the error is the L1
// error of the columns.
func (w *sns) warmup(res *SNSResult, iters int, tol float64) bool {
	warm := w.logSolver.iterateEvery(Options{MaxIter: min(iters, w.maxIter-res.Iter),
		Tol: tol}, 1, true)
	res.SinkhornIter += warm.Iter + 1
	res.Errors = append(res.Errors, warm.Errors...)
	res.Iter = res.SinkhornIter + res.NewtonIter
	return warm.Status == goot.Optimal
}

// levels returns the number of coarser levels of the continuation.
func (w *sns) levels() int {
	if w.opt.Levels != 0 || w.opt.Warm {
		return max(w.opt.Levels, 0)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, x := range w.a {
		if x == 0 {
			continue
		}
		for j, c := range w.M[i*w.m : (i+1)*w.m] {
			if w.b[j] > 0 && !math.IsInf(c, 1) {
				lo, hi = min(lo, c), max(hi, c)
			}
		}
	}
	k := 0
	for span := hi - lo; k < maxLevels &&
		span/w.reg > maxSpanRatio*math.Pow(regScale, float64(k)); {
		k++
	}
	return k
}

// setReg moves the solve to regularisation reg: -M/reg is rebuilt and the
// log-scalings are scaled so that the dual potentials reg·f, reg·g, the
// natural starting point at the new reg, stay as they are.
func (w *sns) setReg(reg float64) {
	s, m := w.logSolver, w.m
	scale := s.reg / reg
	s.reg = reg
	forBlocks(s.count, s.rows, s.n, func(_, lo, hi int) {
		Mr := s.Mr[lo*m : hi*m]
		for e, x := range s.M[lo*m : hi*m] {
			Mr[e] = -x / reg
		}
	})
	for i := range s.f {
		s.f[i] *= scale
	}
	for j := range s.g {
		s.g[j] *= scale
	}
	w.density, w.shift = w.density0, minShift
}

// stages runs the two stages at the current reg until the L1 error is
// below tol (it reports true) or the iteration budget is spent. Stage 1 is
// a warm-up of opener Sinkhorn iterations (none when 0, one classic
// log-domain iteration when negative).
func (w *sns) stages(res *SNSResult, tol float64, opener int) bool {
	stop := func(err float64) bool {
		res.Errors = append(res.Errors, err)
		res.Iter = res.SinkhornIter + res.NewtonIter
		return err < tol || res.Iter >= w.maxIter
	}

	// Stage 1: the opener.
	var total, err float64
	switch {
	case opener > 0:
		if w.warmup(res, opener, tol) || res.Iter >= w.maxIter {
			return res.Iter > 0 && res.Errors[len(res.Errors)-1] < tol
		}
		total = w.planPass(w.P, w.r, w.c, w.logSolver.f, w.logSolver.g)
		err = w.marginalError(w.r, w.c)
	case opener == 0:
		total = w.planPass(w.P, w.r, w.c, w.logSolver.f, w.logSolver.g)
		err = w.marginalError(w.r, w.c)
		if err < tol {
			res.Errors = append(res.Errors, err)
			return true
		}
	default:
		w.planPass(w.P, w.r, w.c, w.logSolver.f, w.logSolver.g)
		total, err = w.fallback(res)
		if stop(err) {
			return err < tol
		}
	}

	// Stage 2: Newton steps, with a Sinkhorn iteration after each failure.
	for {
		res.NewtonIter++
		var ok bool
		prev := err
		total, err, ok = w.newtonStep(total, err)
		res.Density = w.kept()
		switch {
		case ok && err < fastRate*prev:
			w.density = max(w.density0, 0.9*w.density)
			w.shift = max(minShift, w.shift/10)
		case ok:
			w.density = min(1, 2*w.density)
		default:
			w.density = min(1, 2*w.density)
			w.shift = min(maxShift, 100*w.shift)
			if stop(err) {
				return err < tol
			}
			total, err = w.fallback(res)
		}
		if stop(err) {
			return err < tol
		}
	}
}

// fallback runs one Sinkhorn iteration from the plan in w.P (whose column
// sums are w.c) and returns the new plan's mass and L1 error.
func (w *sns) fallback(res *SNSResult) (float64, float64) {
	res.SinkhornIter++
	copy(w.logSolver.c, w.c)
	w.sinkhornStep()
	total := w.planPass(w.P, w.r, w.c, w.logSolver.f, w.logSolver.g)
	return total, w.marginalError(w.r, w.c)
}

// sinkhornStep runs one log-domain Sinkhorn iteration (g, then f) and
// returns the column error; s.c must hold the column sums on entry.
func (w *sns) sinkhornStep() float64 {
	s := w.logSolver
	if !s.updateGFromSums() {
		s.updateGExact()
	}
	s.rowPass()
	e := 0.0
	for j, x := range s.c {
		e += math.Abs(x - s.b[j])
	}
	return e
}

func (w *sns) marginalError(r, c []float64) float64 {
	e := 0.0
	for i, x := range r {
		e += math.Abs(x - w.a[i])
	}
	for j, x := range c {
		e += math.Abs(x - w.b[j])
	}
	return e
}

// planPass writes P_ij = exp(-M_ij/reg + f_i + g_j) into dst with its row
// and column sums, and returns Σ P (+Inf on overflow).
func (w *sns) planPass(dst, r, c, f, g []float64) float64 {
	n, m := w.n, w.m
	acc := w.acc
	forBlocks(w.count, w.rows, n, func(t, lo, hi int) {
		cs := acc[t*m : (t+1)*m]
		clear(cs)
		sum := 0.0
		for i := lo; i < hi; i++ {
			row := dst[i*m : (i+1)*m]
			if w.a[i] == 0 {
				clear(row)
				r[i] = 0
				continue
			}
			fi, Mr, ri := f[i], w.mr(t, i), 0.0
			for j, x := range Mr {
				e := exp(x + fi + g[j])
				row[j] = e
				ri += e
				cs[j] += e
			}
			r[i] = ri
			sum += ri
		}
		w.part[t] = sum
	})
	clear(c)
	total := 0.0
	for t := range w.count {
		for j, x := range acc[t*m : (t+1)*m] {
			c[j] += x
		}
		total += w.part[t]
	}
	return total
}

// dual returns the part of F that depends on the potentials linearly,
// Σ a_i f_i + Σ b_j g_j over positive weights.
func (w *sns) dual(f, g []float64) float64 {
	s := 0.0
	for i, x := range w.a {
		if x > 0 {
			s += x * f[i]
		}
	}
	for j, x := range w.b {
		if x > 0 {
			s += x * g[j]
		}
	}
	return s
}

// newtonStep computes a sparse Newton direction and searches along it. It
// returns the new total mass and error and whether a step was taken; P, r,
// c and the potentials are updated on success.
func (w *sns) newtonStep(total, err float64) (float64, float64, bool) {
	n, m := w.n, w.m
	f, g := w.logSolver.f, w.logSolver.g

	// 1. Gradient (a - P1, b - Pᵀ1) and shifted diagonal, masked to the
	// free variables (positive weight, not the gauge column).
	sigma := min(err, w.shift)
	for i := range n {
		w.grad[i], w.diag[i], w.inv[i] = 0, 0, 0
		if w.a[i] > 0 {
			w.grad[i] = w.a[i] - w.r[i]
			w.diag[i] = w.r[i] + sigma*max(w.r[i], w.a[i])
			w.inv[i] = 1 / w.diag[i]
		}
	}
	for j := range m {
		k := n + j
		w.grad[k], w.diag[k], w.inv[k] = 0, 0, 0
		if w.b[j] > 0 && j != w.fixed {
			w.grad[k] = w.b[j] - w.c[j]
			w.diag[k] = w.c[j] + sigma*max(w.c[j], w.b[j])
			w.inv[k] = 1 / w.diag[k]
		}
	}

	// 2. Sparsify the off-diagonal block and solve H_s d = grad.
	w.sparsify(total)
	w.conjugateGradient(max(w.cgTol, min(err, maxForcing)))
	slope := 0.0
	for k, d := range w.dir {
		slope += d * w.grad[k]
	}
	if !(slope > 0) {
		return total, err, false
	}

	// 3. Backtracking line search on F from α = 1; a step is accepted when
	// F rises enough (Armijo) or, where F's rounding hides the rise, when
	// the marginal error falls. A trial whose mass grew by a factor R > e²
	// overshot along entries growing like exp(α·d): α is divided by ln R
	// (at most maxCut) rather than 2, which saves passes when α must be
	// ~1e-5.
	alpha := 1.0
	for range maxHalvings {
		for i := range n {
			w.ft[i] = f[i] + alpha*w.dir[i]
		}
		for j := range m {
			w.gt[j] = g[j] + alpha*w.dir[n+j]
		}
		tt := w.planPass(w.trial, w.rt, w.ct, w.ft, w.gt)
		gain := alpha*(w.dual(w.dir[:n], w.dir[n:])) - (tt - total)
		if !math.IsInf(tt, 0) && !math.IsNaN(tt) {
			et := w.marginalError(w.rt, w.ct)
			if gain >= armijo*alpha*slope || et < err {
				copy(f, w.ft)
				copy(g, w.gt)
				w.P, w.trial = w.trial, w.P
				w.r, w.rt = w.rt, w.r
				w.c, w.ct = w.ct, w.c
				return tt, et, true
			}
		}
		cut := 2.0
		if ratio := tt / total; !(ratio <= math.E*math.E) {
			cut = min(maxCut, max(cut, math.Log(ratio)))
		}
		alpha /= cut
	}
	return total, err, false
}

// sparsify builds the CSR off-diagonal block from P in two passes over P:
// it keeps the entries of P at or above a power-of-two threshold, the
// highest threshold such that at most density·n·m entries are kept, or
// higher when the mass below it is still at most massDrop of the total;
// each row's and each column's largest entry is kept whatever the
// threshold, so the kept graph covers every point. Entries are binned by
// binary exponent in the first pass, collected in the second.
func (w *sns) sparsify(total float64) {
	n, m := w.n, w.m

	// Histogram of the bins (count and mass) and row and column maxima.
	// Entries below floor are dropped by the mass rule whatever the others
	// are (all of them together weigh at most massDrop of the total), so
	// they are not binned.
	floor := massDrop * total / (float64(n) * float64(m))
	forBlocks(w.count, w.rows, n, func(t, lo, hi int) {
		counts, masses := w.counts[t*expBins:(t+1)*expBins], w.masses[t*expBins:(t+1)*expBins]
		clear(counts)
		clear(masses)
		cm := w.colMax[t*m : (t+1)*m]
		clear(cm)
		for i := lo; i < hi; i++ {
			rm := 0.0
			for j, x := range w.P[i*m : (i+1)*m] {
				rm = max(rm, x)
				cm[j] = max(cm[j], x)
				if x > floor {
					e := math.Float64bits(x) >> binShift // sign bit is 0
					counts[e]++
					masses[e] += x
				}
			}
			w.rowMax[i] = rm
		}
	})
	for t := 1; t < w.count; t++ {
		for e := range expBins {
			w.counts[e] += w.counts[t*expBins+e]
			w.masses[e] += w.masses[t*expBins+e]
		}
		for j := range m {
			w.colMax[j] = max(w.colMax[j], w.colMax[t*m+j])
		}
	}

	// Threshold bin: the highest bin at which the count budget is reached,
	// or the negligible-mass rule's if that one is higher.
	budget := w.density * float64(n) * float64(m)
	cut, kept := expBins, 0.0
	for cut > 1 && kept < budget {
		cut--
		kept += w.counts[cut]
	}
	below, massCut := 0.0, 1
	for massCut < expBins && below+w.masses[massCut] <= massDrop*total {
		below += w.masses[massCut]
		massCut++
	}
	cut = max(cut, massCut)
	threshold := math.Float64frombits(uint64(cut) << binShift)
	if cut >= expBins {
		threshold = math.Inf(1)
	}
	colMax := w.colMax[:m]

	// Collect the kept entries of each row block into its own buffers (rows
	// in parallel, one pass over P), then concatenate them in row order.
	forBlocks(w.count, w.rows, n, func(t, lo, hi int) {
		cols, vals := w.blockCol[t][:0], w.blockVal[t][:0]
		for i := lo; i < hi; i++ {
			start, rm := len(cols), w.rowMax[i]
			for j, x := range w.P[i*m : (i+1)*m] {
				if x >= threshold || (x > 0 && (x == rm || x == colMax[j])) {
					cols = append(cols, int32(j))
					vals = append(vals, x)
				}
			}
			w.rowPtr[i+1] = len(cols) - start
		}
		w.blockCol[t], w.blockVal[t] = cols, vals
	})
	w.rowPtr[0] = 0
	for i := range n {
		w.rowPtr[i+1] += w.rowPtr[i]
	}
	nnz := w.rowPtr[n]
	if cap(w.val) < nnz {
		w.val, w.col = make([]float64, nnz, 2*nnz), make([]int32, nnz, 2*nnz)
	}
	w.val, w.col = w.val[:nnz], w.col[:nnz]
	for t := range w.count {
		at := w.rowPtr[min(n, t*w.rows)]
		copy(w.col[at:], w.blockCol[t])
		copy(w.val[at:], w.blockVal[t])
	}
}

// kept is the fraction of plan entries in the last sparsified block.
func (w *sns) kept() float64 {
	return float64(w.rowPtr[w.n]) / (float64(w.n) * float64(w.m))
}

// TODO(goot): the histogram pass of sparsify could be fused into the
// accepted plan pass, and the line search could start from a better α than
// 1 after a short step (each halving is a pass with exp) (issue 4).

// conjugateGradient solves H_s dir = grad through the Schur complement of
// the row block. With H_s = [[D_r, B], [Bᵀ, D_c]] and D_r diagonal, the f part is
// eliminated exactly, dir_f = D_r⁻¹(grad_f - B dir_g), and
//
//	S dir_g = grad_g - Bᵀ D_r⁻¹ grad_f,  S = D_c - Bᵀ D_r⁻¹ B,
//
// is solved by CG preconditioned with diag(S), from 0, until the residual
// (which is the full system's: its f rows are solved exactly) is below tol
// relative to ‖grad‖, or cgSteps·(n+m) steps. Each step costs what a step
// of Jacobi-PCG on H_s costs (one product with B, one with Bᵀ), and far
// fewer are needed: over whole solves, 201 instead of 1742 steps on the
// random assignment (n = 500, reg = 1/1200), 658 instead of 48515 at reg =
// 1/3000, 2909 instead of 7599 on the L1 digit images. Masked variables
// stay 0.
func (w *sns) conjugateGradient(tol float64) {
	n := w.n
	x, r, z, p, q := w.dir[n:], w.res[n:], w.z[n:], w.dp[n:], w.q[n:]
	rowInv, colMask, pre := w.inv[:n], w.inv[n:], w.sinv

	// Preconditioner diag(S) and right-hand side, in one pass over B.
	copy(pre, w.diag[n:])
	copy(r, w.grad[n:])
	for i, d := range rowInv {
		if d == 0 {
			continue
		}
		gi := d * w.grad[i]
		for k := w.rowPtr[i]; k < w.rowPtr[i+1]; k++ {
			j, v := w.col[k], w.val[k]
			pre[j] -= v * v * d
			r[j] -= v * gi
		}
	}
	rhs := 0.0
	for _, g := range w.grad {
		rhs += g * g
	}
	rz := 0.0
	for j, s := range pre {
		switch {
		case colMask[j] == 0:
			pre[j], r[j] = 0, 0
		case s > 0:
			pre[j] = 1 / s
		default: // rounding ate diag(S): fall back to D_c
			pre[j] = colMask[j]
		}
		z[j] = pre[j] * r[j]
		rz += r[j] * z[j]
	}
	clear(x)
	copy(p, z)
	limit := tol * tol * rhs
	for range cgSteps * len(w.dir) {
		if rz == 0 {
			break
		}
		w.applySchur(p, q)
		pq := 0.0
		for j := range p {
			pq += p[j] * q[j]
		}
		if !(pq > 0) {
			break
		}
		step := rz / pq
		rr := 0.0
		for j := range x {
			x[j] += step * p[j]
			r[j] -= step * q[j]
			rr += r[j] * r[j]
		}
		if rr <= limit {
			break
		}
		next := 0.0
		for j := range r {
			z[j] = pre[j] * r[j]
			next += r[j] * z[j]
		}
		beta := next / rz
		rz = next
		for j := range p {
			p[j] = z[j] + beta*p[j]
		}
	}

	// Back-substitution for the f part.
	for i, d := range rowInv {
		s := w.grad[i]
		for k := w.rowPtr[i]; k < w.rowPtr[i+1]; k++ {
			s -= w.val[k] * x[w.col[k]]
		}
		w.dir[i] = d * s
	}
}

// applySchur sets y = S x = D_c x - Bᵀ D_r⁻¹ B x on the free columns (0
// elsewhere), in one pass over the rows of B.
func (w *sns) applySchur(x, y []float64) {
	n := w.n
	for j, d := range w.diag[n:] {
		y[j] = d * x[j]
	}
	for i, d := range w.inv[:n] {
		if d == 0 {
			continue
		}
		lo, hi := w.rowPtr[i], w.rowPtr[i+1]
		s := 0.0
		for k := lo; k < hi; k++ {
			s += w.val[k] * x[w.col[k]]
		}
		s *= d
		for k := lo; k < hi; k++ {
			y[w.col[k]] -= w.val[k] * s
		}
	}
	for j, v := range w.inv[n:] {
		if v == 0 {
			y[j] = 0
		}
	}
}
