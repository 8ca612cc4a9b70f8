//go:build amd64 && !purego

package simd

// useAVX2 is set once at start-up and only read after: the CPU and the OS
// support AVX2 and FMA (CPUID leaves 1 and 7, and XGETBV for the saved
// YMM state).
var useAVX2 = detectAVX2FMA()

func detectAVX2FMA() bool {
	const (
		fma     = 1 << 12 // CPUID.1:ECX
		osxsave = 1 << 27
		avx     = 1 << 28
		avx2    = 1 << 5 // CPUID.(7,0):EBX
	)
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&avx2 != 0
}

//go:noescape
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

//go:noescape
func xgetbv() (eax, edx uint32)

//go:noescape
func dot4AVX2(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64)

//go:noescape
func axpy4AVX2(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64)

//go:noescape
func dotAxpy4AVX2(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64)

//go:noescape
func dotAVX2(k, v []float64) float64

//go:noescape
func axpyAVX2(w, k []float64, u float64)

func Dot4(k0, k1, k2, k3, v []float64) (s0, s1, s2, s3 float64) {
	if !useAVX2 {
		return dot4Generic(k0, k1, k2, k3, v)
	}
	m := len(v)
	return dot4AVX2(k0[:m], k1[:m], k2[:m], k3[:m], v)
}

func Axpy4(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64) {
	if !useAVX2 {
		axpy4Generic(w, k0, k1, k2, k3, u0, u1, u2, u3)
		return
	}
	m := len(w)
	axpy4AVX2(w, k0[:m], k1[:m], k2[:m], k3[:m], u0, u1, u2, u3)
}

func DotAxpy4(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
	u0, u1, u2, u3 float64) (s0, s1, s2, s3 float64) {
	if !useAVX2 {
		return dotAxpy4Generic(n0, n1, n2, n3, v, w, k0, k1, k2, k3, u0, u1, u2, u3)
	}
	m := len(v)
	w = w[:m]
	return dotAxpy4AVX2(n0[:m], n1[:m], n2[:m], n3[:m], v, w, k0[:m], k1[:m], k2[:m], k3[:m],
		u0, u1, u2, u3)
}

func Dot(k, v []float64) float64 {
	if !useAVX2 {
		return dotGeneric(k, v)
	}
	return dotAVX2(k[:len(v)], v)
}

func Axpy(w, k []float64, u float64) {
	if !useAVX2 {
		axpyGeneric(w, k, u)
		return
	}
	axpyAVX2(w, k[:len(w)], u)
}
