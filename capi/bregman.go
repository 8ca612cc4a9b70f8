package capi

import (
	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/bregman"
)

// Every Bregman export writes infoLen values into info:
// [status, iter, breakdown (-1 if none), logDomain (0/1), errors written,
// inner solves at their cap], and the error history into errs (capacity
// errCap; the history is cut there).
const infoLen = 6

// views collects the first error of a series of buffer views.
type views struct{ err error }

func (w *views) get(arg string, p uintptr, n int) []float64 {
	if w.err != nil {
		return nil
	}
	v, err := view(arg, p, n)
	w.err = err
	return v
}

func (w *views) opt(arg string, p uintptr, n int) []float64 {
	if w.err != nil {
		return nil
	}
	v, err := optional(arg, p, n)
	w.err = err
	return v
}

func putInfo(info, errs []float64, res bregman.Result) int {
	n := copy(errs, res.Errors)
	info[0] = float64(res.Status)
	info[1] = float64(res.Iter)
	info[2] = float64(res.Breakdown)
	info[3] = 0
	if res.LogDomain {
		info[3] = 1
	}
	info[4] = float64(n)
	info[5] = float64(res.InnerLimit)
	return int(res.Status)
}

// BregmanSinkhorn runs bregman.Sinkhorn: a (n), b (m×k), M (n×m), scalings
// u (n×k) and v (m×k), plan (n×m, may be 0) and costs (k, may be 0);
// omega is Options.Omega.
func BregmanSinkhorn(a uintptr, n int, b uintptr, m, k int, M uintptr, reg float64,
	u, v, plan, costs uintptr, maxIter int, tol, omega float64, warm bool,
	errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m*k), w.get("M", M, n*m)
	uv, vv := w.get("u", u, n*k), w.get("v", v, m*k)
	pv, cv := w.opt("plan", plan, n*m), w.opt("costs", costs, k)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Omega: omega, Warm: warm}
	res, err := bregman.Sinkhorn(av, bv, Mv, k, reg, uv, vv, pv, cv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanSinkhornLog runs bregman.SinkhornLog for one histogram b (m);
// f (n) and g (m) are the log-scalings; plan and costs (1) may be 0.
func BregmanSinkhornLog(a uintptr, n int, b uintptr, m int, M uintptr, reg float64,
	f, g, plan, costs uintptr, maxIter int, tol, omega float64, warm bool,
	errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	fv, gv := w.get("f", f, n), w.get("g", g, m)
	pv, cv := w.opt("plan", plan, n*m), w.opt("costs", costs, 1)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Omega: omega, Warm: warm}
	res, err := bregman.SinkhornLog(av, bv, Mv, reg, fv, gv, pv, cv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanSinkhornStabilized runs bregman.SinkhornStabilized: potentials
// alpha (n), beta (m), scalings u (n), v (m); plan and costs (1) may be 0.
func BregmanSinkhornStabilized(a uintptr, n int, b uintptr, m int, M uintptr,
	reg float64, alpha, beta, u, v, plan, costs uintptr, maxIter int, tol, tau float64,
	every int, warm bool, errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	alv, bev := w.get("alpha", alpha, n), w.get("beta", beta, m)
	uv, vv := w.get("u", u, n), w.get("v", v, m)
	pv, cv := w.opt("plan", plan, n*m), w.opt("costs", costs, 1)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Tau: tau, CheckEvery: every, Warm: warm}
	res, err := bregman.SinkhornStabilized(av, bv, Mv, reg, alv, bev, uv, vv, pv, cv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanSinkhornEpsilonScaling runs bregman.SinkhornEpsilonScaling:
// potentials alpha (n), beta (m); plan (n×m).
func BregmanSinkhornEpsilonScaling(a uintptr, n int, b uintptr, m int, M uintptr,
	reg float64, alpha, beta, plan uintptr, maxIter, innerMaxIter int, epsilon0, tau,
	tol float64, every int, warm bool, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	alv, bev, pv := w.get("alpha", alpha, n), w.get("beta", beta, m), w.get("plan", plan, n*m)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, InnerMaxIter: innerMaxIter, Epsilon0: epsilon0,
		Tau: tau, Tol: tol, CheckEvery: every, Warm: warm}
	res, err := bregman.SinkhornEpsilonScaling(av, bv, Mv, reg, alv, bev, pv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanGreenkhorn runs bregman.Greenkhorn: scalings u (n), v (m), plan
// (n×m).
func BregmanGreenkhorn(a uintptr, n int, b uintptr, m int, M uintptr, reg float64,
	u, v, plan uintptr, maxIter int, tol float64, warm bool,
	info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	uv, vv, pv := w.get("u", u, n), w.get("v", v, m), w.get("plan", plan, n*m)
	out := w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Warm: warm}
	res, err := bregman.Greenkhorn(av, bv, Mv, reg, uv, vv, pv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, nil, res), nil
}

// BregmanSinkhornLazy runs bregman.SinkhornLazy on the point clouds xs
// (n×d) and xt (m×d) with weights a (n) and b (m): log-scalings f (n), g
// (m), cost (1, may be 0).
func BregmanSinkhornLazy(xs uintptr, n int, xt uintptr, m, d int, metric string, p float64,
	a, b uintptr, reg float64, f, g, cost uintptr, maxIter int, tol float64, warm bool,
	errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	xsv, xtv := w.get("X_s", xs, n*d), w.get("X_t", xt, m*d)
	av, bv := w.get("a", a, n), w.get("b", b, m)
	fv, gv, cv := w.get("f", f, n), w.get("g", g, m), w.opt("cost", cost, 1)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	kind, err := goot.ParseMetric(metric)
	if err != nil {
		return 0, wrap(err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Warm: warm}
	res, err := bregman.SinkhornLazy(xsv, xtv, d, kind, p, av, bv, reg, fv, gv, cv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// barycenterSolver is the shape shared by bregman.Barycenter,
// BarycenterLog, BarycenterDebiased and BarycenterDebiasedLog.
type barycenterSolver func(A []float64, k int, M []float64, reg float64, weights,
	bar []float64, opt bregman.Options) (bregman.Result, error)

func barycenter(solve barycenterSolver, A uintptr, n, k int, M uintptr, reg float64,
	weights, bar uintptr, maxIter int, tol float64, errs uintptr, errCap int,
	info uintptr) (int, error) {
	var w views
	Av, Mv, wv := w.get("A", A, n*k), w.get("M", M, n*n), w.get("weights", weights, k)
	bv := w.get("bar", bar, n)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol}
	res, err := solve(Av, k, Mv, reg, wv, bv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanBarycenter runs bregman.Barycenter: A (n×k), M (n×n), weights (k),
// barycenter bar (n).
func BregmanBarycenter(A uintptr, n, k int, M uintptr, reg float64, weights, bar uintptr,
	maxIter int, tol float64, errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	return barycenter(bregman.Barycenter, A, n, k, M, reg, weights, bar, maxIter, tol,
		errs, errCap, info)
}

// BregmanBarycenterLog runs bregman.BarycenterLog (arguments of
// BregmanBarycenter).
func BregmanBarycenterLog(A uintptr, n, k int, M uintptr, reg float64, weights,
	bar uintptr, maxIter int, tol float64, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	return barycenter(bregman.BarycenterLog, A, n, k, M, reg, weights, bar, maxIter, tol,
		errs, errCap, info)
}

// BregmanBarycenterDebiased runs bregman.BarycenterDebiased (arguments of
// BregmanBarycenter).
func BregmanBarycenterDebiased(A uintptr, n, k int, M uintptr, reg float64, weights,
	bar uintptr, maxIter int, tol float64, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	return barycenter(bregman.BarycenterDebiased, A, n, k, M, reg, weights, bar, maxIter,
		tol, errs, errCap, info)
}

// BregmanBarycenterDebiasedLog runs bregman.BarycenterDebiasedLog (arguments
// of BregmanBarycenter).
func BregmanBarycenterDebiasedLog(A uintptr, n, k int, M uintptr, reg float64, weights,
	bar uintptr, maxIter int, tol float64, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	return barycenter(bregman.BarycenterDebiasedLog, A, n, k, M, reg, weights, bar,
		maxIter, tol, errs, errCap, info)
}

// BregmanBarycenterStabilized runs bregman.BarycenterStabilized: arguments
// of BregmanBarycenter plus tau and logu, logv (n×k).
func BregmanBarycenterStabilized(A uintptr, n, k int, M uintptr, reg float64, weights,
	bar, logu, logv uintptr, maxIter int, tol, tau float64, errs uintptr, errCap int,
	info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	Av, Mv, wv := w.get("A", A, n*k), w.get("M", M, n*n), w.get("weights", weights, k)
	bv, luv, lvv := w.get("bar", bar, n), w.get("logu", logu, n*k), w.get("logv", logv, n*k)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol, Tau: tau}
	res, err := bregman.BarycenterStabilized(Av, k, Mv, reg, wv, bv, luv, lvv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanConvolutionalBarycenter2D runs bregman.ConvolutionalBarycenter2D,
// or ConvolutionalBarycenter2DLog when logDomain is set: A (k×w×h), weights
// (k), bar (w×h), scalings U and V (k×w×h, may be 0; kernel method only).
func BregmanConvolutionalBarycenter2D(A uintptr, k, w, h int, reg float64, weights, bar,
	U, V uintptr, maxIter int, tol, stabThr float64, debiased, logDomain bool,
	errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var vw views
	Av, wv, bv := vw.get("A", A, k*w*h), vw.get("weights", weights, k), vw.get("bar", bar, w*h)
	Uv, Vv := vw.opt("U", U, k*w*h), vw.opt("V", V, k*w*h)
	ev, out := vw.get("errs", errs, errCap), vw.get("info", info, infoLen)
	if vw.err != nil {
		return 0, wrap(vw.err)
	}
	opt := bregman.Options{MaxIter: maxIter, Tol: tol}
	var res bregman.Result
	if logDomain {
		res, err = bregman.ConvolutionalBarycenter2DLog(Av, k, w, h, reg, wv, bv, stabThr,
			debiased, opt)
	} else {
		res, err = bregman.ConvolutionalBarycenter2D(Av, k, w, h, reg, wv, bv, Uv, Vv, stabThr,
			debiased, opt)
	}
	if err != nil {
		return 0, wrap(err)
	}
	return putInfo(out, ev, res), nil
}

// BregmanSNS runs bregman.SinkhornNewtonSparse: log-scalings f (n) and g
// (m), plan (n×m) and costs (1) may be 0. info receives [status, total
// iterations, Sinkhorn iterations, Newton iterations, density, errors
// written]; errs the L1 marginal error after each iteration.
func BregmanSNS(a uintptr, n int, b uintptr, m int, M uintptr, reg float64,
	f, g, plan, costs uintptr, maxIter int, tol float64, warmup int, density, cgTol float64,
	warm bool, errs uintptr, errCap int, info uintptr) (status int, err error) {
	defer guard(&err)
	var w views
	av, bv, Mv := w.get("a", a, n), w.get("b", b, m), w.get("M", M, n*m)
	fv, gv := w.get("f", f, n), w.get("g", g, m)
	pv, cv := w.opt("plan", plan, n*m), w.opt("costs", costs, 1)
	ev, out := w.get("errs", errs, errCap), w.get("info", info, infoLen)
	if w.err != nil {
		return 0, wrap(w.err)
	}
	opt := bregman.SNSOptions{Options: bregman.Options{MaxIter: maxIter, Tol: tol, Warm: warm},
		Warmup: warmup, Density: density, CGTol: cgTol}
	res, err := bregman.SinkhornNewtonSparse(av, bv, Mv, reg, fv, gv, pv, cv, opt)
	if err != nil {
		return 0, wrap(err)
	}
	out[0], out[1] = float64(res.Status), float64(res.Iter)
	out[2], out[3] = float64(res.SinkhornIter), float64(res.NewtonIter)
	out[4], out[5] = res.Density, float64(copy(ev, res.Errors))
	return int(res.Status), nil
}
