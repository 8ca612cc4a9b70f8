// Package simd holds the dense kernel sweeps of goot's Sinkhorn-type
// solvers (K v row by row, and Kᵀu accumulated over rows): Dot4, Axpy4,
// DotAxpy4, Dot and Axpy. On amd64 with AVX2 and FMA they are assembly
// (kernels_amd64.s); elsewhere, and with the purego build tag, they are the
// pure-Go loops of this file. Both forms add the same products; only the
// order of the additions differs (the assembly keeps four-lane partial
// sums), so results agree to rounding.
//
// Every row argument must hold at least len(v) (or len(w)) values: the
// dispatchers reslice it, which panics on a shorter row before the
// assembly runs.
package simd

// dot4Generic returns the dot products of four rows with v.
func dot4Generic(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64) {
	m := len(v)
	k0, k1, k2, k3 = k0[:m], k1[:m], k2[:m], k3[:m]
	for j, x := range v {
		s0 += k0[j] * x
		s1 += k1[j] * x
		s2 += k2[j] * x
		s3 += k3[j] * x
	}
	return s0, s1, s2, s3
}

// axpy4Generic adds u0·k0 + u1·k1 + u2·k2 + u3·k3 to w.
func axpy4Generic(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) {
	m := len(w)
	k0, k1, k2, k3 = k0[:m], k1[:m], k2[:m], k3[:m]
	for j, x := range k0 {
		w[j] += u0*x + u1*k1[j] + u2*k2[j] + u3*k3[j]
	}
}

// dotAxpy4Generic returns the dot products of the next four rows n0…n3
// with v and adds u0·k0 + … + u3·k3 (the current four rows) to w; w must
// have the length of v. The assembly form does both in one loop.
func dotAxpy4Generic(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64) {
	w = w[:len(v)]
	s0, s1, s2, s3 = dot4Generic(n0, n1, n2, n3, v)
	axpy4Generic(w, k0, k1, k2, k3, u0, u1, u2, u3)
	return s0, s1, s2, s3
}

// dotGeneric returns the dot product of the row k with v.
func dotGeneric(k, v []float64) float64 {
	k = k[:len(v)]
	s := 0.0
	for j, x := range v {
		s += k[j] * x
	}
	return s
}

// axpyGeneric adds u·k to w.
func axpyGeneric(w, k []float64, u float64) {
	k = k[:len(w)]
	for j, x := range k {
		w[j] += u * x
	}
}
