package gaussian

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkDistances(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, size := range []struct{ n, d int }{{100, 16}, {300, 16}, {100, 64}} {
		var C []float64
		for range size.n {
			C = append(C, randomSPD(rng, size.d, 0.1)...)
		}
		out := make([]float64, size.n*size.n)
		b.Run(fmt.Sprintf("n=%d/d=%d", size.n, size.d), func(b *testing.B) {
			for b.Loop() {
				if err := Distances(nil, size.n, nil, size.n, C, C, size.d, false, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBarycenter(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, size := range []struct{ k, d int }{{100, 16}, {100, 64}} {
		var C []float64
		for range size.k {
			C = append(C, randomSPD(rng, size.d, 0.1)...)
		}
		w := make([]float64, size.k)
		for i := range w {
			w[i] = 1 / float64(size.k)
		}
		Cb := make([]float64, size.d*size.d)
		b.Run(fmt.Sprintf("k=%d/d=%d", size.k, size.d), func(b *testing.B) {
			for b.Loop() {
				if _, err := Barycenter(C, size.k, size.d, w, BarycenterOptions{}, Cb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
