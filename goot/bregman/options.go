package bregman

import (
	"math"
	"runtime"

	"github.com/goot-ot/goot/goot"
)

// Options controls a solve. The zero value is valid: every field left at
// zero takes the default that POT's function of the same name uses.
type Options struct {
	// MaxIter caps the iterations (POT's numItermax). Default 1000; for
	// Greenkhorn 10000 and for SinkhornEpsilonScaling 100 outer iterations.
	MaxIter int
	// Tol stops the solve when the marginal error falls below it (POT's
	// stopThr). 0 runs MaxIter iterations.
	Tol float64
	// Warm says that the potential buffers hold a starting point on entry,
	// in each solver's own convention (see the solver).
	Warm bool
	// Tau is the absorption threshold of SinkhornStabilized (default 1e3).
	Tau float64
	// CheckEvery is how often SinkhornStabilized recomputes its error
	// (POT's print_period, default 20); for SinkhornEpsilonScaling it is the
	// period of the outer error (default 10).
	CheckEvery int
	// InnerMaxIter caps each stabilized solve of SinkhornEpsilonScaling
	// (POT's numInnerItermax, default 100).
	InnerMaxIter int
	// Epsilon0 is the starting reg of SinkhornEpsilonScaling (default 1e4).
	Epsilon0 float64
	// Omega opts Sinkhorn and SinkhornLog into over-relaxation: each scaling
	// moves ω times the Sinkhorn step in the log domain (u ← u^{1-ω}
	// (a/Kv)^ω). 0 (the default) and 1 are plain Sinkhorn with POT's
	// iterates; values in (1, 2) usually converge faster to the same fixed
	// point; a negative value picks ω from the observed rate after 20
	// iterations. Convergence is not guaranteed above the optimal ω.
	Omega float64
}

func (o Options) maxIter(def int) int {
	if o.MaxIter > 0 {
		return o.MaxIter
	}
	return def
}

// Result reports how a solve ended.
type Result struct {
	// Status is goot.Optimal when the error fell below Tol, otherwise
	// goot.IterationLimit.
	Status goot.Status
	// Iter is the index of the last iteration run (POT's log["niter"]).
	Iter int
	// Errors is the history of the marginal error, one value per check.
	Errors []float64
	// Breakdown is the iteration at which non-finite scalings appeared
	// (POT's "numerical errors at iteration"), or -1. After a breakdown
	// Sinkhorn and SinkhornStabilized solve again in the log domain.
	Breakdown int
	// LogDomain reports that the result came from that log-domain solve.
	LogDomain bool
	// InnerLimit counts the inner solves of SinkhornEpsilonScaling that hit
	// their iteration cap.
	InnerLimit int
}

func newResult(maxIter, every int) Result {
	return Result{
		Status:    goot.IterationLimit,
		Breakdown: -1,
		Errors:    make([]float64, 0, goot.HistoryCap(maxIter, every)),
	}
}

// problem holds the validated dimensions of a solve.
type problem struct {
	n, m, k int
	reg     float64
}

// check validates (a, b, M, reg) for k histograms in b (m×k, row-major) and
// returns the dimensions. Rows or columns of positive weight must have at
// least one finite cost, or no plan exists.
func check(a, b, M []float64, k int, reg float64) (problem, error) {
	p := problem{n: len(a), k: k, reg: reg}
	switch {
	case !(reg > 0) || math.IsInf(reg, 1):
		return p, goot.Errorf("reg", "must be positive and finite, got %g", reg)
	case k < 1:
		return p, goot.Errorf("b", "needs at least one histogram, got %d", k)
	case len(b)%k != 0:
		return p, goot.Errorf("b", "length %d is not a multiple of %d histograms", len(b), k)
	}
	p.m = len(b) / k
	switch {
	case p.n == 0 || p.m == 0:
		return p, goot.Errorf("M", "empty problem (%d×%d)", p.n, p.m)
	case len(M) != p.n*p.m:
		return p, goot.Errorf("M", "has %d entries, a and b need %d×%d", len(M), p.n, p.m)
	}
	if err := goot.CheckWeights("a", a); err != nil {
		return p, err
	}
	if err := goot.CheckWeights("b", b); err != nil {
		return p, err
	}
	return p, checkCosts(a, b, M, p)
}

// checkCosts rejects NaN and -Inf costs and rows or columns of positive
// weight whose costs are all +Inf.
func checkCosts(a, b, M []float64, p problem) error {
	n, m := p.n, p.m
	colOK := make([]bool, m)
	for i := range n {
		row := M[i*m : (i+1)*m]
		rowOK := false
		for j, x := range row {
			switch {
			case math.IsNaN(x):
				return goot.Errorf("M", "NaN cost at (%d, %d)", i, j)
			case math.IsInf(x, -1):
				return goot.Errorf("M", "cost -inf at (%d, %d)", i, j)
			case !math.IsInf(x, 1):
				rowOK = true
				colOK[j] = true
			}
		}
		if !rowOK && a[i] > 0 {
			return goot.Errorf("M", "row %d has positive weight and only +inf costs", i)
		}
	}
	for j, ok := range colOK {
		if ok {
			continue
		}
		for c := range p.k {
			if b[j*p.k+c] > 0 {
				return goot.Errorf("M", "column %d has positive weight and only +inf costs", j)
			}
		}
	}
	return nil
}

// blocks splits n rows into fixed blocks, one per worker: fixed so that sums
// are formed in the same order whatever the scheduling. Blocks hold at least
// 2^17 entries (~0.1 ms of work per pass): below that, waking a second
// goroutine every iteration costs more than it saves, much more on a loaded
// machine (measured at n = 300: 10 ms on one goroutine, 20 ms on two).
func blocks(n, m int) (count, rows int) {
	const minEntries = 1 << 17
	count = min(runtime.GOMAXPROCS(0), max(1, n*m/minEntries), n)
	return count, (n + count - 1) / count
}

// forBlocks runs body(t, lo, hi) for each of count row blocks of size rows,
// in parallel.
func forBlocks(count, rows, n int, body func(t, lo, hi int)) {
	goot.ParallelFor(count, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			body(t, t*rows, min(n, (t+1)*rows))
		}
	})
}

// norm2 returns the Euclidean norm of x - y.
func norm2(x, y []float64) float64 {
	s := 0.0
	for j := range x {
		d := x[j] - y[j]
		s += d * d
	}
	return math.Sqrt(s)
}

// linearCost returns Σ P_ij M_ij over one row, counting 0·Inf as 0.
func linearCost(P, M []float64) float64 {
	s := 0.0
	for j, p := range P {
		if p != 0 {
			s += p * M[j]
		}
	}
	return s
}
