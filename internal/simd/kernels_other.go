//go:build !amd64 || purego

package simd

// useAVX2 is false without the assembly kernels (other architectures, or
// the purego build tag, which tests the pure-Go path on amd64).
const useAVX2 = false

func Dot4(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64) {
	return dot4Generic(k0, k1, k2, k3, v)
}

func Axpy4(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) {
	axpy4Generic(w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func DotAxpy4(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64) {
	return dotAxpy4Generic(n0, n1, n2, n3, v, w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func Dot(k, v []float64) float64 { return dotGeneric(k, v) }

func Axpy(w, k []float64, u float64) { axpyGeneric(w, k, u) }
