package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Entropic barycenters on a fixed support (Benamou et al. 2015): the
// histogram q minimising Σ_c w_c W_reg(q, A_c), where A_c, c < k, are the
// columns of the n×k row-major matrix A and M is the n×n cost. Every solver
// follows the iterate sequence and stopping rule of the POT function of the
// same name, writes the barycentre into bar (n) and reports the error history
// and the index of the last iteration in its Result. MaxIter defaults to 1000
// (POT's direct functions; POT's barycenter wrapper passes 10000).
//
// Special cases: a zero weight A_ic gives a zero scaling; a cost of +Inf
// forbids a pair; NaN or -Inf costs, negative or non-finite masses and
// weights are errors.
//
// References:
//   - Benamou, Carlier, Cuturi, Nenna, Peyré, "Iterative Bregman projections
//     for regularized transportation problems", SIAM J. Sci. Comput. 37(2),
//     2015.
//   - Janati, Cuturi, Gramfort, "Debiased Sinkhorn barycenters", ICML, 2020.

// logOffset is added to the histograms before their logarithm in the
// log-domain barycenters, as POT does (so zero masses give log 1e-16, and
// the iterates match POT's).
const logOffset = 1e-16

// checkBarycenter validates the arguments of a barycenter solve and returns
// its dimensions (n = m = len(A)/k).
func checkBarycenter(A []float64, k int, M []float64, reg float64, weights,
	bar []float64) (problem, error) {
	p := problem{k: k, reg: reg}
	switch {
	case !(reg > 0) || math.IsInf(reg, 1):
		return p, goot.Errorf("reg", "must be positive and finite, got %g", reg)
	case k < 1:
		return p, goot.Errorf("A", "needs at least one histogram, got %d", k)
	case len(A) == 0 || len(A)%k != 0:
		return p, goot.Errorf("A", "length %d is not a positive multiple of %d histograms",
			len(A), k)
	}
	p.n = len(A) / k
	p.m = p.n
	switch {
	case len(M) != p.n*p.n:
		return p, goot.Errorf("M", "has %d entries, A needs %d×%d", len(M), p.n, p.n)
	case len(weights) != k:
		return p, goot.Errorf("weights", "has length %d, A has %d histograms", len(weights), k)
	case len(bar) != p.n:
		return p, goot.Errorf("bar", "has length %d, want %d", len(bar), p.n)
	}
	if err := goot.CheckWeights("A", A); err != nil {
		return p, err
	}
	for c, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return p, goot.Errorf("weights", "non-finite weight at index %d", c)
		}
	}
	for e, x := range M {
		if math.IsNaN(x) || math.IsInf(x, -1) {
			return p, goot.Errorf("M", "NaN or -inf cost at (%d, %d)", e/p.n, e%p.n)
		}
	}
	return p, nil
}

// newBarKnopp returns a Sinkhorn–Knopp state for a barycenter: the kernel
// K = exp(-M/reg), the histograms one per row (aT), and k×n scalings.
func newBarKnopp(A, M []float64, p problem) *knopp {
	n, k := p.n, p.k
	s := &knopp{problem: p}
	// Each pass does k products per entry of K: size the blocks by that work.
	s.count, s.rows = blocks(n, n*k)
	s.aT = transpose(A, n, k)
	s.K = make([]float64, n*n)
	s.U, s.V, s.W = make([]float64, k*n), make([]float64, k*n), make([]float64, k*n)
	s.uPrev, s.vPrev = make([]float64, k*n), make([]float64, k*n)
	s.acc = make([]float64, s.count*k*n)
	s.kernelOK = s.buildKernel(M, nil, nil)
	return s
}

// mulRows sets y_c = K x_c for every histogram c (x and y k×n), in parallel
// row blocks.
func (s *knopp) mulRows(x, y []float64, k int) {
	n, m := s.n, s.m
	forBlocks(s.count, s.rows, n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			Ki := s.K[i*m : (i+1)*m]
			for c := range k {
				y[c*n+i] = dot(Ki, x[c*m:(c+1)*m])
			}
		}
	})
}

// startScalings sets POT's first barycenter scalings u_c = g / (K (A_c / Kᵀ1))
// into s.V, using s.U and s.W as scratch; g is the geometric mean over
// histograms with the given weights (equal weights when nil, as POT).
//
// POT takes the unweighted mean here. Barycenter's update keeps Π_c u_c^{w_c}
// unchanged, and the true barycenter has it equal to 1, so with POT's start
// and non-uniform weights its iteration converges to another point than its
// log-domain and stabilized ones. With uniform weights both starts agree.
func (s *knopp) startScalings(weights []float64) {
	n, k := s.n, s.k
	colsum := s.W[:n]
	clear(colsum)
	for i := range n {
		for j, x := range s.K[i*n : (i+1)*n] {
			colsum[j] += x
		}
	}
	for c := range k {
		for j := range n {
			s.U[c*n+j] = s.aT[c*n+j] / colsum[j]
		}
	}
	ukv := s.W
	s.mulRows(s.U, ukv, k)
	for i := range n {
		mean := 0.0
		for c := range k {
			w := 1 / float64(k)
			if weights != nil {
				w = weights[c]
			}
			mean += w * math.Log(ukv[c*n+i])
		}
		g := math.Exp(mean)
		for c := range k {
			s.V[c*n+i] = g / ukv[c*n+i]
		}
	}
}

// geometricBar sets bar_i = exp(Σ_c w_c log x_ci) for x k×n.
func geometricBar(weights, x, bar []float64) {
	n := len(bar)
	for i := range bar {
		sum := 0.0
		for c, w := range weights {
			sum += w * math.Log(x[c*n+i])
		}
		bar[i] = math.Exp(sum)
	}
}

// spread returns Σ_i std_c(x_ci) (population std) for x k×n: how far the
// per-histogram barycentres still are from each other.
func spread(x []float64, n, k int) float64 {
	total := 0.0
	for i := range n {
		mean := 0.0
		for c := range k {
			mean += x[c*n+i]
		}
		mean /= float64(k)
		v := 0.0
		for c := range k {
			d := x[c*n+i] - mean
			v += d * d
		}
		total += math.Sqrt(v / float64(k))
	}
	return total
}

func allFinitePositive(x []float64) bool {
	for _, v := range x {
		if !(v > 0 && v <= math.MaxFloat64) {
			return false
		}
	}
	return true
}

// Barycenter computes the entropic barycenter by POT's barycenter_sinkhorn
// iterations: from the scalings of startScalings (weighted, which fixes
// POT's result for non-uniform weights; see there), each iteration forms
// Kᵀ(A_c / K u_c) for every histogram in one fused pass over K (as
// Sinkhorn does), the per-histogram barycentres UKv_c = u_c ⊙ Kᵀ(A_c / K u_c),
// their weighted geometric mean bar, and u_c ← u_c ⊙ bar / UKv_c. At
// iterations 1, 11, 21, … the error Σ_i std_c(UKv_ci) is recorded and the
// solve stops below opt.Tol.
//
// When the kernel under- or overflows (costs far above reg), POT returns
// NaN; here Result.Breakdown records the iteration and the barycenter is
// computed again by BarycenterLog (Result.LogDomain).
func Barycenter(A []float64, k int, M []float64, reg float64, weights, bar []float64,
	opt Options) (Result, error) {
	p, err := checkBarycenter(A, k, M, reg, weights, bar)
	if err != nil {
		return Result{}, err
	}
	s := newBarKnopp(A, M, p)
	n := p.n
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, 10)
	ukv := make([]float64, k*n)
	ok := s.kernelOK
	if ok {
		s.startScalings(weights)
		ok = allFinitePositive(s.V)
	}
	for it := 0; ok && it < maxIter; it++ {
		res.Iter = it

		// U = A / K u and W = Kᵀ U in one pass; the barycentre of each
		// histogram is u ⊙ W.
		s.pass(true)
		for e, w := range s.W {
			ukv[e] = s.V[e] * w
		}
		geometricBar(weights, ukv, bar)
		if !allFinitePositive(bar) {
			res.Breakdown = it
			break
		}

		// Scale each histogram's barycentre towards their geometric mean.
		for c := range k {
			for i := range n {
				e := c*n + i
				s.V[e] = s.V[e] * bar[i] / ukv[e]
			}
		}

		if it%10 == 1 {
			err := spread(ukv, n, k)
			res.Errors = append(res.Errors, err)
			if err < opt.Tol {
				res.Status = goot.Optimal
				break
			}
		}
	}
	if !ok && res.Breakdown < 0 {
		res.Breakdown = 0
	}
	if res.Breakdown >= 0 {
		s.K = nil
		r, err := BarycenterLog(A, k, M, reg, weights, bar, opt)
		r.Breakdown, r.LogDomain = res.Breakdown, true
		return r, err
	}
	return res, nil
}

// BarycenterStabilized computes the entropic barycenter by POT's
// barycenter_stabilized iterations: u_c = A_c / K v_c, q = geometric mean of
// the Kᵀu_c, v_c = q / Kᵀu_c, with K = exp(-(M - α_i - β_j)/reg); when some
// scaling exceeds opt.Tau (default 1e10) the row maxima over histograms of
// u and v are absorbed into α and β, K is rebuilt and v reset to 1. At
// iteration 0 and every 10th iteration without absorption the error
// max |u ⊙ K v - A| is recorded and the solve stops below opt.Tol.
//
// logu and logv (n×k, may be nil) receive log(u + 1e-16) and log(v + 1e-16)
// (POT's log["logu"], log["logv"]). Non-finite scalings or a zero Kᵀu stop
// the solve with the previous barycenter and Result.Breakdown set (POT's
// "Numerical errors").
func BarycenterStabilized(A []float64, k int, M []float64, reg float64, weights, bar,
	logu, logv []float64, opt Options) (Result, error) {
	p, err := checkBarycenter(A, k, M, reg, weights, bar)
	if err != nil {
		return Result{}, err
	}
	n := p.n
	if logu != nil && len(logu) != n*k || logv != nil && len(logv) != n*k {
		return Result{}, goot.Errorf("logu", "logu and logv need %d×%d values", n, k)
	}
	tau := opt.Tau
	if tau == 0 {
		tau = 1e10
	}
	s := newBarKnopp(A, M, p)
	alpha, beta := make([]float64, n), make([]float64, n)
	kv, prev := make([]float64, k*n), make([]float64, n)
	fill(s.U, 1/float64(n))
	fill(s.V, 1/float64(n))
	fill(bar, 1/float64(n))
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, 10)
	if !s.kernelOK {
		res.Breakdown = 0
		maxIter = 0
	}
	for it := range maxIter {
		res.Iter = it
		copy(prev, bar)

		// u = A / K v and Kᵀu in one pass, then q and v = q / Kᵀu.
		s.pass(true)
		geometricBar(weights, s.W, bar)
		for c := range k {
			for i := range n {
				s.V[c*n+i] = bar[i] / s.W[c*n+i]
			}
		}

		// Absorb large scalings into the potentials.
		absorbing := maxAbs(s.U) > tau || maxAbs(s.V) > tau
		if absorbing {
			absorbRowMax(alpha, s.U, n, k, reg)
			absorbRowMax(beta, s.V, n, k, reg)
			s.buildKernel(M, alpha, beta)
			fill(s.V, 1)
		}

		if !stabilizedOK(s) {
			copy(bar, prev)
			res.Breakdown = it
			break
		}

		if (it%10 == 0 && !absorbing) || it == 0 {
			s.mulRows(s.V, kv, k)
			err := 0.0
			for e, u := range s.U {
				err = max(err, math.Abs(u*kv[e]-s.aT[e]))
			}
			res.Errors = append(res.Errors, err)
			if err < opt.Tol {
				res.Status = goot.Optimal
				break
			}
		}
	}
	for c := range k {
		for i := range n {
			if logu != nil {
				logu[i*k+c] = math.Log(s.U[c*n+i] + logOffset)
			}
			if logv != nil {
				logv[i*k+c] = math.Log(s.V[c*n+i] + logOffset)
			}
		}
	}
	return res, nil
}

// absorbRowMax adds reg·log(max_c x_ci) to potential_i.
func absorbRowMax(potential, x []float64, n, k int, reg float64) {
	for i := range n {
		m := math.Inf(-1)
		for c := range k {
			m = max(m, x[c*n+i])
		}
		potential[i] += reg * math.Log(m)
	}
}

// stabilizedOK is POT's test for numerical errors: no zero in Kᵀu and
// finite scalings.
func stabilizedOK(s *knopp) bool {
	for _, w := range s.W {
		if w == 0 {
			return false
		}
	}
	for e := range s.U {
		if !isFinite(s.U[e]) || !isFinite(s.V[e]) {
			return false
		}
	}
	return true
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// BarycenterDebiased computes the debiased entropic barycenter (Janati et
// al. 2020) by POT's iterations: from the scalings of startScalings,
// UKv_c = K (A_c / K u_c), bar = c ⊙ geometric mean of the UKv_c,
// u_c = bar / UKv_c and the debiasing vector c ← sqrt(c ⊙ bar / K c). At
// iterations 9, 19, … the error max |bar - bar_prev| / max(max bar, 1) is
// recorded; the solve stops below opt.Tol after iteration 20 (the iteration
// is not monotone).
func BarycenterDebiased(A []float64, k int, M []float64, reg float64, weights,
	bar []float64, opt Options) (Result, error) {
	p, err := checkBarycenter(A, k, M, reg, weights, bar)
	if err != nil {
		return Result{}, err
	}
	n := p.n
	s := newBarKnopp(A, M, p)
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, 10)
	if !s.kernelOK {
		return res, goot.Errorf("M", "exp(-M/reg) overflows: costs far below -reg")
	}
	s.startScalings(nil) // POT's start; u is recomputed at each iteration
	cvec, kc, prev := make([]float64, n), make([]float64, n), make([]float64, n)
	ukv, t := s.W, s.U
	fill(cvec, 1)
	fill(bar, 1)
	for it := range maxIter {
		res.Iter = it
		copy(prev, bar)

		// UKv_c = K (A_c / K u_c).
		s.mulRows(s.V, t, k)
		for e, x := range t {
			t[e] = s.aT[e] / x
		}
		s.mulRows(t, ukv, k)

		// The debiased geometric mean, the new scalings, and c.
		geometricBar(weights, ukv, bar)
		for i := range bar {
			bar[i] *= cvec[i]
		}
		for c := range k {
			for i := range n {
				s.V[c*n+i] = bar[i] / ukv[c*n+i]
			}
		}
		s.mulRows(cvec, kc, 1)
		for i := range cvec {
			cvec[i] = math.Sqrt(cvec[i] * bar[i] / kc[i])
		}

		if it%10 == 9 {
			diff, top := 0.0, 1.0
			for i, x := range bar {
				diff = max(diff, math.Abs(x-prev[i]))
				top = max(top, x)
			}
			err := diff / top
			res.Errors = append(res.Errors, err)
			if err < opt.Tol && it > 20 {
				res.Status = goot.Optimal
				break
			}
		}
	}
	return res, nil
}

// BarycenterLog computes the entropic barycenter by POT's log-domain
// iterations (its _barycenter_sinkhorn_log): with logA = log(A + 1e-16) and
// G = 0 at the start, each iteration sets, for every histogram c,
// f = logA_c - LSE_j(-M_ij/reg + G_cj), logKU_c = LSE_i(-M_ij/reg + f_i), and
// log bar = Σ_c w_c logKU_c; at iterations 1, 11, … the error
// Σ_j std_c(exp(G_cj + logKU_cj)) is recorded and the solve stops below
// opt.Tol; then G_c = log bar - logKU_c. Every log-sum-exp is shifted by its
// exact maximum, so nothing underflows whatever M/reg is.
func BarycenterLog(A []float64, k int, M []float64, reg float64, weights, bar []float64,
	opt Options) (Result, error) {
	return barycenterLog(A, k, M, reg, weights, bar, opt, false)
}

// BarycenterDebiasedLog is BarycenterLog with POT's debiasing (its
// _barycenter_debiased_log): log bar gains the log-debiasing vector c, which
// takes 10 steps c ← (c + log bar - LSE_i(-M_ij/reg + c_i)) / 2 per
// iteration, and the solve stops only after iteration 20.
func BarycenterDebiasedLog(A []float64, k int, M []float64, reg float64, weights,
	bar []float64, opt Options) (Result, error) {
	return barycenterLog(A, k, M, reg, weights, bar, opt, true)
}

// logBar is the state of a log-domain barycenter.
type logBar struct {
	problem
	Mr      []float64 // -M/reg
	logA    []float64 // k×n: log(A_c + 1e-16)
	G       []float64 // k×n
	logKU   []float64 // k×n
	f       []float64 // n: row potentials of the current histogram
	mx, sum []float64 // count×n column scratch
	shift   []float64 // n
	count   int
	rows    int
}

func barycenterLog(A []float64, k int, M []float64, reg float64, weights, bar []float64,
	opt Options, debiased bool) (Result, error) {
	p, err := checkBarycenter(A, k, M, reg, weights, bar)
	if err != nil {
		return Result{}, err
	}
	n := p.n
	s := &logBar{problem: p}
	s.count, s.rows = blocks(n, n)
	s.Mr = make([]float64, n*n)
	forBlocks(s.count, s.rows, n, func(_, lo, hi int) {
		for e := lo * n; e < hi*n; e++ {
			s.Mr[e] = -M[e] / reg
		}
	})
	s.logA = transpose(A, n, k)
	for e, x := range s.logA {
		s.logA[e] = math.Log(x + logOffset)
	}
	s.G, s.logKU = make([]float64, k*n), make([]float64, k*n)
	s.f, s.shift = make([]float64, n), make([]float64, n)
	s.mx, s.sum = make([]float64, s.count*n), make([]float64, s.count*n)
	logb, cvec, lse := bar, make([]float64, n), make([]float64, n)
	kern := make([]float64, k*n)

	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, 10)
	for it := range maxIter {
		res.Iter = it

		// Per histogram: f from the rows, logKU from the columns.
		clear(logb)
		for c := range k {
			s.rowLSE(s.G[c*n:(c+1)*n], s.f)
			for i := range s.f {
				s.f[i] = s.logA[c*n+i] - s.f[i]
			}
			lk := s.logKU[c*n : (c+1)*n]
			s.colLSE(s.f, lk)
			for j, x := range lk {
				logb[j] += weights[c] * x
			}
		}
		if debiased {
			for j := range logb {
				logb[j] += cvec[j]
			}
		}

		if it%10 == 1 {
			for e, g := range s.G {
				kern[e] = math.Exp(g + s.logKU[e])
			}
			err := spread(kern, n, k)
			res.Errors = append(res.Errors, err)
			if err < opt.Tol && (!debiased || it > 20) {
				res.Status = goot.Optimal
				break
			}
		}

		for c := range k {
			for j := range n {
				s.G[c*n+j] = logb[j] - s.logKU[c*n+j]
			}
		}
		if debiased {
			for range 10 {
				s.colLSE(cvec, lse)
				for j := range cvec {
					cvec[j] = 0.5 * (cvec[j] + logb[j] - lse[j])
				}
			}
		}
	}
	for j, x := range logb {
		bar[j] = math.Exp(x)
	}
	return res, nil
}

// rowLSE sets out_i = LSE_j(Mr_ij + g_j), shifted by each row's maximum.
func (s *logBar) rowLSE(g, out []float64) {
	n := s.n
	forBlocks(s.count, s.rows, n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			row := s.Mr[i*n : (i+1)*n]
			g := g[:len(row)]
			shift := math.Inf(-1)
			for j, x := range row {
				shift = max(shift, x+g[j])
			}
			if math.IsInf(shift, 0) {
				out[i] = shift
				continue
			}
			sum := 0.0
			for j, x := range row {
				sum += exp(x + g[j] - shift)
			}
			out[i] = shift + math.Log(sum)
		}
	})
}

// colLSE sets out_j = LSE_i(Mr_ij + f_i), shifted by each column's maximum:
// one pass for the per-block column maxima, one for the sums.
func (s *logBar) colLSE(f, out []float64) {
	n := s.n
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		mx := s.mx[t*n : (t+1)*n]
		fill(mx, math.Inf(-1))
		for i := lo; i < hi; i++ {
			fi, row := f[i], s.Mr[i*n:(i+1)*n]
			mx := mx[:len(row)]
			for j, x := range row {
				mx[j] = max(mx[j], x+fi)
			}
		}
	})
	shift := s.shift
	fill(shift, math.Inf(-1))
	for t := range s.count {
		for j, x := range s.mx[t*n : (t+1)*n] {
			shift[j] = max(shift[j], x)
		}
	}
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		sum := s.sum[t*n : (t+1)*n]
		clear(sum)
		for i := lo; i < hi; i++ {
			fi, row := f[i], s.Mr[i*n:(i+1)*n]
			sum, shift := sum[:len(row)], shift[:len(row)]
			for j, x := range row {
				if !math.IsInf(shift[j], 0) {
					sum[j] += exp(x + fi - shift[j])
				}
			}
		}
	})
	for j := range n {
		total := 0.0
		for t := range s.count {
			total += s.sum[t*n+j]
		}
		if math.IsInf(shift[j], 0) {
			out[j] = shift[j]
			continue
		}
		out[j] = shift[j] + math.Log(total)
	}
}
