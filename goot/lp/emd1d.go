package lp

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// EMD1D solves exact optimal transport between two weighted point sets on the
// line: points x with weights a, and points y with weights b. The ground cost
// is c(x, y) = |x−y|² for goot.SqEuclidean, |x−y| for goot.Euclidean and
// goot.Cityblock, and |x−y|^p for goot.Minkowski (POT's 1-D convention; p is
// ignored by the other metrics).
//
// For a cost that is a convex function of x−y, the monotone (north-west
// corner) coupling of the sorted points is optimal (Rachev & Rüschendorf,
// "Mass Transportation Problems", 1998; Peyré & Cuturi, "Computational
// Optimal Transport", 2019, §2.6). EMD1D sorts copies of x and y (inputs are
// never modified; ties keep their input order) and walks them in increasing
// order, each step moving min(remaining a_i, remaining b_j) to (i, j) and
// advancing past the point that is exhausted, as POT's emd_1d_sorted does;
// all the mass that a has beyond b's goes to the largest y. The walk is
// O(n+m) and the radix sort is O(n+m) as well.
//
// The plan is written in coordinate form in the order of the walk: entry t
// moves mass[t] from x[rows[t]] to y[cols[t]], indexing the original unsorted
// points. Like POT's, the walk writes an entry for every step, so an entry can
// carry zero mass (a zero weight, or a_i and b_j exhausted together); nnz is at
// most n+m−1. rows, cols and mass may each be nil; those not nil must have
// length at least n+m−1. The returned cost is Σ_t mass[t]·c(x[rows[t]],
// y[cols[t]]), summed in walk order.
//
// Special cases are:
//
//	a or b nil          uniform weights 1/n or 1/m
//	Σa ≠ Σb             the weights are used as given (the Python layer
//	                    checks the masses and rescales b first, as POT does)
//	±Inf positions      give an infinite or NaN cost, as the formula does
//
// It returns an *goot.ArgError if x or y is empty or holds NaN, if a or b has
// the wrong length or a negative, NaN or infinite weight, if the metric is
// unknown, if Minkowski has p not finite and positive, or if rows, cols or
// mass is too short.
func EMD1D(x, a, y, b []float64, metric goot.Metric, p float64,
	rows, cols []int64, mass []float64) (cost float64, nnz int, err error) {
	n, m := len(x), len(y)
	if err := emd1dCheck(x, a, y, b, metric, p); err != nil {
		return 0, 0, err
	}
	need := n + m - 1
	for _, out := range []struct {
		arg    string
		length int
		given  bool
	}{
		{"rows", len(rows), rows != nil},
		{"cols", len(cols), cols != nil},
		{"mass", len(mass), mass != nil},
	} {
		if out.given && out.length < need {
			return 0, 0, goot.Errorf(out.arg, "length %d is less than n+m-1 = %d", out.length, need)
		}
	}

	xs := oneDInput{vals: x, n: n, stride: 1, w: a, wstride: 1, valArg: "x_a"}
	ys := oneDInput{vals: y, n: m, stride: 1, w: b, wstride: 1, valArg: "x_b"}
	var xbuf, ybuf oneDBuffers
	xm, ym, err := oneDPreparePair(&xbuf, &ybuf, xs, ys, true, rows != nil, cols != nil,
		n+m >= w1dParallelMin)
	if err != nil {
		return 0, 0, err
	}
	cost, nnz = emd1dWalk(&xm, &ym, n, m, emd1dGround(metric, p), rows, cols, mass)
	return cost, nnz, nil
}

func emd1dCheck(x, a, y, b []float64, metric goot.Metric, p float64) error {
	if err := oneDCheckLen("x_a", len(x)); err != nil {
		return err
	}
	if err := oneDCheckLen("x_b", len(y)); err != nil {
		return err
	}
	if a != nil && len(a) != len(x) {
		return goot.Errorf("a", "length %d does not match %d points", len(a), len(x))
	}
	if b != nil && len(b) != len(y) {
		return goot.Errorf("b", "length %d does not match %d points", len(b), len(y))
	}
	if err := goot.CheckWeights("a", a); err != nil {
		return err
	}
	if err := goot.CheckWeights("b", b); err != nil {
		return err
	}
	switch metric {
	case goot.SqEuclidean, goot.Euclidean, goot.Cityblock:
	case goot.Minkowski:
		if !(p > 0) || math.IsInf(p, 1) {
			return goot.Errorf("p", "Minkowski exponent %v must be finite and positive", p)
		}
	default:
		return goot.Errorf("metric", "unknown metric %v", metric)
	}
	return nil
}

// emd1dGround returns the ground cost as a function of |x−y|: the metric's
// power of the distance on the line.
func emd1dGround(metric goot.Metric, p float64) float64 {
	switch metric {
	case goot.SqEuclidean:
		return 2
	case goot.Minkowski:
		return p
	}
	return 1
}

// emd1dWalk runs the north-west corner rule on the sorted measures and
// returns the cost and the number of entries written.
//
// Invariant at the top of the loop: points before i of x and before j of y
// are exhausted, wi and wj are the masses that x_i and y_j still hold, and
// the mass moved so far is Σa_{<i} + (a_i − wi) = Σb_{<j} + (b_j − wj). The
// last point of y takes whatever x still holds, so the walk always ends when
// x is exhausted.
func emd1dWalk(xm, ym *goot.SortedMeasure, n, m int, p float64,
	rows, cols []int64, mass []float64) (cost float64, nnz int) {
	i, j := 0, 0
	wi, wj := xm.Weight(0), ym.Weight(0)
	xi, yj := goot.KeyValue(xm.Keys[0]), goot.KeyValue(ym.Keys[0])
	for {
		c := goot.PowAbs(math.Abs(xi-yj), p)
		advanceX := wi < wj || j == m-1
		moved := wj
		if advanceX {
			moved = wi
		}
		cost += c * moved
		if rows != nil {
			rows[nnz] = int64(xm.Idx[i])
		}
		if cols != nil {
			cols[nnz] = int64(ym.Idx[j])
		}
		if mass != nil {
			mass[nnz] = moved
		}
		nnz++

		if advanceX {
			if i++; i == n {
				return cost, nnz
			}
			wj -= wi
			wi, xi = xm.Weight(i), goot.KeyValue(xm.Keys[i])
		} else {
			j++
			wi -= wj
			wj, yj = ym.Weight(j), goot.KeyValue(ym.Keys[j])
		}
	}
}
