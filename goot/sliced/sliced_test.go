package sliced_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
	"github.com/goot-ot/goot/goot/sliced"
	"github.com/goot-ot/goot/internal/testutil"
)

// roundoff is the relative tolerance of comparisons between two exact
// computations that differ only in the order of their floating-point sums
// (a few hundred terms of similar size): far above n·ε, far below any error
// of the method.
const roundoff = 1e-12

func normalCloud(r *rand.Rand, n, d int, scale, shift float64) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = scale*r.NormFloat64() + shift
	}
	return x
}

func randomWeights(r *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	s := 0.0
	for i := range w {
		w[i] = r.Float64() + 0.05
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// randomDirections returns L unit directions as the columns of a d×L matrix.
func randomDirections(r *rand.Rand, d, L int) []float64 {
	P := make([]float64, d*L)
	for l := range L {
		s := 0.0
		for k := range d {
			P[k*L+l] = r.NormFloat64()
			s += P[k*L+l] * P[k*L+l]
		}
		for k := range d {
			P[k*L+l] /= math.Sqrt(s)
		}
	}
	return P
}

// project returns the projections of the n×d points x on column l of P.
func project(x []float64, d int, P []float64, L, l int) []float64 {
	out := make([]float64, len(x)/d)
	for i := range out {
		for k := range d {
			out[i] += x[i*d+k] * P[k*L+l]
		}
	}
	return out
}

// TestProjectedMatchesExact1D checks every direction against lp.Wasserstein1D
// on the projected values, for uniform and weighted clouds of equal and
// unequal sizes and several exponents.
func TestProjectedMatchesExact1D(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n, m, d  int
		weighted bool
		p        float64
	}{
		{1, 1, 2, false, 2}, {1, 7, 3, true, 1}, {30, 30, 3, false, 2},
		{30, 30, 5, false, 1.5}, {40, 25, 4, false, 2}, {60, 45, 3, true, 2},
		{100, 100, 10, true, 1}, {2000, 1500, 7, true, 3},
	} {
		name := fmt.Sprintf("n=%d,m=%d,d=%d,w=%v,p=%g", tc.n, tc.m, tc.d, tc.weighted, tc.p)
		t.Run(name, func(t *testing.T) {
			X := normalCloud(r, tc.n, tc.d, 1, 0)
			Y := normalCloud(r, tc.m, tc.d, 0.5, 1)
			var a, b []float64
			if tc.weighted {
				a, b = randomWeights(r, tc.n), randomWeights(r, tc.m)
			}
			const L = 9
			P := randomDirections(r, tc.d, L)
			got := make([]float64, L)
			require.NoError(t, sliced.Projected(X, a, Y, b, tc.d, P, L, tc.p, got))
			want := make([]float64, L)
			for l := range L {
				var err error
				want[l], err = lp.Wasserstein1D(project(X, tc.d, P, L, l), a,
					project(Y, tc.d, P, L, l), b, tc.p, false)
				require.NoError(t, err)
			}
			testutil.AllClose(t, got, want, roundoff, 1e-300)
		})
	}
}

// TestProjectedDimensionOne: in d = 1 every direction θ is a number and the
// projected cost is |θ|^p times the exact 1-D cost (reported case B29).
func TestProjectedDimensionOne(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	X, Y := normalCloud(r, 50, 1, 1, 0), normalCloud(r, 40, 1, 2, 1)
	exact, err := lp.Wasserstein1D(X, nil, Y, nil, 2, false)
	require.NoError(t, err)
	P := []float64{1, -1, 1, -1, 0.5, -2}
	got := make([]float64, len(P))
	require.NoError(t, sliced.Projected(X, nil, Y, nil, 1, P, len(P), 2, got))
	want := make([]float64, len(P))
	for l, th := range P {
		want[l] = th * th * exact
	}
	testutil.AllClose(t, got, want, roundoff, 0)
}

// TestProjectedTranslation: for Y = X + v the sorted matching along any θ
// pairs each point with its translate, so W_p^p(θ) = |⟨θ, v⟩|^p exactly.
func TestProjectedTranslation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n, d, L = 300, 4, 20
	v := []float64{1, -2, 0.5, 3}
	X := normalCloud(r, n, d, 1, 0)
	Y := make([]float64, len(X))
	for i := range Y {
		Y[i] = X[i] + v[i%d]
	}
	P := randomDirections(r, d, L)
	for _, p := range []float64{1, 2, 3} {
		got := make([]float64, L)
		require.NoError(t, sliced.Projected(X, nil, Y, nil, d, P, L, p, got))
		want := make([]float64, L)
		for l := range L {
			tv := 0.0
			for k := range d {
				tv += P[k*L+l] * v[k]
			}
			want[l] = math.Pow(math.Abs(tv), p)
		}
		testutil.AllClose(t, got, want, 1e-10, 1e-12, "p=%g", p)
	}
}

// TestProjectedEqualWeights: equal weights that are not 1/n scale the cost
// by their mass, as POT's wasserstein_1d does.
func TestProjectedEqualWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n, d, L = 20, 3, 5
	X, Y := normalCloud(r, n, d, 1, 0), normalCloud(r, n, d, 1, 1)
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], b[i] = 2.0/n, 2.0/n
	}
	P := randomDirections(r, d, L)
	plain, scaled := make([]float64, L), make([]float64, L)
	require.NoError(t, sliced.Projected(X, nil, Y, nil, d, P, L, 2, plain))
	require.NoError(t, sliced.Projected(X, a, Y, b, d, P, L, 2, scaled))
	for l := range plain {
		plain[l] *= 2
	}
	testutil.AllClose(t, scaled, plain, roundoff, 0)
}

func TestProjectedErrors(t *testing.T) {
	X, Y := []float64{0, 1, 2, 3}, []float64{1, 1, 2, 2}
	P := []float64{1, 0}
	out := make([]float64, 1)
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		err  error
		arg  string
	}{
		{"d=0", sliced.Projected(X, nil, Y, nil, 0, P, 1, 2, out), "X_s"},
		{"X length", sliced.Projected(X[:3], nil, Y, nil, 2, P, 1, 2, out), "X_s"},
		{"X empty", sliced.Projected(nil, nil, Y, nil, 2, P, 1, 2, out), "X_s"},
		{"Y NaN", sliced.Projected(X, nil, []float64{1, nan, 2, 2}, nil, 2, P, 1, 2, out),
			"X_t"},
		{"a length", sliced.Projected(X, []float64{1}, Y, nil, 2, P, 1, 2, out), "a"},
		{"b negative", sliced.Projected(X, nil, Y, []float64{2, -1}, 2, P, 1, 2, out), "b"},
		{"P length", sliced.Projected(X, nil, Y, nil, 2, P[:1], 1, 2, out), "projections"},
		{"P NaN", sliced.Projected(X, nil, Y, nil, 2, []float64{nan, 0}, 1, 2, out),
			"projections"},
		{"L=0", sliced.Projected(X, nil, Y, nil, 2, nil, 0, 2, nil), "projections"},
		{"out", sliced.Projected(X, nil, Y, nil, 2, P, 1, 2, nil), "out"},
		{"p", sliced.Projected(X, nil, Y, nil, 2, P, 1, 0, out), "p"},
	} {
		var ae *goot.ArgError
		if assert.True(t, errors.As(tc.err, &ae), tc.name) {
			assert.Equal(t, tc.arg, ae.Arg, tc.name)
		}
	}
}

// TestMaxAscentTranslation: for Y = X + v, W_2^2(θ) = ⟨θ, v⟩², maximal at
// θ = ±v/‖v‖ with value ‖v‖² (reference/algorithms.md §A4: the ascent from
// a random start must reach at least 0.999‖v‖ for the distance).
func TestMaxAscentTranslation(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, d := range []int{2, 3, 10, 50} {
		n := 200
		v := normalCloud(r, 1, d, 1, 0)
		X := normalCloud(r, n, d, 1, 0)
		Y := make([]float64, len(X))
		for i := range Y {
			Y[i] = X[i] + v[i%d]
		}
		vv := 0.0
		for _, x := range v {
			vv += x * x
		}
		starts := normalCloud(r, 3, d, 1, 0)
		theta := make([]float64, d)
		res, err := sliced.MaxAscent(X, nil, Y, nil, d, starts, 3, 2, sliced.AscentOptions{},
			theta)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, math.Sqrt(res.Value), 0.999*math.Sqrt(vv), "d=%d", d)
		assert.LessOrEqual(t, res.Value, vv*(1+roundoff), "d=%d", d)
		tv := 0.0
		for k := range d {
			tv += theta[k] * v[k]
		}
		assert.InDelta(t, 1, math.Abs(tv)/math.Sqrt(vv), 1e-3, "d=%d direction", d)
	}
}

// TestMaxAscentBeatsRandomDirections: on clouds that differ in shape the
// ascent ends at least as high as the best of many random directions.
func TestMaxAscentBeatsRandomDirections(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n, d, L = 300, 5, 500
	X := normalCloud(r, n, d, 1, 0)
	Y := normalCloud(r, n, d, 1, 0)
	for i := range Y {
		Y[i] *= float64(1 + i%d) // anisotropic target
	}
	P := randomDirections(r, d, L)
	vals := make([]float64, L)
	require.NoError(t, sliced.Projected(X, nil, Y, nil, d, P, L, 2, vals))
	best := 0.0
	for _, x := range vals {
		best = math.Max(best, x)
	}
	theta := make([]float64, d)
	res, err := sliced.MaxAscent(X, nil, Y, nil, d, normalCloud(r, 4, d, 1, 0), 4, 2,
		sliced.AscentOptions{}, theta)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Value, best)
}

// vmfMoments are E[w] = A_d(κ) = I_{d/2}(κ)/I_{d/2−1}(κ) and
// E[w²] = 1 − (d−1)A_d(κ)/κ for w = ⟨μ, θ⟩, θ ~ vMF(μ, κ), with the values
// of reference/algorithms.md §A4 (Bessel ratios from mpmath).
var vmfMoments = []struct {
	d        int
	kappa, A float64
}{
	{3, 1, 0.313035285499},
	{3, 10, 0.900000004122},
	{10, 1, 0.099178382400},
	{10, 50, 0.913209599874},
}

// TestSampleVMFMoments compares the sample moments of ⟨μ, θ⟩ with the closed
// forms, within 5 standard errors, and checks unit norms.
func TestSampleVMFMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const L = 100_000
	for _, tc := range vmfMoments {
		mu := normalCloud(r, 1, tc.d, 1, 0)
		norm := math.Sqrt(dotv(mu, mu))
		out := make([]float64, L*tc.d)
		require.NoError(t, sliced.SampleVMF(mu, tc.kappa, L, r, out))
		var m1, m2, m4 float64
		for l := range L {
			th := out[l*tc.d : (l+1)*tc.d]
			require.InDelta(t, 1, dotv(th, th), 1e-12)
			w := dotv(th, mu) / norm
			m1 += w
			m2 += w * w
			m4 += w * w * w * w
		}
		m1, m2, m4 = m1/L, m2/L, m4/L
		want2 := 1 - float64(tc.d-1)*tc.A/tc.kappa
		assert.InDelta(t, tc.A, m1, 5*math.Sqrt((m2-m1*m1)/L), "d=%d κ=%g E[w]", tc.d, tc.kappa)
		assert.InDelta(t, want2, m2, 5*math.Sqrt((m4-m2*m2)/L), "d=%d κ=%g E[w²]",
			tc.d, tc.kappa)
	}
}

func dotv(x, y []float64) float64 {
	s := 0.0
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

// TestVMFAscentTranslation: for Y = X + v, F(ε) = vᵀE[θθᵀ]v is maximal at
// ε = ±v/‖v‖ with value ‖v‖²(1 − (d−1)A_d(κ)/κ) (reference/algorithms.md
// §A4). The sample average over L directions has a relative standard error
// below 1/√L here (the cost (θ·v)² is bounded by ‖v‖²); the tolerance is 3
// of those. Where 1 − dA/κ is small, F hardly depends on ε and the location
// is not checked.
func TestVMFAscentTranslation(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const n, L = 20, 2000
	for _, tc := range vmfMoments {
		d := tc.d
		v := normalCloud(r, 1, d, 1, 0)
		X := normalCloud(r, n, d, 1, 0)
		Y := make([]float64, len(X))
		for i := range Y {
			Y[i] = X[i] + v[i%d]
		}
		want := dotv(v, v) * (1 - float64(d-1)*tc.A/tc.kappa)
		eps := make([]float64, d)
		res, err := sliced.VMFAscent(X, nil, Y, nil, d, normalCloud(r, 1, d, 1, 0), tc.kappa,
			L, r, 2, sliced.AscentOptions{MaxIter: 30}, eps)
		require.NoError(t, err)
		assert.InEpsilon(t, want, res.Value, 3/math.Sqrt(L), "d=%d κ=%g", d, tc.kappa)
		if 1-float64(d)*tc.A/tc.kappa < 0.1 {
			continue
		}
		assert.InDelta(t, 1, math.Abs(dotv(eps, v))/math.Sqrt(dotv(v, v)), 0.05,
			"d=%d κ=%g location", d, tc.kappa)
	}
}

func FuzzProjected(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(2), uint8(3), 2.0, true)
	f.Add([]byte{0, 0, 0, 0}, uint8(1), uint8(1), 1.0, false)
	f.Fuzz(func(t *testing.T, data []byte, dim, split uint8, p float64, weighted bool) {
		d := int(dim%4) + 1
		vals := make([]float64, len(data))
		for i, c := range data {
			vals[i] = float64(int(c)-128) / 16
		}
		cut := min(int(split)*d, len(vals))
		cut -= cut % d
		X, Y := vals[:cut], vals[cut:]
		Y = Y[:len(Y)-len(Y)%d]
		var a, b []float64
		if weighted && len(X) > 0 && len(Y) > 0 {
			a, b = make([]float64, len(X)/d), make([]float64, len(Y)/d)
			for i := range a {
				a[i] = float64(data[i]%5) / 4
			}
			for i := range b {
				b[i] = float64(data[len(data)-1-i]%3) + 1
			}
		}
		P := []float64{1, -1, 0.5}
		P = append(P, make([]float64, 3*(d-1))...)
		out := make([]float64, 3)
		err := sliced.Projected(X, a, Y, b, d, P, 3, p, out)
		if err != nil {
			var ae *goot.ArgError
			require.True(t, errors.As(err, &ae), "%v", err)
			return
		}
		for _, x := range out {
			require.False(t, x < 0, "negative cost %v", x)
		}
	})
}

// Two points against their translates by (3, 4): along θ = (1, 0) the
// cost is 3² = 9, along (0, 1) it is 16, and the sliced Wasserstein distance
// over these two directions is √((9+16)/2).
func ExampleProjected() {
	X := []float64{0, 0, 1, 1}
	Y := []float64{3, 4, 4, 5}
	P := []float64{ // d×L = 2×2, directions in columns
		1, 0,
		0, 1,
	}
	out := make([]float64, 2)
	if err := sliced.Projected(X, nil, Y, nil, 2, P, 2, 2, out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out, math.Sqrt((out[0]+out[1])/2))
	// Output: [9 16] 3.5355339059327378
}

// The max-sliced distance between a cloud and its translate by v is ‖v‖,
// reached along v.
func ExampleMaxAscent() {
	X := []float64{0, 0, 1, 0, 0, 2}
	Y := []float64{3, 4, 4, 4, 3, 6}
	theta := make([]float64, 2)
	res, err := sliced.MaxAscent(X, nil, Y, nil, 2, []float64{1, 0}, 1, 2,
		sliced.AscentOptions{}, theta)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.6f (%.4f, %.4f)\n", math.Sqrt(res.Value), theta[0], theta[1])
	// Output: 5.000000 (0.6000, 0.8000)
}

// BenchmarkProjected measures the sliced kernel on n = m points in d = 3
// with L = 50 directions.
func BenchmarkProjected(b *testing.B) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1_000, 100_000} {
		const d, L = 3, 50
		X, Y := normalCloud(r, n, d, 1, 0), normalCloud(r, n, d, 0.5, 1)
		P := randomDirections(r, d, L)
		out := make([]float64, L)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := sliced.Projected(X, nil, Y, nil, d, P, L, 2, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
