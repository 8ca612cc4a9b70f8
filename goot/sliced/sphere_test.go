package sliced_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot/sliced"
)

// searchTol is the accuracy of the circle OT cost reached by POT's binary
// search (shift bracket below 1e-7, then a secant step): the cost is
// quadratic around its minimum, so far below this in practice.
const searchTol = 1e-6

// circlePoints returns n unit vectors of the plane and their coordinates in
// [0, 1) as POT defines them, (π + atan2(−y, −x))/(2π).
func circlePoints(r *rand.Rand, n int) (pts, coords []float64) {
	pts, coords = make([]float64, 2*n), make([]float64, n)
	for i := range n {
		t := r.Float64()
		coords[i] = t
		pts[2*i], pts[2*i+1] = -math.Cos(2*math.Pi*t-math.Pi), -math.Sin(2*math.Pi*t-math.Pi)
	}
	return pts, coords
}

// circleOT is W_p^p on the circle between two uniform sets of n points by
// brute force: for p ≥ 1 an optimal matching of the sorted points is a
// cyclic shift (Delon, Salomon, Sobolevski 2010), so try all n shifts.
func circleOT(x, y []float64, p float64) float64 {
	x, y = append([]float64(nil), x...), append([]float64(nil), y...)
	sort.Float64s(x)
	sort.Float64s(y)
	n := len(x)
	best := math.Inf(1)
	for k := range n {
		s := 0.0
		for i := range n {
			d := math.Abs(x[i] - y[(i+k)%n])
			s += math.Pow(math.Min(d, 1-d), p)
		}
		best = math.Min(best, s/float64(n))
	}
	return best
}

// TestSphericalOnTheCircle: in d = 2 every projection U is orthogonal, so it
// moves points along the circle rigidly and each direction's cost is the
// circle OT cost of the points themselves.
func TestSphericalOnTheCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, p := range []float64{1, 2, 3} {
		for _, n := range []int{1, 5, 40} {
			X, xc := circlePoints(r, n)
			Y, yc := circlePoints(r, n)
			want := circleOT(xc, yc, p)
			const L = 6
			U := make([]float64, L*4)
			for l := range L {
				a := r.Float64() * 2 * math.Pi
				s := 1.0
				if l%2 == 1 {
					s = -1 // a reflection
				}
				copy(U[4*l:], []float64{math.Cos(a), -s * math.Sin(a), math.Sin(a), s * math.Cos(a)})
			}
			out := make([]float64, L)
			require.NoError(t, sliced.Spherical(X, nil, Y, nil, 2, U, L, p, out))
			for l := range L {
				assert.InDelta(t, want, out[l], searchTol*math.Max(want, 1e-3),
					"p=%g n=%d l=%d", p, n, l)
			}
		}
	}
}

// TestSphericalUniformClosedForm: n equally spaced points with spacing 1/n
// are at W_2^2 = 1/(12 n²) from the uniform measure on the circle (each
// point serves an arc of length 1/n centred on it).
func TestSphericalUniformClosedForm(t *testing.T) {
	for _, n := range []int{1, 4, 25} {
		X := make([]float64, 2*n)
		for i := range n {
			a := 2 * math.Pi * (float64(i) + 0.5) / float64(n)
			X[2*i], X[2*i+1] = math.Cos(a), math.Sin(a)
		}
		U := []float64{1, 0, 0, 1}
		out := make([]float64, 1)
		require.NoError(t, sliced.SphericalUniform(X, nil, 2, U, 1, out))
		assert.InDelta(t, 1/(12*float64(n*n)), out[0], 1e-14, "n=%d", n)
	}
}
