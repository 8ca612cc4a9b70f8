package lp

import (
	"math"
	"sync"

	"github.com/goot-ot/goot/goot"
)

// w1dParallelMin is the total number of points from which the two measures
// of one problem are sorted on two goroutines. At this size each sort takes
// about 0.1 ms against a few µs to start and join a goroutine; the value is
// a safe margin, not a tuned optimum.
const w1dParallelMin = 1 << 14

// Wasserstein1D returns the optimal-transport cost between two weighted point
// sets on the line for the ground cost |x−y|^p,
//
//	W_p^p(μ, ν) = ∫_0^1 |F_μ^{-1}(q) − F_ν^{-1}(q)|^p dq,
//
// where F^{-1} is the quantile function (Rachev & Rüschendorf, "Mass
// Transportation Problems", 1998; Peyré & Cuturi, "Computational
// Optimal Transport", 2019, §2.6). No p-th root is taken. The points are u
// with weights uw and v with weights vw; nil weights mean 1/n (1/m) for all.
//
// The result is the one POT's ot.wasserstein_1d computes: the quantile
// levels are the merged cumulative weights of both measures, and the quantile
// of level q is the first point whose cumulative weight reaches q (the last
// point if none does). Weights are used as given, not normalised, so two
// measures of equal mass s give s times the cost of their normalised
// versions (the integral runs over [0, s]); for unequal masses the levels run
// up to the larger mass, with the lighter measure's quantile held at its last
// point, and whether that is meaningful is the caller's concern.
// If sorted is true the values are taken to be ascending already and are used
// in the given order (POT's require_sort=False); otherwise copies are sorted,
// in O(n+m) time by radix sort. Inputs are never modified.
//
// Special cases are:
//
//	n = 1, equal masses   the cost is Σ_j vw_j·|u_0 − v_j|^p (m = 1 mirrors it)
//	zero weights          the point carries no mass and does not count
//	±Inf values           give +Inf or NaN, as the formula does
//
// It returns an *goot.ArgError if u or v is empty or holds NaN, if a weight
// slice has the wrong length or holds a negative, NaN or infinite weight, or
// if p is not finite and positive.
func Wasserstein1D(u, uw, v, vw []float64, p float64, sorted bool) (float64, error) {
	if err := w1dCheck(len(u), len(uw), len(v), len(vw), 1, p); err != nil {
		return 0, err
	}
	if err := w1dCheckWeights(uw, vw); err != nil {
		return 0, err
	}
	us := oneDInput{vals: u, n: len(u), stride: 1, w: uw, wstride: 1, valArg: "u_values"}
	vs := oneDInput{vals: v, n: len(v), stride: 1, w: vw, wstride: 1, valArg: "v_values"}
	var ubuf, vbuf oneDBuffers
	um, vm, err := oneDPreparePair(&ubuf, &vbuf, us, vs, !sorted, false, false,
		len(u)+len(v) >= w1dParallelMin)
	if err != nil {
		return 0, err
	}
	return goot.QuantileWalk(&um, &vm, p, nil), nil
}

// Wasserstein1DBatch computes Wasserstein1D for each of the k columns of U
// (n×k, row-major, as a C-ordered numpy array of shape (n, k)) against the
// same column of V (m×k) and writes the costs to out[0:k]. uw is nil
// (uniform), of length n (one weight vector shared by all columns) or of
// length n*k (row-major, one weight vector per column); vw likewise with m.
//
// The columns are solved in parallel with goot.ParallelFor, each goroutine
// reusing one set of buffers; a single column (k = 1) sorts its two measures
// on two goroutines instead. Errors are those of Wasserstein1D, reported for
// the lowest failing column, plus a wrong length of U, V, uw, vw or out.
func Wasserstein1DBatch(U []float64, n int, V []float64, m int, k int, uw, vw []float64,
	p float64, sorted bool, out []float64) error {
	if k < 1 {
		return goot.Errorf("u_values", "number of columns k = %d must be at least 1", k)
	}
	switch {
	case n < 0 || n > math.MaxInt/k || len(U) != n*k:
		return goot.Errorf("u_values", "length %d is not n*k = %d*%d", len(U), n, k)
	case m < 0 || m > math.MaxInt/k || len(V) != m*k:
		return goot.Errorf("v_values", "length %d is not m*k = %d*%d", len(V), m, k)
	case len(out) < k:
		return goot.Errorf("out", "length %d is less than k = %d", len(out), k)
	}
	if err := w1dCheck(n, len(uw), m, len(vw), k, p); err != nil {
		return err
	}
	if err := w1dCheckWeights(uw, vw); err != nil {
		return err
	}

	// column c of a row-major (rows×k) array starts at c and steps by k; a
	// shared weight vector starts at 0 and steps by 1.
	input := func(vals []float64, rows int, w []float64, c int, arg string) oneDInput {
		in := oneDInput{vals: vals, n: rows, stride: k, off: c, w: w, wstride: 1, valArg: arg}
		if len(w) == rows*k && k > 1 {
			in.wstride, in.woff = k, c
		}
		return in
	}
	if k == 1 {
		var ubuf, vbuf oneDBuffers
		um, vm, err := oneDPreparePair(&ubuf, &vbuf, input(U, n, uw, 0, "u_values"),
			input(V, m, vw, 0, "v_values"), !sorted, false, false, n+m >= w1dParallelMin)
		if err != nil {
			return err
		}
		out[0] = goot.QuantileWalk(&um, &vm, p, nil)
		return nil
	}

	var mu sync.Mutex
	failed, firstErr := k, error(nil)
	goot.ParallelFor(k, 1, func(lo, hi int) {
		var ubuf, vbuf oneDBuffers
		for c := lo; c < hi; c++ {
			um, vm, err := oneDPreparePair(&ubuf, &vbuf, input(U, n, uw, c, "u_values"),
				input(V, m, vw, c, "v_values"), !sorted, false, false, false)
			if err != nil {
				mu.Lock()
				if c < failed {
					failed, firstErr = c, err
				}
				mu.Unlock()
				return
			}
			out[c] = goot.QuantileWalk(&um, &vm, p, nil)
		}
	})
	return firstErr
}

// w1dCheck validates the sizes and the exponent shared by both entry points;
// a weight length may be 0 (uniform), the number of points, or points × k.
func w1dCheck(n, nuw, m, nvw, k int, p float64) error {
	if err := oneDCheckLen("u_values", n); err != nil {
		return err
	}
	if err := oneDCheckLen("v_values", m); err != nil {
		return err
	}
	if nuw != 0 && nuw != n && nuw != n*k {
		return goot.Errorf("u_weights", "length %d does not match %d values", nuw, n)
	}
	if nvw != 0 && nvw != m && nvw != m*k {
		return goot.Errorf("v_weights", "length %d does not match %d values", nvw, m)
	}
	if !(p > 0) || math.IsInf(p, 1) {
		return goot.Errorf("p", "exponent %v must be finite and positive", p)
	}
	return nil
}

func w1dCheckWeights(uw, vw []float64) error {
	if err := goot.CheckWeights("u_weights", uw); err != nil {
		return err
	}
	return goot.CheckWeights("v_weights", vw)
}

// oneDPreparePair prepares both measures of one problem, on two goroutines
// when parallel is set. An error of u is reported before one of v.
func oneDPreparePair(ubuf, vbuf *oneDBuffers, u, v oneDInput, sortIt, uIdx, vIdx,
	parallel bool) (um, vm goot.SortedMeasure, err error) {
	var uerr, verr error
	if parallel {
		goot.ParallelFor(2, 1, func(lo, hi int) {
			for s := lo; s < hi; s++ {
				if s == 0 {
					um, uerr = ubuf.prepare(u, sortIt, uIdx)
				} else {
					vm, verr = vbuf.prepare(v, sortIt, vIdx)
				}
			}
		})
	} else {
		um, uerr = ubuf.prepare(u, sortIt, uIdx)
		if uerr == nil {
			vm, verr = vbuf.prepare(v, sortIt, vIdx)
		}
	}
	if uerr != nil {
		return um, vm, uerr
	}
	return um, vm, verr
}
