// Package unbalanced solves entropic unbalanced optimal transport, the
// problems behind POT's ot.unbalanced module:
//
//	min_{P ≥ 0} <P, M> + reg·KL(P | c) + regA·KL(P 1 | a) + regB·KL(Pᵀ1 | b)
//
// with KL(x | y) = Σ x log(x/y) - x + y the generalised Kullback–Leibler
// divergence and c the reference measure (a bᵀ for POT's reg_type="kl", the
// all-ones matrix for reg_type="entropy", or a given matrix). The marginal
// weights regA and regB may be +Inf, which makes that marginal a hard
// constraint (regA = regB = +Inf is balanced entropic OT).
//
// The solution has the form P_ij = exp(f_i + L_ij + g_j) with the log
// kernel L = -M/reg + log c; f and g are the log-scalings (POT's logu and
// logv). Three methods reproduce the iterate sequence and stopping rule of
// the POT function of the same name:
//
//   - Knopp (sinkhorn_knopp_unbalanced): the scaling iteration of Chizat
//     et al., u = (a / K v)^{regA/(regA+reg)}, v = (b / Kᵀu)^{regB/(regB+reg)},
//     run on log-scalings so that it neither under- nor overflows whatever
//     M/reg is (see logSolver).
//   - TranslationInvariant (sinkhorn_unbalanced_translation_invariant): the
//     same iteration followed by the optimal translation of the potentials
//     (Séjourné et al.), also on log-scalings. As in POT 0.9.7, its fixed
//     point differs from Knopp's when regA ≠ regB (POT's exponents of the
//     translation are used as they are, for parity).
//   - Stabilized (sinkhorn_stabilized_unbalanced): POT's scaling iteration
//     with absorption of large scalings into dual potentials, kept in the
//     scaling domain with POT's quirks (an absorption resets v to 1), so
//     that its iterates are POT's.
//
// Several histograms b (m×k) are solved at once as POT does, with the kernel
// exp(-M/reg) (reference c = 1) and one stopping rule for all of them.
//
// Special cases: a zero weight gives a zero row or column of the plan
// (log-scaling -Inf); a cost of +Inf forbids a pair (the plan is exactly 0
// there and 0·Inf counts 0 in the costs); a row or column of positive
// weight with no admissible pair is an error.
//
// References:
//   - Chizat, Peyré, Schmitzer, Vialard, "Scaling algorithms for unbalanced
//     optimal transport problems", Mathematics of Computation 87(314), 2018.
//   - Frogner, Zhang, Mobahi, Araya-Polo, Poggio, "Learning with a
//     Wasserstein loss", NeurIPS, 2015.
//   - Séjourné, Vialard, Peyré, "Faster unbalanced optimal transport:
//     translation invariant Sinkhorn and 1-D Frank-Wolfe", AISTATS, 2022.
package unbalanced
