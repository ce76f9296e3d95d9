package netsync

import (
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Outbound chain-sync eviction (review F18), Bitcoin Core's
// ConsiderEviction: an automatic outbound peer whose best known block has
// less work than our tip is given ChainSyncTimeout to show (by headers, inv
// or a block) a block with at least the work our tip had when the timer
// started; then it is sent one getheaders from that tip's parent and given
// HeadersResponseTime more; then it is disconnected, so that outbound
// peers which never follow the chain cannot keep their slots (and eclipse
// the node) forever. Up to maxProtectedOutbound outbound peers that once
// showed a chain with as much work as our tip are protected from it.

// Defaults of the eviction tunables.
const (
	// DefaultChainSyncTimeout is Core's CHAIN_SYNC_TIMEOUT.
	DefaultChainSyncTimeout = 20 * time.Minute
	// DefaultHeadersResponseTime is Core's HEADERS_RESPONSE_TIME: how long
	// the getheaders probe of a lagging outbound peer may go unanswered.
	DefaultHeadersResponseTime = 2 * time.Minute

	// maxProtectedOutbound is Core's
	// MAX_OUTBOUND_PEERS_TO_PROTECT_FROM_DISCONNECT.
	maxProtectedOutbound = 4
)

// chainSyncState is a peer's Core ChainSyncTimeoutState. It is owned by
// the event goroutine.
type chainSyncState struct {
	// timeout is when the peer must have caught up (zero: no timer).
	timeout time.Time
	// workHash and work are our tip when the timer started: the peer
	// must show a block with at least that work.
	workHash chainhash.Hash
	work     *big.Int
	// sentGetHeaders: the timer ran out once and the probe went out.
	sentGetHeaders bool
	// protect exempts the peer from this eviction for its lifetime.
	protect bool
}

// learnedBlock records that ps has the indexed block hash: its height
// (for block scheduling) and, when it has more work than what we knew of
// the peer, as its best known block (Core's UpdateBlockAvailability). It
// returns false when the block is not indexed.
func (sm *SyncManager) learnedBlock(ps *peerState, hash chainhash.Hash) bool {
	info, err := sm.chain.BlockInfoByHash(&hash)
	if err != nil {
		return false
	}
	ps.learnedHeight(info.Height)
	if ps.bestKnownWork == nil || info.ChainWork.Cmp(ps.bestKnownWork) > 0 {
		ps.bestKnownHash = hash
		ps.bestKnownWork = info.ChainWork
	}
	return true
}

// maybeProtect protects a full outbound peer from chain-sync eviction when
// fewer than maxProtectedOutbound are and its best known block has at
// least our tip's work (Core does it on each valid headers message).
func (sm *SyncManager) maybeProtect(ps *peerState) {
	if !ps.fullOutbound || ps.chainSync.protect || ps.bestKnownWork == nil ||
		sm.protectedOutbound >= maxProtectedOutbound {
		return
	}
	tip := sm.chain.BestSnapshot()
	if tip.ChainWork == nil || ps.bestKnownWork.Cmp(tip.ChainWork) < 0 {
		return
	}
	ps.chainSync.protect = true
	sm.protectedOutbound++
	log.Debugf("Protecting outbound peer %s (id %d) from eviction", ps.p.Addr(), ps.id)
}

// considerEvictions runs considerEviction for every peer (each tick).
func (sm *SyncManager) considerEvictions(now time.Time) {
	tip := sm.chain.BestSnapshot()
	if tip.ChainWork == nil {
		return
	}
	for _, ps := range sm.peers {
		sm.considerEviction(ps, now, tip.Hash, tip.ChainWork)
	}
}

// considerEviction is Core's ConsiderEviction for one peer: only an
// unprotected full outbound peer we started syncing with (sent a
// getheaders) is subject to it. Core does not exempt whitelisted outbound
// peers; the server's IsFullOutbound does (an operator who whitelisted a
// host vouched for it), as it exempts manual connections like Core.
func (sm *SyncManager) considerEviction(ps *peerState, now time.Time, tipHash chainhash.Hash, tipWork *big.Int) {
	cs := &ps.chainSync
	if cs.protect || !ps.fullOutbound || ps.inbound || !ps.sentGetHeaders {
		return
	}
	if ps.bestKnownWork != nil && ps.bestKnownWork.Cmp(tipWork) >= 0 {
		// It has shown a chain as good as ours: clear any timer.
		if !cs.timeout.IsZero() {
			*cs = chainSyncState{}
		}
		return
	}
	if cs.timeout.IsZero() || (cs.work != nil && ps.bestKnownWork != nil &&
		ps.bestKnownWork.Cmp(cs.work) >= 0) {
		// Behind, noticed for the first time, or it caught up with the
		// tip of the last timer but we moved on: time it against the
		// current tip.
		cs.timeout = now.Add(sm.cfg.ChainSyncTimeout)
		cs.workHash = tipHash
		cs.work = tipWork
		cs.sentGetHeaders = false
		return
	}
	if !now.After(cs.timeout) {
		return
	}
	if cs.sentGetHeaders {
		best := "none"
		if ps.bestKnownWork != nil {
			best = ps.bestKnownHash.String()
		}
		sm.disconnect(ps, ErrChainSyncTimeout, fmt.Sprintf("outbound peer has an old chain "+
			"(best known block %s, below the work of %s)", best, cs.workHash))
		return
	}
	// One last chance: ask for the headers after the timed tip's parent,
	// so an answer holding that tip (or better) clears the timer.
	hdr, err := sm.chain.HeaderByHash(&cs.workHash)
	if err != nil {
		*cs = chainSyncState{}
		return
	}
	parent := hdr.PrevBlock
	log.Debugf("Sending getheaders to outbound peer %s (id %d) to verify its chain work "+
		"(best known block %s, benchmark %s)", ps.p.Addr(), ps.id, ps.bestKnownHash, cs.workHash)
	sm.sendGetHeaders(ps, &parent)
	cs.sentGetHeaders = true
	cs.timeout = now.Add(sm.cfg.HeadersResponseTime)
}
