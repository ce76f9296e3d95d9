package netsync

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// txAnn is one announced transaction we do not have: the peers that
// announced it, in order, and the one we asked (Core's TxRequestTracker,
// without its preference delays).
type txAnn struct {
	hash  chainhash.Hash
	wtxid bool // announced as MSG_WTX (else by txid)
	// announcers not asked yet, in arrival order.
	announcers []announcer
	// asked is the peer asked (0: none in flight) and when.
	asked   int32
	askedAt time.Time
}

// announcer is a peer that announced a transaction, and when.
type announcer struct {
	id int32
	at time.Time
}

// txPeer counts a peer's tracked announcements and requests in flight.
type txPeer struct {
	announced int
	inFlight  int
	// preferred peers (outbound) are asked first; the others only after
	// InboundTxDelay, as Core's TxRequestTracker does, so an inbound
	// attacker cannot win every first request.
	preferred bool
	// queue holds, in arrival order, the hashes the peer announced that
	// may be requested from it; urgent holds those to look at first (an
	// orphan's parents, announcements given up by another peer). Entries
	// go stale (received, asked elsewhere, dropped) and are skipped when
	// met, so schedule only visits peers with room and, for each, the
	// entries it can take now: not every tracked announcement.
	queue  []chainhash.Hash
	urgent []chainhash.Hash
}

// txTracker decides which peer to ask for each announced transaction: one
// at a time, the next announcer after TxRequestTimeout or a notfound, with
// per-peer bounds on announcements (an outsider must not make us remember
// unbounded hashes) and on requests in flight. It belongs to the event
// goroutine.
type txTracker struct {
	cfg   *Config
	anns  map[chainhash.Hash]*txAnn
	peers map[int32]*txPeer
	// visited counts queue entries schedule looked at (tests).
	visited int
}

// newTxTracker returns an empty tracker.
func newTxTracker(cfg *Config) *txTracker {
	return &txTracker{cfg: cfg, anns: make(map[chainhash.Hash]*txAnn),
		peers: make(map[int32]*txPeer)}
}

// peer returns the counters of id, creating them.
func (t *txTracker) peer(id int32) *txPeer {
	tp := t.peers[id]
	if tp == nil {
		tp = &txPeer{}
		t.peers[id] = tp
	}
	return tp
}

// inFlight returns the number of requests in flight.
func (t *txTracker) inFlight() int {
	n := 0
	for _, tp := range t.peers {
		n += tp.inFlight
	}
	return n
}

// setPreferred records whether id is a preferred (outbound) peer.
func (t *txTracker) setPreferred(id int32, preferred bool) {
	t.peer(id).preferred = preferred
}

// add records that peer id announced hash at now; it returns false when
// the peer is over its announcement bound.
func (t *txTracker) add(hash chainhash.Hash, wtxid bool, id int32, now time.Time) bool {
	tp := t.peer(id)
	a := t.anns[hash]
	if a != nil {
		if a.asked == id {
			return true
		}
		for _, o := range a.announcers {
			if o.id == id {
				return true
			}
		}
	}
	if tp.announced >= t.cfg.MaxPeerTxAnnouncements {
		return false
	}
	if a == nil {
		a = &txAnn{hash: hash, wtxid: wtxid}
		t.anns[hash] = a
	}
	a.announcers = append(a.announcers, announcer{id: id, at: now})
	tp.announced++
	if now.IsZero() {
		tp.urgent = append(tp.urgent, hash)
	} else {
		tp.queue = append(tp.queue, hash)
	}
	if len(tp.queue)+len(tp.urgent) > 2*tp.announced+64 {
		t.compact(id, tp)
	}
	return true
}

// compact drops a peer's stale queue entries (and duplicates).
func (t *txTracker) compact(id int32, tp *txPeer) {
	seen := make(map[chainhash.Hash]struct{}, tp.announced)
	filter := func(q []chainhash.Hash) []chainhash.Hash {
		out := q[:0:0]
		for _, h := range q {
			if _, dup := seen[h]; dup {
				continue
			}
			if a := t.anns[h]; a != nil && a.asked == 0 && a.announcerIndex(id) >= 0 {
				seen[h] = struct{}{}
				out = append(out, h)
			}
		}
		return out
	}
	tp.urgent = filter(tp.urgent)
	tp.queue = filter(tp.queue)
}

// announcerIndex returns the index of id among a's waiting announcers, or
// -1.
func (a *txAnn) announcerIndex(id int32) int {
	for i, o := range a.announcers {
		if o.id == id {
			return i
		}
	}
	return -1
}

// release drops id's hold on an announcement (asked or not).
func (t *txTracker) release(id int32, wasAsked bool) {
	if tp := t.peers[id]; tp != nil {
		tp.announced--
		if wasAsked {
			tp.inFlight--
		}
	}
}

// received forgets hash: the transaction arrived (or is no longer wanted).
// It reports whether the peer asked for it has requests waiting and its
// requests in flight just fell to half of MaxPeerTxInFlight or to none, so
// that the caller asks for more at once rather than at the next tick.
func (t *txTracker) received(hash chainhash.Hash) bool {
	a := t.anns[hash]
	if a == nil {
		return false
	}
	delete(t.anns, hash)
	refill := false
	if a.asked != 0 {
		t.release(a.asked, true)
		if tp := t.peers[a.asked]; tp != nil && tp.announced > tp.inFlight &&
			(tp.inFlight == 0 || tp.inFlight == t.cfg.MaxPeerTxInFlight/2) {
			refill = true
		}
	}
	for _, o := range a.announcers {
		t.release(o.id, false)
	}
	return refill
}

// giveUp ends the request of hash from its asked peer (timeout or
// notfound); the next announcer will be asked.
func (t *txTracker) giveUp(a *txAnn) {
	t.release(a.asked, true)
	a.asked = 0
	if len(a.announcers) == 0 {
		delete(t.anns, a.hash)
		return
	}
	// The waiting announcers may have passed it over while it was asked
	// elsewhere: put it back where they look first.
	for _, o := range a.announcers {
		if tp := t.peers[o.id]; tp != nil {
			tp.urgent = append(tp.urgent, a.hash)
		}
	}
}

// notFound handles a notfound for hash from id.
func (t *txTracker) notFound(hash chainhash.Hash, id int32) {
	a := t.anns[hash]
	if a == nil {
		return
	}
	if a.asked == id {
		t.giveUp(a)
		return
	}
	t.dropAnnouncer(a, id)
}

// dropAnnouncer removes id from a's waiting announcers.
func (t *txTracker) dropAnnouncer(a *txAnn, id int32) {
	for i, o := range a.announcers {
		if o.id == id {
			a.announcers = append(a.announcers[:i], a.announcers[i+1:]...)
			t.release(id, false)
			break
		}
	}
	if a.asked == 0 && len(a.announcers) == 0 {
		delete(t.anns, a.hash)
	}
}

// expire gives up the requests older than TxRequestTimeout.
func (t *txTracker) expire(now time.Time) {
	for _, a := range t.anns {
		if a.asked != 0 && now.Sub(a.askedAt) >= t.cfg.TxRequestTimeout {
			log.Debugf("Transaction %v not received from peer %d in time", a.hash, a.asked)
			t.giveUp(a)
		}
	}
}

// removePeer forgets a peer's announcements and requests.
func (t *txTracker) removePeer(id int32) {
	if t.peers[id] == nil {
		return
	}
	for _, a := range t.anns {
		if a.asked == id {
			t.giveUp(a)
		} else {
			t.dropAnnouncer(a, id)
		}
	}
	delete(t.peers, id)
}

// schedule picks, for the announcements not in flight, the announcer to
// ask: preferred peers with room first, then the others for announcements
// InboundTxDelay old. It looks only at peers with room and at the queue
// entries each can take, so its cost does not grow with the announcements
// waiting for full peers. It returns the requests by peer.
func (t *txTracker) schedule(now time.Time) map[int32][]*txAnn {
	var out map[int32][]*txAnn
	for _, preferred := range []bool{true, false} {
		for id, tp := range t.peers {
			if tp.preferred != preferred || tp.inFlight >= t.cfg.MaxPeerTxInFlight {
				continue
			}
			if len(tp.urgent) == 0 && len(tp.queue) == 0 {
				continue
			}
			if out == nil {
				out = make(map[int32][]*txAnn)
			}
			t.schedulePeer(id, tp, now, out)
		}
	}
	return out
}

// pick returns the index of the announcer of a to ask now, or -1: the
// first preferred one with room, else the first other one with room whose
// announcement is InboundTxDelay old.
func (t *txTracker) pick(a *txAnn, now time.Time) int {
	pick := -1
	for i, o := range a.announcers {
		tp := t.peers[o.id]
		if tp == nil || tp.inFlight >= t.cfg.MaxPeerTxInFlight {
			continue
		}
		if tp.preferred {
			return i
		}
		if pick < 0 && now.Sub(o.at) >= t.cfg.InboundTxDelay {
			pick = i
		}
	}
	return pick
}

// ask moves a's announcer i to in flight.
func (t *txTracker) ask(a *txAnn, i int, now time.Time, out map[int32][]*txAnn) {
	id := a.announcers[i].id
	a.announcers = append(a.announcers[:i], a.announcers[i+1:]...)
	a.asked, a.askedAt = id, now
	t.peers[id].inFlight++
	out[id] = append(out[id], a)
}

// schedulePeer asks tp (id) for the announcements in its queues it can
// take now, until its requests in flight reach the bound.
func (t *txTracker) schedulePeer(id int32, tp *txPeer, now time.Time, out map[int32][]*txAnn) {
	// take reports whether the entry is done with (asked now, or stale);
	// wait is set when it must stay for InboundTxDelay. An announcement is
	// given to the announcer the rule picks (the first preferred one with
	// room, else the first other one InboundTxDelay old), which may be
	// another peer than the one whose queue holds the entry.
	take := func(h chainhash.Hash) (done, wait bool) {
		t.visited++
		a := t.anns[h]
		if a == nil || a.asked != 0 || a.announcerIndex(id) < 0 {
			return true, false
		}
		pick := t.pick(a, now)
		if pick < 0 {
			return false, true // this peer's announcement is too young
		}
		t.ask(a, pick, now, out)
		return true, false
	}
	if len(tp.urgent) > 0 {
		keep := tp.urgent[:0]
		for j, h := range tp.urgent {
			if tp.inFlight >= t.cfg.MaxPeerTxInFlight {
				keep = append(keep, tp.urgent[j:]...)
				break
			}
			if done, _ := take(h); !done {
				keep = append(keep, h)
			}
		}
		tp.urgent = keep
	}
	i := 0
	for i < len(tp.queue) && tp.inFlight < t.cfg.MaxPeerTxInFlight {
		if _, wait := take(tp.queue[i]); wait {
			break // later entries are younger
		}
		i++
	}
	if i > 0 {
		tp.queue = tp.queue[i:]
		if len(tp.queue) == 0 {
			tp.queue = nil
		}
	}
}

// scheduleTxs sends the getdata requests the tracker decides on.
func (sm *SyncManager) scheduleTxs() {
	if len(sm.txs.anns) == 0 {
		return
	}
	for id, anns := range sm.txs.schedule(sm.cfg.Now()) {
		ps := sm.peers[id]
		if ps == nil {
			continue
		}
		gd := wire.NewMsgGetDataSizeHint(uint(len(anns)))
		for _, a := range anns {
			typ := wire.InvTypeWitnessTx
			if a.wtxid {
				typ = wire.InvTypeWTx
			}
			if gd.AddInvVect(wire.NewInvVect(typ, &a.hash)) != nil {
				break
			}
		}
		_ = ps.p.QueueMessage(gd, nil)
	}
}

// maybeResetRejects empties the rejected-transaction filters when the tip
// changed since they were filled (Core's hashRecentRejectsChainTip): a new
// block may make a rejected transaction valid.
func (sm *SyncManager) maybeResetRejects() {
	tip := sm.chain.BestSnapshot().Hash
	if tip != sm.rejectsTip {
		sm.recentRejects.Reset()
		sm.reconsiderable.Reset()
		sm.rejectsTip = tip
	}
}

// alreadyHaveTx reports whether a transaction hash needs no request: it
// is in the pool (or its orphans), was confirmed recently, or was
// rejected since the last tip. A transaction refused only for its fee
// counts when withReconsiderable is set (an announcement), and not for an
// orphan's parent, which its child may pay for (Core's AlreadyHaveTx with
// include_reconsiderable).
func (sm *SyncManager) alreadyHaveTx(hash chainhash.Hash, withReconsiderable bool) bool {
	sm.maybeResetRejects()
	return sm.recentRejects.Has(hash) || withReconsiderable && sm.reconsiderable.Has(hash) ||
		sm.isRecentlyConfirmed(hash) || sm.pool.HaveTransaction(&hash)
}

// handleInv handles an inv: blocks lead to the headers path; transactions
// (outside initial block download) to the request tracker.
func (sm *SyncManager) handleInv(p Peer, inv *wire.MsgInv) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p {
		return
	}
	var lastUnknownBlock *chainhash.Hash
	ibd := sm.IsInitialBlockDownload()
	wtxidPeer := p.WantsWtxid()
	for _, iv := range inv.InvList {
		switch iv.Type {
		case wire.InvTypeBlock, wire.InvTypeWitnessBlock:
			sm.markKnown(ps.id, iv.Hash)
			if sm.learnedBlock(ps, iv.Hash) != nil {
				continue
			}
			h := iv.Hash
			lastUnknownBlock = &h
		case wire.InvTypeTx, wire.InvTypeWTx:
			// BIP339: a wtxidrelay peer announces by wtxid only, others
			// by txid only; the other kind is ignored, as Core does.
			if ibd || (iv.Type == wire.InvTypeWTx) != wtxidPeer {
				continue
			}
			if sm.alreadyHaveTx(iv.Hash, true) {
				continue
			}
			if !sm.txs.add(iv.Hash, wtxidPeer, ps.id, sm.cfg.Now()) {
				log.Debugf("Peer %s over its transaction announcement limit", p.Addr())
			}
		}
	}
	if lastUnknownBlock != nil && (ps != sm.syncPeer || sm.headersSynced) {
		sm.sendGetHeaders(ps, nil)
	}
	sm.scheduleTxs()
}

// handleNotFound moves the requests a peer cannot answer to other peers.
func (sm *SyncManager) handleNotFound(p Peer, nf *wire.MsgNotFound) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p {
		return
	}
	for _, iv := range nf.InvList {
		switch iv.Type {
		case wire.InvTypeTx, wire.InvTypeWTx, wire.InvTypeWitnessTx:
			sm.txs.notFound(iv.Hash, ps.id)
		case wire.InvTypeBlock, wire.InvTypeWitnessBlock:
			if req := sm.inFlight[iv.Hash]; req != nil && req.peer == ps {
				delete(sm.inFlight, iv.Hash)
				delete(ps.requested, iv.Hash)
				if ps.bestKnownHeight >= req.height {
					ps.bestKnownHeight = req.height - 1
				}
			}
		}
	}
	sm.scheduleTxs()
	sm.scheduleBlocks()
}

// handleTx submits a peer's transaction to the pool. A rejected one is
// remembered (so it is not requested again until the next tip) but does
// not count against the peer, as in Core v30; its missing parents are
// requested from the same peer. One refused only for its fee is
// remembered apart, as reconsiderable: an orphan child from the same peer
// may pay for it as a 1-parent-1-child package (try1p1c), now or when the
// parent is sent again after the child.
func (sm *SyncManager) handleTx(p Peer, tx *wire.MsgTx) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p {
		return
	}
	txid, wtxid := tx.TxHash(), tx.WitnessHash()
	// A peer holding more announcements than MaxPeerTxInFlight is asked
	// for the next ones as its answers arrive, not a tick later (which
	// capped relay at MaxPeerTxInFlight transactions a tick per peer).
	if refill := sm.txs.received(txid); sm.txs.received(wtxid) || refill {
		defer sm.scheduleTxs()
	}
	if sm.IsInitialBlockDownload() {
		return
	}
	sm.maybeResetRejects()
	if sm.recentRejects.Has(wtxid) || sm.recentRejects.Has(txid) {
		return
	}
	if sm.reconsiderable.Has(wtxid) {
		// Refused alone already: not judged alone again, but a child
		// of it from this peer may be waiting as an orphan.
		sm.try1p1c(p, ps, tx)
		return
	}
	accepted, missing, err := sm.pool.ProcessTransaction(tx, true, mempool.Tag(uint32(ps.id)))
	if err != nil {
		log.Debugf("Rejected transaction %v from %s: %v", txid, p.Addr(), err)
		if mempool.IsReconsiderable(tx, err) {
			sm.reconsiderable.Add(wtxid)
			sm.try1p1c(p, ps, tx)
			return
		}
		sm.rememberRejected(tx, err)
		return
	}
	if len(missing) > 0 {
		sm.handleOrphan(ps, wtxid, missing)
		return
	}
	sm.relayAccepted(p, accepted)
}

// handleOrphan asks the peer ps for the missing parents of the orphan
// wtxid just kept, unless the orphan cannot be valid: a parent was
// rejected, or more than one was refused for its fee (only one parent can
// be paid for in a 1p1c package). A parent refused for its fee is asked
// for again, so that it can be judged with this child (Core's
// p2p_opportunistic_1p1c.py: the child may be what the parent waited for).
func (sm *SyncManager) handleOrphan(ps *peerState, wtxid chainhash.Hash, missing []chainhash.Hash) {
	lowFee := 0
	for i := range missing {
		if sm.reconsiderable.Has(missing[i]) && !sm.pool.HaveTransaction(&missing[i]) {
			lowFee++
		}
		if sm.recentRejects.Has(missing[i]) || lowFee > 1 {
			// An orphan of a rejected parent is rejected too.
			sm.recentRejects.Add(wtxid)
			sm.pool.RemoveOrphan(wtxid)
			return
		}
	}
	for _, parent := range missing {
		if !sm.alreadyHaveTx(parent, false) {
			sm.txs.add(parent, false, ps.id, time.Time{}) // no delay
		}
	}
	sm.scheduleTxs()
}

// try1p1c looks among the orphans peer p sent for a child of parent, a
// transaction refused alone for its fee, and submits the first one not
// tried with it before as a package (Core's Find1P1CPackage, newest child
// first): the child may pay for the parent. What the pool accepts is
// relayed as any accepted set; a package refused is remembered by its
// hash, and its members by their own verdicts.
func (sm *SyncManager) try1p1c(p Peer, ps *peerState, parent *wire.MsgTx) {
	pwtxid := parent.WitnessHash()
	for _, child := range sm.pool.OrphanChildren(parent.TxHash(), mempool.Tag(uint32(ps.id))) {
		cwtxid := child.WitnessHash()
		key := packageHash(pwtxid, cwtxid)
		if sm.reconsiderable.Has(key) || sm.recentRejects.Has(cwtxid) {
			continue
		}
		pkg := []*wire.MsgTx{parent, child}
		res := sm.pool.SubmitPackage(pkg, 0)
		if res.PackageErr != nil {
			log.Debugf("Rejected package %v+%v from %s: %v", parent.TxHash(),
				child.TxHash(), p.Addr(), res.PackageErr)
			sm.reconsiderable.Add(key)
		}
		for i, r := range res.Txs {
			if r.Status != mempool.PackageTxRejected || errors.Is(r.Err, mempool.ErrMissingInputs) {
				continue
			}
			if i == 1 {
				sm.pool.RemoveOrphan(cwtxid)
			}
			if mempool.IsReconsiderable(pkg[i], r.Err) {
				sm.reconsiderable.Add(r.WTxHash)
			} else {
				sm.rememberRejected(pkg[i], r.Err)
			}
		}
		sm.relayAccepted(p, res.Accepted)
		return
	}
}

// packageHash names a package of transactions by their wtxids, whatever
// their order (Core's GetPackageHash): the SHA-256 of the sorted wtxids.
func packageHash(wtxids ...chainhash.Hash) chainhash.Hash {
	slices.SortFunc(wtxids, func(a, b chainhash.Hash) int { return bytes.Compare(a[:], b[:]) })
	buf := make([]byte, 0, len(wtxids)*chainhash.HashSize)
	for i := range wtxids {
		buf = append(buf, wtxids[i][:]...)
	}
	return chainhash.HashH(buf)
}

// rememberRejected puts a transaction refused for its own fault in the
// recent-rejects filter (by wtxid, and by txid too when a witness may
// have been at fault, as Core).
func (sm *SyncManager) rememberRejected(tx *wire.MsgTx, err error) {
	if !rememberReject(err) {
		return
	}
	sm.recentRejects.Add(tx.WitnessHash())
	if errors.Is(err, mempool.ErrNonStandardInputs) && tx.HasWitness() {
		sm.recentRejects.Add(tx.TxHash())
	}
}

// relayAccepted marks what the pool accepted from p as known to it and
// hands it to the relay.
func (sm *SyncManager) relayAccepted(p Peer, accepted []*mempool.TxDesc) {
	for _, d := range accepted {
		sm.txs.received(d.TxHash)
		sm.txs.received(d.WTxHash)
	}
	if len(accepted) == 0 {
		return
	}
	markSource(p, accepted, sm.cfg.Now())
	if sm.cfg.Relay != nil {
		sm.cfg.Relay.Announce(accepted)
	}
}

// markSource records that p gave us the accepted transactions: they join
// its known inventory (by txid and wtxid, so neither form is announced
// back to it) and its last-transaction time is now. Peers that keep no
// such state (not a txSource) are left alone.
func markSource(p Peer, accepted []*mempool.TxDesc, now time.Time) {
	src, ok := p.(txSource)
	if !ok {
		return
	}
	for _, d := range accepted {
		src.AddKnownInventory(&wire.InvVect{Type: wire.InvTypeTx, Hash: d.TxHash})
		src.AddKnownInventory(&wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash})
	}
	src.SetLastTx(now)
}

// rememberReject reports whether a pool error belongs in the
// recent-rejects filter: a rule failure of the transaction itself, not a
// duplicate, a full orphan pool or a missing script verifier.
func rememberReject(err error) bool {
	var k mempool.ErrorKind
	if !errors.As(err, &k) {
		return false
	}
	switch k {
	case mempool.ErrAlreadyInPool, mempool.ErrAlreadyKnown, mempool.ErrSameNonWitness,
		mempool.ErrOrphanRejected, mempool.ErrNoVerifier:
		return false
	}
	return true
}
