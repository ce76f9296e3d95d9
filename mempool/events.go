package mempool

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// RemovalReason says why a transaction left the pool: Core's
// MemPoolRemovalReason, whose names getrawmempool-style reports and ZMQ
// subscribers know.
type RemovalReason int

// The removal reasons.
const (
	// RemovedExpiry: older than --mempoolexpiry.
	RemovedExpiry RemovalReason = iota
	// RemovedSizeLimit: evicted to fit --maxmempool.
	RemovedSizeLimit
	// RemovedReorg: no longer valid after the chain's tip changed (a
	// missing input, an immature coinbase, a lock time or sequence lock).
	RemovedReorg
	// RemovedBlock: confirmed in a connected block.
	RemovedBlock
	// RemovedConflict: spends an output a block (or a failed package)
	// spent differently.
	RemovedConflict
	// RemovedReplaced: replaced by a transaction paying more (RBF).
	RemovedReplaced
)

// String is Core's name for the reason.
func (r RemovalReason) String() string {
	switch r {
	case RemovedExpiry:
		return "expiry"
	case RemovedSizeLimit:
		return "sizelimit"
	case RemovedReorg:
		return "reorg"
	case RemovedBlock:
		return "block"
	case RemovedConflict:
		return "conflict"
	case RemovedReplaced:
		return "replaced"
	}
	return "unknown"
}

// TxEvent is one change of the pooled set, with the pool's sequence
// number for it (Core's mempool_sequence): every addition and every
// removal takes the next number, confirmations in a block included,
// though those are not reported as events (the block is).
type TxEvent struct {
	// Added is true for an addition, false for a removal.
	Added bool

	// Tx is the transaction; it must not be modified.
	Tx *wire.MsgTx

	// Txid is Tx's txid.
	Txid chainhash.Hash

	// Reason says why a removed transaction left (unset for additions).
	Reason RemovalReason

	// Sequence is the pool's sequence number of the change.
	Sequence uint64
}

// recordAdd takes a sequence number for an added entry and queues its
// event. The pool lock must be held.
func (mp *TxPool) recordAdd(e *entry) {
	seq := mp.mempoolSeq
	mp.mempoolSeq++
	mp.queueEvent(TxEvent{Added: true, Tx: e.tx, Txid: e.txid, Sequence: seq})
}

// recordRemove takes a sequence number for each removed entry of set,
// parents first, and queues an event for each unless reason is
// RemovedBlock. The pool lock must be held.
func (mp *TxPool) recordRemove(set map[*entry]struct{}, reason RemovalReason) {
	if mp.cfg.EventQueue <= 0 {
		mp.mempoolSeq += uint64(len(set))
		return
	}
	for _, e := range topoSort(set) {
		seq := mp.mempoolSeq
		mp.mempoolSeq++
		if reason != RemovedBlock {
			mp.queueEvent(TxEvent{Tx: e.tx, Txid: e.txid, Reason: reason, Sequence: seq})
		}
	}
}

// queueEvent appends ev to the bounded event queue (dropping the oldest
// past Config.EventQueue, counted as lost) and wakes the reader without
// blocking. The pool lock must be held.
func (mp *TxPool) queueEvent(ev TxEvent) {
	if mp.cfg.EventQueue <= 0 {
		return
	}
	if len(mp.events) >= mp.cfg.EventQueue {
		mp.events[0] = TxEvent{}
		mp.events = mp.events[1:]
		mp.eventsLost++
	}
	mp.events = append(mp.events, ev)
	select {
	case mp.eventSignal <- struct{}{}:
	default:
	}
}

// TakeEvents returns the queued events, oldest first, and how many were
// dropped from the queue since the last call because it was full; the
// queue is empty afterwards. With Config.EventQueue 0 there are none.
func (mp *TxPool) TakeEvents() (events []TxEvent, lost uint64) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	events, lost = mp.events, mp.eventsLost
	mp.events, mp.eventsLost = nil, 0
	return events, lost
}

// EventSignal returns a channel that receives a value (it holds at most
// one) after events were queued, for a reader waiting to call
// TakeEvents. It is nil with Config.EventQueue 0.
func (mp *TxPool) EventSignal() <-chan struct{} { return mp.eventSignal }

// MempoolSequence returns the sequence number the next change will take
// (Core's GetSequence): a change with a lower number is already in the
// pool's state as TxHashes reports it now.
func (mp *TxPool) MempoolSequence() uint64 {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return mp.mempoolSeq
}

// TxHashesAndSequence returns every pooled txid and MempoolSequence from
// one snapshot (getrawmempool's mempool_sequence).
func (mp *TxPool) TxHashesAndSequence() ([]chainhash.Hash, uint64) {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	out := make([]chainhash.Hash, 0, len(mp.pool))
	for h := range mp.pool {
		out = append(out, h)
	}
	return out, mp.mempoolSeq
}
