package gaussian

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/internal/testutil"
)

// closedTol is the agreement expected with a closed form on well-conditioned
// 2×2 to 8×8 inputs: a few eigendecompositions (backward error ~d·ε·‖A‖)
// followed by a sum of traces; 1e-12 leaves two orders of margin.
const closedTol = 1e-12

// iterTol is the agreement of an iterative barycenter stopped at Tol = 1e-12
// with its closed form.
const iterTol = 1e-9

func diag(v ...float64) []float64 {
	d := len(v)
	A := make([]float64, d*d)
	for i, x := range v {
		A[i*d+i] = x
	}
	return A
}

// randomSPD returns G Gᵀ/d + shift·I for a d×d standard normal G.
func randomSPD(rng *rand.Rand, d int, shift float64) []float64 {
	G := make([]float64, d*d)
	for i := range G {
		G[i] = rng.NormFloat64()
	}
	A := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			s := 0.0
			for k := 0; k < d; k++ {
				s += G[i*d+k] * G[j*d+k]
			}
			A[i*d+j] = s / float64(d)
		}
		A[i*d+i] += shift
	}
	return A
}

func matmul(A, B []float64, d int) []float64 {
	C := make([]float64, d*d)
	gemm(noT, noT, d, 1, A, B, 0, C)
	return C
}

func TestDistancesClosedForms(t *testing.T) {
	tests := []struct {
		name   string
		ms, mt []float64
		Cs, Ct []float64
		want   float64 // squared
	}{
		{"means and diagonal", []float64{0, 0}, []float64{1, 2}, diag(1, 1), diag(4, 9), 10},
		{"non-diagonal vs identity", nil, nil, []float64{2, 1, 1, 2}, diag(1, 1), 4 - 2*math.Sqrt(3)},
		{"diag(1,4) vs [[2,1],[1,2]]", nil, nil, diag(1, 4), []float64{2, 1, 1, 2},
			9 - 2*math.Sqrt(10+4*math.Sqrt(3))},
		{"commuting: (√a − √b)²", nil, nil, diag(1, 4, 9), diag(4, 9, 16), 3},
		{"1-D N(0,1) vs N(10,1)", []float64{0}, []float64{10}, diag(1), diag(1), 100},
		{"singular vs singular", nil, nil, diag(1, 0), diag(0, 1), 2},
		{"zero matrices", nil, nil, diag(0, 0), diag(0, 0), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := int(math.Sqrt(float64(len(tc.Cs))))
			out := make([]float64, 1)
			require.NoError(t, Distances(tc.ms, 1, tc.mt, 1, tc.Cs, tc.Ct, d, false, out))
			testutil.AllClose(t, out, []float64{tc.want}, closedTol, closedTol)
		})
	}
}

func TestDistancesBatchedPairedAndSymmetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, m, d = 5, 7, 4
	var Cs, Ct []float64
	for range n {
		Cs = append(Cs, randomSPD(rng, d, 0.1)...)
	}
	for range m {
		Ct = append(Ct, randomSPD(rng, d, 0.1)...)
	}
	all := make([]float64, n*m)
	require.NoError(t, Distances(nil, n, nil, m, Cs, Ct, d, false, all))
	for i := range n {
		for j := range m {
			one := make([]float64, 1)
			require.NoError(t, Distances(nil, 1, nil, 1, Cs[i*d*d:(i+1)*d*d],
				Ct[j*d*d:(j+1)*d*d], d, false, one))
			back := make([]float64, 1)
			require.NoError(t, Distances(nil, 1, nil, 1, Ct[j*d*d:(j+1)*d*d],
				Cs[i*d*d:(i+1)*d*d], d, false, back))
			testutil.AllClose(t, []float64{all[i*m+j]}, one, closedTol, closedTol)
			testutil.AllClose(t, back, one, 1e-10, 1e-12, "symmetry")
		}
	}
	paired := make([]float64, n)
	require.NoError(t, Distances(nil, n, nil, n, Cs, Ct[:n*d*d], d, true, paired))
	for i := range n {
		testutil.AllClose(t, paired[i:i+1], all[i*m+i:i*m+i+1], closedTol, closedTol)
	}
	self := make([]float64, n)
	require.NoError(t, Distances(nil, n, nil, n, Cs, Cs, d, true, self))
	testutil.AllClose(t, self, make([]float64, n), 0, 1e-12, "B(A, A) = 0")
}

func TestMappingPushesForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 2, 5, 16} {
		Cs, Ct := randomSPD(rng, d, 0.05), randomSPD(rng, d, 0.05)
		ms, mt := make([]float64, d), make([]float64, d)
		for i := range ms {
			ms[i], mt[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		A, b := make([]float64, d*d), make([]float64, d)
		require.NoError(t, Mapping(ms, mt, Cs, Ct, d, A, b, nil, nil))
		// A Cs A = Ct and ms A + b = mt.
		testutil.AllClose(t, matmul(matmul(A, Cs, d), A, d), Ct, 1e-9, 1e-11, d)
		got := make([]float64, d)
		for j := range d {
			got[j] = b[j]
			for i := range d {
				got[j] += ms[i] * A[i*d+j]
			}
		}
		testutil.AllClose(t, got, mt, 1e-12, 1e-12)
	}
}

func TestBarycenterClosedForms(t *testing.T) {
	C := append(diag(1, 4), diag(9, 16)...)
	noncomm := append(append([]float64{2, 1, 1, 2}, diag(1, 4)...), 3, -1, -1, 1)
	noncommWant := []float64{2.017165917078, -0.347294936914, -0.347294936914, 1.805265425453}
	for _, method := range []Method{FixedPoint, GradientDescent} {
		Cb := make([]float64, 4)
		res, err := Barycenter(C, 2, 2, []float64{0.5, 0.5},
			BarycenterOptions{Method: method, Tol: 1e-12}, Cb)
		require.NoError(t, err)
		assert.Equal(t, goot.Optimal, res.Status)
		testutil.AllClose(t, Cb, diag(4, 9), iterTol, iterTol, method)

		// The reference value is quoted to 12 digits (algorithms.md §A7).
		res, err = Barycenter(noncomm, 3, 2, []float64{0.2, 0.3, 0.5},
			BarycenterOptions{Method: method, Tol: 1e-13}, Cb)
		require.NoError(t, err)
		assert.Equal(t, goot.Optimal, res.Status)
		testutil.AllClose(t, Cb, noncommWant, 0, 1e-11, method)
	}
}

func TestBarycenterIterationLimit(t *testing.T) {
	C := append([]float64{2, 1, 1, 2}, 1, 0, 0, 3)
	Cb := make([]float64, 4)
	res, err := Barycenter(C, 2, 2, []float64{0.5, 0.5},
		BarycenterOptions{Method: GradientDescent, MaxIter: 2, StepSize: 0.1}, Cb)
	require.NoError(t, err)
	assert.Equal(t, goot.IterationLimit, res.Status)
	assert.Equal(t, 2, res.Iter)
}

func TestLogExpGeodesic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 2, 3, 8} {
		X, S := randomSPD(rng, d, 0.1), randomSPD(rng, d, 0.1)
		V, back := make([]float64, d*d), make([]float64, d*d)
		require.NoError(t, Log(X, S, d, V))
		require.NoError(t, Exp(X, V, d, back))
		testutil.AllClose(t, back, S, 1e-9, 1e-10, "Exp(Log) d=", d)

		I := diag(make([]float64, d)...)
		for i := range d {
			I[i*d+i] = 1
		}
		// Log_I(S) = 2 S^{1/2} − 2I.
		root := make([]float64, d*d)
		require.NoError(t, Sqrtm(S, 1, d, root, nil))
		require.NoError(t, Log(I, S, d, V))
		want := make([]float64, d*d)
		for i := range want {
			want[i] = 2*root[i] - 2*I[i]
		}
		testutil.AllClose(t, V, want, 1e-10, 1e-12)

		ts := []float64{0, 0.5, 1}
		g := make([]float64, 3*d*d)
		require.NoError(t, Geodesic(X, S, d, ts, g))
		testutil.AllClose(t, g[:d*d], X, 0, 1e-15)
		testutil.AllClose(t, g[2*d*d:], S, 0, 1e-15)
		// The midpoint lies halfway: B(X, γ(½)) = B(γ(½), S) = B(X, S)/2.
		dist := func(A, B []float64) float64 {
			o := make([]float64, 1)
			require.NoError(t, Distances(nil, 1, nil, 1, A, B, d, false, o))
			return math.Sqrt(o[0])
		}
		full := dist(X, S)
		assert.InDelta(t, full/2, dist(X, g[d*d:2*d*d]), 1e-7*full+1e-9)
		assert.InDelta(t, full/2, dist(g[d*d:2*d*d], S), 1e-7*full+1e-9)
	}
}

func TestGeodesicCommutingMidpoint(t *testing.T) {
	g := make([]float64, 4)
	require.NoError(t, Geodesic(diag(1, 4), diag(9, 16), 2, []float64{0.5}, g))
	testutil.AllClose(t, g, diag(4, 9), closedTol, closedTol)
}

func TestGeneralized(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const d = 3
	X, Y, M := randomSPD(rng, d, 0.2), randomSPD(rng, d, 0.2), randomSPD(rng, d, 0.5)
	I := diag(1, 1, 1)
	plain, gen := make([]float64, 1), make([]float64, 1)
	require.NoError(t, Distances(nil, 1, nil, 1, X, Y, d, false, plain))
	require.NoError(t, GeneralizedDistances(X, 1, Y, 1, d, I, 1, false, gen))
	testutil.AllClose(t, gen, plain, closedTol, closedTol, "M = I, θ = 1")

	// d_M(X, Y) = B(M^{-1/2} X M^{-1/2}, M^{-1/2} Y M^{-1/2}).
	root, inv := make([]float64, d*d), make([]float64, d*d)
	require.NoError(t, Sqrtm(M, 1, d, root, inv))
	Xt, Yt := matmul(matmul(inv, X, d), inv, d), matmul(matmul(inv, Y, d), inv, d)
	require.NoError(t, Distances(nil, 1, nil, 1, Xt, Yt, d, false, plain))
	require.NoError(t, GeneralizedDistances(X, 1, Y, 1, d, M, 1, false, gen))
	testutil.AllClose(t, gen, plain, 1e-10, 1e-12, "congruence by M")

	// θ = 2 on commuting matrices: B²(X², Y²)/4 = Σ (x_i − y_i)²/4.
	require.NoError(t, GeneralizedDistances(diag(1, 2, 3), 1, diag(2, 2, 5), 1, d, I, 2,
		false, gen))
	testutil.AllClose(t, gen, []float64{(1 + 0 + 4) / 4.0}, closedTol, closedTol, "θ = 2")
}

func TestSamplesW2(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, d = 6, 4
	X := make([]float64, n*d)
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	shift := []float64{0.1, -0.2, 0.3, 0}
	Y := make([]float64, n*d)
	for i := range Y {
		Y[i] = X[i] + shift[i%d]
	}
	got, err := SamplesW2(X, n, Y, n, d, true, 0)
	require.NoError(t, err)
	assert.InDelta(t, 0.14, got, 1e-12, "a shift by v gives ‖v‖²")

	// The low-rank path (n < d) equals the d×d path of Distances on the same
	// (rank-deficient) covariances.
	const small, dim = 3, 7
	A, B := make([]float64, small*dim), make([]float64, (small+1)*dim)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	for i := range B {
		B[i] = rng.NormFloat64()
	}
	low, err := SamplesW2(A, small, B, small+1, dim, false, 0)
	require.NoError(t, err)
	ma, Ac := centre(A, small, dim, false)
	mb, Bc := centre(B, small+1, dim, false)
	out := make([]float64, 1)
	require.NoError(t, Distances(ma, 1, mb, 1, gram(Ac, small, dim, 0), gram(Bc, small+1, dim, 0),
		dim, false, out))
	assert.InDelta(t, out[0], low, 1e-10*out[0])
}

func TestSingularAndNearlyEqual(t *testing.T) {
	// Rank-deficient covariances: rank 1 in d = 3, and a PSD matrix whose
	// computed eigenvalues come out slightly negative.
	v := []float64{1, 2, 3}
	R := make([]float64, 9)
	for i := range 3 {
		for j := range 3 {
			R[i*3+j] = v[i] * v[j]
		}
	}
	out := make([]float64, 1)
	require.NoError(t, Distances(nil, 1, nil, 1, R, R, 3, false, out))
	assert.InDelta(t, 0, out[0], 1e-12)
	require.NoError(t, Distances(nil, 1, nil, 1, R, diag(0, 0, 0), 3, false, out))
	assert.InDelta(t, 14, out[0], 1e-12, "B²(vvᵀ, 0) = ‖v‖²")

	// Monge map from a singular source: exact on its support, no NaN.
	A, b := make([]float64, 9), make([]float64, 3)
	require.NoError(t, Mapping(make([]float64, 3), make([]float64, 3), diag(1, 4, 0),
		diag(4, 9, 1), 3, A, b, nil, nil))
	testutil.AllClose(t, A, diag(2, 1.5, 0), closedTol, closedTol)

	// Nearly equal covariances: the distance is tiny, never NaN or negative.
	rng := rand.New(rand.NewPCG(11, 12))
	C := randomSPD(rng, 5, 1e-3)
	C2 := append([]float64(nil), C...)
	C2[0] += 1e-13
	require.NoError(t, Distances(nil, 1, nil, 1, C, C2, 5, false, out))
	assert.False(t, math.IsNaN(out[0]))
	assert.GreaterOrEqual(t, out[0], 0.0)
	assert.Less(t, out[0], 1e-10)
}

func TestBadInput(t *testing.T) {
	out := make([]float64, 1)
	var ae *goot.ArgError
	err := Distances(nil, 1, nil, 1, []float64{1, 2, 0, 1}, diag(1, 1), 2, false, out)
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "Cs", ae.Arg)
	assert.Contains(t, ae.Problem, "symmetric")

	err = Distances(nil, 1, nil, 1, diag(1, 1), diag(1, -1), 2, false, out)
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "Ct", ae.Arg)
	assert.Contains(t, ae.Problem, "positive semi-definite")

	err = Distances(nil, 1, nil, 1, diag(1, 1), diag(1, 1, 1), 2, false, out)
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "Ct", ae.Arg)

	err = Distances(nil, 2, nil, 3, append(diag(1, 1), diag(1, 1)...),
		append(append(diag(1, 1), diag(1, 1)...), diag(1, 1)...), 2, true, make([]float64, 2))
	require.True(t, errors.As(err, &ae))

	err = Distances(nil, 1, nil, 1, diag(math.NaN(), 1), diag(1, 1), 2, false, out)
	require.True(t, errors.As(err, &ae))
	assert.Contains(t, ae.Problem, "non-finite")

	_, err = Barycenter(diag(1, 1), 1, 2, []float64{-1}, BarycenterOptions{}, make([]float64, 4))
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "weights", ae.Arg)

	err = GeneralizedDistances(diag(1, 1), 1, diag(1, 1), 1, 2, diag(1, 0), 1, false, out)
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "M", ae.Arg)
}
