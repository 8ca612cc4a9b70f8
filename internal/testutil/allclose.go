// Package testutil holds the helpers shared by goot's Go tests.
package testutil

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// AllClose asserts that got and want have the same length and that every
// element satisfies numpy's rule |got - want| <= atol + rtol*|want|. Two NaNs
// compare equal, and so do two infinities of the same sign. It reports at most
// the first five mismatches and returns whether all elements matched.
//
// It replaces testify's InDeltaSlice, which does not compare lengths, and
// InEpsilonSlice, which fails on exact zeros (most entries of an OT plan).
func AllClose(t testing.TB, got, want []float64, rtol, atol float64, msg ...any) bool {
	t.Helper()
	if !assert.Len(t, got, len(want), msg...) {
		return false
	}
	bad := 0
	for i := range want {
		if close(got[i], want[i], rtol, atol) {
			continue
		}
		if bad < 5 {
			assert.Failf(t, "values differ",
				"index %d: got %.17g, want %.17g (rtol %g, atol %g) %v",
				i, got[i], want[i], rtol, atol, msg)
		}
		bad++
	}
	if bad > 5 {
		assert.Failf(t, "values differ", "%d of %d elements differ %v", bad, len(want), msg)
	}
	return bad == 0
}

func close(got, want, rtol, atol float64) bool {
	switch {
	case math.IsNaN(got) || math.IsNaN(want):
		return math.IsNaN(got) && math.IsNaN(want)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		return got == want
	}
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

// Uniform returns n weights of 1/n each.
func Uniform(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	return w
}
