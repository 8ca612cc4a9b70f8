package goot

// Status is the outcome of a solve. An iteration limit or an infeasible
// problem is a Status, not an error: the solver still returns its current
// iterate so that the caller can decide what to do with it.
type Status int

const (
	// Optimal means the solver met its optimality or convergence criterion.
	Optimal Status = iota
	// Infeasible means the constraints admit no solution, for example
	// marginals of different mass or every admissible pair forbidden.
	Infeasible
	// Unbounded means the objective is unbounded below (a cost of -Inf).
	Unbounded
	// IterationLimit means the iteration cap was reached first.
	IterationLimit
)

// String returns a short lower-case name of the status.
func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Unbounded:
		return "unbounded"
	case IterationLimit:
		return "iteration limit"
	}
	return "unknown status"
}

// Converged reports whether the solve met its criterion.
func (s Status) Converged() bool { return s == Optimal }
