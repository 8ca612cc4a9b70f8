package lp

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Sorting the points is what 1-D optimal transport costs: the walk that
// follows is linear. The sort here is an LSD radix sort on an order-preserving
// integer image of the float64 values, which on 10^6 normal values is about
// five times faster than slices.Sort (BenchmarkOneDSort). Eight 8-bit digits
// were measured against six 11-bit ones: the 11-bit passes, each scattering
// to 2048 places, took twice as long in all.

// oneDKey maps v to an unsigned integer whose order is the order of the
// floats: flipping the sign bit puts positives above negatives, and flipping
// all bits of a negative reverses the order of the negatives. -0 sorts just
// below +0. NaN must have been rejected beforehand.
func oneDKey(v float64) uint64 {
	b := math.Float64bits(v)
	return b ^ (uint64(int64(b)>>63) | 1<<63)
}

// oneDValue inverts oneDKey.
func oneDValue(k uint64) float64 {
	return math.Float64frombits(k ^ (uint64(int64(^k)>>63) | 1<<63))
}

const (
	oneDDigitBits = 8
	oneDBuckets   = 1 << oneDDigitBits
	oneDDigits    = 64 / oneDDigitBits
	// oneDInsertionMax is the length up to which insertion sort beats the
	// fixed cost of the radix sort (its histograms and eight passes).
	oneDInsertionMax = 48
)

// oneDHistograms counts, in one read of keys, the keys with each value of
// each digit, and reports for each digit whether all keys share one value (a
// pass over such a digit would move nothing and is skipped).
func oneDHistograms(keys []uint64, hist *[oneDDigits][oneDBuckets]int) (trivial [oneDDigits]bool) {
	// Written out per digit: a loop over the digits here costs a third
	// of the whole sort.
	h0, h1, h2, h3 := &hist[0], &hist[1], &hist[2], &hist[3]
	h4, h5, h6, h7 := &hist[4], &hist[5], &hist[6], &hist[7]
	for _, k := range keys {
		h0[uint8(k)]++
		h1[uint8(k>>8)]++
		h2[uint8(k>>16)]++
		h3[uint8(k>>24)]++
		h4[uint8(k>>32)]++
		h5[uint8(k>>40)]++
		h6[uint8(k>>48)]++
		h7[uint8(k>>56)]++
	}
	for d := range oneDDigits {
		h := &hist[d]
		trivial[d] = h[uint8(keys[0]>>(d*oneDDigitBits))] == len(keys)
		// Turn counts into starting offsets.
		sum := 0
		for b, c := range h {
			h[b] = sum
			sum += c
		}
	}
	return trivial
}

// oneDSortKeys sorts keys ascending, using tmp (of the same length) as
// scratch, and returns whichever of the two buffers holds the result.
func oneDSortKeys(keys, tmp []uint64) []uint64 {
	if len(keys) <= oneDInsertionMax {
		oneDInsertion(keys, nil)
		return keys
	}
	var hist [oneDDigits][oneDBuckets]int
	trivial := oneDHistograms(keys, &hist)
	src, dst := keys, tmp[:len(keys)]
	for d := range oneDDigits {
		if trivial[d] {
			continue
		}
		h := &hist[d]
		shift := d * oneDDigitBits
		for _, k := range src {
			b := uint8(k >> shift)
			dst[h[b]] = k
			h[b]++
		}
		src, dst = dst, src
	}
	return src
}

// oneDSortKeysIndex sorts keys ascending and applies the same permutation to
// idx, using tmp and idxTmp as scratch; it returns the buffers that hold the
// result. The sort is stable, so tied values keep their input order.
func oneDSortKeysIndex(keys, tmp []uint64, idx, idxTmp []uint32) ([]uint64, []uint32) {
	if len(keys) <= oneDInsertionMax {
		oneDInsertion(keys, idx)
		return keys, idx
	}
	var hist [oneDDigits][oneDBuckets]int
	trivial := oneDHistograms(keys, &hist)
	src, dst := keys, tmp[:len(keys)]
	isrc, idst := idx[:len(keys)], idxTmp[:len(keys)]
	for d := range oneDDigits {
		if trivial[d] {
			continue
		}
		h := &hist[d]
		shift := d * oneDDigitBits
		for i, k := range src {
			b := uint8(k >> shift)
			o := h[b]
			dst[o] = k
			idst[o] = isrc[i]
			h[b] = o + 1
		}
		src, dst = dst, src
		isrc, idst = idst, isrc
	}
	return src, isrc
}

// oneDInsertion sorts short keys (and idx alongside, if not nil) stably.
func oneDInsertion(keys []uint64, idx []uint32) {
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
		if idx != nil {
			t := idx[i]
			copy(idx[j+1:i+1], idx[j:i])
			idx[j] = t
		}
	}
}

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

// oneDMeasure is one point set ready for a walk in increasing order.
type oneDMeasure struct {
	keys []uint64  // order keys (oneDKey) of the values, ascending
	idx  []uint32  // idx[k] is the input position of keys[k]; nil is identity
	w    []float64 // w[k] is the weight of keys[k]; nil means unit for all
	unit float64   // the uniform weight 1/n, used when w is nil
}

// weight returns the weight of the k-th point in walk order.
func (m *oneDMeasure) weight(k int) float64 {
	if m.w == nil {
		return m.unit
	}
	return m.w[k]
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
func (buf *oneDBuffers) prepare(in oneDInput, sortIt, needIdx bool) (oneDMeasure, error) {
	n := in.n
	keys := oneDGrow(&buf.keys, n)
	for i := range keys {
		v := in.vals[i*in.stride+in.off]
		if math.IsNaN(v) {
			return oneDMeasure{}, goot.Errorf(in.valArg, "value %d is NaN", i)
		}
		keys[i] = oneDKey(v)
	}

	// Equal weights carry no information beyond their value, so the
	// measure is treated as uniform: the sort then need not move a
	// permutation, which makes it about a third faster.
	w := in.w
	ms := oneDMeasure{keys: keys, unit: 1 / float64(n)}
	if w != nil && oneDEqualWeights(in) {
		w, ms.unit = nil, in.w[in.woff]
	}
	switch {
	case sortIt && (needIdx || w != nil):
		idx := oneDGrow(&buf.idx, n)
		for i := range idx {
			idx[i] = uint32(i)
		}
		ms.keys, ms.idx = oneDSortKeysIndex(keys, oneDGrow(&buf.tmp, n),
			idx, oneDGrow(&buf.idxTmp, n))
	case sortIt:
		ms.keys = oneDSortKeys(keys, oneDGrow(&buf.tmp, n))
	}

	switch {
	case w == nil:
	case ms.idx == nil && in.wstride == 1 && in.woff == 0:
		ms.w = in.w[:n]
	default:
		sw := oneDGrow(&buf.w, n)
		for k := range sw {
			i := k
			if ms.idx != nil {
				i = int(ms.idx[k])
			}
			sw[k] = in.w[i*in.wstride+in.woff]
		}
		ms.w = sw
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
