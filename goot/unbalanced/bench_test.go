package unbalanced_test

import (
	"fmt"
	"testing"

	"github.com/goot-ot/goot/goot/unbalanced"
)

func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{100, 500} {
		p := randomProblem(n, n, 9)
		for name, method := range methods {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				f, g, plan := make([]float64, n), make([]float64, n), make([]float64, n*n)
				for b.Loop() {
					_, err := unbalanced.Solve(p.a, p.b, p.M, 1, 0.05, 1, 1, method, f, g, plan,
						nil, unbalanced.Options{Tol: 1e-6})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
