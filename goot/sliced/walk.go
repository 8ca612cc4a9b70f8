package sliced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// cloud is one weighted point set: n points of dimension d stored row-major
// in x, with weights w (nil means 1/n each).
type cloud struct {
	x    []float64
	n    int
	w    []float64 // nil when all weights equal unit
	unit float64
}

// point returns the i-th point of c.
func (c *cloud) point(i, d int) []float64 { return c.x[i*d : i*d+d] }

// sortedSide is one cloud projected on one direction and sorted: keys are
// the goot.SortKey images of the projections in increasing order, idx[k] is
// the input position of keys[k] (nil when not kept) and w[k] its weight (nil
// means unit for all, the uniform weight 1/n).
type sortedSide struct {
	keys []uint64
	idx  []uint32
	w    []float64
	unit float64
}

func (s *sortedSide) weight(k int) float64 {
	if s.w == nil {
		return s.unit
	}
	return s.w[k]
}

// sideBuffers is the scratch of one cloud, allocated once per goroutine and
// reused for every direction that goroutine handles.
type sideBuffers struct {
	keys, tmp   []uint64
	idx, idxTmp []uint32
	w           []float64
}

func newSideBuffers(n int, withIdx bool) sideBuffers {
	b := sideBuffers{keys: make([]uint64, n), tmp: make([]uint64, n)}
	if withIdx {
		b.idx, b.idxTmp, b.w = make([]uint32, n), make([]uint32, n), make([]float64, n)
	}
	return b
}

// project projects c on theta and sorts the result.
//
// TODO(goot): in high dimension the projection is memory-bound (one pass
// over the cloud per direction); projecting a small block of directions per
// pass, with the block sized so that the extra memory stays below the input
// size, would cut that traffic (benchmarks/RESULTS.md, d = 50) (issue 5). The permutation is kept
// when the buffers have room for it (needed for non-uniform weights and for
// gradients); weights then follow the points into walk order.
func (b *sideBuffers) project(c *cloud, d int, theta []float64) sortedSide {
	keys := b.keys[:c.n]
	for i := range keys {
		keys[i] = goot.SortKey(dot(c.point(i, d), theta))
	}
	s := sortedSide{unit: c.unit}
	if b.idx == nil {
		s.keys = goot.SortKeys(keys, b.tmp)
		return s
	}
	idx := b.idx[:c.n]
	for i := range idx {
		idx[i] = uint32(i)
	}
	s.keys, s.idx = goot.SortKeysIndex(keys, b.tmp, idx, b.idxTmp)
	if c.w != nil {
		w := b.w[:c.n]
		for k, i := range s.idx {
			w[k] = c.w[i]
		}
		s.w = w
	}
	return s
}

// dot is the inner product of two vectors of equal length, unrolled by four
// so that the four partial sums run in parallel in the CPU.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumBlock is the number of terms summed into a partial sum before it is
// added to the total, which bounds the rounding error of a sum of n terms by
// about (sumBlock + n/sumBlock)·ε instead of n·ε at no measurable cost.
const sumBlock = 1024

// equalCost is W_p^p between two sorted uniform measures of the same size:
// the i-th smallest point of one is sent to the i-th smallest of the other.
func equalCost(u, v *sortedSide, p float64) float64 {
	total, partial := 0.0, 0.0
	for i, k := range u.keys {
		partial += pow(math.Abs(goot.KeyValue(k)-goot.KeyValue(v.keys[i])), p)
		if i%sumBlock == sumBlock-1 {
			total += partial
			partial = 0
		}
	}
	return (total + partial) * u.unit
}

// step is one step of the quantile walk: the quantile levels in (prev, q]
// send point iu of u to point iv of v (walk positions).
type step struct {
	iu, iv int
	width  float64
}

// walk integrates |F_u^{-1} − F_v^{-1}|^p over the quantile levels, the
// merged cumulative weights of both measures taken in increasing order (the
// rule of POT's ot.wasserstein_1d and of lp.Wasserstein1D: weights are used
// as given, and if the masses differ the lighter measure's quantile stays at
// its last point). Between two consecutive levels both quantile functions
// are constant, so each level adds (level − previous level)·|u_i − v_j|^p.
// visit, if not nil, is called with every step of non-zero width.
//
// TODO(goot): this quantile walk repeats lp's w1dWalk (goot/lp/wasserstein1d.go)
// with a visit hook added; move one walk with the hook to the root package
// and use it from both families (issue 5).
//
// Invariant: pu (pv) cumulative weights of u (v) have been used as levels,
// cu (cv) is the next one, and the level q being taken is the smaller of the
// two. The first point of u whose cumulative weight reaches q is then pu,
// clipped to n−1.
func walk(u, v *sortedSide, p float64, visit func(step)) float64 {
	n, m := len(u.keys), len(v.keys)
	pu, pv := 0, 0
	cu, cv := u.weight(0), v.weight(0)
	prev, total, partial := 0.0, 0.0, 0.0
	for s := range n + m {
		var q float64
		var iu, iv int
		if pu < n && (pv >= m || cu <= cv) {
			q, iu, iv = cu, pu, min(pv, m-1)
			if pu++; pu < n {
				cu += u.weight(pu)
			}
		} else {
			q, iu, iv = cv, min(pu, n-1), pv
			if pv++; pv < m {
				cv += v.weight(pv)
			}
		}
		if width := q - prev; width != 0 {
			diff := math.Abs(goot.KeyValue(u.keys[iu]) - goot.KeyValue(v.keys[iv]))
			partial += width * pow(diff, p)
			if visit != nil {
				visit(step{iu: iu, iv: iv, width: width})
			}
		}
		prev = q
		if s%sumBlock == sumBlock-1 {
			total += partial
			partial = 0
		}
	}
	return total + partial
}

// pow is d^p with the two common exponents done exactly and cheaply.
func pow(d, p float64) float64 {
	switch p {
	case 1:
		return d
	case 2:
		return d * d
	}
	return math.Pow(d, p)
}
