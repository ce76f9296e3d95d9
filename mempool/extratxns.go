package mempool

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// DefaultMaxExtraTxns is how many recently replaced or evicted
// transactions the pool keeps for compact block reconstruction (Core's
// DEFAULT_BLOCK_RECONSTRUCTION_EXTRA_TXN).
const DefaultMaxExtraTxns = 100

// extraTx is a transaction kept for reconstruction, with its wtxid.
type extraTx struct {
	tx    *wire.MsgTx
	wtxid chainhash.Hash
}

// extraTxns is a fixed-size ring of transactions that left the pool or the
// orphan pool without being mined (replaced by fee, evicted to fit the
// size limit, orphans pushed out), Core's vExtraTxnForCompact: a miner
// that saw them before us may still include them in a block, and a
// compact block's short id can then be matched without a round trip. Its
// bound is its capacity (Config.MaxExtraTxns); the oldest is overwritten.
// The pool lock guards it.
type extraTxns struct {
	ring []extraTx
	next int
	full bool
}

// newExtraTxns returns a ring of capacity n (none kept when n <= 0).
func newExtraTxns(n int) *extraTxns {
	if n < 0 {
		n = 0
	}
	return &extraTxns{ring: make([]extraTx, n)}
}

// add keeps tx, forgetting the oldest when full.
func (x *extraTxns) add(tx *wire.MsgTx, wtxid chainhash.Hash) {
	if len(x.ring) == 0 {
		return
	}
	x.ring[x.next] = extraTx{tx: tx, wtxid: wtxid}
	x.next++
	if x.next == len(x.ring) {
		x.next, x.full = 0, true
	}
}

// addEntries keeps the transactions of entries about to leave the pool.
func (x *extraTxns) addEntries(set map[*entry]struct{}) {
	for e := range set {
		x.add(e.tx, e.wtxid)
	}
}

// each calls fn for every kept transaction, newest first, until it
// returns false; it reports whether fn asked to go on.
func (x *extraTxns) each(fn func(wtxid *chainhash.Hash, tx *wire.MsgTx) bool) bool {
	n := x.next
	if x.full {
		n = len(x.ring)
	}
	for i := 0; i < n; i++ {
		j := (x.next - 1 - i + len(x.ring)) % len(x.ring)
		if !fn(&x.ring[j].wtxid, x.ring[j].tx) {
			return false
		}
	}
	return true
}

// ExtraTxns returns the transactions kept for compact block
// reconstruction, newest first (at most Config.MaxExtraTxns). Safe for
// concurrent use.
func (mp *TxPool) ExtraTxns() []*wire.MsgTx {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	var out []*wire.MsgTx
	mp.extra.each(func(_ *chainhash.Hash, tx *wire.MsgTx) bool {
		out = append(out, tx)
		return true
	})
	return out
}

// ForEachReconstructionTx calls fn with the wtxid of every transaction a
// compact block may be rebuilt from: the pooled ones, the orphans, then
// the recently replaced or evicted ones (ExtraTxns), until fn returns
// false. It holds the pool's read lock throughout, so fn must be quick
// and must not call the pool; the transactions must be treated as
// read-only. Safe for concurrent use.
func (mp *TxPool) ForEachReconstructionTx(fn func(wtxid *chainhash.Hash, tx *wire.MsgTx) bool) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	for w, e := range mp.byWtxid {
		if !fn(&w, e.tx) {
			return
		}
	}
	for w, o := range mp.orphans.byWtxid {
		if !fn(&w, o.tx) {
			return
		}
	}
	mp.extra.each(fn)
}
