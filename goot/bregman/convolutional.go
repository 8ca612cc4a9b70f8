package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Convolutional barycenters (Solomon et al. 2015) of k images of w×h
// pixels on the grid [0, 1]², with the squared Euclidean cost: the kernel
// exp(-|x - y|²/reg) is separable, K = K1 ⊗ K2 with K1 (w×w) and K2 (h×h)
// one-dimensional Gaussians, so K applied to an image X is K1 X K2ᵀ, in
// O(wh(w + h)) instead of O(w²h²). The images are stored row-major, one after
// another (k×w×h, numpy's (n_hists, w, h)).
//
// References:
//   - Solomon, de Goes, Peyré, Cuturi, Butscher, Nguyen, Du, Guibas,
//     "Convolutional Wasserstein distances: efficient optimal transportation
//     on geometric domains", ACM Transactions on Graphics 34(4), 2015.
//   - Janati, Cuturi, Gramfort, "Debiased Sinkhorn barycenters", ICML, 2020.

// grid returns the n×n matrix -(t_i - t_j)²/reg for t = linspace(0, 1, n)
// (numpy's points: i·(1/(n-1)), the last exactly 1).
func grid(n int, reg float64) []float64 {
	t := make([]float64, n)
	if n > 1 {
		step := 1 / float64(n-1)
		for i := range t {
			t[i] = float64(i) * step
		}
		t[n-1] = 1
	}
	g := make([]float64, n*n)
	for i := range n {
		for j := range n {
			d := t[i] - t[j]
			g[i*n+j] = -(d * d) / reg
		}
	}
	return g
}

// convolver applies the separable kernel to w×h images; tmp is per-image
// scratch (w×h).
type convolver struct {
	w, h   int
	g1, g2 []float64 // log kernels -(t_i - t_j)²/reg
	k1, k2 []float64 // kernels exp(g1), exp(g2)
}

func newConvolver(w, h int, reg float64) *convolver {
	c := &convolver{w: w, h: h, g1: grid(w, reg), g2: grid(h, reg)}
	c.k1, c.k2 = make([]float64, w*w), make([]float64, h*h)
	for e, x := range c.g1 {
		c.k1[e] = math.Exp(x)
	}
	for e, x := range c.g2 {
		c.k2[e] = math.Exp(x)
	}
	return c
}

// apply sets out = K1 x K2ᵀ for one image x (w×h); tmp is scratch (w×h).
// Both products run four kernel rows at a time through the kernels of
// kernels.go.
func (c *convolver) apply(x, out, tmp []float64) {
	w, h := c.w, c.h
	// tmp = K1 x: row i of tmp gathers the rows of x weighted by K1's row i.
	clear(tmp)
	for i := range w {
		ti, k1 := tmp[i*h:(i+1)*h], c.k1[i*w:(i+1)*w]
		j := 0
		for ; j+4 <= w; j += 4 {
			axpy4(ti, x[j*h:], x[(j+1)*h:], x[(j+2)*h:], x[(j+3)*h:],
				k1[j], k1[j+1], k1[j+2], k1[j+3])
		}
		for ; j < w; j++ {
			axpy(ti, x[j*h:], k1[j])
		}
	}
	// out = tmp K2ᵀ: out_li = Σ_j tmp_lj K2_ij, a dot product of tmp's row l
	// with K2's row i.
	for l := range w {
		tl, ol := tmp[l*h:(l+1)*h], out[l*h:(l+1)*h]
		i := 0
		for ; i+4 <= h; i += 4 {
			ol[i], ol[i+1], ol[i+2], ol[i+3] = dot4(c.k2[i*h:], c.k2[(i+1)*h:],
				c.k2[(i+2)*h:], c.k2[(i+3)*h:], tl)
		}
		for ; i < h; i++ {
			ol[i] = dot(c.k2[i*h:], tl)
		}
	}
}

// applyLog sets out = log(K1 exp(x) K2ᵀ) for one log-image x, each
// log-sum-exp shifted by its exact maximum; tmp (w×h) and mx (h) are
// scratch.
//
// TODO(goot): a vector exp (AVX2) for these log-sum-exps; the scalar exp
// sets their speed (issue 3).
func (c *convolver) applyLog(x, out, tmp, mx []float64) {
	w, h := c.w, c.h
	// tmp_il = LSE_j(g1_ij + x_jl), a row of x at a time.
	for i := range w {
		ti, g1 := tmp[i*h:(i+1)*h], c.g1[i*w:(i+1)*w]
		fill(mx, math.Inf(-1))
		for j, a := range g1 {
			for l, v := range x[j*h : (j+1)*h] {
				mx[l] = max(mx[l], a+v)
			}
		}
		clear(ti)
		for j, a := range g1 {
			for l, v := range x[j*h : (j+1)*h] {
				if !math.IsInf(mx[l], 0) {
					ti[l] += exp(a + v - mx[l])
				}
			}
		}
		for l, s := range ti {
			if math.IsInf(mx[l], 0) {
				ti[l] = mx[l]
			} else {
				ti[l] = mx[l] + math.Log(s)
			}
		}
	}
	// out_li = LSE_j(g2_ij + tmp_lj).
	for l := range w {
		tl := tmp[l*h : (l+1)*h]
		for i := range h {
			g2 := c.g2[i*h : (i+1)*h]
			g2 = g2[:len(tl)]
			shift := math.Inf(-1)
			for j, v := range tl {
				shift = max(shift, v+g2[j])
			}
			if math.IsInf(shift, 0) {
				out[l*h+i] = shift
				continue
			}
			sum := 0.0
			for j, v := range tl {
				sum += exp(v + g2[j] - shift)
			}
			out[l*h+i] = shift + math.Log(sum)
		}
	}
}

// forImages runs body(c, scratch) for each of k images in parallel; every
// worker has its own w×h scratch and h-vector.
func (c *convolver) forImages(k int, tmp, mx []float64, body func(i int, tmp, mx []float64)) {
	wh := c.w * c.h
	goot.ParallelFor(k, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			body(i, tmp[i*wh:(i+1)*wh], mx[i*c.h:(i+1)*c.h])
		}
	})
}

func checkConvolutional(A []float64, k, w, h int, reg float64, weights,
	bar []float64) error {
	switch {
	case !(reg > 0) || math.IsInf(reg, 1):
		return goot.Errorf("reg", "must be positive and finite, got %g", reg)
	case k < 1 || w < 1 || h < 1 || len(A) != k*w*h:
		return goot.Errorf("A", "has %d values, not %d images of %d×%d", len(A), k, w, h)
	case len(weights) != k:
		return goot.Errorf("weights", "has length %d, A has %d images", len(weights), k)
	case len(bar) != w*h:
		return goot.Errorf("bar", "has length %d, want %d", len(bar), w*h)
	}
	for c, x := range weights {
		if !isFinite(x) {
			return goot.Errorf("weights", "non-finite weight at index %d", c)
		}
	}
	return goot.CheckWeights("A", A)
}

// pixelSpread returns Σ_p std_c(x_cp) (population std) over k images of
// wh pixels.
func pixelSpread(x []float64, k, wh int) float64 {
	return spread(x, wh, k)
}

// ConvolutionalBarycenter2D computes the entropic barycenter of the k
// images in A (k×w×h) by POT's convolutional iterations: from bar uniform
// and U = 1, V = bar / K U, U = A / K V, and bar = exp(Σ_c w_c log(K U_c +
// stabThr)); with debiased, bar is multiplied by a vector c that takes 10
// steps c ← sqrt(c ⊙ bar / K c) per iteration (Janati et al. 2020). At
// iterations 9, 19, … the error Σ_p std_c(V_c ⊙ K U_c) is recorded and the
// solve stops below opt.Tol (debiased: only after iteration 20). POT's stabThr
// is 1e-30 (1e-15 debiased). U and V (k×w×h, may be nil) receive the last
// scalings.
func ConvolutionalBarycenter2D(A []float64, k, w, h int, reg float64, weights, bar, U,
	V []float64, stabThr float64, debiased bool, opt Options) (Result, error) {
	if err := checkConvolutional(A, k, w, h, reg, weights, bar); err != nil {
		return Result{}, err
	}
	wh := w * h
	if U != nil && len(U) != k*wh || V != nil && len(V) != k*wh {
		return Result{}, goot.Errorf("U", "U and V need %d×%d×%d values", k, w, h)
	}
	if U == nil {
		U = make([]float64, k*wh)
	}
	if V == nil {
		V = make([]float64, k*wh)
	}
	cv := newConvolver(w, h, reg)
	KU, KV := make([]float64, k*wh), make([]float64, k*wh)
	tmp, mx := make([]float64, k*wh), make([]float64, k*h)
	cvec, kc, prod := make([]float64, wh), make([]float64, wh), make([]float64, k*wh)
	fill(bar, 1/float64(wh))
	fill(U, 1)
	fill(cvec, 1)
	cv.forImages(k, tmp, mx, func(c int, tmp, _ []float64) {
		cv.apply(U[c*wh:(c+1)*wh], KU[c*wh:(c+1)*wh], tmp)
	})
	maxIter := opt.maxIter(10000)
	res := newResult(maxIter, 10)
	for it := range maxIter {
		res.Iter = it

		// V = bar / K U, U = A / K V, and K U for the new U.
		cv.forImages(k, tmp, mx, func(c int, tmp, _ []float64) {
			v, u, ku, kv := V[c*wh:(c+1)*wh], U[c*wh:(c+1)*wh], KU[c*wh:(c+1)*wh],
				KV[c*wh:(c+1)*wh]
			for p := range v {
				v[p] = bar[p] / ku[p]
			}
			cv.apply(v, kv, tmp)
			for p := range u {
				u[p] = A[c*wh+p] / kv[p]
			}
			cv.apply(u, ku, tmp)
		})

		// The weighted geometric mean, debiased when asked.
		for p := range bar {
			sum := 0.0
			for c, wc := range weights {
				sum += wc * math.Log(KU[c*wh+p]+stabThr)
			}
			bar[p] = math.Exp(sum)
		}
		if debiased {
			for p := range bar {
				bar[p] *= cvec[p]
			}
			for range 10 {
				cv.apply(cvec, kc, tmp[:wh])
				for p := range cvec {
					cvec[p] = math.Sqrt(cvec[p] * bar[p] / kc[p])
				}
			}
		}

		if it%10 == 9 {
			for e := range prod {
				prod[e] = V[e] * KU[e]
			}
			err := pixelSpread(prod, k, wh)
			res.Errors = append(res.Errors, err)
			if err < opt.Tol && (!debiased || it > 20) {
				res.Status = goot.Optimal
				break
			}
		}
	}
	return res, nil
}

// ConvolutionalBarycenter2DLog is ConvolutionalBarycenter2D on
// log-scalings, as POT's log-domain convolutional barycenters: with
// logA = log(A + stabThr) and G = 0, each iteration sets
// f_c = logA_c - log K exp(G_c), logKU_c = log K exp(f_c) and
// log bar = Σ_c w_c logKU_c (debiased: plus c, which then takes 10 steps
// c ← (c + log bar - log K exp(c)) / 2); at iterations 9, 19, … the error
// Σ_p std_c(exp(G_c + logKU_c)) is recorded and the solve stops below
// opt.Tol (debiased: after iteration 20); then G_c = log bar - logKU_c.
// Every log-convolution is a max-shifted log-sum-exp along each axis, so
// nothing underflows at small reg.
func ConvolutionalBarycenter2DLog(A []float64, k, w, h int, reg float64, weights,
	bar []float64, stabThr float64, debiased bool, opt Options) (Result, error) {
	if err := checkConvolutional(A, k, w, h, reg, weights, bar); err != nil {
		return Result{}, err
	}
	wh := w * h
	cv := newConvolver(w, h, reg)
	logA := make([]float64, k*wh)
	for e, x := range A {
		logA[e] = math.Log(x + stabThr)
	}
	G, logKU, f := make([]float64, k*wh), make([]float64, k*wh), make([]float64, k*wh)
	tmp, mx := make([]float64, k*wh), make([]float64, k*h)
	cvec, lc, kern := make([]float64, wh), make([]float64, wh), make([]float64, k*wh)
	logb := bar
	maxIter := opt.maxIter(10000)
	res := newResult(maxIter, 10)
	for it := range maxIter {
		res.Iter = it

		// f_c = logA_c - log K exp(G_c), logKU_c = log K exp(f_c).
		cv.forImages(k, tmp, mx, func(c int, tmp, mx []float64) {
			fc, lk := f[c*wh:(c+1)*wh], logKU[c*wh:(c+1)*wh]
			cv.applyLog(G[c*wh:(c+1)*wh], fc, tmp, mx)
			for p := range fc {
				fc[p] = logA[c*wh+p] - fc[p]
			}
			cv.applyLog(fc, lk, tmp, mx)
		})
		clear(logb)
		for c, wc := range weights {
			for p, x := range logKU[c*wh : (c+1)*wh] {
				logb[p] += wc * x
			}
		}
		if debiased {
			for p := range logb {
				logb[p] += cvec[p]
			}
			for range 10 {
				cv.applyLog(cvec, lc, tmp[:wh], mx[:h])
				for p := range cvec {
					cvec[p] = 0.5 * (cvec[p] + logb[p] - lc[p])
				}
			}
		}

		if it%10 == 9 {
			for e, g := range G {
				kern[e] = math.Exp(g + logKU[e])
			}
			err := pixelSpread(kern, k, wh)
			res.Errors = append(res.Errors, err)
			if err < opt.Tol && (!debiased || it > 20) {
				res.Status = goot.Optimal
				break
			}
		}
		for c := range k {
			for p := range wh {
				G[c*wh+p] = logb[p] - logKU[c*wh+p]
			}
		}
	}
	for p, x := range logb {
		bar[p] = math.Exp(x)
	}
	return res, nil
}
