package gaussian

import (
	"github.com/goot-ot/goot/goot"
)

// The Bures–Wasserstein metric makes the PSD cone a Riemannian manifold whose
// geodesics are the W₂ geodesics between centred Gaussians (Bhatia, Jain &
// Lim, "On the Bures–Wasserstein distance between positive definite
// matrices", Expositiones Mathematicae 2019). With T the Monge map from X to
// S (see Mapping), the maps below are
//
//	Log_X(S) = X T + T X − 2X = (XS)^{1/2} + (SX)^{1/2} − 2X,
//	Exp_X(V) = (I + L) X (I + L),   where X L + L X = V (Lyapunov),
//	γ(t)     = (1−t)² A + t² B + t(1−t) (A T + T A),   T the map A → B,
//
// so Exp_X(Log_X(S)) = S, γ(0) = A and γ(1) = B.
//
// TODO(goot): parallel transport along these geodesics, and the Log/Exp maps
// of the generalised metric (GBWBN's centring step) (issue 6).

// Log writes the Riemannian logarithm Log_X(S) (a symmetric d×d matrix)
// into V. For a singular X the pseudo-inverse square root is used (see the
// package's numerical policy). It returns an *goot.ArgError for non-finite,
// non-symmetric or non-PSD input.
func Log(X, S []float64, d int, V []float64) error {
	if err := checkPair(X, S, d, V, "X", "S"); err != nil {
		return err
	}
	w := newWorkspace(d)
	T := make([]float64, d*d)
	if err := monge(w, X, S, T, "X", "S"); err != nil {
		return err
	}
	// V = XT + TX − 2X; T and X are symmetric, so TX = (XT)ᵀ.
	gemm(noT, noT, d, 1, X, T, 0, w.t2)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			V[i*d+j] = w.t2[i*d+j] + w.t2[j*d+i] - 2*X[i*d+j]
		}
	}
	symmetrize(V, d)
	return nil
}

// Exp writes the Riemannian exponential Exp_X(V) into dst: (I+L) X (I+L)
// with L the solution of X L + L X = V, found in the eigenbasis of X,
// L = U [(Uᵀ V U)_ij / (s_i + s_j)] Uᵀ. Entries with s_i + s_j at or below
// the pseudo-inverse cut are set to 0 (V has no component there when it is
// a logarithm at X). The result is PSD for any symmetric V.
func Exp(X, V []float64, d int, dst []float64) error {
	if err := checkPair(X, V, d, dst, "X", "V"); err != nil {
		return err
	}
	if err := checkMatrices("X", X, 1, d); err != nil {
		return err
	}
	w := newWorkspace(d)
	if !w.eig(X, true) {
		return goot.Errorf("X", "eigendecomposition did not converge")
	}
	if low, ok := w.clip(); !ok {
		return goot.Errorf("X", "not positive semi-definite (eigenvalue %.3g)", low)
	}
	cut := w.pinvCut()

	// L in the eigenbasis: W = Uᵀ V U, L_ij = W_ij / (s_i + s_j).
	gemm(trans, noT, d, 1, w.vecs, V, 0, w.t2)
	gemm(noT, noT, d, 1, w.t2, w.vecs, 0, w.t3)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			den := w.vals[i] + w.vals[j]
			if den > cut {
				w.t3[i*d+j] /= den
			} else {
				w.t3[i*d+j] = 0
			}
		}
	}
	gemm(noT, noT, d, 1, w.vecs, w.t3, 0, w.t2)
	gemm(noT, trans, d, 1, w.t2, w.vecs, 0, w.t3) // L
	for i := 0; i < d; i++ {
		w.t3[i*d+i]++ // I + L
	}
	gemm(noT, noT, d, 1, w.t3, X, 0, w.t2)
	gemm(noT, noT, d, 1, w.t2, w.t3, 0, dst)
	symmetrize(dst, d)
	return nil
}

// Geodesic writes γ(t) for each t of ts into dst (len(ts) matrices of d×d):
// the constant-speed Bures–Wasserstein geodesic from A (t = 0) to B (t = 1),
// which is the covariance of the McCann interpolation between N(0, A) and
// N(0, B). Values of t outside [0, 1] extrapolate along the same curve.
func Geodesic(A, B []float64, d int, ts []float64, dst []float64) error {
	if err := checkPair(A, B, d, nil, "A", "B"); err != nil {
		return err
	}
	if len(dst) != len(ts)*d*d {
		return goot.Errorf("out", "length %d is not %d matrices of size %d×%d",
			len(dst), len(ts), d, d)
	}
	w := newWorkspace(d)
	T := make([]float64, d*d)
	if err := monge(w, A, B, T, "A", "B"); err != nil {
		return err
	}
	gemm(noT, noT, d, 1, A, T, 0, w.t2) // A T; T A = (A T)ᵀ
	dd := d * d
	for k, t := range ts {
		out := dst[k*dd : (k+1)*dd]
		s := 1 - t
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				out[i*d+j] = s*s*A[i*d+j] + t*t*B[i*d+j] + t*s*(w.t2[i*d+j]+w.t2[j*d+i])
			}
		}
		symmetrize(out, d)
	}
	return nil
}

// monge writes the Monge map from N(0, X) to N(0, S) into T.
func monge(w *workspace, X, S, T []float64, argX, argS string) error {
	dd := w.d * w.d
	root, inv := make([]float64, dd), make([]float64, dd)
	if err := w.sqrtm(argX, X, root, inv); err != nil {
		return err
	}
	if err := checkPSD(argS, S, 1, w.d, make([]float64, 1)); err != nil {
		return err
	}
	mapFromRoots(w, root, inv, S, T)
	return nil
}

// checkPair validates two d×d symmetric matrices and an output of d×d (out
// may be nil when the caller checks it).
func checkPair(X, Y []float64, d int, out []float64, argX, argY string) error {
	if err := checkMatrices(argX, X, 1, d); err != nil {
		return err
	}
	if err := checkMatrices(argY, Y, 1, d); err != nil {
		return err
	}
	if out != nil && len(out) != d*d {
		return goot.Errorf("out", "length %d is not d*d = %d", len(out), d*d)
	}
	return nil
}
