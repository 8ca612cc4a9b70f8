package unbalanced_test

import (
	"errors"
	"math"
	"testing"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/unbalanced"
)

// fuzzProblem builds a small problem from fuzz bytes, NaN and Inf included.
func fuzzProblem(data []byte, n, m int) (a, b, M []float64) {
	val := func(i int) float64 {
		if len(data) == 0 {
			return 1
		}
		switch x := data[i%len(data)]; x {
		case 255:
			return math.Inf(1)
		case 254:
			return math.NaN()
		case 253:
			return -1
		default:
			return float64(x) / 32
		}
	}
	a, b, M = make([]float64, n), make([]float64, m), make([]float64, n*m)
	for i := range a {
		a[i] = val(i)
	}
	for j := range b {
		b[j] = val(n + j)
	}
	for e := range M {
		M[e] = val(n + m + e)
	}
	return a, b, M
}

// checkSolve runs one solve and fails on anything but a clean result or
// an *ArgError: no panic, and no NaN in a plan reported as valid.
func checkSolve(t *testing.T, data []byte, n, m int, reg, regM float64,
	method unbalanced.Method) {
	a, b, M := fuzzProblem(data, n, m)
	f, g, plan := make([]float64, n), make([]float64, m), make([]float64, n*m)
	_, err := unbalanced.Solve(a, b, M, 1, reg, regM, regM, method, f, g, plan, nil,
		unbalanced.Options{MaxIter: 50, Tol: 1e-9})
	if err != nil {
		var ae *goot.ArgError
		if !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
		return
	}
	if method == unbalanced.Stabilized {
		return // POT's scaling domain may break down (Result.Breakdown)
	}
	for e, x := range plan {
		if math.IsNaN(x) || x < 0 {
			t.Fatalf("plan[%d] = %g", e, x)
		}
	}
}

func FuzzKnopp(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(2), 0.1, 1.0)
	f.Add([]byte{0, 255, 3, 0}, uint8(2), uint8(2), 1e-3, 0.5)
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64) {
		checkSolve(t, data, int(n%6)+1, int(m%6)+1, reg, regM, unbalanced.Knopp)
	})
}

func FuzzStabilized(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(2), 0.1, 1.0)
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64) {
		checkSolve(t, data, int(n%6)+1, int(m%6)+1, reg, regM, unbalanced.Stabilized)
	})
}

func FuzzTranslationInvariant(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(2), 0.1, 1.0)
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64) {
		checkSolve(t, data, int(n%6)+1, int(m%6)+1, reg, regM,
			unbalanced.TranslationInvariant)
	})
}

func FuzzSinkhorn(f *testing.F) {
	f.Add([]byte{9, 8, 7, 6, 5, 4}, uint8(2), uint8(3), 0.05, 2.0)
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64) {
		nn, mm := int(n%6)+1, int(m%6)+1
		a, b, M := fuzzProblem(data, nn, mm)
		plan := make([]float64, nn*mm)
		_, err := unbalanced.Sinkhorn(plan, a, b, M, nn, mm, reg, regM, regM,
			unbalanced.Options{MaxIter: 50})
		var ae *goot.ArgError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
	})
}

func FuzzBarycenter(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(3), uint8(2), 0.1, 1.0)
	f.Fuzz(func(t *testing.T, data []byte, d, k uint8, reg, regM float64) {
		dim, kk := int(d%5)+1, int(k%3)+1
		A, w, _ := fuzzProblem(data, dim*kk, kk)
		_, _, M := fuzzProblem(data, dim, dim)
		q, fs, gs := make([]float64, dim), make([]float64, dim*kk), make([]float64, dim*kk)
		_, err := unbalanced.Barycenter(A, M, w, kk, reg, regM, q, fs, gs,
			unbalanced.Options{MaxIter: 30})
		var ae *goot.ArgError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
	})
}

func FuzzBarycenterStabilized(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(3), uint8(2), 0.1, 1.0)
	f.Fuzz(func(t *testing.T, data []byte, d, k uint8, reg, regM float64) {
		dim, kk := int(d%5)+1, int(k%3)+1
		A, w, _ := fuzzProblem(data, dim*kk, kk)
		_, _, M := fuzzProblem(data, dim, dim)
		q, fs, gs := make([]float64, dim), make([]float64, dim*kk), make([]float64, dim*kk)
		_, err := unbalanced.BarycenterStabilized(A, M, w, kk, reg, regM, q, fs, gs,
			unbalanced.Options{MaxIter: 30})
		var ae *goot.ArgError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
	})
}

func FuzzMM(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(2), 0.1, 1.0, true)
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64, kl bool) {
		nn, mm := int(n%6)+1, int(m%6)+1
		a, b, M := fuzzProblem(data, nn, mm)
		div := unbalanced.L2
		if kl {
			div = unbalanced.KL
		}
		G := make([]float64, nn*mm)
		_, err := unbalanced.MM(a, b, M, reg, regM, regM, div, G, nil,
			unbalanced.Options{MaxIter: 30})
		var ae *goot.ArgError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
	})
}

func FuzzPrimalLoss(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(2), 0.1, 1.0, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, n, m uint8, reg, regM float64, pl, mg uint8) {
		nn, mm := int(n%6)+1, int(m%6)+1
		a, b, M := fuzzProblem(data, nn, mm)
		G, grad := append([]float64(nil), M...), make([]float64, nn*mm)
		_, err := unbalanced.PrimalLoss(a, b, M, M, G, grad, reg, regM, regM,
			unbalanced.Penalty(pl%5), unbalanced.Penalty(mg%5))
		var ae *goot.ArgError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error that is not an ArgError: %v", err)
		}
	})
}
