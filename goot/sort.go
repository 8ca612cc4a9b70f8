package goot

import "math"

// Sorting the points is what 1-D optimal transport costs (exact 1-D OT in
// package lp, every direction of sliced OT in package sliced): the walk that
// follows is linear. The sort here is an LSD radix sort on an order-preserving
// integer image of the float64 values, which on 10^6 normal values is about
// five times faster than slices.Sort (BenchmarkSortKeys). Eight 8-bit digits
// were measured against six 11-bit ones: the 11-bit passes, each scattering
// to 2048 places, took twice as long in all.

// SortKey maps v to an unsigned integer whose order is the order of the
// floats: flipping the sign bit puts positives above negatives, and flipping
// all bits of a negative reverses the order of the negatives. -0 sorts just
// below +0. NaN must have been rejected beforehand.
func SortKey(v float64) uint64 {
	b := math.Float64bits(v)
	return b ^ (uint64(int64(b)>>63) | 1<<63)
}

// KeyValue inverts SortKey.
func KeyValue(k uint64) float64 {
	return math.Float64frombits(k ^ (uint64(int64(^k)>>63) | 1<<63))
}

const (
	radixDigitBits = 8
	radixBuckets   = 1 << radixDigitBits
	radixDigits    = 64 / radixDigitBits
	// insertionMax is the length up to which insertion sort beats the
	// fixed cost of the radix sort (its histograms and eight passes).
	insertionMax = 48
)

// radixHistograms counts, in one read of keys, the keys with each value of
// each digit, and reports for each digit whether all keys share one value (a
// pass over such a digit would move nothing and is skipped).
func radixHistograms(keys []uint64, hist *[radixDigits][radixBuckets]int) (trivial [radixDigits]bool) {
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
	for d := range radixDigits {
		h := &hist[d]
		trivial[d] = h[uint8(keys[0]>>(d*radixDigitBits))] == len(keys)
		// Turn counts into starting offsets.
		sum := 0
		for b, c := range h {
			h[b] = sum
			sum += c
		}
	}
	return trivial
}

// SortKeys sorts keys ascending in O(len(keys)) time, using tmp (at least as
// long as keys) as scratch, and returns whichever of the two buffers holds the
// result; the other one holds garbage. Sorting the SortKey images of float64
// values sorts the values.
func SortKeys(keys, tmp []uint64) []uint64 {
	if len(keys) <= insertionMax {
		insertionSort(keys, nil)
		return keys
	}
	var hist [radixDigits][radixBuckets]int
	trivial := radixHistograms(keys, &hist)
	src, dst := keys, tmp[:len(keys)]
	for d := range radixDigits {
		if trivial[d] {
			continue
		}
		h := &hist[d]
		shift := d * radixDigitBits
		for _, k := range src {
			b := uint8(k >> shift)
			dst[h[b]] = k
			h[b]++
		}
		src, dst = dst, src
	}
	return src
}

// SortKeysIndex sorts keys ascending and applies the same permutation to
// idx (of the same length), using tmp and idxTmp (at least as long) as
// scratch; it returns the buffers that hold the result. The sort is stable,
// so tied values keep their input order: with idx[i] = i on entry, idx[k] is
// the input position of the k-th smallest key on return.
func SortKeysIndex(keys, tmp []uint64, idx, idxTmp []uint32) ([]uint64, []uint32) {
	if len(keys) <= insertionMax {
		insertionSort(keys, idx)
		return keys, idx
	}
	var hist [radixDigits][radixBuckets]int
	trivial := radixHistograms(keys, &hist)
	src, dst := keys, tmp[:len(keys)]
	isrc, idst := idx[:len(keys)], idxTmp[:len(keys)]
	for d := range radixDigits {
		if trivial[d] {
			continue
		}
		h := &hist[d]
		shift := d * radixDigitBits
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

// insertionSort sorts short keys (and idx alongside, if not nil) stably.
func insertionSort(keys []uint64, idx []uint32) {
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
