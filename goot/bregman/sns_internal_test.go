package bregman

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/goot-ot/goot/internal/testutil"
)

// cgSystem fills the Newton system of an sns for an n×m sparse block B
// with entries in [0.1, 1] at the given density plus a chain (i, i mod m),
// (i, i+1 mod m), (j mod n, j) that connects the graph, the shifted
// diagonals of SinkhornNewtonSparse (row and column sums of B times
// 1 + shift), and a random gradient; masked rows and columns (and the gauge
// column 0) have inv = 0, as newtonStep sets them.
// components > 1 splits the rows and columns into that many blocks with no
// entry between them: H_s is then singular but for the shift.
func cgSystem(rng *rand.Rand, n, m int, density, shift float64, components int,
	maskedRows, maskedCols map[int]bool) *sns {
	w := &sns{logSolver: &logSolver{problem: problem{n: n, m: m}}}
	k := n + m
	w.grad, w.dir, w.diag, w.inv = make([]float64, k), make([]float64, k),
		make([]float64, k), make([]float64, k)
	w.res, w.z, w.q, w.dp = make([]float64, k), make([]float64, k), make([]float64, k),
		make([]float64, k)
	w.sinv, w.rowPtr = make([]float64, m), make([]int, n+1)
	block := func(i, size int) int { return i * components / size }
	for i := range n {
		for j := range m {
			if block(i, n) != block(j, m) {
				continue
			}
			if rng.Float64() < density || j == i%m || j == (i+1)%m || i == j%n {
				w.col = append(w.col, int32(j))
				w.val = append(w.val, 0.1+0.9*rng.Float64())
			}
		}
		w.rowPtr[i+1] = len(w.col)
	}
	for i := range n {
		for e := w.rowPtr[i]; e < w.rowPtr[i+1]; e++ {
			w.diag[i] += w.val[e]
			w.diag[n+int(w.col[e])] += w.val[e]
		}
	}
	for v := range k {
		masked := (v < n && maskedRows[v]) || (v >= n && (v == n || maskedCols[v-n]))
		w.diag[v] *= 1 + shift
		if masked || w.diag[v] == 0 {
			w.diag[v] = 0
			continue
		}
		w.inv[v] = 1 / w.diag[v]
		w.grad[v] = rng.NormFloat64()
	}
	return w
}

// denseNewton solves the system of w on its free variables with gonum's
// Cholesky factorisation (0 elsewhere).
func denseNewton(t *testing.T, w *sns) []float64 {
	t.Helper()
	n := w.n
	var free []int
	index := make([]int, len(w.inv))
	for v, x := range w.inv {
		index[v] = -1
		if x != 0 {
			index[v] = len(free)
			free = append(free, v)
		}
	}
	out := make([]float64, len(w.inv))
	if len(free) == 0 {
		return out
	}
	H := mat.NewSymDense(len(free), nil)
	rhs := mat.NewVecDense(len(free), nil)
	for q, v := range free {
		H.SetSym(q, q, w.diag[v])
		rhs.SetVec(q, w.grad[v])
	}
	for i := range n {
		for e := w.rowPtr[i]; e < w.rowPtr[i+1]; e++ {
			r, c := index[i], index[n+int(w.col[e])]
			if r >= 0 && c >= 0 {
				H.SetSym(r, c, w.val[e])
			}
		}
	}
	var chol mat.Cholesky
	require.True(t, chol.Factorize(H), "H_s must be positive definite on the free variables")
	var x mat.VecDense
	require.NoError(t, chol.SolveVecTo(&x, rhs))
	for q, v := range free {
		out[v] = x.AtVec(q)
	}
	return out
}

// cgRelTol: the solves below ask CG for a relative residual of 1e-14; with
// the condition numbers of these systems (≤ ~1e4 with entries in [0.1, 1],
// ~1e3/shift when disconnected) the direction then agrees with the dense
// solve to about 1e-9 relative to its largest component.
const cgRelTol = 1e-9

// TestConjugateGradientMatchesDense checks the Schur-complement CG of the
// Newton stage against a dense Cholesky solve of the same sparse system:
// sizes 1 to 500, n ≠ m, masked (zero-weight) rows and columns, the gauge
// column, and graphs in several components (singular but for the shift).
func TestConjugateGradientMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct {
		n, m       int
		density    float64
		shift      float64
		components int
		rows, cols map[int]bool
	}{
		{1, 1, 1, 1e-10, 1, nil, nil},
		{1, 5, 1, 1e-10, 1, nil, nil},
		{5, 1, 1, 1e-3, 1, nil, nil},
		{2, 3, 0.5, 1e-10, 1, nil, nil},
		{17, 9, 0.3, 1e-10, 1, map[int]bool{3: true}, map[int]bool{4: true}},
		{60, 80, 0.05, 1e-10, 1, nil, map[int]bool{7: true, 8: true}},
		{120, 100, 0.02, 1e-6, 3, nil, nil},
		{200, 200, 0.01, 1e-8, 1, map[int]bool{0: true, 199: true}, nil},
		{500, 500, 0.004, 1e-10, 1, nil, nil},
		{500, 300, 0.01, 1e-4, 4, map[int]bool{10: true}, map[int]bool{20: true}},
	} {
		name := fmt.Sprintf("%dx%d/shift=%g/components=%d", tc.n, tc.m, tc.shift,
			tc.components)
		t.Run(name, func(t *testing.T) {
			w := cgSystem(rng, tc.n, tc.m, tc.density, tc.shift, tc.components, tc.rows,
				tc.cols)
			want := denseNewton(t, w)
			w.conjugateGradient(1e-14)
			scale := 0.0
			for _, x := range want {
				scale = max(scale, math.Abs(x))
			}
			testutil.AllClose(t, w.dir, want, 0, cgRelTol*max(scale, 1))
			for v, x := range w.inv {
				if x == 0 {
					require.Zero(t, w.dir[v], "masked variable %d", v)
				}
			}
		})
	}
}
