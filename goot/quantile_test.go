package goot

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// measure builds a SortedMeasure from values and weights (nil: uniform).
func measure(vals, w []float64) SortedMeasure {
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return vals[order[a]] < vals[order[b]] })
	m := SortedMeasure{Unit: 1 / float64(len(vals))}
	for _, i := range order {
		m.Keys = append(m.Keys, SortKey(vals[i]))
		m.Idx = append(m.Idx, uint32(i))
		if w != nil {
			m.W = append(m.W, w[i])
		}
	}
	return m
}

// quantileBrute integrates |F_u^{-1} − F_v^{-1}|^p on a fine grid of levels
// q = (k+½)/K: the quantile functions are piecewise constant, so the midpoint
// rule is exact up to the cells that straddle a level (O(1/K)).
func quantileBrute(u, uw, v, vw []float64, p float64, K int) float64 {
	quantile := func(vals, w []float64) func(float64) float64 {
		m := measure(vals, w)
		return func(q float64) float64 {
			c := 0.0
			for k := range m.Keys {
				if c += m.Weight(k); c >= q {
					return KeyValue(m.Keys[k])
				}
			}
			return KeyValue(m.Keys[len(m.Keys)-1])
		}
	}
	fu, fv := quantile(u, uw), quantile(v, vw)
	total := 0.0
	for k := range K {
		q := (float64(k) + 0.5) / float64(K)
		total += math.Pow(math.Abs(fu(q)-fv(q)), p)
	}
	return total / float64(K)
}

func TestQuantileWalkAgainstTheQuantileIntegral(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const K = 200000
	for trial := range 20 {
		n, m := 1+r.IntN(6), 1+r.IntN(6)
		u, v := make([]float64, n), make([]float64, m)
		uw, vw := make([]float64, n), make([]float64, m)
		for i := range u {
			u[i], uw[i] = r.NormFloat64(), r.Float64()+0.1
		}
		for j := range v {
			v[j], vw[j] = r.NormFloat64()+1, r.Float64()+0.1
		}
		normalise(uw)
		normalise(vw)
		p := []float64{1, 2, 1.5}[trial%3]
		um, vm := measure(u, uw), measure(v, vw)
		widths := 0.0
		got := QuantileWalk(&um, &vm, p, func(s QuantileStep) {
			require.Greater(t, s.Width, 0.0)
			widths += s.Width
		})
		// The grid misses at most n+m cells of width 1/K, each off by at
		// most the largest |u_i − v_j|^p (below 6^p for these draws).
		tol := float64(n+m) / K * math.Pow(8, p)
		assert.InDelta(t, quantileBrute(u, uw, v, vw, p, K), got, tol, "trial %d", trial)
		assert.InDelta(t, 1.0, widths, 1e-12, "the widths cover [0, 1]")
	}
}

func TestEqualQuantileCostIsTheWalkOfEqualMeasures(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 7, 3000} {
		u, v := make([]float64, n), make([]float64, n)
		for i := range u {
			u[i], v[i] = r.NormFloat64(), 2*r.NormFloat64()
		}
		um, vm := measure(u, nil), measure(v, nil)
		for _, p := range []float64{1, 2, 3.5} {
			want := QuantileWalk(&um, &vm, p, nil)
			assert.InDelta(t, want, EqualQuantileCost(&um, &vm, p), 1e-12*want, "n=%d", n)
		}
	}
}

func TestPowAbs(t *testing.T) {
	for _, p := range []float64{0.5, 1, 2, 3} {
		assert.InDelta(t, math.Pow(1.7, p), PowAbs(1.7, p), 1e-15)
	}
	assert.Equal(t, 0.0, PowAbs(0, 2))
}

func normalise(w []float64) {
	s := 0.0
	for _, x := range w {
		s += x
	}
	for i := range w {
		w[i] /= s
	}
}
