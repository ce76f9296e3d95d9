package main

// Address relay: what the server does with the addresses peers send and ask
// for (Core's ProcessAddrs, RelayAddress and AdvertiseLocal). The address
// manager keeps the addresses; this file decides who hears of which, with
// a bounded per-peer set of the addresses each peer is known to have so
// nothing is sent twice.

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/internal/ringset"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

const (
	// localAdvertInterval is the mean time between two advertisements of
	// our addresses to a peer (Core: 24 hours).
	localAdvertInterval = 24 * time.Hour

	// localAdvertCheckInterval is how often localAdvertLoop looks for
	// peers whose advertisement is due (besides each new tip, which may
	// end initial block download).
	localAdvertCheckInterval = time.Minute

	// maxAddrRelay is the largest addr message whose fresh addresses are
	// relayed (Core: 10), and addrRelayFreshness how recent they must be.
	maxAddrRelay       = 10
	addrRelayFreshness = 10 * time.Minute

	// maxKnownAddrs bounds each peer's known-address set (Core's
	// m_addr_known holds 5,000); when full it forgets the oldest.
	maxKnownAddrs = 5000
)

// knownAddrs is a peer's set of known address keys, at most maxKnownAddrs
// of them, forgetting the oldest first (Core's m_addr_known rolling
// filter). It is safe for concurrent use.
type knownAddrs struct {
	mu  sync.Mutex
	set *ringset.Set[string]
}

// newKnownAddrs returns an empty set.
func newKnownAddrs() *knownAddrs {
	return &knownAddrs{set: ringset.New[string](maxKnownAddrs, 64)}
}

// has reports whether key is in the set, adding it when mark is set.
func (k *knownAddrs) has(key string, mark bool) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.set.Has(key) {
		return true
	}
	if mark {
		k.set.Add(key)
	}
	return false
}

// knowsAddr reports whether the peer is known to have the address key and
// marks it as known when mark is set.
func (sp *serverPeer) knowsAddr(key string, mark bool) bool {
	return sp.addrKnown.has(key, mark)
}

// onGetAddr answers a peer's getaddr once per connection from the address
// manager's day-long cache. Like Core, only inbound peers are answered.
func (s *server) onGetAddr(p *peer.Peer, _ *wire.MsgGetAddr) {
	sp := s.peerByID(p.ID())
	if sp == nil || !p.Inbound() || !sp.relaysAddrs() || !p.ShouldAnswerGetAddr() {
		return
	}
	v2 := p.WantsAddrV2()
	addrs := s.am.CachedAddressCache(v2)
	out := make([]*wire.NetAddressV2, 0, len(addrs))
	for _, na := range addrs {
		if !sp.knowsAddr(na.String(), true) {
			out = append(out, na)
		}
	}
	for _, m := range addrmgr.AddrMessages(out, v2) {
		p.QueueMessage(m, nil)
	}
}

// onAddrs handles an addr or addrv2 message: the token bucket limits what
// is processed (whitelisted peers skip it), the addresses go to the
// address manager, and fresh ones from small unsolicited messages are
// relayed to up to two other peers, as Core's RelayAddress.
func (s *server) onAddrs(p *peer.Peer, addrs []*wire.NetAddressV2) {
	sp := s.peerByID(p.ID())
	if sp == nil || len(addrs) == 0 || !sp.relaysAddrs() {
		// Addresses from a block-relay-only peer are ignored, as Core.
		return
	}
	now := time.Now()
	kept := addrs
	if !sp.whitelisted {
		var dropped int
		kept, dropped = addrmgr.FilterByTokens(addrs, sp.addrBucket, now)
		sp.addrRateLimited.Add(uint64(dropped))
	}
	sp.addrProcessed.Add(uint64(len(kept)))
	src := sp.na
	if src == nil {
		src = &wire.NetAddressV2{Network: wire.NetIPv4, Addr: []byte{0, 0, 0, 0}}
	}
	for _, na := range kept {
		sp.knowsAddr(na.String(), true)
	}
	s.am.AddAddresses(kept, src)
	// As Core: a message after our getaddr is its answer (not relayed),
	// and anything shorter than a full message ends the answer.
	answer := sp.sentGetAddr.Load()
	if len(addrs) < wire.MaxAddrPerMsg {
		sp.sentGetAddr.Store(false)
	}
	if len(addrs) > maxAddrRelay || answer {
		return
	}
	for _, na := range kept {
		if addrmgr.IsRoutable(na) && na.Timestamp.After(now.Add(-addrRelayFreshness)) {
			s.relayAddr(na, sp.ID())
		}
	}
}

// relayAddr sends a fresh address to up to two handshaken peers other than
// the source that do not know it (one for a network we cannot reach).
func (s *server) relayAddr(na *wire.NetAddressV2, from int32) {
	n := 2
	if na.Network == wire.NetTorV3 && s.cfg.OnionProxy == "" && s.cfg.Proxy == "" {
		n = 1
	}
	peers := s.readyPeers()
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
	key := na.String()
	for _, sp := range peers {
		if n == 0 {
			break
		}
		if sp.ID() == from || !sp.relaysAddrs() || sp.knowsAddr(key, true) {
			continue
		}
		if na.Network != wire.NetIPv4 && na.Network != wire.NetIPv6 && !sp.WantsAddrV2() {
			continue
		}
		s.sendAddrs(sp, []*wire.NetAddressV2{na})
		n--
	}
}

// sendAddrs sends addresses in the peer's format (addrv2 or addr).
func (s *server) sendAddrs(sp *serverPeer, addrs []*wire.NetAddressV2) {
	for _, m := range addrmgr.AddrMessages(addrs, sp.WantsAddrV2()) {
		sp.QueueMessage(m, nil)
	}
}

// maybeAdvertiseLocal sends our --externalip addresses to sp when it is
// time: only when we listen, are out of initial block download, and the
// peer's next advertisement is due, which is then drawn about a day later
// (Core: AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL, Poisson).
func (s *server) maybeAdvertiseLocal(sp *serverPeer, now time.Time) {
	next := sp.nextLocalAdvert.Load()
	if !sp.relaysAddrs() || s.cfg.DisableListen || len(s.localAddrs) == 0 || next == 0 || now.UnixNano() < next ||
		s.sm.IsInitialBlockDownload() {
		return
	}
	delay := time.Duration(rand.ExpFloat64() * float64(localAdvertInterval))
	if !sp.nextLocalAdvert.CompareAndSwap(next, now.Add(delay).UnixNano()) {
		return
	}
	local := make([]*wire.NetAddressV2, 0, len(s.localAddrs))
	for _, la := range s.localAddrs {
		c := *la
		c.Timestamp = now
		local = append(local, &c)
		sp.knowsAddr(c.String(), true)
	}
	s.sendAddrs(sp, local)
}

// localAdvertLoop advertises our addresses to peers when they are due:
// every localAdvertCheckInterval, and at once after a new tip (which may
// end initial block download, before which none are sent).
func (s *server) localAdvertLoop(ctx context.Context) {
	t := time.NewTicker(localAdvertCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.advertWake:
		}
		now := time.Now()
		for _, sp := range s.readyPeers() {
			s.maybeAdvertiseLocal(sp, now)
		}
	}
}
