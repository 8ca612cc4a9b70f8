//go:build !amd64 || purego

package bregman

// useAVX2 is false without the assembly kernels (other architectures, or
// the purego build tag, which tests the pure-Go path on amd64).
const useAVX2 = false

func dot4(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64) {
	return dot4Generic(k0, k1, k2, k3, v)
}

func axpy4(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) {
	axpy4Generic(w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func dotAxpy4(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64) {
	return dotAxpy4Generic(n0, n1, n2, n3, v, w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func dot(k, v []float64) float64 { return dotGeneric(k, v) }

func axpy(w, k []float64, u float64) { axpyGeneric(w, k, u) }
