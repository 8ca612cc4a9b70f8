package bregman

import "math"

// Range in which a row or column sum of shifted exponentials is trusted.
// Outside it some terms may have underflowed relative to the sum, and the
// log-sum-exp is recomputed with the exact maximum as shift (two passes).
const (
	sumLow  = 1e-100
	sumHigh = 1e100
)

// SinkhornLog solves entropic OT by Sinkhorn iterations on the
// log-scalings f = log u and g = log v, in POT's order (g from the column
// log-sum-exp of -M/reg + f, then f from the row log-sum-exp), from
// f = g = 0, and with POT's stopping rule: every 10th iteration the error
// ‖colsum(P) - b‖₂ is recorded and the solve stops below opt.Tol.
//
// f (n) and g (m) receive the log-scalings (POT's log_u, log_v); with
// opt.Warm they hold the starting point (POT's warmstart). plan (n×m) and
// costs (one value, ⟨P, M⟩ with 0·Inf = 0) are written when non-nil.
// Zero weights give -Inf log-scalings and zero rows or columns.
//
// The iterations run in kernel form (see iterateAbsorbed): K̃ =
// exp(-M/reg + f_i + g_j) is the current plan, and each iteration is one
// pass over it without exp, as in Sinkhorn; the exps are paid when K̃ is
// (re)built, from a max-shifted log-sum-exp iteration that cannot
// underflow (a row or column sum outside [1e-100, 1e100] is recomputed with
// the exact maximum as shift), so nothing underflows whatever M/reg is.
func SinkhornLog(a, b, M []float64, reg float64, f, g, plan, costs []float64,
	opt Options) (Result, error) {
	p, err := check(a, b, M, 1, reg)
	if err != nil {
		return Result{}, err
	}
	if err := checkOutputs(p, f, g, plan, costs); err != nil {
		return Result{}, err
	}
	s := newLogSolver(a, b, M, p)
	if opt.Warm {
		copy(s.f, f)
		copy(s.g, g)
	}
	s.sanitize()
	res := s.iterateAbsorbed(opt)
	copy(f, s.f)
	copy(g, s.g)
	cost := s.output(plan)
	if costs != nil {
		costs[0] = cost
	}
	return res, nil
}

// logSolver is the state of a log-domain solve.
type logSolver struct {
	problem
	a, b       []float64
	loga, logb []float64
	Mr         []float64 // -M/reg, built once
	M          []float64
	f, g       []float64 // log-scalings
	c          []float64 // colsum of the plan for the current f, g
	acc        []float64 // count×m partial column sums
	buf        []float64 // count×m row terms
	count      int
	rows       int
	lazy       *lazyCosts // when set, Mr is nil and rows are computed on the fly
	cbuf       []float64  // count×m: rows of -C/reg computed on the fly
}

func newLogSolver(a, b, M []float64, p problem) *logSolver {
	n, m := p.n, p.m
	s := &logSolver{problem: p, a: a, b: b, M: M}
	s.count, s.rows = blocks(n, m)
	s.loga, s.logb = logs(a), logs(b)
	s.f, s.g, s.c = make([]float64, n), make([]float64, m), make([]float64, m)
	s.acc, s.buf = make([]float64, s.count*m), make([]float64, s.count*m)
	s.Mr = make([]float64, n*m)
	forBlocks(s.count, s.rows, n, func(_, lo, hi int) {
		Mr := s.Mr[lo*m : hi*m]
		for e, x := range M[lo*m : hi*m] {
			Mr[e] = -x / p.reg
		}
	})
	return s
}

// mr returns row i of -M/reg; block t owns the scratch of a lazy solve.
func (s *logSolver) mr(t, i int) []float64 {
	m := s.m
	if s.lazy == nil {
		return s.Mr[i*m : (i+1)*m]
	}
	return s.lazy.row(i, s.reg, s.cbuf[t*m:(t+1)*m])
}

func logs(w []float64) []float64 {
	l := make([]float64, len(w))
	for i, x := range w {
		l[i] = math.Log(x)
	}
	return l
}

// sanitize gives zero-weight points the log-scaling -Inf that POT's
// iteration gives them (so a warm start cannot put mass there).
func (s *logSolver) sanitize() {
	for i, x := range s.a {
		if x == 0 {
			s.f[i] = math.Inf(-1)
		}
	}
	for j, x := range s.b {
		if x == 0 {
			s.g[j] = math.Inf(-1)
		}
	}
}

// updateGFromSums sets g_j += log b_j - log c_j, since
// c_j = exp(g_j) Σ_i exp(-M_ij/reg + f_i). It reports false, changing
// nothing, when some c_j of positive weight is outside the trusted range.
func (s *logSolver) updateGFromSums() bool {
	for j, c := range s.c {
		if s.b[j] > 0 && !(c >= sumLow && c <= sumHigh) {
			return false
		}
	}
	for j, c := range s.c {
		if s.b[j] > 0 {
			s.g[j] += s.logb[j] - math.Log(c)
		}
	}
	return true
}

// updateGExact sets g from max-shifted column log-sum-exps: one pass for
// the column maxima of -M/reg + f, one for the sums.
func (s *logSolver) updateGExact() {
	n, m := s.n, s.m
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		mx := s.acc[t*m : (t+1)*m]
		fill(mx, math.Inf(-1))
		for i := lo; i < hi; i++ {
			if s.a[i] == 0 {
				continue
			}
			fi, Mr := s.f[i], s.mr(t, i)
			for j, x := range Mr {
				mx[j] = max(mx[j], x+fi)
			}
		}
	})
	shift := s.c // reused: the column maxima
	fill(shift, math.Inf(-1))
	for t := range s.count {
		for j, x := range s.acc[t*m : (t+1)*m] {
			shift[j] = max(shift[j], x)
		}
	}
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		sum := s.buf[t*m : (t+1)*m]
		clear(sum)
		for i := lo; i < hi; i++ {
			if s.a[i] == 0 {
				continue
			}
			fi, Mr := s.f[i], s.mr(t, i)
			for j, x := range Mr {
				if shift[j] > math.Inf(-1) {
					sum[j] += exp(x + fi - shift[j])
				}
			}
		}
	})
	for j := range m {
		total := 0.0
		for t := range s.count {
			total += s.buf[t*m+j]
		}
		if s.b[j] == 0 {
			s.g[j] = math.Inf(-1)
			continue
		}
		s.g[j] = s.logb[j] - (shift[j] + math.Log(total))
	}
}

// rowPass updates f row by row and accumulates the column sums c of the
// plan for the new f and the current g.
func (s *logSolver) rowPass() {
	n, m := s.n, s.m
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		acc, buf := s.acc[t*m:(t+1)*m], s.buf[t*m:(t+1)*m]
		clear(acc)
		for i := lo; i < hi; i++ {
			if s.a[i] == 0 {
				continue
			}
			s.row(i, s.mr(t, i), acc, buf)
		}
	})
	clear(s.c)
	for t := range s.count {
		for j, x := range s.acc[t*m : (t+1)*m] {
			s.c[j] += x
		}
	}
}

// row updates f_i and adds row i of the new plan to acc. The terms
// exp(-M_ij/reg + f_i + g_j) are the row of the current plan: their sum
// r gives f_i += log a_i - log r, and scaling them by a_i/r gives the
// row of the new plan without a second exp.
func (s *logSolver) row(i int, Mr, acc, buf []float64) {
	m := s.m
	g, fi := s.g[:m], s.f[i]
	buf = buf[:m]
	sum := 0.0
	for j, x := range Mr {
		// exp(x + f_i + g_j), inlined (see exp): the hottest line of the solver.
		y := x + fi + g[j]
		var e float64
		if y > expMin && y < expMax {
			kj := (y*inv64 + round) - round
			r := (y - kj*ln2Hi64) - kj*ln2Lo64
			n := int64(kj)
			p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
			e = p * expTable[n&63] * math.Float64frombits(uint64((n>>6)+1023)<<52)
		} else if y >= expZero || y != y {
			e = math.Exp(y)
		}
		buf[j] = e
		sum += e
	}
	if sum >= sumLow && sum <= sumHigh {
		s.f[i] = fi + s.loga[i] - math.Log(sum)
		scale := s.a[i] / sum
		for j, e := range buf {
			acc[j] += e * scale
		}
		return
	}

	// Exact two-pass log-sum-exp with the row maximum as shift.
	shift := math.Inf(-1)
	for j, x := range Mr {
		shift = max(shift, x+g[j])
	}
	sum = 0
	for j, x := range Mr {
		sum += exp(x + g[j] - shift)
	}
	fi = s.loga[i] - (shift + math.Log(sum))
	s.f[i] = fi
	for j, x := range Mr {
		acc[j] += exp(x + fi + g[j])
	}
}

// cost returns M_ij: stored, or recovered from -M_ij/reg in a lazy solve.
func (s *logSolver) cost(i, j int, mr float64) float64 {
	if s.lazy == nil {
		return s.M[i*s.m+j]
	}
	return -mr * s.reg
}

// output writes the plan exp(-M/reg + f_i + g_j) and returns ⟨P, M⟩.
func (s *logSolver) output(plan []float64) float64 {
	n, m := s.n, s.m
	part := make([]float64, s.count)
	forBlocks(s.count, s.rows, n, func(t, lo, hi int) {
		sum := 0.0
		for i := lo; i < hi; i++ {
			fi, Mr := s.f[i], s.mr(t, i)
			for j, x := range Mr {
				pij := exp(x + fi + s.g[j])
				if plan != nil {
					plan[i*m+j] = pij
				}
				if pij != 0 {
					sum += pij * s.cost(i, j, x)
				}
			}
		}
		part[t] = sum
	})
	total := 0.0
	for _, x := range part {
		total += x
	}
	return total
}
