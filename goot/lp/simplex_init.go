package lp

import (
	"cmp"
	"math"
	"slices"
)

// initTree builds a strongly feasible starting tree. A greedy pass (each
// source ships to its cheapest sinks that still want mass) gives a
// feasible flow whose arcs form a forest: every shipment exhausts its source
// or its sink, which then receives no other arc, so no cycle can close. Each
// tree of the forest is balanced and carries positive flow on all its arcs;
// an artificial zero-flow arc anchor→root joins it to the root. Starting
// from the cheap greedy flow instead of an all-artificial basis saves most
// of the pivots of a cold start.
func (s *simplex) initTree() {
	arcs := s.greedyForest()
	s.buildAdjacency(arcs)

	// Walk each tree of the forest depth-first, recording the preorder walk,
	// the parents, the flows and the potentials that make tree arcs tight.
	n, root := s.n, s.root
	parent, thread, rev := s.parent, s.thread, s.revThread
	for v := range parent {
		parent[v] = -1
	}
	s.infTree = 0
	prev := root
	for anchor := range root {
		if parent[anchor] >= 0 || !s.active(anchor) {
			continue
		}
		parent[anchor], s.flow[anchor], s.pi[anchor], s.piK[anchor] = root, 0, 0, 0
		stack := append(s.stack[:0], anchor)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			treeLink(thread, rev, prev, v)
			prev = v
			for _, e := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
				w := s.arcI[e]
				if w == v {
					w = n + s.arcJ[e]
				}
				if w == parent[v] {
					continue
				}
				parent[w], s.flow[w] = v, s.arcF[e]
				s.setPotential(w)
				stack = append(stack, w)
			}
		}
	}
	treeLink(thread, rev, prev, root)
	parent[root], s.pi[root], s.piK[root] = -1, 0, 0
	s.computeSubtrees()

	// Inactive (zero-weight) nodes are outside the tree; their potentials
	// make every arc at them price to +Inf so that none ever enters.
	for v := range root {
		if !s.active(v) {
			s.pi[v], s.piK[v] = math.Inf(1), 0
			if v >= n {
				s.pi[v] = math.Inf(-1)
			}
		}
	}
}

// active reports whether node v has a nonzero weight.
func (s *simplex) active(v int) bool {
	if v < s.n {
		return s.a[v] > 0
	}
	return s.b[v-s.n] > 0
}

// greedyForest builds a feasible flow greedily and returns the number of
// arcs used (stored in arcI, arcJ, arcF). The longer side chooses: when
// there are at least as many sources as sinks each source ships to its
// cheapest sinks still short of mass, otherwise each sink pulls from its
// cheapest sources with mass left. Each shipment scans the other side, so
// this costs O((n+m)·min(n, m)); letting the short side choose would cost
// O((n+m)·max(n, m)), which made 2×40000 problems take seconds.
// Forbidden pairs are used only when nothing else is left.
//
// The choosers go in increasing order of their cheapest cost: on 2-D clouds
// this start needs ~25% fewer pivots than serving them by index, although
// its own cost is higher (measured at n = 2000: 54.6k vs 74.5k).
func (s *simplex) greedyForest() int {
	copy(s.ra, s.a)
	copy(s.rb, s.b)
	if s.n >= s.m {
		return s.greedy(s.n, s.m, s.ra, s.rb, false)
	}
	return s.greedy(s.m, s.n, s.rb, s.ra, true)
}

// greedy serves the k choosers (mass left in own) from the l others (mass
// left in other). Choosers are sources, or sinks if swapped.
func (s *simplex) greedy(k, l int, own, other []float64, swapped bool) int {
	order, key := s.greedyOrder[:k], s.greedyKey[:k]
	for c := range k {
		order[c], key[c] = c, s.greedyPriority(c, swapped)
	}
	slices.SortFunc(order, func(p, q int) int { return cmp.Compare(key[p], key[q]) })

	arcs := 0
	for _, c := range order {
		for own[c] > 0 {
			o := s.cheapestIndex(c, swapped, other)
			if o < 0 || arcs == len(s.arcI) {
				break // only rounding crumbs of mass are left
			}
			f := min(own[c], other[o])
			own[c] -= f
			other[o] -= f
			i, j := c, o
			if swapped {
				i, j = o, c
			}
			s.arcI[arcs], s.arcJ[arcs], s.arcF[arcs] = i, j, f
			arcs++
		}
	}
	return arcs
}

// greedyPriority orders the choosers: smallest first. With few others to
// choose from (l ≤ greedyRegretMax) a chooser's priority is minus its regret,
// the gap between its two cheapest options (Vogel's rule), so that choosers
// that lose most by not getting their first choice go first; this makes the
// start of 2×m problems nearly optimal. Otherwise it is the cheapest cost,
// which measured better on square point clouds.
func (s *simplex) greedyPriority(c int, swapped bool) float64 {
	l := s.m
	if swapped {
		l = s.n
	}
	if l > greedyRegretMax || l < 2 {
		return s.cheapest(c, swapped, nil)
	}
	first, second := math.Inf(1), math.Inf(1)
	for o := range l {
		var cost float64
		if swapped {
			cost = s.M[o*s.m+c]
		} else {
			cost = s.M[c*s.m+o]
		}
		if cost < first {
			first, second = cost, first
		} else if cost < second {
			second = cost
		}
	}
	if math.IsInf(second, 1) {
		return math.Inf(-1) // one admissible option: take it first
	}
	return first - second
}

// greedyRegretMax is the largest number of options for which the greedy
// orders choosers by regret.
const greedyRegretMax = 64

// cheapest returns the smallest cost of chooser c (row c of M, or column c
// if swapped) over the others with mass left (all others if left is nil).
func (s *simplex) cheapest(c int, swapped bool, left []float64) float64 {
	o := s.cheapestIndex(c, swapped, left)
	if o < 0 {
		return math.Inf(1)
	}
	if swapped {
		return s.M[o*s.m+c]
	}
	return s.M[c*s.m+o]
}

// cheapestIndex is the index of the other side that cheapest finds (-1 if
// none has mass left). A row is scanned as a slice, a column with stride m.
func (s *simplex) cheapestIndex(c int, swapped bool, left []float64) int {
	best, bo := math.Inf(1), -1
	if !swapped {
		for o, cost := range s.M[c*s.m : c*s.m+s.m] {
			if (left == nil || left[o] > 0) && (bo < 0 || cost < best) {
				best, bo = cost, o
			}
		}
		return bo
	}
	for o := range s.n {
		cost := s.M[o*s.m+c]
		if (left == nil || left[o] > 0) && (bo < 0 || cost < best) {
			best, bo = cost, o
		}
	}
	return bo
}

// buildAdjacency lists the arcs at each node (compressed rows).
func (s *simplex) buildAdjacency(arcs int) {
	n, start := s.n, s.adjStart
	clear(start)
	for e := range arcs {
		start[s.arcI[e]+1]++
		start[n+s.arcJ[e]+1]++
	}
	for v := 1; v < len(start); v++ {
		start[v] += start[v-1]
	}
	fill := s.stack[:len(start)-1]
	copy(fill, start)
	for e := range arcs {
		i, j := s.arcI[e], n+s.arcJ[e]
		s.adj[fill[i]] = e
		fill[i]++
		s.adj[fill[j]] = e
		fill[j]++
	}
}

// setPotential makes the tree arc of v tight: pi_j = M_ij + pi_i.
func (s *simplex) setPotential(v int) {
	p := s.parent[v]
	if p == s.root {
		s.pi[v], s.piK[v] = 0, 0
		return
	}
	c, k := s.arcCost(v), 0
	if math.IsInf(c, 1) {
		c, k = 0, 1
		s.infTree++
	}
	if v < s.n {
		c, k = -c, -k
	}
	s.pi[v], s.piK[v] = s.pi[p]+c, s.piK[p]+k
}

// computeSubtrees sets succNum and lastSucc from the preorder walk: walking
// it backwards, every node is met after all of its descendants, and the
// first child of p met is p's last child.
func (s *simplex) computeSubtrees() {
	root := s.root
	for v := s.revThread[root]; ; v = s.revThread[v] {
		s.succNum[v], s.lastSucc[v] = 1, v
		if v == root {
			break
		}
	}
	for v := s.revThread[root]; v != root; v = s.revThread[v] {
		p := s.parent[v]
		s.succNum[p] += s.succNum[v]
		if s.lastSucc[p] == p {
			s.lastSucc[p] = s.lastSucc[v]
		}
	}
}

// recomputePotentials sets the potentials again from the tree alone, in
// preorder, which removes the rounding that the pivots' shifts accumulate.
// Forbidden arcs count as cost 0 here; only the ordinary part is returned.
func (s *simplex) recomputePotentials() {
	for v := s.thread[s.root]; v != s.root; v = s.thread[v] {
		p := s.parent[v]
		if p == s.root {
			s.pi[v] = 0
			continue
		}
		c := s.arcCost(v)
		if math.IsInf(c, 1) {
			c = 0
		}
		if v < s.n {
			c = -c
		}
		s.pi[v] = s.pi[p] + c
	}
}

// recomputeFlows sets the flow of every tree arc again from the supplies
// alone: the arc above v carries the net supply of v's subtree. Pivots
// update flows by adding and subtracting, which leaves rounding of ~1e-13
// in the marginals of large degenerate problems. The subtree sums here are
// compensated (Neumaier), so each marginal is restored to a few ulps of
// the total mass. A tiny negative result of a degenerate (zero-flow) arc is
// clamped to 0.
func (s *simplex) recomputeFlows() {
	sum, comp := s.arcF, s.flowComp // arcF is free after initTree
	for v := s.revThread[s.root]; v != s.root; v = s.revThread[v] {
		sum[v], comp[v] = 0, 0
	}
	for v := s.revThread[s.root]; v != s.root; v = s.revThread[v] {
		if v < s.n {
			neumaierAdd(&sum[v], &comp[v], s.a[v])
		} else {
			neumaierAdd(&sum[v], &comp[v], -s.b[v-s.n])
		}
		net := sum[v] + comp[v]
		p := s.parent[v]
		if p == s.root {
			s.flow[v] = 0 // artificial arc: no feasible flow uses it
			continue
		}
		neumaierAdd(&sum[p], &comp[p], sum[v])
		neumaierAdd(&sum[p], &comp[p], comp[v])
		if !s.up(v) {
			net = -net
		}
		s.flow[v] = max(net, 0)
	}
}

// neumaierAdd adds x to the compensated sum (sum, comp).
func neumaierAdd(sum, comp *float64, x float64) {
	t := *sum + x
	if math.Abs(*sum) >= math.Abs(x) {
		*comp += (*sum - t) + x
	} else {
		*comp += (x - t) + *sum
	}
	*sum = t
}
