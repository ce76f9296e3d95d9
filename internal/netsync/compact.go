package netsync

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// BIP152 limits, as Bitcoin Core's.
const (
	// MaxHighBandwidthPeers is how many peers are asked to announce new
	// blocks to us by cmpctblock (BIP152's three high-bandwidth peers).
	MaxHighBandwidthPeers = 3
	// MaxCmpctBlockDepth is Core's MAX_CMPCTBLOCK_DEPTH: a getdata
	// MSG_CMPCT_BLOCK for a block this deep or less below the tip is
	// answered with a cmpctblock, a deeper one with the full block.
	MaxCmpctBlockDepth = 5
	// MaxBlockTxnDepth is Core's MAX_BLOCKTXN_DEPTH: a getblocktxn for a
	// block this deep or less is answered with blocktxn, a deeper one
	// with the full block.
	MaxBlockTxnDepth = 10
	// MaxCmpctBlocksInFlightPerBlock is Core's
	// MAX_CMPCTBLOCKS_INFLIGHT_PER_BLOCK: how many peers (one request
	// each) may be rebuilding the same block from compact blocks.
	MaxCmpctBlocksInFlightPerBlock = 3
	// DefaultCompactBlockTimeout is how long a compact block may wait for
	// its blocktxn (or a requested cmpctblock for itself) before the full
	// block is requested instead. Core has no such step (the request
	// lives until the block download timeout); ternd falls back sooner
	// so a peer that does not answer costs seconds, not minutes.
	DefaultCompactBlockTimeout = 10 * time.Second
)

// cmpctCache is the compact block of the newest block announced early
// (Core's m_most_recent_compact_block), so announcing it to several peers
// and answering their getdata and getblocktxn costs one encoding and no
// store read. Guarded by SyncManager.mu.
type cmpctCache struct {
	hash   chainhash.Hash
	height int32
	block  *wire.MsgBlock
	cmpct  *wire.MsgCmpctBlock
}

// Event messages of compact block relay.
type (
	sendCmpctMsg struct {
		p    Peer
		msg  *wire.MsgSendCmpct
		done chan<- struct{}
	}
	cmpctBlockMsg struct {
		p    Peer
		msg  *wire.MsgCmpctBlock
		done chan<- struct{}
	}
	blockTxnsMsg struct {
		p    Peer
		msg  *wire.MsgBlockTxns
		done chan<- struct{}
	}
)

// QueueSendCmpct hands the manager a sendcmpct from p and waits until it
// was handled, as QueueInv. Version 2 records that the peer speaks
// compact blocks and whether it wants new blocks announced to it by
// cmpctblock (Core's m_provides_cmpctblocks and m_bip152_highbandwidth_from);
// other versions are ignored.
func (sm *SyncManager) QueueSendCmpct(msg *wire.MsgSendCmpct, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return sendCmpctMsg{p, msg, done} })
}

// QueueCmpctBlock hands the manager a cmpctblock from p and waits until
// it was handled, as QueueInv.
func (sm *SyncManager) QueueCmpctBlock(msg *wire.MsgCmpctBlock, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return cmpctBlockMsg{p, msg, done} })
}

// QueueBlockTxns hands the manager a blocktxn from p and waits until it
// was handled, as QueueInv.
func (sm *SyncManager) QueueBlockTxns(msg *wire.MsgBlockTxns, p Peer) error {
	return sm.sendWait(func(done chan<- struct{}) any { return blockTxnsMsg{p, msg, done} })
}

// compactEnabled reports whether compact block relay is on.
func (sm *SyncManager) compactEnabled() bool { return !sm.cfg.NoCompactBlocks }

// handleSendCmpct records a peer's sendcmpct.
func (sm *SyncManager) handleSendCmpct(p Peer, msg *wire.MsgSendCmpct) {
	if !sm.compactEnabled() || msg.Version != CompactBlockVersion {
		return
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if ap := sm.announce[p.ID()]; ap != nil && ap.p == p {
		ap.cmpct = true
		ap.hbFrom = msg.AnnounceUsingCmpctBlock
	}
}

// CompactBlockState reports, for getpeerinfo, whether we asked the peer
// to announce blocks to us by cmpctblock (Core's bip152_hb_to) and
// whether it asked us to (bip152_hb_from). Safe for concurrent use.
func (sm *SyncManager) CompactBlockState(id int32) (hbTo, hbFrom bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if ap := sm.announce[id]; ap != nil {
		return ap.hbTo, ap.hbFrom
	}
	return false, false
}

// providesCmpct reports whether ps sent sendcmpct version 2.
func (sm *SyncManager) providesCmpct(ps *peerState) bool {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	ap := sm.announce[ps.id]
	return ap != nil && ap.cmpct
}

// maybeSetHighBandwidth makes ps, which just gave us a new valid block,
// one of our high-bandwidth peers, as Core's
// MaybeSetPeerAsAnnouncingHeaderAndIDs: the peers that most recently
// gave us a block, at most MaxHighBandwidthPeers, the oldest dropped (by
// sendcmpct(false)) for the newest (sendcmpct(true)), but never the last
// outbound one for an inbound peer.
func (sm *SyncManager) maybeSetHighBandwidth(ps *peerState) {
	if !sm.compactEnabled() || sm.IsInitialBlockDownload() {
		return
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	ap := sm.announce[ps.id]
	if ap == nil || !ap.cmpct {
		return
	}
	for i, id := range sm.hbPeers {
		if id == ps.id {
			sm.hbPeers = append(append(sm.hbPeers[:i:i], sm.hbPeers[i+1:]...), id)
			return
		}
	}
	if len(sm.hbPeers) >= MaxHighBandwidthPeers {
		drop := 0
		if ps.inbound {
			outbound := 0
			for _, id := range sm.hbPeers {
				if o := sm.peers[id]; o != nil && !o.inbound {
					outbound++
				}
			}
			if o := sm.peers[sm.hbPeers[0]]; o != nil && !o.inbound && outbound == 1 {
				drop = 1
			}
		}
		id := sm.hbPeers[drop]
		sm.hbPeers = append(sm.hbPeers[:drop:drop], sm.hbPeers[drop+1:]...)
		if old := sm.announce[id]; old != nil {
			old.hbTo = false
			_ = old.p.QueueMessage(wire.NewMsgSendCmpct(false, CompactBlockVersion), nil)
		}
	}
	ap.hbTo = true
	sm.hbPeers = append(sm.hbPeers, ps.id)
	_ = ap.p.QueueMessage(wire.NewMsgSendCmpct(true, CompactBlockVersion), nil)
	log.Debugf("Peer %s (id %d) is now a high-bandwidth compact block peer", ps.p.Addr(), ps.id)
}

// dropHighBandwidth forgets a departing peer's place. sm.mu is held.
func (sm *SyncManager) dropHighBandwidth(id int32) {
	for i, x := range sm.hbPeers {
		if x == id {
			sm.hbPeers = append(sm.hbPeers[:i:i], sm.hbPeers[i+1:]...)
			return
		}
	}
}

// NewPoWValidBlock announces a block by cmpctblock to the peers that
// asked for high-bandwidth mode, as soon as its header, proof of work and
// own checks passed and before it is connected (Core's
// NewPoWValidBlock); the chain calls it (blockchain.SubscribePoWValid)
// with its lock held, so it touches nothing of the chain. Blocks at or
// below the highest height announced so are skipped, and nothing is sent
// during initial block download. Safe for concurrent use; never blocks.
func (sm *SyncManager) NewPoWValidBlock(block *wire.MsgBlock, hash chainhash.Hash, height int32) {
	if !sm.compactEnabled() || !sm.ibdDone.Load() {
		return
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if height <= sm.highestFastAnnounce {
		return
	}
	sm.highestFastAnnounce = height
	c := sm.cacheCompact(block, hash, height)
	for _, ap := range sm.announce {
		if !ap.hbFrom || ap.known.Has(hash) {
			continue
		}
		ap.known.Add(hash)
		_ = ap.p.QueueMessage(c.cmpct, nil)
	}
}

// cacheCompact returns the cached compact block of hash, building and
// caching it when another block is cached. sm.mu is held.
func (sm *SyncManager) cacheCompact(block *wire.MsgBlock, hash chainhash.Hash, height int32) *cmpctCache {
	if sm.recentCmpct != nil && sm.recentCmpct.hash == hash {
		return sm.recentCmpct
	}
	sm.recentCmpct = &cmpctCache{hash: hash, height: height, block: block,
		cmpct: NewCompactBlock(block, mrand.Uint64())}
	return sm.recentCmpct
}

// recentBlock returns the cached block of hash, or nil.
func (sm *SyncManager) recentBlock(hash *chainhash.Hash) *cmpctCache {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if c := sm.recentCmpct; c != nil && c.hash == *hash {
		return c
	}
	return nil
}

// compactFor returns the compact block of a stored block for serving.
func (sm *SyncManager) compactFor(hash *chainhash.Hash) *wire.MsgCmpctBlock {
	if c := sm.recentBlock(hash); c != nil {
		return c.cmpct
	}
	blk, err := sm.chain.BlockByHash(hash)
	if err != nil {
		return nil
	}
	return NewCompactBlock(blk, mrand.Uint64())
}

// blockDepth returns how far below the tip a stored block is (0 at the
// tip), and false when it is unknown or its data is not stored.
func (sm *SyncManager) blockDepth(hash *chainhash.Hash) (int32, bool) {
	if c := sm.recentBlock(hash); c != nil {
		return max(sm.chain.BestSnapshot().Height-c.height, 0), true
	}
	info, err := sm.chain.BlockInfoByHash(hash)
	if err != nil || !info.Status.HaveData {
		return 0, false
	}
	return sm.chain.BestSnapshot().Height - info.Height, true
}

// HandleGetBlockTxns answers a getblocktxn with the requested
// transactions of a block within MaxBlockTxnDepth of the tip, or with the
// whole block when deeper (Core). An index past the block's transactions
// is misbehaviour (Core: 100); an unknown block is ignored. It runs on the
// caller's goroutine, as HandleGetData.
func (sm *SyncManager) HandleGetBlockTxns(p Peer, msg *wire.MsgGetBlockTxns, quit <-chan struct{}) {
	if !sm.compactEnabled() {
		return
	}
	depth, ok := sm.blockDepth(&msg.BlockHash)
	if !ok {
		log.Debugf("Ignoring getblocktxn from %s for unknown block %v", p.Addr(), msg.BlockHash)
		return
	}
	if depth > MaxBlockTxnDepth {
		gd := wire.NewMsgGetData()
		_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessBlock, &msg.BlockHash))
		sm.HandleGetData(p, gd, quit)
		return
	}
	var block *wire.MsgBlock
	if c := sm.recentBlock(&msg.BlockHash); c != nil {
		block = c.block
	} else if b, err := sm.chain.BlockByHash(&msg.BlockHash); err == nil {
		block = b
	} else {
		return
	}
	reply, err := blockTxnsFor(block, msg)
	if err != nil {
		p.Misbehaving(misbehaviourBan, err.Error())
		return
	}
	_ = p.QueueMessage(reply, nil)
}

// blockTxnsFor builds the blocktxn answering req from block; an index out
// of range is an error.
func blockTxnsFor(block *wire.MsgBlock, req *wire.MsgGetBlockTxns) (*wire.MsgBlockTxns, error) {
	reply := &wire.MsgBlockTxns{BlockHash: req.BlockHash, Txs: make([]*wire.MsgTx, 0, len(req.Indexes))}
	for _, idx := range req.Indexes {
		if int(idx) >= len(block.Transactions) {
			return nil, fmt.Errorf("getblocktxn with out-of-bounds tx index %d", idx)
		}
		reply.Txs = append(reply.Txs, block.Transactions[idx])
	}
	return reply, nil
}

// serveCmpctBlock is the answer to a getdata MSG_CMPCT_BLOCK: a compact
// block within MaxCmpctBlockDepth of the tip, the full block below it, as
// Core. With compact blocks off it is always the full block.
func (sm *SyncManager) serveCmpctBlock(hash *chainhash.Hash) wire.Message {
	if depth, ok := sm.blockDepth(hash); ok && depth <= MaxCmpctBlockDepth && sm.compactEnabled() {
		if c := sm.compactFor(hash); c != nil {
			return c
		}
	}
	if raw, err := sm.chain.BlockBytesByHash(hash); err == nil {
		return &rawBlockMsg{raw: raw}
	}
	return nil
}

// peerLoad is how many blocks ps has in flight, compact or full.
func (ps *peerState) peerLoad() int { return len(ps.requested) + len(ps.cmpctExtra) }

// handleCmpctBlock takes a compact block from a peer, as Core's
// CMPCTBLOCK handling: its header is validated (an invalid one is
// punished like an invalid header), then, for a block just above our tip
// with more work, the block is rebuilt from the pool, missing
// transactions asked with getblocktxn, and up to
// MaxCmpctBlocksInFlightPerBlock peers may be rebuilding it at once.
func (sm *SyncManager) handleCmpctBlock(p Peer, msg *wire.MsgCmpctBlock) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p || !sm.compactEnabled() {
		return
	}
	hash := msg.Header.BlockHash()
	if !sm.chain.HaveHeader(&msg.Header.PrevBlock) {
		if !sm.IsInitialBlockDownload() {
			sm.sendGetHeaders(ps, nil)
		}
		return
	}
	hdr := msg.Header
	if _, err := sm.chain.ProcessBlockHeadersAntiDoS([]*wire.BlockHeader{&hdr}); err != nil {
		if !errors.Is(err, blockchain.ErrLowWorkHeaders) {
			sm.punishBlockError(ps, err, "compact block header")
		}
		return
	}
	sm.markKnown(ps.id, hash)
	sm.learnedBlock(ps, hash)
	info, err := sm.chain.BlockInfoByHash(&hash)
	if err != nil || info.Status.HaveData {
		return
	}
	req := sm.inFlight[hash]
	fromThis := req != nil && req.peer == ps
	tip := sm.chain.BestSnapshot()
	if tip.ChainWork != nil && info.ChainWork.Cmp(tip.ChainWork) <= 0 || info.Height > tip.Height+2 {
		if fromThis {
			// We asked for it, but our pool will not help: take it whole.
			sm.requestFull(ps, hash, info.Height)
		} else {
			sm.scheduleBlocks()
		}
		return
	}
	extras := sm.cmpctExtra[hash]
	if (fromThis && req.partial != nil) || extras[ps.id] != nil {
		log.Debugf("Peer %s sent compact block %v we are already rebuilding", p.Addr(), hash)
		return
	}
	inFlight := len(extras)
	if req != nil {
		inFlight++
	}
	if !fromThis && (inFlight >= MaxCmpctBlocksInFlightPerBlock ||
		ps.peerLoad() >= sm.cfg.MaxBlocksInFlightPerPeer) {
		sm.reconstructOptimistic(ps, msg, hash)
		return
	}
	first := req == nil || fromThis
	pb, err := newPartialBlock(msg, sm.source())
	if err != nil {
		sm.cmpctFailed(ps, hash, info.Height, first, err)
		return
	}
	now := sm.cfg.Now()
	switch {
	case req == nil:
		req = &blockRequest{peer: ps, height: info.Height, at: now, cmpct: true}
		sm.inFlight[hash] = req
		ps.requested[hash] = struct{}{}
	case fromThis:
		req.at = now
	default:
		req = &blockRequest{peer: ps, height: info.Height, at: now, cmpct: true}
		if extras == nil {
			extras = make(map[int32]*blockRequest)
			sm.cmpctExtra[hash] = extras
		}
		extras[ps.id] = req
		ps.cmpctExtra[hash] = struct{}{}
	}
	req.partial = pb
	missing := pb.missing()
	if len(missing) == 0 {
		sm.completeCmpct(ps, req, hash, nil)
		return
	}
	hbTo, _ := sm.CompactBlockState(ps.id)
	if first || (hbTo && (!ps.inbound || inFlight < MaxCmpctBlocksInFlightPerBlock-1)) {
		log.Debugf("Compact block %v from %s: %d prefilled, %d from the pool, asking for %d",
			hash, p.Addr(), pb.prefilled, pb.fromPool, len(missing))
		_ = p.QueueMessage(&wire.MsgGetBlockTxns{BlockHash: hash, Indexes: missing}, nil)
		return
	}
	sm.dropCmpctRequest(ps, hash)
}

// source returns where compact blocks are rebuilt from (nil: nowhere).
func (sm *SyncManager) source() ReconstructionSource {
	src, _ := sm.pool.(ReconstructionSource)
	return src
}

// reconstructOptimistic rebuilds a compact block we did not take a
// request slot for, when the pool holds all of it (Core: "optimistically
// try to reconstruct anyway"); otherwise it is left to the peers that have
// it in flight.
func (sm *SyncManager) reconstructOptimistic(ps *peerState, msg *wire.MsgCmpctBlock, hash chainhash.Hash) {
	pb, err := newPartialBlock(msg, sm.source())
	if err != nil || len(pb.missing()) != 0 {
		return
	}
	block, err := pb.fill(nil)
	if err != nil {
		return
	}
	sm.clearCmpct(hash)
	sm.submitReconstructed(ps, block, hash)
}

// cmpctFailed handles a compact block that cannot be used: a malformed
// one is punished (Core: 100), a short id collision makes the first peer
// to have it in flight send the full block and the others give up.
func (sm *SyncManager) cmpctFailed(ps *peerState, hash chainhash.Hash, height int32, first bool, err error) {
	if errors.Is(err, ErrInvalidCompactBlock) {
		sm.dropCmpctRequest(ps, hash)
		ps.p.Misbehaving(misbehaviourBan, "invalid compact block: "+err.Error())
		sm.scheduleBlocks()
		return
	}
	log.Debugf("Compact block %v from %s: %v", hash, ps.p.Addr(), err)
	if first {
		sm.requestFull(ps, hash, height)
		return
	}
	sm.dropCmpctRequest(ps, hash)
}

// handleBlockTxns completes a compact block with the transactions we
// asked for. A blocktxn for a block we did not ask this peer about is
// ignored (Core); one with a wrong count is misbehaviour (Core: 100); one
// whose block does not match its merkle root makes us ask for the full
// block.
func (sm *SyncManager) handleBlockTxns(p Peer, msg *wire.MsgBlockTxns) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p || !sm.compactEnabled() {
		return
	}
	req := sm.inFlight[msg.BlockHash]
	if req == nil || req.peer != ps || req.partial == nil {
		req = sm.cmpctExtra[msg.BlockHash][ps.id]
	}
	if req == nil || req.partial == nil {
		log.Debugf("Ignoring blocktxn from %s for block %v we did not ask it for", p.Addr(), msg.BlockHash)
		return
	}
	sm.completeCmpct(ps, req, msg.BlockHash, msg.Txs)
}

// completeCmpct fills req's partial block with txs and hands the block to
// the chain, or falls back as handleBlockTxns says.
func (sm *SyncManager) completeCmpct(ps *peerState, req *blockRequest, hash chainhash.Hash, txs []*wire.MsgTx) {
	block, err := req.partial.fill(txs)
	first := sm.inFlight[hash] == req
	switch {
	case errors.Is(err, ErrInvalidBlockTxns):
		sm.dropCmpctRequest(ps, hash)
		ps.p.Misbehaving(misbehaviourBan, "invalid blocktxn: "+err.Error())
		sm.scheduleBlocks()
		return
	case err != nil:
		log.Debugf("Compact block %v from %s: %v", hash, ps.p.Addr(), err)
		if first {
			sm.requestFull(ps, hash, req.height)
		} else {
			sm.dropCmpctRequest(ps, hash)
		}
		return
	}
	log.Debugf("Rebuilt block %v from %s (%d transactions, %d sent after the compact block)",
		hash, ps.p.Addr(), len(block.Transactions), len(txs))
	sm.clearCmpct(hash)
	sm.submitReconstructed(ps, block, hash)
	sm.scheduleBlocks()
}

// submitReconstructed hands a rebuilt block to the chain. As Core, the
// peer is not punished if it is invalid (our short id match may be to
// blame); a mutated block (a witness that does not match its commitment)
// is requested whole from the peer.
func (sm *SyncManager) submitReconstructed(ps *peerState, block *wire.MsgBlock, hash chainhash.Hash) {
	delete(sm.heights, hash)
	_, isOrphan, err := sm.chain.ProcessBlock(block, blockchain.BFNone)
	if err != nil {
		if errors.Is(err, blockchain.ErrDuplicateBlock) {
			return
		}
		log.Infof("Rejected rebuilt block %v from %s: %v", hash, peerAddr(ps), err)
		if mutated(err) && sm.peers[ps.id] == ps {
			if height, ok := sm.heightOf(hash); ok {
				sm.requestFull(ps, hash, height)
			}
		}
		return
	}
	sm.blockAccepted(ps, block, hash, isOrphan)
	if next := sm.held[hash]; next != nil {
		delete(sm.held, hash)
		nextHash := next.block.BlockHash()
		delete(sm.heldHashes, nextHash)
		sm.heldBytes -= next.size
		sm.processBlock(next.from, next.block, nextHash, next.requested)
	}
}

// mutated reports whether err says a block's transactions do not match
// its header or witness commitment (a rebuilt block may be wrong there
// through no fault of its sender).
func mutated(err error) bool {
	for _, k := range []blockchain.ErrorKind{blockchain.ErrBadMerkleRoot, blockchain.ErrDuplicateTx,
		blockchain.ErrBadWitnessNonceSize, blockchain.ErrWitnessCommitmentMismatch,
		blockchain.ErrUnexpectedWitness} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// requestFull turns ps's request for hash into a request for the full
// witness block (a compact block failed), taking the block's in-flight
// slot when free.
func (sm *SyncManager) requestFull(ps *peerState, hash chainhash.Hash, height int32) {
	if extras := sm.cmpctExtra[hash]; extras[ps.id] != nil {
		delete(extras, ps.id)
		delete(ps.cmpctExtra, hash)
	}
	req := sm.inFlight[hash]
	if req != nil && req.peer != ps {
		return // another peer is sending it whole
	}
	if req == nil {
		req = &blockRequest{peer: ps, height: height}
		sm.inFlight[hash] = req
		ps.requested[hash] = struct{}{}
	}
	req.at, req.cmpct, req.partial = sm.cfg.Now(), false, nil
	gd := wire.NewMsgGetData()
	_ = gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessBlock, &hash))
	_ = ps.p.QueueMessage(gd, nil)
}

// dropCmpctRequest forgets ps's compact request for hash.
func (sm *SyncManager) dropCmpctRequest(ps *peerState, hash chainhash.Hash) {
	if req := sm.inFlight[hash]; req != nil && req.peer == ps {
		delete(sm.inFlight, hash)
		delete(ps.requested, hash)
	}
	if extras := sm.cmpctExtra[hash]; extras != nil {
		delete(extras, ps.id)
		if len(extras) == 0 {
			delete(sm.cmpctExtra, hash)
		}
	}
	delete(ps.cmpctExtra, hash)
}

// clearCmpct forgets every request for hash (the block is here).
func (sm *SyncManager) clearCmpct(hash chainhash.Hash) {
	if req := sm.inFlight[hash]; req != nil {
		delete(sm.inFlight, hash)
		delete(req.peer.requested, hash)
	}
	for id := range sm.cmpctExtra[hash] {
		if ps := sm.peers[id]; ps != nil {
			delete(ps.cmpctExtra, hash)
		}
	}
	delete(sm.cmpctExtra, hash)
}

// checkCmpctTimeouts falls back to the full block for compact blocks that
// waited CompactBlockTimeout (for their cmpctblock or blocktxn), from
// another peer that has it when there is one; extra requests just end.
func (sm *SyncManager) checkCmpctTimeouts(now time.Time) {
	for hash, req := range sm.inFlight {
		if !req.cmpct || now.Sub(req.at) <= sm.cfg.CompactBlockTimeout {
			continue
		}
		log.Debugf("Compact block %v from %s timed out; asking for the full block", hash, req.peer.p.Addr())
		pick := req.peer
		for _, ps := range sm.peers {
			if ps != req.peer && ps.canSync && ps.bestKnownHeight >= req.height &&
				len(ps.requested) < sm.cfg.MaxBlocksInFlightPerPeer {
				pick = ps
				break
			}
		}
		if pick != req.peer {
			delete(sm.inFlight, hash)
			delete(req.peer.requested, hash)
		}
		sm.requestFull(pick, hash, req.height)
	}
	for hash, extras := range sm.cmpctExtra {
		for id, req := range extras {
			if now.Sub(req.at) > sm.cfg.CompactBlockTimeout || sm.chain.HaveBlock(&hash) {
				sm.dropCmpctRequest(req.peer, hash)
				_ = id
			}
		}
	}
}
