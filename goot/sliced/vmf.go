package sliced

import (
	"math"
	"math/rand/v2"

	"github.com/goot-ot/goot/goot"
)

// SampleVMF writes L directions drawn from the von Mises–Fisher distribution
// on the unit sphere of R^d, with density ∝ exp(κ⟨μ, θ⟩), into out (L×d,
// row-major), by Wood's rejection sampler (Wood 1994): the component w = ⟨μ,
// θ⟩ is drawn by rejection from a Beta proposal, the rest uniformly on the
// orthogonal sphere, and a Householder reflection maps e_1 to μ. mu is
// normalised first; κ = 0 gives the uniform distribution. The expected
// number of proposals per sample is below 1.5 for every d and κ (Wood's
// bound), so the cost is O(L·d).
//
// Special cases: d = 1 gives ±μ with probabilities ∝ e^{±κ}.
//
// It returns an *goot.ArgError if mu is empty, zero or not finite, κ is
// negative or not finite, or out is not L×d long.
func SampleVMF(mu []float64, kappa float64, L int, r *rand.Rand, out []float64) error {
	d := len(mu)
	if err := checkVMF(mu, kappa); err != nil {
		return err
	}
	if L < 0 || (d > 0 && L > math.MaxInt/d) || len(out) != L*d {
		return goot.Errorf("out", "length %d is not L×d = %d×%d", len(out), L, d)
	}
	s := newVMFSampler(mu, kappa)
	xi := make([]float64, d)
	for l := range L {
		w := s.w(r)
		normals(r, xi)
		s.direction(w, xi, out[l*d:(l+1)*d])
	}
	return nil
}

func checkVMF(mu []float64, kappa float64) error {
	if len(mu) == 0 {
		return goot.Errorf("mu", "is empty")
	}
	n := math.Sqrt(dot(mu, mu))
	if !(n > 0) || math.IsInf(n, 0) {
		return goot.Errorf("mu", "norm %v must be finite and positive", n)
	}
	if !(kappa >= 0) || math.IsInf(kappa, 0) {
		return goot.Errorf("kappa", "concentration %v must be finite and non-negative", kappa)
	}
	return nil
}

// vmfSampler holds the constants of Wood's algorithm for one (d, κ) and the
// unit location μ.
type vmfSampler struct {
	d      int
	kappa  float64
	mu     []float64
	b, x0  float64 // Wood's b and x0 = (1−b)/(1+b)
	c      float64 // κ·x0 + (d−1)·log(1 − x0²)
	sphere []float64
}

func newVMFSampler(mu []float64, kappa float64) *vmfSampler {
	d := len(mu)
	s := &vmfSampler{d: d, kappa: kappa, mu: append([]float64(nil), mu...),
		sphere: make([]float64, d)}
	normalize(s.mu)
	if d >= 2 && kappa > 0 {
		// b = (−2κ + √(4κ² + (d−1)²))/(d−1), written without cancellation.
		dm := float64(d - 1)
		s.b = dm / (2*kappa + math.Sqrt(4*kappa*kappa+dm*dm))
		s.x0 = (1 - s.b) / (1 + s.b)
		// 1 − x0² = 4b/(1+b)², logged without cancellation as x0 → 1.
		s.c = kappa*s.x0 + dm*(math.Log(4*s.b)-2*math.Log1p(s.b))
	}
	return s
}

// w draws the component ⟨μ, θ⟩ of one sample.
func (s *vmfSampler) w(r *rand.Rand) float64 {
	d := s.d
	switch {
	case d == 1:
		// P(+1) = e^κ/(e^κ + e^−κ).
		if r.Float64()*(1+math.Exp(-2*s.kappa)) < 1 {
			return 1
		}
		return -1
	case s.kappa == 0:
		normals(r, s.sphere)
		return s.sphere[0] / math.Sqrt(dot(s.sphere, s.sphere))
	}
	dm := float64(d - 1)
	for {
		// z ~ Beta((d−1)/2, (d−1)/2): (1 + t)/2 for t the first coordinate
		// of a uniform point on the sphere of R^d.
		normals(r, s.sphere)
		z := (1 + s.sphere[0]/math.Sqrt(dot(s.sphere, s.sphere))) / 2
		w := (1 - (1+s.b)*z) / (1 - (1-s.b)*z)
		u := r.Float64()
		if s.kappa*w+dm*math.Log(1-s.x0*w)-s.c >= math.Log(u) {
			return w
		}
	}
}

// direction writes into out the sample with component w along μ and its
// orthogonal part along xi (d standard normals): (w, √(1−w²)·v) in the frame
// where μ = e_1, v uniform on the sphere orthogonal to e_1, then the
// Householder reflection that maps e_1 to μ.
func (s *vmfSampler) direction(w float64, xi, out []float64) {
	d := s.d
	if d == 1 {
		out[0] = w * s.mu[0]
		return
	}
	out[0] = 0
	copy(out[1:], xi[1:])
	normalize(out)
	scale := math.Sqrt(math.Max(0, 1-w*w))
	for k := range out {
		out[k] *= scale
	}
	out[0] = w

	// H = I − 2uuᵀ/‖u‖² with u = e_1 − μ maps e_1 to μ.
	uu := 2 * (1 - s.mu[0]) // ‖e_1 − μ‖² for unit μ
	if uu < 1e-300 {
		return // μ = e_1
	}
	ux := out[0] - dot(s.mu, out) // ⟨e_1 − μ, out⟩
	f := 2 * ux / uu
	out[0] -= f
	for k := range out {
		out[k] += f * s.mu[k]
	}
}

// normals fills x with independent standard normals.
func normals(r *rand.Rand, x []float64) {
	for k := range x {
		x[k] = r.NormFloat64()
	}
}

// VMFAscent maximises over unit locations ε the vMF-averaged projected cost
//
//	F(ε) = E_{θ ~ vMF(ε, κ)} W_p^p(θ#μ, θ#ν),
//
// whose p-th root at the maximum is the von Mises–Fisher distributional
// sliced Wasserstein distance (v-DSW) of Nguyen, Nguyen and Ho (ICML 2023):
// κ = 0 gives the sliced distance and κ → ∞ the max-sliced one. The
// expectation is replaced by an average over L samples drawn once (common
// random numbers, so the ascent is deterministic and monotone): sample l has
// component w_l ~ Wood(d, κ) along ε and its orthogonal part along the
// projection of a fixed normal vector ξ_l,
//
//	θ_l(ε) = w_l ε + √(1 − w_l²) (ξ_l − ⟨ξ_l, ε⟩ε)/‖ξ_l − ⟨ξ_l, ε⟩ε‖,
//
// which is vMF(ε, κ)-distributed for every ε and differentiable in ε. Each
// step moves ε along the tangent part of ∇F divided by p·F (scale-free, as
// in MaxAscent), with step halving when F does not increase. The best
// location is written to eps (d) and its F to the result's Value; eps0 (d)
// is the start. X, a, Y, b, d and p are as in Projected.
//
// Errors are those of Projected and SampleVMF, plus eps0 or eps not d long.
func VMFAscent(X, a, Y, b []float64, d int, eps0 []float64, kappa float64, L int,
	r *rand.Rand, p float64, opt AscentOptions, eps []float64) (AscentResult, error) {
	pr, err := newProblem(X, a, Y, b, d, p)
	if err != nil {
		return AscentResult{}, err
	}
	if len(eps0) != d {
		return AscentResult{}, goot.Errorf("theta_init", "length %d is not d = %d", len(eps0), d)
	}
	if err := checkVMF(eps0, kappa); err != nil {
		return AscentResult{}, err
	}
	if L < 1 {
		return AscentResult{}, goot.Errorf("n_projections", "%d must be at least 1", L)
	}
	if len(eps) != d {
		return AscentResult{}, goot.Errorf("eps", "length %d is not d = %d", len(eps), d)
	}
	opt = opt.withDefaults()

	// Draw the L samples once, in the frame of e_1.
	s := newVMFSampler(eps0, kappa)
	w, xi := make([]float64, L), make([]float64, L*d)
	for l := range L {
		w[l] = s.w(r)
		normals(r, xi[l*d:(l+1)*d])
	}
	v := &vmfObjective{pr: &pr, w: w, xi: xi, vals: make([]float64, L),
		grads: make([]float64, L*d)}

	cur, next := append([]float64(nil), eps0...), make([]float64, d)
	normalize(cur)
	grad, trial := make([]float64, d), make([]float64, d)
	value := v.eval(cur, grad)
	size := opt.StepSize
	iter := 0
	for iter < opt.MaxIter && value > 0 {
		// Step along the tangent part of the gradient, back onto the sphere.
		g := dot(cur, grad)
		for k := range next {
			next[k] = cur[k] + size*(grad[k]-g*cur[k])/(p*value)
		}
		normalize(next)
		iter++

		// Keep the step if it improves F, else retry a shorter one.
		nextValue := v.eval(next, trial)
		if !(nextValue > value) {
			if size *= 0.5; size < 1e-6*opt.StepSize {
				break
			}
			continue
		}
		gain := nextValue - value
		cur, next = next, cur
		grad, trial = trial, grad
		value = nextValue
		if gain <= opt.Tol*value {
			break
		}
	}
	copy(eps, cur)
	return AscentResult{Value: value, Iter: iter}, nil
}

// vmfObjective evaluates the sample average of VMFAscent and its gradient.
type vmfObjective struct {
	pr    *problem
	w, xi []float64 // the fixed samples: components and normal vectors
	vals  []float64 // per-sample costs (L)
	grads []float64 // per-sample gradients with respect to ε (L×d)
}

// eval returns F(ε) and writes ∇_ε F into grad. The samples are solved in
// parallel; the per-sample results are summed in order afterwards, so the
// value does not depend on the number of goroutines.
func (v *vmfObjective) eval(eps, grad []float64) float64 {
	pr, d, L := v.pr, v.pr.d, len(v.w)
	goot.ParallelFor(L, 1, func(lo, hi int) {
		ws := pr.newWorkspace(true)
		u := make([]float64, d)
		for l := lo; l < hi; l++ {
			xi, g := v.xi[l*d:(l+1)*d], v.grads[l*d:(l+1)*d]

			// θ = wε + c·u with u the unit part of ξ orthogonal to ε.
			xe := dot(xi, eps)
			for k := range u {
				u[k] = xi[k] - xe*eps[k]
			}
			w := v.w[l]
			c := math.Sqrt(math.Max(0, 1-w*w))
			sn := math.Sqrt(dot(u, u))
			if sn == 0 || c == 0 {
				// d = 1, or ξ parallel to ε (probability 0): no
				// orthogonal part.
				clear(u)
				sn, c = 1, 0
			}
			for k := range u {
				u[k] /= sn
			}
			for k := range ws.theta {
				ws.theta[k] = w*eps[k] + c*u[k]
			}
			clear(ws.grad)
			v.vals[l] = ws.cost(pr, ws.theta, ws.grad)

			// Chain rule: with g = ∇_θ W and g⊥ = g − ⟨g, u⟩u,
			// ∇_ε W = w·g − (c/‖r‖)(⟨g⊥, ε⟩ξ + ⟨ξ, ε⟩g⊥), r = ξ − ⟨ξ, ε⟩ε.
			gu := dot(ws.grad, u)
			gpe := dot(ws.grad, eps) - gu*dot(u, eps)
			f := c / sn
			for k := range g {
				gp := ws.grad[k] - gu*u[k]
				g[k] = w*ws.grad[k] - f*(gpe*xi[k]+xe*gp)
			}
		}
	})
	clear(grad)
	total := 0.0
	for l, val := range v.vals {
		total += val
		for k := range grad {
			grad[k] += v.grads[l*d+k]
		}
	}
	for k := range grad {
		grad[k] /= float64(L)
	}
	return total / float64(L)
}
