package mempool

import (
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Chunk is a group of a cluster's transactions that a miner takes
// together: the linearization's prefix-optimal split (Core v31's chunks).
// Weight is the sigop-adjusted weight (Core's chunkweight).
type Chunk struct {
	Txids  []chainhash.Hash
	Fee    int64 // modified
	VSize  int64
	Weight int64
}

// FeeRate returns the chunk's fee rate.
func (c *Chunk) FeeRate() FeeRate { return feeRateOf(c.Fee, c.VSize) }

// ClusterInfo describes a cluster: its transactions in the pool's
// linearization (parents first), and the chunks of that order, in
// non-increasing fee rate.
type ClusterInfo struct {
	Txids  []chainhash.Hash
	Chunks []Chunk
	VSize  int64
	Weight int64 // sigop-adjusted
	Fee    int64
}

// Cluster returns the cluster txid belongs to, in its linearization, with
// its chunks.
func (mp *TxPool) Cluster(txid *chainhash.Hash) (*ClusterInfo, bool) {
	defer mp.rlockSettled()()
	e, ok := mp.pool[*txid]
	if !ok {
		return nil, false
	}
	c := e.cluster
	info := &ClusterInfo{VSize: c.vsize, Fee: c.fees, Txids: make([]chainhash.Hash, len(c.lin))}
	for i, x := range c.lin {
		info.Txids[i] = x.txid
	}
	start := 0
	for _, ch := range c.chunks {
		info.Chunks = append(info.Chunks, Chunk{Txids: info.Txids[start:ch.end:ch.end],
			Fee: ch.fee, VSize: ch.size, Weight: ch.weight})
		info.Weight += ch.weight
		start = ch.end
	}
	return info, true
}

// unindexCluster takes c out of the byChunk index before its members or
// figures change. The pool lock must be held for writing.
func (mp *TxPool) unindexCluster(c *cluster) {
	if c != nil && c.tail != nil {
		mp.byChunk.remove(c.tail)
		c.tail = nil
	}
}

// markDirty takes c out of the byChunk index and lists it for
// settleClusters: its members or fees are about to change. The pool lock
// must be held for writing.
func (mp *TxPool) markDirty(c *cluster) {
	if c == nil || c.dirty {
		return
	}
	mp.unindexCluster(c)
	c.dirty = true
	if len(mp.dirty) > 2*len(mp.pool)+1024 {
		// Merged and emptied clusters stay listed until settled: when
		// nothing reads linearizations for long, drop them from the list
		// (never settle here, in the middle of a change to the pool).
		live := mp.dirty[:0]
		for _, d := range mp.dirty {
			if len(d.members) > 0 {
				live = append(live, d)
			} else {
				d.dirty = false
			}
		}
		clear(mp.dirty[len(live):])
		mp.dirty = live
	}
	mp.dirty = append(mp.dirty, c)
}

// settleClusters linearizes every cluster changed since it was last
// linearized (relinearize) and puts it back in the byChunk index. The
// pool lock must be held for writing.
func (mp *TxPool) settleClusters() {
	for i, c := range mp.dirty {
		mp.dirty[i] = nil
		if !c.dirty {
			continue
		}
		c.dirty = false
		if len(c.members) == 0 {
			c.lin, c.chunks = nil, nil
			continue
		}
		mp.relinearize(c)
	}
	mp.dirty = mp.dirty[:0]
}

// rlockSettled takes the pool lock for reading with every linearization
// current, settling the changed clusters first under the write lock, and
// returns the function that releases it.
func (mp *TxPool) rlockSettled() func() {
	mp.mtx.RLock()
	if len(mp.dirty) == 0 {
		return mp.mtx.RUnlock
	}
	mp.mtx.RUnlock()
	mp.mtx.Lock()
	mp.settleClusters()
	return mp.mtx.Unlock
}

// relinearize computes c's linearization and chunks again, sets each
// member's chunk figures and indexes c by its last chunk. c must be out of
// the index (markDirty). The pool lock must be held for writing.
func (mp *TxPool) relinearize(c *cluster) {
	if len(c.members) == 0 {
		c.lin, c.chunks = nil, nil
		return
	}
	c.lin = linearizeCluster(c, c.lin[:0])
	c.chunks = chunkOrder(len(c.lin), func(i int) (int64, int64) {
		return c.lin[i].modFee(), c.lin[i].vsize
	})
	start := 0
	for k := range c.chunks {
		ch := &c.chunks[k]
		for _, x := range c.lin[start:ch.end] {
			x.chunkIdx = int32(k)
			ch.weight += mp.adjustedWeight(x)
		}
		start = ch.end
	}
	c.tail = c.lin[len(c.lin)-1]
	mp.byChunk.insert(c.tail)
}

// linearizeCluster returns an order of c's members, parents first, for
// mining and eviction: optimal for small clusters, the ancestor-set order
// merged with a better one up to 64 transactions, the ancestor-set order
// alone beyond (only when the cluster limit is lifted). out is reused.
func linearizeCluster(c *cluster, out []*entry) []*entry {
	if len(c.members) == 1 {
		return append(out, c.members[0])
	}
	ms := append([]*entry(nil), c.members...)
	return append(out, linearizeEntries(ms, func(x *entry) map[*entry]struct{} { return x.parents })...)
}

// linearizeEntries linearizes the connected transactions ms, whose
// parents (all in ms) parentsOf gives, as linearizeCluster does. ms is
// sorted by txid in place, so that the result does not depend on its
// order.
func linearizeEntries(ms []*entry, parentsOf func(*entry) map[*entry]struct{}) []*entry {
	n := len(ms)
	sortEntries(ms, func(a, b *entry) bool { return lessHash(&a.txid, &b.txid) })
	if n > maskLinearizeMax {
		return linearizeAncestorSets(ms, parentsOf)
	}
	index := make(map[*entry]int, n)
	for i, m := range ms {
		index[m] = i
	}
	fee, size := make([]int64, n), make([]int64, n)
	parents := make([][]int, n)
	for i, m := range ms {
		fee[i], size[i] = m.modFee(), m.vsize
		for p := range parentsOf(m) {
			parents[i] = append(parents[i], index[p])
		}
	}
	out := make([]*entry, 0, n)
	for _, i := range newDepGraph(fee, size, parents).linearize() {
		out = append(out, ms[i])
	}
	return out
}

// linearizeAncestorSets orders ms (sorted by txid) by repeatedly taking
// the remaining transaction whose remaining ancestor set has the best fee
// rate, with that set, parents first. Ties go to the lower txid. It is the
// linearization of clusters too large for a bit-set graph.
func linearizeAncestorSets(ms []*entry, parentsOf func(*entry) map[*entry]struct{}) []*entry {
	done := make(map[*entry]bool, len(ms))
	depth := make(map[*entry]int, len(ms))
	var depthOf func(x *entry) int
	depthOf = func(x *entry) int {
		if d, ok := depth[x]; ok {
			return d
		}
		d := 0
		for p := range parentsOf(x) {
			d = max(d, depthOf(p)+1)
		}
		depth[x] = d
		return d
	}
	out := make([]*entry, 0, len(ms))
	for len(out) < len(ms) {
		var best *entry
		var bestSet []*entry
		var bf, bs int64
		for _, m := range ms {
			if done[m] {
				continue
			}
			set := []*entry{m}
			seen := map[*entry]bool{m: true}
			for i := 0; i < len(set); i++ {
				for p := range parentsOf(set[i]) {
					if !done[p] && !seen[p] {
						seen[p] = true
						set = append(set, p)
					}
				}
			}
			var f, s int64
			for _, x := range set {
				f = satAdd(f, x.modFee())
				s += x.vsize
			}
			if best == nil || higher(f, s, bf, bs) {
				best, bestSet, bf, bs = m, set, f, s
			}
		}
		sortEntries(bestSet, func(a, b *entry) bool {
			if da, db := depthOf(a), depthOf(b); da != db {
				return da < db
			}
			return lessHash(&a.txid, &b.txid)
		})
		for _, x := range bestSet {
			done[x] = true
			out = append(out, x)
		}
	}
	return out
}

// MiningChunk is a chunk as block assembly takes it: transactions of one
// cluster, parents first, taken together or not at all. Cluster numbers
// the chunk's cluster within one listing: when a chunk is passed over, the
// later chunks of its cluster must be too, since they may spend it.
type MiningChunk struct {
	Txs     []*TxDesc
	Fee     int64 // modified
	VSize   int64
	Cluster int
}

// FeeRate returns the chunk's fee rate.
func (c *MiningChunk) FeeRate() FeeRate { return feeRateOf(c.Fee, c.VSize) }

// MiningChunks returns every pooled transaction grouped in the chunks of
// its cluster's linearization, best chunk fee rate first (Core v31's
// mining order); a cluster's chunks keep their order. The descriptions
// carry what block assembly reads (Tx, hashes, fees, sizes, sigops,
// Depends and the ancestor figures, for an ancestor-score selection from
// the same snapshot), not SpentBy or the descendant figures.
func (mp *TxPool) MiningChunks() []MiningChunk {
	defer mp.rlockSettled()()
	out := make([]MiningChunk, 0, mp.byChunkCount())
	descs := make([]TxDesc, len(mp.pool))
	next, ci := 0, 0
	mp.byChunk.ascend(func(tail *entry) bool {
		c := tail.cluster
		start := 0
		for _, ch := range c.chunks {
			mc := MiningChunk{Fee: ch.fee, VSize: ch.size, Cluster: ci,
				Txs: make([]*TxDesc, 0, ch.end-start)}
			for _, x := range c.lin[start:ch.end] {
				d := &descs[next]
				next++
				*d = TxDesc{Tx: x.tx, TxHash: x.txid, WTxHash: x.wtxid, Added: x.added,
					Height: x.height, Fee: x.fee, FeeDelta: x.delta, VSize: x.vsize,
					Weight: x.weight, SigOpCost: x.sigops, ChunkFee: ch.fee, ChunkSize: ch.size,
					ChunkWeight: ch.weight, AncestorCount: x.ancCount, AncestorSize: x.ancSize,
					AncestorFees: x.ancFees, AncestorSigOps: x.ancSigOps}
				if len(x.parents) > 0 {
					d.Depends = make([]chainhash.Hash, 0, len(x.parents))
					for p := range x.parents {
						d.Depends = append(d.Depends, p.txid)
					}
				}
				mc.Txs = append(mc.Txs, d)
			}
			out = append(out, mc)
			start = ch.end
		}
		ci++
		return true
	})
	sortChunks(out)
	return out
}

// byChunkCount returns a size hint for the chunk listing: the cluster
// count plus some.
func (mp *TxPool) byChunkCount() int { return len(mp.pool) }

// sortChunks orders chunks by fee rate, best first, keeping the order of
// equal ones (so a cluster's chunks stay in order).
func sortChunks(chunks []MiningChunk) {
	sort.SliceStable(chunks, func(i, j int) bool {
		return higher(chunks[i].Fee, chunks[i].VSize, chunks[j].Fee, chunks[j].VSize)
	})
}

// ChunkDescs groups descriptions (with Depends, as TxDescs returns them)
// into the chunks the pool would mine them in: clusters by their
// dependencies, each linearized as the pool does, best chunk first. It
// serves block assembly from sources other than a pool (tests, tools).
func ChunkDescs(descs []*TxDesc) []MiningChunk {
	ents := make(map[chainhash.Hash]*entry, len(descs))
	byEntry := make(map[*entry]*TxDesc, len(descs))
	for _, d := range descs {
		e := &entry{txid: d.TxHash, fee: d.Fee, delta: d.FeeDelta, vsize: d.VSize,
			ancCount: d.AncestorCount, parents: map[*entry]struct{}{}, children: map[*entry]struct{}{}}
		ents[d.TxHash] = e
		byEntry[e] = d
	}
	for _, d := range descs {
		e := ents[d.TxHash]
		for _, p := range d.Depends {
			if pe, ok := ents[p]; ok {
				e.parents[pe] = struct{}{}
				pe.children[e] = struct{}{}
			}
		}
	}
	var out []MiningChunk
	ci := 0
	for _, d := range descs {
		seed := ents[d.TxHash]
		if seed.cluster != nil {
			continue
		}
		c := &cluster{}
		c.addMember(seed)
		for stack := []*entry{seed}; len(stack) > 0; {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, rel := range []map[*entry]struct{}{x.parents, x.children} {
				for y := range rel {
					if y.cluster == nil {
						c.addMember(y)
						stack = append(stack, y)
					}
				}
			}
		}
		lin := linearizeCluster(c, nil)
		start := 0
		for _, ch := range chunkOrder(len(lin), func(i int) (int64, int64) {
			return lin[i].modFee(), lin[i].vsize
		}) {
			mc := MiningChunk{Fee: ch.fee, VSize: ch.size, Cluster: ci}
			for _, x := range lin[start:ch.end] {
				mc.Txs = append(mc.Txs, byEntry[x])
			}
			out = append(out, mc)
			start = ch.end
		}
		ci++
	}
	sortChunks(out)
	return out
}

// improvesClusterDiagram reports whether adding e (with its pooled parents)
// and evicting evict leaves the pool's fee-rate diagram strictly better:
// at least as high everywhere and higher somewhere (Core v31's
// ImprovesFeerateDiagram). Only the clusters that change are compared:
// before, the chunks of every cluster holding an evicted transaction or a
// parent of e; after, what remains of them with e, split into its
// connected components and each linearized afresh. The pool lock must be
// held for writing (the affected clusters are linearized first).
func (mp *TxPool) improvesClusterDiagram(e *entry, parents, evict map[*entry]struct{}) bool {
	mp.settleClusters()
	affected := make(map[*cluster]struct{})
	for x := range evict {
		affected[x.cluster] = struct{}{}
	}
	for p := range parents {
		affected[p.cluster] = struct{}{}
	}
	var old, next []feeFrac
	var rest []*entry
	for c := range affected {
		for _, ch := range c.chunks {
			old = append(old, feeFrac{ch.fee, ch.size})
		}
		for _, m := range c.lin {
			if _, gone := evict[m]; !gone {
				rest = append(rest, m)
			}
		}
	}
	rest = append(rest, e)
	parentsOf := func(x *entry) map[*entry]struct{} {
		if x == e {
			return parents
		}
		return x.parents
	}
	for _, comp := range components(rest, e, parents, evict) {
		lin := linearizeEntries(comp, parentsOf)
		for _, ch := range chunkOrder(len(lin), func(i int) (int64, int64) {
			return lin[i].modFee(), lin[i].vsize
		}) {
			next = append(next, feeFrac{ch.fee, ch.size})
		}
	}
	byRate := func(s []feeFrac) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].higher(s[j]) })
	}
	byRate(old)
	byRate(next)
	better, worse := compareDiagrams(next, old)
	return better && !worse
}

// components splits members (pooled entries that stay, and e, not yet
// pooled, whose parents are given) into connected components.
func components(members []*entry, e *entry, parents, evict map[*entry]struct{}) [][]*entry {
	in := make(map[*entry]int, len(members)) // component index, -1 unset
	for _, m := range members {
		in[m] = -1
	}
	var out [][]*entry
	for _, seed := range members {
		if in[seed] >= 0 {
			continue
		}
		k := len(out)
		in[seed] = k
		comp := []*entry{seed}
		for i := 0; i < len(comp); i++ {
			x := comp[i]
			visit := func(y *entry) {
				if idx, ok := in[y]; ok && idx < 0 {
					in[y] = k
					comp = append(comp, y)
				}
			}
			if x == e {
				for p := range parents {
					visit(p)
				}
				continue
			}
			for p := range x.parents {
				visit(p)
			}
			for c := range x.children {
				if _, gone := evict[c]; !gone {
					visit(c)
				}
			}
			if _, ok := parents[x]; ok {
				visit(e)
			}
		}
		out = append(out, comp)
	}
	return out
}

// adjustedWeight is e's weight with its sigops charged at
// Policy.BytesPerSigOp a sigop (Core's sigop-adjusted weight, the unit of
// its chunk weights).
func (mp *TxPool) adjustedWeight(e *entry) int64 {
	return max(e.weight, e.sigops*mp.cfg.Policy.BytesPerSigOp)
}

// DiagramPoint is a point of the pool's fee-rate diagram: the modified
// fees and sigop-adjusted weight of the best chunks up to it.
type DiagramPoint struct {
	Weight int64
	Fee    int64
}

// FeeRateDiagram returns the pool's fee-rate diagram (Core's
// getmempoolfeeratediagram): from (0, 0), the running totals of weight and
// modified fee after each chunk of the pool, best chunk fee rate first.
func (mp *TxPool) FeeRateDiagram() []DiagramPoint {
	defer mp.rlockSettled()()
	var chunks []linChunk
	mp.byChunk.ascend(func(tail *entry) bool {
		chunks = append(chunks, tail.cluster.chunks...)
		return true
	})
	sort.SliceStable(chunks, func(i, j int) bool {
		return higher(chunks[i].fee, chunks[i].weight, chunks[j].fee, chunks[j].weight)
	})
	out := make([]DiagramPoint, 1, len(chunks)+1)
	for _, ch := range chunks {
		last := out[len(out)-1]
		out = append(out, DiagramPoint{Weight: last.Weight + ch.weight, Fee: satAdd(last.Fee, ch.fee)})
	}
	return out
}
