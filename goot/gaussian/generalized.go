package gaussian

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// GeneralizedDistances writes squared generalised Bures–Wasserstein
// distances (Han, Mishra, Jawanpuria & Gao, "Learning with symmetric positive
// definite matrices via generalized Bures–Wasserstein geometry", 2023) with
// the power deformation of Wang, Jin, Chen, Luo & Wu ("GBWBN", CVPR 2025):
//
//	d²_{M,θ}(X, Y) = B²(M^{-1/2} X^θ M^{-1/2}, M^{-1/2} Y^θ M^{-1/2}) / θ²,
//
// for the n matrices of X against the m matrices of Y (all d×d PSD), with
// the metric parameter M (d×d, positive definite) and θ ≠ 0. M = I and
// θ = 1 give the Bures distance. out and paired are as in Distances.
// A negative θ needs positive definite X and Y.
func GeneralizedDistances(X []float64, n int, Y []float64, m int, d int, M []float64,
	theta float64, paired bool, out []float64) error {
	if err := checkMatrices("X", X, n, d); err != nil {
		return err
	}
	if err := checkMatrices("Y", Y, m, d); err != nil {
		return err
	}
	if err := checkMatrices("M", M, 1, d); err != nil {
		return err
	}
	if theta == 0 || math.IsNaN(theta) || math.IsInf(theta, 0) {
		return goot.Errorf("theta", "power %v must be finite and non-zero", theta)
	}

	// M^{-1/2}, which must exist.
	w := newWorkspace(d)
	dd := d * d
	root, inv := make([]float64, dd), make([]float64, dd)
	if err := w.sqrtm("M", M, root, inv); err != nil {
		return err
	}
	if w.vals[0] <= w.pinvCut() {
		return goot.Errorf("M", "must be positive definite (smallest eigenvalue %.3g)", w.vals[0])
	}

	// X̃ = M^{-1/2} X^θ M^{-1/2}, likewise Ỹ, then the Bures distances.
	Xt, err := congruentPowers("X", X, n, d, theta, inv)
	if err != nil {
		return err
	}
	Yt, err := congruentPowers("Y", Y, m, d, theta, inv)
	if err != nil {
		return err
	}
	if err := Distances(nil, n, nil, m, Xt, Yt, d, paired, out); err != nil {
		return err
	}
	for i := range out {
		out[i] /= theta * theta
	}
	return nil
}

// congruentPowers returns K X_i^θ K for the k matrices of X, in parallel.
func congruentPowers(arg string, X []float64, k, d int, theta float64, K []float64) (
	[]float64, error) {
	dd := d * d
	out := make([]float64, k*dd)
	var fail firstError
	goot.ParallelFor(k, max(1, 64/d), func(lo, hi int) {
		w := newWorkspace(d)
		for c := lo; c < hi; c++ {
			if theta < 0 {
				if !w.eig(X[c*dd:(c+1)*dd], false) || w.vals[0] <= w.pinvCut() {
					fail.set(c, goot.Errorf(arg, "matrix %d must be positive definite for a "+
						"negative power", c))
					return
				}
			}
			if err := w.power(arg, X[c*dd:(c+1)*dd], w.res, theta); err != nil {
				fail.set(c, goot.Errorf(arg, "matrix %d: %s", c, err.(*goot.ArgError).Problem))
				return
			}
			gemm(noT, noT, d, 1, K, w.res, 0, w.t2)
			gemm(noT, noT, d, 1, w.t2, K, 0, out[c*dd:(c+1)*dd])
			symmetrize(out[c*dd:(c+1)*dd], d)
			for _, v := range out[c*dd : (c+1)*dd] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					fail.set(c, goot.Errorf("theta", "matrix %d of %s: the power %v "+
						"overflows float64", c, arg, theta))
					return
				}
			}
		}
	})
	return out, fail.err
}
