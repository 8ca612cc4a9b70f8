package gaussian

import (
	"math"
	"runtime"

	"github.com/goot-ot/goot/goot"
)

// Method selects the barycenter solver.
type Method int

const (
	// FixedPoint iterates the fixed point of Álvarez-Esteban, del Barrio,
	// Cuesta-Albertos & Matrán ("A fixed-point approach to barycenters in
	// Wasserstein space", J. Math. Anal. Appl. 2016):
	//
	//	Σ ← Σ^{-1/2} (Σ_i w_i (Σ^{1/2} C_i Σ^{1/2})^{1/2})² Σ^{-1/2}.
	//
	// It is exact after one step for commuting covariances.
	FixedPoint Method = iota
	// GradientDescent is Riemannian gradient descent on the objective
	// Σ_i w_i B²(Σ, C_i) (Chewi, Maunu, Rigollet & Stromme, "Gradient
	// descent algorithms for Bures–Wasserstein barycenters", COLT 2020):
	//
	//	T = Σ_i w_i T_i,   Σ ← (I + η(T − I)) Σ (I + η(T − I)),
	//
	// where T_i is the Monge map from Σ to C_i and η the step size. With
	// η = 1 it takes the same steps as FixedPoint.
	GradientDescent
)

// BarycenterOptions configures Barycenter. The zero value is valid.
type BarycenterOptions struct {
	Method   Method
	MaxIter  int     // iteration cap; ≤ 0 means 1000
	Tol      float64 // stopping threshold (see Barycenter); 0 means 1e-7
	StepSize float64 // η of GradientDescent; 0 means 1
}

// BarycenterResult reports how a barycenter solve ended.
type BarycenterResult struct {
	Iter   int         // iterations run
	Diff   float64     // ‖Σ_new − Σ_old‖_F at the last iteration
	Status goot.Status // Optimal or IterationLimit
}

// gdWindow is the number of recent steps whose mean size GradientDescent
// compares with Tol, as POT does (steps of gradient descent shrink
// irregularly, a single small step does not mean convergence).
const gdWindow = 100

// Barycenter writes into Cb (d×d) the covariance of the Bures–Wasserstein
// barycenter of the k centred Gaussians N(0, C_i) with weights w,
//
//	argmin_Σ Σ_i w_i B²(Σ, C_i),
//
// which solves Σ = Σ_i w_i (Σ^{1/2} C_i Σ^{1/2})^{1/2} (Agueh & Carlier,
// "Barycenters in the Wasserstein space", SIAM J. Math. Anal. 2011). The
// iteration starts from Σ_i w_i C_i / k (POT's start) and stops when the
// Frobenius norm of the change is at most Tol (FixedPoint) or when the mean
// of the last 100 such changes is (GradientDescent); Cb holds the last
// iterate. The barycenter of the means is Σ_i w_i m_i and is left to the
// caller.
//
// Each iteration costs k + 1 eigendecompositions and O(k d³) products,
// spread over GOMAXPROCS goroutines with one workspace each. Weights are
// used as given (they should sum to 1). It returns an *goot.ArgError for
// wrong lengths, bad weights or non-finite, non-symmetric or non-PSD C_i.
func Barycenter(C []float64, k, d int, w []float64, opt BarycenterOptions,
	Cb []float64) (BarycenterResult, error) {
	if err := checkMatrices("C", C, k, d); err != nil {
		return BarycenterResult{}, err
	}
	if k < 1 {
		return BarycenterResult{}, goot.Errorf("C", "no covariance given")
	}
	if len(w) != k {
		return BarycenterResult{}, goot.Errorf("weights", "length %d is not k = %d", len(w), k)
	}
	if err := goot.CheckWeights("weights", w); err != nil {
		return BarycenterResult{}, err
	}
	if len(Cb) != d*d {
		return BarycenterResult{}, goot.Errorf("out", "length %d is not d*d", len(Cb))
	}
	if err := checkPSD("C", C, k, d, make([]float64, k)); err != nil {
		return BarycenterResult{}, err
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 1000
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-7
	}
	if opt.StepSize == 0 {
		opt.StepSize = 1
	}
	if opt.Method != FixedPoint && opt.Method != GradientDescent {
		return BarycenterResult{}, goot.Errorf("method", "unknown method %d", opt.Method)
	}
	b := newBarySolver(C, k, d, w)
	return b.run(opt, Cb), nil
}

// barySolver holds the state of one barycenter solve: every buffer is
// allocated here, none in the iterations.
type barySolver struct {
	C        []float64
	k, d     int
	w        []float64
	workers  []*workspace
	partial  [][]float64 // Σ w_i M_i per worker
	S, Sinv  []float64   // Σ^{1/2} and its pseudo-inverse
	T, next  []float64
	tmp      []float64
	recent   [gdWindow]float64
	nRecent  int
	rootWork *workspace
}

func newBarySolver(C []float64, k, d int, w []float64) *barySolver {
	dd := d * d
	p := max(1, min(runtime.GOMAXPROCS(0), k))
	b := &barySolver{C: C, k: k, d: d, w: w, workers: make([]*workspace, p),
		partial: make([][]float64, p), S: make([]float64, dd), Sinv: make([]float64, dd),
		T: make([]float64, dd), next: make([]float64, dd), tmp: make([]float64, dd),
		rootWork: newWorkspace(d)}
	for g := range p {
		b.workers[g] = newWorkspace(d)
		b.partial[g] = make([]float64, dd)
	}
	return b
}

func (b *barySolver) run(opt BarycenterOptions, Cb []float64) BarycenterResult {
	d, dd := b.d, b.d*b.d

	// Start from the weighted arithmetic mean divided by k.
	clear(Cb)
	for i := 0; i < b.k; i++ {
		for t, v := range b.C[i*dd : (i+1)*dd] {
			Cb[t] += b.w[i] * v / float64(b.k)
		}
	}

	res := BarycenterResult{Status: goot.IterationLimit}
	for it := 0; it < opt.MaxIter; it++ {
		// 1. T = Σ^{-1/2} (Σ_i w_i (Σ^{1/2} C_i Σ^{1/2})^{1/2}) Σ^{-1/2}.
		if err := b.rootWork.sqrtm("C", Cb, b.S, b.Sinv); err != nil {
			res.Diff = math.NaN()
			return res
		}
		b.weightedRoots()
		sum := b.partial[0]
		for g := 1; g < len(b.partial); g++ {
			for t, v := range b.partial[g] {
				sum[t] += v
			}
		}

		// 2. The new iterate, from the sum of the roots.
		if opt.Method == FixedPoint {
			b.fixedPointStep(sum)
		} else {
			b.gradientStep(sum, Cb, opt.StepSize)
		}
		symmetrize(b.next, d)

		// 3. Stop on a small change (its mean over recent steps for GD).
		diff := 0.0
		for t, v := range b.next {
			diff += (v - Cb[t]) * (v - Cb[t])
		}
		diff = math.Sqrt(diff)
		copy(Cb, b.next)
		res.Iter, res.Diff = it+1, diff
		if b.converged(opt, diff) {
			res.Status = goot.Optimal
			return res
		}
	}
	return res
}

// weightedRoots writes Σ_i w_i (S C_i S)^{1/2} into b.partial, one partial
// sum per worker.
func (b *barySolver) weightedRoots() {
	dd := b.d * b.d
	p := len(b.workers)
	goot.ParallelFor(p, 1, func(lo, hi int) {
		for g := lo; g < hi; g++ {
			w, acc := b.workers[g], b.partial[g]
			clear(acc)
			for i := g; i < b.k; i += p {
				if b.w[i] == 0 {
					continue
				}
				w.sqrtSandwich(b.S, b.C[i*dd:(i+1)*dd], w.res)
				for t, v := range w.res {
					acc[t] += b.w[i] * v
				}
			}
		}
	})
}

// fixedPointStep writes Σ⁻ R² Σ⁻ into b.next for R = sum.
func (b *barySolver) fixedPointStep(R []float64) {
	d := b.d
	gemm(noT, noT, d, 1, R, R, 0, b.tmp)
	gemm(noT, noT, d, 1, b.Sinv, b.tmp, 0, b.T)
	gemm(noT, noT, d, 1, b.T, b.Sinv, 0, b.next)
}

// gradientStep writes (I + η(T − I)) Σ (I + η(T − I)) into b.next, with
// T = Σ⁻ R Σ⁻ the mean Monge map.
func (b *barySolver) gradientStep(R, Cb []float64, eta float64) {
	d := b.d
	gemm(noT, noT, d, 1, b.Sinv, R, 0, b.tmp)
	gemm(noT, noT, d, eta, b.tmp, b.Sinv, 0, b.T)
	for i := 0; i < d; i++ {
		b.T[i*d+i] += 1 - eta
	}
	gemm(noT, noT, d, 1, b.T, Cb, 0, b.tmp)
	gemm(noT, noT, d, 1, b.tmp, b.T, 0, b.next)
}

func (b *barySolver) converged(opt BarycenterOptions, diff float64) bool {
	if opt.Method == FixedPoint {
		return diff <= opt.Tol
	}
	b.recent[b.nRecent%gdWindow] = diff
	b.nRecent++
	n := min(b.nRecent, gdWindow)
	s := 0.0
	for _, v := range b.recent[:n] {
		s += v
	}
	return s/float64(n) <= opt.Tol
}
