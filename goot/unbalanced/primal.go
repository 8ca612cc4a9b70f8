package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Penalty is a divergence of the primal objective of PrimalLoss.
type Penalty int

const (
	// PenaltyKL is KL(x | y) = Σ x log(x/y + 1e-16) + Σ (y - x).
	PenaltyKL Penalty = iota
	// PenaltyL2 is ½ Σ (x - y)².
	PenaltyL2
	// PenaltyTV is Σ |x - y| (marginals only).
	PenaltyTV
	// PenaltyEntropy is Σ x log(x + 1e-16) - Σ x (the plan only).
	PenaltyEntropy
)

// PrimalLoss evaluates the primal objective of POT's lbfgsb_unbalanced and
// its gradient at the plan G (n×m), in one pass:
//
//	<G, M> + regA·D_m(G 1, a) + regB·D_m(Gᵀ1, b) + reg·D(G, c)
//
// with D_m = marg (KL, L2 or TV) and D = plan (KL, L2 or Entropy; the term
// is left out when reg = 0), c = C (n×m). grad (n×m) receives the gradient,
// with POT's conventions (log(x/y + 1e-16) for KL, sign for TV). It is the
// function a quasi-Newton solver (scipy's L-BFGS-B in goot's Python API)
// calls at each step; it allocates two small buffers (the marginals) per
// call and keeps no state.
func PrimalLoss(a, b, M, C, G, grad []float64, reg, regA, regB float64,
	plan, marg Penalty) (float64, error) {
	n, m := len(a), len(b)
	switch {
	case len(M) != n*m || len(G) != n*m || len(grad) != n*m:
		return 0, goot.Errorf("M", "M, G and grad need %d×%d entries", n, m)
	case reg > 0 && len(C) != n*m:
		return 0, goot.Errorf("c", "has %d entries, want %d×%d", len(C), n, m)
	case plan == PenaltyTV || marg == PenaltyEntropy || plan < 0 || plan > PenaltyEntropy ||
		marg < 0 || marg > PenaltyEntropy:
		return 0, goot.Errorf("reg_div", "unsupported penalties (%d, %d)", plan, marg)
	}
	rows, cols := make([]float64, n), make([]float64, m)
	marginalsOf(G, n, m, rows, cols)

	// Marginal terms and their gradients (one value per row and column).
	gr, gc := make([]float64, n), make([]float64, m)
	value := regA*penalty(rows, a, gr, marg) + regB*penalty(cols, b, gc, marg)

	// Linear and plan terms, entry by entry.
	for i := range n {
		for j := range m {
			e := i*m + j
			g := G[e]
			value += g * M[e]
			d := M[e] + regA*gr[i] + regB*gc[j]
			if reg > 0 {
				v, dv := planPenalty(g, C[e], plan)
				value += reg * v
				d += reg * dv
			}
			grad[e] = d
		}
	}
	return value, nil
}

// penalty returns D(x, y) and writes ∂D/∂x into grad.
func penalty(x, y, grad []float64, d Penalty) float64 {
	s := 0.0
	for i, v := range x {
		switch d {
		case PenaltyKL:
			l := math.Log(v/y[i] + 1e-16)
			s += v*l + (y[i] - v)
			grad[i] = l
		case PenaltyL2:
			s += 0.5 * (v - y[i]) * (v - y[i])
			grad[i] = v - y[i]
		case PenaltyTV:
			s += math.Abs(v - y[i])
			grad[i] = sign(v - y[i])
		}
	}
	return s
}

// planPenalty returns one entry's term of D(G, c) and its derivative.
func planPenalty(g, c float64, d Penalty) (float64, float64) {
	switch d {
	case PenaltyKL:
		l := math.Log(g/c + 1e-16)
		return g*l + (c - g), l
	case PenaltyL2:
		return 0.5 * (g - c) * (g - c), g - c
	}
	l := math.Log(g + 1e-16)
	return g*l - g, l
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
