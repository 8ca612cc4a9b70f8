package goot

import "fmt"

// ArgError reports an argument that a solver cannot accept: a length that
// does not match, a NaN, a negative weight. Arg names the argument as the
// Python API spells it, so the message reads the same in both languages.
type ArgError struct {
	Arg     string // argument name, e.g. "M" or "a"
	Problem string // what is wrong with it
}

func (e *ArgError) Error() string { return e.Arg + ": " + e.Problem }

// Errorf returns an *ArgError for argument arg with a formatted problem.
func Errorf(arg, format string, args ...any) error {
	return &ArgError{Arg: arg, Problem: fmt.Sprintf(format, args...)}
}
