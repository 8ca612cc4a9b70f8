package bregman

import "github.com/goot-ot/goot/internal/simd"

// The dense sweeps below run through internal/simd's kernels (AVX2/FMA
// assembly where the CPU has it); these names keep the call sites short.

func dot4(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64) {
	return simd.Dot4(k0, k1, k2, k3, v)
}

func axpy4(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) {
	simd.Axpy4(w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func dotAxpy4(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64) {
	return simd.DotAxpy4(n0, n1, n2, n3, v, w, k0, k1, k2, k3, u0, u1, u2, u3)
}

func dot(k, v []float64) float64 { return simd.Dot(k, v) }

func axpy(w, k []float64, u float64) { simd.Axpy(w, k, u) }
