package capi

import (
	"github.com/goot-ot/goot/goot/gaussian"
)

// GaussianDistances writes squared Bures–Wasserstein distances with
// gaussian.Distances: Cs (n×d×d) against Ct (m×d×d), with means ms (n×d)
// and mt (m×d) or both 0 (Bures only). out has n×m entries, or n when
// paired. It returns the number of values written.
func GaussianDistances(ms uintptr, n int, mt uintptr, m int, Cs, Ct uintptr, d int,
	paired bool, out uintptr) (written int, err error) {
	defer guard(&err)
	msv, err := optional("ms", ms, n*d)
	if err != nil {
		return 0, wrap(err)
	}
	mtv, err := optional("mt", mt, m*d)
	if err != nil {
		return 0, wrap(err)
	}
	Csv, err := view("Cs", Cs, n*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Ctv, err := view("Ct", Ct, m*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	pairs := n * m
	if paired {
		pairs = n
	}
	ov, err := view("out", out, pairs)
	if err != nil {
		return 0, wrap(err)
	}

	if err := gaussian.Distances(msv, n, mtv, m, Csv, Ctv, d, paired, ov); err != nil {
		return 0, wrap(err)
	}
	return pairs, nil
}

// GaussianMapping writes the Monge map x ↦ x A + b between N(ms, Cs) and
// N(mt, Ct) with gaussian.Mapping. Cs12 and Cs12inv may be 0.
func GaussianMapping(ms, mt, Cs, Ct uintptr, d int, A, b, Cs12, Cs12inv uintptr) (
	written int, err error) {
	defer guard(&err)
	msv, err := view("ms", ms, d)
	if err != nil {
		return 0, wrap(err)
	}
	mtv, err := view("mt", mt, d)
	if err != nil {
		return 0, wrap(err)
	}
	Csv, err := view("Cs", Cs, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Ctv, err := view("Ct", Ct, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Av, err := view("A", A, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	bv, err := view("b", b, d)
	if err != nil {
		return 0, wrap(err)
	}
	rv, err := optional("Cs12", Cs12, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	iv, err := optional("Cs12inv", Cs12inv, d*d)
	if err != nil {
		return 0, wrap(err)
	}

	if err := gaussian.Mapping(msv, mtv, Csv, Ctv, d, Av, bv, rv, iv); err != nil {
		return 0, wrap(err)
	}
	return d * d, nil
}

// GaussianBarycenter writes into Cb (d×d) the Bures–Wasserstein barycenter
// of the k covariances C (k×d×d) with weights w, by gaussian.Barycenter
// (method 0: fixed point, 1: gradient descent). info receives
// [iterations, final difference, status]. It returns the status.
func GaussianBarycenter(C uintptr, k, d int, w uintptr, method, maxIter int, tol,
	stepSize float64, Cb, info uintptr) (status int, err error) {
	defer guard(&err)
	Cv, err := view("C", C, k*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	wv, err := view("weights", w, k)
	if err != nil {
		return 0, wrap(err)
	}
	Cbv, err := view("Cb", Cb, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	out, err := view("info", info, 3)
	if err != nil {
		return 0, wrap(err)
	}

	opt := gaussian.BarycenterOptions{Method: gaussian.Method(method), MaxIter: maxIter,
		Tol: tol, StepSize: stepSize}
	res, err := gaussian.Barycenter(Cv, k, d, wv, opt, Cbv)
	if err != nil {
		return 0, wrap(err)
	}
	out[0], out[1], out[2] = float64(res.Iter), res.Diff, float64(res.Status)
	return int(res.Status), nil
}

// GaussianLog writes the Bures–Wasserstein logarithm Log_X(S) into V with
// gaussian.Log.
func GaussianLog(X, S uintptr, d int, V uintptr) (written int, err error) {
	defer guard(&err)
	return pairOp("X", X, "S", S, d, V, gaussian.Log)
}

// GaussianExp writes the Bures–Wasserstein exponential Exp_X(V) into out
// with gaussian.Exp.
func GaussianExp(X, V uintptr, d int, out uintptr) (written int, err error) {
	defer guard(&err)
	return pairOp("X", X, "V", V, d, out, gaussian.Exp)
}

func pairOp(argX string, X uintptr, argY string, Y uintptr, d int, out uintptr,
	op func(X, Y []float64, d int, out []float64) error) (int, error) {
	Xv, err := view(argX, X, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Yv, err := view(argY, Y, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	if err := op(Xv, Yv, d, ov); err != nil {
		return 0, wrap(err)
	}
	return d * d, nil
}

// GaussianGeodesic writes the nt points γ(t) (nt×d×d) of the geodesic from A
// to B with gaussian.Geodesic.
func GaussianGeodesic(A, B uintptr, d int, ts uintptr, nt int, out uintptr) (
	written int, err error) {
	defer guard(&err)
	Av, err := view("A", A, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Bv, err := view("B", B, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	tv, err := view("t", ts, nt)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, nt*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	if err := gaussian.Geodesic(Av, Bv, d, tv, ov); err != nil {
		return 0, wrap(err)
	}
	return nt * d * d, nil
}

// GaussianGeneralizedDistances writes squared generalised Bures–Wasserstein
// distances with gaussian.GeneralizedDistances (out: n×m, or n if paired).
func GaussianGeneralizedDistances(X uintptr, n int, Y uintptr, m, d int, M uintptr,
	theta float64, paired bool, out uintptr) (written int, err error) {
	defer guard(&err)
	Xv, err := view("X", X, n*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Yv, err := view("Y", Y, m*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	Mv, err := view("M", M, d*d)
	if err != nil {
		return 0, wrap(err)
	}
	pairs := n * m
	if paired {
		pairs = n
	}
	ov, err := view("out", out, pairs)
	if err != nil {
		return 0, wrap(err)
	}
	if err := gaussian.GeneralizedDistances(Xv, n, Yv, m, d, Mv, theta, paired, ov); err != nil {
		return 0, wrap(err)
	}
	return pairs, nil
}

// GaussianSamplesW2 returns W₂² between the Gaussian fits of the samples X
// (n×d) and Y (m×d) with gaussian.SamplesW2.
func GaussianSamplesW2(X uintptr, n int, Y uintptr, m, d int, unbiased bool, reg float64) (
	value float64, err error) {
	defer guard(&err)
	Xv, err := view("X", X, n*d)
	if err != nil {
		return 0, wrap(err)
	}
	Yv, err := view("Y", Y, m*d)
	if err != nil {
		return 0, wrap(err)
	}
	v, err := gaussian.SamplesW2(Xv, n, Yv, m, d, unbiased, reg)
	if err != nil {
		return 0, wrap(err)
	}
	return v, nil
}

// GaussianSqrtm writes the square roots of the k PSD matrices C (k×d×d)
// into out and, unless inv is 0, their pseudo-inverses into inv, with
// gaussian.Sqrtm.
func GaussianSqrtm(C uintptr, k, d int, out, inv uintptr) (written int, err error) {
	defer guard(&err)
	Cv, err := view("C", C, k*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, k*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	iv, err := optional("inv", inv, k*d*d)
	if err != nil {
		return 0, wrap(err)
	}
	if err := gaussian.Sqrtm(Cv, k, d, ov, iv); err != nil {
		return 0, wrap(err)
	}
	return k * d * d, nil
}
