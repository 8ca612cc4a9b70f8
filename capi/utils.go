package capi

import "github.com/goot-ot/goot/goot"

// Dist writes the n×m ground-cost matrix between the rows of x (n×d) and
// y (m×d) into out with goot.Dist. It returns n*m.
func Dist(x uintptr, n int, y uintptr, m, d int, metric string, p float64,
	out uintptr) (written int, err error) {
	defer guard(&err)
	xv, err := view("x1", x, n*d)
	if err != nil {
		return 0, wrap(err)
	}
	yv, err := view("x2", y, m*d)
	if err != nil {
		return 0, wrap(err)
	}
	ov, err := view("out", out, n*m)
	if err != nil {
		return 0, wrap(err)
	}
	kind, err := goot.ParseMetric(metric)
	if err != nil {
		return 0, wrap(err)
	}
	if err := goot.Dist(xv, yv, d, kind, p, ov); err != nil {
		return 0, wrap(err)
	}
	return n * m, nil
}
