package netsync

import (
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// startSync picks the headers sync peer: the sync-capable outbound peer
// with the best starting height, or an inbound one only when no outbound
// peer can sync (an inbound peer's claimed height must not win the
// election). Headers come from it alone until it has no more;
// blocks come from every peer.
func (sm *SyncManager) startSync() {
	if sm.syncPeer != nil {
		return
	}
	var best *peerState
	for _, ps := range sm.peers {
		if !ps.canSync {
			continue
		}
		if best == nil || (best.inbound && !ps.inbound) ||
			(best.inbound == ps.inbound && ps.p.StartingHeight() > best.p.StartingHeight()) {
			best = ps
		}
	}
	if best == nil {
		return
	}
	_, hdrHeight := sm.chain.BestHeader()
	if best.p.StartingHeight() <= hdrHeight && !sm.IsInitialBlockDownload() {
		// Nobody is ahead: announcements will tell us of new blocks. As
		// Core near today, every peer is still asked for its headers, so
		// we learn its chain (and chain-sync eviction may time it).
		sm.headersSynced = true
		for _, ps := range sm.peers {
			if ps.canHeaders && !ps.sentGetHeaders {
				sm.sendGetHeaders(ps, nil)
			}
		}
		return
	}
	sm.syncPeer = best
	sm.headersSynced = false
	sm.headersDeadline = sm.headersSyncDeadline()
	log.Infof("Syncing headers from peer %s (id %d, height %d; our headers %d)",
		best.p.Addr(), best.id, best.p.StartingHeight(), hdrHeight)
	sm.sendGetHeaders(best, nil)
}

// sendGetHeaders asks ps for the headers after from (nil: our best header).
func (sm *SyncManager) sendGetHeaders(ps *peerState, from *chainhash.Hash) {
	if from == nil {
		h, _ := sm.chain.BestHeader()
		from = &h
	}
	locator := sm.chain.BlockLocatorFromHash(from)
	msg := wire.NewMsgGetHeaders()
	for i := range locator {
		if msg.AddBlockLocatorHash(&locator[i]) != nil {
			break
		}
	}
	ps.sentGetHeaders = true
	if ps == sm.syncPeer {
		sm.headersAskedAt = sm.cfg.Now()
	}
	_ = ps.p.QueueMessage(msg, nil)
}

// handleHeaders validates a headers message and downloads what it adds.
func (sm *SyncManager) handleHeaders(p Peer, msg *wire.MsgHeaders) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p {
		return
	}
	headers := msg.Headers
	if len(headers) > wire.MaxBlockHeadersPerMsg {
		p.Misbehaving(misbehaviourBan, "too many headers")
		return
	}
	if len(headers) == 0 {
		if ps == sm.syncPeer {
			sm.headersDone()
		}
		return
	}
	for i := 1; i < len(headers); i++ {
		if headers[i].PrevBlock != headers[i-1].BlockHash() {
			p.Misbehaving(misbehaviourBan, "non-continuous headers sequence")
			return
		}
	}
	if st := ps.presync; st != nil && !st.redownload && headers[0].PrevBlock == st.last {
		sm.continuePresync(ps, headers)
		return
	}
	if !sm.chain.HaveHeader(&headers[0].PrevBlock) {
		// Core's unconnecting headers: ask for the path from our best
		// header, and give up on a peer that keeps doing it.
		ps.unconnecting++
		if ps.unconnecting > maxUnconnectingHeaders {
			p.Misbehaving(20, "too many unconnecting headers")
			ps.unconnecting = 0
			return
		}
		sm.sendGetHeaders(ps, nil)
		return
	}
	ps.unconnecting = 0
	lastHash := headers[len(headers)-1].BlockHash()
	newHeader := !sm.chain.HaveHeader(&lastHash)
	n, err := sm.processHeaders(ps, headers)
	if err == errLowWork || err == errPeerGone {
		sm.scheduleBlocks()
		return
	}
	if n > 0 {
		last := headers[n-1].BlockHash()
		if work := sm.learnedBlock(ps, last); work != nil {
			sm.maybeProtect(ps)
			// Core's m_last_block_announcement: a new header with more
			// work than our tip.
			if newHeader && last == lastHash {
				if tip := sm.chain.BestSnapshot(); tip.ChainWork != nil && work.Cmp(tip.ChainWork) > 0 {
					ps.lastBlockAnnouncement = sm.cfg.Now()
				}
			}
		}
		sm.markKnown(ps.id, last)
	}
	if err != nil {
		sm.punishBlockError(ps, err, "header")
		sm.scheduleBlocks()
		return
	}
	if len(headers) == wire.MaxBlockHeadersPerMsg {
		last := headers[len(headers)-1].BlockHash()
		sm.sendGetHeaders(ps, &last)
	} else if ps == sm.syncPeer {
		sm.headersDone()
	}
	sm.scheduleBlocks()
}

// headersDone ends the headers sync with the sync peer and asks every
// other peer for its headers, so blocks may come from all of them.
func (sm *SyncManager) headersDone() {
	if !sm.headersSynced {
		_, h := sm.chain.BestHeader()
		log.Infof("Headers synced to height %d", h)
	}
	sm.headersSynced = true
	sm.syncPeer = nil
	for _, ps := range sm.peers {
		if ps.canHeaders && !ps.sentGetHeaders {
			sm.sendGetHeaders(ps, nil)
		}
	}
}

// headersSyncDeadline is when a headers sync starting now must be done
// (Core's m_headers_sync_timeout): HeadersSyncTimeout plus
// HeadersSyncTimeoutPerHeader for each block interval since our best
// header's time.
func (sm *SyncManager) headersSyncDeadline() time.Time {
	now := sm.cfg.Now()
	d := sm.cfg.HeadersSyncTimeout
	hash, _ := sm.chain.BestHeader()
	if hdr, err := sm.chain.HeaderByHash(&hash); err == nil {
		if spacing := sm.chain.ChainParams().TargetTimePerBlock; spacing > 0 {
			if behind := now.Sub(hdr.Timestamp); behind > 0 {
				d += time.Duration(behind/spacing) * HeadersSyncTimeoutPerHeader
			}
		}
	}
	return now.Add(d)
}

// checkHeadersTimeout moves the headers sync to another peer when the sync
// peer leaves a getheaders unanswered too long, or takes longer than its
// whole-sync deadline (answering each getheaders just in time).
func (sm *SyncManager) checkHeadersTimeout(now time.Time) {
	ps := sm.syncPeer
	if ps == nil {
		return
	}
	slow := !sm.headersDeadline.IsZero() && now.After(sm.headersDeadline)
	if !slow && (sm.headersAskedAt.IsZero() || now.Sub(sm.headersAskedAt) < sm.cfg.HeadersTimeout) {
		return
	}
	others := 0
	for _, o := range sm.peers {
		if o.canSync && o != ps {
			others++
		}
	}
	if others == 0 {
		return
	}
	if slow {
		sm.disconnect(ps, ErrHeadersTimeout, "headers sync too slow")
		return
	}
	sm.disconnect(ps, ErrHeadersTimeout, "headers sync timeout")
}

// heightOf returns the height of an indexed block, cached for the blocks
// in the download window.
func (sm *SyncManager) heightOf(hash chainhash.Hash) (int32, bool) {
	if h, ok := sm.heights[hash]; ok {
		return h, true
	}
	info, err := sm.chain.BlockInfoByHash(&hash)
	if err != nil {
		return 0, false
	}
	if len(sm.heights) > 4*sm.cfg.DownloadWindow {
		clear(sm.heights)
	}
	sm.heights[hash] = info.Height
	return info.Height, true
}

// scheduleBlocks requests the missing blocks of the download window from
// every sync-capable peer with room, the least loaded first, up to
// MaxBlocksInFlightPerPeer each.
func (sm *SyncManager) scheduleBlocks() {
	if len(sm.peers) == 0 {
		return
	}
	var free []*peerState
	for _, ps := range sm.peers {
		if ps.canSync && len(ps.requested) < sm.cfg.MaxBlocksInFlightPerPeer {
			free = append(free, ps)
		}
	}
	if len(free) == 0 {
		sm.windowBlocked = false
		return
	}
	// One more than the window tells whether blocks wait beyond it.
	need := sm.chain.BlocksToFetch(sm.cfg.DownloadWindow + 1)
	beyond := len(need) > sm.cfg.DownloadWindow
	if beyond {
		need = need[:sm.cfg.DownloadWindow]
	}
	now := sm.cfg.Now()
	batches := make(map[*peerState]*wire.MsgGetData)
	assigned := 0
	for _, hash := range need {
		if _, ok := sm.inFlight[hash]; ok {
			continue
		}
		if _, ok := sm.heldHashes[hash]; ok {
			continue
		}
		height, ok := sm.heightOf(hash)
		if !ok {
			continue
		}
		var pick *peerState
		for _, ps := range free {
			if len(ps.requested) >= sm.cfg.MaxBlocksInFlightPerPeer || ps.bestKnownHeight < height {
				continue
			}
			if pick == nil || len(ps.requested) < len(pick.requested) {
				pick = ps
			}
		}
		if pick == nil {
			continue
		}
		// Core's direct fetch of a lone new block: by compact block from
		// a peer that speaks them, when it is the only block to fetch and
		// it extends our tip.
		cmpct := len(need) == 1 && len(sm.inFlight) == 0 && sm.compactEnabled() &&
			height == sm.chain.BestSnapshot().Height+1 && sm.providesCmpct(pick)
		sm.inFlight[hash] = &blockRequest{peer: pick, height: height, at: now, cmpct: cmpct}
		pick.requested[hash] = struct{}{}
		gd := batches[pick]
		if gd == nil {
			gd = wire.NewMsgGetDataSizeHint(uint(sm.cfg.MaxBlocksInFlightPerPeer))
			batches[pick] = gd
		}
		h := hash
		typ := wire.InvTypeWitnessBlock
		if cmpct {
			typ = wire.InvTypeCmpctBlock
		}
		_ = gd.AddInvVect(wire.NewInvVect(typ, &h))
		assigned++
	}
	for ps, gd := range batches {
		_ = ps.p.QueueMessage(gd, nil)
	}
	// The window is blocked when a peer has room but nothing in the window
	// is left to ask while blocks wait beyond it: the block at the
	// window's start then holds everyone up (Core's staller). At the end
	// of the chain nobody stalls.
	// Only a peer that could download past the window counts as held up.
	idle := false
	if beyond && assigned == 0 && len(sm.inFlight) > 0 {
		if end, ok := sm.heightOf(need[len(need)-1]); ok {
			for _, ps := range free {
				if len(ps.requested) < sm.cfg.MaxBlocksInFlightPerPeer && ps.bestKnownHeight > end {
					idle = true
					break
				}
			}
		}
	}
	sm.windowBlocked = idle
}

// checkBlockTimeouts disconnects a peer holding up the download window
// (Core's stalling detection, with its adaptive timeout) or leaving any
// request unanswered for BlockTimeout; their blocks go to other peers.
func (sm *SyncManager) checkBlockTimeouts(now time.Time) {
	var lowest *blockRequest
	var stale []*peerState
	seen := make(map[*peerState]bool)
	for _, req := range sm.inFlight {
		if lowest == nil || req.height < lowest.height {
			lowest = req
		}
		if now.Sub(req.at) > sm.cfg.BlockTimeout && !seen[req.peer] {
			seen[req.peer] = true
			stale = append(stale, req.peer)
		}
	}
	for _, ps := range stale {
		if sm.peers[ps.id] == ps {
			sm.disconnect(ps, ErrBlockTimeout, "block download timeout")
		}
	}
	if lowest == nil || !sm.windowBlocked || seen[lowest.peer] {
		return
	}
	if now.Sub(lowest.at) <= sm.stallTimeout {
		return
	}
	others := 0
	for _, ps := range sm.peers {
		if ps.canSync && ps != lowest.peer {
			others++
		}
	}
	if others == 0 {
		return
	}
	sm.disconnect(lowest.peer, ErrStalling, fmt.Sprintf("stalling block download (block at height %d for %v)",
		lowest.height, now.Sub(lowest.at).Round(time.Millisecond)))
	sm.stallTimeout = min(2*sm.stallTimeout, maxStallTimeout)
	sm.windowBlocked = false
}

// handleBlock takes a block from a peer: in order it goes to the chain,
// ahead of its parent it is held (bounded) until the parent arrives.
func (sm *SyncManager) handleBlock(p Peer, block *wire.MsgBlock) {
	ps := sm.peers[p.ID()]
	if ps == nil || ps.p != p {
		return
	}
	hash := block.BlockHash()
	req, requested := sm.inFlight[hash]
	// askedAnyone: some peer was asked for it (Core's fRequested).
	askedAnyone := requested
	if extras := sm.cmpctExtra[hash]; extras != nil {
		for id := range extras {
			if o := sm.peers[id]; o != nil {
				delete(o.cmpctExtra, hash)
			}
		}
		delete(sm.cmpctExtra, hash)
	}
	if requested && req.peer == ps {
		delete(sm.inFlight, hash)
		delete(ps.requested, hash)
		// A block delivered relaxes the stall timeout back toward its base.
		if sm.stallTimeout > sm.cfg.StallTimeout {
			sm.stallTimeout = max(sm.cfg.StallTimeout, sm.stallTimeout*85/100)
		}
	} else if requested {
		requested = false // someone else's request; still useful
	}
	sm.markKnown(ps.id, hash)
	sm.learnedBlock(ps, hash)
	if !requested && sm.IsInitialBlockDownload() && !sm.chain.HaveHeader(&hash) {
		log.Debugf("Ignoring unrequested block %v from %s during initial sync", hash, p.Addr())
		sm.scheduleBlocks()
		return
	}
	if _, dup := sm.heldHashes[hash]; !dup {
		prev := block.Header.PrevBlock
		_, slotTaken := sm.held[prev]
		size := block.SerializeSize()
		if sm.chain.HaveHeader(&hash) && !sm.chain.HaveBlock(&prev) && !slotTaken &&
			len(sm.heldHashes) < maxHeldBlocks && sm.heldBytes+size <= sm.cfg.MaxHeldBytes {
			sm.held[prev] = &heldBlock{block: block, from: ps, size: size, requested: askedAnyone}
			sm.heldHashes[hash] = struct{}{}
			sm.heldBytes += size
		} else {
			sm.processBlock(ps, block, hash, askedAnyone)
		}
	}
	sm.scheduleBlocks()
}

// processBlock hands a block to the chain, then the held blocks it makes
// ready, in order.
func (sm *SyncManager) processBlock(from *peerState, block *wire.MsgBlock, hash chainhash.Hash, requested bool) {
	for block != nil {
		delete(sm.heights, hash)
		if !sm.submit(from, block, hash, requested) {
			sm.dropHeldChain(hash)
			return
		}
		next := sm.held[hash]
		if next == nil {
			return
		}
		delete(sm.held, hash)
		block = next.block
		hash = block.BlockHash()
		from = next.from
		requested = next.requested
		delete(sm.heldHashes, hash)
		sm.heldBytes -= next.size
	}
}

// dropHeldChain forgets the held descendants of a block that failed.
func (sm *SyncManager) dropHeldChain(hash chainhash.Hash) {
	for {
		hb := sm.held[hash]
		if hb == nil {
			return
		}
		delete(sm.held, hash)
		hash = hb.block.BlockHash()
		delete(sm.heldHashes, hash)
		sm.heldBytes -= hb.size
	}
}

// submit runs ProcessBlock and reports the peer for an invalid block. It
// returns whether the block was accepted (or already known).
// An unrequested block is processed with BFUnrequested: the chain stores
// it only if it has as much work as the tip (Core's AcceptBlock).
func (sm *SyncManager) submit(from *peerState, block *wire.MsgBlock, hash chainhash.Hash, requested bool) bool {
	flags := blockchain.BFNone
	if !requested {
		flags = blockchain.BFUnrequested
	}
	start := sm.cfg.Now()
	_, isOrphan, err := sm.chain.ProcessBlock(block, flags)
	if err != nil {
		if errors.Is(err, blockchain.ErrDuplicateBlock) {
			return true
		}
		if errors.Is(err, blockchain.ErrUnrequestedBlock) {
			log.Debugf("Ignoring unrequested block %v from %s: %v", hash, peerAddr(from), err)
			return false
		}
		log.Infof("Rejected block %v from %s: %v", hash, peerAddr(from), err)
		sm.punishBlockError(from, err, "block")
		return false
	}
	if sm.progressBlocks == 0 {
		sm.progressFirst = start
	}
	sm.blockAccepted(from, block, hash, isOrphan)
	return true
}

// blockAccepted does what follows a block new to the chain from a peer:
// progress counts, the peer's last block time, the headers leading to an
// orphan, and (Core's BlockChecked) the peer becomes a high-bandwidth
// compact block peer when no other block is in flight.
func (sm *SyncManager) blockAccepted(from *peerState, block *wire.MsgBlock, hash chainhash.Hash, isOrphan bool) {
	if sm.progressBlocks == 0 {
		// A block that did not come through submit: its interval starts
		// now.
		sm.progressFirst = sm.cfg.Now()
	}
	sm.progressBlocks++
	sm.progressTxs += len(block.Transactions)
	sm.progressLast = sm.cfg.Now()
	live := from != nil && sm.peers[from.id] == from
	if live {
		from.lastBlockTime = sm.cfg.Now()
	}
	if isOrphan && live {
		// A block whose parent we lack: fetch the headers leading to it.
		sm.sendGetHeaders(from, nil)
	}
	if live && !isOrphan && len(sm.inFlight) == 0 {
		sm.maybeSetHighBandwidth(from)
	}
	if best := sm.chain.BestSnapshot(); best.Hash == hash && sm.IsInitialBlockDownload() {
		log.Debugf("New tip %v at height %d", hash, best.Height)
	}
}

// peerAddr names a peer for logs (it may have gone).
func peerAddr(ps *peerState) string {
	if ps == nil {
		return "a disconnected peer"
	}
	return ps.p.Addr()
}

// punishBlockError reports a peer for an invalid header or block, by the
// error's kind as Core's MaybePunishNodeForBlock: consensus failures,
// mutated blocks (Core v27+ checks IsBlockMutated first and punishes),
// known-invalid blocks and invalid ancestors ban; a missing parent, a
// time too far ahead, a duplicate or a local (database) failure do not.
func (sm *SyncManager) punishBlockError(ps *peerState, err error, what string) {
	if ps == nil || sm.peers[ps.id] != ps {
		return
	}
	if !peerAtFault(err) {
		return
	}
	reason := blockchain.RejectReason(err)
	ps.p.Misbehaving(misbehaviourBan, "invalid "+what+": "+reason)
}

// peerAtFault reports whether err from the chain is the sender's fault.
func peerAtFault(err error) bool {
	var k blockchain.ErrorKind
	if !errors.As(err, &k) {
		return false // not a rule error: our own failure
	}
	switch k {
	case blockchain.ErrDuplicateBlock, blockchain.ErrPrevBlockNotFound,
		blockchain.ErrTimeTooNew, blockchain.ErrBlockNotFound,
		blockchain.ErrNotInMainChain, blockchain.ErrCorruptDatabase,
		blockchain.ErrInvalidGenesis, blockchain.ErrLowWorkHeaders,
		blockchain.ErrUnrequestedBlock:
		return false
	}
	return true
}

// drainHeld hands the chain held blocks whose parent got stored by another
// path (an overflowing arrival, submitblock).
func (sm *SyncManager) drainHeld() {
	for prev, hb := range sm.held {
		if !sm.chain.HaveBlock(&prev) {
			continue
		}
		delete(sm.held, prev)
		hash := hb.block.BlockHash()
		delete(sm.heldHashes, hash)
		sm.heldBytes -= hb.size
		sm.processBlock(hb.from, hb.block, hash, hb.requested)
		return // the map changed; the next tick continues
	}
}
