package bregman_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/bregman"
	"github.com/goot-ot/goot/internal/testutil"
)

// barAgreeTol: the kernel, log and stabilized iterations are the same
// fixed-point map in exact arithmetic (they differ in their start and in
// rounding); run to a spread below 1e-12 they agree to a few 1e-10.
const barAgreeTol = 1e-9

type barProblem struct {
	A, M, w []float64
	n, k    int
}

// gridProblem returns k random histograms on n bins of [0, 1] with the
// squared distance as cost, and random weights.
func gridProblem(n, k int, seed uint64) barProblem {
	rng := rand.New(rand.NewPCG(seed, 11))
	p := barProblem{A: make([]float64, n*k), M: make([]float64, n*n), w: make([]float64, k),
		n: n, k: k}
	col := make([]float64, n)
	for c := range k {
		normalised(col, rng)
		for i, x := range col {
			p.A[i*k+c] = x
		}
	}
	normalised(p.w, rng)
	for i := range n {
		for j := range n {
			d := float64(i-j) / float64(max(n-1, 1))
			p.M[i*n+j] = d * d
		}
	}
	return p
}

type barSolver func(p barProblem, reg float64, bar []float64, opt bregman.Options) (
	bregman.Result, error)

var barSolvers = map[string]barSolver{
	"knopp": func(p barProblem, reg float64, bar []float64, opt bregman.Options) (
		bregman.Result, error) {
		return bregman.Barycenter(p.A, p.k, p.M, reg, p.w, bar, opt)
	},
	"log": func(p barProblem, reg float64, bar []float64, opt bregman.Options) (
		bregman.Result, error) {
		return bregman.BarycenterLog(p.A, p.k, p.M, reg, p.w, bar, opt)
	},
	"stabilized": func(p barProblem, reg float64, bar []float64, opt bregman.Options) (
		bregman.Result, error) {
		return bregman.BarycenterStabilized(p.A, p.k, p.M, reg, p.w, bar, nil, nil, opt)
	},
}

func TestBarycenterMethodsAgree(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		reg  float64
	}{{5, 2, 0.5}, {40, 3, 0.05}, {80, 4, 0.05}} {
		p := gridProblem(tc.n, tc.k, uint64(tc.n))
		want := make([]float64, tc.n)
		opt := bregman.Options{MaxIter: 20000, Tol: 1e-12}
		res, err := bregman.Barycenter(p.A, p.k, p.M, tc.reg, p.w, want, opt)
		require.NoError(t, err)
		require.Equal(t, goot.Optimal, res.Status)
		assert.InDelta(t, 1, sum(want), 1e-9)
		for name, solve := range barSolvers {
			t.Run(fmt.Sprintf("%s/n=%d", name, tc.n), func(t *testing.T) {
				got := make([]float64, tc.n)
				o := opt
				if name == "stabilized" {
					o.Tol = 1e-13 // its error is a marginal, not the spread
				}
				_, err := solve(p, tc.reg, got, o)
				require.NoError(t, err)
				testutil.AllClose(t, got, want, 0, barAgreeTol)
			})
		}
	}
}

// POT's test_barycenter_debiased: the debiased barycenter sums to 1 within
// 1e-3 (it is not a projection on the simplex).
func TestBarycenterDebiasedSumsToOne(t *testing.T) {
	const debiasedMassTol = 1e-3
	p := gridProblem(50, 2, 3)
	for name, solve := range map[string]func(bar []float64) (bregman.Result, error){
		"kernel": func(bar []float64) (bregman.Result, error) {
			return bregman.BarycenterDebiased(p.A, p.k, p.M, 0.05, p.w, bar, bregman.Options{})
		},
		"log": func(bar []float64) (bregman.Result, error) {
			return bregman.BarycenterDebiasedLog(p.A, p.k, p.M, 0.05, p.w, bar,
				bregman.Options{})
		},
	} {
		bar := make([]float64, p.n)
		_, err := solve(bar)
		require.NoError(t, err, name)
		assert.InDelta(t, 1, sum(bar), debiasedMassTol, name)
	}
}

func TestBarycenterLogDoesNotUnderflow(t *testing.T) {
	p := gridProblem(30, 2, 5)
	clear(p.A)
	p.A[0], p.A[len(p.A)-1] = 1, 1 // Diracs at both ends
	bar := make([]float64, p.n)
	res, err := bregman.BarycenterLog(p.A, p.k, p.M, 1e-4, p.w, bar,
		bregman.Options{MaxIter: 50})
	require.NoError(t, err)
	for _, x := range bar {
		require.False(t, math.IsNaN(x) || math.IsInf(x, 0))
	}
	kern := make([]float64, p.n)
	res2, err := bregman.Barycenter(p.A, p.k, p.M, 1e-4, p.w, kern,
		bregman.Options{MaxIter: 50})
	require.NoError(t, err)
	assert.True(t, res2.LogDomain)
	assert.Equal(t, 0, res2.Breakdown)
	assert.Equal(t, res.Iter, res2.Iter)
	testutil.AllClose(t, kern, bar, 0, 0)
}

func TestBarycenterBadInput(t *testing.T) {
	p := gridProblem(4, 2, 6)
	bar := make([]float64, 4)
	cases := []struct {
		arg  string
		edit func(q *barProblem, reg *float64)
	}{
		{"reg", func(_ *barProblem, reg *float64) { *reg = -1 }},
		{"reg", func(_ *barProblem, reg *float64) { *reg = math.NaN() }},
		{"M", func(q *barProblem, _ *float64) { q.M = q.M[:15] }},
		{"M", func(q *barProblem, _ *float64) { q.M[3] = math.NaN() }},
		{"A", func(q *barProblem, _ *float64) { q.A[1] = -1 }},
		{"A", func(q *barProblem, _ *float64) { q.A = q.A[:7] }},
		{"weights", func(q *barProblem, _ *float64) { q.w = q.w[:1] }},
		{"weights", func(q *barProblem, _ *float64) { q.w[0] = math.Inf(1) }},
	}
	for _, tc := range cases {
		for name, solve := range barSolvers {
			q := gridProblem(4, 2, 6)
			reg := 0.1
			tc.edit(&q, &reg)
			_, err := solve(q, reg, bar, bregman.Options{})
			var ae *goot.ArgError
			require.True(t, errors.As(err, &ae), "%s: %v", name, err)
			assert.Equal(t, tc.arg, ae.Arg, name)
		}
	}
	_ = p
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

func ExampleBarycenter() {
	// Two histograms on three bins, one at each end; squared-distance cost.
	A := []float64{0.5, 0, 0.5, 0.5, 0, 0.5} // 3×2, one histogram per column
	M := []float64{0, 1, 4, 1, 0, 1, 4, 1, 0}
	bar := make([]float64, 3)
	res, err := bregman.Barycenter(A, 2, M, 0.5, []float64{0.5, 0.5}, bar,
		bregman.Options{Tol: 1e-4})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %v\n", bar, res.Status)
	// Output: [0.252269 0.495463 0.252269] optimal
}

func FuzzBarycenterLog(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(2), 0.1)
	f.Add(uint64(2), uint8(1), uint8(1), 1e-4)
	f.Fuzz(func(t *testing.T, seed uint64, n8, k8 uint8, reg float64) {
		n, k := int(n8%12)+1, int(k8%4)+1
		if !(reg > 1e-6 && reg < 1e6) {
			return
		}
		p := gridProblem(n, k, seed)
		bar := make([]float64, n)
		_, err := bregman.BarycenterLog(p.A, k, p.M, reg, p.w, bar,
			bregman.Options{MaxIter: 30})
		require.NoError(t, err)
		for _, x := range bar {
			require.False(t, math.IsNaN(x) || math.IsInf(x, 0))
		}
	})
}

func BenchmarkBarycenter(b *testing.B) {
	for _, n := range []int{200, 1000} {
		p := gridProblem(n, 4, 1)
		bar := make([]float64, n)
		for name, solve := range barSolvers {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				for b.Loop() {
					_, _ = solve(p, 0.01, bar, bregman.Options{MaxIter: 20})
				}
			})
		}
	}
}
