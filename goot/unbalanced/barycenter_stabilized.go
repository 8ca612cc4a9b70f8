package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// BarycenterStabilized computes the barycenter of Barycenter as POT's
// barycenter_unbalanced_stabilized does, in its scaling domain so that its
// iterates are POT's until the first absorption: with potentials alpha,
// beta (from 0), K = exp((alpha_i + beta_j - M_ij)/reg) and
// u = v = q = 1/dim to start,
//
//	u = (A / (K v + 1e-16))^fi · exp(-alpha/(reg + regM)),
//	q = (Σ_c w_c ((Kᵀu_c)^{1-fi} · exp(-beta/(reg + regM))))^{1/(1-fi)},
//	v = (q / (Kᵀu + 1e-16))^fi · exp(-beta/(reg + regM)),
//
// and when a scaling exceeds opt.Tau (default 1e3) reg·log of its row
// maximum is absorbed into the potentials, K rebuilt and the scalings of
// that row divided by it (POT resets v to 1 instead, which changes the
// iterate; see Stabilized in Solve and reported case B18). The
// relative change of q is checked on iteration 0 and every 10th iteration
// without absorption and the loop stops below opt.Tol. A zero in Kᵀu or a
// non-finite scaling stops it at the previous q (Result.Breakdown).
//
// q (dim) receives the barycenter, f and g (dim×k) log u and log v (the
// scalings only, without the potentials, as POT's log reports them).
// Result.Iter is POT's log["niter"].
func BarycenterStabilized(A, M, weights []float64, k int, reg, regM float64, q, f,
	g []float64, opt Options) (Result, error) {
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
	tau := opt.Tau
	if tau == 0 {
		tau = 1e3
	}
	fi := exponent(regM, reg)
	K := make([]float64, dim*dim)
	alpha, beta := make([]float64, dim), make([]float64, dim)
	fa, fb := make([]float64, dim), make([]float64, dim)
	u, v := make([]float64, dim*k), make([]float64, dim*k)
	ktu, kv := make([]float64, dim*k), make([]float64, k)
	qPrev := make([]float64, dim)
	fill(u, 1/float64(dim))
	fill(v, 1/float64(dim))
	fill(q, 1/float64(dim))
	rebuild := func() {
		for i := range dim {
			for j := range dim {
				K[i*dim+j] = math.Exp((alpha[i] + beta[j] - M[i*dim+j]) / reg)
			}
		}
	}
	rebuild()

	maxIter := opt.maxIter()
	res := Result{Status: goot.IterationLimit, Breakdown: -1,
		Errors: make([]float64, 0, goot.HistoryCap(maxIter, 10))}
	errQ := 1.0
	for it := range maxIter {
		res.Iter = it
		copy(qPrev, q)
		for i := range dim {
			fa[i] = math.Exp(-alpha[i] / (reg + regM))
			fb[i] = math.Exp(-beta[i] / (reg + regM))
		}

		// u from K v, then Kᵀu.
		clear(ktu)
		for i := range dim {
			Ki := K[i*dim : (i+1)*dim]
			clear(kv)
			for j, x := range Ki {
				for c := range k {
					kv[c] += x * v[j*k+c]
				}
			}
			for c := range k {
				u[i*k+c] = math.Pow(A[i*k+c]/(kv[c]+1e-16), fi) * fa[i]
			}
			addRow(ktu, Ki, u[i*k:(i+1)*k], k)
		}

		// q, then v.
		for j := range dim {
			s := 0.0
			for c := range k {
				s += math.Pow(ktu[j*k+c], 1-fi) * fb[j] * weights[c]
			}
			q[j] = math.Pow(s, 1/(1-fi))
		}
		for e, x := range ktu {
			v[e] = math.Pow(q[e/k]/(x+1e-16), fi) * fb[e/k]
		}

		// Absorb large scalings, row by row.
		absorbing := anyAbove(u, tau) || anyAbove(v, tau)
		if absorbing {
			for i := range dim {
				fold(alpha[i:i+1], u[i*k:(i+1)*k], maxOf(u[i*k:(i+1)*k]), reg)
				fold(beta[i:i+1], v[i*k:(i+1)*k], maxOf(v[i*k:(i+1)*k]), reg)
			}
			rebuild()
		}

		if !allFinite(u) || !allFinite(v) || anyZero(ktu) {
			copy(q, qPrev)
			res.Breakdown = it
			break
		}
		if (it%10 == 0 && !absorbing) || it == 0 {
			errQ = linearChange(q, qPrev)
			res.Errors = append(res.Errors, errQ)
			if errQ < opt.Tol {
				break
			}
		}
	}
	if errQ <= opt.Tol {
		res.Status = goot.Optimal
	}
	for e, x := range u {
		f[e] = math.Log(x)
	}
	for e, x := range v {
		g[e] = math.Log(x)
	}
	return res, nil
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func anyZero(x []float64) bool {
	for _, v := range x {
		if v == 0 {
			return true
		}
	}
	return false
}
