// Package lp solves exact (unregularised) optimal transport, the linear
// program behind POT's ot.lp module.
//
// EMD computes an optimal plan, its cost and dual potentials between two
// histograms for a dense cost matrix, by a network simplex that keeps only
// a spanning tree of the n·m implicit arcs (O(n+m) memory besides M).
// EMDBatch solves one problem per column of a weight matrix, in parallel.
// EMDPoints and EMDCosts solve many independent problems of one size (the
// minibatch couplings of flow matching) on every core, building each cost
// matrix on the goroutine that solves it.
//
// References:
//   - Ahuja, Magnanti, Orlin, "Network Flows: Theory, Algorithms, and
//     Applications", Prentice Hall, 1993.
//   - Kovács, "Minimum-cost flow algorithms: an experimental evaluation",
//     Optimization Methods and Software 30(1), 2015.
//   - Bonneel, van de Panne, Paris, Heidrich, "Displacement interpolation
//     using Lagrangian mass transport", ACM SIGGRAPH Asia, 2011.
package lp
