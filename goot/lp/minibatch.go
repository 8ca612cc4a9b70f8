package lp

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/goot-ot/goot/goot"
)

// Minibatch describes k independent exact OT problems of the same size n×m,
// as minibatch OT for flow matching solves them (one per pair of source and
// target batches). Problem c has source weights A[c*n : (c+1)*n] and target
// weights B[c*m : (c+1)*m]; a nil A or B means uniform weights 1/n or 1/m.
// Its cost matrix comes either from points (EMDPoints) or is given
// (EMDCosts).
type Minibatch struct {
	K, N, M int       // number of problems and their sizes
	A, B    []float64 // k×n and k×m weights, or nil for uniform
}

// EMDPoints solves the k exact OT problems between the point clouds
// X0[c] (n×d) and X1[c] (m×d), c < k, stacked row-major in x0 (k·n·d) and
// x1 (k·m·d), with ground cost metric (goot.Dist's metrics; p is the
// Minkowski exponent):
//
//	for every c:  min_P <P, C_c>  s.t.  P 1 = a_c,  Pᵀ 1 = b_c,  P ≥ 0,
//	C_c[i, j] = metric(X0[c]_i, X1[c]_j).
//
// The problems are spread over GOMAXPROCS goroutines, each taking the next
// unsolved problem as it finishes one, so uneven solve times do not leave a
// core idle. Each goroutine builds one cost matrix at a time: the extra
// memory is one n×m matrix and one simplex workspace per goroutine. From
// d = 64 on, squared Euclidean costs are formed as ‖x‖² + ‖y‖² − 2⟨x, y⟩
// (clamped at 0), as POT's ot.dist forms them, which is several times
// faster than goot.Dist's differences but accurate to 1e-16·(‖x‖² + ‖y‖²)
// absolute rather than relative; the other metrics and smaller d use
// goot.Dist.
//
// plans (k·n·m, row-major per problem) may be nil when only the costs are
// wanted. results (length k) receives each problem's cost, status and
// pivots, as EMD reports them (opt applies to every problem).
//
// EMDPoints returns an *goot.ArgError for sizes that do not match, weights
// that are empty, NaN, infinite or negative, coordinates that give a
// non-finite cost (named "x0" or "x1"; the first such problem is reported
// and the other problems may or may not have been solved), or a bad metric.
// Problems whose masses differ get status Infeasible, as in EMD. It is safe
// for concurrent use.
func EMDPoints(x0, x1 []float64, d int, metric goot.Metric, p float64, batch Minibatch,
	plans []float64, opt Options, results []Result) error {
	k, n, m := batch.K, batch.N, batch.M
	if err := batch.check(plans, results); err != nil {
		return err
	}
	switch {
	case d < 1:
		return goot.Errorf("x0", "dimension d = %d must be at least 1", d)
	case len(x0) != k*n*d:
		return goot.Errorf("x0", "has length %d, want k·n·d = %d·%d·%d", len(x0), k, n, d)
	case len(x1) != k*m*d:
		return goot.Errorf("x1", "has length %d, want k·m·d = %d·%d·%d", len(x1), k, m, d)
	}
	// An invalid metric or exponent is found on a 1×1 problem, before any
	// goroutine starts.
	var probe [1]float64
	if err := goot.Dist(x0[:d], x1[:d], d, metric, p, probe[:]); err != nil {
		return err
	}

	gram := metric == goot.SqEuclidean && d >= gramMinDim
	cost := func(c int, C []float64) ([]float64, error) {
		xs, xt := x0[c*n*d:(c+1)*n*d], x1[c*m*d:(c+1)*m*d]
		C, norms := C[:n*m], C[n*m:]
		if gram {
			sqEuclideanGram(xs, xt, d, norms[:n], norms[n:], C)
		} else if err := goot.Dist(xs, xt, d, metric, p, C); err != nil {
			return nil, err
		}
		for e, v := range C {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				arg := "x0"
				if finite(xs[e/m*d:e/m*d+d]) && !finite(xt[e%m*d:e%m*d+d]) {
					arg = "x1"
				}
				return nil, goot.Errorf(arg, "problem %d: points %d and %d give the cost %v",
					c, e/m, e%m, v)
			}
		}
		return C, nil
	}
	return batch.solve(cost, true, plans, opt, results)
}

// EMDCosts solves the k exact OT problems whose n×m cost matrices are
// stacked row-major in M (k·n·m), as EMDPoints does for point clouds; it is
// the form to use when the costs are built elsewhere (for instance by a
// matrix product for high-dimensional points). M is only read. Entries of M
// follow EMD's rules (+Inf forbids a pair; NaN and -Inf are errors, named
// "M" with the problem index).
func EMDCosts(M []float64, batch Minibatch, plans []float64, opt Options,
	results []Result) error {
	k, n, m := batch.K, batch.N, batch.M
	if err := batch.check(plans, results); err != nil {
		return err
	}
	if len(M) != k*n*m {
		return goot.Errorf("M", "has length %d, want k·n·m = %d·%d·%d", len(M), k, n, m)
	}
	cost := func(c int, _ []float64) ([]float64, error) {
		return M[c*n*m : (c+1)*n*m], nil
	}
	return batch.solve(cost, false, plans, opt, results)
}

// check validates the sizes, the weights and the outputs.
func (batch Minibatch) check(plans []float64, results []Result) error {
	k, n, m := batch.K, batch.N, batch.M
	switch {
	case k < 1:
		return goot.Errorf("k", "number of problems must be positive, got %d", k)
	case n < 1 || m < 1:
		return goot.Errorf("x0", "empty batches (n = %d, m = %d)", n, m)
	case n > math.MaxInt/m/k:
		return goot.Errorf("x0", "k·n·m = %d·%d·%d overflows", k, n, m)
	case len(results) != k:
		return goot.Errorf("results", "has length %d, want k = %d", len(results), k)
	}
	if err := emdCheckLen("plans", plans, k*n*m, true); err != nil {
		return err
	}
	for _, w := range []struct {
		name string
		x    []float64
		size int
	}{{"a", batch.A, n}, {"b", batch.B, m}} {
		if w.x == nil {
			continue
		}
		if err := emdCheckLen(w.name, w.x, k*w.size, false); err != nil {
			return err
		}
		for c := range k {
			if err := emdCheckWeights(w.name, w.x[c*w.size:(c+1)*w.size]); err != nil {
				return err
			}
		}
	}
	return nil
}

// costFunc returns the cost matrix of problem c: built in the goroutine's
// n×m buffer C, or a view of the caller's; or an error naming the argument
// at fault.
type costFunc func(c int, C []float64) ([]float64, error)

// solve runs the k problems on GOMAXPROCS goroutines. fromPoints says that
// cost builds its matrices in C (so each goroutine needs one) and has
// already rejected non-finite entries, so only the scale is left to find.
func (batch Minibatch) solve(cost costFunc, fromPoints bool, plans []float64,
	opt Options, results []Result) error {
	k, n, m := batch.K, batch.N, batch.M
	ua, ub := uniform(n), uniform(m)
	weights := func(w, u []float64, c, size int) []float64 {
		if w == nil {
			return u
		}
		return w[c*size : (c+1)*size]
	}

	// Each goroutine takes problems from a shared counter; the error of
	// the lowest-numbered failing problem is the one returned.
	var next atomic.Int64
	var mu sync.Mutex
	failed, failure := k, error(nil)
	workers := min(runtime.GOMAXPROCS(0), k)
	goot.ParallelFor(workers, 1, func(_, _ int) {
		var C []float64 // the cost matrix, then scratch for the Gram form's norms
		if fromPoints {
			C = make([]float64, n*m+n+m)
		}
		w := newEMDWorkspace(n, m)
		for c := int(next.Add(1) - 1); c < k; c = int(next.Add(1) - 1) {
			Mc, err := cost(c, C)
			var scale float64
			if err == nil {
				scale, err = costScale(Mc, n, m, c, fromPoints)
			}
			if err != nil {
				mu.Lock()
				if c < failed {
					failed, failure = c, err
				}
				mu.Unlock()
				continue
			}
			var plan []float64
			if plans != nil {
				plan = plans[c*n*m : (c+1)*n*m]
			}
			a, b := weights(batch.A, ua, c, n), weights(batch.B, ub, c, m)
			results[c] = w.emd(a, b, Mc, scale, plan, nil, nil, opt)
		}
	})
	return failure
}

// costScale is emdCheckCosts for problem c of a batch: the largest finite
// |C_ij|, and an error naming the problem for NaN or -Inf entries (which
// cannot occur when checked is set).
func costScale(C []float64, n, m, c int, checked bool) (float64, error) {
	if !checked {
		s, err := emdCheckCosts(C, n, m)
		if err != nil {
			return 0, goot.Errorf("M", "problem %d: %s", c, err.(*goot.ArgError).Problem)
		}
		return s, nil
	}
	var s float64
	for _, v := range C {
		s = max(s, math.Abs(v))
	}
	return s, nil
}

func uniform(n int) []float64 {
	u := make([]float64, n)
	for i := range u {
		u[i] = 1 / float64(n)
	}
	return u
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
