package netsync

import (
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// Outbound chain-sync eviction, Bitcoin Core's
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

	// staleCheckInterval is Core's STALE_CHECK_INTERVAL: how often the
	// tip is checked for staleness.
	staleCheckInterval = 10 * time.Minute
	// extraPeerCheckInterval is Core's EXTRA_PEER_CHECK_INTERVAL: how
	// often an extra outbound peer is looked for and evicted.
	extraPeerCheckInterval = 45 * time.Second
	// minimumConnectTime is Core's MINIMUM_CONNECT_TIME: an extra
	// outbound peer is evicted only after this long connected.
	minimumConnectTime = 30 * time.Second
	// directFetchIntervals is how recent, in block intervals, our tip
	// must be for the initial sync to count as finished (Core's
	// CanDirectFetch: 20 * nPowTargetSpacing).
	directFetchIntervals = 20
	// staleTipIntervals is how many block intervals without a new tip
	// make it look stale (Core's TipMayBeStale: 3 * nPowTargetSpacing).
	staleTipIntervals = 3
	// limitedPeerMaxDepth is Core's NODE_NETWORK_LIMITED_ALLOW_CONN_BLOCKS:
	// a pruned peer is a desirable outbound peer only while our tip is
	// less than this many block intervals old.
	limitedPeerMaxDepth = 144
)

// servesRecentBlocks reports whether services promise at least the recent
// witness blocks (NODE_NETWORK or NODE_NETWORK_LIMITED, with NODE_WITNESS).
func servesRecentBlocks(s wire.ServiceFlag) bool {
	return s&wire.SFNodeWitness != 0 && s&(wire.SFNodeNetwork|wire.SFNodeNetworkLimited) != 0
}

// desirableServices is Core's HasAllDesirableServiceFlags for an automatic
// outbound peer: NODE_NETWORK|NODE_WITNESS, or NODE_NETWORK_LIMITED|
// NODE_WITNESS while our tip is within limitedPeerMaxDepth intervals of
// now. Core disconnects other automatic outbound peers at once; without
// it a peer serving no blocks would keep its slot forever, out of reach of
// chain-sync eviction (which needs a peer we can ask for headers).
func (sm *SyncManager) desirableServices(s wire.ServiceFlag) bool {
	if s&wire.SFNodeWitness == 0 {
		return false
	}
	if s&wire.SFNodeNetwork != 0 {
		return true
	}
	if s&wire.SFNodeNetworkLimited == 0 {
		return false
	}
	spacing := sm.chain.ChainParams().TargetTimePerBlock
	if spacing <= 0 {
		return false
	}
	depth := sm.cfg.Now().Sub(sm.chain.BestSnapshot().Timestamp) / spacing
	return depth < limitedPeerMaxDepth
}

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
// returns the block's chain work, nil when the block is not indexed.
func (sm *SyncManager) learnedBlock(ps *peerState, hash chainhash.Hash) *big.Int {
	info, err := sm.chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil
	}
	ps.learnedHeight(info.Height)
	if ps.bestKnownWork == nil || info.ChainWork.Cmp(ps.bestKnownWork) > 0 {
		ps.bestKnownHash = hash
		ps.bestKnownWork = info.ChainWork
	}
	return info.ChainWork
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
// unprotected full outbound or block-relay-only peer we started syncing
// with (sent a getheaders) is subject to it. Core does not exempt whitelisted outbound
// peers; the server's IsFullOutbound does (an operator who whitelisted a
// host vouched for it), as it exempts manual connections like Core.
func (sm *SyncManager) considerEviction(ps *peerState, now time.Time, tipHash chainhash.Hash, tipWork *big.Int) {
	cs := &ps.chainSync
	if cs.protect || !(ps.fullOutbound || ps.blockRelayOnly) || ps.inbound || !ps.sentGetHeaders {
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
	if ps.presync == nil {
		log.Debugf("Sending getheaders to outbound peer %s (id %d) to verify its chain work "+
			"(best known block %s, benchmark %s)", ps.p.Addr(), ps.id, ps.bestKnownHash, cs.workHash)
		sm.sendGetHeaders(ps, &parent)
	}
	// A peer in a headers presync has a getheaders in flight already (the
	// presync's); another would restart the presync. Core likewise skips
	// the probe when a getheaders is in flight, and times the peer anyway.
	cs.sentGetHeaders = true
	cs.timeout = now.Add(sm.cfg.HeadersResponseTime)
}

// checkStaleTip is Core's CheckForStaleTipAndEvictPeers, run on each tick
// but acting every extraPeerCheckInterval: it evicts an extra outbound
// peer if the connection manager has one, and every staleCheckInterval,
// when no new tip came for three block intervals and no block is in
// flight, it asks for one extra outbound connection (a fresh peer may have
// the blocks ours do not), or withdraws that request once the tip moves.
// That part is idle unless Config.TryNewOutbound and ExtraOutbound are
// set. With Config.StartExtraBlockRelay and ExtraBlockRelay set it also
// evicts an extra block-relay-only peer (same cadence) and, on the first
// tick that finds the initial sync over, starts the extra block-relay-only
// connections.
func (sm *SyncManager) checkStaleTip(now time.Time) {
	if tip := sm.chain.BestSnapshot(); tip.Hash != sm.lastTipHash {
		sm.lastTipHash, sm.lastTipUpdate = tip.Hash, now
	}
	extraBlock := sm.cfg.StartExtraBlockRelay != nil && sm.cfg.ExtraBlockRelay != nil
	if extraBlock && !sm.initialSyncFinished && sm.canDirectFetch(now) {
		// Core checks this every 45 seconds; each tick costs as little
		// and starts the extra block-relay-only peers as the sync ends.
		sm.cfg.StartExtraBlockRelay()
		sm.initialSyncFinished = true
	}
	if now.Before(sm.nextExtraCheck) {
		return
	}
	sm.nextExtraCheck = now.Add(extraPeerCheckInterval)
	if extraBlock {
		sm.evictExtraBlockRelay(now)
	}
	if sm.cfg.TryNewOutbound == nil || sm.cfg.ExtraOutbound == nil {
		return
	}
	sm.evictExtraOutbound(now)
	if now.Before(sm.nextStaleCheck) {
		return
	}
	sm.nextStaleCheck = now.Add(staleCheckInterval)
	if sm.tipMayBeStale(now) {
		log.Infof("Potential stale tip detected, will try using an extra outbound peer "+
			"(last tip update %v ago)", now.Sub(sm.lastTipUpdate).Round(time.Second))
		sm.cfg.TryNewOutbound(true)
		sm.tryingNew = true
	} else if sm.tryingNew {
		sm.cfg.TryNewOutbound(false)
		sm.tryingNew = false
	}
}

// canDirectFetch is Core's CanDirectFetch: our tip is less than 20 block
// intervals old, so the initial sync is over.
func (sm *SyncManager) canDirectFetch(now time.Time) bool {
	tip := sm.chain.BestSnapshot()
	spacing := sm.chain.ChainParams().TargetTimePerBlock
	return tip.Timestamp.After(now.Add(-directFetchIntervals * spacing))
}

// evictExtraBlockRelay is the block-relay-only half of Core's
// EvictExtraOutboundPeers: when the connection manager has more
// block-relay-only connections than its target (the extra one it makes
// every few minutes), the youngest block-relay-only peer (highest id) is
// disconnected, unless it delivered a new block more recently than the
// next youngest, which then goes instead; either only after
// minimumConnectTime connected and with no block in flight. So a fresh
// peer regularly shows us its headers, and one that brings blocks first
// replaces an older one.
func (sm *SyncManager) evictExtraBlockRelay(now time.Time) {
	if sm.cfg.ExtraBlockRelay() <= 0 {
		return
	}
	var youngest, next *peerState
	for _, ps := range sm.peers {
		if !ps.blockRelayOnly || ps.inbound {
			continue
		}
		switch {
		case youngest == nil || ps.id > youngest.id:
			next, youngest = youngest, ps
		case next == nil || ps.id > next.id:
			next = ps
		}
	}
	if youngest == nil {
		return
	}
	victim := youngest
	if next != nil && youngest.lastBlockTime.After(next.lastBlockTime) {
		victim = next
	}
	if now.Sub(victim.connectedAt) < minimumConnectTime || len(victim.requested) > 0 {
		log.Debugf("Keeping block-relay-only peer %s (id %d) chosen for eviction (connected %v, "+
			"%d blocks in flight)", victim.p.Addr(), victim.id, now.Sub(victim.connectedAt),
			len(victim.requested))
		return
	}
	sm.disconnect(victim, ErrExtraOutbound, "extra block-relay-only peer (last block "+
		blockTimeString(victim.lastBlockTime)+")")
}

// blockTimeString is a peer's last block time for logs.
func blockTimeString(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// tipMayBeStale is Core's TipMayBeStale: no new tip for three block
// intervals and no block in flight.
func (sm *SyncManager) tipMayBeStale(now time.Time) bool {
	spacing := sm.chain.ChainParams().TargetTimePerBlock
	return len(sm.inFlight) == 0 && now.Sub(sm.lastTipUpdate) > staleTipIntervals*spacing
}

// evictExtraOutbound is the full-relay half of Core's
// EvictExtraOutboundPeers: when the connection manager has more automatic
// outbound connections than its target, the unprotected full outbound
// peer that least recently announced a new block (ties: the newest
// connection, the higher id) is disconnected, if it has been connected
// minimumConnectTime and has no block in flight; having gained a peer, the
// extra connection is no longer asked for. (Core also spares the only
// outbound connection to a network, which the manager does not know.)
func (sm *SyncManager) evictExtraOutbound(now time.Time) {
	if sm.cfg.ExtraOutbound() <= 0 {
		return
	}
	var worst *peerState
	for _, ps := range sm.peers {
		if !ps.fullOutbound || ps.inbound || ps.chainSync.protect {
			continue
		}
		if worst == nil || ps.lastBlockAnnouncement.Before(worst.lastBlockAnnouncement) ||
			(ps.lastBlockAnnouncement.Equal(worst.lastBlockAnnouncement) && ps.id > worst.id) {
			worst = ps
		}
	}
	if worst == nil {
		return
	}
	if now.Sub(worst.connectedAt) <= minimumConnectTime || len(worst.requested) > 0 {
		log.Debugf("Keeping outbound peer %s (id %d) chosen for eviction (connected %v, "+
			"%d blocks in flight)", worst.p.Addr(), worst.id, now.Sub(worst.connectedAt),
			len(worst.requested))
		return
	}
	sm.disconnect(worst, ErrExtraOutbound, "extra outbound peer with the oldest block announcement")
	sm.cfg.TryNewOutbound(false)
	sm.tryingNew = false
}
