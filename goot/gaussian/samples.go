package gaussian

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// SamplesW2 returns W₂² between the Gaussian fits of two sample batches, X
// (n×d) and Y (m×d), rows being samples:
//
//	‖μ_X − μ_Y‖² + tr Σ_X + tr Σ_Y − 2 tr (Σ_X^{1/2} Σ_Y Σ_X^{1/2})^{1/2},
//
// the Fréchet distance of FID and the list-wise loss of Esfandiarpoor et al.
// ("Beyond contrastive learning: synthetic data enables list-wise training
// with multiple levels of relevance", 2025). The covariances divide by n − 1
// (unbiased) or n, plus reg·I.
//
// When reg = 0 and a batch has fewer samples than dimensions, the trace term
// comes from the small matrix instead of a d×d one: with X̃, Ỹ the centred
// and scaled data (Σ_X = X̃ᵀX̃), tr (Σ_X^{1/2} Σ_Y Σ_X^{1/2})^{1/2} is the sum
// of the singular values of X̃ Ỹᵀ (Mathiasen & Hvilshøj, "Backpropagating
// through Fréchet Inception Distance", 2020), an eigenvalue problem of size
// min(n, m). The result is clipped at 0.
func SamplesW2(X []float64, n int, Y []float64, m int, d int, unbiased bool,
	reg float64) (float64, error) {
	if d < 1 {
		return 0, goot.Errorf("X", "dimension d = %d must be at least 1", d)
	}
	if err := checkSamples("X", X, n, d, unbiased); err != nil {
		return 0, err
	}
	if err := checkSamples("Y", Y, m, d, unbiased); err != nil {
		return 0, err
	}
	if !(reg >= 0) || math.IsInf(reg, 0) {
		return 0, goot.Errorf("reg", "must be finite and non-negative, got %v", reg)
	}

	// 1. Means and centred, scaled data: Σ = X̃ᵀ X̃ (+ reg I).
	mx, Xc := centre(X, n, d, unbiased)
	my, Yc := centre(Y, m, d, unbiased)
	value := sqDist(mx, my)
	for _, v := range Xc {
		value += v * v
	}
	for _, v := range Yc {
		value += v * v
	}
	value += 2 * reg * float64(d)

	// 2. The trace term, on the smaller of the two formulations.
	var tr float64
	if reg == 0 && min(n, m) < d {
		tr = traceSqrtLowRank(Xc, n, Yc, m, d)
	} else {
		Sx, Sy := gram(Xc, n, d, reg), gram(Yc, m, d, reg)
		w := newWorkspace(d)
		root := make([]float64, d*d)
		if err := w.sqrtm("X", Sx, root, nil); err != nil {
			return 0, err
		}
		tr = w.traceSqrtSandwich(root, Sy)
	}
	return max(value-2*tr, 0), nil
}

func checkSamples(arg string, X []float64, n, d int, unbiased bool) error {
	if n < 1 || len(X) != n*d {
		return goot.Errorf(arg, "length %d is not n×d with n ≥ 1 (n = %d, d = %d)", len(X), n, d)
	}
	if unbiased && n < 2 {
		return goot.Errorf(arg, "an unbiased covariance needs at least 2 samples")
	}
	for i, v := range X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return goot.Errorf(arg, "non-finite entry %v (index %d)", v, i)
		}
	}
	return nil
}

// centre returns the mean of the rows of X and the rows minus the mean,
// divided by √(n−1) (unbiased) or √n.
func centre(X []float64, n, d int, unbiased bool) ([]float64, []float64) {
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range X[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	den := float64(n)
	if unbiased {
		den--
	}
	s := 1 / math.Sqrt(den)
	out := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, v := range X[i*d : (i+1)*d] {
			out[i*d+j] = (v - mean[j]) * s
		}
	}
	return mean, out
}

// gram returns X̃ᵀ X̃ + reg I for the n×d matrix X̃.
func gram(Xc []float64, n, d int, reg float64) []float64 {
	G := make([]float64, d*d)
	for i := 0; i < n; i++ {
		row := Xc[i*d : (i+1)*d]
		for a, va := range row {
			for b, vb := range row[:a+1] {
				G[a*d+b] += va * vb
			}
		}
	}
	for a := 0; a < d; a++ {
		G[a*d+a] += reg
		for b := 0; b < a; b++ {
			G[b*d+a] = G[a*d+b]
		}
	}
	return G
}

// traceSqrtLowRank returns the sum of the singular values of K = X̃ Ỹᵀ
// (n×m): Σ √λ_i(K Kᵀ) with K Kᵀ of the smaller side.
func traceSqrtLowRank(Xc []float64, n int, Yc []float64, m, d int) float64 {
	if n > m {
		Xc, Yc, n, m = Yc, Xc, m, n
	}
	K := make([]float64, n*m)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			K[i*m+j] = dot(Xc[i*d:(i+1)*d], Yc[j*d:(j+1)*d])
		}
	}
	G := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			v := dot(K[i*m:(i+1)*m], K[j*m:(j+1)*m])
			G[i*n+j], G[j*n+i] = v, v
		}
	}
	w := newWorkspace(n)
	if !w.eig(G, false) {
		return math.NaN()
	}
	return w.sumSqrt()
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}
