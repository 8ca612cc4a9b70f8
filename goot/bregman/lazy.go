package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// lazyCosts computes rows of the cost matrix between two point clouds on
// demand, so that a solve never stores an n×m matrix.
type lazyCosts struct {
	xs, xt []float64 // n×d and m×d points, row-major
	d      int
	metric goot.Metric
	p      float64
}

// row writes -C_i·/reg into out (length m) and returns it.
func (c *lazyCosts) row(i int, reg float64, out []float64) []float64 {
	// The arguments were validated once by SinkhornLazy.
	_ = goot.Dist(c.xs[i*c.d:(i+1)*c.d], c.xt, c.d, c.metric, c.p, out)
	for j, x := range out {
		out[j] = -x / reg
	}
	return out
}

// SinkhornLazy solves entropic OT between the point clouds xs (n×d) and xt
// (m×d, row-major) with weights a and b and the cost C = goot.Dist(xs, xt,
// d, metric, p), computing the rows of C on the fly in parallel row blocks:
// memory is O((n + m)·(d + workers)), never n×m.
//
// It follows POT's lazy empirical_sinkhorn: from f = g = 0 (or f, g on
// entry with opt.Warm), f_i = log a_i - LSE_j(g_j - C_ij/reg), then
// g_j = log b_j - LSE_i(f_i - C_ij/reg); after every 10th iteration
// (10, 20, …) the L1 error of the row marginal is recorded and the solve
// stops when it is ≤ opt.Tol. MaxIter defaults to 10000. Each iteration
// makes one pass (one distance and one exp per pair), plus one pass per
// error check, with the shifted log-sum-exp of SinkhornLog.
//
// f and g receive the log-scalings; cost (when non-nil, one value) receives
// ⟨P, C⟩ with P_ij = exp(f_i + g_j - C_ij/reg).
func SinkhornLazy(xs, xt []float64, d int, metric goot.Metric, p float64, a, b []float64,
	reg float64, f, g, cost []float64, opt Options) (Result, error) {
	n, m := len(a), len(b)
	if d < 1 || len(xs) != n*d || len(xt) != m*d {
		return Result{}, goot.Errorf("X_s", "point clouds of %d and %d values do not match "+
			"%d and %d weights in dimension %d", len(xs), len(xt), n, m, d)
	}
	row := make([]float64, m)
	if err := goot.Dist(xs[:min(d, len(xs))], xt, d, metric, p, row); err != nil {
		return Result{}, err
	}
	pr := problem{n: n, m: m, k: 1, reg: reg}
	if !(reg > 0) || math.IsInf(reg, 1) {
		return Result{}, goot.Errorf("reg", "must be positive and finite, got %g", reg)
	}
	if err := goot.CheckWeights("a", a); err != nil {
		return Result{}, err
	}
	if err := goot.CheckWeights("b", b); err != nil {
		return Result{}, err
	}
	if err := checkOutputs(pr, f, g, nil, cost); err != nil {
		return Result{}, err
	}

	s := &logSolver{problem: pr, a: a, b: b}
	s.count, s.rows = blocks(n, m)
	s.loga, s.logb = logs(a), logs(b)
	s.f, s.g, s.c = make([]float64, n), make([]float64, m), make([]float64, m)
	s.acc, s.buf = make([]float64, s.count*m), make([]float64, s.count*m)
	s.cbuf = make([]float64, s.count*m)
	s.lazy = &lazyCosts{xs: xs, xt: xt, d: d, metric: metric, p: p}
	if opt.Warm {
		copy(s.f, f)
		copy(s.g, g)
	}
	s.sanitize()

	maxIter := opt.maxIter(10000)
	res := newResult(maxIter, 10)
	rows := make([]float64, n)
	for it := range maxIter {
		res.Iter = it

		// f from g, with the column sums of the plan for the new f.
		s.rowPass()
		// g from those column sums (or exactly when they are out of range).
		if !s.updateGFromSums() {
			s.updateGExact()
		}

		if (it+1)%10 == 0 {
			s.rowSums(rows)
			err := 0.0
			for i, r := range rows {
				err += math.Abs(r - a[i])
			}
			res.Errors = append(res.Errors, err)
			if err <= opt.Tol {
				res.Status = goot.Optimal
				break
			}
		}
	}
	copy(f, s.f)
	copy(g, s.g)
	if cost != nil {
		cost[0] = s.output(nil)
	}
	return res, nil
}

// rowSums writes the row sums of the plan exp(-C/reg + f_i + g_j).
func (s *logSolver) rowSums(out []float64) {
	forBlocks(s.count, s.rows, s.n, func(t, lo, hi int) {
		for i := lo; i < hi; i++ {
			sum := 0.0
			if s.a[i] > 0 {
				fi := s.f[i]
				for j, x := range s.mr(t, i) {
					sum += exp(x + fi + s.g[j])
				}
			}
			out[i] = sum
		}
	})
}
