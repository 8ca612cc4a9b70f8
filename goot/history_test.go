package goot

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHistoryCap(t *testing.T) {
	assert.Equal(t, 102, HistoryCap(100, 1))
	assert.Equal(t, 12, HistoryCap(100, 10))
	assert.Equal(t, 2, HistoryCap(0, 10))
	assert.Equal(t, 2, HistoryCap(-1, 1))
	assert.Equal(t, 5, HistoryCap(3, 0)) // every < 1 counts as 1
	assert.Equal(t, historyCapMax+2, HistoryCap(math.MaxInt, 1))
	assert.Equal(t, historyCapMax+2, HistoryCap(1<<62, 10))
}
