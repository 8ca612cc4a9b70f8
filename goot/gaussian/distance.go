package gaussian

import (
	"math"
	"sync"

	"github.com/goot-ot/goot/goot"
)

// pairGrain is the number of pairs one goroutine takes at least: one pair
// costs a few µs at d = 2 (two small products and an eigenvalue solve), so
// 16 pairs amortise the start of a goroutine.
const pairGrain = 16

// firstError keeps the error of the lowest failing index across goroutines,
// so a batched call reports the same error whatever the scheduling.
type firstError struct {
	mu    sync.Mutex
	index int
	err   error
}

func (f *firstError) set(i int, err error) {
	f.mu.Lock()
	if f.err == nil || i < f.index {
		f.index, f.err = i, err
	}
	f.mu.Unlock()
}

// sqrtAll writes the square roots of the k d×d matrices of C into S (and the
// pseudo-inverse square roots into Sinv when it is not nil) and their traces
// into tr, in parallel. It checks that each one is PSD.
func sqrtAll(arg string, C []float64, k, d int, S, Sinv, tr []float64) error {
	var fail firstError
	dd := d * d
	goot.ParallelFor(k, max(1, 64/d), func(lo, hi int) {
		w := newWorkspace(d)
		for c := lo; c < hi; c++ {
			var inv []float64
			if Sinv != nil {
				inv = Sinv[c*dd : (c+1)*dd]
			}
			if err := w.sqrtm(arg, C[c*dd:(c+1)*dd], S[c*dd:(c+1)*dd], inv); err != nil {
				fail.set(c, goot.Errorf(arg, "matrix %d: %s", c, err.(*goot.ArgError).Problem))
				return
			}
			if tr != nil {
				tr[c] = trace(C[c*dd:(c+1)*dd], d)
			}
		}
	})
	return fail.err
}

// checkPSD verifies that the k matrices of C are PSD (eigenvalues only) and
// writes their traces into tr.
func checkPSD(arg string, C []float64, k, d int, tr []float64) error {
	var fail firstError
	dd := d * d
	goot.ParallelFor(k, max(1, 64/d), func(lo, hi int) {
		w := newWorkspace(d)
		for c := lo; c < hi; c++ {
			A := C[c*dd : (c+1)*dd]
			if !w.eig(A, false) {
				fail.set(c, goot.Errorf(arg, "matrix %d: eigendecomposition did not converge", c))
				return
			}
			if low, ok := w.clip(); !ok {
				fail.set(c, goot.Errorf(arg, "matrix %d is not positive semi-definite "+
					"(eigenvalue %.3g)", c, low))
				return
			}
			tr[c] = trace(A, d)
		}
	})
	return fail.err
}

func trace(A []float64, d int) float64 {
	s := 0.0
	for i := 0; i < d; i++ {
		s += A[i*d+i]
	}
	return s
}

func sqDist(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		t := v - y[i]
		s += t * t
	}
	return s
}

// Distances writes squared Bures–Wasserstein distances between Gaussians,
//
//	W₂²(N(ms_i, Cs_i), N(mt_j, Ct_j)) = ‖ms_i − mt_j‖² + B²(Cs_i, Ct_j),
//
// clipped at 0 (the formula subtracts nearly equal traces when Cs_i ≈ Ct_j
// and may round below 0). Cs holds n and Ct holds m d×d covariances; ms (n×d)
// and mt (m×d) are the means, or both nil for the Bures distance alone.
// With paired false, out (n×m, row-major) receives every pair; with paired
// true, n must equal m and out (n) receives the pairs (i, i).
//
// Cost: n + m symmetric eigendecompositions, then per pair two d×d products
// and one eigenvalue-only decomposition, in parallel over pairs. It returns
// an *goot.ArgError for wrong lengths, non-finite, non-symmetric or
// non-PSD input (see the package's numerical policy).
func Distances(ms []float64, n int, mt []float64, m int, Cs, Ct []float64, d int,
	paired bool, out []float64) error {
	if err := checkMatrices("Cs", Cs, n, d); err != nil {
		return err
	}
	if err := checkMatrices("Ct", Ct, m, d); err != nil {
		return err
	}
	if (ms == nil) != (mt == nil) {
		return goot.Errorf("ms", "give both means or neither")
	}
	if ms != nil {
		if err := checkVectors("ms", ms, n, d); err != nil {
			return err
		}
		if err := checkVectors("mt", mt, m, d); err != nil {
			return err
		}
	}
	pairs := n * m
	if paired {
		if n != m {
			return goot.Errorf("Ct", "paired distances need as many target (%d) as "+
				"source (%d) Gaussians", m, n)
		}
		pairs = n
	}
	if len(out) != pairs {
		return goot.Errorf("out", "length %d is not %d", len(out), pairs)
	}

	// 1. Square roots of the sources, PSD check of the targets, traces.
	dd := d * d
	S := make([]float64, n*dd)
	trS, trT := make([]float64, n), make([]float64, m)
	if err := sqrtAll("Cs", Cs, n, d, S, nil, trS); err != nil {
		return err
	}
	if err := checkPSD("Ct", Ct, m, d, trT); err != nil {
		return err
	}

	// 2. One eigenvalue solve per pair: tr(Cs^{1/2} Ct Cs^{1/2})^{1/2}.
	var fail firstError
	goot.ParallelFor(pairs, pairGrain, func(lo, hi int) {
		w := newWorkspace(d)
		for p := lo; p < hi; p++ {
			i, j := p, p
			if !paired {
				i, j = p/m, p%m
			}
			b2 := trS[i] + trT[j] - 2*w.traceSqrtSandwich(S[i*dd:(i+1)*dd], Ct[j*dd:(j+1)*dd])
			if ms != nil {
				b2 += sqDist(ms[i*d:(i+1)*d], mt[j*d:(j+1)*d])
			}
			if math.IsNaN(b2) || math.IsInf(b2, 0) {
				fail.set(p, goot.Errorf("Cs", "pair (%d, %d): entries too large, the "+
					"distance overflows float64", i, j))
				return
			}
			out[p] = max(b2, 0)
		}
	})
	return fail.err
}

// Mapping writes the Monge map between N(ms, Cs) and N(mt, Ct), x ↦ x A + b
// with
//
//	A = Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2},   b = mt − ms A,
//
// (Knott & Smith, "On the optimal mapping of distributions", JOTA 1984).
// A is symmetric PSD. For a singular Cs the pseudo-inverse is used: the map
// is exact on the support of N(ms, Cs) and A is 0 on the null space.
// Cs12 and Cs12inv, if not nil, receive Cs^{1/2} and its pseudo-inverse.
func Mapping(ms, mt, Cs, Ct []float64, d int, A, b, Cs12, Cs12inv []float64) error {
	if err := checkMatrices("Cs", Cs, 1, d); err != nil {
		return err
	}
	if err := checkMatrices("Ct", Ct, 1, d); err != nil {
		return err
	}
	if err := checkVectors("ms", ms, 1, d); err != nil {
		return err
	}
	if err := checkVectors("mt", mt, 1, d); err != nil {
		return err
	}
	dd := d * d
	if len(A) != dd || len(b) != d || (Cs12 != nil && len(Cs12) != dd) ||
		(Cs12inv != nil && len(Cs12inv) != dd) {
		return goot.Errorf("out", "output lengths must be d*d and d")
	}
	w := newWorkspace(d)
	if Cs12 == nil {
		Cs12 = make([]float64, dd)
	}
	if Cs12inv == nil {
		Cs12inv = make([]float64, dd)
	}
	if err := w.sqrtm("Cs", Cs, Cs12, Cs12inv); err != nil {
		return err
	}
	if err := checkPSD("Ct", Ct, 1, d, make([]float64, 1)); err != nil {
		return err
	}
	mapFromRoots(w, Cs12, Cs12inv, Ct, A)
	for j := 0; j < d; j++ {
		s := mt[j]
		for i := 0; i < d; i++ {
			s -= ms[i] * A[i*d+j]
		}
		b[j] = s
	}
	return nil
}

// mapFromRoots writes T = S⁻ (S B S)^{1/2} S⁻ into T, given S = A^{1/2} and
// S⁻ its pseudo-inverse: the Monge map from N(0, A) to N(0, B). It uses
// w.t1..t3 and a scratch of its own in T.
func mapFromRoots(w *workspace, S, Sinv, B, T []float64) {
	d := w.d
	if !w.sqrtSandwich(S, B, w.t3) {
		for i := range T {
			T[i] = math.NaN()
		}
		return
	}
	gemm(noT, noT, d, 1, Sinv, w.t3, 0, w.t2)
	gemm(noT, noT, d, 1, w.t2, Sinv, 0, T)
	symmetrize(T, d)
}

// symmetrize replaces T by (T + Tᵀ)/2, removing round-off asymmetry.
func symmetrize(T []float64, d int) {
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			v := 0.5 * (T[i*d+j] + T[j*d+i])
			T[i*d+j], T[j*d+i] = v, v
		}
	}
}
