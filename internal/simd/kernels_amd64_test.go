//go:build amd64 && !purego

package simd

import (
	"math/rand/v2"
	"testing"

	"github.com/goot-ot/goot/internal/testutil"
)

// TestAVX2MatchesGeneric checks the assembly kernels against the pure-Go
// loops on every length of kernelLengths, with mixed-sign data too. The
// mixed-sign sums may cancel, so their tolerance is absolute, scaled by
// the sum of |products| (the same bound as kernelRTol).
func TestAVX2MatchesGeneric(t *testing.T) {
	if !useAVX2 {
		t.Skip("the CPU lacks AVX2 or FMA: only the pure-Go kernels run here")
	}
	rng := rand.New(rand.NewPCG(7, 9))
	for _, signed := range []bool{false, true} {
		for _, m := range kernelLengths {
			row := func() []float64 {
				x := randRow(rng, m)
				if signed {
					for i := range x {
						x[i] = 2*x[i] - 1
					}
				}
				return x
			}
			k0, k1, k2, k3, v := row(), row(), row(), row(), row()
			u := [4]float64{0.3, -1.7, 2.5, 0.01}
			atol := kernelRTol * float64(m+1) // Σ|k v| ≤ m for entries in [-1, 1]

			g0, g1, g2, g3 := dot4AVX2(k0, k1, k2, k3, v)
			w0, w1, w2, w3 := dot4Generic(k0, k1, k2, k3, v)
			testutil.AllClose(t, []float64{g0, g1, g2, g3}, []float64{w0, w1, w2, w3},
				kernelRTol, atol, "dot4", m, signed)
			testutil.AllClose(t, []float64{dotAVX2(k1, v)}, []float64{dotGeneric(k1, v)},
				kernelRTol, atol, "dot", m, signed)

			wa, wg := row(), make([]float64, m)
			copy(wg, wa)
			axpy4AVX2(wa, k0, k1, k2, k3, u[0], u[1], u[2], u[3])
			axpy4Generic(wg, k0, k1, k2, k3, u[0], u[1], u[2], u[3])
			testutil.AllClose(t, wa, wg, kernelRTol, 5*atol, "axpy4", m, signed)

			copy(wg, wa)
			g0, g1, g2, g3 = dotAxpy4AVX2(k3, k2, k1, k0, v, wa, k0, k1, k2, k3,
				u[0], u[1], u[2], u[3])
			w0, w1, w2, w3 = dotAxpy4Generic(k3, k2, k1, k0, v, wg, k0, k1, k2, k3,
				u[0], u[1], u[2], u[3])
			testutil.AllClose(t, []float64{g0, g1, g2, g3}, []float64{w0, w1, w2, w3},
				kernelRTol, atol, "dotAxpy4 dots", m, signed)
			testutil.AllClose(t, wa, wg, kernelRTol, 5*atol, "dotAxpy4 w", m, signed)

			copy(wg, wa)
			axpyAVX2(wa, k2, u[1])
			axpyGeneric(wg, k2, u[1])
			testutil.AllClose(t, wa, wg, kernelRTol, 5*atol, "axpy", m, signed)
		}
	}
}
