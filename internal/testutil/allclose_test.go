package testutil

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllClose(t *testing.T) {
	assert.True(t, AllClose(t, []float64{0, 1, math.Inf(1)}, []float64{0, 1 + 1e-12, math.Inf(1)}, 1e-9, 0))

	// A failing comparison must report failure; run it on a throwaway T.
	for _, tc := range []struct {
		name      string
		got, want []float64
	}{
		{"length", []float64{1}, []float64{1, 2}},
		{"value", []float64{1, 2}, []float64{1, 2.1}},
		{"zero", []float64{1e-9}, []float64{0}},
		{"nan", []float64{math.NaN()}, []float64{0}},
		{"inf sign", []float64{math.Inf(-1)}, []float64{math.Inf(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.False(t, AllClose(&testing.T{}, tc.got, tc.want, 1e-6, 1e-12))
		})
	}
}
