package unbalanced_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/bregman"
	"github.com/goot-ot/goot/goot/unbalanced"
	"github.com/goot-ot/goot/internal/testutil"
)

// Tolerances.
const (
	// closedTol: the 2×2 closed form is met to rounding once the iteration
	// has converged to Tol = 1e-15.
	closedTol = 1e-12
	// balancedTol: with regA = regB = +Inf the iteration is Sinkhorn's;
	// both solves stop at errors ~1e-13, amplified by 1/reg = 10.
	balancedTol = 1e-9
	// marginalTol: the column condition holds exactly after each v update
	// (a few ulps of m terms); the row one after convergence to 1e-14.
	marginalTol = 1e-10
)

var methods = map[string]unbalanced.Method{
	"knopp":                 unbalanced.Knopp,
	"stabilized":            unbalanced.Stabilized,
	"translation-invariant": unbalanced.TranslationInvariant,
}

type problem struct {
	a, b, M []float64
	n, m    int
}

func randomProblem(n, m int, seed uint64) problem {
	rng := rand.New(rand.NewPCG(seed, 11))
	p := problem{a: make([]float64, n), b: make([]float64, m), M: make([]float64, n*m),
		n: n, m: m}
	for i := range p.a {
		p.a[i] = rng.Float64() + 0.05
	}
	for j := range p.b {
		p.b[j] = 2 * (rng.Float64() + 0.05) / float64(m) * float64(n) / float64(n)
	}
	for e := range p.M {
		p.M[e] = rng.Float64()
	}
	return p
}

// balancedProblem is randomProblem with b rescaled to the mass of a.
func balancedProblem(n, m int, seed uint64) problem {
	p := randomProblem(n, m, seed)
	sa, sb := 0.0, 0.0
	for _, x := range p.a {
		sa += x
	}
	for _, x := range p.b {
		sb += x
	}
	for j := range p.b {
		p.b[j] *= sa / sb
	}
	return p
}

func solve(t *testing.T, p problem, method unbalanced.Method, reg, regA, regB float64,
	opt unbalanced.Options) ([]float64, []float64, []float64, unbalanced.Result) {
	t.Helper()
	f, g, plan := make([]float64, p.n), make([]float64, p.m), make([]float64, p.n*p.m)
	res, err := unbalanced.Solve(p.a, p.b, p.M, 1, reg, regA, regB, method, f, g, plan, nil, opt)
	require.NoError(t, err)
	return plan, f, g, res
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

// TestClosedForm2x2: for a = b = (1/2, 1/2), M = [[0, 1], [1, 0]], reg =
// regA = regB = 1 and c = a bᵀ, symmetry gives u = v = x with
// x = (a / (K x))^{1/2}, so x³ = 1/2 / s with s = (1 + e⁻¹)/4, and
// P = x² K: P_11 = x²/4, P_12 = x² e⁻¹/4 (POT's 0.32205…, 0.11847…).
func TestClosedForm2x2(t *testing.T) {
	p := problem{a: []float64{.5, .5}, b: []float64{.5, .5}, M: []float64{0, 1, 1, 0}, n: 2, m: 2}
	x2 := math.Pow(0.5/((1+math.Exp(-1))/4), 2.0/3)
	want := []float64{x2 / 4, x2 * math.Exp(-1) / 4, x2 * math.Exp(-1) / 4, x2 / 4}
	for name, method := range methods {
		t.Run(name, func(t *testing.T) {
			plan, _, _, res := solve(t, p, method, 1, 1, 1,
				unbalanced.Options{Tol: 1e-15, MaxIter: 10000})
			testutil.AllClose(t, plan, want, closedTol, 0)
			assert.InDelta(t, 2*want[1], res.Cost, closedTol)
		})
	}
}

// TestBalancedLimit: regA = regB = +Inf is balanced entropic OT, with the
// entropy reference c = 1 that bregman.SinkhornLog solves.
func TestBalancedLimit(t *testing.T) {
	p := balancedProblem(30, 20, 1)
	const reg = 0.1
	f, g, want := make([]float64, p.n), make([]float64, p.m), make([]float64, p.n*p.m)
	_, err := bregman.SinkhornLog(p.a, p.b, p.M, reg, f, g, want, nil,
		bregman.Options{Tol: 1e-14, MaxIter: 100000})
	require.NoError(t, err)
	inf := math.Inf(1)
	for name, method := range methods {
		t.Run(name, func(t *testing.T) {
			opt := unbalanced.Options{Tol: 1e-15, MaxIter: 100000, Ref: unbalanced.Ones}
			plan, _, _, _ := solve(t, p, method, reg, inf, inf, opt)
			testutil.AllClose(t, plan, want, 0, balancedTol)
		})
	}
}

// TestLargeRegMApproachesBalanced: as regA = regB grow, the unbalanced plan
// tends to the balanced one (its marginal error shrinks like 1/reg_m).
func TestLargeRegMApproachesBalanced(t *testing.T) {
	p := balancedProblem(12, 9, 2)
	prev := math.Inf(1)
	for _, regM := range []float64{1, 10, 100, 1000} {
		plan, _, _, _ := solve(t, p, unbalanced.Knopp, 0.1, regM, regM,
			unbalanced.Options{Tol: 1e-13, MaxIter: 200000})
		rows, _ := marginals(plan, p.n, p.m)
		dev := 0.0
		for i, r := range rows {
			dev = max(dev, math.Abs(r-p.a[i]))
		}
		assert.Less(t, dev, prev, "reg_m=%g", regM)
		prev = dev
	}
	assert.Less(t, prev, 1e-2)
}

// TestMarginalOptimality: at the optimum, the first-order conditions of the
// KL marginal terms read P 1 = a ⊙ exp(-f·reg/regA) and
// Pᵀ1 = b ⊙ exp(-g·reg/regB), for the log-scalings f, g of the KL
// reference; also for reg = 1e-3, where the kernel exp(-M/reg) underflows.
func TestMarginalOptimality(t *testing.T) {
	for _, tc := range []struct {
		name            string
		reg, regA, regB float64
		method          unbalanced.Method
	}{
		{"knopp", 0.1, 1, 2, unbalanced.Knopp},
		{"ti", 0.1, 1, 1, unbalanced.TranslationInvariant},
		{"knopp-small-reg", 1e-3, 0.05, 0.05, unbalanced.Knopp},
		{"ti-small-reg", 1e-3, 0.05, 0.05, unbalanced.TranslationInvariant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := randomProblem(25, 18, 3)
			plan, f, g, res := solve(t, p, tc.method, tc.reg, tc.regA, tc.regB,
				unbalanced.Options{Tol: 1e-14, MaxIter: 50000})
			require.Equal(t, goot.Optimal, res.Status)
			rows, cols := marginals(plan, p.n, p.m)
			wantR, wantC := make([]float64, p.n), make([]float64, p.m)
			for i := range wantR {
				wantR[i] = p.a[i] * math.Exp(-f[i]*tc.reg/tc.regA)
			}
			for j := range wantC {
				wantC[j] = p.b[j] * math.Exp(-g[j]*tc.reg/tc.regB)
			}
			testutil.AllClose(t, rows, wantR, marginalTol, marginalTol)
			testutil.AllClose(t, cols, wantC, marginalTol, marginalTol)
		})
	}
}

// TestMethodsAgree: the three methods share their fixed point, except
// TranslationInvariant with regA ≠ regB, whose fixed point differs from
// Knopp's in POT 0.9.7 too (kept for parity, see TranslationInvariant).
func TestMethodsAgree(t *testing.T) {
	p := randomProblem(20, 15, 4)
	opt := unbalanced.Options{Tol: 1e-15, MaxIter: 100000}
	for _, regB := range []float64{0.5, 3} {
		want, _, _, _ := solve(t, p, unbalanced.Knopp, 0.2, 0.5, regB, opt)
		got, _, _, _ := solve(t, p, unbalanced.Stabilized, 0.2, 0.5, regB, opt)
		testutil.AllClose(t, got, want, 1e-9, 1e-12)
		if regB == 0.5 {
			got, _, _, _ = solve(t, p, unbalanced.TranslationInvariant, 0.2, 0.5, regB, opt)
			testutil.AllClose(t, got, want, 1e-9, 1e-12)
		}
	}
}

// TestSpecialCases: zero weights give zero rows and columns, +Inf costs
// forbid their pair, and the costs count 0·Inf as 0.
func TestSpecialCases(t *testing.T) {
	inf := math.Inf(1)
	p := problem{a: []float64{0.4, 0, 0.6}, b: []float64{0.5, 0.5, 0},
		M: []float64{0, inf, 1, 1, 0, 1, 0.5, 0.2, 0}, n: 3, m: 3}
	for name, method := range methods {
		t.Run(name, func(t *testing.T) {
			plan, _, _, res := solve(t, p, method, 0.1, 1, 1, unbalanced.Options{Tol: 1e-12})
			for j := range 3 {
				assert.Zero(t, plan[1*3+j])
				assert.Zero(t, plan[j*3+2])
			}
			assert.Zero(t, plan[1])
			assert.False(t, math.IsNaN(res.Cost) || math.IsInf(res.Cost, 0))
			assert.Greater(t, plan[0], 0.0)
		})
	}
}

// TestMultipleHistograms: k histograms at once give, per histogram, the
// plan of the single solve with the entropy reference (up to the shared
// stopping rule, so both run to convergence).
func TestMultipleHistograms(t *testing.T) {
	p := randomProblem(10, 8, 5)
	q := randomProblem(10, 8, 6)
	b := make([]float64, 2*p.m)
	for j := range p.m {
		b[2*j], b[2*j+1] = p.b[j], q.b[j]
	}
	opt := unbalanced.Options{Tol: 1e-15, MaxIter: 100000, Ref: unbalanced.Ones}
	for name, method := range methods {
		t.Run(name, func(t *testing.T) {
			f, g, costs := make([]float64, 2*p.n), make([]float64, 2*p.m), make([]float64, 2)
			_, err := unbalanced.Solve(p.a, b, p.M, 2, 0.3, 1, 1, method, f, g, nil, costs, opt)
			require.NoError(t, err)
			for c, one := range []problem{p, {a: p.a, b: q.b, M: p.M, n: p.n, m: p.m}} {
				_, _, _, res := solve(t, one, method, 0.3, 1, 1, opt)
				assert.InDelta(t, res.Cost, costs[c], 1e-10, "histogram %d", c)
			}
		})
	}
}

// TestBadInput: every invalid argument is an *ArgError naming it.
func TestBadInput(t *testing.T) {
	p := randomProblem(3, 2, 7)
	f, g := make([]float64, 3), make([]float64, 2)
	nan := math.NaN()
	for _, tc := range []struct {
		name, arg       string
		reg, regA, regB float64
		M               []float64
		method          unbalanced.Method
	}{
		{"negative reg", "reg", -1, 1, 1, p.M, unbalanced.Knopp},
		{"NaN reg", "reg", nan, 1, 1, p.M, unbalanced.Knopp},
		{"negative reg_m", "reg_m", 1, -1, 1, p.M, unbalanced.Knopp},
		{"NaN reg_m", "reg_m", 1, 1, nan, p.M, unbalanced.Knopp},
		{"short M", "M", 1, 1, 1, p.M[:5], unbalanced.Knopp},
		{"NaN cost", "M", 1, 1, 1, []float64{0, nan, 1, 1, 1, 1}, unbalanced.Knopp},
		{"method", "method", 1, 1, 1, p.M, unbalanced.Method(9)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := unbalanced.Solve(p.a, p.b, tc.M, 1, tc.reg, tc.regA, tc.regB, tc.method,
				f, g, nil, nil, unbalanced.Options{})
			var ae *goot.ArgError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.arg, ae.Arg)
		})
	}
	_, err := unbalanced.Sinkhorn(nil, p.a, p.b, p.M, 4, 2, 1, 1, 1, unbalanced.Options{})
	assert.Error(t, err)
}

// TestWarmStart: starting from converged log-scalings converges at once
// (Stabilized is left out: POT's version starts its potentials at 0 and
// absorbs the warm scalings, so it does not shorten the solve).
func TestWarmStart(t *testing.T) {
	p := randomProblem(15, 10, 8)
	for name, method := range map[string]unbalanced.Method{"knopp": unbalanced.Knopp,
		"translation-invariant": unbalanced.TranslationInvariant} {
		t.Run(name, func(t *testing.T) {
			_, f, g, first := solve(t, p, method, 0.1, 1, 1, unbalanced.Options{Tol: 1e-9})
			_, err := unbalanced.Solve(p.a, p.b, p.M, 1, 0.1, 1, 1, method, f, g, nil, nil,
				unbalanced.Options{Tol: 1e-9, Warm: true})
			require.NoError(t, err)
			res, err := unbalanced.Solve(p.a, p.b, p.M, 1, 0.1, 1, 1, method, f, g, nil, nil,
				unbalanced.Options{Tol: 1e-9, Warm: true})
			require.NoError(t, err)
			assert.LessOrEqual(t, res.Iter, max(first.Iter/2, 11))
		})
	}
}

// barycenterA is np.random.default_rng(0).random((6, 3)) + 0.05, the input of
// the POT 0.9.7 known answer below.
var barycenterA = []float64{
	0.6869616873214544, 0.3197867137638703, 0.09097352393619469,
	0.0665276355285291, 0.8632702392002725, 0.9627555772777218,
	0.6566357757671799, 0.7794965609839984, 0.5936249914654229,
	0.9850724237877683, 0.8658535541215322, 0.0527385001701481,
	0.9074042765875694, 0.08358557530546436, 0.7796554464299441,
	0.225655620602559, 0.9131789223498866, 0.5914612202490918,
}

// TestBarycenterKnownAnswer: POT 0.9.7's barycenter_unbalanced_sinkhorn on
// barycenterA, M_ij = (i - j)²/25, reg = 0.1, reg_m = 1, uniform weights
// gives this q after 31 iterations (log["niter"] = 30).
func TestBarycenterKnownAnswer(t *testing.T) {
	const dim, k = 6, 3
	M := make([]float64, dim*dim)
	for i := range dim {
		for j := range dim {
			M[i*dim+j] = float64((i-j)*(i-j)) / 25
		}
	}
	w := []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	q, f, g := make([]float64, dim), make([]float64, dim*k), make([]float64, dim*k)
	res, err := unbalanced.Barycenter(barycenterA, M, w, k, 0.1, 1, q, f, g,
		unbalanced.Options{Tol: 1e-6})
	require.NoError(t, err)
	want := []float64{0.46177654, 0.65968247, 0.73648936, 0.73967513, 0.71756994,
		0.5639602}
	testutil.AllClose(t, q, want, 1e-7, 0) // POT's value printed to 8 digits
	assert.Equal(t, 30, res.Iter)
}

// TestBarycenterOfCopies: the barycenter of two copies of a histogram is the
// barycenter of one.
func TestBarycenterOfCopies(t *testing.T) {
	const dim = 5
	M := make([]float64, dim*dim)
	for i := range dim {
		for j := range dim {
			M[i*dim+j] = math.Abs(float64(i-j)) / 4
		}
	}
	one := []float64{0.1, 0.4, 0.2, 0.0, 0.3}
	two := make([]float64, 2*dim)
	for i, x := range one {
		two[2*i], two[2*i+1] = x, x
	}
	opt := unbalanced.Options{Tol: 1e-14, MaxIter: 10000}
	q1, q2 := make([]float64, dim), make([]float64, dim)
	_, err := unbalanced.Barycenter(one, M, []float64{1}, 1, 0.05, 0.5, q1,
		make([]float64, dim), make([]float64, dim), opt)
	require.NoError(t, err)
	_, err = unbalanced.Barycenter(two, M, []float64{0.5, 0.5}, 2, 0.05, 0.5, q2,
		make([]float64, 2*dim), make([]float64, 2*dim), opt)
	require.NoError(t, err)
	testutil.AllClose(t, q2, q1, 1e-12, 1e-15)
}

// TestBarycenterStabilizedKnownAnswer: POT 0.9.7's
// barycenter_unbalanced_stabilized on the input of TestBarycenterKnownAnswer.
func TestBarycenterStabilizedKnownAnswer(t *testing.T) {
	const dim, k = 6, 3
	M := make([]float64, dim*dim)
	for i := range dim {
		for j := range dim {
			M[i*dim+j] = float64((i-j)*(i-j)) / 25
		}
	}
	w := []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	q, f, g := make([]float64, dim), make([]float64, dim*k), make([]float64, dim*k)
	res, err := unbalanced.BarycenterStabilized(barycenterA, M, w, k, 0.1, 1, q, f, g,
		unbalanced.Options{Tol: 1e-6})
	require.NoError(t, err)
	testutil.AllClose(t, q, stabilizedWant, 1e-7, 0)
	assert.Equal(t, stabilizedIter, res.Iter)
}

// POT 0.9.7's answer for TestBarycenterStabilizedKnownAnswer (8 digits).
var stabilizedWant = []float64{0.46177654, 0.65968247, 0.73648936, 0.73967513,
	0.71756994, 0.56396020}

const stabilizedIter = 30

// TestMMClosedForm: for a = b = (1/2, 1/2), M = [[1, 36], [9, 4]] and
// reg_m = 5 the off-diagonal mass vanishes and each diagonal entry solves
// its own 1-D problem: KL: M_ii + 2·5·log(G/½) = 0, G = ½ e^{-M_ii/10};
// L2: M_ii + 2·5·(G - ½) = 0, G = ½ - M_ii/10.
func TestMMClosedForm(t *testing.T) {
	a, b := []float64{.5, .5}, []float64{.5, .5}
	M := []float64{1, 36, 9, 4}
	for _, tc := range []struct {
		name string
		div  unbalanced.Divergence
		want []float64
	}{
		{"kl", unbalanced.KL, []float64{0.5 * math.Exp(-0.1), 0, 0, 0.5 * math.Exp(-0.4)}},
		{"l2", unbalanced.L2, []float64{0.4, 0, 0, 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			G := make([]float64, 4)
			res, err := unbalanced.MM(a, b, M, 0, 5, 5, tc.div, G, nil,
				unbalanced.Options{Tol: 1e-15})
			require.NoError(t, err)
			// The off-diagonal entries decay geometrically: 1e-15 after 1000
			// iterations of the KL update (POT's own iterate: 5.5e-16).
			testutil.AllClose(t, G, tc.want, 1e-12, 1e-14)
			assert.InDelta(t, tc.want[0]+4*tc.want[3], res.Cost, 1e-12)
		})
	}
}

// TestMMLargeRegM: with equal masses and a large reg_m the marginals are
// those of the balanced problem to 1e-3 (the check of POT's test_mm).
func TestMMLargeRegM(t *testing.T) {
	p := balancedProblem(10, 8, 12)
	G := make([]float64, p.n*p.m)
	_, err := unbalanced.MM(p.a, p.b, p.M, 0, 1e3, 1e3, unbalanced.KL, G, nil,
		unbalanced.Options{MaxIter: 5000, Tol: 1e-15})
	require.NoError(t, err)
	rows, cols := marginals(G, p.n, p.m)
	testutil.AllClose(t, rows, p.a, 0, 1e-3)
	testutil.AllClose(t, cols, p.b, 0, 1e-3)
}

// TestPrimalLossGradient: the gradient of PrimalLoss matches central
// finite differences for every smooth pair of penalties (TV is checked away
// from its kinks: the marginals of G differ from a and b).
func TestPrimalLossGradient(t *testing.T) {
	p := randomProblem(4, 3, 13)
	rng := rand.New(rand.NewPCG(13, 1))
	G, C := make([]float64, 12), make([]float64, 12)
	for e := range G {
		G[e], C[e] = rng.Float64()+0.1, rng.Float64()+0.1
	}
	grad, scratch := make([]float64, 12), make([]float64, 12)
	const h = 1e-6
	// fdTol: central differences err by O(h²·f''') ≈ 1e-11 here, plus the
	// rounding of f (1e-16) divided by h.
	const fdTol = 1e-7
	for _, plan := range []unbalanced.Penalty{unbalanced.PenaltyKL, unbalanced.PenaltyL2,
		unbalanced.PenaltyEntropy} {
		for _, marg := range []unbalanced.Penalty{unbalanced.PenaltyKL, unbalanced.PenaltyL2,
			unbalanced.PenaltyTV} {
			_, err := unbalanced.PrimalLoss(p.a, p.b, p.M, C, G, grad, 0.3, 1, 2, plan, marg)
			require.NoError(t, err)
			for e := range G {
				x := G[e]
				G[e] = x + h
				up, _ := unbalanced.PrimalLoss(p.a, p.b, p.M, C, G, scratch, 0.3, 1, 2, plan, marg)
				G[e] = x - h
				down, _ := unbalanced.PrimalLoss(p.a, p.b, p.M, C, G, scratch, 0.3, 1, 2, plan,
					marg)
				G[e] = x
				assert.InDelta(t, (up-down)/(2*h), grad[e], fdTol, "plan %d marg %d", plan, marg)
			}
		}
	}
	_, err := unbalanced.PrimalLoss(p.a, p.b, p.M, C, G, grad, 0.3, 1, 2,
		unbalanced.PenaltyTV, unbalanced.PenaltyKL)
	assert.Error(t, err)
}
