package lp

import "math"

// findEntering picks the entering arc by block search (Kovács 2015, §4.2):
// it prices arcs in row-major order from where the last search stopped, and
// at the end of each block of s.block arcs takes the most negative reduced
// cost seen so far, if any. It returns the arc i→j and its reduced cost
// (dk, d), or ok = false when no arc prices below -eps: the tree is optimal.
func (s *simplex) findEntering() (i, j int, d float64, dk int, ok bool) {
	if s.infTree > 0 {
		return s.findEnteringLex()
	}
	n, m := s.n, s.m
	piRow, piCol := s.pi[:n], s.pi[n:n+m]
	best, bi, bj := -s.eps, -1, -1
	r, c := s.nextRow, s.nextCol
	left := s.block // arcs still to price in this block
	for scanned := 0; scanned < n*m; {
		end := min(m, c+left)
		if pr := piRow[r]; !math.IsInf(pr, 1) {
			row := s.M[r*m+c : r*m+end]
			col := piCol[c:end]
			col = col[:len(row)]
			best, bi, bj = priceRow(row, col, pr, best, bi, bj, r, c)
		}
		scanned += end - c
		left -= end - c
		if c = end; c == m {
			c = 0
			if r++; r == n {
				r = 0
			}
		}
		if left == 0 {
			if bi >= 0 {
				break
			}
			left = s.block
		}
	}
	s.nextRow, s.nextCol = r, c
	return bi, bj, best, 0, bi >= 0
}

// findEnteringLex is findEntering for a tree that holds forbidden arcs: the
// reduced cost of i→j is the pair (k_ij + piK_i - piK_j, c_ij + pi_i - pi_j),
// compared lexicographically, where a forbidden arc costs (1, 0).
func (s *simplex) findEnteringLex() (i, j int, d float64, dk int, ok bool) {
	n, m := s.n, s.m
	bestK, best, bi, bj := 0, -s.eps, -1, -1
	r, c := s.nextRow, s.nextCol
	left := s.block
	for scanned := 0; scanned < n*m; scanned++ {
		if pr := s.pi[r]; !math.IsInf(pr, 1) && !math.IsInf(s.pi[n+c], -1) {
			cost, k := s.M[r*m+c], 0
			if math.IsInf(cost, 1) {
				cost, k = 0, 1
			}
			rk := k + s.piK[r] - s.piK[n+c]
			rc := cost + pr - s.pi[n+c]
			if rk < bestK || rk == bestK && rc < best {
				bestK, best, bi, bj = rk, rc, r, c
			}
		}
		if c++; c == m {
			c = 0
			if r++; r == n {
				r = 0
			}
		}
		if left--; left == 0 {
			if bi >= 0 {
				break
			}
			left = s.block
		}
	}
	s.nextRow, s.nextCol = r, c
	return bi, bj, best, bestK, bi >= 0
}

// priceRow prices the arcs from source r to sinks c, c+1, ... (costs row,
// sink potentials col, source potential pr) and returns the best arc so far.
// Four reduced costs are formed before one combined test: a new best is
// rare, so the branch is almost never taken and the loop runs at the speed
// of its loads.
func priceRow(row, col []float64, pr, best float64, bi, bj, r, c int) (float64, int, int) {
	col = col[:len(row)]
	k := 0
	for ; k+4 <= len(row); k += 4 {
		r0 := row[k] + pr - col[k]
		r1 := row[k+1] + pr - col[k+1]
		r2 := row[k+2] + pr - col[k+2]
		r3 := row[k+3] + pr - col[k+3]
		if r0 < best || r1 < best || r2 < best || r3 < best {
			for q := k; q < k+4; q++ {
				if rc := row[q] + pr - col[q]; rc < best {
					best, bi, bj = rc, r, c+q
				}
			}
		}
	}
	for ; k < len(row); k++ {
		if rc := row[k] + pr - col[k]; rc < best {
			best, bi, bj = rc, r, c+k
		}
	}
	return best, bi, bj
}

// findEnteringFine scans every arc once with the potentials recomputed from
// the tree and a tolerance of each arc's own (simplexFineTol) and returns the
// most negative reduced cost found, if any. It runs only when the block
// search finds nothing, so it costs one pass over M per verification.
func (s *simplex) findEnteringFine() (i, j int, d float64, ok bool) {
	s.recomputePotentials()
	n, m := s.n, s.m
	piCol := s.pi[n : n+m]
	best, bi, bj := 0.0, -1, -1
	for r := range n {
		pr := s.pi[r]
		if math.IsInf(pr, 0) {
			continue // zero-weight source: outside the tree
		}
		for c, cost := range s.M[r*m : r*m+m] {
			rc := cost + pr - piCol[c] // +Inf for forbidden arcs and inactive sinks
			if rc < best && rc < -simplexFineTol*(math.Abs(cost)+math.Abs(pr)+math.Abs(piCol[c])) {
				best, bi, bj = rc, r, c
			}
		}
	}
	return bi, bj, best, bi >= 0
}
