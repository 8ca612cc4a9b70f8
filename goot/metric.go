package goot

import "strconv"

// Metric is a ground cost between points of R^d. The names and formulas are
// those of scipy.spatial.distance.cdist, which POT's ot.dist uses, so that a
// metric name means the same thing in Python and in Go.
type Metric int

const (
	// SqEuclidean is ‖x−y‖² = Σ_k (x_k−y_k)². On the line it is |x−y|².
	SqEuclidean Metric = iota
	// Euclidean is ‖x−y‖ = sqrt(Σ_k (x_k−y_k)²). On the line it is |x−y|.
	Euclidean
	// Cityblock is Σ_k |x_k−y_k|. On the line it is |x−y|.
	Cityblock
	// Minkowski is (Σ_k |x_k−y_k|^p)^(1/p) for p > 0; p = +Inf gives
	// max_k |x_k−y_k|. On the line it is |x−y|^p, POT's 1-D convention.
	Minkowski
)

// metricNames is the one table of metric spellings, indexed by Metric.
var metricNames = [...]string{
	SqEuclidean: "sqeuclidean",
	Euclidean:   "euclidean",
	Cityblock:   "cityblock",
	Minkowski:   "minkowski",
}

// ParseMetric returns the Metric spelled name as scipy and POT spell it:
// "sqeuclidean", "euclidean", "cityblock" or "minkowski". Any other name is
// an *ArgError for argument "metric".
func ParseMetric(name string) (Metric, error) {
	for m, s := range metricNames {
		if s == name {
			return Metric(m), nil
		}
	}
	return 0, Errorf("metric", "unknown metric %q (want one of %q)", name, metricNames[:])
}

// String returns the scipy spelling of m, or "Metric(n)" for a value outside
// the enumeration.
func (m Metric) String() string {
	if m.valid() {
		return metricNames[m]
	}
	return "Metric(" + strconv.Itoa(int(m)) + ")"
}

func (m Metric) valid() bool { return m >= 0 && int(m) < len(metricNames) }
