// Package goot holds what every optimal-transport solver family of goot
// shares: the Status of a solve, argument errors, ground-cost matrices, a
// small parallel-for helper and the radix sort of float64 values behind every
// 1-D problem (SortKey, SortKeys, SortKeysIndex).
//
// The solvers live in subpackages named after POT's modules so that a reader
// can follow a call by name alone: lp (exact OT, 1-D OT), and later bregman,
// sliced, gaussian, and so on. Every solver works on row-major []float64
// buffers owned by the caller, allocates nothing per iteration, and keeps no
// mutable global state, so concurrent calls are safe.
//
// Conventions shared by all families:
//
//   - a and b are the source and target weights (histograms), M is the n×m
//     ground cost stored row-major (M[i*m+j]), reg is a regularisation.
//   - Invalid arguments (wrong lengths, NaN, negative weights) are reported as
//     an *ArgError; failing to converge is a Status, never an error.
//   - Dual potentials are named u (source) and v (target) in every family.
package goot
