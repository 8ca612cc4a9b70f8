package lp

import (
	"math"

	"github.com/goot-ot/goot/goot"
)

// This file holds the network simplex on the implicit complete bipartite
// graph of a transportation problem (Ahuja, Magnanti and Orlin, "Network
// Flows", 1993, ch. 11; Kovács, "Minimum-cost flow algorithms: an
// experimental evaluation", Optimization Methods and Software, 2015).
//
// Nodes are numbered by their original index: source i is node i, sink j is
// node n+j and the root is node n+m. The n·m transport arcs i→j are implicit
// (arc (i, j) costs M[i*m+j]); since the problem has no capacities, an arc
// outside the spanning tree always carries zero flow, so only the tree is
// stored, each arc at the node below it. Besides the transport arcs the
// tree may use artificial arcs v→root of cost 0. They all point into the
// root, which has zero supply, so no feasible flow can use them: they only
// join the components of the initial forest into one tree and leave it as
// the simplex merges those components.
//
// A cost of +Inf (a forbidden pair) is the pair (1, 0) in a lexicographic
// big-M scheme: the first component counts "infinite" units and the second
// is the ordinary cost. Potentials and reduced costs are pairs too. While no
// forbidden arc is in the tree every potential has a zero first component,
// and pricing uses the scalar reduced cost alone, in which a forbidden arc
// costs +Inf and never enters.

// simplexCostTol is the relative tolerance below which a negative reduced
// cost counts as zero. Potentials are sums of up to n+m costs, so the
// reduced cost of an optimal basis is a few ulps of the cost scale away from
// zero; 1e-14 is ~50 ulps (POT's solver uses a comparable 2.2e-15).
const simplexCostTol = 1e-14

// simplexFineTol is the relative tolerance of the final verification scan: a
// reduced cost c + pi_i - pi_j counts as negative only below -1e-13 times
// |c| + |pi_i| + |pi_j|, a few hundred ulps of what it is computed from. The
// block search uses the coarser simplexCostTol · max|M|, which is cheaper but
// misses improving arcs when costs span many orders of magnitude (a 1e12
// penalty next to costs of 1e-3).
const simplexFineTol = 1e-13

// simplexForbiddenTol is the flow (relative to the total mass) that a
// forbidden arc may keep at the lexicographic optimum without making the
// problem infeasible: rounding of the rescaled weights leaves crumbs of
// ~1e-16. Such crumbs are dropped, so the marginals hold to this tolerance.
const simplexForbiddenTol = 1e-12

// simplex is the workspace of one solve. It is sized for n sources and m
// sinks and can be reused for other weights and costs of the same sizes.
type simplex struct {
	n, m int       // sources and sinks, zero-weight ones included
	root int       // node n+m
	M    []float64 // n×m costs, row-major; never written
	a, b []float64 // supplies and demands (b rescaled to a's mass)
	eps  float64   // absolute reduced-cost tolerance

	// Spanning tree, indexed by node. The tree arc of node v joins v and
	// parent[v]; it is a transport arc v→parent (v a source, parent a sink),
	// parent→v (v a sink), or an artificial arc v→root.
	parent    []int
	thread    []int     // successor in a preorder walk of the tree (cyclic)
	revThread []int     // predecessor in that walk
	succNum   []int     // size of the subtree of v, v included
	lastSucc  []int     // last node of the subtree of v in the preorder walk
	flow      []float64 // flow on the tree arc of v
	flowComp  []float64 // compensation terms of recomputeFlows
	pi        []float64 // potential: reduced cost of i→j is M_ij + pi_i - pi_j
	piK       []int     // "infinite" part of the potential (lexicographic)
	infTree   int       // forbidden arcs in the tree; > 0 means piK matters

	// Stem buffers of updateTree: the path from the entering node up to the
	// leaving one with the old preorder data of each stem node.
	stem, stemLast, stemRev, stemAfter []int

	// Initial forest: arcs, residual weights, adjacency (CSR) and DFS stack.
	arcI, arcJ  []int
	arcF        []float64
	ra, rb      []float64
	greedyOrder []int     // choosers in the order the greedy serves them
	greedyKey   []float64 // cheapest cost of each chooser
	adjStart    []int
	adj         []int
	stack       []int

	// Block-search pricing state.
	block            int // arcs priced before the best candidate is taken
	nextRow, nextCol int // where the next pricing round starts
	iter             int // pivots performed
}

func newSimplex(n, m int) *simplex {
	// Two slabs, carved into the arrays below: three allocations instead of
	// twenty, which is most of the cost of a small solve.
	nodes := n + m + 1
	ints := make([]int, 16*nodes+1+max(n, m))
	floats := make([]float64, 4*nodes+2*m+n+max(n, m))
	nextInts := func(k int) []int {
		s := ints[:k:k]
		ints = ints[k:]
		return s
	}
	nextFloats := func(k int) []float64 {
		s := floats[:k:k]
		floats = floats[k:]
		return s
	}
	s := &simplex{
		n: n, m: m, root: n + m,
		b:      nextFloats(m),
		parent: nextInts(nodes), thread: nextInts(nodes), revThread: nextInts(nodes),
		succNum: nextInts(nodes), lastSucc: nextInts(nodes),
		flow: nextFloats(nodes), pi: nextFloats(nodes), piK: nextInts(nodes),
		stem: nextInts(nodes), stemLast: nextInts(nodes), stemRev: nextInts(nodes),
		stemAfter: nextInts(nodes),
		arcI:      nextInts(nodes), arcJ: nextInts(nodes), arcF: nextFloats(nodes),
		flowComp: nextFloats(nodes),
		ra:       nextFloats(n), rb: nextFloats(m),
		greedyOrder: nextInts(max(n, m)), greedyKey: nextFloats(max(n, m)),
		adjStart: nextInts(nodes + 1), adj: nextInts(2 * nodes), stack: nextInts(nodes),
	}
	// Half of LEMON's √(n·m): more pivots, but each prices fewer arcs;
	// 5-8% faster on 2-D clouds at n = 2000 and 4000 (same-run A/B).
	s.block = max(10, int(0.5*math.Sqrt(float64(n)*float64(m))))
	return s
}

// solve runs the simplex on supplies a, demands b (same mass up to rounding)
// and costs M of maximal finite magnitude scale. It returns the status and
// leaves the optimal tree in s.
func (s *simplex) solve(a, b, M []float64, scale float64, maxIter int) goot.Status {
	s.a, s.M = a, M
	copy(s.b, b)
	s.eps = simplexCostTol * scale
	s.iter, s.nextRow, s.nextCol = 0, 0, 0
	s.initTree()
	fineRounds := 0 // verification scans that found an entering arc

	for {
		// Find entering arc: a transport arc of negative reduced cost.
		i, j, d, dk, ok := s.findEntering()
		if !ok && s.infTree == 0 && fineRounds < s.n+s.m {
			// Verify with each arc's own tolerance before declaring optimality.
			fineRounds++
			i, j, d, ok = s.findEnteringFine()
		}
		if !ok {
			if s.infTree == 0 {
				return goot.Optimal
			}
			// Lexicographically optimal with forbidden arcs in the tree:
			// infeasible if they carry flow, otherwise swap them out and
			// go on with scalar pricing.
			if !s.dropForbidden() {
				return goot.Infeasible
			}
			continue
		}
		if maxIter > 0 && s.iter >= maxIter {
			return goot.IterationLimit
		}
		if !s.pivot(i, j, d, dk) {
			return goot.Unbounded // unreachable: every cycle has a backward arc
		}
		s.iter++
	}
}

// pivot brings arc i→j of reduced cost (dk, d) into the tree. It reports
// false if the cycle has no blocking arc (an unbounded problem).
func (s *simplex) pivot(i, j int, d float64, dk int) bool {
	first, second := i, s.n+j

	// Find join: the apex of the cycle that the arc closes with the tree.
	join := s.findJoin(first, second)

	// Find leaving arc (strongly feasible rule) and the flow to push.
	uOut, delta, onFirst := s.findLeaving(first, second, join)
	if uOut < 0 {
		return false
	}

	// Update flow around the cycle.
	if delta > 0 {
		s.changeFlow(first, second, join, delta)
	}

	// Update tree: the subtree cut off by the leaving arc is hung below the
	// entering arc, re-rooted at the entering arc's endpoint in it.
	uIn, vIn := second, first
	if onFirst {
		uIn, vIn = first, second
	}
	if s.isForbidden(uOut) {
		s.infTree--
	}
	if math.IsInf(s.M[i*s.m+j], 1) {
		s.infTree++
	}
	s.updateTree(uIn, vIn, uOut, join, delta)

	// Update potentials of the moved subtree so that the entering arc has a
	// zero reduced cost: pi_j = M_ij + pi_i.
	if uIn == second {
		s.shiftPotentials(uIn, d, dk)
	} else {
		s.shiftPotentials(uIn, -d, -dk)
	}
	return true
}

// up reports whether the tree arc of node v points to its parent: v is a
// source (its parent is a sink) or the arc is artificial.
func (s *simplex) up(v int) bool { return v < s.n || s.parent[v] == s.root }

// isForbidden reports whether the tree arc of node v has cost +Inf.
func (s *simplex) isForbidden(v int) bool { return math.IsInf(s.arcCost(v), 1) }

// arcCost is the cost of the tree arc of node v (0 for an artificial arc).
func (s *simplex) arcCost(v int) float64 {
	p := s.parent[v]
	switch {
	case p == s.root:
		return 0
	case v < s.n:
		return s.M[v*s.m+p-s.n]
	}
	return s.M[p*s.m+v-s.n]
}

// findJoin returns the nearest common ancestor of u and v. A node's subtree
// is larger than any of its descendants', so the smaller side climbs.
func (s *simplex) findJoin(u, v int) int {
	for u != v {
		if s.succNum[u] < s.succNum[v] {
			u = s.parent[u]
		} else {
			v = s.parent[v]
		}
	}
	return u
}

// findLeaving returns the node whose tree arc leaves, the flow delta pushed
// around the cycle, and whether that node lies on the path from first.
//
// Flow goes first→second, up from second to join and down from join to
// first, so the arcs that lose flow are the up arcs on first's side and the
// down arcs on second's side. Of the arcs that block, the last one met when
// walking the cycle from the join in that direction leaves; this keeps the
// tree strongly feasible (every zero-flow arc points towards the root, so
// positive flow can be sent from any node to the root), and degenerate
// pivots cannot cycle (Ahuja, Magnanti and Orlin, §11.5). Hence
// the strict comparison on first's side (walked against the cycle) and the
// loose one on second's side (walked along it).
func (s *simplex) findLeaving(first, second, join int) (uOut int, delta float64, onFirst bool) {
	parent, flow := s.parent, s.flow
	uOut, delta = -1, math.Inf(1)
	for u := first; u != join; u = parent[u] {
		if s.up(u) && flow[u] < delta {
			uOut, delta, onFirst = u, flow[u], true
		}
	}
	for u := second; u != join; u = parent[u] {
		if !s.up(u) && flow[u] <= delta {
			uOut, delta, onFirst = u, flow[u], false
		}
	}
	return uOut, delta, onFirst
}

// changeFlow pushes delta around the cycle closed by first→second.
func (s *simplex) changeFlow(first, second, join int, delta float64) {
	parent, flow := s.parent, s.flow
	for u := first; u != join; u = parent[u] {
		if s.up(u) {
			flow[u] -= delta
		} else {
			flow[u] += delta
		}
	}
	for u := second; u != join; u = parent[u] {
		if s.up(u) {
			flow[u] += delta
		} else {
			flow[u] -= delta
		}
	}
}

// shiftPotentials adds (dk, d) to the potentials of the subtree of v.
func (s *simplex) shiftPotentials(v int, d float64, dk int) {
	pi, thread := s.pi, s.thread
	size := s.succNum[v]
	if dk == 0 {
		for range size {
			pi[v] += d
			v = thread[v]
		}
		return
	}
	for range size {
		pi[v] += d
		s.piK[v] += dk
		v = thread[v]
	}
}

// dropForbidden replaces every forbidden tree arc by the artificial arc
// v→root once the tree is lexicographically optimal. It reports false if
// some forbidden arc carries flow: the marginals cannot be met without it.
func (s *simplex) dropForbidden() bool {
	var mass float64
	for _, w := range s.a {
		mass += w
	}
	for v := range s.root {
		if s.parent[v] < 0 || s.parent[v] == s.root || !s.isForbidden(v) {
			continue
		}
		if s.flow[v] > simplexForbiddenTol*mass {
			return false
		}
	}
	for v := range s.root {
		if s.parent[v] < 0 || s.parent[v] == s.root || !s.isForbidden(v) {
			continue
		}
		// A degenerate pivot: both arcs carry no flow. The artificial arc
		// points to the root, so the tree stays strongly feasible.
		s.updateTree(v, s.root, v, s.root, 0)
		s.shiftPotentials(v, -s.pi[v], -s.piK[v])
		s.infTree--
	}
	return true
}

// updateTree replaces the tree arc of uOut by the arc joining uIn (in the
// subtree of uOut) and vIn (outside it), which carries flow f. The subtree
// of uOut is cut from its parent, re-rooted at uIn and hung below vIn as its
// first child. join is the nearest common ancestor of uIn and vIn.
func (s *simplex) updateTree(uIn, vIn, uOut, join int, f float64) {
	parent, thread, rev := s.parent, s.thread, s.revThread
	succ, last := s.succNum, s.lastSucc
	vOut := parent[uOut]
	size := succ[uOut]
	oldLast := last[uOut]
	before, after := rev[uOut], thread[oldLast]

	// Record the stem uIn = stem[0], ..., stem[k-1] = uOut with the preorder
	// data of each stem node before anything is rewritten.
	k := 0
	for v := uIn; ; v = parent[v] {
		s.stem[k], s.stemLast[k], s.stemRev[k] = v, last[v], rev[v]
		s.stemAfter[k] = thread[last[v]]
		k++
		if v == uOut {
			break
		}
	}
	stem := s.stem[:k]

	// Cut the subtree out of the preorder walk. The ancestors of vOut whose
	// walk ended with the subtree now end just before it.
	treeLink(thread, rev, before, after)
	for w := vOut; w >= 0 && last[w] == oldLast; w = parent[w] {
		last[w] = before
	}
	for w := vOut; w != join; w = parent[w] {
		succ[w] -= size
	}

	// Re-root the subtree at uIn. Its new walk is the old walk of uIn's
	// subtree, then for each next stem node the node itself with the part
	// of its old subtree before the previous stem node and the part after
	// it: each stem node becomes the last child of the one below it.
	tail := s.stemLast[0]
	for t := 1; t < k; t++ {
		treeLink(thread, rev, tail, stem[t])
		tail = s.stemRev[t-1]
		if s.stemLast[t-1] != s.stemLast[t] {
			treeLink(thread, rev, tail, s.stemAfter[t-1])
			tail = s.stemLast[t]
		}
	}
	for t := k - 1; t > 0; t-- {
		parent[stem[t]] = stem[t-1]
		s.flow[stem[t]] = s.flow[stem[t-1]]
		succ[stem[t]] = size - succ[stem[t-1]]
		last[stem[t]] = tail
	}
	parent[uIn], s.flow[uIn], succ[uIn], last[uIn] = vIn, f, size, tail

	// Hang it below vIn, first among vIn's children.
	treeLink(thread, rev, tail, thread[vIn])
	treeLink(thread, rev, vIn, uIn)
	for w := vIn; w >= 0 && last[w] == vIn; w = parent[w] {
		last[w] = tail
	}
	for w := vIn; w != join; w = parent[w] {
		succ[w] += size
	}
}

// link makes w follow v in the preorder walk.
func treeLink(thread, rev []int, v, w int) {
	thread[v] = w
	rev[w] = v
}
