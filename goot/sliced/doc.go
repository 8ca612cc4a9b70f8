// Package sliced computes sliced optimal-transport distances, the module
// behind POT's ot.sliced: each direction θ on the unit sphere turns the two
// point clouds into two measures on the line, whose exact OT cost
// W_p^p(θ#μ, θ#ν) costs one sort per cloud.
//
// Projected solves L such 1-D problems, one per given direction, in parallel
// over the directions with one workspace per goroutine: each goroutine
// projects, sorts (goot.SortKeys) and walks one direction at a time, so the
// memory in use is O(n+m) per goroutine, never L×n. The directions come from
// the caller (goot's Python layer draws them exactly as POT does, so a seed
// reproduces POT's value). MaxAscent maximises W_p^p(θ) over the sphere by
// projected gradient ascent (max-sliced Wasserstein), SampleVMF draws von
// Mises–Fisher directions by Wood's algorithm and VMFAscent maximises the
// vMF-averaged cost over the vMF location (distributional sliced
// Wasserstein). Spherical and SphericalUniform are the spherical sliced
// Wasserstein terms of Bonet et al. (projections on great circles, OT on
// the circle by POT's binary search).
//
// References:
//   - Rabin, Peyré, Delon, Bernot, "Wasserstein barycenter and its
//     application to texture mixing", SSVM 2011.
//   - Bonneel, Rabin, Peyré, Pfister, "Sliced and Radon Wasserstein
//     barycenters of measures", J. Math. Imaging and Vision 51(1), 2015.
//   - Deshpande, Hu, Sun, Pyrros, Siddiqui, Koyejo, Zhao, Forsyth, Schwing,
//     "Max-sliced Wasserstein distance and its use for GANs", CVPR 2019.
//   - Nguyen, Nguyen, Ho, "Self-attention amortized distributional
//     projection optimization for sliced Wasserstein point-cloud
//     reconstruction", ICML 2023.
//   - Bonet, Berg, Courty, Septier, Drumetz, Pham, "Spherical
//     sliced-Wasserstein", ICLR 2023.
//   - Delon, Salomon, Sobolevski, "Fast transport optimization for Monge
//     costs on the circle", SIAM J. Appl. Math. 70(7), 2010.
//   - Wood, "Simulation of the von Mises Fisher distribution",
//     Communications in Statistics - Simulation and Computation 23(1), 1994.
package sliced
