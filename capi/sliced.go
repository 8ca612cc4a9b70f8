package capi

import (
	"math/rand/v2"

	"github.com/goot-ot/goot/goot/sliced"
)

// clouds views the two weighted point clouds shared by the sliced exports;
// a weight address of 0 means uniform.
func clouds(X, a uintptr, n int, Y, b uintptr, m, d int) (Xv, av, Yv, bv []float64,
	err error) {
	if Xv, err = view("X_s", X, n*d); err != nil {
		return
	}
	if av, err = optional("a", a, n); err != nil {
		return
	}
	if Yv, err = view("X_t", Y, m*d); err != nil {
		return
	}
	bv, err = optional("b", b, m)
	return
}

// SlicedProjected writes W_p^p along each of the L directions (columns of P,
// d×L) between X (n×d, weights a) and Y (m×d, weights b) into out (L), with
// sliced.Projected. It returns L.
func SlicedProjected(X, a uintptr, n int, Y, b uintptr, m, d int, P uintptr, L int,
	p float64, out uintptr) (done int, err error) {
	defer guard(&err)
	Xv, av, Yv, bv, err := clouds(X, a, n, Y, b, m, d)
	if err != nil {
		return 0, wrap(err)
	}
	Pv, err := view("projections", P, d*L)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, L)
	if err != nil {
		return 0, wrap(err)
	}

	if err := sliced.Projected(Xv, av, Yv, bv, d, Pv, L, p, ov); err != nil {
		return 0, wrap(err)
	}
	return L, nil
}

// SlicedMaxAscent runs sliced.MaxAscent from the R starts (R×d) and writes
// the best direction into theta (d); info receives [value, start, iter]. It
// returns the number of ascent steps of the best start.
func SlicedMaxAscent(X, a uintptr, n int, Y, b uintptr, m, d int, starts uintptr, R int,
	p float64, maxIter int, stepSize, tol float64, theta, info uintptr) (iter int,
	err error) {
	defer guard(&err)
	Xv, av, Yv, bv, err := clouds(X, a, n, Y, b, m, d)
	if err != nil {
		return 0, wrap(err)
	}
	sv, err := view("theta_init", starts, R*d)
	if err != nil {
		return 0, wrap(err)
	}
	tv, err := view("theta", theta, d)
	if err != nil {
		return 0, wrap(err)
	}
	iv, err := view("info", info, 3)
	if err != nil {
		return 0, wrap(err)
	}

	opt := sliced.AscentOptions{MaxIter: maxIter, StepSize: stepSize, Tol: tol}
	res, err := sliced.MaxAscent(Xv, av, Yv, bv, d, sv, R, p, opt, tv)
	if err != nil {
		return 0, wrap(err)
	}
	iv[0], iv[1], iv[2] = res.Value, float64(res.Start), float64(res.Iter)
	return res.Iter, nil
}

// SlicedSampleVMF writes L vMF(mu, kappa) directions (L×d) into out with
// sliced.SampleVMF, from a PCG generator seeded with (seed, stream). It
// returns L.
func SlicedSampleVMF(mu uintptr, d int, kappa float64, L int, seed, stream int,
	out uintptr) (done int, err error) {
	defer guard(&err)
	mv, err := view("mu", mu, d)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, L*d)
	if err != nil {
		return 0, wrap(err)
	}

	r := rand.New(rand.NewPCG(uint64(seed), uint64(stream)))
	if err := sliced.SampleVMF(mv, kappa, L, r, ov); err != nil {
		return 0, wrap(err)
	}
	return L, nil
}

// SlicedVMFAscent runs sliced.VMFAscent with L vMF samples drawn from a PCG
// generator seeded with (seed, stream), from the location eps0 (d); the
// best location goes to eps (d) and info receives [value, 0, iter]. It
// returns the number of ascent steps.
func SlicedVMFAscent(X, a uintptr, n int, Y, b uintptr, m, d int, eps0 uintptr,
	kappa float64, L, seed, stream int, p float64, maxIter int, stepSize, tol float64,
	eps, info uintptr) (iter int, err error) {
	defer guard(&err)
	Xv, av, Yv, bv, err := clouds(X, a, n, Y, b, m, d)
	if err != nil {
		return 0, wrap(err)
	}
	e0, err := view("theta_init", eps0, d)
	if err != nil {
		return 0, wrap(err)
	}
	ev, err := view("eps", eps, d)
	if err != nil {
		return 0, wrap(err)
	}
	iv, err := view("info", info, 3)
	if err != nil {
		return 0, wrap(err)
	}

	r := rand.New(rand.NewPCG(uint64(seed), uint64(stream)))
	opt := sliced.AscentOptions{MaxIter: maxIter, StepSize: stepSize, Tol: tol}
	res, err := sliced.VMFAscent(Xv, av, Yv, bv, d, e0, kappa, L, r, p, opt, ev)
	if err != nil {
		return 0, wrap(err)
	}
	iv[0], iv[1], iv[2] = res.Value, 0, float64(res.Iter)
	return res.Iter, nil
}

// SlicedSpherical writes the circle OT cost W_p^p along each of the L
// projections U (L×d×2) between X (n×d, weights a) and Y (m×d, weights b)
// into out (L), with sliced.Spherical. It returns L.
func SlicedSpherical(X, a uintptr, n int, Y, b uintptr, m, d int, U uintptr, L int,
	p float64, out uintptr) (done int, err error) {
	defer guard(&err)
	Xv, av, Yv, bv, err := clouds(X, a, n, Y, b, m, d)
	if err != nil {
		return 0, wrap(err)
	}
	Uv, err := view("projections", U, L*d*2)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, L)
	if err != nil {
		return 0, wrap(err)
	}

	if err := sliced.Spherical(Xv, av, Yv, bv, d, Uv, L, p, ov); err != nil {
		return 0, wrap(err)
	}
	return L, nil
}

// SlicedSphericalUniform writes W_2^2 to the uniform measure on the circle
// along each of the L projections U (L×d×2) of X (n×d, weights a) into out
// (L), with sliced.SphericalUniform. It returns L.
func SlicedSphericalUniform(X, a uintptr, n, d int, U uintptr, L int,
	out uintptr) (done int, err error) {
	defer guard(&err)
	Xv, err := view("X_s", X, n*d)
	if err != nil {
		return 0, wrap(err)
	}
	av, err := optional("a", a, n)
	if err != nil {
		return 0, wrap(err)
	}
	Uv, err := view("projections", U, L*d*2)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, L)
	if err != nil {
		return 0, wrap(err)
	}

	if err := sliced.SphericalUniform(Xv, av, d, Uv, L, ov); err != nil {
		return 0, wrap(err)
	}
	return L, nil
}
