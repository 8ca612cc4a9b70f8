package sliced_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/sliced"
)

// fuzzClouds splits bytes into two clouds in dimension d (1 to 4).
func fuzzClouds(data []byte, dim, split uint8) (X, Y []float64, d int) {
	d = int(dim%4) + 1
	vals := make([]float64, len(data))
	for i, c := range data {
		vals[i] = float64(int(c)-128) / 16
	}
	cut := min(int(split)*d, len(vals))
	cut -= cut % d
	X, Y = vals[:cut], vals[cut:]
	return X, Y[:len(Y)-len(Y)%d], d
}

// requireArgError fails unless err is nil or an *goot.ArgError.
func requireArgError(t *testing.T, err error) bool {
	if err == nil {
		return false
	}
	var ae *goot.ArgError
	require.True(t, errors.As(err, &ae), "%v", err)
	return true
}

func FuzzMaxAscent(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, uint8(1), uint8(2), 2.0)
	f.Fuzz(func(t *testing.T, data []byte, dim, split uint8, p float64) {
		X, Y, d := fuzzClouds(data, dim, split)
		starts := make([]float64, 2*d)
		for i := range starts {
			starts[i] = float64(i%3) - 0.5
		}
		theta := make([]float64, d)
		res, err := sliced.MaxAscent(X, nil, Y, nil, d, starts, 2, p,
			sliced.AscentOptions{MaxIter: 20}, theta)
		if requireArgError(t, err) {
			return
		}
		require.False(t, res.Value < 0, "negative cost %v", res.Value)
		n := 0.0
		for _, x := range theta {
			n += x * x
		}
		require.InDelta(t, 1, n, 1e-9)
	})
}

func FuzzSampleVMF(f *testing.F) {
	f.Add([]byte{1, 0, 0}, 1.0, uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, kappa float64, count uint8) {
		mu := make([]float64, len(data)%6)
		for i := range mu {
			mu[i] = float64(int(data[i]) - 128)
		}
		L := int(count % 16)
		out := make([]float64, L*len(mu))
		err := sliced.SampleVMF(mu, kappa, L, rand.New(rand.NewPCG(1, 2)), out)
		if requireArgError(t, err) {
			return
		}
		for l := range L {
			s := 0.0
			for _, x := range out[l*len(mu) : (l+1)*len(mu)] {
				s += x * x
			}
			require.InDelta(t, 1, s, 1e-9)
		}
	})
}

func FuzzVMFAscent(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, uint8(1), uint8(2), 1.0)
	f.Fuzz(func(t *testing.T, data []byte, dim, split uint8, kappa float64) {
		X, Y, d := fuzzClouds(data, dim, split)
		eps0, eps := make([]float64, d), make([]float64, d)
		eps0[0] = 1
		res, err := sliced.VMFAscent(X, nil, Y, nil, d, eps0, kappa, 8,
			rand.New(rand.NewPCG(3, 4)), 2, sliced.AscentOptions{MaxIter: 10}, eps)
		if requireArgError(t, err) {
			return
		}
		require.False(t, res.Value < 0 || math.IsNaN(res.Value), "cost %v", res.Value)
	})
}

func FuzzSpherical(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, uint8(1), uint8(2), 2.0)
	f.Fuzz(func(t *testing.T, data []byte, dim, split uint8, p float64) {
		X, Y, d := fuzzClouds(data, dim, split)
		for _, c := range [][]float64{X, Y} {
			for i := 0; i+d <= len(c); i += d {
				s := 0.0
				for _, x := range c[i : i+d] {
					s += x * x
				}
				for k := range d {
					if s > 0 {
						c[i+k] /= math.Sqrt(s)
					}
				}
			}
		}
		U := make([]float64, 2*d)
		U[0] = 1
		if d > 1 {
			U[3] = 1
		}
		out := make([]float64, 1)
		if requireArgError(t, sliced.Spherical(X, nil, Y, nil, d, U, 1, p, out)) {
			return
		}
		require.False(t, out[0] < 0 || math.IsNaN(out[0]), "cost %v", out[0])
		if !requireArgError(t, sliced.SphericalUniform(X, nil, d, U, 1, out)) {
			require.False(t, out[0] < -1e-12 || math.IsNaN(out[0]), "cost %v", out[0])
		}
	})
}
