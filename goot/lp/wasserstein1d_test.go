package lp

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
	"github.com/goot-ot/goot/internal/testutil"
)

// w1dRtol is the agreement expected between two evaluations of the same
// quantile integral: they add the same n+m nonnegative terms in a different
// grouping (blocks here, one running sum in the reference), which differs by
// well under 1e-13 relative at the sizes tested. 1e-12 is the parity target
// against POT.
const w1dRtol = 1e-12

// w1dReference is POT's formula written as plainly as possible: sort each
// measure (unless sorted), cumulate the weights, merge the levels, and take
// each quantile as the first index whose cumulative weight reaches the level,
// clipped to the last point.
func w1dReference(u, uw, v, vw []float64, p float64, sorted bool) float64 {
	prep := func(x, w []float64) ([]float64, []float64) {
		n := len(x)
		if w == nil {
			w = make([]float64, n)
			for i := range w {
				w[i] = 1 / float64(n)
			}
		}
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		if !sorted {
			sort.SliceStable(perm, func(i, j int) bool { return x[perm[i]] < x[perm[j]] })
		}
		xs, cw := make([]float64, n), make([]float64, n)
		s := 0.0
		for k, i := range perm {
			xs[k] = x[i]
			s += w[i]
			cw[k] = s
		}
		return xs, cw
	}
	us, ucw := prep(u, uw)
	vs, vcw := prep(v, vw)
	qs := slices.Concat(ucw, vcw)
	slices.Sort(qs)
	total, prev := 0.0, 0.0
	for _, q := range qs {
		iu := min(sort.SearchFloat64s(ucw, q), len(us)-1)
		iv := min(sort.SearchFloat64s(vcw, q), len(vs)-1)
		total += (q - prev) * math.Pow(math.Abs(us[iu]-vs[iv]), p)
		prev = q
	}
	return total
}

// w1dCDFIntegral is W_1 as scipy.stats.wasserstein_distance computes it, the
// integral of |F_u − F_v| over the line, for normalised weights.
func w1dCDFIntegral(u, uw, v, vw []float64) float64 {
	all := slices.Concat(u, v)
	slices.Sort(all)
	cdf := func(x, w []float64, t float64) float64 {
		s, tot := 0.0, 0.0
		for i, xi := range x {
			wi := 1 / float64(len(x))
			if w != nil {
				wi = w[i]
			}
			tot += wi
			if xi <= t {
				s += wi
			}
		}
		return s / tot
	}
	total := 0.0
	for i := 0; i+1 < len(all); i++ {
		t := all[i]
		total += (all[i+1] - t) * math.Abs(cdf(u, uw, t)-cdf(v, vw, t))
	}
	return total
}

func w1dWeights(r *rand.Rand, n int, normalise bool) []float64 {
	w := make([]float64, n)
	s := 0.0
	for i := range w {
		w[i] = r.Float64()
		s += w[i]
	}
	if normalise {
		for i := range w {
			w[i] /= s
		}
	}
	return w
}

// w1dTies draws n values from a few integers so that ties are common.
func w1dTies(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(r.IntN(5)) - 2
	}
	return x
}

func TestWasserstein1DMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	sizes := [][2]int{{1, 1}, {1, 5}, {4, 1}, {3, 7}, {50, 50}, {70, 33}, {1000, 777}}
	for _, nm := range sizes {
		for _, p := range []float64{0.5, 1, 1.5, 2, 3} {
			for _, weighted := range []bool{false, true} {
				for _, ties := range []bool{false, true} {
					n, m := nm[0], nm[1]
					name := fmt.Sprintf("n=%d/m=%d/p=%v/w=%v/ties=%v", n, m, p, weighted, ties)
					t.Run(name, func(t *testing.T) {
						u, v := w1dNormal(r, n), w1dNormal(r, m)
						if ties {
							u, v = w1dTies(r, n), w1dTies(r, m)
						}
						var uw, vw []float64
						if weighted {
							// Unnormalised on purpose: POT does not normalise.
							uw, vw = w1dWeights(r, n, false), w1dWeights(r, m, false)
							uw[0] = 0
						}
						for _, sorted := range []bool{false, true} {
							got, err := Wasserstein1D(u, uw, v, vw, p, sorted)
							require.NoError(t, err)
							want := w1dReference(u, uw, v, vw, p, sorted)
							assert.InEpsilon(t, want, got, w1dRtol, "sorted=%v", sorted)
						}
					})
				}
			}
		}
	}
}

// TestWasserstein1DShift: every quantile of x+1 is one more than that of x,
// so W_p^p(x, x+1) is the mass, 1, whatever the weights and p.
func TestWasserstein1DShift(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 2, 17, 500} {
		x := w1dNormal(r, n)
		y := make([]float64, n)
		for i := range x {
			y[i] = x[i] + 1
		}
		w := w1dWeights(r, n, true)
		for _, p := range []float64{1, 2} {
			for _, weights := range [][]float64{nil, w} {
				got, err := Wasserstein1D(x, weights, y, weights, p, false)
				require.NoError(t, err)
				assert.InDelta(t, 1, got, 1e-12, "n=%d p=%v", n, p)
			}
		}
	}
}

// TestWasserstein1DTwoPoints checks the closed form for two-point measures
// x0 < x1 with weights (α, 1−α) and y0 < y1 with (β, 1−β), α ≤ β: the
// quantile pairs are (x0, y0) on [0, α], (x1, y0) on [α, β] and (x1, y1) on
// [β, 1].
func TestWasserstein1DTwoPoints(t *testing.T) {
	for _, tc := range []struct{ x0, x1, y0, y1, alpha, beta, p float64 }{
		{0, 1, 0, 1, 0.5, 0.5, 1},
		{0, 1, 2, 5, 0.25, 0.75, 2},
		{-1, 3, 0, 0.5, 0.1, 0.6, 1},
		{-1, 3, 0, 0.5, 0.1, 0.6, 3},
		{2, 4, -3, 1, 0.3, 0.3, 1.5},
	} {
		pw := func(d float64) float64 { return math.Pow(math.Abs(d), tc.p) }
		want := tc.alpha*pw(tc.x0-tc.y0) + (tc.beta-tc.alpha)*pw(tc.x1-tc.y0) +
			(1-tc.beta)*pw(tc.x1-tc.y1)
		// Points given in decreasing order to exercise the sort.
		got, err := Wasserstein1D([]float64{tc.x1, tc.x0}, []float64{1 - tc.alpha, tc.alpha},
			[]float64{tc.y1, tc.y0}, []float64{1 - tc.beta, tc.beta}, tc.p, false)
		require.NoError(t, err)
		assert.InDelta(t, want, got, w1dRtol*want+1e-300, "%+v", tc)
	}
}

// TestWasserstein1DCDF: for p = 1 the quantile integral equals the integral
// of the CDF difference, the formula of scipy.stats.wasserstein_distance.
func TestWasserstein1DCDF(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, nm := range [][2]int{{1, 3}, {10, 10}, {37, 81}} {
		u, v := w1dNormal(r, nm[0]), w1dTies(r, nm[1])
		uw, vw := w1dWeights(r, nm[0], true), w1dWeights(r, nm[1], true)
		got, err := Wasserstein1D(u, uw, v, vw, 1, false)
		require.NoError(t, err)
		// The CDF form sums different terms; 1e-12 allows for its own
		// rounding of the normalised CDFs.
		assert.InEpsilon(t, w1dCDFIntegral(u, uw, v, vw), got, 1e-12)
	}
}

// TestWasserstein1DMass: weights scaled by s scale the cost by s, since POT
// does not normalise.
func TestWasserstein1DMass(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	u, v := w1dNormal(r, 30), w1dNormal(r, 30)
	w := make([]float64, 30)
	for i := range w {
		w[i] = 3.0 / 30
	}
	unit, err := Wasserstein1D(u, nil, v, nil, 2, false)
	require.NoError(t, err)
	scaled, err := Wasserstein1D(u, w, v, w, 2, false)
	require.NoError(t, err)
	assert.InEpsilon(t, 3*unit, scaled, w1dRtol)
}

func TestWasserstein1DDoesNotModifyInputs(t *testing.T) {
	u, uw := []float64{3, 1, 2}, []float64{0.2, 0.5, 0.3}
	v := []float64{0, -1}
	uc, uwc, vc := slices.Clone(u), slices.Clone(uw), slices.Clone(v)
	_, err := Wasserstein1D(u, uw, v, nil, 2, false)
	require.NoError(t, err)
	assert.Equal(t, uc, u)
	assert.Equal(t, uwc, uw)
	assert.Equal(t, vc, v)
}

// column returns column c of the row-major rows×k array a.
func w1dColumn(a []float64, rows, k, c int) []float64 {
	col := make([]float64, rows)
	for i := range col {
		col[i] = a[i*k+c]
	}
	return col
}

func TestWasserstein1DBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct{ n, m, k int }{{5, 3, 1}, {40, 60, 4}, {3000, 2000, 2}, {1, 1, 7}} {
		n, m, k := tc.n, tc.m, tc.k
		U, V := w1dNormal(r, n*k), w1dNormal(r, m*k)
		sharedU, sharedV := w1dWeights(r, n, true), w1dWeights(r, m, true)
		perU, perV := w1dWeights(r, n*k, false), w1dWeights(r, m*k, false)
		// The shared weights repeated in every column, as a per-column array.
		repU, repV := make([]float64, n*k), make([]float64, m*k)
		for c := range k {
			for i := range n {
				repU[i*k+c] = sharedU[i]
			}
			for j := range m {
				repV[j*k+c] = sharedV[j]
			}
		}
		for _, ws := range []struct {
			name   string
			uw, vw []float64
			colW   func(w []float64, rows, c int) []float64
		}{
			{"uniform", nil, nil, func([]float64, int, int) []float64 { return nil }},
			{"shared", sharedU, sharedV, func(w []float64, _, _ int) []float64 { return w }},
			{"per column", perU, perV, func(w []float64, rows, c int) []float64 {
				return w1dColumn(w, rows, k, c)
			}},
		} {
			t.Run(fmt.Sprintf("n=%d/m=%d/k=%d/%s", n, m, k, ws.name), func(t *testing.T) {
				out := make([]float64, k)
				require.NoError(t, Wasserstein1DBatch(U, n, V, m, k, ws.uw, ws.vw, 2, false, out))
				want := make([]float64, k)
				for c := range k {
					var err error
					want[c], err = Wasserstein1D(w1dColumn(U, n, k, c), ws.colW(ws.uw, n, c),
						w1dColumn(V, m, k, c), ws.colW(ws.vw, m, c), 2, false)
					require.NoError(t, err)
				}
				testutil.AllClose(t, out, want, 0, 0, "batch must equal per column")
				if ws.name == "shared" {
					rep := make([]float64, k)
					require.NoError(t, Wasserstein1DBatch(U, n, V, m, k, repU, repV, 2, false, rep))
					testutil.AllClose(t, rep, out, 0, 0, "shared == repeated")
				}
			})
		}
	}
}

func TestWasserstein1DErrors(t *testing.T) {
	ok := []float64{0, 1}
	for _, tc := range []struct {
		name         string
		u, uw, v, vw []float64
		p            float64
		arg          string
	}{
		{"empty u", nil, nil, ok, nil, 1, "u_values"},
		{"empty v", ok, nil, []float64{}, nil, 1, "v_values"},
		{"NaN u", []float64{0, math.NaN()}, nil, ok, nil, 1, "u_values"},
		{"NaN v", ok, nil, []float64{math.NaN()}, nil, 1, "v_values"},
		{"short uw", ok, []float64{1}, ok, nil, 1, "u_weights"},
		{"long vw", ok, nil, ok, []float64{1, 1, 1}, 1, "v_weights"},
		{"negative uw", ok, []float64{1, -1e-300}, ok, nil, 1, "u_weights"},
		{"NaN vw", ok, nil, ok, []float64{math.NaN(), 1}, 1, "v_weights"},
		{"Inf vw", ok, nil, ok, []float64{math.Inf(1), 1}, 1, "v_weights"},
		{"zero p", ok, nil, ok, nil, 0, "p"},
		{"negative p", ok, nil, ok, nil, -1, "p"},
		{"NaN p", ok, nil, ok, nil, math.NaN(), "p"},
		{"Inf p", ok, nil, ok, nil, math.Inf(1), "p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Wasserstein1D(tc.u, tc.uw, tc.v, tc.vw, tc.p, false)
			oneDAssertArgError(t, err, tc.arg)
		})
	}

	U, V := []float64{0, 1, 2, 3}, []float64{4, 5}
	out := make([]float64, 2)
	for _, tc := range []struct {
		name    string
		n, m, k int
		uw      []float64
		out     []float64
		arg     string
	}{
		{"zero k", 2, 1, 0, nil, out, "u_values"},
		{"U shape", 3, 1, 2, nil, out, "u_values"},
		{"V shape", 2, 2, 2, nil, out, "v_values"},
		{"negative n", -2, 1, 2, nil, out, "u_values"},
		{"weights", 2, 1, 2, []float64{1, 1, 1}, out, "u_weights"},
		{"short out", 2, 1, 2, nil, out[:1], "out"},
	} {
		t.Run("batch "+tc.name, func(t *testing.T) {
			err := Wasserstein1DBatch(U, tc.n, V, tc.m, tc.k, tc.uw, nil, 1, false, tc.out)
			oneDAssertArgError(t, err, tc.arg)
		})
	}

	t.Run("batch NaN in a later column", func(t *testing.T) {
		U := []float64{0, 1, 2, 3, 4, math.NaN()}
		err := Wasserstein1DBatch(U, 2, []float64{0, 0, 0}, 1, 3, nil, nil, 1, false, make([]float64, 3))
		oneDAssertArgError(t, err, "u_values")
	})
}

func oneDAssertArgError(t *testing.T, err error, arg string) {
	t.Helper()
	var ae *goot.ArgError
	if assert.True(t, errors.As(err, &ae), "want *goot.ArgError for %q, got %v", arg, err) {
		assert.Equal(t, arg, ae.Arg, ae.Error())
	}
}

func FuzzWasserstein1D(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), 2.0, false, true)
	f.Add([]byte{0, 0, 0, 0}, uint8(1), 1.0, true, false)
	f.Fuzz(func(t *testing.T, data []byte, split uint8, p float64, weighted, sorted bool) {
		u, uw, v, vw := oneDFuzzMeasures(data, split, weighted)
		p = oneDFuzzExponent(p)
		got, err := Wasserstein1D(u, uw, v, vw, p, sorted)
		if err != nil {
			return
		}
		if math.IsNaN(got) || math.IsInf(got, 0) || got < 0 {
			t.Fatalf("W = %v for finite input u=%v uw=%v v=%v vw=%v p=%v", got, u, uw, v, vw, p)
		}
	})
}

// oneDFuzzExponent keeps an exponent that the functions must reject as it
// is, and folds a valid one into (0, 10] so that |x−y|^p with |x−y| < 16
// cannot overflow: an overflow is a right answer, not a finding.
func oneDFuzzExponent(p float64) float64 {
	if p > 10 && !math.IsInf(p, 1) {
		return math.Mod(p, 10) + 0.1
	}
	return p
}

// oneDFuzzMeasures decodes two small measures from fuzz bytes: values are bytes
// mapped to [-8, 8), weights are bytes scaled to [0, 1].
func oneDFuzzMeasures(data []byte, split uint8, weighted bool) (u, uw, v, vw []float64) {
	vals := make([]float64, len(data))
	for i, b := range data {
		vals[i] = float64(int(b)-128) / 16
	}
	s := min(int(split), len(vals))
	u, v = vals[:s], vals[s:]
	if weighted {
		uw, vw = make([]float64, len(u)), make([]float64, len(v))
		for i := range uw {
			uw[i] = float64(data[len(data)-1-i]) / 255
		}
		for j := range vw {
			vw[j] = float64(data[j]) / 255
		}
	}
	return u, uw, v, vw
}

func BenchmarkWasserstein1D(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{10_000, 1_000_000} {
		u, v := w1dNormal(r, n), w1dNormal(r, n)
		for i := range v {
			v[i] = 1 + 0.25*v[i]
		}
		b.Run(fmt.Sprintf("n=%d/p=2", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Wasserstein1D(u, nil, v, nil, 2, false); err != nil {
					b.Fatal(err)
				}
			}
		})
		w := w1dWeights(r, n, true)
		b.Run(fmt.Sprintf("n=%d/p=2/weighted", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Wasserstein1D(u, w, v, w, 2, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func w1dNormal(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}
