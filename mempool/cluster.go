package mempool

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Chunk is a group of a cluster's transactions that a miner takes
// together: the linearization's prefix-optimal split (Core v31's chunks).
type Chunk struct {
	Txids []chainhash.Hash
	Fee   int64 // modified
	VSize int64
}

// FeeRate returns the chunk's fee rate.
func (c *Chunk) FeeRate() FeeRate { return feeRateOf(c.Fee, c.VSize) }

// ClusterInfo describes a cluster: its transactions in a valid order
// (parents first) chosen greedily by ancestor-set fee rate, and the chunks
// of that order, in non-increasing fee rate.
type ClusterInfo struct {
	Txids  []chainhash.Hash
	Chunks []Chunk
	VSize  int64
	Fee    int64
}

// Cluster returns the cluster txid belongs to, linearized and chunked.
// This is the groundwork for Core v31's cluster mempool: the pool keeps
// clusters up to date on every change, so a better linearization can
// replace this one without touching the bookkeeping.
func (mp *TxPool) Cluster(txid *chainhash.Hash) (*ClusterInfo, bool) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	e, ok := mp.pool[*txid]
	if !ok {
		return nil, false
	}
	order := linearize(e.cluster)
	info := &ClusterInfo{VSize: e.cluster.vsize, Fee: e.cluster.fees}
	for _, x := range order {
		info.Txids = append(info.Txids, x.txid)
	}
	info.Chunks = chunk(order)
	return info, true
}

// linearize orders a cluster by repeatedly taking the remaining
// transaction whose remaining ancestor set has the best fee rate, with
// that set (parents first). Ties go to the lower txid.
func linearize(c *cluster) []*entry {
	done := make(map[*entry]bool, len(c.members))
	out := make([]*entry, 0, len(c.members))
	for len(out) < len(c.members) {
		var best *entry
		var bestSet []*entry
		var bf, bs int64
		for m := range c.members {
			if done[m] {
				continue
			}
			set := []*entry{m}
			seen := map[*entry]bool{m: true}
			for i := 0; i < len(set); i++ {
				for p := range set[i].parents {
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
			less, eq := lessRate(bf, bs, f, s)
			if best == nil || less || eq && lessHash(&m.txid, &best.txid) {
				best, bestSet, bf, bs = m, set, f, s
			}
		}
		sortEntries(bestSet, func(a, b *entry) bool {
			if a.ancCount != b.ancCount {
				return a.ancCount < b.ancCount
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

// chunk splits a linearization into chunks: each transaction starts a
// chunk, merged into the previous one while it pays a higher fee rate.
func chunk(order []*entry) []Chunk {
	var chunks []Chunk
	for _, x := range order {
		chunks = append(chunks, Chunk{Txids: []chainhash.Hash{x.txid}, Fee: x.modFee(), VSize: x.vsize})
		for len(chunks) >= 2 {
			last, prev := &chunks[len(chunks)-1], &chunks[len(chunks)-2]
			if less, _ := lessRate(prev.Fee, prev.VSize, last.Fee, last.VSize); !less {
				break
			}
			prev.Txids = append(prev.Txids, last.Txids...)
			prev.Fee = satAdd(prev.Fee, last.Fee)
			prev.VSize += last.VSize
			chunks = chunks[:len(chunks)-1]
		}
	}
	return chunks
}
