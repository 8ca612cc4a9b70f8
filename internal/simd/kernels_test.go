package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/goot-ot/goot/internal/testutil"
)

// kernelLengths cover every path of the kernels: empty, the scalar tail
// alone, one 4-lane step, the 8-wide loop with every tail length, and
// lengths around powers of two.
var kernelLengths = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 31, 32, 33,
	63, 64, 65, 127, 255, 256, 257, 511, 1023, 1024, 1025}

// kernelRTol bounds the relative difference of two sums of m ≤ 1025
// nonnegative products added in different orders: each order is within
// m·2⁻⁵³ ≈ 1.1e-13 of the exact sum (Higham, Accuracy and Stability of
// Numerical Algorithms, 2002, §3.1), with fused and separate roundings.
const kernelRTol = 1e-12

// randRow returns m values in [0, 1) (kernel entries and scalings are
// nonnegative), with a row of longer capacity so that reslicing is tested.
func randRow(rng *rand.Rand, m int) []float64 {
	x := make([]float64, m, m+3)
	for i := range x {
		x[i] = rng.Float64()
	}
	return x
}

// naiveDot4 and naiveAxpy4 are the kernels' definitions, one row at a time.
func naiveDot4(k [4][]float64, v []float64) []float64 {
	out := make([]float64, 4)
	for r := range k {
		for j, x := range v {
			out[r] += k[r][j] * x
		}
	}
	return out
}

func naiveAxpy(w []float64, k [4][]float64, u [4]float64) {
	for j := range w {
		for r := range k {
			w[j] += u[r] * k[r][j]
		}
	}
}

// TestKernelsMatchDefinition checks the dispatched kernels (assembly when
// the CPU has AVX2 and FMA, else the pure-Go loops) and the pure-Go loops
// against the naive definitions.
func TestKernelsMatchDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	type kernels struct {
		name  string
		dot4  func(k0, k1, k2, k3, v []float64) (float64, float64, float64, float64)
		axpy4 func(w, k0, k1, k2, k3 []float64, u0, u1, u2, u3 float64)
		dot   func(k, v []float64) float64
		axpy  func(w, k []float64, u float64)
		fused func(n0, n1, n2, n3, v, w, k0, k1, k2, k3 []float64,
			u0, u1, u2, u3 float64) (float64, float64, float64, float64)
	}
	for _, kern := range []kernels{
		{"dispatched", Dot4, Axpy4, Dot, Axpy, DotAxpy4},
		{"generic", dot4Generic, axpy4Generic, dotGeneric, axpyGeneric, dotAxpy4Generic},
	} {
		for _, m := range kernelLengths {
			var k [4][]float64
			for r := range k {
				k[r] = randRow(rng, m+r) // rows may be longer than v and w
			}
			v := randRow(rng, m)
			u := [4]float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()}

			s0, s1, s2, s3 := kern.dot4(k[0], k[1], k[2], k[3], v)
			testutil.AllClose(t, []float64{s0, s1, s2, s3}, naiveDot4(k, v), kernelRTol, 0,
				kern.name, "dot4", m)
			got := []float64{kern.dot(k[0], v), kern.dot(k[3], v)}
			want := naiveDot4(k, v)
			testutil.AllClose(t, got, []float64{want[0], want[3]}, kernelRTol, 0,
				kern.name, "dot", m)

			w, want4 := randRow(rng, m), make([]float64, m)
			copy(want4, w)
			naiveAxpy(want4, k, u)
			kern.axpy4(w, k[0], k[1], k[2], k[3], u[0], u[1], u[2], u[3])
			testutil.AllClose(t, w, want4, kernelRTol, 0, kern.name, "axpy4", m)

			w1, want1 := randRow(rng, m), make([]float64, m)
			copy(want1, w1)
			naiveAxpy(want1, [4][]float64{k[2], k[2], k[2], k[2]}, [4]float64{u[1], 0, 0, 0})
			kern.axpy(w1, k[2], u[1])
			testutil.AllClose(t, w1, want1, kernelRTol, 0, kern.name, "axpy", m)

			// The fused kernel: dots of the next rows (here k reversed), axpy
			// of the current ones.
			w2, want2 := randRow(rng, m), make([]float64, m)
			copy(want2, w2)
			naiveAxpy(want2, k, u)
			f0, f1, f2, f3 := kern.fused(k[3], k[2], k[1], k[0], v, w2, k[0], k[1], k[2], k[3],
				u[0], u[1], u[2], u[3])
			wantDots := naiveDot4(k, v)
			testutil.AllClose(t, []float64{f3, f2, f1, f0}, wantDots, kernelRTol, 0,
				kern.name, "dotAxpy4 dots", m)
			testutil.AllClose(t, w2, want2, kernelRTol, 0, kern.name, "dotAxpy4 w", m)
		}
	}
}

// TestKernelsShortRowPanics checks that a row shorter than v or w panics in
// Go before any assembly could read past it.
func TestKernelsShortRowPanics(t *testing.T) {
	short, long := make([]float64, 5), make([]float64, 9)
	assert.Panics(t, func() { Dot4(long, long, short, long, long) })
	assert.Panics(t, func() { Axpy4(long, long, long, long, short, 1, 1, 1, 1) })
	assert.Panics(t, func() { Dot(short, long) })
	assert.Panics(t, func() { Axpy(long, short, 1) })
	assert.Panics(t, func() {
		DotAxpy4(long, long, long, long, long, long, long, long, short, long, 1, 1, 1, 1)
	})
	assert.Panics(t, func() {
		DotAxpy4(long, long, long, long, long, short, long, long, long, long, 1, 1, 1, 1)
	})
}

func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, m := range []int{1000, 4000} {
		k0, k1, k2, k3 := randRow(rng, m), randRow(rng, m), randRow(rng, m), randRow(rng, m)
		v, w := randRow(rng, m), randRow(rng, m)
		b.Run(fmt.Sprintf("dot4/m=%d", m), func(b *testing.B) {
			for b.Loop() {
				Dot4(k0, k1, k2, k3, v)
			}
		})
		b.Run(fmt.Sprintf("axpy4/m=%d", m), func(b *testing.B) {
			for b.Loop() {
				Axpy4(w, k0, k1, k2, k3, 1e-3, 1e-3, 1e-3, 1e-3)
			}
		})
	}
}
