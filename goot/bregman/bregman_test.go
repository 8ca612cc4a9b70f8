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

// Tolerances.
const (
	// marginalTol: the solves below stop at an L2 column error < 1e-12, and
	// row marginals are exact after each u update (a few ulps of n terms).
	marginalTol = 1e-10
	// agreeTol: two methods converged to 1e-12 give plans that differ by the
	// error of each, amplified at most by 1/reg ≤ 10 on these problems.
	agreeTol = 1e-10
	// closedTol: the 2×2 closed form is met to rounding after convergence.
	closedTol = 1e-12
)

type problem struct {
	a, b, M []float64
	n, m    int
}

func randomProblem(n, m int, seed uint64) problem {
	rng := rand.New(rand.NewPCG(seed, 7))
	p := problem{a: make([]float64, n), b: make([]float64, m), M: make([]float64, n*m), n: n, m: m}
	normalised(p.a, rng)
	normalised(p.b, rng)
	for e := range p.M {
		p.M[e] = rng.Float64()
	}
	return p
}

func normalised(w []float64, rng *rand.Rand) {
	s := 0.0
	for i := range w {
		w[i] = rng.Float64() + 0.05
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
}

// solver runs one method and returns its plan.
type solver func(t *testing.T, p problem, reg float64, opt bregman.Options) ([]float64, bregman.Result)

var solvers = map[string]solver{
	"sinkhorn": func(t *testing.T, p problem, reg float64, opt bregman.Options) ([]float64, bregman.Result) {
		plan, u, v := make([]float64, p.n*p.m), make([]float64, p.n), make([]float64, p.m)
		res, err := bregman.Sinkhorn(p.a, p.b, p.M, 1, reg, u, v, plan, nil, opt)
		require.NoError(t, err)
		return plan, res
	},
	"sinkhorn_log": func(t *testing.T, p problem, reg float64, opt bregman.Options) ([]float64, bregman.Result) {
		plan, f, g := make([]float64, p.n*p.m), make([]float64, p.n), make([]float64, p.m)
		res, err := bregman.SinkhornLog(p.a, p.b, p.M, reg, f, g, plan, nil, opt)
		require.NoError(t, err)
		return plan, res
	},
	"sinkhorn_stabilized": func(t *testing.T, p problem, reg float64, opt bregman.Options) ([]float64, bregman.Result) {
		plan := make([]float64, p.n*p.m)
		al, be, u, v := make([]float64, p.n), make([]float64, p.m), make([]float64, p.n), make([]float64, p.m)
		opt.CheckEvery = 1
		res, err := bregman.SinkhornStabilized(p.a, p.b, p.M, reg, al, be, u, v, plan, nil, opt)
		require.NoError(t, err)
		return plan, res
	},
	"greenkhorn": func(t *testing.T, p problem, reg float64, opt bregman.Options) ([]float64, bregman.Result) {
		plan, u, v := make([]float64, p.n*p.m), make([]float64, p.n), make([]float64, p.m)
		opt.MaxIter *= 50
		res, err := bregman.Greenkhorn(p.a, p.b, p.M, reg, u, v, plan, opt)
		require.NoError(t, err)
		return plan, res
	},
}

func marginals(plan []float64, n, m int) (rows, cols []float64) {
	rows, cols = make([]float64, n), make([]float64, m)
	for i := range n {
		for j := range m {
			rows[i] += plan[i*m+j]
			cols[j] += plan[i*m+j]
		}
	}
	return rows, cols
}

func TestMarginalsAtConvergence(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {2, 3}, {7, 5}, {60, 45}, {300, 200}} {
		p := randomProblem(size[0], size[1], uint64(size[0]))
		for name, solve := range solvers {
			t.Run(fmt.Sprintf("%s/%dx%d", name, p.n, p.m), func(t *testing.T) {
				plan, res := solve(t, p, 0.1, bregman.Options{MaxIter: 20000, Tol: 1e-12})
				require.Equal(t, goot.Optimal, res.Status, "iter %d", res.Iter)
				rows, cols := marginals(plan, p.n, p.m)
				testutil.AllClose(t, rows, p.a, 0, marginalTol)
				testutil.AllClose(t, cols, p.b, 0, marginalTol)
			})
		}
	}
}

func TestMethodsAgree(t *testing.T) {
	p := randomProblem(80, 60, 3)
	want, _ := solvers["sinkhorn"](t, p, 0.1, bregman.Options{MaxIter: 5000, Tol: 1e-13})
	for name, solve := range solvers {
		got, _ := solve(t, p, 0.1, bregman.Options{MaxIter: 5000, Tol: 1e-13})
		testutil.AllClose(t, got, want, 0, agreeTol, name)
	}
}

// TestClosedForm: for a = b = (½, ½) and M = [[0, 1], [1, 0]] the plan is
// [[x, ½-x], [½-x, x]] with x/(½-x) = e^{1/reg}.
func TestClosedForm(t *testing.T) {
	a, M := []float64{0.5, 0.5}, []float64{0, 1, 1, 0}
	for _, reg := range []float64{2, 1, 0.1} {
		r := math.Exp(1 / reg)
		x := 0.5 * r / (1 + r)
		want := []float64{x, 0.5 - x, 0.5 - x, x}
		for name, solve := range solvers {
			got, _ := solve(t, problem{a: a, b: a, M: M, n: 2, m: 2}, reg,
				bregman.Options{MaxIter: 1000, Tol: 1e-15})
			testutil.AllClose(t, got, want, closedTol, 0, name, reg)
		}
	}
}

// TestHugeCosts: a constant added to M does not change the plan, so costs
// ~1e3 with reg 1 (the kernel underflows: reported case B13) must give the
// plan of the shifted costs. Sinkhorn and SinkhornStabilized get there
// through their log-domain fallback.
func TestHugeCosts(t *testing.T) {
	p := randomProblem(20, 15, 5)
	shifted := problem{a: p.a, b: p.b, M: make([]float64, len(p.M)), n: p.n, m: p.m}
	for e, x := range p.M {
		p.M[e] = 1000 + 100*x
		shifted.M[e] = 100 * x
	}
	opt := bregman.Options{MaxIter: 5000, Tol: 1e-12}
	want, _ := solvers["sinkhorn_log"](t, shifted, 1, opt)
	for name, solve := range solvers {
		got, _ := solve(t, p, 1, opt)
		testutil.AllClose(t, got, want, 0, agreeTol, name)
	}
}

// TestTinyReg: reg 1e-4 on costs in [0, 1] stays finite in the log domain
// and keeps the row marginals (exact after each f update).
func TestTinyReg(t *testing.T) {
	p := randomProblem(30, 20, 9)
	plan, _ := solvers["sinkhorn_log"](t, p, 1e-4, bregman.Options{MaxIter: 200})
	for _, x := range plan {
		require.False(t, math.IsNaN(x) || math.IsInf(x, 0))
	}
	rows, _ := marginals(plan, p.n, p.m)
	testutil.AllClose(t, rows, p.a, 0, marginalTol)
}

// TestZeroWeightsAndForbiddenPairs: zero weights give zero rows and
// columns, +Inf costs exact zeros, and the cost counts 0·Inf as 0. The
// only feasible plan sends row 0 to column 0 and row 2 to column 1.
func TestZeroWeightsAndForbiddenPairs(t *testing.T) {
	inf := math.Inf(1)
	a := []float64{0.5, 0, 0.5}
	b := []float64{0.5, 0.5, 0}
	M := []float64{0, inf, 1, 2, 2, 2, inf, 1, 0}
	p := problem{a: a, b: b, M: M, n: 3, m: 3}
	for name, solve := range solvers {
		plan, res := solve(t, p, 0.5, bregman.Options{MaxIter: 5000, Tol: 1e-12})
		assert.Equal(t, goot.Optimal, res.Status, name)
		for _, e := range []int{1, 3, 4, 5, 6, 2, 8} {
			assert.Zero(t, plan[e], "%s entry %d", name, e)
		}
		testutil.AllClose(t, plan, []float64{0.5, 0, 0, 0, 0, 0, 0, 0.5, 0}, 0, marginalTol, name)
	}
	cost := make([]float64, 1)
	_, err := bregman.SinkhornLog(a, b, M, 0.5, make([]float64, 3), make([]float64, 3), nil, cost,
		bregman.Options{MaxIter: 100})
	require.NoError(t, err)
	assert.InDelta(t, 0.5, cost[0], marginalTol)
}

func TestMultiHistogram(t *testing.T) {
	p := randomProblem(30, 20, 11)
	q := randomProblem(30, 20, 12)
	k := 2
	B := make([]float64, p.m*k)
	for j := range p.m {
		B[j*k], B[j*k+1] = p.b[j], q.b[j]
	}
	opt := bregman.Options{MaxIter: 5000, Tol: 1e-13}
	costs := make([]float64, k)
	_, err := bregman.Sinkhorn(p.a, B, p.M, k, 0.1, make([]float64, p.n*k), make([]float64, p.m*k),
		nil, costs, opt)
	require.NoError(t, err)
	for c, b := range [][]float64{p.b, q.b} {
		one := make([]float64, 1)
		_, err := bregman.Sinkhorn(p.a, b, p.M, 1, 0.1, make([]float64, p.n), make([]float64, p.m),
			nil, one, opt)
		require.NoError(t, err)
		assert.InDelta(t, one[0], costs[c], agreeTol)
	}
}

func TestBadInput(t *testing.T) {
	p := randomProblem(3, 2, 1)
	nan := append([]float64(nil), p.M...)
	nan[2] = math.NaN()
	for _, tc := range []struct {
		name, arg string
		reg       float64
		a, b, M   []float64
	}{
		{"negative reg", "reg", -1, p.a, p.b, p.M},
		{"zero reg", "reg", 0, p.a, p.b, p.M},
		{"NaN reg", "reg", math.NaN(), p.a, p.b, p.M},
		{"NaN cost", "M", 1, p.a, p.b, nan},
		{"shape", "M", 1, p.a, p.b, p.M[:5]},
		{"negative weight", "a", 1, []float64{-1, 1, 1}, p.b, p.M},
		{"forbidden row", "M", 1, p.a, p.b, []float64{0, 0, math.Inf(1), math.Inf(1), 0, 0}},
	} {
		_, err := bregman.SinkhornLog(tc.a, tc.b, tc.M, tc.reg, make([]float64, 3),
			make([]float64, 2), nil, nil, bregman.Options{})
		var ae *goot.ArgError
		require.True(t, errors.As(err, &ae), tc.name)
		assert.Equal(t, tc.arg, ae.Arg, tc.name)
	}
}

func ExampleSinkhorn() {
	a, b := []float64{0.5, 0.5}, []float64{0.5, 0.5}
	M := []float64{0, 1, 1, 0}
	plan, u, v := make([]float64, 4), make([]float64, 2), make([]float64, 2)
	res, err := bregman.Sinkhorn(a, b, M, 1, 1, u, v, plan, nil, bregman.Options{Tol: 1e-9})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %v\n", plan, res.Status)
	// Output: [0.365529 0.134471 0.134471 0.365529] optimal
}

func FuzzSinkhornLog(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(4), 0.1, 1.0)
	f.Add(uint64(2), uint8(1), uint8(1), 1e-4, 1e3)
	f.Fuzz(func(t *testing.T, seed uint64, n8, m8 uint8, reg, scale float64) {
		n, m := int(n8%12)+1, int(m8%12)+1
		if !(reg > 1e-6 && reg < 1e6) || !(math.Abs(scale) < 1e6) {
			return
		}
		p := randomProblem(n, m, seed)
		for e := range p.M {
			p.M[e] *= scale
		}
		plan := make([]float64, n*m)
		for name, solve := range solvers {
			plan, _ = solve(t, p, reg, bregman.Options{MaxIter: 50})
			for _, x := range plan {
				require.False(t, math.IsNaN(x) || math.IsInf(x, 0) || x < 0, "%s %v", name, plan)
			}
		}
	})
}

func BenchmarkSinkhorn(b *testing.B) {
	for _, n := range []int{500, 2000} {
		p := randomProblem(n, n, 1)
		u, v := make([]float64, n), make([]float64, n)
		b.Run(fmt.Sprintf("knopp/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = bregman.Sinkhorn(p.a, p.b, p.M, 1, 0.05, u, v, nil, nil,
					bregman.Options{MaxIter: 50})
			}
		})
		b.Run(fmt.Sprintf("log/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = bregman.SinkhornLog(p.a, p.b, p.M, 0.05, u, v, nil, nil,
					bregman.Options{MaxIter: 50})
			}
		})
	}
}

// TestLazyMatchesDense: the lazy solve from points reaches the plan of the
// dense solve on goot.Dist's matrix (same fixed point, other order), so the
// costs agree to the convergence tolerance.
func TestLazyMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n, m, d := 70, 50, 3
	xs, xt := make([]float64, n*d), make([]float64, m*d)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	for i := range xt {
		xt[i] = rng.NormFloat64() + 1
	}
	p := randomProblem(n, m, 4)
	M := make([]float64, n*m)
	require.NoError(t, goot.Dist(xs, xt, d, goot.SqEuclidean, 2, M))
	opt := bregman.Options{MaxIter: 5000, Tol: 1e-13}
	want := make([]float64, 1)
	_, err := bregman.SinkhornLog(p.a, p.b, M, 0.5, make([]float64, n), make([]float64, m), nil,
		want, opt)
	require.NoError(t, err)
	got := make([]float64, 1)
	f, g := make([]float64, n), make([]float64, m)
	res, err := bregman.SinkhornLazy(xs, xt, d, goot.SqEuclidean, 2, p.a, p.b, 0.5, f, g, got, opt)
	require.NoError(t, err)
	assert.Equal(t, goot.Optimal, res.Status)
	assert.InDelta(t, want[0], got[0], agreeTol*want[0])
}

// TestOverRelaxationSameFixedPoint: over-relaxed Sinkhorn (fixed and
// automatic ω) reaches the plan of plain Sinkhorn in fewer iterations.
func TestOverRelaxationSameFixedPoint(t *testing.T) {
	p := randomProblem(60, 50, 21)
	base := bregman.Options{MaxIter: 20000, Tol: 1e-12}
	want, plain := solvers["sinkhorn"](t, p, 0.01, base)
	require.Equal(t, goot.Optimal, plain.Status)
	for _, omega := range []float64{1.5, -1} {
		opt := base
		opt.Omega = omega
		for _, name := range []string{"sinkhorn", "sinkhorn_log"} {
			got, res := solvers[name](t, p, 0.01, opt)
			require.Equal(t, goot.Optimal, res.Status, name)
			assert.Less(t, res.Iter, plain.Iter, "%s ω=%g", name, omega)
			testutil.AllClose(t, got, want, 0, agreeTol, name, omega)
		}
	}
}
