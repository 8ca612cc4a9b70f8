package gaussian_test

import (
	"fmt"
	"math"

	"github.com/goot-ot/goot/goot/gaussian"
)

// W₂ between N(0, I) and N((1, 2), diag(4, 9)): ‖m‖² + (2−1)² + (3−1)² = 10.
func ExampleDistances() {
	ms, mt := []float64{0, 0}, []float64{1, 2}
	Cs, Ct := []float64{1, 0, 0, 1}, []float64{4, 0, 0, 9}
	out := make([]float64, 1)
	if err := gaussian.Distances(ms, 1, mt, 1, Cs, Ct, 2, false, out); err != nil {
		panic(err)
	}
	fmt.Printf("W2² = %.12f\n", out[0])
	// Output: W2² = 10.000000000000
}

func ExampleBarycenter() {
	C := []float64{1, 0, 0, 4, 9, 0, 0, 16} // diag(1, 4) and diag(9, 16)
	Cb := make([]float64, 4)
	res, err := gaussian.Barycenter(C, 2, 2, []float64{0.5, 0.5},
		gaussian.BarycenterOptions{Tol: 1e-12}, Cb)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %v\n", Cb, res.Status)
	// Output: [4.000000 0.000000 0.000000 9.000000] optimal
}

func ExampleMapping() {
	A, b := make([]float64, 4), make([]float64, 2)
	err := gaussian.Mapping([]float64{0, 0}, []float64{1, 1}, []float64{1, 0, 0, 1},
		[]float64{4, 0, 0, 9}, 2, A, b, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(A, b)
	// Output: [2 0 0 3] [1 1]
}

func ExampleLog() {
	// At the identity, Log_I(S) = 2 S^{1/2} − 2I and Exp inverts it.
	V, S := make([]float64, 4), make([]float64, 4)
	I := []float64{1, 0, 0, 1}
	if err := gaussian.Log(I, []float64{4, 0, 0, 9}, 2, V); err != nil {
		panic(err)
	}
	if err := gaussian.Exp(I, V, 2, S); err != nil {
		panic(err)
	}
	fmt.Println(V, S)
	// Output: [2 0 0 4] [4 0 0 9]
}

func ExampleGeodesic() {
	out := make([]float64, 4)
	err := gaussian.Geodesic([]float64{1, 0, 0, 4}, []float64{9, 0, 0, 16}, 2,
		[]float64{0.5}, out)
	if err != nil {
		panic(err)
	}
	fmt.Println(out)
	// Output: [4 0 0 9]
}

func ExampleGeneralizedDistances() {
	// M = diag(1, 4) rescales the second axis: B(diag(1, 1), diag(4, 4)).
	out := make([]float64, 1)
	err := gaussian.GeneralizedDistances([]float64{1, 0, 0, 4}, 1, []float64{4, 0, 0, 16}, 1,
		2, []float64{1, 0, 0, 4}, 1, false, out)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.12f\n", math.Sqrt(out[0]))
	// Output: 1.414213562373
}

func ExampleSamplesW2() {
	X := []float64{0, 0, 1, 0, 0, 1, 1, 1}
	Y := []float64{3, 4, 4, 4, 3, 5, 4, 5} // X shifted by (3, 4)
	w2, err := gaussian.SamplesW2(X, 4, Y, 4, 2, true, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.10f\n", w2)
	// Output: 25.0000000000
}
