package mempool

import (
	"math/bits"
	"sort"
)

// Linearization bounds. A cluster of at most exactLinearizeMax
// transactions is linearized optimally by an exhaustive search over its
// topologically closed subsets; one of at most maskLinearizeMax (the
// cluster count limit of Core v31) by the ancestor-set method merged with
// a greedy improvement of it; a larger one (only when the operator lifted
// the cluster limit) by the ancestor-set method alone.
const (
	exactLinearizeMax = 14
	maskLinearizeMax  = 64
)

// depGraph is a cluster as the linearization sees it: for transaction i
// (0 <= i < 64) its modified fee, its vsize and its ancestors within the
// cluster, itself included, as a bit set.
type depGraph struct {
	fee  []int64
	size []int64
	anc  []uint64
	// topo lists the transactions parents first (by ancestor count, then
	// index), the order every set is written out in.
	topo []int
}

// newDepGraph returns a graph of n transactions with the given figures;
// parents[i] lists the indexes of i's parents. n must be at most 64.
func newDepGraph(fee, size []int64, parents [][]int) *depGraph {
	n := len(fee)
	g := &depGraph{fee: fee, size: size, anc: make([]uint64, n), topo: make([]int, n)}
	done := make([]bool, n)
	var visit func(i int) uint64
	visit = func(i int) uint64 {
		if done[i] {
			return g.anc[i]
		}
		a := uint64(1) << i
		for _, p := range parents[i] {
			a |= visit(p)
		}
		g.anc[i], done[i] = a, true
		return a
	}
	for i := range n {
		visit(i)
		g.topo[i] = i
	}
	sort.Slice(g.topo, func(a, b int) bool {
		ca, cb := bits.OnesCount64(g.anc[g.topo[a]]), bits.OnesCount64(g.anc[g.topo[b]])
		if ca != cb {
			return ca < cb
		}
		return g.topo[a] < g.topo[b]
	})
	return g
}

// all returns the set of every transaction.
func (g *depGraph) all() uint64 {
	if len(g.fee) == 64 {
		return ^uint64(0)
	}
	return uint64(1)<<len(g.fee) - 1
}

// sum returns the total fee and size of set.
func (g *depGraph) sum(set uint64) (fee, size int64) {
	for s := set; s != 0; s &= s - 1 {
		i := bits.TrailingZeros64(s)
		fee = satAdd(fee, g.fee[i])
		size += g.size[i]
	}
	return fee, size
}

// appendSet appends the members of set to out, parents first.
func (g *depGraph) appendSet(out []int, set uint64) []int {
	for _, i := range g.topo {
		if set&(1<<i) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// higher reports whether fee rate af/as is above bf/bs.
func higher(af, as, bf, bs int64) bool {
	less, eq := lessRate(bf, bs, af, as)
	return less && !eq
}

// linearize returns an order of g's transactions, parents first, whose
// chunks' fee-rate diagram is optimal for small graphs and at least that
// of the ancestor-set order for the others.
func (g *depGraph) linearize() []int {
	if len(g.fee) <= exactLinearizeMax {
		return g.exact()
	}
	return g.merge(g.ancestorSetOrder(), g.grownOrder())
}

// exact repeatedly takes the remaining topologically closed subset with
// the highest fee rate. Its chunks then form the optimal diagram: every
// closed subset's (size, fee) point lies on or below it.
func (g *depGraph) exact() []int {
	out := make([]int, 0, len(g.fee))
	order := make([]int, 0, len(g.fee))
	for rem := g.all(); rem != 0; {
		order = order[:0]
		for _, i := range g.topo {
			if rem&(1<<i) != 0 {
				order = append(order, i)
			}
		}
		best := g.bestClosed(rem, order)
		out = g.appendSet(out, best)
		rem &^= best
	}
	return out
}

// bestClosed returns the non-empty subset of rem with the highest fee rate
// that holds every remaining ancestor of its members, found by a depth-first
// walk that decides each transaction of order (rem, parents first) in
// turn and takes one only after its ancestors. Ties keep the first found.
func (g *depGraph) bestClosed(rem uint64, order []int) uint64 {
	var best uint64
	var bf, bs int64
	var walk func(k int, set uint64, f, s int64)
	walk = func(k int, set uint64, f, s int64) {
		if k == len(order) {
			if set != 0 && (best == 0 || higher(f, s, bf, bs)) {
				best, bf, bs = set, f, s
			}
			return
		}
		i := order[k]
		walk(k+1, set, f, s)
		if g.anc[i]&rem&^set == 1<<i {
			walk(k+1, set|1<<i, satAdd(f, g.fee[i]), s+g.size[i])
		}
	}
	walk(0, 0, 0, 0)
	return best
}

// bestAncestorSet returns, among the remaining ancestor sets of the
// transactions of rem, the one with the highest fee rate (ties to the
// lower index), with its fee and size.
func (g *depGraph) bestAncestorSet(rem uint64) (best uint64, bf, bs int64) {
	for s := rem; s != 0; s &= s - 1 {
		i := bits.TrailingZeros64(s)
		set := g.anc[i] & rem
		f, sz := g.sum(set)
		if best == 0 || higher(f, sz, bf, bs) {
			best, bf, bs = set, f, sz
		}
	}
	return best, bf, bs
}

// ancestorSetOrder is the ancestor-set method (Core's pre-v31 mining
// order): repeatedly the remaining transaction whose remaining ancestors
// have the best fee rate, with them.
func (g *depGraph) ancestorSetOrder() []int {
	out := make([]int, 0, len(g.fee))
	for rem := g.all(); rem != 0; {
		best, _, _ := g.bestAncestorSet(rem)
		out = g.appendSet(out, best)
		rem &^= best
	}
	return out
}

// grownOrder improves on the ancestor-set method where it is weakest (a
// parent worth mining only with several of its children): from the best
// remaining ancestor set it adds, while that raises the fee rate, the
// remaining ancestor set of another transaction that raises it most.
func (g *depGraph) grownOrder() []int {
	out := make([]int, 0, len(g.fee))
	for rem := g.all(); rem != 0; {
		set, f, s := g.bestAncestorSet(rem)
		for {
			var next uint64
			nf, ns := f, s
			for o := rem &^ set; o != 0; o &= o - 1 {
				i := bits.TrailingZeros64(o)
				add := g.anc[i] & rem &^ set
				af, as := g.sum(add)
				tf, ts := satAdd(f, af), s+as
				if higher(tf, ts, nf, ns) {
					next, nf, ns = add, tf, ts
				}
			}
			if next == 0 {
				break
			}
			set, f, s = set|next, nf, ns
		}
		out = g.appendSet(out, set)
		rem &^= set
	}
	return out
}

// merge combines two linearizations of g into one at least as good as
// both (Core's MergeLinearizations): repeatedly the higher-fee-rate of the
// two best prefixes of what remains of each, removed from both.
func (g *depGraph) merge(a, b []int) []int {
	out := make([]int, 0, len(g.fee))
	for rem := g.all(); rem != 0; {
		pa, af, as := g.bestPrefix(a, rem)
		pb, bf, bs := g.bestPrefix(b, rem)
		take, from := pa, a
		if higher(bf, bs, af, as) {
			take, from = pb, b
		}
		for _, i := range from {
			if take&(1<<i) != 0 {
				out = append(out, i)
			}
		}
		rem &^= take
	}
	return out
}

// bestPrefix returns the prefix of lin restricted to rem with the highest
// fee rate (the shortest among equals), with its fee and size.
func (g *depGraph) bestPrefix(lin []int, rem uint64) (best uint64, bf, bs int64) {
	var set uint64
	var f, s int64
	for _, i := range lin {
		if rem&(1<<i) == 0 {
			continue
		}
		set |= 1 << i
		f, s = satAdd(f, g.fee[i]), s+g.size[i]
		if best == 0 || higher(f, s, bf, bs) {
			best, bf, bs = set, f, s
		}
	}
	return best, bf, bs
}

// linChunk is one chunk of a linearization: the positions before end not
// in an earlier chunk, with their total modified fee and vsize (and, for a
// pool cluster's chunks, their sigop-adjusted weight).
type linChunk struct {
	end               int
	fee, size, weight int64
}

// chunkOrder splits a linearization, given as figures in order, into
// chunks: each transaction starts one, merged into the previous while it
// pays a higher fee rate. The chunks' fee rates do not increase.
func chunkOrder(n int, figures func(i int) (fee, size int64)) []linChunk {
	chunks := make([]linChunk, 0, 1)
	for i := range n {
		f, s := figures(i)
		chunks = append(chunks, linChunk{end: i + 1, fee: f, size: s})
		for len(chunks) >= 2 {
			last, prev := &chunks[len(chunks)-1], &chunks[len(chunks)-2]
			if !higher(last.fee, last.size, prev.fee, prev.size) {
				break
			}
			prev.end, prev.fee, prev.size = last.end, satAdd(prev.fee, last.fee), prev.size+last.size
			chunks = chunks[:len(chunks)-1]
		}
	}
	return chunks
}
