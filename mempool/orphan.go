package mempool

import (
	"errors"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// orphan is a transaction whose inputs are not all known yet.
type orphan struct {
	tx      *wire.MsgTx
	txid    chainhash.Hash
	wtxid   chainhash.Hash
	tag     Tag
	weight  int64
	expires time.Time
	seq     uint64
}

// peerOrphans is one peer's share of the orphan pool, oldest first.
type peerOrphans struct {
	list   []*orphan
	weight int64
}

// orphanPool keeps orphans bounded per peer and in total, by count and by
// weight (Policy.MaxOrphans*, Core v30's orphanage reservations). When a
// peer's bound is hit it evicts its own oldest orphan; when a total is hit
// the peer furthest past its protected share (dosScore) does, so a
// flooding peer only pushes out its own. The pool lock guards it.
type orphanPool struct {
	byTxid    map[chainhash.Hash]*orphan
	byWtxid   map[chainhash.Hash]*orphan
	byPrev    map[wire.OutPoint]map[*orphan]struct{}
	byPeer    map[Tag]*peerOrphans
	weight    int64
	seq       uint64
	nextSweep time.Time
	// extra receives the orphans evicted by limit (nil: none kept).
	extra *extraTxns
}

func newOrphanPool(extra *extraTxns) *orphanPool {
	return &orphanPool{
		extra:   extra,
		byTxid:  make(map[chainhash.Hash]*orphan),
		byWtxid: make(map[chainhash.Hash]*orphan),
		byPrev:  make(map[wire.OutPoint]map[*orphan]struct{}),
		byPeer:  make(map[Tag]*peerOrphans),
	}
}

// have reports whether hash is an orphan's txid or wtxid.
func (op *orphanPool) have(hash chainhash.Hash) bool {
	_, a := op.byTxid[hash]
	_, b := op.byWtxid[hash]
	return a || b
}

// add keeps tx as an orphan of peer tag.
func (op *orphanPool) add(tx *wire.MsgTx, txid, wtxid chainhash.Hash, tag Tag, weight int64, expires time.Time) *orphan {
	op.seq++
	o := &orphan{tx: tx, txid: txid, wtxid: wtxid, tag: tag, weight: weight,
		expires: expires, seq: op.seq}
	op.byTxid[txid] = o
	op.byWtxid[wtxid] = o
	for _, in := range tx.TxIn {
		m := op.byPrev[in.PreviousOutPoint]
		if m == nil {
			m = make(map[*orphan]struct{})
			op.byPrev[in.PreviousOutPoint] = m
		}
		m[o] = struct{}{}
	}
	p := op.byPeer[tag]
	if p == nil {
		p = &peerOrphans{}
		op.byPeer[tag] = p
	}
	p.list = append(p.list, o)
	p.weight += weight
	op.weight += weight
	return o
}

// remove forgets o.
func (op *orphanPool) remove(o *orphan) {
	if op.byTxid[o.txid] != o {
		return
	}
	delete(op.byTxid, o.txid)
	delete(op.byWtxid, o.wtxid)
	for _, in := range o.tx.TxIn {
		if m := op.byPrev[in.PreviousOutPoint]; m != nil {
			delete(m, o)
			if len(m) == 0 {
				delete(op.byPrev, in.PreviousOutPoint)
			}
		}
	}
	p := op.byPeer[o.tag]
	for i, x := range p.list {
		if x == o {
			p.list = append(p.list[:i], p.list[i+1:]...)
			break
		}
	}
	p.weight -= o.weight
	op.weight -= o.weight
	if len(p.list) == 0 {
		delete(op.byPeer, o.tag)
	}
}

// evict removes o to make room, keeping it for compact block
// reconstruction.
func (op *orphanPool) evict(o *orphan) {
	if op.extra != nil {
		op.extra.add(o.tx, o.wtxid)
	}
	op.remove(o)
}

// limit evicts orphans until every bound holds: first the peer's own
// bounds for tag, then the totals, always from the peer using the most.
func (op *orphanPool) limit(pol *Policy, tag Tag) int {
	n := 0
	if p := op.byPeer[tag]; p != nil {
		for len(p.list) > 0 && (len(p.list) > pol.MaxOrphansPerPeer ||
			p.weight > pol.MaxOrphanWeightPeer) {
			op.evict(p.list[0])
			n++
			if op.byPeer[tag] == nil {
				break
			}
		}
	}
	for len(op.byTxid) > pol.MaxOrphans || op.weight > pol.MaxOrphanWeightTotal {
		var worst *peerOrphans
		worstScore := 0.0
		for _, p := range op.byPeer {
			score := op.dosScore(pol, p)
			if worst == nil || score > worstScore ||
				score == worstScore && p.weight > worst.weight {
				worst, worstScore = p, score
			}
		}
		if worst == nil {
			break
		}
		op.evict(worst.list[0])
		n++
	}
	return n
}

// dosScore is how far p is past its protected share of the orphan pool
// (Core v30's orphanage DoS score): the larger of its weight over the
// per-peer weight reservation and its count over an equal split of the
// total count among the peers holding orphans. A peer at or below 1 stays
// within its share; when the totals are exceeded the peer with the highest
// score loses its oldest orphan first, so an honest peer with one large
// orphan outlasts peers flooding small ones.
func (op *orphanPool) dosScore(pol *Policy, p *peerOrphans) float64 {
	w := float64(p.weight) / float64(max(pol.MaxOrphanWeightPeer, 1))
	share := float64(max(pol.MaxOrphans, 1)) / float64(len(op.byPeer))
	return max(w, float64(len(p.list))/share)
}

// expire drops orphans past their expiry, at most every five minutes.
func (op *orphanPool) expire(now time.Time) int {
	if now.Before(op.nextSweep) {
		return 0
	}
	op.nextSweep = now.Add(5 * time.Minute)
	n := 0
	for _, o := range op.byTxid {
		if !now.Before(o.expires) {
			op.remove(o)
			n++
		}
	}
	return n
}

// ProcessTransaction is the entry point for a transaction from a peer
// (tag) or from RPC (tag 0, allowOrphan false). It returns the
// transactions accepted (tx first, then any orphans it unlocked, each
// parent before its children), and, when tx was kept as an orphan, the
// parents to ask tag for. A refused transaction returns an Error whose kind
// errors.Is can test; with allowOrphan false, missing inputs return
// ErrMissingInputs.
func (mp *TxPool) ProcessTransaction(tx *wire.MsgTx, allowOrphan bool, tag Tag) ([]*TxDesc, []chainhash.Hash, error) {
	return mp.processTransaction(tx, allowOrphan, tag, 0)
}

// ProcessLocalTransaction is ProcessTransaction for a local transaction
// (tag 0, never kept as an orphan) with a fee cap: when maxFee is
// positive, a transaction that passes every rule but pays a base fee above
// maxFee is refused with ErrMaxFeeExceeded and nothing is added. It is
// sendrawtransaction's single-pass form of Core's BroadcastTransaction,
// which runs a test acceptance to compare the fee before the real one; the
// errors come in the same order (a rule or script failure before the cap).
func (mp *TxPool) ProcessLocalTransaction(tx *wire.MsgTx, maxFee int64) ([]*TxDesc, error) {
	acc, _, err := mp.processTransaction(tx, false, 0, maxFee)
	return acc, err
}

// processTransaction implements ProcessTransaction and
// ProcessLocalTransaction.
func (mp *TxPool) processTransaction(tx *wire.MsgTx, allowOrphan bool, tag Tag, maxFee int64) ([]*TxDesc, []chainhash.Hash, error) {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	d, err := mp.acceptSingle(newWorkspace(tx, acceptOpts{maxFee: maxFee}))
	if err == nil {
		acc := append([]*TxDesc{d}, mp.processOrphans(tx)...)
		return acc, nil, nil
	}
	var me missingInputsError
	if !errors.As(err, &me) {
		return nil, nil, err
	}
	if !allowOrphan {
		return nil, me.parents, me.err
	}
	if err := mp.maybeAddOrphan(tx, tag); err != nil {
		return nil, nil, err
	}
	return nil, me.parents, nil
}

// maybeAddOrphan keeps tx as an orphan if it is not too large. The pool
// lock must be held.
func (mp *TxPool) maybeAddOrphan(tx *wire.MsgTx, tag Tag) error {
	now := mp.cfg.Now()
	mp.orphans.expire(now)
	txid := tx.TxHash()
	if mp.orphans.have(txid) {
		return nil
	}
	w := tx.Weight()
	if w > mp.cfg.Policy.MaxStandardTxWeight {
		return txRuleError(ErrOrphanTooLarge, "orphan weight %d", w)
	}
	wtxid := tx.WitnessHash()
	mp.orphans.add(tx, txid, wtxid, tag, w, now.Add(mp.cfg.Policy.OrphanExpiry))
	if n := mp.orphans.limit(&mp.cfg.Policy, tag); n > 0 {
		log.Debugf("Evicted %d orphans", n)
	}
	if !mp.orphans.have(txid) {
		return txRuleError(ErrOrphanRejected, "orphan pool full for peer")
	}
	return nil
}

// processOrphans accepts the orphans that accepted makes complete, and the
// ones those unlock in turn. Orphans refused for any reason other than
// still-missing inputs are dropped. The pool lock must be held.
func (mp *TxPool) processOrphans(accepted *wire.MsgTx) []*TxDesc {
	var out []*TxDesc
	queue := []*wire.MsgTx{accepted}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		ph := parent.TxHash()
		for i := range parent.TxOut {
			set := mp.orphans.byPrev[wire.OutPoint{Hash: ph, Index: uint32(i)}]
			for o := range set {
				d, err := mp.accept(o.tx, acceptOpts{})
				if err != nil {
					var me missingInputsError
					if errors.As(err, &me) {
						continue
					}
					log.Debugf("Dropping orphan %v: %v", o.txid, err)
					mp.orphans.remove(o)
					continue
				}
				mp.orphans.remove(o)
				out = append(out, d)
				queue = append(queue, o.tx)
			}
		}
	}
	return out
}

// ProcessOrphans accepts the orphans that tx (just accepted or confirmed)
// makes complete, and returns them.
func (mp *TxPool) ProcessOrphans(tx *wire.MsgTx) []*TxDesc {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	return mp.processOrphans(tx)
}

// RemoveOrphansByTag drops every orphan from peer tag (on disconnect) and
// returns how many.
func (mp *TxPool) RemoveOrphansByTag(tag Tag) int {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	p := mp.orphans.byPeer[tag]
	if p == nil {
		return 0
	}
	list := append([]*orphan(nil), p.list...)
	for _, o := range list {
		mp.orphans.remove(o)
	}
	return len(list)
}

// OrphanChildren returns the orphans peer tag gave that spend an output of
// the transaction parent (a txid), newest first. They are the children
// Core's opportunistic 1-parent-1-child relay pairs with a parent refused
// for its fee (GetChildrenFromSamePeer): only the sender's own orphans, so
// that other peers cannot crowd out the real child with fake ones. Safe for
// concurrent use.
func (mp *TxPool) OrphanChildren(parent chainhash.Hash, tag Tag) []*wire.MsgTx {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	p := mp.orphans.byPeer[tag]
	if p == nil {
		return nil
	}
	var out []*wire.MsgTx
	for i := len(p.list) - 1; i >= 0; i-- {
		o := p.list[i]
		for _, in := range o.tx.TxIn {
			if in.PreviousOutPoint.Hash == parent {
				out = append(out, o.tx)
				break
			}
		}
	}
	return out
}

// RemoveOrphan drops the orphan whose txid or wtxid is hash and reports
// whether there was one: a transaction found invalid for a reason other
// than its missing inputs (as a package's child) is not kept waiting.
func (mp *TxPool) RemoveOrphan(hash chainhash.Hash) bool {
	mp.mtx.Lock()
	defer mp.mtx.Unlock()
	o := mp.orphans.byWtxid[hash]
	if o == nil {
		o = mp.orphans.byTxid[hash]
	}
	if o == nil {
		return false
	}
	mp.orphans.remove(o)
	return true
}

// OrphanCount returns the number of orphans held.
func (mp *TxPool) OrphanCount() int {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	return len(mp.orphans.byTxid)
}

// IsOrphanInPool reports whether txid is held as an orphan.
func (mp *TxPool) IsOrphanInPool(txid *chainhash.Hash) bool {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	_, ok := mp.orphans.byTxid[*txid]
	return ok
}

// OrphanInfo describes an orphan for getorphantxs.
type OrphanInfo struct {
	Tx      *wire.MsgTx
	Txid    chainhash.Hash
	Wtxid   chainhash.Hash
	Weight  int64
	From    Tag
	Entry   time.Time // when it was added
	Expires time.Time
}

// Orphans lists the orphans held, oldest first.
func (mp *TxPool) Orphans() []OrphanInfo {
	mp.mtx.RLock()
	defer mp.mtx.RUnlock()
	out := make([]OrphanInfo, 0, len(mp.orphans.byTxid))
	for _, o := range mp.orphans.byTxid {
		out = append(out, OrphanInfo{Tx: o.tx, Txid: o.txid, Wtxid: o.wtxid, Weight: o.weight,
			From: o.tag, Entry: o.expires.Add(-mp.cfg.Policy.OrphanExpiry), Expires: o.expires})
	}
	sort.Slice(out, func(i, j int) bool {
		return mp.orphans.byTxid[out[i].Txid].seq < mp.orphans.byTxid[out[j].Txid].seq
	})
	return out
}
