package sliced

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// maxPoints bounds the number of points of one cloud: the sort carries the
// permutation in uint32.
const maxPoints = math.MaxUint32

// problem is a validated pair of clouds in dimension d.
type problem struct {
	u, v cloud
	d    int
	p    float64
	// uniform is set when both weight vectors are uniform (or nil): the
	// sort then need not carry a permutation, which makes it faster.
	uniform bool
}

// newProblem validates the two clouds, their weights and the exponent.
// Equal weights are treated as uniform (their value is then the unit weight
// of the walk, so unnormalised equal weights keep their mass).
func newProblem(X, a, Y, b []float64, d int, p float64) (problem, error) {
	if d < 1 {
		return problem{}, goot.Errorf("X_s", "dimension d = %d must be at least 1", d)
	}
	if !(p > 0) || math.IsInf(p, 1) {
		return problem{}, goot.Errorf("p", "exponent %v must be finite and positive", p)
	}
	u, err := newCloud("X_s", X, "a", a, d)
	if err != nil {
		return problem{}, err
	}
	v, err := newCloud("X_t", Y, "b", b, d)
	if err != nil {
		return problem{}, err
	}
	return problem{u: u, v: v, d: d, p: p, uniform: u.w == nil && v.w == nil}, nil
}

func newCloud(arg string, x []float64, warg string, w []float64, d int) (cloud, error) {
	if len(x)%d != 0 {
		return cloud{}, goot.Errorf(arg, "length %d is not a multiple of the dimension %d",
			len(x), d)
	}
	n := len(x) / d
	switch {
	case n == 0:
		return cloud{}, goot.Errorf(arg, "has no points")
	case uint64(n) > maxPoints:
		return cloud{}, goot.Errorf(arg, "has %d points, more than %d", n, uint64(maxPoints))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return cloud{}, goot.Errorf(arg, "coordinate %d of point %d is not finite", i%d, i/d)
		}
	}
	c := cloud{x: x, n: n, unit: 1 / float64(n)}
	switch {
	case w == nil:
	case len(w) != n:
		return cloud{}, goot.Errorf(warg, "length %d does not match %d points", len(w), n)
	case equalWeights(w):
		// Equal weights carry no information beyond their value: the
		// sort then need not move a permutation.
		if err := goot.CheckWeights(warg, w[:1]); err != nil {
			return cloud{}, err
		}
		c.unit = w[0]
	default:
		if err := goot.CheckWeights(warg, w); err != nil {
			return cloud{}, err
		}
		c.w = w
	}
	return c, nil
}

func equalWeights(w []float64) bool {
	for _, x := range w[1:] {
		if x != w[0] {
			return false
		}
	}
	return true
}

// Projected computes, for each of the L directions θ_l given as the columns
// of P (d×L, row-major: θ_l[k] = P[k*L+l]), the 1-D optimal-transport cost
//
//	out[l] = W_p^p(θ_l#μ, θ_l#ν),  θ#μ = Σ_i a_i δ_{⟨θ, x_i⟩},
//
// between the projections of the points X (n×d, row-major) with weights a
// and Y (m×d) with weights b; nil weights mean 1/n (1/m) each. The 1-D cost is
// the one of POT's ot.wasserstein_1d and lp.Wasserstein1D (weights used as
// given, not normalised). The directions need not be unit vectors: a
// direction of norm r scales the cost by r^p. The sliced Wasserstein
// distance is (mean_l out[l])^(1/p) and the max-sliced one over these
// directions (max_l out[l])^(1/p).
//
// The directions are solved in parallel with goot.ParallelFor; each
// goroutine projects, sorts and walks one direction at a time in buffers of
// O(n+m) that it allocates once. Time O(L·(n+m)·d) for the projections and
// O(L·(n+m)) for the radix sorts and walks.
//
// Special cases: n = 1 or m = 1 sends all mass to or from one point; d = 1
// gives |θ|^p times the exact 1-D cost for every direction.
//
// It returns an *goot.ArgError if X or Y is empty, not a multiple of d long,
// or holds a non-finite value, if a weight vector has the wrong length or a
// negative or non-finite weight, if P or out is not d×L (L) long, or if p is
// not finite and positive.
func Projected(X, a, Y, b []float64, d int, P []float64, L int, p float64,
	out []float64) error {
	pr, err := newProblem(X, a, Y, b, d, p)
	if err != nil {
		return err
	}
	if err := checkDirections("projections", P, d, L); err != nil {
		return err
	}
	if len(out) != L {
		return goot.Errorf("out", "length %d is not the number of directions %d", len(out), L)
	}

	goot.ParallelFor(L, 1, func(lo, hi int) {
		ws := pr.newWorkspace(false)
		for l := lo; l < hi; l++ {
			for k := range d {
				ws.theta[k] = P[k*L+l]
			}
			out[l] = ws.cost(&pr, ws.theta, nil)
		}
	})
	return nil
}

// checkDirections validates a d×L direction matrix.
func checkDirections(arg string, P []float64, d, L int) error {
	if L < 1 {
		return goot.Errorf(arg, "number of directions %d must be at least 1", L)
	}
	if L > math.MaxInt/d || len(P) != d*L {
		return goot.Errorf(arg, "length %d is not d×L = %d×%d", len(P), d, L)
	}
	for i, x := range P {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return goot.Errorf(arg, "entry (%d, %d) is not finite", i/L, i%L)
		}
	}
	return nil
}

// workspace is the scratch of one goroutine: both clouds' sort buffers, a
// direction and, for gradients, the gradient accumulator.
type workspace struct {
	u, v  sideBuffers
	theta []float64
	grad  []float64 // gradient accumulators (ascents only)
	grad2 []float64
}

func (pr *problem) newWorkspace(withGrad bool) *workspace {
	withIdx := withGrad || !pr.uniform
	ws := &workspace{
		u:     newSideBuffers(pr.u.n, withIdx),
		v:     newSideBuffers(pr.v.n, withIdx),
		theta: make([]float64, pr.d),
	}
	if withGrad {
		ws.grad, ws.grad2 = make([]float64, pr.d), make([]float64, pr.d)
	}
	return ws
}

// cost returns W_p^p(θ#μ, θ#ν). If grad is not nil, the gradient of the cost
// with respect to θ for the optimal matching along θ is added to it:
//
//	∇_θ Σ_k δ_k |⟨θ, x_{i_k} − y_{j_k}⟩|^p
//	  = Σ_k δ_k p |⟨θ, x_{i_k} − y_{j_k}⟩|^{p−1} sign(·) (x_{i_k} − y_{j_k}),
//
// with (i_k, j_k, δ_k) the steps of the quantile walk. It is the gradient of
// the cost wherever the sorted order along θ has no ties (almost everywhere).
func (ws *workspace) cost(pr *problem, theta, grad []float64) float64 {
	us := ws.u.project(&pr.u, pr.d, theta)
	vs := ws.v.project(&pr.v, pr.d, theta)
	if grad == nil && us.W == nil && vs.W == nil && pr.u.n == pr.v.n && us.Unit == vs.Unit {
		return goot.EqualQuantileCost(&us, &vs, pr.p)
	}
	if grad == nil {
		return goot.QuantileWalk(&us, &vs, pr.p, nil)
	}
	d, p := pr.d, pr.p
	return goot.QuantileWalk(&us, &vs, p, func(s goot.QuantileStep) {
		x := pr.u.point(int(us.Idx[s.U]), d)
		y := pr.v.point(int(vs.Idx[s.V]), d)
		t := goot.KeyValue(us.Keys[s.U]) - goot.KeyValue(vs.Keys[s.V])
		// d/dt |t|^p = p |t|^(p−1) sign(t); at t = 0 it is 0 for p > 1.
		var c float64
		switch {
		case p == 2:
			c = 2 * t
		case t != 0:
			c = p * math.Pow(math.Abs(t), p-1) * math.Copysign(1, t)
		}
		c *= s.Width
		for k := range grad {
			grad[k] += c * (x[k] - y[k])
		}
	})
}
