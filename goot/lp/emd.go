package lp

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// emdMassTol is the relative mismatch of Σa and Σb above which EMD reports the
// problem infeasible. The Python layer checks masses to 1e-6 and rescales b
// before calling, so only rounding (≈1e-16 per term) is left to absorb.
const emdMassTol = 1e-9

// Options configures EMD. The zero value is valid.
type Options struct {
	MaxIter  int  // cap on simplex pivots (POT's numItermax); <= 0 means no cap
	RawDuals bool // if true, return raw simplex potentials (not centred); see EMD
}

// Result reports one exact OT solve.
type Result struct {
	Cost   float64     // <P, M> of the returned plan; +Inf when forbidden pairs make it infeasible
	Status goot.Status // Optimal, Infeasible, Unbounded or IterationLimit
	Iter   int         // pivots performed
}

// EMD solves the exact optimal-transport problem
//
//	min_P <P, M>  s.t.  P 1 = a,  Pᵀ 1 = b,  P ≥ 0,
//
// with n = len(a), m = len(b) and M the n×m cost matrix stored row-major, by
// the network simplex on the complete bipartite graph (Ahuja, Magnanti and
// Orlin, "Network Flows", 1993; Bonneel et al., "Displacement interpolation
// using Lagrangian mass transport", SIGGRAPH Asia 2011). It needs O(n+m)
// memory besides M and plan, and never copies M.
//
// plan (n·m, row-major) may be nil when only the cost is wanted; otherwise
// it is overwritten entirely, with zeros off the support. u (n) and v (m)
// may be nil; otherwise they receive dual potentials with u_i + v_j ≤ M_ij
// for every pair, equality where the plan is positive, and a·u + b·v equal
// to the cost. Unless opt.RawDuals is set they are centred so that
// a·u = b·v = cost/2 (POT's center_dual=True); raw potentials have an
// arbitrary constant split between u and v.
//
// Special cases:
//   - Σa and Σb must agree to 1e-9 relative, else the status is Infeasible
//     and plan, u, v and the cost are zero. Within that tolerance b is
//     rescaled internally to Σa.
//   - Zero weights: such rows and columns are left out of the simplex and
//     get zero plan entries; their duals are made feasible afterwards as
//     POT's estimate_dual_null_weights does (lowered by their largest
//     violation, then centred again). Their values depend on which
//     potential the simplex fixed at 0, so they can differ from POT's
//     while being just as feasible. All weights zero gives cost 0.
//   - M_ij = +Inf forbids the pair (i, j). If the marginals cannot be met
//     without forbidden pairs, the status is Infeasible, the cost +Inf and
//     the plan zero (as POT returns it).
//   - n = 1 or m = 1: the plan is a or b itself.
//   - opt.MaxIter reached first: status IterationLimit, with the current
//     plan (feasible, not optimal) and its duals.
//   - Costs are exact up to about 1e300 in magnitude: no big-M constant is
//     formed, so huge costs do not overflow.
//
// EMD returns an *goot.ArgError for lengths that do not match, an empty a
// or b, weights that are NaN, infinite or negative, or M entries that are
// NaN or -Inf. It is safe for concurrent use.
func EMD(a, b, M []float64, plan, u, v []float64, opt Options) (Result, error) {
	n, m := len(a), len(b)
	if err := emdCheckWeights("a", a); err != nil {
		return Result{}, err
	}
	if err := emdCheckWeights("b", b); err != nil {
		return Result{}, err
	}
	scale, err := emdCheckCosts(M, n, m)
	if err != nil {
		return Result{}, err
	}
	if err := emdCheckLen("plan", plan, n*m, true); err != nil {
		return Result{}, err
	}
	if err := emdCheckLen("u", u, n, true); err != nil {
		return Result{}, err
	}
	if err := emdCheckLen("v", v, m, true); err != nil {
		return Result{}, err
	}
	w := newEMDWorkspace(n, m)
	return w.emd(a, b, M, scale, plan, u, v, opt), nil
}

// EMDBatch solves EMD(a, B[:, c], M) for each of the k columns c of B (B is
// m×k row-major, as a numpy (m, k) C-ordered array) in parallel over columns
// (goot.ParallelFor, one workspace per goroutine). U (n×k row-major) and V
// (m×k row-major) may be nil; column c of each receives the duals of
// problem c. results has length k. Arguments are checked as in EMD before
// anything is solved.
func EMDBatch(a, B []float64, k int, M []float64, U, V []float64, opt Options,
	results []Result) error {
	if k <= 0 {
		return goot.Errorf("k", "must be positive, got %d", k)
	}
	if len(B)%k != 0 || len(B) == 0 {
		return goot.Errorf("b", "has length %d, not a positive multiple of k = %d", len(B), k)
	}
	n, m := len(a), len(B)/k
	if err := emdCheckWeights("a", a); err != nil {
		return err
	}
	if err := emdCheckWeights("b", B); err != nil {
		return err
	}
	scale, err := emdCheckCosts(M, n, m)
	if err != nil {
		return err
	}
	if err := emdCheckLen("U", U, n*k, true); err != nil {
		return err
	}
	if err := emdCheckLen("V", V, m*k, true); err != nil {
		return err
	}
	if len(results) != k {
		return goot.Errorf("results", "has length %d, want k = %d", len(results), k)
	}

	goot.ParallelFor(k, 1, func(lo, hi int) {
		w := newEMDWorkspace(n, m)
		b := make([]float64, m)
		for c := lo; c < hi; c++ {
			for j := range m {
				b[j] = B[j*k+c]
			}
			results[c] = w.emd(a, b, M, scale, nil, w.uOut(U), w.vOut(V), opt)
			emdScatter(U, w.u, k, c)
			emdScatter(V, w.v, k, c)
		}
	})
	return nil
}

// scatter writes x into column c of the row-major matrix X with k columns.
func emdScatter(X, x []float64, k, c int) {
	if X == nil {
		return
	}
	for i, xi := range x {
		X[i*k+c] = xi
	}
}

// emdWorkspace holds everything one solve needs, so that a batch reuses it.
type emdWorkspace struct {
	net  *simplex
	b    []float64 // b rescaled to Σa
	u, v []float64 // duals, before they are copied out
}

func newEMDWorkspace(n, m int) *emdWorkspace {
	return &emdWorkspace{
		net: newSimplex(n, m),
		b:   make([]float64, m),
		u:   make([]float64, n),
		v:   make([]float64, m),
	}
}

// uOut returns the buffer for the batch's duals when U is wanted.
func (w *emdWorkspace) uOut(U []float64) []float64 {
	if U == nil {
		return nil
	}
	return w.u
}

func (w *emdWorkspace) vOut(V []float64) []float64 {
	if V == nil {
		return nil
	}
	return w.v
}

// emd solves one checked problem; see EMD.
func (w *emdWorkspace) emd(a, b, M []float64, scale float64, plan, u, v []float64,
	opt Options) Result {
	n, m := len(a), len(b)
	if plan != nil {
		clear(plan)
	}
	clear(w.u)
	clear(w.v)
	defer func() {
		copy(u, w.u)
		copy(v, w.v)
	}()

	// Check masses and rescale b onto a's mass.
	sa, sb := emdSum(a), emdSum(b)
	if math.Abs(sa-sb) > emdMassTol*max(sa, sb) {
		return Result{Status: goot.Infeasible}
	}
	if sa == 0 {
		w.finishDuals(a, b, M, u != nil || v != nil, opt.RawDuals)
		return Result{Status: goot.Optimal}
	}
	for j, bj := range b {
		w.b[j] = bj * (sa / sb)
	}

	// Solve, then read the plan, the cost and the potentials off the tree.
	s := w.net
	status := s.solve(a, w.b, M, scale, opt.MaxIter)
	if status != goot.Infeasible {
		s.recomputeFlows()
	}
	res := Result{Status: status, Iter: s.iter}
	for c := range s.root {
		p := s.parent[c]
		if p < 0 || p == s.root {
			continue
		}
		i, j := c, p-n
		if c >= n {
			i, j = p, c-n
		}
		if f := s.flow[c]; f > 0 {
			res.Cost += f * M[i*m+j]
			if plan != nil && status != goot.Infeasible {
				plan[i*m+j] = f
			}
		}
	}
	if status == goot.Infeasible {
		res.Cost = math.Inf(1)
	}
	if u != nil || v != nil {
		s.recomputePotentials()
		for i := range n {
			if s.parent[i] >= 0 {
				w.u[i] = -s.pi[i]
			}
		}
		for j := range m {
			if s.parent[n+j] >= 0 {
				w.v[j] = s.pi[n+j]
			}
		}
		w.finishDuals(a, w.b, M, true, opt.RawDuals)
	}
	return res
}

// finishDuals centres the duals in w.u, w.v unless raw, and makes those of
// zero-weight points feasible, as POT's center_ot_dual and
// estimate_dual_null_weights do.
func (w *emdWorkspace) finishDuals(a, b, M []float64, wanted, raw bool) {
	if !wanted {
		return
	}
	if !raw {
		emdCentre(a, b, w.u, w.v)
	}
	zeroRows, zeroCols := false, false
	for _, x := range a {
		zeroRows = zeroRows || x == 0
	}
	for _, x := range b {
		zeroCols = zeroCols || x == 0
	}
	if !zeroRows && !zeroCols {
		return
	}

	// A zero-weight point's dual is lowered by its largest violation of
	// u_i + v_j ≤ M_ij; all violations are measured before any change.
	n, m := len(a), len(b)
	u, v := w.u, w.v
	colViol := w.net.rb // free after the solve
	for j := range m {
		colViol[j] = 0
	}
	rowViol := w.net.ra
	for i := range n {
		rowViol[i] = 0
		if a[i] != 0 && !zeroCols {
			continue
		}
		row := M[i*m : i*m+m]
		for j, c := range row {
			viol := u[i] + v[j] - c // -Inf for a forbidden pair
			if a[i] == 0 {
				rowViol[i] = max(rowViol[i], viol)
			}
			if b[j] == 0 {
				colViol[j] = max(colViol[j], viol)
			}
		}
	}
	for i := range n {
		u[i] -= rowViol[i]
	}
	for j := range m {
		v[j] -= colViol[j]
	}
	emdCentre(a, b, u, v)
}

// centre shifts u up and v down by the constant that makes a·u = b·v.
func emdCentre(a, b, u, v []float64) {
	den := emdSum(a) + emdSum(b)
	if den == 0 {
		return
	}
	var au, bv float64
	for i, x := range a {
		au += x * u[i]
	}
	for j, x := range b {
		bv += x * v[j]
	}
	c := (bv - au) / den
	for i := range u {
		u[i] += c
	}
	for j := range v {
		v[j] -= c
	}
}

// emdSum is the compensated (Neumaier) sum of x. The masses must be exact:
// b is rescaled by Σa/Σb, and with a plain sum of 5000 equal weights that
// ratio was off by 1e-13, which one marginal entry then absorbed.
func emdSum(x []float64) float64 {
	var s, c float64
	for _, xi := range x {
		neumaierAdd(&s, &c, xi)
	}
	return s + c
}

// emdCheckWeights rejects an empty, NaN, infinite or negative weight vector,
// and one whose sum overflows.
func emdCheckWeights(name string, w []float64) error {
	if len(w) == 0 {
		return goot.Errorf(name, "is empty")
	}
	if err := goot.CheckWeights(name, w); err != nil {
		return err
	}
	if s := emdSum(w); math.IsInf(s, 0) || math.IsNaN(s) {
		return goot.Errorf(name, "the weights overflow when summed")
	}
	return nil
}

// emdCheckCosts rejects an M of the wrong length or holding NaN or -Inf, and
// returns the largest finite |M_ij| (the scale of reduced costs).
func emdCheckCosts(M []float64, n, m int) (float64, error) {
	if len(M) != n*m {
		return 0, goot.Errorf("M", "has length %d, want %d×%d = %d", len(M), n, m, n*m)
	}
	var scale float64
	for e, c := range M {
		switch {
		case math.IsNaN(c):
			return 0, goot.Errorf("M", "NaN in the cost matrix at (%d, %d)", e/m, e%m)
		case math.IsInf(c, -1):
			return 0, goot.Errorf("M", "-inf in the cost matrix at (%d, %d)", e/m, e%m)
		case !math.IsInf(c, 1):
			scale = max(scale, math.Abs(c))
		}
	}
	return scale, nil
}

// emdCheckLen rejects x unless it has length want (or is nil, if optional).
func emdCheckLen(name string, x []float64, want int, optional bool) error {
	if x == nil && optional || len(x) == want {
		return nil
	}
	return goot.Errorf(name, "has length %d, want %d", len(x), want)
}
