package lp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// checkTree verifies the preorder walk, subtree sizes and last successors,
// the flow balance and the tightness of tree arcs.
func checkTree(s *simplex) error {
	root := s.root
	// preorder walk visits every tree node once, starting at root
	seen := 0
	order := map[int]int{}
	for v := root; ; {
		order[v] = seen
		seen++
		if s.revThread[s.thread[v]] != v {
			return fmt.Errorf("rev thread broken at %d", v)
		}
		v = s.thread[v]
		if v == root {
			break
		}
		if seen > root+1 {
			return fmt.Errorf("thread loops")
		}
	}
	for v := range root {
		if s.parent[v] < 0 {
			continue
		}
		if _, ok := order[v]; !ok {
			return fmt.Errorf("node %d not in walk", v)
		}
	}
	// subtree sizes, last succ: subtree of v = walk from v of succNum nodes, all descendants
	for v := range order {
		cnt := 0
		last := v
		for w := v; cnt < s.succNum[v]; w = s.thread[w] {
			// w must be descendant of v
			x := w
			for x != v && x >= 0 {
				x = s.parent[x]
			}
			if x != v {
				return fmt.Errorf("node %d in walk of %d not descendant", w, v)
			}
			last = w
			cnt++
		}
		if last != s.lastSucc[v] {
			return fmt.Errorf("lastSucc[%d]=%d want %d", v, s.lastSucc[v], last)
		}
		nx := s.thread[last]
		x := nx
		for x != v && x >= 0 {
			x = s.parent[x]
		}
		if x == v && nx != v {
			return fmt.Errorf("subtree of %d larger than succNum %d", v, s.succNum[v])
		}
	}
	// flow balance and tightness
	bal := make([]float64, root)
	for v := range root {
		p := s.parent[v]
		if p < 0 || p == root {
			if p == root && s.flow[v] != 0 {
				return fmt.Errorf("artificial arc %d has flow %g", v, s.flow[v])
			}
			continue
		}
		if s.flow[v] < 0 {
			return fmt.Errorf("negative flow at %d", v)
		}
		i, j := v, p
		if v >= s.n {
			i, j = p, v
		}
		bal[i] += s.flow[v]
		bal[j] += s.flow[v]
		c := s.M[i*s.m+j-s.n]
		if !math.IsInf(c, 1) {
			rc := c + s.pi[i] - s.pi[j]
			if math.Abs(rc) > 1e-9 {
				return fmt.Errorf("tree arc (%d,%d) reduced cost %g", i, j-s.n, rc)
			}
		}
		// strongly feasible: zero-flow arcs point towards the root
		if s.flow[v] == 0 && !s.up(v) {
			return fmt.Errorf("zero-flow arc at %d points down", v)
		}
	}
	for i := range s.n {
		if s.a[i] > 0 && math.Abs(bal[i]-s.a[i]) > 1e-9 {
			return fmt.Errorf("source %d ships %g want %g", i, bal[i], s.a[i])
		}
	}
	for j := range s.m {
		if s.b[j] > 0 && math.Abs(bal[s.n+j]-s.b[j]) > 1e-9 {
			return fmt.Errorf("sink %d gets %g want %g", j, bal[s.n+j], s.b[j])
		}
	}
	return nil
}

func TestTreeInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n, m := 1+rng.IntN(12), 1+rng.IntN(12)
		a := make([]float64, n)
		b := make([]float64, m)
		for i := range a {
			if rng.IntN(5) > 0 {
				a[i] = float64(1 + rng.IntN(3))
			}
		}
		for j := range b {
			if rng.IntN(5) > 0 {
				b[j] = float64(1 + rng.IntN(3))
			}
		}
		sa, sb := emdSum(a), emdSum(b)
		if sa == 0 || sb == 0 {
			continue
		}
		for j := range b {
			b[j] *= sa / sb
		}
		M := make([]float64, n*m)
		for e := range M {
			M[e] = float64(rng.IntN(4))
			if trial%3 == 0 && rng.IntN(6) == 0 {
				M[e] = math.Inf(1)
			}
		}
		s := newSimplex(n, m)
		s.a, s.M = a, M
		copy(s.b, b)
		s.eps = 1e-12
		s.initTree()
		if err := checkTree(s); err != nil {
			t.Fatalf("trial %d init: %v", trial, err)
		}
		for it := 0; it < 10000; it++ {
			i, j, d, dk, ok := s.findEntering()
			if !ok {
				if s.infTree == 0 {
					break
				}
				if !s.dropForbidden() {
					break
				}
				if err := checkTree(s); err != nil {
					t.Fatalf("trial %d drop: %v", trial, err)
				}
				continue
			}
			s.pivot(i, j, d, dk)
			if s.infTree == 0 {
				if err := checkTree(s); err != nil {
					t.Fatalf("trial %d pivot %d: %v", trial, it, err)
				}
			}
			if it == 9999 {
				t.Fatalf("trial %d: no termination", trial)
			}
		}
	}
}
