package mempool

import (
	"errors"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// RemoveForBlock updates the pool for a block just connected: it removes
// the block's transactions (their pooled descendants stay, now with a
// confirmed parent), every pooled transaction that conflicts with the
// block (with its descendants), and orphans that conflict with it; then it
// retries the orphans the block completes and returns those accepted, to
// announce. Call it after the chain's tip (and UTXO set) include block,
// once per block connected, in order; height is the block's height. The
// fee estimator, if any, then learns the block (ConnectBlock: what it
// confirmed, and which tracked transactions left the pool unconfirmed),
// under the pool lock so its view of the pool cannot change meanwhile.
func (mp *TxPool) RemoveForBlock(block *wire.MsgBlock, height int32) []*TxDesc {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	mp.tipChanges++
	mp.parked = nil // Disconnects are over: what waited for a parent goes.
	for i, tx := range block.Transactions {
		txid := tx.TxHash()
		if e, ok := mp.pool[txid]; ok {
			mp.removeSet(map[*entry]struct{}{e: {}}, RemovedBlock)
		}
		if i == 0 {
			continue
		}
		for _, in := range tx.TxIn {
			if c := mp.spentBy[in.PreviousOutPoint]; c != nil && c.txid != txid {
				mp.removeSet(descendantsOf(c), RemovedConflict)
			}
			for o := range mp.orphans.byPrev[in.PreviousOutPoint] {
				if o.txid != txid {
					mp.orphans.remove(o)
				}
			}
		}
		if o, ok := mp.orphans.byTxid[txid]; ok {
			mp.orphans.remove(o)
		}
	}
	mp.blockSinceFeeBump = true
	mp.lastRollingUpdate = mp.cfg.Now()
	var acc []*TxDesc
	for _, tx := range block.Transactions {
		acc = append(acc, mp.processOrphans(tx)...)
	}
	if fe := mp.cfg.FeeEstimator; fe != nil {
		txids := make([]chainhash.Hash, len(block.Transactions))
		for i, tx := range block.Transactions {
			txids[i] = tx.TxHash()
		}
		fe.ConnectBlock(height, txids, mp.inPoolLocked)
	}
	return acc
}

// inPoolLocked reports whether txid is pooled. The pool lock must be held.
func (mp *TxPool) inPoolLocked(txid *chainhash.Hash) bool {
	_, ok := mp.pool[*txid]
	return ok
}

// AddBackForDisconnect updates the pool for a block just disconnected (the
// chain's tip is now its parent): its non-coinbase transactions are
// validated again and put back without the fee floors or size limit (as
// Core), those that fail are dropped, pooled children are linked to their
// restored parents, and entries no longer valid at the new tip
// (non-final, BIP68 locks, immature coinbase spends, missing inputs) are
// removed. Call it for each disconnected block, oldest first, once the
// chain's tip is the fork point (a younger block's transactions spend the
// older ones'), before the new branch connects; the new blocks'
// RemoveForBlock calls then follow. An entry whose missing input a younger
// disconnected block may bring back is held aside and retried by the next
// call, so a pooled child of the youngest block's transaction survives.
//
// It returns the transactions it accepted that are still pooled at the end
// (the block's, and pooled ones it took out and put back), parents first,
// for the caller to announce. The fee estimator counts but does not track
// them.
func (mp *TxPool) AddBackForDisconnect(block *wire.MsgBlock) []*TxDesc {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	mp.tipChanges++
	var acc []*TxDesc
	putBack := func(tx *wire.MsgTx, added time.Time) error {
		d, err := mp.accept(tx, acceptOpts{mode: modeReorg, added: added})
		if err == nil {
			acc = append(acc, d)
		}
		return err
	}
	for i, tx := range block.Transactions {
		if i == 0 {
			continue
		}
		// Pooled spenders of this transaction's outputs would look like
		// conflicts of nothing; take them out and put them back after.
		txid := tx.TxHash()
		var kids []*entry
		for j := range tx.TxOut {
			if c := mp.spentBy[wire.OutPoint{Hash: txid, Index: uint32(j)}]; c != nil {
				kids = append(kids, c)
			}
		}
		var saved []*entry
		for _, k := range kids {
			if _, ok := mp.pool[k.txid]; !ok {
				continue
			}
			set := descendantsOf(k)
			saved = append(saved, topoSort(set)...)
			mp.removeSet(set, RemovedReorg)
		}
		if err := putBack(tx, time.Time{}); err != nil {
			log.Debugf("Dropping disconnected %v: %v", txid, err)
		}
		for _, s := range saved {
			if _, ok := mp.pool[s.txid]; ok {
				continue
			}
			if err := putBack(s.tx, s.added); err != nil {
				log.Debugf("Dropping %v after disconnect: %v", s.txid, err)
			}
		}
	}
	parked := mp.parked
	mp.parked = nil
	for _, s := range parked {
		if _, ok := mp.pool[s.txid]; ok {
			continue
		}
		if err := putBack(s.tx, s.added); err != nil {
			if errors.Is(err, ErrMissingInputs) {
				mp.parked = append(mp.parked, s)
			} else {
				log.Debugf("Dropping %v after disconnect: %v", s.txid, err)
			}
		}
	}
	mp.removeInvalidAtTip()
	mp.trimToSize()
	return mp.stillPooled(acc)
}

// stillPooled returns the descriptions in descs whose transaction is still
// pooled as the same entry, in order (an acceptance may be undone by a
// later eviction in the same call). The pool lock must be held.
func (mp *TxPool) stillPooled(descs []*TxDesc) []*TxDesc {
	out := descs[:0]
	for _, d := range descs {
		if e, ok := mp.pool[d.TxHash]; ok && e.wtxid == d.WTxHash {
			out = append(out, d)
		}
	}
	return out
}

// removeInvalidAtTip removes entries (with descendants) that the current
// tip no longer allows: non-final, BIP68-locked, spending an immature
// coinbase, or spending an output that is gone. Entries whose input is gone
// are held in mp.parked (with their descendants, parents first) for the
// next AddBackForDisconnect to retry. The pool lock must be held.
func (mp *TxPool) removeInvalidAtTip() {
	tip := mp.cfg.BestHeight()
	mtp := mp.cfg.MedianTimePast()
	var bad, missing []*entry
	for _, e := range mp.pool {
		if !standalone.IsFinalTx(e.tx, tip+1, mtp.Unix()) {
			bad = append(bad, e)
			continue
		}
		heights := make([]int32, len(e.tx.TxIn))
		ok, gone := true, false
		for i, in := range e.tx.TxIn {
			if _, inPool := mp.pool[in.PreviousOutPoint.Hash]; inPool {
				heights[i] = tip + 1
				continue
			}
			u, err := mp.cfg.FetchUTXO(in.PreviousOutPoint)
			if err == nil && u == nil {
				gone = true
				break
			}
			if err != nil || u == nil ||
				u.IsCoinBase && tip+1-u.Height < mp.cfg.CoinbaseMaturity {
				ok = false
				break
			}
			heights[i] = u.Height
		}
		if gone {
			missing = append(missing, e)
			continue
		}
		if ok {
			ok, _ = mp.sequenceLocksOK(e.tx, heights, tip, mtp)
		}
		if !ok {
			bad = append(bad, e)
		}
	}
	for _, e := range bad {
		if _, ok := mp.pool[e.txid]; ok {
			mp.removeSet(descendantsOf(e), RemovedReorg)
		}
	}
	for _, e := range missing {
		if _, ok := mp.pool[e.txid]; ok {
			set := descendantsOf(e)
			mp.parked = append(mp.parked, topoSort(set)...)
			mp.removeSet(set, RemovedReorg)
		}
	}
}

// topoSort orders set parents first (by ancestor count, then txid).
func topoSort(set map[*entry]struct{}) []*entry {
	out := make([]*entry, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sortEntries(out, func(a, b *entry) bool {
		if a.ancCount != b.ancCount {
			return a.ancCount < b.ancCount
		}
		return lessHash(&a.txid, &b.txid)
	})
	return out
}

// lessHash orders hashes bytewise.
func lessHash(a, b *chainhash.Hash) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
