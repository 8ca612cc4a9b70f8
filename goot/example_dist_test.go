package goot_test

import (
	"fmt"

	"github.com/goot-ot/goot/goot"
)

// The squared Euclidean cost between two points of the plane and three
// others, as a 2×3 row-major matrix.
func ExampleDist() {
	x := []float64{
		0, 0,
		1, 1,
	}
	y := []float64{
		0, 0,
		3, 4,
		1, 0,
	}
	M := make([]float64, 2*3)
	if err := goot.Dist(x, y, 2, goot.SqEuclidean, 0, M); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(M[0:3])
	fmt.Println(M[3:6])

	if err := goot.Dist(x, y, 2, goot.Euclidean, 0, M); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(M[0:3])
	// Output:
	// [0 25 1]
	// [2 13 1]
	// [0 5 1]
}
