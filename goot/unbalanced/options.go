package unbalanced

import (
	"math"
	"runtime"

	"github.com/goot-ot/goot/goot"
)

// Method selects the iteration of Solve.
type Method int

const (
	// Knopp is POT's sinkhorn_knopp_unbalanced, run on log-scalings.
	Knopp Method = iota
	// Stabilized is POT's sinkhorn_stabilized_unbalanced.
	Stabilized
	// TranslationInvariant is POT's
	// sinkhorn_unbalanced_translation_invariant, run on log-scalings.
	TranslationInvariant
)

// Reference selects the reference measure c of the entropic term.
type Reference int

const (
	// Product is c = a bᵀ (POT's reg_type="kl" with c=None). It needs a
	// single histogram b.
	Product Reference = iota
	// Ones is c = 1 (POT's reg_type="entropy", and every solve with several
	// histograms).
	Ones
	// Given is c = Options.C.
	Given
)

// Options controls a solve. The zero value is valid and gives POT's
// defaults except for Tol (see Tol).
type Options struct {
	// MaxIter caps the iterations (POT's numItermax). Default 1000.
	MaxIter int
	// Tol stops the solve when the relative change of the scalings falls
	// below it (POT's stopThr, whose default is 1e-6). 0 runs MaxIter
	// iterations.
	Tol float64
	// Warm says that f and g hold starting log-scalings on entry (POT's
	// warmstart); otherwise the solve starts from f = g = 0.
	Warm bool
	// Tau is the absorption threshold of Stabilized (POT's tau, default
	// 1e5).
	Tau float64
	// Ref selects the reference measure c (default Product, c = a bᵀ).
	Ref Reference
	// C is the n×m reference measure when Ref is Given: finite and
	// non-negative; a zero entry forbids that pair.
	C []float64
}

func (o Options) maxIter() int {
	if o.MaxIter > 0 {
		return o.MaxIter
	}
	return 1000
}

// Result reports how a solve ended.
type Result struct {
	// Status is goot.Optimal when the error fell below Tol, otherwise
	// goot.IterationLimit.
	Status goot.Status
	// Iter is the number of iterations run.
	Iter int
	// Errors is the history of the stopping error, one value per check
	// (POT's log["err"]).
	Errors []float64
	// Breakdown is the iteration at which non-finite scalings appeared
	// (POT's "Numerical errors at iteration"), or -1. Only Stabilized, which
	// keeps POT's scaling domain, can break down; the solve then returns
	// the previous iterate.
	Breakdown int
	// Cost is ⟨P, M⟩ of the first histogram (0·Inf counts 0).
	Cost float64
	// TotalCost is POT's log["total_cost"] for a single histogram:
	// Cost + reg·kl(P, c) + regA·kl(P 1, a) + regB·kl(Pᵀ1, b) with
	// kl(x, y) = Σ x log(x/y + 1e-16) (no mass term, as POT), an infinite
	// marginal weight contributing nothing.
	TotalCost float64
}

// problem holds the validated dimensions and parameters of a solve.
type problem struct {
	n, m, k         int
	reg, regA, regB float64
	ref             Reference
	c               []float64
	count, rows     int // row blocks
}

// exponent returns POT's fi = regM / (regM + reg), 1 for an infinite regM.
func exponent(regM, reg float64) float64 {
	if math.IsInf(regM, 1) {
		return 1
	}
	return regM / (regM + reg)
}

// check validates a solve of k histograms b (m×k, row-major).
func check(a, b, M []float64, k int, reg, regA, regB float64, opt Options) (problem, error) {
	p := problem{n: len(a), k: k, reg: reg, regA: regA, regB: regB, ref: opt.Ref, c: opt.C}
	switch {
	case !(reg > 0) || math.IsInf(reg, 1):
		return p, goot.Errorf("reg", "must be positive and finite, got %g", reg)
	case !(regA > 0):
		return p, goot.Errorf("reg_m", "must be positive (or inf), got %g", regA)
	case !(regB > 0):
		return p, goot.Errorf("reg_m", "must be positive (or inf), got %g", regB)
	case k < 1:
		return p, goot.Errorf("b", "needs at least one histogram, got %d", k)
	case len(b)%k != 0:
		return p, goot.Errorf("b", "length %d is not a multiple of %d histograms", len(b), k)
	case opt.Ref == Product && k != 1:
		return p, goot.Errorf("b", "the reference a bᵀ needs a single histogram, got %d", k)
	case opt.Ref < Product || opt.Ref > Given:
		return p, goot.Errorf("reg_type", "unknown reference %d", opt.Ref)
	}
	p.m = len(b) / k
	switch {
	case p.n == 0 || p.m == 0:
		return p, goot.Errorf("M", "empty problem (%d×%d)", p.n, p.m)
	case len(M) != p.n*p.m:
		return p, goot.Errorf("M", "has %d entries, a and b need %d×%d", len(M), p.n, p.m)
	case opt.Ref == Given && len(opt.C) != p.n*p.m:
		return p, goot.Errorf("c", "has %d entries, want %d×%d", len(opt.C), p.n, p.m)
	}
	if err := goot.CheckWeights("a", a); err != nil {
		return p, err
	}
	if err := goot.CheckWeights("b", b); err != nil {
		return p, err
	}
	if opt.Ref == Given {
		if err := goot.CheckWeights("c", opt.C); err != nil {
			return p, err
		}
	}
	for e, x := range M {
		if math.IsNaN(x) || math.IsInf(x, -1) {
			return p, goot.Errorf("M", "cost %g at (%d, %d)", x, e/p.m, e%p.m)
		}
	}
	p.count, p.rows = blocks(p.n, p.m*k)
	return p, nil
}

// checkOutputs validates the output buffers of Solve.
func checkOutputs(p problem, f, g, plan, costs []float64) error {
	switch {
	case len(f) != p.n*p.k:
		return goot.Errorf("f", "has length %d, want %d", len(f), p.n*p.k)
	case len(g) != p.m*p.k:
		return goot.Errorf("g", "has length %d, want %d", len(g), p.m*p.k)
	case plan != nil && (p.k != 1 || len(plan) != p.n*p.m):
		return goot.Errorf("plan", "has length %d, want %d (one histogram)", len(plan), p.n*p.m)
	case costs != nil && len(costs) != p.k:
		return goot.Errorf("costs", "has length %d, want %d", len(costs), p.k)
	}
	return nil
}

// logKernel returns L = -M/reg + log c (row-major n×m) and rejects rows or
// columns of positive weight where every entry is -Inf (no admissible
// pair, so no finite solution).
func logKernel(a, b, M []float64, p problem) ([]float64, error) {
	n, m, k := p.n, p.m, p.k
	L := make([]float64, n*m)
	var loga, logb []float64 // log a_i and log b_j of the reference a bᵀ
	if p.ref == Product {
		loga, logb = make([]float64, n), make([]float64, m)
		for i, x := range a {
			loga[i] = math.Log(x)
		}
		for j, x := range b {
			logb[j] = math.Log(x)
		}
	}
	forBlocks(p, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			Li, Mi := L[i*m:(i+1)*m], M[i*m:(i+1)*m]
			switch p.ref {
			case Product:
				for j, x := range Mi {
					Li[j] = -x/p.reg + (loga[i] + logb[j])
				}
			case Given:
				for j, x := range Mi {
					Li[j] = -x/p.reg + math.Log(p.c[i*m+j])
				}
			default:
				for j, x := range Mi {
					Li[j] = -x / p.reg
				}
			}
		}
	})
	colOK := make([]bool, m)
	for i := range n {
		rowOK := false
		for j, x := range L[i*m : (i+1)*m] {
			if x > math.Inf(-1) {
				rowOK, colOK[j] = true, true
			}
		}
		if !rowOK && a[i] > 0 {
			return nil, goot.Errorf("M", "row %d has positive weight and no admissible pair "+
				"(every cost +inf or reference 0)", i)
		}
	}
	for j, ok := range colOK {
		for c := range k {
			if !ok && b[j*k+c] > 0 {
				return nil, goot.Errorf("M", "column %d has positive weight and no "+
					"admissible pair (every cost +inf or reference 0)", j)
			}
		}
	}
	return L, nil
}

// blocks splits n rows of width entries into fixed blocks, one per worker:
// fixed so that sums are formed in the same order whatever the scheduling.
// Blocks hold at least 2^17 entries: below that, waking a goroutine each
// iteration costs more than it saves (the rule of goot/bregman).
func blocks(n, width int) (count, rows int) {
	const minEntries = 1 << 17
	count = max(1, min(runtime.GOMAXPROCS(0), n*width/minEntries, n))
	return count, (n + count - 1) / count
}

// forBlocks runs body(t, lo, hi) for each row block t of p, in parallel.
func forBlocks(p problem, body func(t, lo, hi int)) {
	goot.ParallelFor(p.count, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			body(t, t*p.rows, min(p.n, (t+1)*p.rows))
		}
	})
}

func fill(x []float64, value float64) {
	for i := range x {
		x[i] = value
	}
}
