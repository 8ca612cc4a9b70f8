// Package bregman solves entropic optimal transport, the problems behind
// POT's ot.bregman module:
//
//	min_P <P, M> - reg·H(P)  subject to  P 1 = a,  Pᵀ 1 = b,  P ≥ 0,
//
// with H(P) = -Σ P_ij (log P_ij - 1). The solution has the form
// P_ij = u_i K_ij v_j with K = exp(-M/reg): u and v are the scalings, and
// f = log u, g = log v the log-scalings (the dual potentials divided by reg).
//
// Every solver reproduces the iterate sequence and stopping rule of the POT
// method of the same name, so that plans agree with POT's to rounding:
//
//   - Sinkhorn: Sinkhorn–Knopp on the kernel K, one fused pass over K per
//     iteration (u from K v while each row is in cache, then Kᵀu); it
//     switches to the log domain when the kernel underflows.
//   - SinkhornLog: the same iteration on log-scalings, with a shifted
//     log-sum-exp that cannot underflow (costs ~1e3 with reg 1, reg 1e-4).
//   - SinkhornStabilized: scalings absorbed into dual potentials when they
//     exceed Options.Tau.
//   - SinkhornEpsilonScaling: stabilized solves along a decreasing reg.
//   - Greenkhorn: greedy coordinate updates, one row or column at a time.
//
// Work is split over GOMAXPROCS goroutines in fixed row blocks (so results
// do not depend on scheduling); the iterations allocate nothing.
//
// Special cases: zero weights give zero rows or columns of the plan (their
// log-scalings are -Inf); a cost of +Inf forbids a pair (the plan is exactly
// 0 there and the cost counts 0·Inf as 0); a row or column of positive
// weight whose costs are all +Inf is an error.
//
// References:
//   - Cuturi, "Sinkhorn distances: lightspeed computation of optimal
//     transport", NeurIPS, 2013.
//   - Schmitzer, "Stabilized sparse scaling algorithms for entropy
//     regularized transport problems", SIAM J. Sci. Comput. 41(3), 2019.
//   - Altschuler, Weed, Rigollet, "Near-linear time approximation algorithms
//     for optimal transport via Sinkhorn iteration", NeurIPS, 2017.
//   - Peyré, Cuturi, "Computational optimal transport", Foundations and
//     Trends in Machine Learning 11(5-6), 2019.
package bregman
