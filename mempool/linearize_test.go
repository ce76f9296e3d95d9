package mempool

import (
	"math/rand/v2"
	"testing"
)

// randomGraph returns a random DAG of n transactions: each may spend
// earlier ones (up to three parents), with fees from 0 to 20,000 sat and
// sizes from 60 to 1,000 vB; connected when connect is set (every
// transaction after the first has a parent).
func randomGraph(rng *rand.Rand, n int, connect bool) *depGraph {
	fee, size := make([]int64, n), make([]int64, n)
	parents := make([][]int, n)
	for i := range n {
		fee[i] = rng.Int64N(20001)
		if rng.IntN(4) == 0 {
			fee[i] = rng.Int64N(200) // some parents that need a child
		}
		size[i] = 60 + rng.Int64N(941)
		if i == 0 {
			continue
		}
		k := rng.IntN(4)
		if connect && k == 0 {
			k = 1
		}
		for range k {
			p := rng.IntN(i)
			dup := false
			for _, q := range parents[i] {
				dup = dup || q == p
			}
			if !dup {
				parents[i] = append(parents[i], p)
			}
		}
	}
	return newDepGraph(fee, size, parents)
}

// diagram returns the chunks of lin as fee-rate diagram segments.
func (g *depGraph) diagram(lin []int) []feeFrac {
	var out []feeFrac
	for _, c := range chunkOrder(len(lin), func(i int) (int64, int64) {
		return g.fee[lin[i]], g.size[lin[i]]
	}) {
		out = append(out, feeFrac{c.fee, c.size})
	}
	return out
}

// checkTopological fails unless lin holds every transaction once, each
// after its ancestors.
func checkTopological(t *testing.T, g *depGraph, lin []int) {
	t.Helper()
	if len(lin) != len(g.fee) {
		t.Fatalf("linearization of %d has %d entries", len(g.fee), len(lin))
	}
	var seen uint64
	for _, i := range lin {
		if seen&(1<<i) != 0 || g.anc[i]&^(1<<i)&^seen != 0 {
			t.Fatalf("%d placed twice or before an ancestor in %v", i, lin)
		}
		seen |= 1 << i
	}
}

// below reports whether the point (size, fee) lies on or below the
// diagram d (flat past its end).
func below(d []feeFrac, size, fee int64) bool {
	var accF, accS int64
	for _, c := range d {
		if size <= accS+c.size {
			// fee <= accF + c.fee*(size-accS)/c.size, in integers.
			return (fee-accF)*c.size <= c.fee*(size-accS)
		}
		accF, accS = accF+c.fee, accS+c.size
	}
	return fee <= accF
}

// TestLinearizeOptimalSmall: on every random cluster of up to 10
// transactions the linearization is topological and its diagram is
// optimal: every topologically closed subset's (size, fee) point lies on
// or below it, which only the optimal diagram achieves (brute force over
// all subsets).
func TestLinearizeOptimalSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 31))
	for n := 1; n <= 10; n++ {
		for trial := 0; trial < 300; trial++ {
			g := randomGraph(rng, n, trial%2 == 0)
			lin := g.linearize()
			checkTopological(t, g, lin)
			d := g.diagram(lin)
			for set := uint64(1); set <= g.all(); set++ {
				closed := true
				for s := set; s != 0; s &= s - 1 {
					i := trailing(s)
					closed = closed && g.anc[i]&^set == 0
				}
				if !closed {
					continue
				}
				f, s := g.sum(set)
				if !below(d, s, f) {
					t.Fatalf("n=%d trial %d: closed set %b (%d sat, %d vB) above the diagram %v",
						n, trial, set, f, s, d)
				}
			}
		}
	}
}

func trailing(s uint64) int {
	i := 0
	for s&1 == 0 {
		s >>= 1
		i++
	}
	return i
}

// TestLinearizeNotWorseThanAncestorSets: on random clusters of up to 64
// transactions the linearization's diagram is never below the
// ancestor-set order's anywhere.
func TestLinearizeNotWorseThanAncestorSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 31))
	better := 0
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.IntN(64)
		g := randomGraph(rng, n, true)
		lin := g.linearize()
		checkTopological(t, g, lin)
		anc := g.ancestorSetOrder()
		checkTopological(t, g, anc)
		b, worse := compareDiagrams(g.diagram(lin), g.diagram(anc))
		if worse {
			t.Fatalf("trial %d (n=%d): worse than the ancestor-set order", trial, n)
		}
		if b {
			better++
		}
	}
	t.Logf("better than the ancestor-set order on %d of 400 random clusters", better)
}

// TestMergeLinearizations: merging two linearizations is never worse than
// either.
func TestMergeLinearizations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 31))
	for trial := 0; trial < 300; trial++ {
		g := randomGraph(rng, 2+rng.IntN(40), true)
		a, b := g.ancestorSetOrder(), g.grownOrder()
		m := g.merge(a, b)
		checkTopological(t, g, m)
		for _, other := range [][]int{a, b} {
			if _, worse := compareDiagrams(g.diagram(m), g.diagram(other)); worse {
				t.Fatalf("trial %d: merge worse than an input", trial)
			}
		}
	}
}

// TestLinearizeCPFPSiblings: the case the ancestor-set method misses: a
// parent paying nothing with two children that only together lift it
// above a third, independent transaction.
func TestLinearizeCPFPSiblings(t *testing.T) {
	// 0: parent, 0 sat / 100 vB; 1, 2: its children, 300 sat / 100 vB
	// each; 3: alone, 190 sat / 100 vB. Parent and one child: 1.5
	// sat/vB; parent and both: 2 sat/vB, above the 1.9 of 3.
	g := newDepGraph([]int64{0, 300, 300, 190}, []int64{100, 100, 100, 100},
		[][]int{nil, {0}, {0}, nil})
	d := g.diagram(g.linearize())
	if len(d) != 2 || d[0] != (feeFrac{600, 300}) || d[1] != (feeFrac{190, 100}) {
		t.Fatalf("diagram %v", d)
	}
	// The ancestor-set order takes 3 first, then parent and child (1.5),
	// then the other child: all one chunk at 790/400, below the optimum.
	anc := g.diagram(g.ancestorSetOrder())
	if better, worse := compareDiagrams(d, anc); !better || worse {
		t.Fatalf("optimal %v not better than the ancestor-set order %v", d, anc)
	}
}

// BenchmarkLinearize measures linearizing random connected clusters of a
// given size.
func BenchmarkLinearize(b *testing.B) {
	for _, n := range []int{2, 8, 14, 32, 64} {
		b.Run(itoa(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(4, uint64(n)))
			gs := make([]*depGraph, 16)
			for i := range gs {
				gs[i] = randomGraph(rng, n, true)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				gs[i%len(gs)].linearize()
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
