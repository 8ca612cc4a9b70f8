package bregman

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// Sinkhorn solves entropic OT by Sinkhorn–Knopp iterations on the kernel
// K = exp(-M/reg), in POT's order (v = b / Kᵀu, then u = a / K v, from
// u = 1/n, v = 1/m) and with POT's stopping rule: every 10th iteration
// (0, 10, …) the error ‖colsum(P) - b‖₂ (Frobenius over all histograms) is
// recorded and the solve stops when it is below opt.Tol.
//
// a has n weights; b holds k ≥ 1 histograms as the columns of an m×k
// row-major matrix; M is n×m row-major. u (n×k) and v (m×k) receive the
// scalings; with opt.Warm they hold the starting scalings on entry (POT's
// exp(warmstart)). plan (n×m, k = 1 only) and costs (k values ⟨P_c, M⟩)
// are written when non-nil.
//
// Each iteration is one pass over K: while a block of rows is in cache it
// forms K v for those rows, updates u, and adds their contribution to Kᵀu
// for the next iteration; the column error comes out of the same pass.
//
// When non-finite scalings appear (the kernel underflows: costs far above
// reg), Result.Breakdown records the iteration, as POT warns, and the
// problem is solved again from scratch by SinkhornLog, which cannot
// underflow; Result.LogDomain is then true. Zero weights give zero
// scalings instead of POT's division by zero.
func Sinkhorn(a, b, M []float64, k int, reg float64, u, v, plan, costs []float64,
	opt Options) (Result, error) {
	p, err := check(a, b, M, k, reg)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, u, v, plan, costs); err != nil {
		return Result{}, err
	}
	s := newKnopp(a, b, M, p)
	res := Result{Breakdown: 0}
	if s.kernelOK {
		s.init(u, v, opt.Warm)
		res = s.iterate(opt)
	}
	if res.Breakdown >= 0 {
		return s.logFallback(a, b, M, u, v, plan, costs, opt, res)
	}
	s.output(u, v, M, plan, costs)
	return res, nil
}

func checkOutputs(p problem, u, v, plan, costs []float64) error {
	switch {
	case len(u) != p.n*p.k:
		return goot.Errorf("u", "has length %d, want %d", len(u), p.n*p.k)
	case len(v) != p.m*p.k:
		return goot.Errorf("v", "has length %d, want %d", len(v), p.m*p.k)
	case plan != nil && (p.k != 1 || len(plan) != p.n*p.m):
		return goot.Errorf("plan", "has length %d, want %d (one histogram)", len(plan), p.n*p.m)
	case costs != nil && len(costs) != p.k:
		return goot.Errorf("costs", "has length %d, want %d", len(costs), p.k)
	}
	return nil
}

// knopp is the state of a Sinkhorn–Knopp solve. Scalings are stored per
// histogram (U[c*n+i], V[c*m+j]) so that each inner loop is contiguous.
type knopp struct {
	problem
	a     []float64
	bT    []float64 // k×m: the histograms, one per row
	K     []float64 // n×m kernel
	U, V  []float64 // k×n and k×m scalings
	aT    []float64 // k×n: one source weight vector per histogram, or nil (a for all)
	W     []float64 // k×m: Kᵀu for the current u
	acc   []float64 // count×k×m: per-block partial sums of Kᵀu
	uPrev []float64 // scalings before the current iteration
	vPrev []float64
	count int // row blocks
	rows  int // rows per block
	// kernelOK is false when K overflowed.
	kernelOK bool
	// omega is the over-relaxation factor (1: plain Sinkhorn).
	omega float64
}

// relax returns the over-relaxed scaling old·(next/old)^ω, i.e. ω steps
// along the Sinkhorn update in the log domain (next itself when ω is 1, or
// 0, the zero value of the field).
func (s *knopp) relax(old, next float64) float64 {
	if s.omega == 0 || s.omega == 1 || old == 0 || next == 0 {
		return next
	}
	return old * math.Pow(next/old, s.omega)
}

// omegaFor returns the over-relaxation factor to use from opt.Omega and,
// for opt.Omega < 0 (automatic), the column errors recorded so far at
// iterations 0, 10, 20, …: once two are known after a warm-up, the linear
// rate r per iteration gives ω = 2/(1 + √(1 - r)), capped at 1.9 (the
// optimal factor for a linear iteration of that rate; Thibault et al.).
func omegaFor(opt Options, errs []float64) float64 {
	switch {
	case opt.Omega > 0:
		return opt.Omega
	case opt.Omega == 0 || len(errs) < 3:
		return 1
	}
	e1, e2 := errs[len(errs)-2], errs[len(errs)-1]
	if !(e2 > 0 && e2 < e1) {
		return 1
	}
	rate := math.Pow(e2/e1, 0.1)
	return min(1.9, 2/(1+math.Sqrt(1-rate)))
}

func newKnopp(a, b, M []float64, p problem) *knopp {
	s := &knopp{problem: p, a: a}
	n, m, k := p.n, p.m, p.k
	s.count, s.rows = blocks(n, m)
	s.bT = transpose(b, m, k)
	s.K = make([]float64, n*m)
	s.U, s.V, s.W = make([]float64, k*n), make([]float64, k*m), make([]float64, k*m)
	s.uPrev, s.vPrev = make([]float64, k*n), make([]float64, k*m)
	s.acc = make([]float64, s.count*k*m)

	s.kernelOK = s.buildKernel(M, nil, nil)
	return s
}

// buildKernel sets K = exp(-(M - alpha_i - beta_j)/reg) in parallel (POT:
// exp(M / -reg) when alpha and beta are nil). It reports false when some
// entry overflows to +Inf (negative costs far below -reg), which the
// solvers treat as a breakdown at iteration 0.
func (s *knopp) buildKernel(M, alpha, beta []float64) bool {
	m, reg := s.m, s.reg
	overflow := make([]bool, s.count)
	forBlocks(s.count, s.rows, s.n, func(t, lo, hi int) {
		defer func() { overflow[t] = !allBelowInf(s.K[lo*m : hi*m]) }()
		for i := lo; i < hi; i++ {
			K, Mi := s.K[i*m:(i+1)*m], M[i*m:(i+1)*m]
			if alpha == nil {
				for j, x := range Mi {
					K[j] = exp(x / -reg)
				}
				continue
			}
			ai := alpha[i]
			for j, x := range Mi {
				K[j] = exp(-(x - ai - beta[j]) / reg)
			}
		}
	})
	for _, o := range overflow {
		if o {
			return false
		}
	}
	return true
}

func allBelowInf(x []float64) bool {
	for _, v := range x {
		if v > math.MaxFloat64 {
			return false
		}
	}
	return true
}

// transpose returns the c×r transpose of the r×c row-major x.
func transpose(x []float64, r, c int) []float64 {
	t := make([]float64, len(x))
	for i := range r {
		for j := range c {
			t[j*r+i] = x[i*c+j]
		}
	}
	return t
}

// init sets the starting scalings (POT: 1/n and 1/m) and Kᵀu.
func (s *knopp) init(u, v []float64, warm bool) {
	n, m := s.n, s.m
	if warm {
		copy(s.U, transpose(u, n, s.k))
		copy(s.V, transpose(v, m, s.k))
	} else {
		fill(s.U, 1/float64(n))
		fill(s.V, 1/float64(m))
	}
	s.pass(false)
}

func fill(x []float64, value float64) {
	for i := range x {
		x[i] = value
	}
}

// iterate runs POT's Sinkhorn–Knopp loop. Invariant at the top of an
// iteration: W = Kᵀu for the current U.
func (s *knopp) iterate(opt Options) Result {
	maxIter := opt.maxIter(1000)
	res := newResult(maxIter, 10)
	s.omega = omegaFor(opt, nil)
	for it := range maxIter {
		res.Iter = it
		copy(s.uPrev, s.U)
		copy(s.vPrev, s.V)

		// v = b / Kᵀu; a zero column sum of positive weight is a breakdown.
		if !s.updateV() {
			res.Breakdown = it
			break
		}
		// u = a / K v, and W = Kᵀu for the new u, in one pass over K.
		s.pass(true)
		if !s.scalingsOK() {
			copy(s.U, s.uPrev)
			copy(s.V, s.vPrev)
			res.Breakdown = it
			break
		}

		if it%10 == 0 {
			err := s.columnError()
			res.Errors = append(res.Errors, err)
			if err < opt.Tol {
				res.Status = goot.Optimal
				break
			}
			if opt.Omega < 0 && len(res.Errors) == 3 {
				s.omega = omegaFor(opt, res.Errors)
			}
		}
	}
	return res
}

func (s *knopp) updateV() bool {
	for e, w := range s.W {
		b := s.bT[e]
		switch {
		case b == 0:
			s.V[e] = 0
		case w == 0:
			return false
		default:
			s.V[e] = s.relax(s.V[e], b/w)
			if math.IsInf(s.V[e], 0) {
				return false
			}
		}
	}
	return true
}

// scalingsOK reports whether every scaling is finite and, for a positive
// weight, nonzero: a zero scaling means K v overflowed, and the kernel's
// range exceeds float64.
func (s *knopp) scalingsOK() bool {
	for c := range s.k {
		for i, x := range s.U[c*s.n : (c+1)*s.n] {
			if bad(x, s.a[i]) {
				return false
			}
		}
	}
	for e, x := range s.V {
		if bad(x, s.bT[e]) {
			return false
		}
	}
	return true
}

// columnError returns ‖v ⊙ Kᵀu - b‖₂ over all histograms: the column
// marginal error of the current plan, which the last pass left in W.
func (s *knopp) columnError() float64 {
	sum := 0.0
	for e, w := range s.W {
		d := s.V[e]*w - s.bT[e]
		sum += d * d
	}
	return math.Sqrt(sum)
}

// sweepRows is the row chunk of pass: a multiple of 4 (the sweep's row
// group) whose rows fit in a core's L2 cache for m up to ~8000.
const sweepRows = 8

// pass sweeps K once in row blocks: when update is set, u_i = a_i / (K v)_i
// for every row first; then W = Kᵀu.
func (s *knopp) pass(update bool) {
	n, m, k := s.n, s.m, s.k
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		acc := s.acc[t*k*m : (t+1)*k*m]
		clear(acc)
		// With several histograms, every histogram's sweep over a few rows
		// runs while those rows are in cache, so K is read from memory once.
		chunk := hi - lo
		if k > 1 {
			chunk = sweepRows
		}
		for r := lo; r < hi; r += chunk {
			rh := min(hi, r+chunk)
			for c := range k {
				a := s.a
				if s.aT != nil {
					a = s.aT[c*n : (c+1)*n]
				}
				s.sweep(r, rh, a, s.U[c*n:(c+1)*n], s.V[c*m:(c+1)*m], acc[c*m:(c+1)*m],
					update)
			}
		}
	})
	// Sum the blocks' partial column sums in block order.
	clear(s.W)
	for t := range s.count {
		for e, x := range s.acc[t*k*m : (t+1)*k*m] {
			s.W[e] += x
		}
	}
}

// sweep handles rows [lo, hi) for one histogram (weights a), four rows at
// a time: (K v)_i for the four rows, their new u_i, then their share of
// Kᵀu, so K is read from memory once per pass and v and w once per four
// rows. With update set the two steps are pipelined: one loop forms the
// dot products of the next four rows (read from memory) while it adds the
// current four (still in cache) to w. The products run in the AVX2
// kernels of kernels.go where the CPU has them.
//
// TODO(goot): at n = 4000 an iteration takes 0.9-1.45× the read-bandwidth
// bound depending on the run (target 1.3×, benchmarks/RESULTS.md): w (8m bytes) is read and
// written from L2 once per four rows; blocks of eight rows would halve that
// traffic (issue 3).
func (s *knopp) sweep(lo, hi int, a, u, v, w []float64, update bool) {
	m, K := s.m, s.K
	v, w = v[:m], w[:m]
	row := func(i int) []float64 { return K[i*m : (i+1)*m] }
	i := lo
	if update && hi-lo >= 4 {
		s0, s1, s2, s3 := dot4(row(i), row(i+1), row(i+2), row(i+3), v)
		for ; ; i += 4 {
			u[i], u[i+1], u[i+2], u[i+3] = s.relax(u[i], scale(a[i], s0)),
				s.relax(u[i+1], scale(a[i+1], s1)), s.relax(u[i+2], scale(a[i+2], s2)),
				s.relax(u[i+3], scale(a[i+3], s3))
			if i+8 > hi {
				break
			}
			s0, s1, s2, s3 = dotAxpy4(row(i+4), row(i+5), row(i+6), row(i+7), v, w,
				row(i), row(i+1), row(i+2), row(i+3), u[i], u[i+1], u[i+2], u[i+3])
		}
		axpy4(w, row(i), row(i+1), row(i+2), row(i+3), u[i], u[i+1], u[i+2], u[i+3])
		i += 4
	}
	for ; i+4 <= hi; i += 4 {
		axpy4(w, row(i), row(i+1), row(i+2), row(i+3), u[i], u[i+1], u[i+2], u[i+3])
	}
	for ; i < hi; i++ {
		ki := row(i)
		if update {
			u[i] = s.relax(u[i], scale(a[i], dot(ki, v)))
		}
		axpy(w, ki, u[i])
	}
}

// scale returns the scaling weight/sum, 0 for a zero weight.
func scale(weight, sum float64) float64 {
	if weight == 0 {
		return 0
	}
	return weight / sum
}

// output writes the scalings, the plan P = diag(u) K diag(v) and the costs.
func (s *knopp) output(u, v, M, plan, costs []float64) {
	n, m, k := s.n, s.m, s.k
	for c := range k {
		for i := range n {
			u[i*k+c] = s.U[c*n+i]
		}
		for j := range m {
			v[j*k+c] = s.V[c*m+j]
		}
	}
	if plan == nil && costs == nil {
		return
	}
	part := make([]float64, s.count*k)
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		for i := lo; i < hi; i++ {
			Ki, Mi := s.K[i*m:(i+1)*m], M[i*m:(i+1)*m]
			for c := range k {
				ui, vc := s.U[c*n+i], s.V[c*m:(c+1)*m]
				sum := 0.0
				for j, x := range Ki {
					pij := entry(ui, x, vc[j])
					if plan != nil {
						plan[i*m+j] = pij
					}
					if pij != 0 {
						sum += pij * Mi[j]
					}
				}
				part[t*k+c] += sum
			}
		}
	})
	if costs != nil {
		for c := range k {
			costs[c] = 0
			for t := range s.count {
				costs[c] += part[t*k+c]
			}
		}
	}
}

// entry returns the plan entry u·K·v, formed in POT's order unless that
// overflows on the way (K near the top of the float64 range).
func entry(u, K, v float64) float64 {
	p := u * K * v
	if p > math.MaxFloat64 {
		return math.Exp(math.Log(u) + math.Log(K) + math.Log(v))
	}
	return p
}

// logFallback solves each histogram again with SinkhornLog after a
// breakdown and returns its scalings exp(f), exp(g).
func (s *knopp) logFallback(a, b, M, u, v, plan, costs []float64, opt Options,
	broke Result) (Result, error) {
	n, m, k := s.n, s.m, s.k
	s.K = nil // let the kernel go before the log-domain solve allocates
	opt.Warm = false
	res := broke
	res.LogDomain = true
	res.Status = goot.Optimal
	res.Errors = res.Errors[:0]
	res.Iter = 0
	f, g := make([]float64, n), make([]float64, m)
	var cost [1]float64
	for c := range k {
		var pl []float64
		if c == 0 {
			pl = plan
		}
		r, err := SinkhornLog(a, s.bT[c*m:(c+1)*m], M, s.reg, f, g, pl, cost[:], opt)
		if err != nil {
			return r, err
		}
		if r.Status != goot.Optimal {
			res.Status = r.Status
		}
		res.Iter = max(res.Iter, r.Iter)
		if c == 0 {
			res.Errors = r.Errors
		}
		for i := range n {
			u[i*k+c] = math.Exp(f[i])
		}
		for j := range m {
			v[j*k+c] = math.Exp(g[j])
		}
		if costs != nil {
			costs[c] = cost[0]
		}
	}
	return res, nil
}
