package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Greenkhorn solves entropic OT by greedy coordinate Sinkhorn (Altschuler,
// Weed, Rigollet 2017) as POT's greenkhorn does: each iteration rescales
// the one row or column whose marginal is violated most (the row on a tie
// goes to the column), updating the violations incrementally; it stops
// after the iteration in which the largest violation was ≤ opt.Tol.
// MaxIter defaults to 10000.
//
// u (n) and v (m) receive the scalings; with opt.Warm they hold the
// starting scalings (POT's exp(warmstart)). plan is written when non-nil.
// A scaling that is not finite (the kernel underflows) sets
// Result.Breakdown; the problem is then solved by SinkhornLog (1000
// iterations at most) and Result.LogDomain is set.
func Greenkhorn(a, b, M []float64, reg float64, u, v, plan []float64,
	opt Options) (Result, error) {
	p, err := check(a, b, M, 1, reg)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, u, v, plan, nil); err != nil {
		return Result{}, err
	}
	n, m := p.n, p.m
	s := &knopp{problem: p, a: a, bT: b}
	s.count, s.rows = blocks(n, m)
	s.K = make([]float64, n*m)
	if !s.buildKernel(M, nil, nil) {
		return greenkhornFallback(a, b, M, reg, u, v, plan, opt, Result{Breakdown: 0})
	}
	KT := transpose(s.K, n, m)
	if !opt.Warm {
		fill(u, 1/float64(n))
		fill(v, 1/float64(m))
	}

	// Violations of the marginals by the starting plan.
	rowViol, colViol := make([]float64, n), make([]float64, m)
	s.U, s.V = u, v
	s.marginals(rowViol, colViol)
	for i := range rowViol {
		rowViol[i] -= a[i]
	}
	for j := range colViol {
		colViol[j] -= b[j]
	}

	maxIter := opt.maxIter(10000)
	res := newResult(0, 1)
	for it := range maxIter {
		res.Iter = it
		i, vi := argmaxAbs(rowViol)
		j, vj := argmaxAbs(colViol)
		worst := max(vi, vj)
		if vi > vj {
			Ki := s.K[i*m : (i+1)*m]
			next := scale(a[i], dot(Ki, v))
			if bad(next, a[i]) {
				res.Breakdown = it
				break
			}
			// next·K_i·v, formed as POT forms it.
			sum := 0.0
			for j, x := range Ki {
				sum += next * x * v[j]
			}
			rowViol[i] = sum - a[i]
			delta := next - u[i]
			for j, x := range Ki {
				colViol[j] += x * delta * v[j]
			}
			u[i] = next
		} else {
			Kj := KT[j*n : (j+1)*n]
			d := dot(Kj, u)
			next := scale(b[j], d)
			if bad(next, b[j]) {
				res.Breakdown = it
				break
			}
			delta := next - v[j]
			for i, x := range Kj {
				rowViol[i] += delta * x * u[i]
			}
			colViol[j] = next*d - b[j]
			v[j] = next
		}
		if worst <= opt.Tol {
			res.Status = goot.Optimal
			break
		}
	}
	if res.Breakdown >= 0 {
		return greenkhornFallback(a, b, M, reg, u, v, plan, opt, res)
	}
	if plan != nil {
		s.output(make([]float64, n), make([]float64, m), M, plan, nil)
	}
	return res, nil
}

// greenkhornFallback solves the problem with SinkhornLog after a breakdown
// and returns its scalings exp(f), exp(g).
func greenkhornFallback(a, b, M []float64, reg float64, u, v, plan []float64,
	opt Options, broke Result) (Result, error) {
	opt.Warm = false
	opt.MaxIter = 0 // SinkhornLog's own default: Greenkhorn's counts single rows
	res, err := SinkhornLog(a, b, M, reg, u, v, plan, nil, opt)
	if err != nil {
		return res, err
	}
	for i, f := range u {
		u[i] = math.Exp(f)
	}
	for j, g := range v {
		v[j] = math.Exp(g)
	}
	res.Breakdown = broke.Breakdown
	res.LogDomain = true
	return res, nil
}

// bad reports a scaling that is not finite, or zero for a positive weight
// (K·v overflowed): the kernel's range exceeds float64 and the log domain
// must take over.
func bad(scaling, weight float64) bool {
	return math.IsNaN(scaling) || math.IsInf(scaling, 0) || (scaling == 0 && weight > 0)
}

// argmaxAbs returns the first index of the largest |x_i| and that value.
func argmaxAbs(x []float64) (int, float64) {
	best, arg := math.Abs(x[0]), 0
	for i, v := range x[1:] {
		if a := math.Abs(v); a > best {
			best, arg = a, i+1
		}
	}
	return arg, best
}
