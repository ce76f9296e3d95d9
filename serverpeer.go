package main

// The server's record of each connected peer and the peer set: how a
// connection becomes a peer, how it is found, listed and evicted, and what
// happens when it ends.

import (
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/relay"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// serverPeer is the server's record of one connected peer. The fields set
// at creation never change; the others are guarded as noted.
type serverPeer struct {
	*peer.Peer
	req         *connmgr.ConnReq // nil for inbound peers
	whitelisted bool
	na          *wire.NetAddressV2 // the remote address, nil when not parseable
	addrBucket  *addrmgr.TokenBucket

	// addrKnown is the set of addresses the peer is known to have.
	addrKnown *knownAddrs

	// sentGetAddr is set once we asked the peer for addresses: its answer
	// is not relayed (Core's m_getaddr_sent).
	sentGetAddr atomic.Bool
	// addrProcessed and addrRateLimited count addresses for getpeerinfo.
	addrProcessed   atomic.Uint64
	addrRateLimited atomic.Uint64
	// lastBlock is the unix time of the last new block from the peer (the
	// time of its last new transaction is the peer's LastTx, which the sync
	// manager sets).
	lastBlock atomic.Int64
	// registered is set once the sync manager knows the peer.
	registered atomic.Bool
	// nextLocalAdvert is when (unix ns) our addresses are next
	// advertised to the peer; 0 before the handshake.
	nextLocalAdvert atomic.Int64
}

// blockRelayOnly reports whether sp is an automatic block-relay-only
// connection (Core's BLOCK_RELAY): blocks and headers only, no
// transactions and no addresses either way.
func (sp *serverPeer) blockRelayOnly() bool {
	return sp.req != nil && sp.req.Type() == connmgr.ConnBlockRelayOnly
}

// feeler reports whether sp is a feeler connection: it only completes the
// handshake, so that its address is marked good, and is disconnected.
func (sp *serverPeer) feeler() bool {
	return sp.req != nil && sp.req.Type() == connmgr.ConnFeeler
}

// relaysTxs reports whether transactions are relayed with sp (Core keeps
// no tx relay state for block-relay-only connections and feelers).
func (sp *serverPeer) relaysTxs() bool {
	return !sp.blockRelayOnly() && !sp.feeler()
}

// RelaysTxs is relaysTxs for relay.Peer.
func (sp *serverPeer) RelaysTxs() bool { return sp.relaysTxs() }

// relaysAddrs reports whether addresses are relayed with sp (Core's
// RelayAddrsWithConn): not with block-relay-only connections and feelers,
// so that they cannot be found through the addresses we relay.
func (sp *serverPeer) relaysAddrs() bool {
	return !sp.blockRelayOnly() && !sp.feeler()
}

// connectionType is Core's connection type of sp for getpeerinfo.
// Operator connections (addnode, --addpeer, --connect, addnode onetry)
// are "manual".
func (sp *serverPeer) connectionType() string {
	switch {
	case sp.Inbound():
		return "inbound"
	case sp.req == nil || sp.req.Permanent || sp.req.Type() == connmgr.ConnManual:
		return "manual"
	}
	return sp.req.Type().String()
}

// inboundConnected runs a peer for an accepted connection.
func (s *server) inboundConnected(conn net.Conn) {
	p := peer.NewInboundPeer(s.pcfg, s.nextID.Add(1), conn)
	s.runPeer(p, nil)
}

// outboundConnected runs a peer for a dialed connection. Block-relay-only
// connections and feelers send relay=false in their version message, so
// the peer sends them no transactions (Core's RejectIncomingTxs).
func (s *server) outboundConnected(req *connmgr.ConnReq, conn net.Conn) {
	pcfg := s.pcfg
	if t := req.Type(); t == connmgr.ConnBlockRelayOnly || t == connmgr.ConnFeeler {
		c := *s.pcfg
		c.DisableRelayTx = true
		pcfg = &c
	}
	if s.dialV2(req.Addr, req.Type() == connmgr.ConnManual) {
		s.runPeer(peer.NewOutboundPeerV2(pcfg, s.nextID.Add(1), conn), req)
		return
	}
	s.runPeer(peer.NewOutboundPeer(pcfg, s.nextID.Add(1), conn), req)
}

// dialV2 reports whether a connection to addr opens with the BIP324 v2
// handshake, as Core: with v2 on, a manual connection (unless added with
// v2transport=false) or an address the address manager knows to offer
// NODE_P2P_V2, never one whose v2 handshake failed before.
func (s *server) dialV2(addr net.Addr, manual bool) bool {
	if !s.v2Enabled() || s.v1Only.has(addr.String(), false) {
		return false
	}
	if manual {
		return true
	}
	a, ok := addr.(addrmgr.Addr)
	return ok && a.NetAddressV2 != nil && a.Services&wire.SFNodeP2PV2 != 0
}

// retryV1 handles an outbound peer whose v2 handshake failed (the remote
// closed, reset, timed out or answered in v1): its address is dialed with
// v1 from now on, and at once again (Core's reconnection after a failed v2
// attempt): through the connection manager for its requests, directly for
// an addnode onetry.
func (s *server) retryV1(sp *serverPeer, err error) {
	addr := sp.Addr()
	if sp.req != nil {
		addr = sp.req.Addr.String()
	}
	s.v1Only.has(addr, true)
	if s.ctx.Err() != nil {
		return
	}
	srvrLog.Debugf("v2 handshake with %s failed (%v); retrying with v1", addr, err)
	if sp.req == nil {
		s.oneTry(addr, false)
		return
	}
	if _, rerr := s.cm.Redial(sp.req); rerr != nil {
		srvrLog.Debugf("Cannot redial %s: %v", addr, rerr)
	}
}

// runPeer registers p and runs it on its own goroutine until it ends.
func (s *server) runPeer(p *peer.Peer, req *connmgr.ConnReq) {
	host, _, _ := net.SplitHostPort(p.Addr())
	sp := &serverPeer{Peer: p, req: req, whitelisted: s.isWhitelisted(host),
		addrBucket: addrmgr.NewAddrTokenBucket(time.Now()),
		addrKnown:  newKnownAddrs()}
	if req != nil {
		if na, err := addrmgr.ParseNetAddr(req.Addr.String(), 0); err == nil {
			sp.na = na
		}
	} else if na, err := addrmgr.ParseNetAddr(p.Addr(), 0); err == nil {
		sp.na = na
	}
	if sp.whitelisted {
		p.SetNoBan(true)
	}
	s.peersMu.Lock()
	s.peers[p.ID()] = sp
	s.peersMu.Unlock()
	srvrLog.Debugf("New peer %v", p)

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// The peer stops with the server's context; the wait group
		// covers this goroutine, so Stop returns after every peer ended.
		err := p.Run(s.ctx)
		s.peerDone(sp, err)
		if !p.Inbound() && errors.Is(err, peer.ErrV2Handshake) {
			s.retryV1(sp, err)
		}
	}()
}

// peerDone removes a disconnected peer and tells the managers.
func (s *server) peerDone(sp *serverPeer, err error) {
	// The peer leaves the set and its traffic joins the departed peers'
	// under trafficMu, so the traffic totals never go down.
	s.trafficMu.Lock()
	s.peersMu.Lock()
	delete(s.peers, sp.ID())
	if s.ctx.Err() == nil {
		delete(s.anchorPeers, sp.ID())
	}
	s.peersMu.Unlock()
	st := sp.StatsSnapshot()
	s.closedTraffic.add(st)
	s.trafficMu.Unlock()
	s.bytesSent.Add(st.BytesSent)
	s.bytesRecv.Add(st.BytesRecv)
	if sp.registered.Load() {
		s.sm.DonePeer(sp.Peer)
	}
	if !sp.Inbound() && sp.na != nil && addrmgr.IsRoutable(sp.na) {
		// The address was good until now: relay it as recently seen.
		s.am.Connected(sp.na)
	}
	srvrLog.Debugf("Peer %v disconnected: %v", sp.Peer, err)
}

// peerByID returns the connected peer with the id, or nil.
func (s *server) peerByID(id int32) *serverPeer {
	s.peersMu.Lock()
	defer s.peersMu.Unlock()
	return s.peers[id]
}

// allPeers returns a snapshot of the peer set.
func (s *server) allPeers() []*serverPeer {
	s.peersMu.Lock()
	defer s.peersMu.Unlock()
	out := make([]*serverPeer, 0, len(s.peers))
	for _, sp := range s.peers {
		out = append(out, sp)
	}
	return out
}

// relayPeers returns the peers that completed the handshake, for the
// transaction relay.
func (s *server) relayPeers() []relay.Peer {
	ready := s.readyPeers()
	out := make([]relay.Peer, len(ready))
	for i, sp := range ready {
		out[i] = sp
	}
	return out
}

// readyPeers returns the peers that completed the handshake.
func (s *server) readyPeers() []*serverPeer {
	all := s.allPeers()
	out := all[:0]
	for _, sp := range all {
		if sp.VerAckReceived() && sp.Connected() {
			out = append(out, sp)
		}
	}
	return out
}

// defaultMaxInboundPerIP bounds the inbound connections from one address
// (whitelisted ones exempt), so that one host cannot take every inbound
// slot even before eviction weighs in. Core has no such cap; it relies on
// eviction alone.
const defaultMaxInboundPerIP = 8

// evictInbound drops one inbound peer to make room for a new connection
// when every inbound slot is taken, chosen by connmgr.SelectEviction as
// Core's AttemptToEvictConnection: whitelisted peers, a few per network
// group (keyed), the fastest pingers, the latest block and transaction
// relayers and the longest-connected are spared; the newest peer of the
// largest remaining network group goes. It reports false when every peer
// is spared. The connection manager calls it on its accept goroutine.
func (s *server) evictInbound() bool {
	var cands []connmgr.EvictionCandidate
	byID := make(map[int64]*serverPeer)
	for _, sp := range s.allPeers() {
		if !sp.Inbound() || !sp.Connected() {
			continue
		}
		st := sp.StatsSnapshot()
		c := connmgr.EvictionCandidate{ID: int64(sp.ID()), Connected: st.ConnTime,
			MinPing: st.MinPing, Protected: sp.whitelisted}
		if sp.na != nil {
			c.Group = addrmgr.GroupKey(sp.na)
		} else {
			c.Group = "host:" + sp.Addr()
		}
		if v := sp.lastBlock.Load(); v > 0 {
			c.LastBlock = time.Unix(v, 0)
		}
		if v := sp.LastTx(); !v.IsZero() {
			c.LastTx = time.Unix(v.Unix(), 0)
		}
		cands = append(cands, c)
		byID[c.ID] = sp
	}
	id, ok := connmgr.SelectEviction(cands, s.evictSeed)
	if !ok {
		return false
	}
	sp := byID[id]
	srvrLog.Debugf("Evicting inbound %v for a new connection", sp)
	// Disconnect closes the connection at once, which frees its slot.
	sp.Disconnect(errors.New("evicted for a new inbound connection"))
	return true
}
