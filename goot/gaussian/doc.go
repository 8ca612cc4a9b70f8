// Package gaussian computes optimal transport between Gaussian measures in
// closed form: the Bures and Bures–Wasserstein distances, the Monge map
// between two Gaussians, the Bures–Wasserstein barycenter, the Riemannian
// logarithm, exponential and geodesics of the Bures–Wasserstein metric on
// positive semi-definite matrices, the generalised Bures–Wasserstein metric
// and its matrix-power deformation, and W₂ between the Gaussian fits of two
// sample batches. It is the Go side of POT's ot.gaussian.
//
// For N(m₁, Σ₁) and N(m₂, Σ₂) (Peyré & Cuturi, "Computational Optimal
// Transport", 2019, Remark 2.31):
//
//	W₂²  = ‖m₁ − m₂‖² + B²(Σ₁, Σ₂),
//	B²   = tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}.
//
// Matrices are d×d, row-major, and batches of them are stored one after the
// other (a C-ordered numpy array of shape (n, d, d)).
//
// # Numerical policy
//
// Every matrix function goes through a symmetric eigendecomposition
// (gonum's LAPACK Dsyev, the routine behind mat.EigenSym, called directly so
// that each goroutine reuses its buffers instead of allocating per matrix).
// Inputs are checked, not trusted:
//
//   - a covariance must be symmetric to within SymmetryTol relative to its
//     largest entry (it is then symmetrised by averaging the two triangles);
//   - its smallest eigenvalue must be at least −PSDTol times its largest
//     one; eigenvalues between −PSDTol·λ_max and 0 are round-off (float32
//     covariances produce them) and are set to 0 before any square root,
//     so no result is ever NaN or complex;
//   - inverse square roots are pseudo-inverses: eigenvalues at or below
//     d·ε·λ_max are treated as 0 and inverted as 0, so a singular covariance
//     gives the map on its support instead of Inf.
//
// No regularisation is added unless the caller asks for it (the reg argument
// of the sample-based functions).
//
// Batched functions run in parallel over pairs with goot.ParallelFor, one
// workspace per goroutine and no allocation inside the loops over pairs.
package gaussian
