package goot

import "math"

// CheckWeights returns an *ArgError naming arg unless every weight in w is
// finite and non-negative. An empty w is accepted; callers that need points
// check that themselves.
func CheckWeights(arg string, w []float64) error {
	for i, x := range w {
		switch {
		case math.IsNaN(x):
			return Errorf(arg, "NaN in the weights (index %d)", i)
		case math.IsInf(x, 0):
			return Errorf(arg, "infinite weight (index %d)", i)
		case x < 0:
			return Errorf(arg, "negative weight %g (index %d)", x, i)
		}
	}
	return nil
}
