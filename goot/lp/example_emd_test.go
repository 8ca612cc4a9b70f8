package lp_test

import (
	"fmt"

	"github.com/goot-ot/goot/goot/lp"
)

// Two sources of mass 1/2 each ship to two targets; crossing costs 1 and
// staying costs 0 except at (1, 1), so the cheapest plan moves a quarter
// across.
func ExampleEMD() {
	a := []float64{0.5, 0.5}
	b := []float64{0.25, 0.75}
	M := []float64{
		0, 1,
		1, 0.5,
	}
	plan := make([]float64, 4)
	res, err := lp.EMD(a, b, M, plan, nil, nil, lp.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Cost)
	fmt.Println(plan)
	// Output:
	// optimal 0.5
	// [0.25 0.25 0 0.5]
}
