package goot

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckWeights(t *testing.T) {
	assert.NoError(t, CheckWeights("a", nil))
	assert.NoError(t, CheckWeights("a", []float64{0, 1, 2.5}))
	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{[]float64{1, math.NaN()}, "a: NaN in the weights (index 1)"},
		{[]float64{math.Inf(1)}, "a: infinite weight (index 0)"},
		{[]float64{math.Inf(-1)}, "a: infinite weight (index 0)"},
		{[]float64{0.5, -0.25}, "a: negative weight -0.25 (index 1)"},
	} {
		err := CheckWeights("a", tc.w)
		var ae *ArgError
		require.True(t, errors.As(err, &ae))
		assert.Equal(t, tc.want, err.Error())
	}
}
