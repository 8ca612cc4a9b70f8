package sliced

import (
	"math"
	"sync"

	"github.com/goot-ot/goot/goot"
)

// AscentOptions controls the projected gradient ascents of MaxAscent and
// VMFAscent. The zero value is valid.
type AscentOptions struct {
	// MaxIter is the number of ascent steps per start; 0 means 100.
	MaxIter int
	// StepSize s scales the step θ ← (θ + s·g/⟨θ, g⟩)/‖·‖ (see MaxAscent);
	// 0 means 1. Larger steps approach the power-iteration update
	// θ ← g/‖g‖.
	StepSize float64
	// Tol stops a start once an iteration improves the objective by less
	// than Tol times its value; 0 means 1e-12, a negative value never stops
	// early.
	Tol float64
}

func (o AscentOptions) withDefaults() AscentOptions {
	if o.MaxIter <= 0 {
		o.MaxIter = 100
	}
	if o.StepSize <= 0 {
		o.StepSize = 1
	}
	if o.Tol == 0 {
		o.Tol = 1e-12
	}
	return o
}

// AscentResult is the outcome of MaxAscent or VMFAscent.
type AscentResult struct {
	Value float64 // the best objective found (W_p^p, not its p-th root)
	Start int     // the start that reached it
	Iter  int     // ascent steps taken by that start
}

// MaxAscent maximises W_p^p(θ#μ, θ#ν) over unit directions θ by projected
// gradient ascent, the max-sliced Wasserstein distance of Deshpande et al.
// (CVPR 2019) being the p-th root of the maximum. It runs one ascent from
// each of the R starting directions (rows of starts, R×d; they are
// normalised first) in parallel and writes the best direction found into
// theta (d). X, a, Y, b, d and p are as in Projected.
//
// One step evaluates the cost and its gradient g (see Projected's quantile
// walk; g is exact for the optimal matching along θ) and moves to
//
//	θ ← (θ + s·g/⟨θ, g⟩) / ‖θ + s·g/⟨θ, g⟩‖,
//
// where ⟨θ, g⟩ = p·W_p^p(θ) > 0, so the step is scale-free: for p = 2 and a
// fixed matching, W(θ) = θᵀCθ and the step is that of a shifted power
// iteration on C. The best direction seen is kept, so the value never
// decreases. The problem is not concave: several starts lower the risk of
// a poor local maximum.
//
// Errors are those of Projected, plus starts not R×d long or with a zero row.
func MaxAscent(X, a, Y, b []float64, d int, starts []float64, R int, p float64,
	opt AscentOptions, theta []float64) (AscentResult, error) {
	pr, err := newProblem(X, a, Y, b, d, p)
	if err != nil {
		return AscentResult{}, err
	}
	if err := checkStarts(starts, R, d); err != nil {
		return AscentResult{}, err
	}
	if len(theta) != d {
		return AscentResult{}, goot.Errorf("theta", "length %d is not d = %d", len(theta), d)
	}
	opt = opt.withDefaults()

	var mu sync.Mutex
	best := AscentResult{Value: math.Inf(-1)}
	goot.ParallelFor(R, 1, func(lo, hi int) {
		ws := pr.newWorkspace(true)
		cur, next := make([]float64, d), make([]float64, d)
		for r := lo; r < hi; r++ {
			copy(cur, starts[r*d:(r+1)*d])
			normalize(cur)
			value, iter := ws.ascend(&pr, cur, next, opt)
			mu.Lock()
			if value > best.Value || (value == best.Value && r < best.Start) {
				best = AscentResult{Value: value, Start: r, Iter: iter}
				copy(theta, cur)
			}
			mu.Unlock()
		}
	})
	return best, nil
}

// ascend runs one ascent from theta and leaves the best direction seen in
// theta; next is scratch. It returns the best cost and the steps taken.
func (ws *workspace) ascend(pr *problem, theta, next []float64,
	opt AscentOptions) (float64, int) {
	grad, trial := ws.grad, ws.grad2
	clear(grad)
	value := ws.cost(pr, theta, grad)
	size := opt.StepSize
	iter := 0
	for iter < opt.MaxIter {
		// Step along the scaled gradient and back onto the sphere.
		tg := dot(theta, grad)
		if !(tg > 0) {
			break // zero cost: every direction matches the clouds exactly
		}
		for k := range next {
			next[k] = theta[k] + size*grad[k]/tg
		}
		normalize(next)
		iter++

		// Keep the step if it improves the cost, else retry a shorter one.
		clear(trial)
		nextValue := ws.cost(pr, next, trial)
		if !(nextValue > value) {
			if size *= 0.5; size < 1e-6*opt.StepSize {
				break
			}
			continue
		}
		gain := nextValue - value
		copy(theta, next)
		grad, trial = trial, grad
		value = nextValue
		if gain <= opt.Tol*value {
			break
		}
	}
	return value, iter
}

func checkStarts(starts []float64, R, d int) error {
	if R < 1 {
		return goot.Errorf("n_starts", "number of starts %d must be at least 1", R)
	}
	if R > math.MaxInt/d || len(starts) != R*d {
		return goot.Errorf("theta_init", "length %d is not R×d = %d×%d", len(starts), R, d)
	}
	for r := range R {
		row := starts[r*d : (r+1)*d]
		n := math.Sqrt(dot(row, row))
		if !(n > 0) || math.IsInf(n, 0) {
			return goot.Errorf("theta_init", "start %d has norm %v", r, n)
		}
	}
	return nil
}

// normalize scales x to unit Euclidean norm.
func normalize(x []float64) {
	s := 1 / math.Sqrt(dot(x, x))
	for k := range x {
		x[k] *= s
	}
}
