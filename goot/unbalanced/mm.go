package unbalanced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Divergence is the marginal penalty of MM.
type Divergence int

const (
	// KL penalises the marginals by the Kullback–Leibler divergence.
	KL Divergence = iota
	// L2 penalises them by half the squared Euclidean distance.
	L2
)

// MM solves unbalanced OT by POT's majorisation–minimisation
// (mm_unbalanced, Chapel et al. 2021):
//
//	min_{G ≥ 0} <G, M> + regA·D(G 1, a) + regB·D(Gᵀ1, b) + reg·D(G, c)
//
// with D the KL divergence or half the squared L2 distance, regA, regB > 0
// finite and reg ≥ 0 (c = a bᵀ by default, see Options.Ref). From G = a bᵀ
// (or G as given when opt.Warm), each iteration is the closed-form
// minimiser of a majorant:
//
//	KL: G = K ⊙ G^{r1+r2} / ((G 1)^{r1} (Gᵀ1)^{r2} + 1e-16),
//	    K = a^{r1} b^{r2} c^{r} e^{-M/(reg+regA+regB)}, r· = reg·/(reg+regA+regB);
//	L2: G = K ⊙ G / (regA G 1 + regB Gᵀ1 + reg G + 1e-16),
//	    K = max(regA a + regB b + reg c - M, 0),
//
// and the solve stops when ‖G - G_prev‖_F < opt.Tol (POT's stopThr, 1e-15
// there). G (n×m) is updated in place. When history is non-nil, iterate t
// is copied to history[t·n·m:(t+1)·n·m] for as many iterates as it holds
// (POT's log["G"]).
//
// Reference: Chapel, Flamary, Wu, Févotte, Gasso, "Unbalanced optimal
// transport through non-negative penalized linear regression", NeurIPS,
// 2021.
func MM(a, b, M []float64, reg, regA, regB float64, div Divergence, G, history []float64,
	opt Options) (Result, error) {
	p, err := checkMM(a, b, M, reg, regA, regB, div, opt)
	if err != nil {
		return Result{}, err
	}
	n, m := p.n, p.m
	if len(G) != n*m {
		return Result{}, goot.Errorf("G0", "has length %d, want %d×%d", len(G), n, m)
	}
	if opt.Warm {
		if err := goot.CheckWeights("G0", G); err != nil {
			return Result{}, err
		}
	} else {
		for i := range n {
			for j := range m {
				G[i*m+j] = a[i] * b[j]
			}
		}
	}
	K := mmKernel(a, b, M, p, div)
	rows, cols := make([]float64, n), make([]float64, m)
	powR, powC := make([]float64, n), make([]float64, m)
	sum := reg + regA + regB
	r1, r2 := regA/sum, regB/sum

	maxIter := opt.maxIter()
	res := Result{Status: goot.IterationLimit, Breakdown: -1,
		Errors: make([]float64, 0, goot.HistoryCap(maxIter, 1))}
	for it := range maxIter {
		res.Iter = it + 1
		marginalsOf(G, n, m, rows, cols)

		// One majorisation step, G updated in place; err = ‖G - G_prev‖_F.
		sq := 0.0
		if div == KL {
			for i, x := range rows {
				powR[i] = math.Pow(x, r1)
			}
			for j, x := range cols {
				powC[j] = math.Pow(x, r2)
			}
			for i := range n {
				for j := range m {
					e := i*m + j
					old := G[e]
					G[e] = K[e] * math.Pow(old, r1+r2) / (powR[i]*powC[j] + 1e-16)
					sq += (G[e] - old) * (G[e] - old)
				}
			}
		} else {
			for i := range n {
				for j := range m {
					e := i*m + j
					old := G[e]
					G[e] = K[e] * old / (regA*rows[i] + regB*cols[j] + reg*old + 1e-16)
					sq += (G[e] - old) * (G[e] - old)
				}
			}
		}
		if history != nil && (it+1)*n*m <= len(history) {
			copy(history[it*n*m:(it+1)*n*m], G)
		}

		err := math.Sqrt(sq)
		res.Errors = append(res.Errors, err)
		if err < opt.Tol {
			res.Status = goot.Optimal
			break
		}
	}
	for e, g := range G {
		if g != 0 {
			res.Cost += g * M[e]
		}
	}
	return res, nil
}

func checkMM(a, b, M []float64, reg, regA, regB float64, div Divergence,
	opt Options) (problem, error) {
	p := problem{n: len(a), m: len(b), k: 1, reg: reg, regA: regA, regB: regB,
		ref: opt.Ref, c: opt.C}
	switch {
	case !(reg >= 0) || math.IsInf(reg, 1):
		return p, goot.Errorf("reg", "must be non-negative and finite, got %g", reg)
	case !(regA > 0) || math.IsInf(regA, 1) || !(regB > 0) || math.IsInf(regB, 1):
		return p, goot.Errorf("reg_m", "must be positive and finite, got (%g, %g)", regA, regB)
	case div != KL && div != L2:
		return p, goot.Errorf("div", "unknown divergence %d", div)
	case p.n == 0 || p.m == 0:
		return p, goot.Errorf("M", "empty problem (%d×%d)", p.n, p.m)
	case len(M) != p.n*p.m:
		return p, goot.Errorf("M", "has %d entries, a and b need %d×%d", len(M), p.n, p.m)
	case opt.Ref == Given && len(opt.C) != p.n*p.m:
		return p, goot.Errorf("c", "has %d entries, want %d×%d", len(opt.C), p.n, p.m)
	}
	for _, w := range []struct {
		name string
		x    []float64
	}{{"a", a}, {"b", b}, {"c", opt.C}} {
		if err := goot.CheckWeights(w.name, w.x); err != nil {
			return p, err
		}
	}
	for e, x := range M {
		if math.IsNaN(x) || math.IsInf(x, -1) {
			return p, goot.Errorf("M", "cost %g at (%d, %d)", x, e/p.m, e%p.m)
		}
	}
	return p, nil
}

// mmKernel returns the constant factor K of the MM update.
func mmKernel(a, b, M []float64, p problem, div Divergence) []float64 {
	n, m := p.n, p.m
	K := make([]float64, n*m)
	sum := p.reg + p.regA + p.regB
	r1, r2, r := p.regA/sum, p.regB/sum, p.reg/sum
	for i := range n {
		for j := range m {
			e := i*m + j
			c := 0.0
			if p.reg > 0 {
				c = refAt(a, b, p, i, j)
			}
			if div == KL {
				K[e] = math.Pow(a[i], r1) * math.Pow(b[j], r2) * math.Pow(c, r) *
					math.Exp(-M[e]/sum)
			} else {
				K[e] = max(p.regA*a[i]+p.regB*b[j]+p.reg*c-M[e], 0)
			}
		}
	}
	return K
}

// marginalsOf writes the row and column sums of the n×m matrix G.
func marginalsOf(G []float64, n, m int, rows, cols []float64) {
	clear(cols)
	for i := range n {
		s := 0.0
		for j, g := range G[i*m : (i+1)*m] {
			s += g
			cols[j] += g
		}
		rows[i] = s
	}
}
