package lp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/internal/testutil"
)

// emd1dMarginalAtol bounds the gap between the marginals of the returned plan
// and the weights: each entry is a difference of running remainders, and the
// rounding of those differences adds up to a few ulps of the total mass (1).
const emd1dMarginalAtol = 1e-12

// emd1dRtol is the agreement expected between two sums of the same
// transport costs grouped differently (walk order against quantile order).
const emd1dRtol = 1e-12

type emd1dSolution struct {
	cost       float64
	rows, cols []int64
	mass       []float64
}

func emd1dSolve(t testing.TB, x, a, y, b []float64, metric goot.Metric, p float64) emd1dSolution {
	t.Helper()
	k := len(x) + len(y) - 1
	s := emd1dSolution{rows: make([]int64, k), cols: make([]int64, k), mass: make([]float64, k)}
	cost, nnz, err := EMD1D(x, a, y, b, metric, p, s.rows, s.cols, s.mass)
	require.NoError(t, err)
	require.LessOrEqual(t, nnz, k)
	s.cost, s.rows, s.cols, s.mass = cost, s.rows[:nnz], s.cols[:nnz], s.mass[:nnz]

	// The cost alone must be the same number.
	alone, _, err := EMD1D(x, a, y, b, metric, p, nil, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, cost, alone, "cost without the plan")
	return s
}

// dense scatters a coordinate plan into an n×m matrix.
func (s emd1dSolution) dense(n, m int) []float64 {
	P := make([]float64, n*m)
	for t, w := range s.mass {
		P[int(s.rows[t])*m+int(s.cols[t])] += w
	}
	return P
}

// emd1dNorthWest is the north-west corner rule written independently: order
// both sets stably by value, then repeatedly move as much mass as the current
// pair allows and drop whichever point is emptied.
func emd1dNorthWest(x, a, y, b []float64) []float64 {
	order := func(v []float64) []int {
		p := make([]int, len(v))
		for i := range p {
			p[i] = i
		}
		sort.SliceStable(p, func(i, j int) bool { return v[p[i]] < v[p[j]] })
		return p
	}
	px, py := order(x), order(y)
	ra, rb := slices.Clone(a), slices.Clone(b)
	n, m := len(x), len(y)
	P := make([]float64, n*m)
	for i, j := 0, 0; i < n && j < m; {
		xi, yj := px[i], py[j]
		t := min(ra[xi], rb[yj])
		P[xi*m+yj] += t
		ra[xi] -= t
		rb[yj] -= t
		if ra[xi] <= rb[yj] {
			i++
		} else {
			j++
		}
	}
	return P
}

// TestEMD1DKnownAnswers holds hand-solved two- and three-point problems.
func TestEMD1DKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		x, a, y, b []float64
		metric     goot.Metric
		p          float64
		cost       float64
		plan       []float64 // dense, row-major
	}{
		// POT's emd2_1d docstring example.
		{"crossing", []float64{2, 0}, []float64{0.5, 0.5}, []float64{0, 3}, []float64{0.5, 0.5},
			goot.SqEuclidean, 0, 0.5, []float64{0, 0.5, 0.5, 0}},
		{"crossing euclidean", []float64{2, 0}, []float64{0.5, 0.5}, []float64{0, 3},
			[]float64{0.5, 0.5}, goot.Euclidean, 0, 0.5, []float64{0, 0.5, 0.5, 0}},
		{"split", []float64{0, 1}, []float64{0.25, 0.75}, []float64{3}, []float64{1},
			goot.Cityblock, 0, 0.25*3 + 0.75*2, []float64{0.25, 0.75}},
		{"minkowski 3", []float64{0}, []float64{1}, []float64{1, 2}, []float64{0.5, 0.5},
			goot.Minkowski, 3, 0.5 + 0.5*8, []float64{0.5, 0.5}},
		{"one to one", []float64{5}, []float64{2}, []float64{1}, []float64{2},
			goot.SqEuclidean, 0, 32, []float64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := emd1dSolve(t, tc.x, tc.a, tc.y, tc.b, tc.metric, tc.p)
			assert.InEpsilon(t, tc.cost, s.cost, emd1dRtol)
			testutil.AllClose(t, s.dense(len(tc.x), len(tc.y)), tc.plan, 0, 1e-15)
		})
	}
}

// TestEMD1DPOTWalk pins the plan to the one POT 0.9.7's emd_1d_sorted returns
// on sorted input, entry for entry. Regression: 0.1 + 0.2 leaves a remainder
// of 2.8e-17 that POT writes as its own entry, and so must we.
func TestEMD1DPOTWalk(t *testing.T) {
	x, a := []float64{0, 1, 2}, []float64{0.1, 0.2, 0.7}
	y, b := []float64{0, 2}, []float64{0.3, 0.7}
	s := emd1dSolve(t, x, a, y, b, goot.SqEuclidean, 0)
	assert.Equal(t, []int64{0, 1, 1, 2}, s.rows)
	assert.Equal(t, []int64{0, 0, 1, 1}, s.cols)
	assert.Equal(t, []float64{0.1, 0.19999999999999998, 2.7755575615628914e-17, 0.7}, s.mass)
	assert.Equal(t, 0.2, s.cost) // POT: 0.2 exactly

	// Equal remainders: POT writes a zero-mass entry (0, 1) before moving on.
	s = emd1dSolve(t, []float64{0, 1}, []float64{0.5, 0.5}, []float64{0, 2},
		[]float64{0.5, 0.5}, goot.SqEuclidean, 0)
	assert.Equal(t, []int64{0, 0, 1}, s.rows)
	assert.Equal(t, []int64{0, 1, 1}, s.cols)
	assert.Equal(t, []float64{0.5, 0, 0.5}, s.mass)
}

func TestEMD1DRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	sizes := [][2]int{{1, 1}, {1, 4}, {5, 1}, {2, 3}, {6, 6}, {9, 4}, {100, 130}, {700, 500}}
	for _, nm := range sizes {
		for _, ties := range []bool{false, true} {
			for _, zeros := range []bool{false, true} {
				n, m := nm[0], nm[1]
				name := fmt.Sprintf("n=%d/m=%d/ties=%v/zeros=%v", n, m, ties, zeros)
				t.Run(name, func(t *testing.T) {
					x, y := w1dNormal(r, n), w1dNormal(r, m)
					if ties {
						x, y = w1dTies(r, n), w1dTies(r, m)
					}
					a, b := w1dWeights(r, n, true), w1dWeights(r, m, true)
					if zeros {
						a[r.IntN(n)], b[r.IntN(m)] = 0, 0
						a, b = emd1dNormalise(a), emd1dNormalise(b)
					}
					emd1dCheckRandom(t, x, a, y, b)
				})
			}
		}
	}
}

func emd1dNormalise(w []float64) []float64 {
	s := 0.0
	for _, v := range w {
		s += v
	}
	if s == 0 {
		return testutil.Uniform(len(w))
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// emd1dCheckRandom checks one random problem against the independent
// north-west rule, the marginals, the quantile formula, and a permutation of
// the inputs.
func emd1dCheckRandom(t *testing.T, x, a, y, b []float64) {
	n, m := len(x), len(y)
	s := emd1dSolve(t, x, a, y, b, goot.SqEuclidean, 0)
	P := s.dense(n, m)
	testutil.AllClose(t, P, emd1dNorthWest(x, a, y, b), 0, emd1dMarginalAtol, "north-west plan")

	rowSum, colSum := make([]float64, n), make([]float64, m)
	for i := range n {
		for j := range m {
			rowSum[i] += P[i*m+j]
			colSum[j] += P[i*m+j]
		}
	}
	testutil.AllClose(t, rowSum, a, 0, emd1dMarginalAtol, "row marginal")
	testutil.AllClose(t, colSum, b, 0, emd1dMarginalAtol, "column marginal")
	for _, w := range s.mass {
		assert.GreaterOrEqual(t, w, 0.0)
	}

	// For equal masses both compute the cost of the monotone coupling.
	for _, p := range []float64{1, 1.5, 2, 3} {
		c, _, err := EMD1D(x, a, y, b, goot.Minkowski, p, nil, nil, nil)
		require.NoError(t, err)
		w, err := Wasserstein1D(x, a, y, b, p, false)
		require.NoError(t, err)
		assert.InDelta(t, w, c, emd1dRtol*w+1e-15, "p=%v", p)
	}

	// Relabelling the points permutes the plan and leaves the cost.
	perm := rand.New(rand.NewPCG(uint64(n), uint64(m))).Perm(n)
	xp, ap := make([]float64, n), make([]float64, n)
	for k, i := range perm {
		xp[k], ap[k] = x[i], a[i]
	}
	sp := emd1dSolve(t, xp, ap, y, b, goot.SqEuclidean, 0)
	assert.InDelta(t, s.cost, sp.cost, emd1dRtol*s.cost+1e-15, "permuted x")
	for k := range sp.rows {
		sp.rows[k] = int64(perm[sp.rows[k]])
	}
	if !emd1dHasTies(x) {
		testutil.AllClose(t, sp.dense(n, m), P, 0, emd1dMarginalAtol, "permuted plan")
	}
}

func emd1dHasTies(x []float64) bool {
	s := slices.Clone(x)
	slices.Sort(s)
	return len(slices.Compact(s)) < len(x)
}

func TestEMD1DUniformDefaults(t *testing.T) {
	x, y := []float64{3, 1, 2}, []float64{0, 5}
	withNil, _, err := EMD1D(x, nil, y, nil, goot.Euclidean, 0, nil, nil, nil)
	require.NoError(t, err)
	explicit, _, err := EMD1D(x, testutil.Uniform(3), y, testutil.Uniform(2), goot.Euclidean, 0,
		nil, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, explicit, withNil)
}

func TestEMD1DDoesNotModifyInputs(t *testing.T) {
	x, a := []float64{3, 1, 2}, []float64{0.2, 0.5, 0.3}
	y, b := []float64{0, -1}, []float64{0.6, 0.4}
	xc, ac, yc, bc := slices.Clone(x), slices.Clone(a), slices.Clone(y), slices.Clone(b)
	emd1dSolve(t, x, a, y, b, goot.SqEuclidean, 0)
	assert.Equal(t, xc, x)
	assert.Equal(t, ac, a)
	assert.Equal(t, yc, y)
	assert.Equal(t, bc, b)
}

func TestEMD1DErrors(t *testing.T) {
	ok, w := []float64{0, 1}, []float64{0.5, 0.5}
	short := make([]int64, 2)
	for _, tc := range []struct {
		name       string
		x, a, y, b []float64
		metric     goot.Metric
		p          float64
		rows, cols []int64
		mass       []float64
		arg        string
	}{
		{"empty x", nil, nil, ok, w, goot.SqEuclidean, 1, nil, nil, nil, "x_a"},
		{"empty y", ok, w, []float64{}, nil, goot.SqEuclidean, 1, nil, nil, nil, "x_b"},
		{"NaN x", []float64{math.NaN(), 0}, w, ok, w, goot.SqEuclidean, 1, nil, nil, nil, "x_a"},
		{"NaN y", ok, w, []float64{0, math.NaN()}, w, goot.SqEuclidean, 1, nil, nil, nil, "x_b"},
		{"short a", ok, []float64{1}, ok, w, goot.SqEuclidean, 1, nil, nil, nil, "a"},
		{"long b", ok, w, ok, []float64{1, 0, 0}, goot.SqEuclidean, 1, nil, nil, nil, "b"},
		{"negative a", ok, []float64{1.5, -0.5}, ok, w, goot.SqEuclidean, 1, nil, nil, nil, "a"},
		{"NaN b", ok, w, ok, []float64{math.NaN(), 1}, goot.SqEuclidean, 1, nil, nil, nil, "b"},
		{"metric", ok, w, ok, w, goot.Metric(17), 1, nil, nil, nil, "metric"},
		{"zero p", ok, w, ok, w, goot.Minkowski, 0, nil, nil, nil, "p"},
		{"Inf p", ok, w, ok, w, goot.Minkowski, math.Inf(1), nil, nil, nil, "p"},
		{"short rows", ok, w, ok, w, goot.SqEuclidean, 1, short, nil, nil, "rows"},
		{"short cols", ok, w, ok, w, goot.SqEuclidean, 1, nil, short, nil, "cols"},
		{"short mass", ok, w, ok, w, goot.SqEuclidean, 1, nil, nil, make([]float64, 2), "mass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := EMD1D(tc.x, tc.a, tc.y, tc.b, tc.metric, tc.p, tc.rows, tc.cols, tc.mass)
			oneDAssertArgError(t, err, tc.arg)
		})
	}

	// p is Minkowski's alone: the other metrics ignore a p of zero.
	_, _, err := EMD1D(ok, w, ok, w, goot.SqEuclidean, 0, nil, nil, nil)
	assert.NoError(t, err)
}

func FuzzEMD1D(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), uint8(0), 2.0, true)
	f.Add([]byte{0, 0, 0, 0}, uint8(2), uint8(3), 0.5, false)
	f.Fuzz(func(t *testing.T, data []byte, split, metric uint8, p float64, weighted bool) {
		x, a, y, b := oneDFuzzMeasures(data, split, weighted)
		p = oneDFuzzExponent(p)
		k := max(len(x)+len(y)-1, 0)
		rows, cols, mass := make([]int64, k), make([]int64, k), make([]float64, k)
		cost, nnz, err := EMD1D(x, a, y, b, goot.Metric(metric%5), p, rows, cols, mass)
		if err != nil {
			return
		}
		if math.IsNaN(cost) || math.IsInf(cost, 0) || cost < 0 || nnz < 1 || nnz > k {
			t.Fatalf("cost %v nnz %d for x=%v a=%v y=%v b=%v", cost, nnz, x, a, y, b)
		}
		for e := range nnz {
			if rows[e] < 0 || int(rows[e]) >= len(x) || cols[e] < 0 || int(cols[e]) >= len(y) {
				t.Fatalf("entry %d indexes (%d, %d) outside %d×%d", e, rows[e], cols[e], len(x), len(y))
			}
		}
	})
}

func BenchmarkEMD1D(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, n := range []int{10_000, 1_000_000} {
		x, y := w1dNormal(r, n), w1dNormal(r, n)
		a := testutil.Uniform(n)
		b.Run(fmt.Sprintf("n=%d/cost", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := EMD1D(x, a, y, a, goot.SqEuclidean, 0, nil, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		rows, cols, mass := make([]int64, 2*n-1), make([]int64, 2*n-1), make([]float64, 2*n-1)
		b.Run(fmt.Sprintf("n=%d/plan", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := EMD1D(x, a, y, a, goot.SqEuclidean, 0, rows, cols, mass); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
