package unbalanced_test

import (
	"fmt"
	"math"

	"github.com/goot-ot/goot/goot/unbalanced"
)

// One unbalanced problem per call, as a minibatch sampler makes them: the
// plan of two points against two, with reg = 1 and reg_m = 1 on both sides.
func ExampleSinkhorn() {
	a := []float64{0.5, 0.5}
	b := []float64{0.5, 0.5}
	M := []float64{0, 1, 1, 0}
	plan := make([]float64, 4)
	res, err := unbalanced.Sinkhorn(plan, a, b, M, 2, 2, 1, 1, 1,
		unbalanced.Options{Tol: 1e-9})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f %v\n", plan, res.Status)
	// Output: [0.3221 0.1185 0.1185 0.3221] optimal
}

// An infinite weight on one side keeps that marginal exact (semi-relaxed
// problem): the rows of the plan sum to a.
func ExampleSolve() {
	a := []float64{0.2, 0.8}
	b := []float64{0.5, 0.5}
	M := []float64{0, 1, 1, 0}
	f, g, plan := make([]float64, 2), make([]float64, 2), make([]float64, 4)
	_, err := unbalanced.Solve(a, b, M, 1, 0.1, math.Inf(1), 1, unbalanced.Knopp,
		f, g, plan, nil, unbalanced.Options{Tol: 1e-12})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %.6f\n", plan[0]+plan[1], plan[2]+plan[3])
	// Output: 0.200000 0.800000
}
