package lp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
	"github.com/goot-ot/goot/internal/testutil"
)

// minibatchPoints draws k clouds of n and m points in d dimensions.
func minibatchPoints(rng *rand.Rand, k, n, m, d int) (x0, x1 []float64) {
	x0, x1 = make([]float64, k*n*d), make([]float64, k*m*d)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	for i := range x1 {
		x1[i] = rng.NormFloat64() + 1
	}
	return x0, x1
}

// simplexWeights draws k histograms of size n with positive entries.
func simplexWeights(rng *rand.Rand, k, n int) []float64 {
	w := make([]float64, k*n)
	for c := range k {
		s := 0.0
		for i := range n {
			w[c*n+i] = rng.Float64() + 0.1
			s += w[c*n+i]
		}
		for i := range n {
			w[c*n+i] /= s
		}
	}
	return w
}

// TestEMDPointsEqualsEMD: every problem of a batch gets exactly the plan and
// cost that EMD gives it alone (same cost matrix, same solver, same pivots).
func TestEMDPointsEqualsEMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for _, tc := range []struct {
		k, n, m, d int
		metric     goot.Metric
		weighted   bool
	}{
		{1, 1, 1, 1, goot.SqEuclidean, false},
		{5, 8, 8, 2, goot.SqEuclidean, false},
		{7, 13, 9, 3, goot.Euclidean, true},
		{9, 20, 31, 5, goot.Cityblock, true},
		{16, 32, 32, 2, goot.SqEuclidean, true},
	} {
		t.Run(fmt.Sprintf("%d×%d×%d d=%d %v", tc.k, tc.n, tc.m, tc.d, tc.metric),
			func(t *testing.T) {
				k, n, m, d := tc.k, tc.n, tc.m, tc.d
				x0, x1 := minibatchPoints(rng, k, n, m, d)
				batch := lp.Minibatch{K: k, N: n, M: m}
				if tc.weighted {
					batch.A, batch.B = simplexWeights(rng, k, n), simplexWeights(rng, k, m)
				}
				plans := make([]float64, k*n*m)
				results := make([]lp.Result, k)
				require.NoError(t, lp.EMDPoints(x0, x1, d, tc.metric, 0, batch, plans,
					lp.Options{}, results))

				// The same problems through EMDCosts, with the matrices built here.
				M := make([]float64, k*n*m)
				for c := range k {
					require.NoError(t, goot.Dist(x0[c*n*d:(c+1)*n*d], x1[c*m*d:(c+1)*m*d],
						d, tc.metric, 0, M[c*n*m:(c+1)*n*m]))
				}
				plans2 := make([]float64, k*n*m)
				results2 := make([]lp.Result, k)
				require.NoError(t, lp.EMDCosts(M, batch, plans2, lp.Options{}, results2))

				for c := range k {
					a, b := make([]float64, n), make([]float64, m)
					for i := range a {
						a[i] = 1 / float64(n)
					}
					for j := range b {
						b[j] = 1 / float64(m)
					}
					if tc.weighted {
						a, b = batch.A[c*n:(c+1)*n], batch.B[c*m:(c+1)*m]
					}
					want := make([]float64, n*m)
					res, err := lp.EMD(a, b, M[c*n*m:(c+1)*n*m], want, nil, nil, lp.Options{})
					require.NoError(t, err)
					assert.Equal(t, res, results[c], "problem %d", c)
					assert.Equal(t, res, results2[c], "problem %d", c)
					assert.Equal(t, goot.Optimal, results[c].Status)
					testutil.AllClose(t, plans[c*n*m:(c+1)*n*m], want, 0, 0)
					testutil.AllClose(t, plans2[c*n*m:(c+1)*n*m], want, 0, 0)
				}
			})
	}
}

// gramTol bounds the relative difference of optimal costs between Gram-form
// and difference-form cost matrices: entries differ by ~1e-16·(‖x‖²+‖y‖²),
// about 1e-14 of the cost for these clouds; 1e-12 leaves a margin.
const gramTol = 1e-12

// TestEMDPointsHighDimension: from d = 64 the costs are built in the Gram
// form; plans equal EMD's on goot.Dist's matrices (the optimum is unique for
// random clouds) and the costs agree to rounding.
func TestEMDPointsHighDimension(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{63, 64, 100} {
		k, n, m := 3, 17, 12
		x0, x1 := minibatchPoints(rng, k, n, m, d)
		batch := lp.Minibatch{K: k, N: n, M: m}
		plans := make([]float64, k*n*m)
		results := make([]lp.Result, k)
		require.NoError(t, lp.EMDPoints(x0, x1, d, goot.SqEuclidean, 0, batch, plans,
			lp.Options{}, results))
		a, b := make([]float64, n), make([]float64, m)
		for i := range a {
			a[i] = 1 / float64(n)
		}
		for j := range b {
			b[j] = 1 / float64(m)
		}
		for c := range k {
			M := make([]float64, n*m)
			require.NoError(t, goot.Dist(x0[c*n*d:(c+1)*n*d], x1[c*m*d:(c+1)*m*d], d,
				goot.SqEuclidean, 0, M))
			want := make([]float64, n*m)
			res, err := lp.EMD(a, b, M, want, nil, nil, lp.Options{})
			require.NoError(t, err)
			testutil.AllClose(t, plans[c*n*m:(c+1)*n*m], want, 0, 1e-15)
			assert.InEpsilon(t, res.Cost, results[c].Cost, gramTol, "d=%d problem %d", d, c)
		}
	}
}

// TestEMDPointsIdentity: matching a cloud to itself (uniform, square) costs
// 0 and the plan is the identity permutation divided by n.
func TestEMDPointsIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	k, n, d := 4, 10, 3
	x0, _ := minibatchPoints(rng, k, n, n, d)
	plans := make([]float64, k*n*n)
	results := make([]lp.Result, k)
	batch := lp.Minibatch{K: k, N: n, M: n}
	require.NoError(t, lp.EMDPoints(x0, x0, d, goot.SqEuclidean, 0, batch, plans,
		lp.Options{}, results))
	want := make([]float64, n*n)
	for i := range n {
		want[i*n+i] = 1 / float64(n)
	}
	for c := range k {
		assert.Zero(t, results[c].Cost)
		testutil.AllClose(t, plans[c*n*n:(c+1)*n*n], want, 0, 0)
	}
}

func TestEMDPointsBadInput(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	nan := []float64{0, math.NaN(), 2, 3}
	ok := lp.Minibatch{K: 2, N: 1, M: 1}
	for _, tc := range []struct {
		name   string
		x0, x1 []float64
		batch  lp.Minibatch
		metric goot.Metric
		d      int
		arg    string
	}{
		{"no problems", x, x, lp.Minibatch{K: 0, N: 1, M: 1}, goot.SqEuclidean, 2, "k"},
		{"empty", x, x, lp.Minibatch{K: 2, N: 0, M: 1}, goot.SqEuclidean, 2, "x0"},
		{"d", x, x, ok, goot.SqEuclidean, 0, "x0"},
		{"x0 length", x[:3], x, ok, goot.SqEuclidean, 2, "x0"},
		{"x1 length", x, x[:3], ok, goot.SqEuclidean, 2, "x1"},
		{"metric", x, x, ok, goot.Metric(9), 2, "metric"},
		{"NaN in x0", nan, x, ok, goot.SqEuclidean, 2, "x0"},
		{"NaN in x1", x, nan, ok, goot.SqEuclidean, 2, "x1"},
		{"a length", x, x, lp.Minibatch{K: 2, N: 1, M: 1, A: []float64{1}},
			goot.SqEuclidean, 2, "a"},
		{"b negative", x, x, lp.Minibatch{K: 2, N: 1, M: 1, B: []float64{1, -1}},
			goot.SqEuclidean, 2, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := max(tc.batch.K, 0)
			err := lp.EMDPoints(tc.x0, tc.x1, tc.d, tc.metric, 0, tc.batch, nil,
				lp.Options{}, make([]lp.Result, k))
			var ae *goot.ArgError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.arg, ae.Arg)
		})
	}

	// Costs: NaN is an error naming M and the problem.
	M := []float64{0, 1, math.NaN(), 0}
	err := lp.EMDCosts(M, lp.Minibatch{K: 2, N: 1, M: 2}, nil, lp.Options{},
		make([]lp.Result, 2))
	var ae *goot.ArgError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "M", ae.Arg)
	assert.Contains(t, ae.Problem, "problem 1")
}

// ExampleEMDPoints couples two minibatches of two points on the line: the
// first is matched in order, the second crosswise.
func ExampleEMDPoints() {
	x0 := []float64{0, 1 /* batch 0 */, 0, 1 /* batch 1 */}
	x1 := []float64{0.1, 1.1 /* batch 0 */, 1.2, 0.2 /* batch 1 */}
	batch := lp.Minibatch{K: 2, N: 2, M: 2}
	plans := make([]float64, 2*2*2)
	results := make([]lp.Result, 2)
	if err := lp.EMDPoints(x0, x1, 1, goot.SqEuclidean, 0, batch, plans, lp.Options{},
		results); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plans[:4], plans[4:])
	fmt.Printf("%.3f %.3f\n", results[0].Cost, results[1].Cost)
	// Output:
	// [0.5 0 0 0.5] [0 0.5 0.5 0]
	// 0.010 0.040
}

func FuzzEMDPoints(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(4), uint8(5), uint8(2))
	f.Add(uint64(2), uint8(1), uint8(1), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint64, k8, n8, m8, d8 uint8) {
		k, n, m, d := int(k8%6)+1, int(n8%12)+1, int(m8%12)+1, int(d8%4)+1
		rng := rand.New(rand.NewPCG(seed, 0))
		x0, x1 := minibatchPoints(rng, k, n, m, d)
		batch := lp.Minibatch{K: k, N: n, M: m, A: simplexWeights(rng, k, n)}
		plans := make([]float64, k*n*m)
		results := make([]lp.Result, k)
		require.NoError(t, lp.EMDPoints(x0, x1, d, goot.SqEuclidean, 0, batch, plans,
			lp.Options{}, results))
		for c := range k {
			require.Equal(t, goot.Optimal, results[c].Status)
			// Marginals: the rows sum to a, the columns to 1/m.
			for i := range n {
				s := 0.0
				for j := range m {
					s += plans[c*n*m+i*m+j]
				}
				require.InDelta(t, batch.A[c*n+i], s, 1e-12)
			}
			for j := range m {
				s := 0.0
				for i := range n {
					s += plans[c*n*m+i*m+j]
				}
				require.InDelta(t, 1/float64(m), s, 1e-12)
			}
		}
	})
}

// FuzzEMDCosts: random costs (some forbidden) never crash the batch, and
// every problem gets EMD's result for its own matrix.
func FuzzEMDCosts(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(4), uint8(5))
	f.Add(uint64(9), uint8(1), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, k8, n8, m8 uint8) {
		k, n, m := int(k8%5)+1, int(n8%10)+1, int(m8%10)+1
		rng := rand.New(rand.NewPCG(seed, 1))
		M := make([]float64, k*n*m)
		for e := range M {
			M[e] = rng.Float64()
			if rng.IntN(10) == 0 {
				M[e] = math.Inf(1)
			}
		}
		batch := lp.Minibatch{K: k, N: n, M: m, B: simplexWeights(rng, k, m)}
		plans := make([]float64, k*n*m)
		results := make([]lp.Result, k)
		require.NoError(t, lp.EMDCosts(M, batch, plans, lp.Options{}, results))
		a := make([]float64, n)
		for i := range a {
			a[i] = 1 / float64(n)
		}
		for c := range k {
			want := make([]float64, n*m)
			res, err := lp.EMD(a, batch.B[c*m:(c+1)*m], M[c*n*m:(c+1)*n*m], want, nil, nil,
				lp.Options{})
			require.NoError(t, err)
			require.Equal(t, res, results[c])
			testutil.AllClose(t, plans[c*n*m:(c+1)*n*m], want, 0, 0)
		}
	})
}

func BenchmarkEMDPoints(b *testing.B) {
	for _, d := range []int{2, 784} {
		k, n := 64, 256
		rng := rand.New(rand.NewPCG(1, 2))
		x0, x1 := minibatchPoints(rng, k, n, n, d)
		batch := lp.Minibatch{K: k, N: n, M: n}
		results := make([]lp.Result, k)
		b.Run(fmt.Sprintf("64x256x256 d=%d", d), func(b *testing.B) {
			for b.Loop() {
				if err := lp.EMDPoints(x0, x1, d, goot.SqEuclidean, 0, batch, nil,
					lp.Options{}, results); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
