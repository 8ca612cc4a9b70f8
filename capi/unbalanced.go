package capi

import "github.com/goot-ot/goot/goot/unbalanced"

// Every unbalanced export writes unbalancedInfoLen values into info:
// [status, iterations, breakdown (-1 if none), errors written, cost,
// total cost], and the error history into errs (cut at errCap).
const unbalancedInfoLen = 6

// UnbalancedSinkhorn runs unbalanced.Solve: method (unbalanced.Method),
// a (n), b (m×k), M (n×m), reference ref (unbalanced.Reference) with c
// (n×m, 0 unless ref is Given), log-scalings f (n×k) and g (m×k), plan
// (n×m, may be 0) and costs (k, may be 0).
func UnbalancedSinkhorn(method int, a uintptr, n int, b uintptr, m, k int, M uintptr,
	reg, regA, regB float64, ref int, c, f, g, plan, costs uintptr, maxIter int,
	tol, tau float64, warm bool, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m*k), w.get("M", M, n*m)
	cv := w.opt("c", c, n*m)
	fv, gv := w.get("f", f, n*k), w.get("g", g, m*k)
	pv, cs := w.opt("plan", plan, n*m), w.opt("costs", costs, k)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, unbalancedInfoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := unbalanced.Options{MaxIter: maxIter, Tol: tol, Tau: tau, Warm: warm,
		Ref: unbalanced.Reference(ref), C: cv}
	res, err := unbalanced.Solve(av, bv, Mv, k, reg, regA, regB, unbalanced.Method(method),
		fv, gv, pv, cs, opt)
	if err != nil {
		return 0, wrap(err)
	}
	written := copy(ev, res.Errors)
	out[0] = float64(res.Status)
	out[1] = float64(res.Iter)
	out[2] = float64(res.Breakdown)
	out[3] = float64(written)
	out[4] = res.Cost
	out[5] = res.TotalCost
	return int(res.Status), nil
}

// UnbalancedBarycenter runs unbalanced.Barycenter (stabilized false) or
// unbalanced.BarycenterStabilized: A (dim×k), M (dim×dim), weights (k),
// barycenter q (dim), log-scalings f and g (dim×k).
func UnbalancedBarycenter(stabilized bool, A uintptr, dim, k int, M, weights uintptr,
	reg, regM float64, q, f, g uintptr, maxIter int, tol, tau float64, errs uintptr,
	errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	Av, Mv, wv := w.get("A", A, dim*k), w.get("M", M, dim*dim), w.get("weights", weights, k)
	qv, fv, gv := w.get("q", q, dim), w.get("f", f, dim*k), w.get("g", g, dim*k)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, unbalancedInfoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := unbalanced.Options{MaxIter: maxIter, Tol: tol, Tau: tau}
	solve := unbalanced.Barycenter
	if stabilized {
		solve = unbalanced.BarycenterStabilized
	}
	res, err := solve(Av, Mv, wv, k, reg, regM, qv, fv, gv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	written := copy(ev, res.Errors)
	out[0] = float64(res.Status)
	out[1] = float64(res.Iter)
	out[2] = float64(res.Breakdown)
	out[3] = float64(written)
	return int(res.Status), nil
}

// UnbalancedMM runs unbalanced.MM: a (n), b (m), M (n×m), divergence div
// (unbalanced.Divergence), reference ref with c (n×m, 0 unless Given), the
// plan G (n×m, the start when warm) and the iterate history (histLen
// values, may be 0).
func UnbalancedMM(a uintptr, n int, b uintptr, m int, M uintptr, reg, regA, regB float64,
	div, ref int, c, G, history uintptr, histLen, maxIter int, tol float64, warm bool,
	errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	cv, Gv, hv := w.opt("c", c, n*m), w.get("G", G, n*m), w.opt("history", history, histLen)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, unbalancedInfoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := unbalanced.Options{MaxIter: maxIter, Tol: tol, Warm: warm,
		Ref: unbalanced.Reference(ref), C: cv}
	res, err := unbalanced.MM(av, bv, Mv, reg, regA, regB, unbalanced.Divergence(div), Gv,
		hv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	written := copy(ev, res.Errors)
	out[0] = float64(res.Status)
	out[1] = float64(res.Iter)
	out[2] = float64(res.Breakdown)
	out[3] = float64(written)
	out[4] = res.Cost
	return int(res.Status), nil
}

// UnbalancedPrimalLoss runs unbalanced.PrimalLoss: a (n), b (m), M, C, G
// and grad (n×m; C may be 0 when reg is 0), plan and marg penalties
// (unbalanced.Penalty). It returns the objective.
func UnbalancedPrimalLoss(a uintptr, n int, b uintptr, m int, M, C, G, grad uintptr,
	reg, regA, regB float64, plan, marg int) (value float64, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	Cv, Gv, gv := w.opt("c", C, n*m), w.get("G", G, n*m), w.get("grad", grad, n*m)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	value, err = unbalanced.PrimalLoss(av, bv, Mv, Cv, Gv, gv, reg, regA, regB,
		unbalanced.Penalty(plan), unbalanced.Penalty(marg))
	return value, wrap(err)
}
