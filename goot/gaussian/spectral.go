package gaussian

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/goot-ot/goot/goot"
)

// SymmetryTol is the largest |A_ij − A_ji| accepted, relative to the largest
// |A_ij|. It admits the round-off of covariances computed in float32 (about
// 6e-8 relative) with margin, and rejects any matrix that is not meant to be
// symmetric.
const SymmetryTol = 1e-6

// PSDTol is the most negative eigenvalue accepted, relative to the largest
// eigenvalue magnitude. A PSD matrix rounded to float32 has eigenvalue
// errors near 1e-7·λ_max; smaller negative eigenvalues are set to 0.
const PSDTol = 1e-6

// tinyEntry is the relative size below which eig flushes an entry to 0.
const tinyEntry = 1e-60

// workspace holds the buffers of one goroutine for d×d matrix functions.
type workspace struct {
	d     int
	vals  []float64 // eigenvalues, ascending
	vecs  []float64 // eigenvectors as columns (d×d); overwritten input of Dsyev
	work  []float64 // Dsyev work array
	scale []float64 // f(λ) per eigenvalue
	t1    []float64 // d×d scratch
	t2    []float64 // d×d scratch
	t3    []float64 // d×d scratch
	res   []float64 // d×d result of sqrtSandwich for callers without a buffer
}

func newWorkspace(d int) *workspace {
	w := &workspace{
		d: d, vals: make([]float64, d), vecs: make([]float64, d*d),
		scale: make([]float64, d), t1: make([]float64, d*d), t2: make([]float64, d*d),
		t3: make([]float64, d*d), res: make([]float64, d*d),
	}
	query := []float64{0}
	a := blas64.Symmetric{Uplo: blas.Lower, N: d, Data: w.vecs, Stride: max(d, 1)}
	lapack64.Syev(lapack.EVCompute, a, w.vals, query, -1)
	w.work = make([]float64, max(int(query[0]), 3*d))
	return w
}

// eig factorizes the symmetric d×d matrix a (only symmetrised values are
// read: (a_ij + a_ji)/2) into w.vals and, when vectors is set, w.vecs. It
// reports false for a non-finite entry (an intermediate product that
// overflowed; LAPACK is not called on it) or if LAPACK did not converge.
func (w *workspace) eig(a []float64, vectors bool) bool {
	d := w.d
	top := 0.0
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			v := 0.5 * (a[i*d+j] + a[j*d+i])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
			w.vecs[i*d+j] = v
			top = max(top, math.Abs(v))
		}
	}
	// Scale to unit largest entry and flush entries below tinyEntry to 0.
	// gonum's Dsyev rescales blocks of extreme norm (above ~1e122 or below
	// ~1e-122) itself, and its eigenvalue-only path panics doing so (gonum
	// v0.17.0, Dsterf passes a wrong leading dimension to Dlascl); after
	// this no block can be that extreme. The flushed entries change the
	// eigenvalues by at most d·tinyEntry·top, far below the pinvCut noise.
	if top > 0 {
		for i := 0; i < d; i++ {
			for j := 0; j <= i; j++ {
				v := w.vecs[i*d+j] / top
				if math.Abs(v) < tinyEntry {
					v = 0
				}
				w.vecs[i*d+j] = v
			}
		}
	}
	job := lapack.EVNone
	if vectors {
		job = lapack.EVCompute
	}
	s := blas64.Symmetric{Uplo: blas.Lower, N: d, Data: w.vecs, Stride: max(d, 1)}
	if !lapack64.Syev(job, s, w.vals, w.work, len(w.work)) {
		return false
	}
	for k := range w.vals {
		w.vals[k] *= top
	}
	return true
}

// clip sets eigenvalues in [−PSDTol·λ_max, 0) to 0 and reports the first
// eigenvalue below that range (ok false).
func (w *workspace) clip() (lowest float64, ok bool) {
	top := 0.0
	for _, v := range w.vals {
		top = max(top, math.Abs(v))
	}
	lowest = w.vals[0]
	for i, v := range w.vals {
		if v < 0 {
			if v < -PSDTol*top {
				return lowest, false
			}
			w.vals[i] = 0
		}
	}
	return lowest, true
}

// sumSqrt returns Σ √λ_i over the eigenvalues in w.vals above the
// pseudo-inverse cut: the trace of the square root of a PSD matrix. The
// eigenvalues of a singular matrix come out as ±d·ε·λ_max instead of 0, and
// their square roots (~1e-8·√λ_max each) would otherwise dominate the error.
func (w *workspace) sumSqrt() float64 {
	s, cut := 0.0, w.pinvCut()
	for _, v := range w.vals {
		if v > cut {
			s += math.Sqrt(v)
		}
	}
	return s
}

// apply writes Q f(Λ) Qᵀ into dst from the eigenvectors in w.vecs and the
// values in w.scale. dst may not alias w.vecs or w.t1.
func (w *workspace) apply(dst []float64) {
	d := w.d
	for i := 0; i < d; i++ {
		row := w.vecs[i*d : i*d+d]
		out := w.t1[i*d : i*d+d]
		for k, q := range row {
			out[k] = q * w.scale[k]
		}
	}
	gemm(blas.NoTrans, blas.Trans, d, 1, w.t1, w.vecs, 0, dst)
}

// pinvCut is the eigenvalue at or below which a pseudo-inverse treats an
// eigenvalue as zero: d·ε·λ_max, LAPACK's usual rank cut.
func (w *workspace) pinvCut() float64 {
	return float64(w.d) * 0x1p-52 * max(w.vals[w.d-1], 0)
}

// sqrtm writes A^{1/2} into dst and, when inv is not nil, the pseudo-inverse
// square root into inv. arg names A in errors.
func (w *workspace) sqrtm(arg string, a, dst, inv []float64) error {
	if !w.eig(a, true) {
		return goot.Errorf(arg, "eigendecomposition did not converge")
	}
	if low, ok := w.clip(); !ok {
		return goot.Errorf(arg, "not positive semi-definite (eigenvalue %.3g)", low)
	}
	if inv != nil {
		cut := w.pinvCut()
		for k, v := range w.vals {
			w.scale[k] = 0
			if v > cut {
				w.scale[k] = 1 / math.Sqrt(v)
			}
		}
		w.apply(inv)
	}
	for k, v := range w.vals {
		w.scale[k] = math.Sqrt(v)
	}
	w.apply(dst)
	return nil
}

// power writes A^p into dst (p > 0 for a singular A; eigenvalues clipped as
// in sqrtm).
func (w *workspace) power(arg string, a, dst []float64, p float64) error {
	if !w.eig(a, true) {
		return goot.Errorf(arg, "eigendecomposition did not converge")
	}
	if low, ok := w.clip(); !ok {
		return goot.Errorf(arg, "not positive semi-definite (eigenvalue %.3g)", low)
	}
	cut := w.pinvCut()
	for k, v := range w.vals {
		switch {
		case p == 1:
			w.scale[k] = v
		case v > cut || p > 0:
			w.scale[k] = math.Pow(v, p)
		default:
			w.scale[k] = 0 // pseudo-inverse for negative powers
		}
	}
	w.apply(dst)
	return nil
}

// traceSqrtSandwich returns tr (S B S)^{1/2} for a symmetric S (typically
// A^{1/2}) and PSD B, that is Σ √λ_i(A B). Round-off negatives are ignored.
func (w *workspace) traceSqrtSandwich(S, B []float64) float64 {
	d := w.d
	gemm(blas.NoTrans, blas.NoTrans, d, 1, S, B, 0, w.t2)
	gemm(blas.NoTrans, blas.NoTrans, d, 1, w.t2, S, 0, w.t3)
	if !w.eig(w.t3, false) {
		return math.NaN()
	}
	return w.sumSqrt()
}

// sqrtSandwich writes (S B S)^{1/2} into dst (eigenvalues clipped at 0).
func (w *workspace) sqrtSandwich(S, B, dst []float64) bool {
	d := w.d
	gemm(blas.NoTrans, blas.NoTrans, d, 1, S, B, 0, w.t2)
	gemm(blas.NoTrans, blas.NoTrans, d, 1, w.t2, S, 0, w.t3)
	if !w.eig(w.t3, true) {
		return false
	}
	for k, v := range w.vals {
		w.scale[k] = math.Sqrt(max(v, 0))
	}
	w.apply(dst)
	return true
}

// Transpose flags of gemm.
const (
	noT   = blas.NoTrans
	trans = blas.Trans
)

// gemm computes C = alpha·op(A)·op(B) + beta·C for d×d row-major matrices.
func gemm(ta, tb blas.Transpose, d int, alpha float64, a, b []float64, beta float64,
	c []float64) {
	m := func(x []float64) blas64.General {
		return blas64.General{Rows: d, Cols: d, Stride: max(d, 1), Data: x}
	}
	blas64.Gemm(ta, tb, alpha, m(a), m(b), beta, m(c))
}

// checkMatrices validates a batch of k d×d matrices: finite and symmetric.
// Positive semi-definiteness is checked where the eigenvalues are computed.
func checkMatrices(arg string, C []float64, k, d int) error {
	if d < 1 {
		return goot.Errorf(arg, "dimension d = %d must be at least 1", d)
	}
	if k < 0 || len(C) != k*d*d {
		return goot.Errorf(arg, "length %d is not %d matrices of size %d×%d", len(C), k, d, d)
	}
	for c := 0; c < k; c++ {
		A := C[c*d*d : (c+1)*d*d]
		top := 0.0
		for i, v := range A {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return goot.Errorf(arg, "non-finite entry %v (matrix %d, index %d)", v, c, i)
			}
			top = max(top, math.Abs(v))
		}
		for i := 0; i < d; i++ {
			for j := 0; j < i; j++ {
				if math.Abs(A[i*d+j]-A[j*d+i]) > SymmetryTol*top {
					return goot.Errorf(arg, "matrix %d is not symmetric (entries (%d,%d) = %g "+
						"and (%d,%d) = %g)", c, i, j, A[i*d+j], j, i, A[j*d+i])
				}
			}
		}
	}
	return nil
}

// checkVectors validates k vectors of length d (means): finite, right length.
func checkVectors(arg string, m []float64, k, d int) error {
	if len(m) != k*d {
		return goot.Errorf(arg, "length %d is not %d vectors of dimension %d", len(m), k, d)
	}
	for i, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return goot.Errorf(arg, "non-finite entry %v (index %d)", v, i)
		}
	}
	return nil
}

// Sqrtm writes the principal square roots of the k PSD d×d matrices of C
// (k×d×d) into dst and, if inv is not nil, their pseudo-inverses into inv
// (see the package's numerical policy), in parallel. dst and inv must not
// alias C.
func Sqrtm(C []float64, k, d int, dst, inv []float64) error {
	if err := checkMatrices("C", C, k, d); err != nil {
		return err
	}
	if len(dst) != k*d*d || (inv != nil && len(inv) != k*d*d) {
		return goot.Errorf("out", "output length must be %d", k*d*d)
	}
	return sqrtAll("C", C, k, d, dst, inv, nil)
}
