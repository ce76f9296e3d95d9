package mining

import (
	"bytes"
	"container/heap"
	"math"
	"sort"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/mempool"
)

// Selection limits and Core v30's defaults (node/miner.h, policy.h).
const (
	// DefaultBlockMaxWeight is -blockmaxweight: the block weight limit less
	// room for the coinbase (Core's historical DEFAULT_BLOCK_MAX_WEIGHT).
	DefaultBlockMaxWeight = 3996000
	// CoinbaseReservedWeight and CoinbaseReservedSigOps are counted as
	// used before any transaction is chosen, as Core's resetBlock does.
	CoinbaseReservedWeight = 4000
	CoinbaseReservedSigOps = 400
	// MaxBlockSigOpsCost is the consensus sigop cost limit of a block.
	MaxBlockSigOpsCost = standalone.MaxBlockSigOpsCost
	// DefaultBlockMinTxFee is -blockmintxfee in sat/kvB (Core v30: 0.001
	// sat/vB).
	DefaultBlockMinTxFee = 1
	// maxConsecutiveFailures is Core's MAX_CONSECUTIVE_FAILURES.
	maxConsecutiveFailures = 1000
	witnessScaleFactor     = 4
)

// SelectOptions bound a selection.
type SelectOptions struct {
	MaxWeight      int64
	ReservedWeight int64
	ReservedSigOps int64
	MaxSigOps      int64
	MinFeeRate     mempool.FeeRate
	// IsFinal, if set, is asked about every transaction of a package that
	// fits; a package with a non-final transaction is skipped, as Core's
	// TestPackageTransactions does.
	IsFinal func(*mempool.TxDesc) bool
}

// DefaultSelectOptions returns Core's defaults.
func DefaultSelectOptions() SelectOptions {
	return SelectOptions{
		MaxWeight:      DefaultBlockMaxWeight,
		ReservedWeight: CoinbaseReservedWeight,
		ReservedSigOps: CoinbaseReservedSigOps,
		MaxSigOps:      MaxBlockSigOpsCost,
		MinFeeRate:     DefaultBlockMinTxFee,
	}
}

// node is one candidate during selection.
type node struct {
	d        *mempool.TxDesc
	parents  []*node
	children []*node

	// Static package figures from the pool (no ancestor in the block).
	ancSize, ancFees, ancSigOps int64

	// Modified package figures once an ancestor is in the block.
	modSize, modFees, modSigOps int64
	inMod                       bool
	heapIdx                     int

	inBlock, failed bool
}

// score returns the fee and size of the node's ancestor score: the lower
// of its own fee rate and its package's (Core's GetModFeeAndSize).
func score(ownFee, ownSize, pkgFee, pkgSize int64) (int64, int64) {
	if float64(ownFee)*float64(pkgSize) > float64(pkgFee)*float64(ownSize) {
		return pkgFee, pkgSize
	}
	return ownFee, ownSize
}

// better reports whether package a (score af/as, txid ah) ranks above b;
// ties go to the lower txid, as Core's CompareTxMemPoolEntryByAncestorFee.
func better(af, as int64, ah []byte, bf, bs int64, bh []byte) bool {
	l := float64(af) * float64(bs)
	r := float64(bf) * float64(as)
	if l != r {
		return l > r
	}
	return bytes.Compare(ah, bh) < 0
}

func (n *node) staticScore() (int64, int64) {
	return score(n.d.ModifiedFee(), n.d.VSize, n.ancFees, n.ancSize)
}

func (n *node) modScore() (int64, int64) {
	return score(n.d.ModifiedFee(), n.d.VSize, n.modFees, n.modSize)
}

// modHeap orders modified nodes best first.
type modHeap []*node

func (h modHeap) Len() int { return len(h) }
func (h modHeap) Less(i, j int) bool {
	af, as := h[i].modScore()
	bf, bs := h[j].modScore()
	return better(af, as, h[i].d.TxHash[:], bf, bs, h[j].d.TxHash[:])
}
func (h modHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}
func (h *modHeap) Push(x any) {
	n := x.(*node)
	n.heapIdx = len(*h)
	*h = append(*h, n)
}
func (h *modHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	n.heapIdx = -1
	return n
}

// buildNodes links the descriptions by their Depends lists.
func buildNodes(descs []*mempool.TxDesc) []*node {
	nodes := make([]*node, len(descs))
	byHash := make(map[[32]byte]*node, len(descs))
	for i, d := range descs {
		nodes[i] = &node{d: d, ancSize: d.AncestorSize, ancFees: d.AncestorFees,
			ancSigOps: d.AncestorSigOps, heapIdx: -1}
		byHash[d.TxHash] = nodes[i]
	}
	for _, n := range nodes {
		for _, p := range n.d.Depends {
			if pn, ok := byHash[p]; ok {
				n.parents = append(n.parents, pn)
				pn.children = append(pn.children, n)
			}
		}
	}
	return nodes
}

// SelectResult is a selection: the transactions in block order (parents
// before children) and the weight and sigop cost used, reservations
// included.
type SelectResult struct {
	Txs       []*mempool.TxDesc
	Weight    int64
	SigOpCost int64
	// Limited is set when a budget left out a chunk (SelectChunks).
	Limited bool
}

// SelectTransactions picks transactions as Bitcoin Core's
// BlockAssembler::addPackageTxs does: repeatedly the package (a
// transaction with its ancestors not yet chosen) with the best ancestor
// score, if it fits the weight and sigop budgets, then it updates the
// packages of the chosen transactions' descendants. descs must carry the
// pool's ancestor figures and Depends (mempool.TxPool.MiningDescs).
func SelectTransactions(descs []*mempool.TxDesc, opts SelectOptions) SelectResult {
	nodes := buildNodes(descs)
	order := append([]*node(nil), nodes...)
	sort.Slice(order, func(i, j int) bool {
		af, as := order[i].staticScore()
		bf, bs := order[j].staticScore()
		return better(af, as, order[i].d.TxHash[:], bf, bs, order[j].d.TxHash[:])
	})
	res := SelectResult{Weight: opts.ReservedWeight, SigOpCost: opts.ReservedSigOps}
	var mod modHeap
	failures := 0
	mi := 0
	for mi < len(order) || mod.Len() > 0 {
		if mi < len(order) {
			if n := order[mi]; n.inMod || n.inBlock || n.failed {
				mi++
				continue
			}
		}
		var it *node
		usingMod := false
		if mi >= len(order) {
			it, usingMod = mod[0], true
		} else {
			it = order[mi]
			if mod.Len() > 0 {
				af, as := mod[0].modScore()
				bf, bs := it.staticScore()
				if better(af, as, mod[0].d.TxHash[:], bf, bs, it.d.TxHash[:]) {
					it, usingMod = mod[0], true
				}
			}
			if !usingMod {
				mi++
			}
		}
		size, fees, sigops := it.ancSize, it.ancFees, it.ancSigOps
		if usingMod {
			size, fees, sigops = it.modSize, it.modFees, it.modSigOps
		}
		if fees < opts.MinFeeRate.Fee(size) {
			break
		}
		if res.Weight+witnessScaleFactor*size >= opts.MaxWeight ||
			res.SigOpCost+sigops >= opts.MaxSigOps {
			if usingMod {
				heap.Remove(&mod, it.heapIdx)
				it.inMod = false
				it.failed = true
			}
			failures++
			if failures > maxConsecutiveFailures && res.Weight > opts.MaxWeight-4000 {
				break
			}
			continue
		}
		pkg := packageOf(it)
		if opts.IsFinal != nil && !allFinal(pkg, opts.IsFinal) {
			if usingMod {
				heap.Remove(&mod, it.heapIdx)
				it.inMod = false
				it.failed = true
			}
			continue
		}
		failures = 0
		for _, n := range pkg {
			n.inBlock = true
			if n.inMod {
				heap.Remove(&mod, n.heapIdx)
				n.inMod = false
			}
			res.Txs = append(res.Txs, n.d)
			res.Weight += n.d.Weight
			res.SigOpCost += n.d.SigOpCost
		}
		// Core's UpdatePackagesForAdded.
		for _, a := range pkg {
			for _, d := range descendantsOf(a) {
				if d.inBlock {
					continue
				}
				if !d.inMod {
					d.modSize, d.modFees, d.modSigOps = d.ancSize, d.ancFees, d.ancSigOps
					d.inMod = true
					heap.Push(&mod, d)
				}
				d.modSize -= a.d.VSize
				d.modFees = saturatingSub(d.modFees, a.d.ModifiedFee())
				d.modSigOps -= a.d.SigOpCost
				heap.Fix(&mod, d.heapIdx)
			}
		}
	}
	return res
}

// SelectChunks picks transactions as Bitcoin Core v31's block assembly
// does from the cluster mempool: chunks in order of fee rate, best first
// (mempool.TxPool.MiningChunks), each whole if it fits the weight and
// sigop budgets and all its transactions are final. A chunk passed over
// makes every later chunk that spends one of its transactions (by
// Depends) passed over too; the others of its cluster stay candidates.
// Selection stops at the first chunk below MinFeeRate, or after
// maxConsecutiveFailures chunks passed over in a row with the block within
// 4,000 weight units of full. Chunks of a cluster come in its
// linearization's order, so parents come before their children.
// Limited reports whether a budget passed a chunk over.
func SelectChunks(chunks []mempool.MiningChunk, opts SelectOptions) SelectResult {
	res := SelectResult{Weight: opts.ReservedWeight, SigOpCost: opts.ReservedSigOps}
	var left map[[32]byte]bool // transactions passed over
	failures := 0
	for i := range chunks {
		ch := &chunks[i]
		if ch.Fee < opts.MinFeeRate.Fee(ch.VSize) {
			break
		}
		var weight, sigops int64
		final, blocked := true, false
		for _, d := range ch.Txs {
			weight += d.Weight
			sigops += d.SigOpCost
			for _, p := range d.Depends {
				blocked = blocked || left[p]
			}
			if opts.IsFinal != nil && final && !opts.IsFinal(d) {
				final = false
			}
		}
		over := res.Weight+weight >= opts.MaxWeight || res.SigOpCost+sigops >= opts.MaxSigOps
		if blocked || over || !final {
			if left == nil {
				left = make(map[[32]byte]bool)
			}
			for _, d := range ch.Txs {
				left[d.TxHash] = true
			}
			if over && !blocked && final {
				res.Limited = true
				failures++
				if failures > maxConsecutiveFailures && res.Weight > opts.MaxWeight-4000 {
					break
				}
			}
			continue
		}
		failures = 0
		res.Txs = append(res.Txs, ch.Txs...)
		res.Weight += weight
		res.SigOpCost += sigops
	}
	return res
}

// packageOf returns n and its ancestors not yet in the block, sorted by
// ancestor count (parents first), ties by txid.
func packageOf(n *node) []*node {
	seen := map[*node]bool{n: true}
	pkg := []*node{n}
	for i := 0; i < len(pkg); i++ {
		for _, p := range pkg[i].parents {
			if !p.inBlock && !seen[p] {
				seen[p] = true
				pkg = append(pkg, p)
			}
		}
	}
	sort.Slice(pkg, func(i, j int) bool {
		a, b := pkg[i].d, pkg[j].d
		if a.AncestorCount != b.AncestorCount {
			return a.AncestorCount < b.AncestorCount
		}
		return bytes.Compare(a.TxHash[:], b.TxHash[:]) < 0
	})
	return pkg
}

// descendantsOf returns every descendant of n (not n).
func descendantsOf(n *node) []*node {
	seen := map[*node]bool{n: true}
	var out []*node
	stack := []*node{n}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range x.children {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				stack = append(stack, c)
			}
		}
	}
	return out
}

// allFinal reports whether every transaction of pkg is final.
func allFinal(pkg []*node, isFinal func(*mempool.TxDesc) bool) bool {
	for _, n := range pkg {
		if !isFinal(n.d) {
			return false
		}
	}
	return true
}

// saturatingSub returns a-b clamped to the int64 range. Modified fees carry
// prioritisetransaction deltas, which the pool sums with saturation, so a
// package's total may sit at a bound and must not wrap when a member's fee
// is taken out.
func saturatingSub(a, b int64) int64 {
	d := a - b
	switch {
	case b > 0 && d > a:
		return math.MinInt64
	case b < 0 && d < a:
		return math.MaxInt64
	}
	return d
}
