package capi

import (
	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
)

// LPEMDPoints solves k exact OT problems between the point clouds x0
// (k×n×d) and x1 (k×m×d) with lp.EMDPoints. a (k×n), b (k×m) and plans
// (k×n×m) may be 0 (uniform weights; plans not wanted). info (k×3) receives
// [cost, status, pivots] per problem. It returns k.
func LPEMDPoints(x0, x1 uintptr, k, n, m, d int, metric string, p float64,
	a, b, plans uintptr, maxIter int, info uintptr) (solved int, err error) {
	defer guard(&err)
	x0v, err := view("x0", x0, k*n*d)
	if err != nil {
		return 0, wrap(err)
	}
	x1v, err := view("x1", x1, k*m*d)
	if err != nil {
		return 0, wrap(err)
	}
	mt, err := goot.ParseMetric(metric)
	if err != nil {
		return 0, wrap(err)
	}
	batch, pv, out, err := minibatchViews(k, n, m, a, b, plans, info)
	if err != nil {
		return 0, wrap(err)
	}

	results := make([]lp.Result, k)
	opt := lp.Options{MaxIter: maxIter}
	if err := lp.EMDPoints(x0v, x1v, d, mt, p, batch, pv, opt, results); err != nil {
		return 0, wrap(err)
	}
	for c, res := range results {
		putResult(out[3*c:3*c+3], res)
	}
	return k, nil
}

// LPEMDCosts solves k exact OT problems with the cost matrices M (k×n×m)
// with lp.EMDCosts. a, b, plans and info are as in LPEMDPoints.
func LPEMDCosts(M uintptr, k, n, m int, a, b, plans uintptr, maxIter int,
	info uintptr) (solved int, err error) {
	defer guard(&err)
	Mv, err := view("M", M, k*n*m)
	if err != nil {
		return 0, wrap(err)
	}
	batch, pv, out, err := minibatchViews(k, n, m, a, b, plans, info)
	if err != nil {
		return 0, wrap(err)
	}

	results := make([]lp.Result, k)
	if err := lp.EMDCosts(Mv, batch, pv, lp.Options{MaxIter: maxIter}, results); err != nil {
		return 0, wrap(err)
	}
	for c, res := range results {
		putResult(out[3*c:3*c+3], res)
	}
	return k, nil
}

// minibatchViews returns the views shared by the two batched exports.
func minibatchViews(k, n, m int, a, b, plans, info uintptr) (lp.Minibatch,
	[]float64, []float64, error) {
	if k < 1 || n < 1 || m < 1 {
		return lp.Minibatch{}, nil, nil, goot.Errorf("x0",
			"sizes must be positive, got k = %d, n = %d, m = %d", k, n, m)
	}
	av, err := optional("a", a, k*n)
	if err != nil {
		return lp.Minibatch{}, nil, nil, err
	}
	bv, err := optional("b", b, k*m)
	if err != nil {
		return lp.Minibatch{}, nil, nil, err
	}
	pv, err := optional("plans", plans, k*n*m)
	if err != nil {
		return lp.Minibatch{}, nil, nil, err
	}
	out, err := view("info", info, 3*k)
	if err != nil {
		return lp.Minibatch{}, nil, nil, err
	}
	return lp.Minibatch{K: k, N: n, M: m, A: av, B: bv}, pv, out, nil
}
