package bregman

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expULP bounds |exp - math.Exp| in ulps: exp's own error (truncation < 5e-18
// plus the roundings of Estrin's scheme, about 1.5 ulp) plus math.Exp's own
// (< 1 ulp); the worst case seen over 4e5 draws is 2.3.
const expULP = 3

func TestExpMatchesMathExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(x float64) {
		got, want := exp(x), math.Exp(x)
		if math.IsInf(want, 0) || math.IsNaN(want) || want == 0 {
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("exp(%g) = %g, want %g", x, got, want)
			}
			return
		}
		if d := math.Abs(got-want) / want; d > expULP*0x1p-52 {
			t.Fatalf("exp(%g) = %.17g, want %.17g (rel %.3g)", x, got, want, d)
		}
	}
	for range 200000 {
		check(rng.Float64()*1420 - 710)
		check(rng.Float64()*2 - 1)
	}
	for _, x := range []float64{0, -0.0, 1, -1, expMin, expMax, -745, -746, 710,
		math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e-300} {
		check(x)
	}
}

func BenchmarkExp(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -float64(i) / 50
	}
	b.Run("fast", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += exp(x)
			}
		}
		_ = s
	})
	b.Run("math", func(b *testing.B) {
		s := 0.0
		for b.Loop() {
			for _, x := range xs {
				s += math.Exp(x)
			}
		}
		_ = s
	})
}
