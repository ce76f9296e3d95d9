package mempool

import (
	"bytes"
	"math"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// entry is one pooled transaction with its package statistics. Ancestor
// and descendant figures include the entry itself, as in Core.
type entry struct {
	tx     *wire.MsgTx
	txid   chainhash.Hash
	wtxid  chainhash.Hash
	fee    int64 // inputs - outputs
	delta  int64 // prioritisetransaction delta
	vsize  int64 // sigop-adjusted virtual size
	weight int64
	sigops int64 // sigop cost
	usage  int64 // estimated in-memory bytes
	added  time.Time
	height int32 // chain height when accepted

	spendsCoinbase bool
	// dust is set when the transaction has dust outputs (ephemeral dust,
	// standardness on): its child must spend them all.
	dust bool

	parents  map[*entry]struct{}
	children map[*entry]struct{}

	ancCount  int
	ancSize   int64
	ancFees   int64 // modified
	ancSigOps int64

	descCount int
	descSize  int64
	descFees  int64 // modified

	cluster *cluster
	// chunkIdx is the index in cluster.chunks of the chunk of its
	// cluster's linearization e belongs to: its mining and eviction rank.
	chunkIdx int32
	// memberIdx is e's position in cluster.members.
	memberIdx int32
}

// addMember makes e a member of c.
func (c *cluster) addMember(e *entry) {
	e.cluster = c
	e.memberIdx = int32(len(c.members))
	c.members = append(c.members, e)
}

// removeMember takes e out of c's members (the last member takes its
// place).
func (c *cluster) removeMember(e *entry) {
	last := c.members[len(c.members)-1]
	c.members[e.memberIdx] = last
	last.memberIdx = e.memberIdx
	c.members[len(c.members)-1] = nil
	c.members = c.members[:len(c.members)-1]
}

// chunk returns the chunk e belongs to; e's cluster must be linearized.
func (e *entry) chunk() *linChunk { return &e.cluster.chunks[e.chunkIdx] }

// modFee is the fee with the prioritisation delta applied, saturating as
// Core's modified fee does.
func (e *entry) modFee() int64 { return satAdd(e.fee, e.delta) }

// satAdd returns a+b clamped to the int64 range (Core's SaturatingAdd).
// prioritisetransaction deltas are arbitrary int64s from an RPC caller, so
// every sum of deltas and modified fees saturates instead of wrapping: a
// huge positive delta must never turn into a negative fee.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	if b < 0 && a < math.MinInt64-b {
		return math.MinInt64
	}
	return a + b
}

// satSub returns a-b clamped to the int64 range, for taking a modified fee
// back out of a saturating total.
func satSub(a, b int64) int64 {
	if b < 0 && a > math.MaxInt64+b {
		return math.MaxInt64
	}
	if b > 0 && a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

// cluster is a connected component of the pool's parent/child graph, the
// unit Core v31's cluster mempool linearizes. The pool keeps the members
// and their totals up to date on every add and removal.
type cluster struct {
	// members lists the cluster's entries in no order; each entry's
	// memberIdx is its position, for removal in constant time.
	members []*entry
	vsize   int64
	fees    int64
	// lin is the members' linearization and chunks its chunks, best
	// first (relinearize keeps them current); tail, lin's last entry, is
	// the cluster's key in the pool's byChunk index while indexed.
	lin    []*entry
	chunks []linChunk
	tail   *entry
	// dirty is set while the cluster is listed in the pool's dirty list,
	// awaiting relinearize.
	dirty bool
}

// lessRate reports whether fee rate af/as is below bf/bs, compared in
// floating point as Core does.
func lessRate(af, as, bf, bs int64) (less, equal bool) {
	l := float64(af) * float64(bs)
	r := float64(bf) * float64(as)
	return l < r, l == r
}

// ancScore returns the fee and size of the lower of the entry's own and
// ancestor fee rates (Core's ancestor score).
func (e *entry) ancScore() (int64, int64) {
	if float64(e.modFee())*float64(e.ancSize) > float64(e.ancFees)*float64(e.vsize) {
		return e.ancFees, e.ancSize
	}
	return e.modFee(), e.vsize
}

// descScore returns the fee and size of the higher of the entry's own and
// descendant fee rates (Core's descendant score).
func (e *entry) descScore() (int64, int64) {
	if float64(e.modFee())*float64(e.descSize) > float64(e.descFees)*float64(e.vsize) {
		return e.modFee(), e.vsize
	}
	return e.descFees, e.descSize
}

// lessByFeeRate orders by the entry's own modified fee rate, lowest first.
func lessByFeeRate(a, b *entry) bool {
	l, eq := lessRate(a.modFee(), a.vsize, b.modFee(), b.vsize)
	if !eq {
		return l
	}
	return bytes.Compare(a.txid[:], b.txid[:]) > 0
}

// lessByAncestorScore orders by ancestor score, lowest first; the last
// entry is the one a miner takes first. Ties put the higher txid first, so
// descending order matches Core's (lower txid first among equals).
func lessByAncestorScore(a, b *entry) bool {
	af, as := a.ancScore()
	bf, bs := b.ancScore()
	l, eq := lessRate(af, as, bf, bs)
	if !eq {
		return l
	}
	return bytes.Compare(a.txid[:], b.txid[:]) > 0
}

// lessByChunkRate orders by the fee rate of the entry's chunk, lowest
// first; the pool's byChunk index holds each cluster's last entry, so its
// first is the worst chunk of the pool, the one eviction removes. Ties go
// to the larger chunk, then the higher txid.
func lessByChunkRate(a, b *entry) bool {
	ac, bc := a.chunk(), b.chunk()
	l, eq := lessRate(ac.fee, ac.size, bc.fee, bc.size)
	if !eq {
		return l
	}
	if ac.size != bc.size {
		return ac.size > bc.size
	}
	return bytes.Compare(a.txid[:], b.txid[:]) > 0
}

// lessByDescendantScore orders by descendant score, lowest first; the
// first entry is the package eviction removes. Ties put the newer first.
func lessByDescendantScore(a, b *entry) bool {
	af, as := a.descScore()
	bf, bs := b.descScore()
	l, eq := lessRate(af, as, bf, bs)
	if !eq {
		return l
	}
	if !a.added.Equal(b.added) {
		return a.added.After(b.added)
	}
	return bytes.Compare(a.txid[:], b.txid[:]) < 0
}

// estimateUsage approximates the heap bytes an entry holds: the decoded
// transaction (structs, slices and script bytes), the entry itself and its
// index nodes. The figure is checked against runtime.MemStats in the
// benchmarks.
func estimateUsage(tx *wire.MsgTx) int64 {
	const (
		txOverhead    = 80  // MsgTx struct and slice headers
		inOverhead    = 120 // *TxIn, struct, script and witness headers
		outOverhead   = 64  // *TxOut, struct, script header
		witItem       = 24  // a witness item's slice header
		entryOverhead = 600 // entry, maps, index nodes and map slots
	)
	n := int64(txOverhead + entryOverhead)
	for _, in := range tx.TxIn {
		n += inOverhead + int64(len(in.SignatureScript))
		for _, w := range in.Witness {
			n += witItem + int64(len(w))
		}
		n += 80 // spent-outpoint index slot
	}
	for _, out := range tx.TxOut {
		n += outOverhead + int64(len(out.PkScript))
	}
	return n
}

// sortEntries sorts s by less.
func sortEntries(s []*entry, less func(a, b *entry) bool) {
	sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
}
