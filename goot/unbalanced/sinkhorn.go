package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/internal/simd"
)

// Solve runs one unbalanced Sinkhorn method on a (n), k histograms b (m×k,
// row-major; k = 1 for one histogram) and the n×m cost M, with entropic
// weight reg > 0 and marginal weights regA, regB > 0 (+Inf makes that
// marginal hard).
//
// f (n×k) and g (m×k) receive the log-scalings, so that the plan of
// histogram c is P_ij = exp(f_ic + L_ij + g_jc) with L = -M/reg + log c
// (-Inf where a weight is zero); with opt.Warm they hold the starting point
// (POT's warmstart). plan (n×m, k = 1 only) and costs (k values, ⟨P, M⟩
// per histogram) are written when non-nil. The iteration count, error
// history and costs are in the Result; failing to converge is a Status,
// not an error.
//
// Solve allocates two n×m buffers (the log kernel and the current kernel)
// and nothing per iteration.
func Solve(a, b, M []float64, k int, reg, regA, regB float64, method Method,
	f, g, plan, costs []float64, opt Options) (Result, error) {
	p, err := check(a, b, M, k, reg, regA, regB, opt)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, f, g, plan, costs); err != nil {
		return Result{}, err
	}
	L, err := logKernel(a, b, M, p)
	if err != nil {
		return Result{}, err
	}
	if !opt.Warm {
		clear(f)
		clear(g)
	}
	var res Result
	switch method {
	case Knopp, TranslationInvariant:
		s := newLogSolver(a, b, L, p, method == TranslationInvariant, f, g)
		res = s.iterate(opt)
		copy(f, s.f)
		copy(g, s.g)
	case Stabilized:
		res = stabilized(a, b, M, L, p, f, g, opt)
	default:
		return Result{}, goot.Errorf("method", "unknown method %d", method)
	}
	output(a, b, M, L, p, f, g, plan, costs, !opt.NoTotalCost, &res)
	return res, nil
}

// Sinkhorn solves one unbalanced problem with the KL reference a bᵀ (POT's
// sinkhorn_unbalanced with its defaults, reg_m = (regA, regB)) and writes
// the n×m plan; it is the per-problem entry point for batched callers (a
// minibatch sampler calls it from its own goroutines: it keeps no shared
// state). a has n weights, b has m, M is n×m row-major; plan may be nil
// when only Result.Cost and Result.TotalCost are wanted. opt.Ref and
// opt.C select another reference; opt.Tol = 0 runs opt.MaxIter iterations,
// so pass POT's 1e-6 for its stopping rule.
func Sinkhorn(plan, a, b, M []float64, n, m int, reg, regA, regB float64,
	opt Options) (Result, error) {
	switch {
	case len(a) != n:
		return Result{}, goot.Errorf("a", "has length %d, want %d", len(a), n)
	case len(b) != m:
		return Result{}, goot.Errorf("b", "has length %d, want %d", len(b), m)
	}
	f, g := make([]float64, n), make([]float64, m)
	return Solve(a, b, M, 1, reg, regA, regB, Knopp, f, g, plan, nil, opt)
}

// Trusted ranges of the log solver: a row or column sum of the kernel form
// inside [sumLow, sumHigh] has lost nothing to underflow that matters, and
// scalings are folded into the kernel when they leave
// [1/absorbTau, absorbTau], so that products with the kernel stay far from
// float64's limits.
const (
	sumLow    = 1e-100
	sumHigh   = 1e100
	absorbTau = 1e50
)

// tiConstants are the exponents of the translation-invariant iteration
// (Séjourné et al. 2022, as POT names them); all zero turns it into Knopp.
type tiConstants struct {
	kRho1, kRho2   float64 // powers of the other side's sums in û, v̂
	xiRho1, xiRho2 float64 // powers of the normalising sums of u, v
	ratio1, ratio2 float64 // reg/regA, reg/regB (0 for an infinite weight)
	fi12           float64 // exponent of the translation t, times reg
}

func newTIConstants(reg, r1, r2 float64) tiConstants {
	inf1, inf2 := math.IsInf(r1, 1), math.IsInf(r2, 1)
	var c tiConstants
	if !inf1 {
		c.ratio1 = reg / r1
		c.kRho1 = reg * r1 / ((reg + r1) * (r1 + r2)) * r1 / reg
	}
	if !inf2 {
		c.ratio2 = reg / r2
		c.kRho2 = reg * r2 / ((reg + r2) * (r1 + r2)) * r2 / reg
	}
	var xi1, xi2 float64
	switch {
	case inf1 && inf2:
		c.fi12 = 1
	case inf1:
		xi2, c.fi12 = reg/r2, r2
	case inf2:
		xi1, c.fi12 = reg/r1, r1
	default:
		xi1 = r2 * reg / (r1 * (reg + r1 + r2))
		xi2 = r1 * reg / (r2 * (reg + r1 + r2))
		c.fi12 = r1 * r2 / (r1 + r2)
	}
	if !inf1 {
		c.xiRho1 = xi1 * r1 / reg
	}
	if !inf2 {
		c.xiRho2 = xi2 * r2 / reg
	}
	return c
}

// logSolver runs the Knopp and translation-invariant iterations on
// log-scalings, in kernel form: with F, G the log-scalings at the last
// absorption, K = exp(L_ij + F_i + G_j) and the scalings U = exp(fs - F),
// V = exp(gs - G), the log of POT's K v is log(K V)_i - F_i, so one
// iteration is one pass over K without exp (fused: the row products K V
// give u, and the row is added to Kᵀu while in cache). The exps are paid
// when K is rebuilt: when a scaling leaves [1/absorbTau, absorbTau], or
// when a row or column sum leaves [sumLow, sumHigh], which sends that sum
// to an exact max-shifted log-sum-exp over L first. So the iterates are
// POT's whatever M/reg is, without under- or overflow.
type logSolver struct {
	problem
	ti         bool
	fi1, fi2   float64
	tc         tiConstants
	a, b       []float64
	logA, logB []float64 // n×k (log a_i for each histogram), m×k
	L, K       []float64 // n×m log kernel and kernel form
	F, G       []float64 // log-scalings folded into K
	U, V       []float64 // n×k, m×k scalings exp(fs - F), exp(gs - G)
	fs, gs     []float64 // iteration state (POT's u_, v_ in TI), log
	f, g       []float64 // reported log-scalings (fs, gs themselves in Knopp)
	fPrev      []float64
	gPrev      []float64
	u, v       []float64 // exp(f), exp(g): the scalings of POT's stopping rule
	uPrev      []float64
	vPrev      []float64
	expF, expG []float64 // e^F, e^G, to form u = U·e^F without exp
	logT       float64   // TI's last translation log t (f = fs + log t)
	sums       []float64 // count×k row products
	acc        []float64 // count×(m×k) partial column sums
	T          []float64 // m×k column sums, then log Kᵀu
	dirty      []bool    // per block: a row needed the exact log-sum-exp
}

func newLogSolver(a, b, L []float64, p problem, ti bool, f, g []float64) *logSolver {
	n, m, k := p.n, p.m, p.k
	s := &logSolver{problem: p, ti: ti, a: a, b: b, L: L}
	s.fi1, s.fi2 = exponent(p.regA, p.reg), exponent(p.regB, p.reg)
	if ti {
		s.tc = newTIConstants(p.reg, p.regA, p.regB)
	}
	s.logA, s.logB = make([]float64, n*k), make([]float64, m*k)
	for i := range n {
		fill(s.logA[i*k:(i+1)*k], math.Log(a[i]))
	}
	for e, x := range b {
		s.logB[e] = math.Log(x)
	}
	s.K = make([]float64, n*m)
	s.F, s.G = make([]float64, n), make([]float64, m)
	s.U, s.V = make([]float64, n*k), make([]float64, m*k)
	s.fs, s.gs = append([]float64(nil), f...), append([]float64(nil), g...)
	s.f, s.g = s.fs, s.gs
	if ti {
		s.f, s.g = append([]float64(nil), f...), append([]float64(nil), g...)
	}
	s.fPrev, s.gPrev = make([]float64, n*k), make([]float64, m*k)
	s.u, s.v = make([]float64, n*k), make([]float64, m*k)
	s.uPrev, s.vPrev = make([]float64, n*k), make([]float64, m*k)
	s.expF, s.expG = make([]float64, n), make([]float64, m)
	s.sums, s.acc = make([]float64, p.count*k), make([]float64, p.count*m*k)
	s.T, s.dirty = make([]float64, m*k), make([]bool, p.count)
	s.absorb()
	return s
}

// iterate runs POT's loop: every iteration records
// err = (Δu + Δv)/2 with Δu = max|u - u_prev| / max(|u|, |u_prev|, 1), and
// the solve stops once err < opt.Tol.
func (s *logSolver) iterate(opt Options) Result {
	maxIter := opt.maxIter()
	res := Result{Status: goot.IterationLimit, Breakdown: -1,
		Errors: make([]float64, 0, goot.HistoryCap(maxIter, 1))}
	prevOK := s.exactScalings()
	for it := range maxIter {
		res.Iter = it + 1
		copy(s.fPrev, s.f)
		copy(s.gPrev, s.g)
		s.u, s.uPrev = s.uPrev, s.u
		s.v, s.vPrev = s.vPrev, s.v
		s.step()

		// POT's error on the scalings themselves when they are representable
		// (formed from U, V without exp), else on the log-scalings.
		ok := s.scalings()
		var err float64
		if ok && prevOK {
			err = 0.5 * (linearChange(s.u, s.uPrev) + linearChange(s.v, s.vPrev))
		} else {
			err = 0.5 * (relChange(s.f, s.fPrev) + relChange(s.g, s.gPrev))
		}
		prevOK = ok
		res.Errors = append(res.Errors, err)
		if err < opt.Tol {
			res.Status = goot.Optimal
			break
		}
	}
	return res
}

// exactScalings sets u = exp(f), v = exp(g) and reports whether they are
// finite.
func (s *logSolver) exactScalings() bool {
	for e, x := range s.f {
		s.u[e] = math.Exp(x)
	}
	for e, x := range s.g {
		s.v[e] = math.Exp(x)
	}
	return finiteScalings(s.u) && finiteScalings(s.v)
}

// scalings sets u = U·e^F·t and v = V·e^G/t (t = 1 for Knopp), which equal
// exp(f) and exp(g) to rounding, and reports whether every one is finite.
func (s *logSolver) scalings() bool {
	if math.Abs(s.logT) > 700 {
		return false
	}
	t := math.Exp(s.logT)
	k := s.k
	for e, x := range s.U {
		s.u[e] = x * s.expF[e/k] * t
	}
	for e, x := range s.V {
		s.v[e] = x * s.expG[e/k] / t
	}
	return finiteScalings(s.u) && finiteScalings(s.v)
}

func finiteScalings(x []float64) bool {
	for _, v := range x {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return false
		}
	}
	return true
}

// step is one iteration: u from K v, then v from Kᵀu (for TI each scaled by
// the sums of the other side and normalised), then TI's translation.
func (s *logSolver) step() {
	tc := s.tc

	// 1. u = (a / K v)^fi1 (TI: times (Σ b v^ratio2)^kRho2, then normalised).
	c1 := 0.0
	if tc.kRho2 != 0 {
		c1 = tc.kRho2 * lse(s.logB, s.gs, tc.ratio2)
	}
	s.rowPass(c1)
	s1 := 0.0
	if tc.xiRho1 != 0 {
		s1 = -tc.xiRho1 * lse(s.logA, s.fs, -tc.ratio1)
		shift(s.fs, s.U, s1)
	}

	// 2. v = (b / Kᵀu)^fi2 (TI: times (Σ a u^-ratio1)^kRho1, normalised).
	exact := s.columnLogs(s1)
	c2 := 0.0
	if tc.kRho1 != 0 {
		c2 = tc.kRho1 * lse(s.logA, s.fs, -tc.ratio1)
	}
	k := s.k
	for e, lt := range s.T {
		if s.b[e] == 0 {
			s.gs[e] = math.Inf(-1)
			continue
		}
		s.gs[e] = s.fi2*(s.logB[e]-lt) + c2
	}
	if tc.xiRho2 != 0 {
		s2 := -tc.xiRho2 * lse(s.logB, s.gs, -tc.ratio2)
		for e := range s.gs {
			s.gs[e] += s2
		}
	}
	for e, x := range s.gs {
		s.V[e] = math.Exp(x - s.G[e/k])
	}

	// 3. TI: translate, u·t and v/t with t = (Σ a u^-ratio1 / Σ b v^-ratio2)^(fi12/reg).
	if s.ti {
		logT := tc.fi12 / s.reg *
			(lse(s.logA, s.fs, -tc.ratio1) - lse(s.logB, s.gs, -tc.ratio2))
		for e, x := range s.fs {
			s.f[e] = x + logT
		}
		for e, x := range s.gs {
			s.g[e] = x - logT
		}
		s.logT = logT
	}

	// 4. Fold the scalings into K when they drift out of range.
	if exact || s.outOfRange() {
		s.absorb()
	}
}

// shift adds d to the finite log-scalings x and scales their U by e^d.
func shift(x, U []float64, d float64) {
	ed := math.Exp(d)
	for e := range x {
		x[e] += d
		U[e] *= ed
	}
}

// rowPass sets fs = fi1·(log a - log K v) + c1 and U = exp(fs - F) row by
// row, and accumulates the column sums K U into acc.
func (s *logSolver) rowPass(c1 float64) {
	m, k := s.m, s.k
	mk := m * k
	forBlocks(s.problem, func(t, lo, hi int) {
		acc, sum := s.acc[t*mk:(t+1)*mk], s.sums[t*k:(t+1)*k]
		clear(acc)
		s.dirty[t] = false
		if k == 1 {
			s.rowPass1(t, lo, hi, c1, acc)
			return
		}
		for i := lo; i < hi; i++ {
			Ki := s.K[i*m : (i+1)*m]
			rowProducts(Ki, s.V, sum, k)
			Ui := s.U[i*k : (i+1)*k]
			for c, x := range sum {
				s.setRow(t, i, c, x, c1)
			}
			addRow(acc, Ki, Ui, k)
		}
	})
}

// rowPass1 is rowPass for one histogram, as bregman's Knopp sweep: four
// rows' products K v, their scalings, then their share of Kᵀu, with the
// products of the next four rows (read from memory) pipelined with the
// update of the current four (in cache), through internal/simd's kernels.
func (s *logSolver) rowPass1(t, lo, hi int, c1 float64, acc []float64) {
	m, K, U, V := s.m, s.K, s.U, s.V[:s.m]
	acc = acc[:m]
	row := func(i int) []float64 { return K[i*m : (i+1)*m] }
	i := lo
	if hi-lo >= 4 {
		s0, s1, s2, s3 := simd.Dot4(row(i), row(i+1), row(i+2), row(i+3), V)
		for ; ; i += 4 {
			s.setRow(t, i, 0, s0, c1)
			s.setRow(t, i+1, 0, s1, c1)
			s.setRow(t, i+2, 0, s2, c1)
			s.setRow(t, i+3, 0, s3, c1)
			if i+8 > hi {
				break
			}
			s0, s1, s2, s3 = simd.DotAxpy4(row(i+4), row(i+5), row(i+6), row(i+7), V, acc,
				row(i), row(i+1), row(i+2), row(i+3), U[i], U[i+1], U[i+2], U[i+3])
		}
		simd.Axpy4(acc, row(i), row(i+1), row(i+2), row(i+3), U[i], U[i+1], U[i+2], U[i+3])
		i += 4
	}
	for ; i < hi; i++ {
		Ki := row(i)
		s.setRow(t, i, 0, simd.Dot(Ki, V), c1)
		if U[i] != 0 {
			simd.Axpy(acc, Ki, U[i])
		}
	}
}

// setRow sets fs and U of row i, histogram c, from the row product x = (K V)_ic.
func (s *logSolver) setRow(t, i, c int, x, c1 float64) {
	e := i*s.k + c
	if s.a[i] == 0 {
		s.fs[e], s.U[e] = math.Inf(-1), 0
		return
	}
	var lkv float64
	if x >= sumLow && x <= sumHigh {
		lkv = math.Log(x) - s.F[i]
	} else {
		lkv = s.exactRow(i, c)
		s.dirty[t] = true
	}
	h := s.fi1*(s.logA[e]-lkv) + c1
	s.fs[e] = h
	s.U[e] = math.Exp(h - s.F[i])
	if math.IsInf(h, 1) {
		s.U[e] = 0 // no admissible pair with mass: the row of P is 0
	}
}

// rowProducts sets sum_c = Σ_j K_j V_jc.
func rowProducts(Ki, V, sum []float64, k int) {
	if k == 1 {
		sum[0] = dot(Ki, V[:len(Ki)])
		return
	}
	clear(sum)
	for j, kij := range Ki {
		if kij != 0 {
			for c, v := range V[j*k : (j+1)*k] {
				sum[c] += kij * v
			}
		}
	}
}

// dot returns Σ x_j y_j (len(y) ≥ len(x)), by internal/simd's kernel.
func dot(x, y []float64) float64 { return simd.Dot(x, y[:len(x)]) }

// addRow adds K_j·U_c to acc_jc.
func addRow(acc, Ki, Ui []float64, k int) {
	if k == 1 {
		if u := Ui[0]; u != 0 {
			simd.Axpy(acc[:len(Ki)], Ki, u)
		}
		return
	}
	for j, kij := range Ki {
		if kij != 0 {
			for c, u := range Ui {
				acc[j*k+c] += kij * u
			}
		}
	}
}

// exactRow returns log Σ_j exp(L_ij + gs_jc) by a max-shifted sum.
func (s *logSolver) exactRow(i, c int) float64 {
	m, k := s.m, s.k
	L := s.L[i*m : (i+1)*m]
	top := math.Inf(-1)
	for j, x := range L {
		top = max(top, x+s.gs[j*k+c])
	}
	if math.IsInf(top, 0) || math.IsNaN(top) {
		return top
	}
	sum := 0.0
	for j, x := range L {
		sum += math.Exp(x + s.gs[j*k+c] - top)
	}
	return top + math.Log(sum)
}

// columnLogs turns the partial sums of rowPass into T = log Kᵀu for the
// state fs (whose rows were shifted by s1 after the pass). It reports
// whether the exact log-sum-exp was needed.
func (s *logSolver) columnLogs(s1 float64) bool {
	mk, k := s.m*s.k, s.k
	clear(s.T)
	exact := false
	for t := range s.count {
		exact = exact || s.dirty[t]
		for e, x := range s.acc[t*mk : (t+1)*mk] {
			s.T[e] += x
		}
	}
	for e, x := range s.T {
		if s.b[e] > 0 && !(x >= sumLow && x <= sumHigh) {
			exact = true
		}
	}
	if exact {
		s.exactColumns()
		return true
	}
	for e, x := range s.T {
		s.T[e] = math.Log(x) - s.G[e/k] + s1
	}
	return false
}

// exactColumns sets T_jc = log Σ_i exp(L_ij + fs_ic) by max-shifted sums
// (two passes over L; only when the kernel form lost precision).
func (s *logSolver) exactColumns() {
	n, m, k := s.n, s.m, s.k
	top := s.acc[:m*k] // scratch: the column maxima
	fill(top, math.Inf(-1))
	for i := range n {
		for c := range k {
			fi := s.fs[i*k+c]
			if math.IsInf(fi, 0) {
				continue
			}
			for j, x := range s.L[i*m : (i+1)*m] {
				top[j*k+c] = max(top[j*k+c], x+fi)
			}
		}
	}
	clear(s.T)
	for i := range n {
		for c := range k {
			fi := s.fs[i*k+c]
			if math.IsInf(fi, 0) {
				continue
			}
			for j, x := range s.L[i*m : (i+1)*m] {
				if t := top[j*k+c]; t > math.Inf(-1) {
					s.T[j*k+c] += math.Exp(x + fi - t)
				}
			}
		}
	}
	for e, x := range s.T {
		s.T[e] = top[e] + math.Log(x)
	}
}

// outOfRange reports a scaling of positive weight outside
// [1/absorbTau, absorbTau].
func (s *logSolver) outOfRange() bool {
	for e, u := range s.U {
		if s.a[e/s.k] > 0 && u != 0 && (u > absorbTau || u < 1/absorbTau) {
			return true
		}
	}
	for e, v := range s.V {
		if s.b[e] > 0 && (v > absorbTau || v < 1/absorbTau) {
			return true
		}
	}
	return false
}

// absorb folds the scalings into the kernel: F_i = max_c fs_ic and
// G_j = max_c gs_jc over finite values, K = exp(L + F + G), and U, V
// recomputed.
func (s *logSolver) absorb() {
	k, m := s.k, s.m
	foldMax(s.F, s.fs, k)
	foldMax(s.G, s.gs, k)
	for i, x := range s.F {
		s.expF[i] = math.Exp(x) // may overflow: scalings then reports false
	}
	for j, x := range s.G {
		s.expG[j] = math.Exp(x)
	}
	forBlocks(s.problem, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			Fi := s.F[i]
			Ki, Li := s.K[i*m:(i+1)*m], s.L[i*m:(i+1)*m]
			for j, x := range Li {
				Ki[j] = math.Exp(x + Fi + s.G[j])
			}
		}
	})
	for e, x := range s.fs {
		s.U[e] = math.Exp(x - s.F[e/k])
		if math.IsInf(x, 1) {
			s.U[e] = 0
		}
	}
	for e, x := range s.gs {
		s.V[e] = math.Exp(x - s.G[e/k])
	}
}

// foldMax sets F_i to the largest finite x_ic (0 if there is none).
func foldMax(F, x []float64, k int) {
	for i := range F {
		top := math.Inf(-1)
		for _, v := range x[i*k : (i+1)*k] {
			if !math.IsInf(v, 0) && !math.IsNaN(v) {
				top = max(top, v)
			}
		}
		if math.IsInf(top, -1) {
			top = 0
		}
		F[i] = top
	}
}

// lse returns log Σ_e exp(logw_e + coef·x_e) over the entries of positive
// weight (POT's sums such as Σ b v^ratio), with a max shift.
func lse(logw, x []float64, coef float64) float64 {
	top := math.Inf(-1)
	for e, w := range logw {
		if w > math.Inf(-1) {
			top = max(top, w+scaled(coef, x[e]))
		}
	}
	if math.IsInf(top, 0) || math.IsNaN(top) {
		return top
	}
	sum := 0.0
	for e, w := range logw {
		if w > math.Inf(-1) {
			sum += math.Exp(w + scaled(coef, x[e]) - top)
		}
	}
	return top + math.Log(sum)
}

// scaled returns coef·x with 0·(±Inf) = 0, as x^0 = 1 in POT's sums.
func scaled(coef, x float64) float64 {
	if coef == 0 {
		return 0
	}
	return coef * x
}

// relChange returns POT's max|u - u'| / max(max|u|, max|u'|, 1) for
// u = exp(x), u' = exp(prev), computed without overflow: with
// top = max(0, max x, max prev) it is max|exp(x - top) - exp(prev - top)|.
// Entries at +Inf (rows with no admissible pair) are left out.
func relChange(x, prev []float64) float64 {
	top := 0.0
	for e := range x {
		if !math.IsInf(x[e], 1) {
			top = max(top, x[e])
		}
		if !math.IsInf(prev[e], 1) {
			top = max(top, prev[e])
		}
	}
	d := 0.0
	for e := range x {
		if math.IsInf(x[e], 1) || math.IsInf(prev[e], 1) {
			continue
		}
		d = max(d, math.Abs(math.Exp(x[e]-top)-math.Exp(prev[e]-top)))
	}
	return d
}

// output writes the plan P_ij = exp(f_i + L_ij + g_j) (k = 1) and the
// costs ⟨P, M⟩ per histogram, and for k = 1 and wantTotal POT's total cost.
//
// TODO(goot): the set-up and output passes (L, K, the plan and its KL term)
// pay math.Exp (and for the total cost math.Log) per entry, several times
// numpy's vectorised cost, so problems of a few hundred points are set-up
// bound and can be slower than POT (benchmarks/RESULTS.md § Unbalanced);
// share goot/bregman's fast exp through the root package (issue 7).
func output(a, b, M, L []float64, p problem, f, g, plan, costs []float64, wantTotal bool,
	res *Result) {
	n, m, k := p.n, p.m, p.k
	part := make([]float64, p.count*(k+1))
	cols := make([]float64, p.count*m)
	rows := make([]float64, n)
	forBlocks(p, func(t, lo, hi int) {
		sum, col := part[t*(k+1):(t+1)*(k+1)], cols[t*m:(t+1)*m]
		for i := lo; i < hi; i++ {
			for c := range k {
				fi := f[i*k+c]
				row := 0.0
				for j, x := range L[i*m : (i+1)*m] {
					pij := math.Exp(fi + x + g[j*k+c])
					if pij != pij {
						pij = 0 // -Inf + Inf: a pair with no mass on either side
					}
					if k == 1 {
						if plan != nil {
							plan[i*m+j] = pij
						}
						row += pij
						col[j] += pij
						if pij != 0 && wantTotal {
							sum[1] += pij * math.Log(pij/refAt(a, b, p, i, j)+1e-16)
						}
					}
					if pij != 0 {
						sum[c] += pij * M[i*m+j]
					}
				}
				rows[i] = row
			}
		}
	})
	total := make([]float64, k+1)
	for t := range p.count {
		for c := range total {
			total[c] += part[t*(k+1)+c]
		}
	}
	if costs != nil {
		copy(costs, total[:k])
	}
	res.Cost = total[0]
	if k != 1 {
		return
	}
	for t := 1; t < p.count; t++ {
		for j, x := range cols[t*m : (t+1)*m] {
			cols[j] += x
		}
	}
	if !wantTotal {
		return
	}
	res.TotalCost = total[0] + p.reg*total[1]
	if !math.IsInf(p.regA, 1) {
		res.TotalCost += p.regA * kl(rows, a)
	}
	if !math.IsInf(p.regB, 1) {
		res.TotalCost += p.regB * kl(cols[:m], b)
	}
}

// refAt returns c_ij as POT forms it.
func refAt(a, b []float64, p problem, i, j int) float64 {
	switch p.ref {
	case Product:
		return a[i] * b[j]
	case Given:
		return p.c[i*p.m+j]
	}
	return 1
}

// kl returns POT's Σ x log(x/y + 1e-16) (terms with x = 0 count 0).
func kl(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		if v != 0 {
			s += v * math.Log(v/y[i]+1e-16)
		}
	}
	return s
}
