package goot

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParallelForCoversRangeOnce(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{
		{0, 1}, {1, 1}, {7, 100}, {1000, 1}, {1001, 10}, {5, 0},
	} {
		hits := make([]int32, tc.n)
		ParallelFor(tc.n, tc.grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		for i, h := range hits {
			require.Equal(t, int32(1), h, "n=%d grain=%d index %d", tc.n, tc.grain, i)
		}
	}
}

func TestParallelForForwardsWorkerPanics(t *testing.T) {
	defer func() {
		r := recover()
		require.NotNil(t, r, "the worker's panic must reach the caller")
		err, ok := r.(error)
		require.True(t, ok)
		var pe *PanicError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, "boom", pe.Value)
		assert.NotEmpty(t, pe.Stack)
	}()
	ParallelFor(1000, 1, func(lo, hi int) {
		if lo > 0 {
			panic("boom")
		}
	})
}

func TestStatus(t *testing.T) {
	assert.True(t, Optimal.Converged())
	for _, s := range []Status{Infeasible, Unbounded, IterationLimit} {
		assert.False(t, s.Converged())
		assert.NotEqual(t, "unknown status", s.String())
	}
	assert.Equal(t, "unknown status", Status(99).String())
}
