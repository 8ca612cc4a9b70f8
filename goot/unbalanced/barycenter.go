package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Barycenter computes the entropic unbalanced barycenter of the k
// histograms in the columns of A (dim×k, row-major) for the dim×dim cost M,
// as POT's barycenter_unbalanced_sinkhorn: the q minimising
// Σ_c w_c UOT(q, A_c) with reg and regM on both marginals, by the scaling
// iteration of Chizat et al. (2018, §5.2)
//
//	u = (A / K v)^fi,  q = (Σ_c w_c (Kᵀu_c)^{1-fi})^{1/(1-fi)},
//	v = (q / Kᵀu)^fi,  fi = regM / (regM + reg),  K = exp(-M/reg),
//
// from u = v = q = 1, stopping once the relative change of q is below
// opt.Tol after more than 10 iterations (POT's rule). The iteration runs on
// log-scalings with max-shifted log-sum-exps, so it neither under- nor
// overflows; each iteration evaluates 2·dim²·k exps.
//
// weights (k) are the barycentric coordinates (non-negative). q (dim)
// receives the barycenter, f and g (dim×k) the log-scalings log u, log v.
// Result.Iter is POT's log["niter"] (the index of the last iteration).
// regM must be finite: with regM = +Inf the barycenter is balanced and
// fi = 1 makes the exponent 1/(1-fi) undefined.
//
// TODO(goot): kernel form (one pass without exp per iteration, as the
// two-marginal solvers) for large dim (issue 7).
func Barycenter(A, M, weights []float64, k int, reg, regM float64, q, f, g []float64,
	opt Options) (Result, error) {
	dim, err := checkBarycenter(A, M, weights, k, reg, regM)
	if err != nil {
		return Result{}, err
	}
	switch {
	case len(q) != dim:
		return Result{}, goot.Errorf("q", "has length %d, want %d", len(q), dim)
	case len(f) != dim*k || len(g) != dim*k:
		return Result{}, goot.Errorf("f", "log-scalings need %d entries", dim*k)
	}
	L := make([]float64, dim*dim)
	for e, x := range M {
		L[e] = -x / reg
	}
	logA := make([]float64, dim*k)
	for e, x := range A {
		logA[e] = math.Log(x)
	}
	fi := exponent(regM, reg)
	logq, prev := make([]float64, dim), make([]float64, dim)
	lktu, top := make([]float64, dim*k), make([]float64, dim*k)
	clear(f)
	clear(g)

	maxIter := opt.maxIter()
	res := Result{Status: goot.IterationLimit, Breakdown: -1,
		Errors: make([]float64, 0, goot.HistoryCap(maxIter, 1))}
	for it := range maxIter {
		res.Iter = it
		copy(prev, logq)

		// u = (A / K v)^fi, row by row.
		for i := range dim {
			Li := L[i*dim : (i+1)*dim]
			for c := range k {
				e := i*k + c
				if A[e] == 0 {
					f[e] = math.Inf(-1)
					continue
				}
				f[e] = fi * (logA[e] - lseStrided(Li, g, k, c))
			}
		}

		// Kᵀu, then q as the weighted power mean of the (Kᵀu_c)^{1-fi}.
		columnLSE(L, f, dim, k, lktu, top)
		for j := range dim {
			logq[j] = powerMean(lktu[j*k:(j+1)*k], weights, 1-fi)
		}

		// v = (q / Kᵀu)^fi.
		for e, x := range lktu {
			g[e] = fi * (logq[e/k] - x)
		}

		err := relChange(logq, prev)
		res.Errors = append(res.Errors, err)
		if err < opt.Tol && it > 10 {
			res.Status = goot.Optimal
			break
		}
	}
	for j, x := range logq {
		q[j] = math.Exp(x)
	}
	return res, nil
}

func checkBarycenter(A, M, weights []float64, k int, reg, regM float64) (int, error) {
	switch {
	case !(reg > 0) || math.IsInf(reg, 1):
		return 0, goot.Errorf("reg", "must be positive and finite, got %g", reg)
	case !(regM > 0) || math.IsInf(regM, 1):
		return 0, goot.Errorf("reg_m", "must be positive and finite, got %g", regM)
	case k < 1 || len(A)%k != 0:
		return 0, goot.Errorf("A", "length %d is not a multiple of %d histograms", len(A), k)
	case len(weights) != k:
		return 0, goot.Errorf("weights", "has length %d, A has %d histograms", len(weights), k)
	}
	dim := len(A) / k
	switch {
	case dim == 0:
		return 0, goot.Errorf("A", "empty histograms")
	case len(M) != dim*dim:
		return 0, goot.Errorf("M", "has %d entries, want %d×%d", len(M), dim, dim)
	}
	if err := goot.CheckWeights("A", A); err != nil {
		return 0, err
	}
	if err := goot.CheckWeights("weights", weights); err != nil {
		return 0, err
	}
	for e, x := range M {
		if math.IsNaN(x) || math.IsInf(x, -1) {
			return 0, goot.Errorf("M", "cost %g at (%d, %d)", x, e/dim, e%dim)
		}
	}
	return dim, nil
}

// lseStrided returns log Σ_j exp(L_j + g_{j·k+c}).
func lseStrided(L, g []float64, k, c int) float64 {
	top := math.Inf(-1)
	for j, x := range L {
		top = max(top, x+g[j*k+c])
	}
	if math.IsInf(top, 0) || math.IsNaN(top) {
		return top
	}
	sum := 0.0
	for j, x := range L {
		sum += math.Exp(x + g[j*k+c] - top)
	}
	return top + math.Log(sum)
}

// columnLSE sets out_jc = log Σ_i exp(L_ij + f_ic) (L is n×n), using top as
// scratch for the column maxima.
func columnLSE(L, f []float64, n, k int, out, top []float64) {
	fill(top, math.Inf(-1))
	for i := range n {
		Li := L[i*n : (i+1)*n]
		for c := range k {
			fi := f[i*k+c]
			if math.IsInf(fi, -1) {
				continue
			}
			for j, x := range Li {
				top[j*k+c] = max(top[j*k+c], x+fi)
			}
		}
	}
	clear(out)
	for i := range n {
		Li := L[i*n : (i+1)*n]
		for c := range k {
			fi := f[i*k+c]
			if math.IsInf(fi, -1) {
				continue
			}
			for j, x := range Li {
				if t := top[j*k+c]; t > math.Inf(-1) {
					out[j*k+c] += math.Exp(x + fi - t)
				}
			}
		}
	}
	for e, x := range out {
		out[e] = top[e] + math.Log(x)
	}
}

// powerMean returns log (Σ_c w_c exp(p·x_c))^{1/p}.
func powerMean(x, w []float64, p float64) float64 {
	top := math.Inf(-1)
	for c, v := range x {
		if w[c] > 0 {
			top = max(top, p*v)
		}
	}
	if math.IsInf(top, 0) || math.IsNaN(top) {
		return top / p
	}
	sum := 0.0
	for c, v := range x {
		if w[c] > 0 {
			sum += w[c] * math.Exp(p*v-top)
		}
	}
	return (top + math.Log(sum)) / p
}
