package lp

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// oneDInput describes one weighted point set of a 1-D problem inside the
// caller's buffers: value i is vals[i*stride+off] and its weight is
// w[i*wstride+woff], or 1/n for all i when w is nil.
type oneDInput struct {
	vals        []float64
	n           int
	stride, off int
	w           []float64
	wstride     int
	woff        int
	valArg      string // the argument name of vals in errors
}

// oneDBuffers is the scratch of one point set, kept across the columns of a
// batch so that a goroutine allocates once.
type oneDBuffers struct {
	keys, tmp   []uint64
	idx, idxTmp []uint32
	w           []float64
}

// prepare builds the order keys of in (rejecting NaN), sorts them unless the
// caller promised sorted values, and lays the weights out in walk order. The
// permutation is kept when needIdx is set, and whenever non-uniform weights
// must follow the values.
func (buf *oneDBuffers) prepare(in oneDInput, sortIt, needIdx bool) (goot.SortedMeasure, error) {
	n := in.n
	keys := oneDGrow(&buf.keys, n)
	for i := range keys {
		v := in.vals[i*in.stride+in.off]
		if math.IsNaN(v) {
			return goot.SortedMeasure{}, goot.Errorf(in.valArg, "value %d is NaN", i)
		}
		keys[i] = goot.SortKey(v)
	}

	// Equal weights carry no information beyond their value, so the
	// measure is treated as uniform: the sort then need not move a
	// permutation, which makes it about a third faster.
	w := in.w
	ms := goot.SortedMeasure{Keys: keys, Unit: 1 / float64(n)}
	if w != nil && oneDEqualWeights(in) {
		w, ms.Unit = nil, in.w[in.woff]
	}
	switch {
	case sortIt && (needIdx || w != nil):
		idx := oneDGrow(&buf.idx, n)
		for i := range idx {
			idx[i] = uint32(i)
		}
		ms.Keys, ms.Idx = goot.SortKeysIndex(keys, oneDGrow(&buf.tmp, n),
			idx, oneDGrow(&buf.idxTmp, n))
	case sortIt:
		ms.Keys = goot.SortKeys(keys, oneDGrow(&buf.tmp, n))
	}

	switch {
	case w == nil:
	case ms.Idx == nil && in.wstride == 1 && in.woff == 0:
		ms.W = in.w[:n]
	default:
		sw := oneDGrow(&buf.w, n)
		for k := range sw {
			i := k
			if ms.Idx != nil {
				i = int(ms.Idx[k])
			}
			sw[k] = in.w[i*in.wstride+in.woff]
		}
		ms.W = sw
	}
	return ms, nil
}

// oneDEqualWeights reports whether all weights of in are the same number.
func oneDEqualWeights(in oneDInput) bool {
	w0 := in.w[in.woff]
	for i := 1; i < in.n; i++ {
		if in.w[i*in.wstride+in.woff] != w0 {
			return false
		}
	}
	return true
}

// oneDGrow returns (*s)[:n], reallocating *s first if it is too short.
func oneDGrow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	return (*s)[:n]
}

// oneDMaxPoints bounds the number of points of one measure: the walk keeps
// the permutation in uint32 to halve the memory traffic of the sort.
const oneDMaxPoints = math.MaxUint32

// oneDCheckLen rejects an empty or oversized point set.
func oneDCheckLen(arg string, n int) error {
	switch {
	case n == 0:
		return goot.Errorf(arg, "is empty")
	case uint64(n) > oneDMaxPoints:
		return goot.Errorf(arg, "has %d points, more than %d", n, uint64(oneDMaxPoints))
	}
	return nil
}
