package lp_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
	"github.com/goot-ot/goot/internal/testutil"
)

// Tolerances. Plans and costs are sums of at most n+m rounded terms, so they
// match exact values to a few hundred ulps; 1e-12 leaves a margin.
const (
	emdExactTol = 1e-12 // relative: costs, marginals and plans with an exact answer
	emdDualTol  = 1e-10 // absolute, times the cost scale: the contract of EMD
	emdSlackTol = 1e-9  // absolute: |u_i + v_j - M_ij| on the support (the brief's bound)
	emdPOTTol   = 1e-12 // absolute: POT's printed duals carry ~1e-16 rounding
)

// emdSolution bundles the outputs of one EMD call.
type emdSolution struct {
	res        lp.Result
	plan, u, v []float64
}

func emdSolve(t testing.TB, a, b, M []float64, opt lp.Options) emdSolution {
	t.Helper()
	s := emdSolution{
		plan: make([]float64, len(a)*len(b)),
		u:    make([]float64, len(a)),
		v:    make([]float64, len(b)),
	}
	var err error
	s.res, err = lp.EMD(a, b, M, s.plan, s.u, s.v, opt)
	require.NoError(t, err)
	return s
}

func TestEMDKnownAnswers(t *testing.T) {
	perm := func(n int) (M, plan []float64) {
		M, plan = make([]float64, n*n), make([]float64, n*n)
		for i := range n {
			for j := range n {
				if i != j {
					M[i*n+j] = 1
				}
			}
			plan[i*n+i] = 1 / float64(n)
		}
		return M, plan
	}
	permM, permPlan := perm(7)
	x := []float64{0.3, -1.2, 2.5, 0.7, 4.1}
	distM := make([]float64, 25)
	for i := range 5 {
		for j := range 5 {
			distM[i*5+j] = (x[i] - x[j]) * (x[i] - x[j])
		}
	}
	_, distPlan := perm(5)

	for _, tc := range []struct {
		name    string
		a, b, M []float64
		cost    float64
		plan    []float64
		u, v    []float64 // centred duals where unique, NaN elsewhere
	}{
		{
			name: "2x2", a: []float64{0.5, 0.5}, b: []float64{0.5, 0.5},
			M: []float64{0, 1, 1, 0}, cost: 0, plan: []float64{0.5, 0, 0, 0.5},
		},
		{
			name: "2x2 cross", a: []float64{0.25, 0.75}, b: []float64{0.5, 0.5},
			M: []float64{1, 0, 0, 1}, cost: 0.25, plan: []float64{0, 0.25, 0.5, 0.25},
		},
		{name: "permutation", a: testutil.Uniform(7), b: testutil.Uniform(7), M: permM, plan: permPlan},
		{name: "dist(x, x)", a: testutil.Uniform(5), b: testutil.Uniform(5), M: distM, plan: distPlan},
		{
			// Values printed by POT 0.9.7 ot.emd(a, b, M, log=True): the
			// active part is non-degenerate, so its centred duals are unique.
			// Those of the zero-weight row 1 and column 2 (-0.9 and 0.9 in
			// POT) depend on which potential the simplex left at 0, which
			// differs between solvers; emdCheckOptimality covers them.
			name: "POT zero weights", a: []float64{0.5, 0, 0.5}, b: []float64{0.3, 0.7, 0},
			M:    []float64{1, 2, 3, 0.5, 4, 1, 3, 1, 2},
			cost: 1.2, plan: []float64{0.3, 0.2, 0, 0, 0, 0, 0, 0.5, 0},
			u: []float64{1.1, math.NaN(), 0.1}, v: []float64{-0.1, 0.9, math.NaN()},
		},
		{name: "single point", a: []float64{2}, b: []float64{2}, M: []float64{3}, cost: 6,
			plan: []float64{2}},
		{name: "n = 1", a: []float64{1}, b: []float64{0.25, 0.75}, M: []float64{4, 8},
			cost: 7, plan: []float64{0.25, 0.75}},
		{name: "m = 1", a: []float64{0.5, 0, 0.5}, b: []float64{1}, M: []float64{2, 9, 4},
			cost: 3, plan: []float64{0.5, 0, 0.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := emdSolve(t, tc.a, tc.b, tc.M, lp.Options{})
			assert.Equal(t, goot.Optimal, s.res.Status)
			assert.InDelta(t, tc.cost, s.res.Cost, emdExactTol*math.Max(1, tc.cost))
			testutil.AllClose(t, s.plan, tc.plan, emdExactTol, emdExactTol)
			if tc.u != nil {
				testutil.AllClose(t, emdUnique(s.u, tc.u), tc.u, 0, emdPOTTol, "u")
				testutil.AllClose(t, emdUnique(s.v, tc.v), tc.v, 0, emdPOTTol, "v")
			}
			emdCheckOptimality(t, tc.a, tc.b, tc.M, s)
		})
	}
}

// unique returns got with NaN where want is NaN (a dual that is not unique).
func emdUnique(got, want []float64) []float64 {
	out := slices.Clone(got)
	for i, w := range want {
		if math.IsNaN(w) {
			out[i] = w
		}
	}
	return out
}

// emdCheckOptimality asserts the marginals, dual feasibility, complementary
// slackness, a zero duality gap and centred duals.
func emdCheckOptimality(t *testing.T, a, b, M []float64, s emdSolution) {
	t.Helper()
	n, m := len(a), len(b)
	scale := 1.0
	for _, c := range M {
		if !math.IsInf(c, 1) {
			scale = math.Max(scale, math.Abs(c))
		}
	}
	mass := 0.0
	for _, x := range a {
		mass += x
	}
	rows, cols := make([]float64, n), make([]float64, m)
	var cost, au, bv float64
	for i := range n {
		for j := range m {
			p, c := s.plan[i*m+j], M[i*m+j]
			rows[i] += p
			cols[j] += p
			if p > 0 {
				cost += p * c
				if !assert.LessOrEqual(t, math.Abs(s.u[i]+s.v[j]-c), emdSlackTol*scale,
					"slackness at (%d, %d)", i, j) {
					return
				}
			}
			if !math.IsInf(c, 1) && !assert.LessOrEqual(t, s.u[i]+s.v[j], c+emdDualTol*scale,
				"dual feasibility at (%d, %d)", i, j) {
				return
			}
		}
	}
	for i := range n {
		au += a[i] * s.u[i]
	}
	for j := range m {
		bv += b[j] * s.v[j]
	}
	testutil.AllClose(t, rows, a, emdExactTol, emdExactTol*mass, "row marginals")
	testutil.AllClose(t, cols, b, emdExactTol, emdExactTol*mass, "column marginals")
	assert.InDelta(t, cost, s.res.Cost, emdExactTol*scale*mass, "reported cost")
	assert.InDelta(t, s.res.Cost, au+bv, emdSlackTol*scale*mass, "duality gap")
	assert.InDelta(t, au, bv, emdSlackTol*scale*mass, "centring a·u = b·v")
}

// emdRandomProblem draws an n×m problem with non-uniform weights (about one in
// six of them zero, but never all) and costs uniform in [0, 1).
func emdRandomProblem(rng *rand.Rand, n, m int) (a, b, M []float64) {
	weights := func(k int) []float64 {
		w := make([]float64, k)
		for i := range w {
			if k == 1 || rng.IntN(6) > 0 {
				w[i] = rng.Float64() + 0.01
			}
		}
		if w[0] == 0 && slices.Max(w) == 0 {
			w[0] = 1
		}
		s := 0.0
		for _, x := range w {
			s += x
		}
		for i := range w {
			w[i] /= s
		}
		return w
	}
	a, b = weights(n), weights(m)
	M = make([]float64, n*m)
	for e := range M {
		M[e] = rng.Float64()
	}
	return a, b, M
}

func TestEMDInvariants(t *testing.T) {
	sizes := [][2]int{{1, 1}, {1, 9}, {9, 1}, {2, 3}, {13, 7}, {40, 55}, {120, 90}, {300, 280}}
	for seed := range uint64(4) {
		for _, nm := range sizes {
			t.Run(fmt.Sprintf("seed %d %dx%d", seed, nm[0], nm[1]), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				a, b, M := emdRandomProblem(rng, nm[0], nm[1])
				s := emdSolve(t, a, b, M, lp.Options{})
				require.Equal(t, goot.Optimal, s.res.Status)
				emdCheckOptimality(t, a, b, M, s)
			})
		}
	}
}

// TestEMDRawDuals checks that raw potentials are also optimal duals.
func TestEMDRawDuals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a, b, M := emdRandomProblem(rng, 30, 20)
	s := emdSolve(t, a, b, M, lp.Options{RawDuals: true})
	var gap float64
	for i := range a {
		gap += a[i] * s.u[i]
	}
	for j := range b {
		gap += b[j] * s.v[j]
	}
	assert.InDelta(t, s.res.Cost, gap, emdSlackTol)
}

// emdMinCostFlow is an independent solver for tiny problems with integer
// weights: successive shortest paths (Bellman-Ford on the residual graph),
// one unit at a time (Ahuja, Magnanti and Orlin, §9.7).
func emdMinCostFlow(a, b []int, M []float64) float64 {
	n, m := len(a), len(b)
	flow := make([]int, n*m)
	supply, demand := slices.Clone(a), slices.Clone(b)
	var cost float64
	for {
		// Distances from all sources that still have supply.
		dist := make([]float64, n+m)
		prev := make([]int, n+m)
		for v := range dist {
			dist[v], prev[v] = math.Inf(1), -1
		}
		for i := range n {
			if supply[i] > 0 {
				dist[i] = 0
			}
		}
		for range n + m {
			for i := range n {
				for j := range m {
					c := M[i*m+j]
					if d := dist[i] + c; d < dist[n+j] {
						dist[n+j], prev[n+j] = d, i
					}
					if d := dist[n+j] - c; flow[i*m+j] > 0 && d < dist[i] {
						dist[i], prev[i] = d, n+j
					}
				}
			}
		}
		best := -1
		for j := range m {
			if demand[j] > 0 && (best < 0 || dist[n+j] < dist[n+best]) {
				best = j
			}
		}
		if best < 0 {
			return cost
		}
		cost += dist[n+best]
		demand[best]--
		v := n + best
		for prev[v] >= 0 {
			p := prev[v]
			if v >= n {
				flow[p*m+v-n]++
			} else {
				flow[v*m+p-n]--
			}
			v = p
		}
		supply[v]--
	}
}

func TestEMDAgainstMinCostFlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	for trial := range 300 {
		n, m := 1+rng.IntN(4), 1+rng.IntN(4)
		ia, ib := make([]int, n), make([]int, m)
		total := 4 + rng.IntN(5)
		for range total {
			ia[rng.IntN(n)]++
			ib[rng.IntN(m)]++
		}
		a, b := make([]float64, n), make([]float64, m)
		for i := range ia {
			a[i] = float64(ia[i])
		}
		for j := range ib {
			b[j] = float64(ib[j])
		}
		M := make([]float64, n*m)
		for e := range M {
			M[e] = float64(rng.IntN(5)) // ties make degenerate problems
		}
		s := emdSolve(t, a, b, M, lp.Options{})
		require.Equal(t, goot.Optimal, s.res.Status, "trial %d", trial)
		require.InDelta(t, emdMinCostFlow(ia, ib, M), s.res.Cost, emdExactTol*float64(total),
			"trial %d: a=%v b=%v M=%v", trial, a, b, M)
		emdCheckOptimality(t, a, b, M, s)
	}
}

// w1 is the 1-D closed form of EMD with cost |x - y|: the integral of
// |F(t) - G(t)| over the line, F and G the cumulative distributions.
func emdW1(x, a, y, b []float64) float64 {
	type atom struct{ pos, w float64 }
	var atoms []atom
	for i := range x {
		atoms = append(atoms, atom{x[i], a[i]})
	}
	for j := range y {
		atoms = append(atoms, atom{y[j], -b[j]})
	}
	sort.Slice(atoms, func(p, q int) bool { return atoms[p].pos < atoms[q].pos })
	var cdf, cost float64
	for k := 0; k+1 < len(atoms); k++ {
		cdf += atoms[k].w
		cost += math.Abs(cdf) * (atoms[k+1].pos - atoms[k].pos)
	}
	return cost
}

func emdAbsCost(x, y []float64) []float64 {
	M := make([]float64, len(x)*len(y))
	for i := range x {
		for j := range y {
			M[i*len(y)+j] = math.Abs(x[i] - y[j])
		}
	}
	return M
}

func TestEMD1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	for _, nm := range [][2]int{{5, 5}, {17, 30}, {100, 80}} {
		x, y := make([]float64, nm[0]), make([]float64, nm[1])
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for j := range y {
			y[j] = 0.5*rng.NormFloat64() + 1
		}
		a, b, _ := emdRandomProblem(rng, nm[0], nm[1])
		s := emdSolve(t, a, b, emdAbsCost(x, y), lp.Options{})
		assert.InDelta(t, emdW1(x, a, y, b), s.res.Cost, emdExactTol*10, "%v", nm)
	}
}

// TestEMDSeparatedGaussians follows POT's test_emd_1d_emd2_1d setting: with
// every source point left of every target point, any plan costs
// Σ b_j y_j - Σ a_i x_i under |x - y|, which is then the exact optimum.
func TestEMDSeparatedGaussians(t *testing.T) {
	rng := rand.New(rand.NewPCG(0, 0))
	x, y := make([]float64, 500), make([]float64, 600)
	var mx, my float64
	for i := range x {
		x[i] = rng.NormFloat64()
		mx += x[i] / 500
	}
	for j := range y {
		y[j] = rng.NormFloat64() + 100
		my += y[j] / 600
	}
	s := emdSolve(t, testutil.Uniform(500), testutil.Uniform(600), emdAbsCost(x, y), lp.Options{})
	assert.Equal(t, goot.Optimal, s.res.Status)
	assert.InDelta(t, my-mx, s.res.Cost, emdExactTol*100)
}

func TestEMDHugeCosts(t *testing.T) {
	// 1e300 is where a big-M constant (max cost + 1)·n overflows (POT #229).
	rng := rand.New(rand.NewPCG(8, 8))
	a, b, R := emdRandomProblem(rng, 40, 30)
	M := make([]float64, len(R))
	for e := range R {
		M[e] = 1e300 * R[e]
	}
	ref := emdSolve(t, a, b, R, lp.Options{})
	s := emdSolve(t, a, b, M, lp.Options{})
	require.Equal(t, goot.Optimal, s.res.Status)
	assert.InEpsilon(t, 1e300*ref.res.Cost, s.res.Cost, emdExactTol)
	testutil.AllClose(t, s.plan, ref.plan, emdExactTol, emdExactTol)
	emdCheckOptimality(t, a, b, M, s)
}

func TestEMDForbiddenPairs(t *testing.T) {
	inf := math.Inf(1)
	rng := rand.New(rand.NewPCG(9, 9))

	t.Run("feasible remainder", func(t *testing.T) {
		// Forbid a third of the pairs but keep the diagonal: uniform weights
		// can then always be met. A finite cost of 1e6 is never worth paying
		// over costs in [0, 1), so it gives the same optimum.
		n := 60
		a, b := testutil.Uniform(n), testutil.Uniform(n)
		M, big := make([]float64, n*n), make([]float64, n*n)
		for e := range M {
			M[e] = rng.Float64()
			big[e] = M[e]
			if e%(n+1) != 0 && rng.IntN(3) == 0 {
				M[e], big[e] = inf, 1e6
			}
		}
		ref := emdSolve(t, a, b, big, lp.Options{})
		s := emdSolve(t, a, b, M, lp.Options{})
		require.Equal(t, goot.Optimal, s.res.Status)
		assert.InDelta(t, ref.res.Cost, s.res.Cost, emdExactTol)
		for e, c := range M {
			if math.IsInf(c, 1) {
				require.Zero(t, s.plan[e], "plan on forbidden pair %d", e)
			}
		}
		emdCheckOptimality(t, a, b, M, s)
	})

	t.Run("start on forbidden pairs", func(t *testing.T) {
		// The greedy start ships row 0 to column 0 and then has only the
		// forbidden pair (1, 1) left: the solver must route around it.
		a, b := []float64{0.5, 0.5}, []float64{0.5, 0.5}
		M := []float64{0, 1, 1, inf}
		s := emdSolve(t, a, b, M, lp.Options{})
		require.Equal(t, goot.Optimal, s.res.Status)
		assert.InDelta(t, 1.0, s.res.Cost, emdExactTol)
		testutil.AllClose(t, s.plan, []float64{0, 0.5, 0.5, 0}, 0, emdExactTol)
		emdCheckOptimality(t, a, b, M, s)
	})

	for _, tc := range []struct {
		name    string
		a, b, M []float64
	}{
		{"column unreachable", []float64{0.5, 0.5}, []float64{0.5, 0.5}, []float64{0, inf, 0, inf}},
		{"all forbidden", testutil.Uniform(4), testutil.Uniform(3), slices.Repeat([]float64{inf}, 12)},
		{"too little reach", []float64{0.5, 0.5}, []float64{0.9, 0.1},
			[]float64{0, 1, inf, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := emdSolve(t, tc.a, tc.b, tc.M, lp.Options{})
			assert.Equal(t, goot.Infeasible, s.res.Status)
			assert.True(t, math.IsInf(s.res.Cost, 1))
			assert.Equal(t, make([]float64, len(tc.M)), s.plan, "zero plan, as POT")
		})
	}
}

func TestEMDMassMismatch(t *testing.T) {
	s := emdSolve(t, []float64{0.5, 0.5}, []float64{0.5, 0.6}, []float64{1, 2, 3, 4}, lp.Options{})
	assert.Equal(t, goot.Infeasible, s.res.Status)
	assert.Equal(t, []float64{0, 0, 0, 0}, s.plan)

	// Within tolerance b is rescaled onto a's mass.
	s = emdSolve(t, []float64{0.5, 0.5}, []float64{0.5, 0.5 + 1e-12}, []float64{1, 2, 3, 4},
		lp.Options{})
	assert.Equal(t, goot.Optimal, s.res.Status)
	assert.InDelta(t, 2.5, s.res.Cost, emdExactTol)
}

func TestEMDIterationLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	a, b, M := emdRandomProblem(rng, 30, 30)
	full := emdSolve(t, a, b, M, lp.Options{})
	require.Greater(t, full.res.Iter, 1)
	s := emdSolve(t, a, b, M, lp.Options{MaxIter: 1})
	assert.Equal(t, goot.IterationLimit, s.res.Status)
	assert.Equal(t, 1, s.res.Iter)
	assert.Greater(t, s.res.Cost, full.res.Cost)

	// The plan is still feasible.
	rows, cols := make([]float64, 30), make([]float64, 30)
	for e, p := range s.plan {
		require.GreaterOrEqual(t, p, 0.0)
		rows[e/30] += p
		cols[e%30] += p
	}
	testutil.AllClose(t, rows, a, emdExactTol, emdExactTol)
	testutil.AllClose(t, cols, b, emdExactTol, emdExactTol)
}

// TestEMDDegenerate holds inputs on which a simplex without an anti-cycling
// rule stalls or loops; each must end, and quickly.
func TestEMDDegenerate(t *testing.T) {
	ones := func(k int) []float64 { return slices.Repeat([]float64{1}, k) }
	for _, tc := range []struct {
		name    string
		a, b, M []float64
		cost    float64
	}{
		{"all equal costs", testutil.Uniform(50), testutil.Uniform(70), ones(50 * 70), 1},
		{"duplicate points, zero bins", []float64{0.5, 0, 0.5}, []float64{0.5, 0.5, 0},
			make([]float64, 9), 0},
		// 292×2 with all-ones costs hung older solvers (POT issue #93).
		{"292x2 all ones", testutil.Uniform(292), testutil.Uniform(2), ones(292 * 2), 1},
		{"all zero costs", testutil.Uniform(40), testutil.Uniform(40), make([]float64, 1600), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := emdSolve(t, tc.a, tc.b, tc.M, lp.Options{})
			require.Equal(t, goot.Optimal, s.res.Status)
			assert.InDelta(t, tc.cost, s.res.Cost, emdExactTol)
			emdCheckOptimality(t, tc.a, tc.b, tc.M, s)
		})
	}
}

func TestEMDZeroMass(t *testing.T) {
	s := emdSolve(t, []float64{0, 0}, []float64{0}, []float64{1, 2}, lp.Options{})
	assert.Equal(t, goot.Optimal, s.res.Status)
	assert.Zero(t, s.res.Cost)
}

func TestEMDBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	n, m, k := 25, 18, 5
	a, _, M := emdRandomProblem(rng, n, m)
	B := make([]float64, m*k)
	cols := make([][]float64, k)
	for c := range k {
		_, cols[c], _ = emdRandomProblem(rng, 1, m)
		for j := range m {
			B[j*k+c] = cols[c][j]
		}
	}
	cols[2][0] += 0.5 // a mass mismatch in one column
	B[2] = cols[2][0]
	U, V := make([]float64, n*k), make([]float64, m*k)
	results := make([]lp.Result, k)
	require.NoError(t, lp.EMDBatch(a, B, k, M, U, V, lp.Options{}, results))
	for c := range k {
		s := emdSolve(t, a, cols[c], M, lp.Options{})
		assert.Equal(t, s.res, results[c], "column %d", c)
		u, v := make([]float64, n), make([]float64, m)
		for i := range n {
			u[i] = U[i*k+c]
		}
		for j := range m {
			v[j] = V[j*k+c]
		}
		testutil.AllClose(t, u, s.u, 0, 0, "u column %d", c)
		testutil.AllClose(t, v, s.v, 0, 0, "v column %d", c)
	}
	assert.Equal(t, goot.Infeasible, results[2].Status)

	// Costs only.
	require.NoError(t, lp.EMDBatch(a, B, k, M, nil, nil, lp.Options{}, results))
	assert.Equal(t, goot.Optimal, results[0].Status)
}

func TestEMDErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a, b, M := []float64{0.5, 0.5}, []float64{1}, []float64{1, 2}
	for _, tc := range []struct {
		name       string
		a, b, M    []float64
		plan, u, v []float64
		arg        string
	}{
		{"empty a", nil, b, nil, nil, nil, nil, "a"},
		{"empty b", a, nil, nil, nil, nil, nil, "b"},
		{"NaN weight", []float64{nan, 1}, b, M, nil, nil, nil, "a"},
		{"negative weight", a, []float64{-1}, M, nil, nil, nil, "b"},
		{"infinite weight", []float64{inf, 1}, b, M, nil, nil, nil, "a"},
		{"overflowing mass", []float64{1e308, 1e308}, b, M, nil, nil, nil, "a"},
		{"M length", a, b, []float64{1}, nil, nil, nil, "M"},
		{"NaN cost", a, b, []float64{1, nan}, nil, nil, nil, "M"},
		{"-Inf cost", a, b, []float64{-inf, 1}, nil, nil, nil, "M"},
		{"plan length", a, b, M, make([]float64, 3), nil, nil, "plan"},
		{"u length", a, b, M, nil, make([]float64, 1), nil, "u"},
		{"v length", a, b, M, nil, nil, make([]float64, 2), "v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lp.EMD(tc.a, tc.b, tc.M, tc.plan, tc.u, tc.v, lp.Options{})
			var argErr *goot.ArgError
			require.True(t, errors.As(err, &argErr), "got %v", err)
			assert.Equal(t, tc.arg, argErr.Arg)
		})
	}

	results := make([]lp.Result, 2)
	for _, tc := range []struct {
		name string
		B    []float64
		k    int
		M    []float64
		res  []lp.Result
		arg  string
	}{
		{"k zero", []float64{1, 1}, 0, M, results, "k"},
		{"B length", []float64{1, 1, 1}, 2, M, results, "b"},
		{"B negative", []float64{1, -1}, 2, M, results, "b"},
		{"M length", []float64{1, 1}, 2, []float64{1}, results, "M"},
		{"results length", []float64{1, 1}, 2, M, results[:1], "results"},
	} {
		t.Run("batch "+tc.name, func(t *testing.T) {
			err := lp.EMDBatch(a, tc.B, tc.k, tc.M, nil, nil, lp.Options{}, tc.res)
			var argErr *goot.ArgError
			require.True(t, errors.As(err, &argErr), "got %v", err)
			assert.Equal(t, tc.arg, argErr.Arg)
		})
	}
}

// FuzzEMD feeds arbitrary small problems: EMD must never panic, and an
// Optimal status must come with a plan that meets the marginals.
func FuzzEMD(f *testing.F) {
	f.Add(uint8(2), uint8(2), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(3), uint8(1), []byte{0, 0, 9, 255, 254, 3, 1})
	f.Add(uint8(1), uint8(4), []byte{200, 201, 202, 100})
	f.Fuzz(func(t *testing.T, n, m uint8, data []byte) {
		// Bytes decode to weights and costs with zeros, ties, +Inf, NaN, -Inf
		// and negatives, so that every error path and special case is hit.
		special := []float64{0, 1, 1e300, math.Inf(1), math.NaN(), math.Inf(-1), -1, 1e-300}
		next := func(k int) float64 {
			if len(data) == 0 {
				return 1
			}
			x := data[k%len(data)]
			if x >= 248 {
				return special[x-248]
			}
			return float64(x % 16)
		}
		nn, mm := int(n%6), int(m%6)
		a, b, M := make([]float64, nn), make([]float64, mm), make([]float64, nn*mm)
		for i := range a {
			a[i] = next(i)
		}
		for j := range b {
			b[j] = next(nn + j)
		}
		for e := range M {
			M[e] = next(nn + mm + e)
		}
		// Equal masses most of the time.
		var sa, sb float64
		for _, x := range a {
			sa += x
		}
		for _, x := range b {
			sb += x
		}
		if len(data) > 0 && data[0]%2 == 0 && sb > 0 && sa < 1e300 && sb < 1e300 {
			for j := range b {
				b[j] *= sa / sb
			}
		}
		plan, u, v := make([]float64, nn*mm), make([]float64, nn), make([]float64, mm)
		res, err := lp.EMD(a, b, M, plan, u, v, lp.Options{MaxIter: 1000})
		if err != nil || res.Status != goot.Optimal {
			return
		}
		rows := make([]float64, nn)
		for e, p := range plan {
			if p < 0 {
				t.Fatalf("negative plan entry %g", p)
			}
			rows[e/mm] += p
		}
		for i := range a {
			if math.Abs(rows[i]-a[i]) > 1e-9*(sa+1) {
				t.Fatalf("row %d ships %g, want %g", i, rows[i], a[i])
			}
		}
	})
}

// cloud draws n points of a 2-D Gaussian with the given mean and spread.
func emdCloud(rng *rand.Rand, n int, mean, spread float64) [][2]float64 {
	p := make([][2]float64, n)
	for i := range p {
		p[i] = [2]float64{spread*rng.NormFloat64() + mean, spread*rng.NormFloat64() + mean}
	}
	return p
}

// BenchmarkEMD solves the problem of the performance reference: 2-D clouds
// N(0, I) and N(1, I/4), squared Euclidean cost, uniform weights.
func BenchmarkEMD(b *testing.B) {
	for _, n := range []int{100, 500, 1000, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			x, y := emdCloud(rng, n, 0, 1), emdCloud(rng, n, 1, 0.5)
			M := make([]float64, n*n)
			for i := range x {
				for j := range y {
					dx, dy := x[i][0]-y[j][0], x[i][1]-y[j][1]
					M[i*n+j] = dx*dx + dy*dy
				}
			}
			w := testutil.Uniform(n)
			var res lp.Result
			for b.Loop() {
				res, _ = lp.EMD(w, w, M, nil, nil, nil, lp.Options{})
			}
			b.ReportMetric(float64(res.Iter), "pivots")
		})
	}
}

// TestEMDWideProblems covers very unequal sizes, where the greedy start lets
// the longer side choose (by regret when the other side is short). A 2×40000
// problem once took 16 s. The solution must pass the optimality checks:
// marginals, dual feasibility, complementary slackness, zero duality gap.
func TestEMDWideProblems(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, size := range [][2]int{{2, 3000}, {3000, 2}, {5, 2000}, {1, 500}} {
		n, m := size[0], size[1]
		M := make([]float64, n*m)
		for i := range M {
			M[i] = r.Float64()
		}
		a, b := testutil.Uniform(n), testutil.Uniform(m)
		s := emdSolve(t, a, b, M, lp.Options{})
		require.Equal(t, goot.Optimal, s.res.Status)
		emdCheckOptimality(t, a, b, M, s)
	}
}
