package bregman_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot/bregman"
	"github.com/goot-ot/goot/internal/testutil"
)

// randomImages returns k normalised random w×h images.
func randomImages(k, w, h int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 13))
	A := make([]float64, k*w*h)
	for c := range k {
		normalised(A[c*w*h:(c+1)*w*h], rng)
	}
	return A
}

// The kernel and log iterations are the same map in exact arithmetic (from
// slightly different starts): run to a spread below 1e-13 they reach the same
// barycenter (measured agreement ~1e-15 relative).
func TestConvolutionalKernelEqualsLog(t *testing.T) {
	const sameFixedPointTol = 1e-9
	for _, debiased := range []bool{false} { // POT's debiased pair differs (c steps)
		k, w, h := 3, 12, 9
		A := randomImages(k, w, h, 1)
		weights := []float64{0.2, 0.3, 0.5}
		kern, logd := make([]float64, w*h), make([]float64, w*h)
		opt := bregman.Options{MaxIter: 20000, Tol: 1e-13}
		_, err := bregman.ConvolutionalBarycenter2D(A, k, w, h, 0.01, weights, kern, nil, nil,
			1e-30, debiased, opt)
		require.NoError(t, err)
		_, err = bregman.ConvolutionalBarycenter2DLog(A, k, w, h, 0.01, weights, logd, 1e-30,
			debiased, opt)
		require.NoError(t, err)
		testutil.AllClose(t, logd, kern, sameFixedPointTol, 0)
	}
}

// POT's test_convolutional_barycenter_non_square: uniform images give the
// uniform image (the kernel's boundary blur cancels between the scalings).
func TestConvolutionalUniformInUniformOut(t *testing.T) {
	A := make([]float64, 2*2*3)
	for e := range A {
		A[e] = 1.0 / 6
	}
	want := A[:6]
	bar := make([]float64, 6)
	_, err := bregman.ConvolutionalBarycenter2DLog(A, 2, 2, 3, 1e-3, []float64{0.5, 0.5}, bar,
		1e-30, false, bregman.Options{Tol: 1e-4})
	require.NoError(t, err)
	testutil.AllClose(t, bar, want, 0, 1e-12)
}

func TestConvolutionalBadInput(t *testing.T) {
	A := randomImages(2, 3, 4, 2)
	bar := make([]float64, 12)
	w := []float64{0.5, 0.5}
	_, err := bregman.ConvolutionalBarycenter2D(A, 2, 3, 5, 0.1, w, bar, nil, nil, 0, false,
		bregman.Options{})
	assert.ErrorContains(t, err, "A")
	_, err = bregman.ConvolutionalBarycenter2DLog(A, 2, 3, 4, -1, w, bar, 0, false,
		bregman.Options{})
	assert.ErrorContains(t, err, "reg")
	_, err = bregman.ConvolutionalBarycenter2DLog(A, 2, 3, 4, 0.1, w[:1], bar, 0, false,
		bregman.Options{})
	assert.ErrorContains(t, err, "weights")
}

func ExampleConvolutionalBarycenter2D() {
	// Two uniform 2×3 images: their barycenter is the uniform image.
	A := make([]float64, 12)
	for e := range A {
		A[e] = 1.0 / 6
	}
	bar := make([]float64, 6)
	res, err := bregman.ConvolutionalBarycenter2D(A, 2, 2, 3, 1e-3, []float64{0.5, 0.5}, bar,
		nil, nil, 1e-30, false, bregman.Options{Tol: 1e-4})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %v\n", bar, res.Status)
	// Output: [0.166667 0.166667 0.166667 0.166667 0.166667 0.166667] optimal
}

func FuzzConvolutionalBarycenter2DLog(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(4), uint8(2), 0.01)
	f.Add(uint64(2), uint8(1), uint8(1), uint8(1), 1e-5)
	f.Fuzz(func(t *testing.T, seed uint64, w8, h8, k8 uint8, reg float64) {
		w, h, k := int(w8%10)+1, int(h8%10)+1, int(k8%3)+1
		if !(reg > 1e-6 && reg < 1e6) {
			return
		}
		A := randomImages(k, w, h, seed)
		weights := make([]float64, k)
		for c := range weights {
			weights[c] = 1 / float64(k)
		}
		bar := make([]float64, w*h)
		_, err := bregman.ConvolutionalBarycenter2DLog(A, k, w, h, reg, weights, bar, 1e-30,
			seed%2 == 0, bregman.Options{MaxIter: 20})
		require.NoError(t, err)
		for _, x := range bar {
			require.False(t, math.IsNaN(x) || math.IsInf(x, 0))
		}
	})
}

func BenchmarkConvolutionalBarycenter2D(b *testing.B) {
	for _, n := range []int{50, 200} {
		A := randomImages(4, n, n, 1)
		weights := []float64{0.25, 0.25, 0.25, 0.25}
		bar := make([]float64, n*n)
		b.Run(fmt.Sprintf("kernel/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = bregman.ConvolutionalBarycenter2D(A, 4, n, n, 0.004, weights, bar, nil,
					nil, 1e-30, false, bregman.Options{MaxIter: 10})
			}
		})
		b.Run(fmt.Sprintf("log/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = bregman.ConvolutionalBarycenter2DLog(A, 4, n, n, 0.004, weights, bar,
					1e-30, false, bregman.Options{MaxIter: 10})
			}
		})
	}
}
