package goot

import (
	"math"
)

// distBlockBytes is the size of the block of y that one pass over a block of
// rows of x keeps hot. 16 KiB leaves half of a 32 KiB L1 data cache for the
// row of x and the segment of out being written.
const distBlockBytes = 16 << 10

// distGrainCells is the least number of cost entries a goroutine of Dist gets,
// so that tiny matrices are not split (a goroutine costs about a microsecond).
const distGrainCells = 1 << 15

// Dist writes the n×m ground-cost matrix between the rows of x and the rows
// of y into out, row-major: out[i*m+j] = metric(x_i, y_j), where x is n×d and
// y is m×d, both row-major, n = len(x)/d and m = len(y)/d. p is the exponent
// of Minkowski and is ignored by the other metrics. out must hold at least
// n*m values; entries past n*m are left alone.
//
// Differences are formed coordinate by coordinate (never through
// ‖x‖²+‖y‖²−2⟨x,y⟩, which loses all relative accuracy for nearby points), so
// the result agrees with scipy.spatial.distance.cdist to a few ulps. The rows
// of out are computed in parallel with ParallelFor, blocked so that a block of
// y stays in cache while a block of rows of x is swept; Dist allocates nothing.
//
// Special cases are:
//
//	Minkowski with p = 1   is Cityblock, and with p = 2 is Euclidean (as cdist)
//	Minkowski with p = +Inf is max_k |x_k−y_k| (Chebyshev, as cdist)
//	NaN or ±Inf in x or y  propagates to the affected entries (as cdist)
//
// Dist returns an *ArgError if d < 1, if len(x) or len(y) is not a positive
// multiple of d, if metric is not one of the four metrics, if Minkowski has
// p ≤ 0 or NaN, or if out is shorter than n*m.
func Dist(x, y []float64, d int, metric Metric, p float64, out []float64) error {
	switch {
	case d < 1:
		return Errorf("X", "dimension d = %d must be at least 1", d)
	case len(x) == 0 || len(x)%d != 0:
		return Errorf("X", "length %d is not a positive multiple of d = %d", len(x), d)
	case len(y) == 0 || len(y)%d != 0:
		return Errorf("Y", "length %d is not a positive multiple of d = %d", len(y), d)
	case !metric.valid():
		return Errorf("metric", "unknown metric %v", metric)
	case metric == Minkowski && !(p > 0):
		return Errorf("p", "Minkowski exponent p = %v must be positive", p)
	}
	n, m := len(x)/d, len(y)/d
	if n > math.MaxInt/m || len(out) < n*m {
		return Errorf("out", "length %d is less than n*m = %d*%d", len(out), n, m)
	}

	k := distKernel(metric, p, d)
	block := max(distBlockBytes/(8*d), 8)
	ParallelFor(n, max(distGrainCells/m, 1), func(lo, hi int) {
		row := func(i, jb, je int) []float64 { return out[i*m+jb : i*m+je] }
		pt := func(i int) []float64 { return x[i*d : i*d+d] }
		for jb := 0; jb < m; jb += block {
			je := min(jb+block, m)
			yb := y[jb*d : je*d]
			i := lo
			if k.four != nil {
				for ; i+4 <= hi; i += 4 {
					k.four(pt(i), pt(i+1), pt(i+2), pt(i+3), yb,
						row(i, jb, je), row(i+1, jb, je), row(i+2, jb, je), row(i+3, jb, je))
				}
			}
			for ; i < hi; i++ {
				k.one(pt(i), yb, row(i, jb, je))
			}
			if k.finish != nil {
				for i := lo; i < hi; i++ {
					k.finish(row(i, jb, je))
				}
			}
		}
	})
	return nil
}

// distKernels are the loops of one metric and dimension: one writes, for a
// point xi and a block of points yb, the per-pair sums that the metric
// accumulates; four (nil if absent) does the same for four points of x at
// once, which loads each coordinate of yb once for four pairs; finish (nil if
// not needed) maps sums to distances in place (the 1/p-th power of Minkowski,
// whose math.Pow is too slow for it to matter that it runs as a second pass
// over a segment still in L1).
type distKernels struct {
	one    func(xi, yb, out []float64)
	four   func(x0, x1, x2, x3, yb, o0, o1, o2, o3 []float64)
	finish func(sums []float64)
}

// distKernel returns the loops for metric, exponent p and dimension d.
func distKernel(metric Metric, p float64, d int) distKernels {
	if metric == Minkowski {
		switch {
		case p == 1:
			metric = Cityblock
		case p == 2:
			metric = Euclidean
		case math.IsInf(p, 1):
			return distKernels{one: chebyshevRows}
		default:
			return distKernels{
				one:    func(xi, yb, out []float64) { powSumRows(xi, yb, p, out) },
				finish: func(s []float64) { rootRows(s, 1/p) },
			}
		}
	}
	var k distKernels
	switch metric {
	case SqEuclidean, Euclidean:
		// The root is taken as each sum is stored: the square-root unit
		// then works beside the adders instead of in a pass of its own.
		root := metric == Euclidean
		switch d {
		case 1:
			k.one = func(xi, yb, out []float64) { sqDist1(xi, yb, out, root) }
		case 2:
			k.one = func(xi, yb, out []float64) { sqDist2(xi, yb, out, root) }
		case 3:
			k.one = func(xi, yb, out []float64) { sqDist3(xi, yb, out, root) }
		default:
			k.one = func(xi, yb, out []float64) { sqDistRows(xi, yb, out, root) }
			k.four = func(x0, x1, x2, x3, yb, o0, o1, o2, o3 []float64) {
				sqDistRows4(x0, x1, x2, x3, yb, o0, o1, o2, o3, root)
			}
		}
	default: // Cityblock
		switch d {
		case 1:
			k.one = absDist1
		case 2:
			k.one = absDist2
		default:
			k.one, k.four = absDistRows, absDistRows4
		}
	}
	return k
}

func sqDist1(xi, yb, out []float64, root bool) {
	x0 := xi[0]
	yb = yb[:len(out)]
	for j, v := range yb {
		t := x0 - v
		out[j] = rootIf(t*t, root)
	}
}

func sqDist2(xi, yb, out []float64, root bool) {
	x0, x1 := xi[0], xi[1]
	yb = yb[:2*len(out)]
	for j := range out {
		t0 := x0 - yb[2*j]
		t1 := x1 - yb[2*j+1]
		out[j] = rootIf(t0*t0+t1*t1, root)
	}
}

func sqDist3(xi, yb, out []float64, root bool) {
	x0, x1, x2 := xi[0], xi[1], xi[2]
	yb = yb[:3*len(out)]
	for j := range out {
		t0 := x0 - yb[3*j]
		t1 := x1 - yb[3*j+1]
		t2 := x2 - yb[3*j+2]
		out[j] = rootIf(t0*t0+t1*t1+t2*t2, root)
	}
}

// sqDistRows sums squared differences with four accumulators, which breaks
// the add-latency chain; the reassociation changes the sum by a few ulps at
// most, all terms being nonnegative.
func sqDistRows(xi, yb, out []float64, root bool) {
	d := len(xi)
	for j := range out {
		yj := yb[j*d:][:d]
		var s0, s1, s2, s3 float64
		k := 0
		for ; k+4 <= d; k += 4 {
			t0 := xi[k] - yj[k]
			t1 := xi[k+1] - yj[k+1]
			t2 := xi[k+2] - yj[k+2]
			t3 := xi[k+3] - yj[k+3]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
			s3 += t3 * t3
		}
		for ; k < d; k++ {
			t := xi[k] - yj[k]
			s0 += t * t
		}
		out[j] = rootIf((s0+s1)+(s2+s3), root)
	}
}

// sqDistRows4 is sqDistRows for four points of x at once. Each pair keeps
// its own single accumulator, so four independent add chains still overlap.
func sqDistRows4(x0, x1, x2, x3, yb, o0, o1, o2, o3 []float64, root bool) {
	d := len(x0)
	x0, x1, x2, x3 = x0[:d], x1[:d], x2[:d], x3[:d]
	o0, o1, o2, o3 = o0[:len(o0)], o1[:len(o0)], o2[:len(o0)], o3[:len(o0)]
	for j := range o0 {
		yj := yb[j*d:][:d]
		var s0, s1, s2, s3 float64
		for k, v := range yj {
			t0 := x0[k] - v
			t1 := x1[k] - v
			t2 := x2[k] - v
			t3 := x3[k] - v
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
			s3 += t3 * t3
		}
		if root {
			s0, s1, s2, s3 = math.Sqrt(s0), math.Sqrt(s1), math.Sqrt(s2), math.Sqrt(s3)
		}
		o0[j], o1[j], o2[j], o3[j] = s0, s1, s2, s3
	}
}

func absDist1(xi, yb, out []float64) {
	x0 := xi[0]
	yb = yb[:len(out)]
	for j, v := range yb {
		out[j] = math.Abs(x0 - v)
	}
}

func absDist2(xi, yb, out []float64) {
	x0, x1 := xi[0], xi[1]
	yb = yb[:2*len(out)]
	for j := range out {
		out[j] = math.Abs(x0-yb[2*j]) + math.Abs(x1-yb[2*j+1])
	}
}

func absDistRows(xi, yb, out []float64) {
	d := len(xi)
	for j := range out {
		yj := yb[j*d:][:d]
		var s0, s1, s2, s3 float64
		k := 0
		for ; k+4 <= d; k += 4 {
			s0 += math.Abs(xi[k] - yj[k])
			s1 += math.Abs(xi[k+1] - yj[k+1])
			s2 += math.Abs(xi[k+2] - yj[k+2])
			s3 += math.Abs(xi[k+3] - yj[k+3])
		}
		for ; k < d; k++ {
			s0 += math.Abs(xi[k] - yj[k])
		}
		out[j] = (s0 + s1) + (s2 + s3)
	}
}

// absDistRows4 is absDistRows for four points of x at once.
func absDistRows4(x0, x1, x2, x3, yb, o0, o1, o2, o3 []float64) {
	d := len(x0)
	x0, x1, x2, x3 = x0[:d], x1[:d], x2[:d], x3[:d]
	o0, o1, o2, o3 = o0[:len(o0)], o1[:len(o0)], o2[:len(o0)], o3[:len(o0)]
	for j := range o0 {
		yj := yb[j*d:][:d]
		var s0, s1, s2, s3 float64
		for k, v := range yj {
			s0 += math.Abs(x0[k] - v)
			s1 += math.Abs(x1[k] - v)
			s2 += math.Abs(x2[k] - v)
			s3 += math.Abs(x3[k] - v)
		}
		o0[j], o1[j], o2[j], o3[j] = s0, s1, s2, s3
	}
}

func powSumRows(xi, yb []float64, p float64, out []float64) {
	d := len(xi)
	for j := range out {
		yj := yb[j*d:][:d]
		s := 0.0
		for k, v := range yj {
			s += math.Pow(math.Abs(xi[k]-v), p)
		}
		out[j] = s
	}
}

func chebyshevRows(xi, yb, out []float64) {
	d := len(xi)
	for j := range out {
		yj := yb[j*d:][:d]
		s := 0.0
		for k, v := range yj {
			t := math.Abs(xi[k] - v)
			// Written as a comparison, not math.Max, so that a NaN
			// difference is kept as cdist keeps it.
			if t > s || t != t {
				s = t
			}
		}
		out[j] = s
	}
}

// rootIf returns sqrt(s) for the Euclidean metric and s for SqEuclidean.
func rootIf(s float64, root bool) float64 {
	if root {
		return math.Sqrt(s)
	}
	return s
}

func rootRows(s []float64, invP float64) {
	for j, v := range s {
		s[j] = math.Pow(v, invP)
	}
}
