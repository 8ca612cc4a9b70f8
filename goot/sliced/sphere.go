package sliced

import (
	"math"
	"sort"

	"github.com/goot-ot/goot/goot"
)

// Spherical sliced Wasserstein (Bonet et al., ICLR 2023): each projection
// U (d×2 with orthonormal columns) maps a point x of the sphere S^{d−1} to
// the circle, P^U(x) = Uᵀx/‖Uᵀx‖, written as a coordinate in [0, 1); the
// 1-D problems are OT problems on the circle, solved as POT's
// ot.wasserstein_circle solves them (the binary search of Delon, Salomon
// and Sobolevski, SIAM J. Appl. Math. 70(7), 2010), step for step, so that
// goot reproduces POT's values.

// Circle search constants of POT's wasserstein_circle defaults: the search
// for the optimal shift starts on [tm, tp] = [−1, 1] and, once the bracket
// is narrower than circleEps/circleL, ends with one secant step.
const (
	circleEps = 1e-6
	circleL   = 10
)

// Spherical writes into out[l] the circle OT cost W_p^p between the
// projections on the circle of X (n×d) and Y (m×d) along U_l, for the L
// projections U (L×d×2, row-major: U_l[k][j] = U[(l*d+k)*2+j]). The points
// must lie on the unit sphere (the caller checks; a point with Uᵀx = 0 has no
// projection and is sent to coordinate 0.5). Weights as in Projected
// (normalised weights are expected, as in POT). The spherical sliced
// Wasserstein distance is (mean_l out[l])^(1/p).
//
// Errors are those of Projected, with U in place of P.
func Spherical(X, a, Y, b []float64, d int, U []float64, L int, p float64,
	out []float64) error {
	pr, err := newProblem(X, a, Y, b, d, p)
	if err != nil {
		return err
	}
	if err := checkStiefel(U, d, L, out); err != nil {
		return err
	}
	goot.ParallelFor(L, 1, func(lo, hi int) {
		u, v := newCircleSide(pr.u.n), newCircleSide(pr.v.n)
		vct, vv := make([]float64, pr.v.n), make([]float64, pr.v.n+1)
		cs := circleSearch{u: &u, v: &v, vct: vct, vv: vv, p: p}
		for l := lo; l < hi; l++ {
			Ul := U[l*d*2 : (l+1)*d*2]
			u.project(&pr.u, d, Ul)
			v.project(&pr.v, d, Ul)
			out[l] = cs.solve()
		}
	})
	return nil
}

// SphericalUniform writes into out[l] the squared 2-Wasserstein distance on
// the circle between the projection of X (n×d, weights a) along U_l and the
// uniform measure on the circle, by the closed form of Bonet et al.:
//
//	W_2^2 = Σ_i a_i x_i² − (Σ_i a_i x_i)² + Σ_i a_i x_i (1 − a_i − 2 Σ_{k<i} a_k) + 1/12
//
// over the sorted coordinates x_i in [0, 1). Weights follow their points when
// sorted (POT 0.9.7 sorts the coordinates but not the weights, which only
// matters for non-uniform weights).
func SphericalUniform(X, a []float64, d int, U []float64, L int, out []float64) error {
	c, err := newCloud("X_s", X, "a", a, d)
	if err != nil {
		return err
	}
	if err := checkStiefel(U, d, L, out); err != nil {
		return err
	}
	goot.ParallelFor(L, 1, func(lo, hi int) {
		u := newCircleSide(c.n)
		for l := lo; l < hi; l++ {
			u.project(&c, d, U[l*d*2:(l+1)*d*2])
			var s2, s1, s3 float64
			prev := 0.0
			for i, x := range u.x {
				w := u.w[i]
				s2 += w * x * x
				s1 += w * x
				s3 += x * w * (1 - w - 2*prev)
				prev = u.cdf[i]
			}
			out[l] = s2 - s1*s1 + s3 + 1.0/12
		}
	})
	return nil
}

func checkStiefel(U []float64, d, L int, out []float64) error {
	if L < 1 {
		return goot.Errorf("projections", "number of projections %d must be at least 1", L)
	}
	if L > math.MaxInt/(2*d) || len(U) != L*d*2 {
		return goot.Errorf("projections", "length %d is not L×d×2 = %d×%d×2", len(U), L, d)
	}
	for i, x := range U {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return goot.Errorf("projections", "entry %d is not finite", i)
		}
	}
	if len(out) != L {
		return goot.Errorf("out", "length %d is not the number of projections %d", len(out), L)
	}
	return nil
}

// circleSide is one cloud projected on one circle: sorted coordinates x in
// [0, 1), their weights w and cumulative weights cdf (cumulated in order, as
// numpy's cumsum does).
type circleSide struct {
	x, w, cdf   []float64
	keys, tmp   []uint64
	idx, idxTmp []uint32
}

func newCircleSide(n int) circleSide {
	return circleSide{x: make([]float64, n), w: make([]float64, n), cdf: make([]float64, n),
		keys: make([]uint64, n), tmp: make([]uint64, n),
		idx: make([]uint32, n), idxTmp: make([]uint32, n)}
}

// project computes the circle coordinates (π + atan2(−y₂, −y₁))/(2π) mod 1 of
// y = Uᵀx for the points of c, and sorts them with their weights.
func (s *circleSide) project(c *cloud, d int, U []float64) {
	for i := range s.keys {
		x := c.point(i, d)
		var y1, y2 float64
		for k, xk := range x {
			y1 += U[2*k] * xk
			y2 += U[2*k+1] * xk
		}
		// Normalising y does not change its angle (POT divides by ‖y‖
		// first; atan2 of the scaled pair can differ in the last bit).
		r := math.Hypot(y1, y2)
		if r > 0 {
			y1, y2 = y1/r, y2/r
		}
		t := math.Mod((math.Atan2(-y2, -y1)+math.Pi)/(2*math.Pi), 1)
		s.keys[i] = goot.SortKey(t)
		s.idx[i] = uint32(i)
	}
	keys, idx := goot.SortKeysIndex(s.keys, s.tmp, s.idx, s.idxTmp)
	total := 0.0
	for k, key := range keys {
		s.x[k] = goot.KeyValue(key)
		w := c.unit
		if c.w != nil {
			w = c.w[idx[k]]
		}
		s.w[k] = w
		total += w
		s.cdf[k] = total
	}
}

// circleSearch runs POT's binary search for the optimal shift θ of the
// circle OT problem between u and v, then evaluates the cost at it. vct and
// vv are scratch for v's shifted cdf (m) and values (m+1).
type circleSearch struct {
	u, v    *circleSide
	vct, vv []float64
	p       float64
}

func (cs *circleSearch) solve() float64 {
	tm, tp, tc := -1.0, 1.0, 0.0
	for {
		dCp, dCm := cs.derivatives(tc)
		if dCp*dCm <= 0 {
			break // tc is a minimum of the convex cost in θ
		}
		if tp-tm < circleEps/circleL {
			// End with a secant step between the one-sided slopes at the
			// bracket ends, as POT does.
			dCptm, _ := cs.derivatives(tm)
			_, dCmtp := cs.derivatives(tp)
			Ctm, Ctp := cs.cost(tm), cs.cost(tp)
			if math.Abs(dCptm-dCmtp) > 0.001 {
				tc = (Ctp - Ctm + tm*dCptm - tp*dCmtp) / (dCptm - dCmtp)
			}
			break
		}
		if dCp < 0 {
			tm = tc
		} else {
			tp = tc
		}
		tc = (tm + tp) / 2
	}
	return cs.cost(tc)
}

// shift lays out v's cdf shifted by θ and its values, rotated so that the
// shifted cdf increases (POT's ot_cost_on_circle preamble): vct[j] is the
// shifted cdf, vv[j] the matching value lifted by ⌊θ⌋ (plus one for the
// wrapped part), and vv[m] = vv[0] + 1.
func (cs *circleSearch) shift(theta float64) {
	v, m := cs.v, len(cs.vct)
	fl := math.Floor(theta)
	frac := theta - fl
	k := 0 // v's cdf values below frac come first: they wrap around
	for k < m && v.cdf[k]-frac < 0 {
		k++
	}
	// When all of them wrap (frac rounds to 1 for θ just below an integer,
	// and the cdf's last entry rounds below 1), POT's batched search still
	// lifts them, because another row of the batch has a non-negative entry;
	// goot does the same for every direction, and the rotation is then 0.
	rot := k
	if k == m {
		rot = 0
	}
	for j := range m {
		i := (j + rot) % m
		c, val := v.cdf[i]-frac, v.x[i]+fl
		if i < k {
			c, val = c+1, val+1
		}
		cs.vct[j], cs.vv[j] = c, val
	}
	cs.vv[m] = cs.vv[0] + 1
}

// derivatives returns the right and left derivatives of the circle cost at
// θ (Delon et al., eqs. (6.3) and (6.4); POT's derivative_cost_on_circle).
func (cs *circleSearch) derivatives(theta float64) (dCp, dCm float64) {
	cs.shift(theta)
	u, n := cs.u, len(cs.u.x)
	p := cs.p
	for j, c := range cs.vct {
		// Quantile of u just below and just above level c.
		lo := sort.SearchFloat64s(u.cdf, c)
		xu := u.x[min(lo, n-1)]
		// POT appends the level cdf[0] + 1 with value x[0] + 1 and clips
		// the index to n, so any level past the last reads x[0] + 1.
		xm := u.x[0] + 1
		if hi := searchRight(u.cdf, c); hi < n {
			xm = u.x[hi]
		}
		a, b := cs.vv[j+1], cs.vv[j]
		dCp += goot.PowAbs(math.Abs(xu-a), p) - goot.PowAbs(math.Abs(xu-b), p)
		dCm += goot.PowAbs(math.Abs(xm-a), p) - goot.PowAbs(math.Abs(xm-b), p)
	}
	return dCp, dCm
}

// searchRight is the number of entries of the sorted s that are ≤ c
// (numpy's searchsorted with side="right").
func searchRight(s []float64, c float64) int {
	return sort.Search(len(s), func(i int) bool { return s[i] > c })
}

// cost returns the circle OT cost at shift θ (Delon et al., eq. (6.2);
// POT's ot_cost_on_circle): the quantile functions of u and of v shifted by
// θ, integrated over the merged levels.
func (cs *circleSearch) cost(theta float64) float64 {
	cs.shift(theta)
	u, n, m := cs.u, len(cs.u.x), len(cs.vct)
	p := cs.p
	total, partial, prev := 0.0, 0.0, 0.0
	i, j := 0, 0
	for s := range n + m {
		// The next level of the merged, sorted cdfs.
		var q float64
		if j >= m || (i < n && u.cdf[i] <= cs.vct[j]) {
			q = u.cdf[i]
			i++
		} else {
			q = cs.vct[j]
			j++
		}
		xu := u.x[min(sort.SearchFloat64s(u.cdf, q), n-1)]
		xv := cs.vv[min(sort.SearchFloat64s(cs.vct, q), m)]
		partial += (q - prev) * goot.PowAbs(math.Abs(xu-xv), p)
		prev = q
		if s%sumBlock == sumBlock-1 {
			total += partial
			partial = 0
		}
	}
	return total + partial
}
