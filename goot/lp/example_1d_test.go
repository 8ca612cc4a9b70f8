package lp_test

import (
	"fmt"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
)

// Two points of mass 1/2 each against two others: the monotone coupling
// sends 0 to 0 and 2 to 3, at squared cost (0 + 1)/2.
func ExampleEMD1D() {
	x, a := []float64{2, 0}, []float64{0.5, 0.5}
	y, b := []float64{0, 3}, []float64{0.5, 0.5}
	rows, cols := make([]int64, 3), make([]int64, 3)
	mass := make([]float64, 3)
	cost, nnz, err := lp.EMD1D(x, a, y, b, goot.SqEuclidean, 0, rows, cols, mass)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("cost", cost)
	for t := range nnz {
		if mass[t] > 0 {
			fmt.Printf("x[%d]=%g -> y[%d]=%g: %g\n", rows[t], x[rows[t]], cols[t], y[cols[t]], mass[t])
		}
	}
	// Output:
	// cost 0.5
	// x[1]=0 -> y[0]=0: 0.5
	// x[0]=2 -> y[1]=3: 0.5
}

// W_1 and W_2² between uniform measures on {0, 1, 2} and {1, 2, 3}: every
// point moves by one.
func ExampleWasserstein1D() {
	u := []float64{0, 1, 2}
	v := []float64{3, 2, 1}
	for _, p := range []float64{1, 2} {
		w, err := lp.Wasserstein1D(u, nil, v, nil, p, false)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("p=%g: %.6f\n", p, w)
	}
	// Output:
	// p=1: 1.000000
	// p=2: 1.000000
}
