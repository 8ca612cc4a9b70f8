package goot

import "math"

// SortedMeasure is a weighted point set on the line in increasing order, as
// the 1-D and sliced solvers walk it. Keys are the SortKey images of the
// values, ascending; Idx[k] is the input position of Keys[k] (nil when the
// caller did not keep it); W[k] is the weight of Keys[k], and nil means Unit
// for every point.
type SortedMeasure struct {
	Keys []uint64
	Idx  []uint32
	W    []float64
	Unit float64
}

// Weight returns the weight of the k-th point in increasing order.
func (m *SortedMeasure) Weight(k int) float64 {
	if m.W == nil {
		return m.Unit
	}
	return m.W[k]
}

// QuantileStep is one step of a quantile walk: the quantile levels in
// (previous level, previous level + Width] send the U-th point of u to the
// V-th point of v (positions in increasing order).
type QuantileStep struct {
	U, V  int
	Width float64
}

// walkBlock is the number of terms summed into a partial sum before it is
// added to the total, which bounds the rounding error of a sum of n terms by
// about (walkBlock + n/walkBlock)·ε instead of n·ε at no measurable cost.
const walkBlock = 1024

// QuantileWalk returns ∫ |F_u^{-1}(q) − F_v^{-1}(q)|^p dq over [0, the larger
// mass], the cost of the monotone coupling of two measures on the line
// (Rachev & Rüschendorf, "Mass Transportation Problems", 1998; Peyré &
// Cuturi, "Computational Optimal Transport", 2019, §2.6). No p-th root is
// taken. The quantile levels are the merged cumulative weights of both
// measures; the quantile of level q is the first point whose cumulative
// weight reaches q, and the last point if none does. This is the rule of
// POT's ot.wasserstein_1d: weights are used as given, not normalised, and a
// lighter measure's quantile stays at its last point. Between two
// consecutive levels both quantile functions are constant, so each level
// adds (level − previous level)·|u_i − v_j|^p. visit, if not nil, is called
// with every step of non-zero width. u and v must be non-empty.
//
// Invariant at each step: pu (pv) cumulative weights of u (v) have been used
// as levels, cu (cv) is the next one, and the level q being taken is the
// smaller of cu and cv. The first point of u whose cumulative weight reaches
// q is then pu, clipped to n−1; an earlier point can reach q only with a
// cumulative weight equal to an earlier level, and then the step has zero
// width and adds nothing, so the choice between them does not matter.
func QuantileWalk(u, v *SortedMeasure, p float64, visit func(QuantileStep)) float64 {
	n, m := len(u.Keys), len(v.Keys)
	pu, pv := 0, 0
	cu, cv := u.Weight(0), v.Weight(0)
	prev, total, partial := 0.0, 0.0, 0.0
	for s := range n + m {
		var q float64
		var iu, iv int
		if pu < n && (pv >= m || cu <= cv) {
			q, iu, iv = cu, pu, min(pv, m-1)
			if pu++; pu < n {
				cu += u.Weight(pu)
			}
		} else {
			q, iu, iv = cv, min(pu, n-1), pv
			if pv++; pv < m {
				cv += v.Weight(pv)
			}
		}
		if width := q - prev; width != 0 {
			d := math.Abs(KeyValue(u.Keys[iu]) - KeyValue(v.Keys[iv]))
			partial += width * PowAbs(d, p)
			if visit != nil {
				visit(QuantileStep{U: iu, V: iv, Width: width})
			}
		}
		prev = q
		if s%walkBlock == walkBlock-1 {
			total += partial
			partial = 0
		}
	}
	return total + partial
}

// EqualQuantileCost is QuantileWalk for two uniform measures with the same
// number of points and the same unit weight: the i-th smallest point of one
// is sent to the i-th smallest of the other.
func EqualQuantileCost(u, v *SortedMeasure, p float64) float64 {
	total, partial := 0.0, 0.0
	for i, k := range u.Keys {
		partial += PowAbs(math.Abs(KeyValue(k)-KeyValue(v.Keys[i])), p)
		if i%walkBlock == walkBlock-1 {
			total += partial
			partial = 0
		}
	}
	return (total + partial) * u.Unit
}

// PowAbs returns d^p for d ≥ 0, with the two common exponents done exactly
// and cheaply.
func PowAbs(d, p float64) float64 {
	switch p {
	case 1:
		return d
	case 2:
		return d * d
	}
	return math.Pow(d, p)
}
