package goot

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/internal/testutil"
)

// distRtol bounds the relative gap between Dist and the naive reference: the
// two sum the same nonnegative terms in different orders (Dist uses four
// accumulators), which moves the result by at most d ulps; 1e-14 covers d = 17
// with room, and is the accuracy promised against scipy's cdist.
const distRtol = 1e-14

// naiveDist is the textbook definition of each metric, one pair at a time,
// in the order scipy's cdist documents it.
func naiveDist(x, y []float64, d int, metric Metric, p float64) []float64 {
	n, m := len(x)/d, len(y)/d
	out := make([]float64, n*m)
	for i := range n {
		for j := range m {
			s := 0.0
			for k := range d {
				t := math.Abs(x[i*d+k] - y[j*d+k])
				switch metric {
				case SqEuclidean, Euclidean:
					s += t * t
				case Cityblock:
					s += t
				case Minkowski:
					if math.IsInf(p, 1) {
						s = math.Max(s, t)
					} else {
						s += math.Pow(t, p)
					}
				}
			}
			switch {
			case metric == Euclidean:
				s = math.Sqrt(s)
			case metric == Minkowski && !math.IsInf(p, 1):
				s = math.Pow(s, 1/p)
			}
			out[i*m+j] = s
		}
	}
	return out
}

func randNormal(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

func TestDistMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		metric Metric
		p      float64
	}{
		{SqEuclidean, 0}, {Euclidean, 0}, {Cityblock, 0},
		{Minkowski, 1}, {Minkowski, 1.5}, {Minkowski, 2}, {Minkowski, 3},
		{Minkowski, 0.5}, {Minkowski, math.Inf(1)},
	} {
		for _, d := range []int{1, 2, 3, 4, 5, 17} {
			for _, nm := range [][2]int{{1, 1}, {1, 9}, {7, 1}, {13, 11}, {40, 600}} {
				n, m := nm[0], nm[1]
				name := fmt.Sprintf("%v/p=%v/d=%d/n=%d/m=%d", tc.metric, tc.p, d, n, m)
				t.Run(name, func(t *testing.T) {
					x, y := randNormal(r, n*d), randNormal(r, m*d)
					got := make([]float64, n*m)
					require.NoError(t, Dist(x, y, d, tc.metric, tc.p, got))
					want := naiveDist(x, y, d, tc.metric, tc.p)
					testutil.AllClose(t, got, want, distRtol, 0)
				})
			}
		}
	}
}

// TestDistLargeParallel covers the split into row chunks and column blocks:
// m is above one block of y and n*m above one goroutine's grain.
func TestDistLargeParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{2, 10} {
		n, m := 300, 2100
		x, y := randNormal(r, n*d), randNormal(r, m*d)
		for _, metric := range []Metric{SqEuclidean, Euclidean, Cityblock} {
			got := make([]float64, n*m+1)
			got[n*m] = -7 // Dist must not write past n*m
			require.NoError(t, Dist(x, y, d, metric, 0, got))
			testutil.AllClose(t, got[:n*m], naiveDist(x, y, d, metric, 0), distRtol, 0)
			assert.Equal(t, -7.0, got[n*m])
		}
	}
}

// TestDistNearbyPoints is the case the ‖x‖²+‖y‖²−2⟨x,y⟩ expansion gets wrong:
// far from the origin, two points 1e-9 apart must be 1e-18 apart squared.
func TestDistNearbyPoints(t *testing.T) {
	far, gap := 1e4, 1e-9
	x := []float64{far, -far}
	y := []float64{far + gap, -far}
	out := make([]float64, 1)
	require.NoError(t, Dist(x, y, 2, SqEuclidean, 0, out))
	want := y[0] - x[0] // the representable gap, exact by Sterbenz's lemma
	assert.InEpsilon(t, want*want, out[0], 1e-15)
}

func TestDistNaNPropagates(t *testing.T) {
	x := []float64{0, math.NaN(), 1, 1}
	y := []float64{0, 0}
	for _, metric := range []Metric{SqEuclidean, Euclidean, Cityblock, Minkowski} {
		out := make([]float64, 2)
		require.NoError(t, Dist(x, y, 2, metric, math.Inf(1), out))
		assert.True(t, math.IsNaN(out[0]), metric)
		assert.False(t, math.IsNaN(out[1]), metric)
	}
}

func TestDistErrors(t *testing.T) {
	x, y := []float64{0, 1, 2, 3}, []float64{1, 2}
	out := make([]float64, 2)
	for _, tc := range []struct {
		name   string
		x, y   []float64
		d      int
		metric Metric
		p      float64
		out    []float64
		arg    string
	}{
		{"zero d", x, y, 0, SqEuclidean, 0, out, "X"},
		{"empty X", nil, y, 2, SqEuclidean, 0, out, "X"},
		{"ragged X", x[:3], y, 2, SqEuclidean, 0, out, "X"},
		{"empty Y", x, nil, 2, SqEuclidean, 0, out, "Y"},
		{"ragged Y", x, []float64{1, 2, 3}, 2, SqEuclidean, 0, out, "Y"},
		{"metric", x, y, 2, Metric(9), 0, out, "metric"},
		{"negative metric", x, y, 2, Metric(-1), 0, out, "metric"},
		{"zero p", x, y, 2, Minkowski, 0, out, "p"},
		{"NaN p", x, y, 2, Minkowski, math.NaN(), out, "p"},
		{"short out", x, y, 2, SqEuclidean, 0, out[:1], "out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Dist(tc.x, tc.y, tc.d, tc.metric, tc.p, tc.out)
			var ae *ArgError
			require.True(t, errors.As(err, &ae), "got %v", err)
			assert.Equal(t, tc.arg, ae.Arg)
		})
	}
}

func TestParseMetric(t *testing.T) {
	for _, m := range []Metric{SqEuclidean, Euclidean, Cityblock, Minkowski} {
		got, err := ParseMetric(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := ParseMetric("seuclidean")
	var ae *ArgError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "metric", ae.Arg)
	assert.Equal(t, "Metric(7)", Metric(7).String())
}

func BenchmarkDist(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1000, 4000} {
		for _, d := range []int{2, 10} {
			x, y := randNormal(r, n*d), randNormal(r, n*d)
			out := make([]float64, n*n)
			for _, metric := range []Metric{SqEuclidean, Euclidean} {
				b.Run(fmt.Sprintf("n=%d/d=%d/%v", n, d, metric), func(b *testing.B) {
					b.SetBytes(int64(8 * n * n))
					for b.Loop() {
						if err := Dist(x, y, d, metric, 0, out); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// FuzzDist feeds arbitrary shapes, metrics and exponents: Dist must never
// panic, and on success every entry it writes is non-negative or NaN.
func FuzzDist(f *testing.F) {
	f.Add(3, 2, 2, uint8(0), 2.0, int64(1))
	f.Add(1, 1, 1, uint8(3), 0.5, int64(2))
	f.Add(0, 2, 3, uint8(1), 1.0, int64(3))
	f.Fuzz(func(t *testing.T, n, m, d int, metric uint8, p float64, seed int64) {
		if n < 0 || m < 0 || d < -1 || n > 40 || m > 40 || d > 40 {
			return
		}
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		x, y := randNormal(r, n*max(d, 0)), randNormal(r, m*max(d, 0))
		out := make([]float64, n*m)
		if err := Dist(x, y, d, Metric(metric%5), p, out); err != nil {
			return
		}
		for _, v := range out {
			if v < 0 {
				t.Fatalf("negative distance %v", v)
			}
		}
	})
}
