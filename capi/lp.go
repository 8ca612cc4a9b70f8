package capi

import (
	"github.com/goot-ot/goot/goot"
	"github.com/goot-ot/goot/goot/lp"
)

// LPEMD solves one exact OT problem with lp.EMD. M is n×m; plan, u and v
// may be 0 (not wanted). info receives [cost, status, pivots]. It returns the
// status (goot.Status).
func LPEMD(a uintptr, n int, b uintptr, m int, M, plan, u, v uintptr,
	maxIter int, rawDuals bool, info uintptr) (status int, err error) {
	defer guard(&err)
	av, err := view("a", a, n)
	if err != nil {
		return 0, wrap(err)
	}
	bv, err := view("b", b, m)
	if err != nil {
		return 0, wrap(err)
	}
	Mv, err := view("M", M, n*m)
	if err != nil {
		return 0, wrap(err)
	}
	pv, err := optional("plan", plan, n*m)
	if err != nil {
		return 0, wrap(err)
	}
	uv, err := optional("u", u, n)
	if err != nil {
		return 0, wrap(err)
	}
	vv, err := optional("v", v, m)
	if err != nil {
		return 0, wrap(err)
	}
	out, err := view("info", info, 3)
	if err != nil {
		return 0, wrap(err)
	}

	res, err := lp.EMD(av, bv, Mv, pv, uv, vv, lp.Options{MaxIter: maxIter, RawDuals: rawDuals})
	if err != nil {
		return 0, wrap(err)
	}
	putResult(out, res)
	return int(res.Status), nil
}

// LPEMDBatch solves EMD(a, B[:, c], M) for the k columns of B (m×k) in
// parallel with lp.EMDBatch. U (n×k) and V (m×k) may be 0. info (k×3)
// receives [cost, status, pivots] per column.
func LPEMDBatch(a uintptr, n int, B uintptr, m, k int, M, U, V uintptr,
	maxIter int, rawDuals bool, info uintptr) (solved int, err error) {
	defer guard(&err)
	av, err := view("a", a, n)
	if err != nil {
		return 0, wrap(err)
	}
	Bv, err := view("b", B, m*k)
	if err != nil {
		return 0, wrap(err)
	}
	Mv, err := view("M", M, n*m)
	if err != nil {
		return 0, wrap(err)
	}
	Uv, err := optional("u", U, n*k)
	if err != nil {
		return 0, wrap(err)
	}
	Vv, err := optional("v", V, m*k)
	if err != nil {
		return 0, wrap(err)
	}
	out, err := view("info", info, 3*k)
	if err != nil {
		return 0, wrap(err)
	}

	results := make([]lp.Result, k)
	opt := lp.Options{MaxIter: maxIter, RawDuals: rawDuals}
	if err := lp.EMDBatch(av, Bv, k, Mv, Uv, Vv, opt, results); err != nil {
		return 0, wrap(err)
	}
	for c, res := range results {
		putResult(out[3*c:3*c+3], res)
	}
	return k, nil
}

func putResult(out []float64, res lp.Result) {
	out[0] = res.Cost
	out[1] = float64(res.Status)
	out[2] = float64(res.Iter)
}

// LPEMD1D solves exact 1-D OT with lp.EMD1D: points x (n) with weights a,
// points y (m) with weights b. rows, cols (int64) and mass receive the
// plan's entries when their address is not 0 (capacity n+m-1). info
// receives [cost]. It returns the number of entries written.
func LPEMD1D(x, a uintptr, n int, y, b uintptr, m int, metric string, p float64,
	rows, cols, mass uintptr, info uintptr) (nnz int, err error) {
	defer guard(&err)
	xv, err := view("x_a", x, n)
	if err != nil {
		return 0, wrap(err)
	}
	av, err := view("a", a, n)
	if err != nil {
		return 0, wrap(err)
	}
	yv, err := view("x_b", y, m)
	if err != nil {
		return 0, wrap(err)
	}
	bv, err := view("b", b, m)
	if err != nil {
		return 0, wrap(err)
	}
	capacity := max(n+m-1, 0)
	rv, err := viewInt64("rows", rows, capacity)
	if err != nil {
		return 0, wrap(err)
	}
	cv, err := viewInt64("cols", cols, capacity)
	if err != nil {
		return 0, wrap(err)
	}
	mv, err := optional("mass", mass, capacity)
	if err != nil {
		return 0, wrap(err)
	}
	out, err := view("info", info, 1)
	if err != nil {
		return 0, wrap(err)
	}
	kind, err := goot.ParseMetric(metric)
	if err != nil {
		return 0, wrap(err)
	}

	cost, nnz, err := lp.EMD1D(xv, av, yv, bv, kind, p, rv, cv, mv)
	if err != nil {
		return 0, wrap(err)
	}
	out[0] = cost
	return nnz, nil
}

// LPWasserstein1D computes W_p^p for the k columns of U (n×k) and V (m×k)
// with lp.Wasserstein1DBatch. uw has length 0 (uniform), n or n×k (given as
// uwLen); likewise vw. out (k) receives the values.
func LPWasserstein1D(U uintptr, n int, V uintptr, m, k int, uw uintptr, uwLen int,
	vw uintptr, vwLen int, p float64, sorted bool, out uintptr) (done int, err error) {
	defer guard(&err)
	Uv, err := view("u_values", U, n*k)
	if err != nil {
		return 0, wrap(err)
	}
	Vv, err := view("v_values", V, m*k)
	if err != nil {
		return 0, wrap(err)
	}
	uwv, err := optional("u_weights", uw, uwLen)
	if err != nil {
		return 0, wrap(err)
	}
	vwv, err := optional("v_weights", vw, vwLen)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, k)
	if err != nil {
		return 0, wrap(err)
	}

	err = lp.Wasserstein1DBatch(Uv, n, Vv, m, k, uwv, vwv, p, sorted, ov)
	if err != nil {
		return 0, wrap(err)
	}
	return k, nil
}
