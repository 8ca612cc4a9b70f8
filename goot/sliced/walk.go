package sliced

import (
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
// size, would cut that traffic (benchmarks/RESULTS.md, d = 50) (issue 5).
//
// The permutation is kept when the buffers have room for it (needed for
// non-uniform weights and for gradients); weights then follow the points
// into walk order.
func (b *sideBuffers) project(c *cloud, d int, theta []float64) goot.SortedMeasure {
	keys := b.keys[:c.n]
	for i := range keys {
		keys[i] = goot.SortKey(dot(c.point(i, d), theta))
	}
	s := goot.SortedMeasure{Unit: c.unit}
	if b.idx == nil {
		s.Keys = goot.SortKeys(keys, b.tmp)
		return s
	}
	idx := b.idx[:c.n]
	for i := range idx {
		idx[i] = uint32(i)
	}
	s.Keys, s.Idx = goot.SortKeysIndex(keys, b.tmp, idx, b.idxTmp)
	if c.w != nil {
		w := b.w[:c.n]
		for k, i := range s.Idx {
			w[k] = c.w[i]
		}
		s.W = w
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
