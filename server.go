package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

const (
	// banListFileName is the persisted ban list in the network data dir.
	banListFileName = "banlist.json"

	// maxFeeFilter is the feefilter sent during initial block download
	// (Core's MAX_MONEY), so peers send no transactions we cannot check.
	maxFeeFilter = 21_000_000 * 100_000_000

	// feeFilterInterval is how often our feefilter is recomputed and sent
	// to peers when it changed (Core averages 10 minutes; a shorter period
	// keeps peers in step with the pool's rolling minimum).
	feeFilterInterval = time.Minute

	// maxPendingRelay bounds the transactions waiting for the relay
	// goroutine; past it announcements are dropped (peers still learn
	// them through their own peers or a later mempool sync).
	maxPendingRelay = 100_000

	// maxAddrRelay is the largest addr message whose fresh addresses are
	// relayed (Core: 10), and addrRelayFreshness how recent they must be.
	maxAddrRelay       = 10
	addrRelayFreshness = 10 * time.Minute

	// maxKnownAddrs bounds each peer's known-address set (Core's
	// m_addr_known holds 5,000); it is cleared when full.
	maxKnownAddrs = 5000

	// maxShadowAddrs bounds the index of address keys the server keeps
	// for getnodeaddresses (the address manager holds at most 81,920).
	maxShadowAddrs = 100_000

	// rebroadcastMin and rebroadcastJitter set the period of
	// rebroadcastLoop (Core: 10 to 15 minutes).
	rebroadcastMin    = 10 * time.Minute
	rebroadcastJitter = 5 * time.Minute

	// maxPeersFileBytes bounds the read of peers.json for the address
	// index (the address manager reads at most as much).
	maxPeersFileBytes = 64 << 20

	// localAdvertInterval is the mean time between two advertisements of
	// our addresses to a peer (Core: 24 hours).
	localAdvertInterval = 24 * time.Hour

	// oneTryDialTimeout bounds the dial of addnode onetry.
	oneTryDialTimeout = 30 * time.Second
)

// serverPeer is the server's record of one connected peer. The fields set
// at creation never change; the others are guarded as noted.
type serverPeer struct {
	*peer.Peer
	req         *connmgr.ConnReq // nil for inbound peers
	whitelisted bool
	na          *wire.NetAddressV2 // the remote address, nil when not parseable
	addrBucket  *addrmgr.TokenBucket

	// addrMu guards addrKnown, the addresses the peer is known to have.
	addrMu    sync.Mutex
	addrKnown map[string]struct{}

	// sentGetAddr is set once we asked the peer for addresses: its answer
	// is not relayed (Core's m_getaddr_sent).
	sentGetAddr atomic.Bool
	// addrProcessed and addrRateLimited count addresses for getpeerinfo.
	addrProcessed   atomic.Uint64
	addrRateLimited atomic.Uint64
	// lastTx and lastBlock are the unix times of the last new transaction
	// and block from the peer.
	lastTx    atomic.Int64
	lastBlock atomic.Int64
	// feeFilterSent is the last feefilter we sent.
	feeFilterSent atomic.Int64
	// registered is set once the sync manager knows the peer.
	registered atomic.Bool
	// nextLocalAdvert is when (unix ns) our addresses are next
	// advertised to the peer; 0 before the handshake.
	nextLocalAdvert atomic.Int64

	// pingMu guards the ping the ping RPC sent (the peer package measures
	// its own periodic pings): its nonce (0 when none is outstanding),
	// when it went out, and the last round trip it measured.
	pingMu    sync.Mutex
	pingNonce uint64
	pingSent  time.Time
	pingRTT   time.Duration
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

// sendPing sends a ping for the ping RPC unless one is outstanding.
func (sp *serverPeer) sendPing() {
	sp.pingMu.Lock()
	defer sp.pingMu.Unlock()
	if sp.pingNonce != 0 {
		return
	}
	nonce, err := wire.RandomUint64()
	if err != nil || nonce == 0 {
		return
	}
	sp.pingNonce, sp.pingSent = nonce, time.Now()
	sp.QueueMessage(wire.NewMsgPing(nonce), nil)
}

// onPong records the round trip of the ping RPC's ping.
func (sp *serverPeer) onPong(nonce uint64) {
	sp.pingMu.Lock()
	defer sp.pingMu.Unlock()
	if sp.pingNonce != 0 && nonce == sp.pingNonce {
		sp.pingRTT = time.Since(sp.pingSent)
		sp.pingNonce = 0
	}
}

// rpcPing returns the last round trip of the ping RPC's pings and how
// long the outstanding one has waited (0 when none).
func (sp *serverPeer) rpcPing() (rtt, wait time.Duration) {
	sp.pingMu.Lock()
	defer sp.pingMu.Unlock()
	if sp.pingNonce != 0 {
		wait = time.Since(sp.pingSent)
	}
	return sp.pingRTT, wait
}

// knowsAddr reports whether the peer is known to have the address key and
// marks it as known when mark is set.
func (sp *serverPeer) knowsAddr(key string, mark bool) bool {
	sp.addrMu.Lock()
	defer sp.addrMu.Unlock()
	if _, ok := sp.addrKnown[key]; ok {
		return true
	}
	if mark {
		if len(sp.addrKnown) >= maxKnownAddrs {
			clear(sp.addrKnown)
		}
		sp.addrKnown[key] = struct{}{}
	}
	return false
}

// server is the peer-to-peer side of the node: it listens and dials
// (connmgr), keeps addresses (addrmgr), runs peers (peer), hands their
// messages to the sync manager (netsync), relays transactions and tips,
// and keeps the ban list. It is one subsystem, started after the mempool.
//
// The peer set is a map under peersMu, held only for short reads and
// updates; every other goroutine asks through the accessors.
type server struct {
	cfg  *config
	core *node

	bans   *connmgr.BanList
	am     *addrmgr.AddrManager
	cm     *connmgr.ConnManager
	sm     *netsync.SyncManager
	nonces *peer.NonceSet
	pcfg   *peer.Config

	// localAddrs are the --externalip addresses advertised to peers.
	localAddrs []*wire.NetAddressV2

	nextID atomic.Int32

	peersMu sync.Mutex
	peers   map[int32]*serverPeer
	// anchorPeers are the addresses of the block-relay-only peers that
	// completed the handshake, by peer id (guarded by peersMu). A peer
	// ended by the shutdown stays, so Stop can save them as anchors
	// after the node's context already disconnected the peers.
	anchorPeers map[int32]string

	// addedMu guards added, the addnode/--addpeer/--connect requests by
	// the address string they were given with.
	addedMu sync.Mutex
	added   map[string]*connmgr.ConnReq

	// shadowMu guards shadow, the keys of addresses handed to the address
	// manager, for getnodeaddresses (addrmgr has no listing method).
	shadowMu sync.Mutex
	shadow   map[string]struct{}

	// relayMu guards relayQueue, the accepted transactions waiting for the
	// relay goroutine, woken through relayWake.
	relayMu    sync.Mutex
	relayQueue []*mempool.TxDesc
	relayWake  chan struct{}

	// feeFilterWake asks the feefilter loop to recompute at once (a new
	// tip may end initial block download).
	feeFilterWake chan struct{}

	// bytesSent and bytesRecv total the traffic of disconnected peers.
	bytesSent atomic.Uint64
	bytesRecv atomic.Uint64

	// banSaveMu serialises ban list saves; banSaveInterval is how often
	// the ban save loop writes a changed list (banListSaveInterval; tests
	// shorten it).
	banSaveMu       sync.Mutex
	banSaveInterval time.Duration

	// evictSeed keys the network-group hash of inbound eviction, so that
	// which groups it protects cannot be predicted from outside.
	evictSeed uint64

	// dialer reaches addresses directly or through --proxy / --onion.
	dialer *connmgr.Dialer

	// testDial, targetOutbound, targetBlockRelay, feelerInterval,
	// extraBlockInterval, retryInterval and trickleInterval override,
	// when set before Start, the connection manager's dial function, its
	// full-relay and block-relay-only targets, the mean feeler and extra
	// block-relay-only intervals, the outbound retry tick and the peers'
	// trickle interval (tests: in-process peers behind routable-looking
	// addresses, few slots, fast timers).
	testDial           connmgr.DialFunc
	targetOutbound     int
	targetBlockRelay   int
	feelerInterval     time.Duration
	extraBlockInterval time.Duration
	retryInterval      time.Duration
	trickleInterval    time.Duration

	// ctx is the server's context, set by Start; peers run under it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// newServer builds the P2P server on the node's core. Errors in the
// configuration surface at Start.
func newServer(cfg *config, core *node) *server {
	s := &server{
		cfg:    cfg,
		core:   core,
		bans:   connmgr.NewBanList(),
		nonces: peer.NewNonceSet(),
		peers:  make(map[int32]*serverPeer),

		anchorPeers: make(map[int32]string),
		added:       make(map[string]*connmgr.ConnReq),
		shadow:      make(map[string]struct{}),
		relayWake:   make(chan struct{}, 1),

		feeFilterWake:   make(chan struct{}, 1),
		banSaveInterval: banListSaveInterval,
		evictSeed:       rand.Uint64(),
	}
	return s
}

// Name implements subsystem.
func (s *server) Name() string { return "peers" }

// defaultPort returns the network's P2P port as a number.
func (s *server) defaultPort() uint16 {
	p, _ := strconv.ParseUint(s.cfg.params.DefaultPort, 10, 16)
	return uint16(p)
}

// Start loads the ban list, builds the address manager, the sync manager
// and the connection manager, binds the listeners and starts them all.
func (s *server) Start(ctx context.Context) error {
	if s.core == nil || s.core.chain == nil || s.core.pool == nil {
		return errors.New("the chain and the mempool must start before the peers")
	}
	s.loadBanList()
	for _, e := range s.cfg.ExternalIPs {
		na, err := addrmgr.ParseNetAddr(e, peer.DefaultServices)
		if err != nil {
			return fmt.Errorf("--externalip=%s: %w", e, err)
		}
		na.Timestamp = time.Now()
		s.localAddrs = append(s.localAddrs, na)
	}

	dataDir := s.cfg.netDataDir
	s.loadShadowFromPeersFile(filepath.Join(dataDir, "peers.json"))
	seeds := make([]string, 0, len(s.cfg.params.DNSSeeds))
	for _, d := range s.cfg.params.DNSSeeds {
		seeds = append(seeds, d.Host)
	}
	s.am = addrmgr.New(&addrmgr.Config{DataDir: dataDir, DefaultPort: s.defaultPort(),
		DNSSeeds: seeds, Lookup: s.dnsLookup()})

	sm, err := netsync.New(&netsync.Config{
		Chain:            s.core.chain,
		TxPool:           s.core.pool,
		IsFullOutbound:   s.isFullOutbound,
		IsBlockRelayOnly: s.isBlockRelayOnly,
		// Core's stale-tip extra outbound peer. s.cm is set below,
		// before the sync manager runs; with --connect or
		// --maxpeers=0 the connection manager dials no automatic
		// peers, so the extra one is never made.
		TryNewOutbound: func(try bool) { s.cm.SetTryNewOutbound(try) },
		ExtraOutbound:  func() int { return s.cm.ExtraOutbound() },
		// Core's extra block-relay-only peer every few minutes, after
		// the initial sync (idle when there are no block-relay-only
		// slots, as with --connect).
		StartExtraBlockRelay: func() { s.cm.StartExtraBlockRelay() },
		ExtraBlockRelay:      func() int { return s.cm.ExtraBlockRelay() },
		TxAccepted: func(txs []*mempool.TxDesc, from netsync.Peer) {
			// The pool's accept hook already queued the relay; the source
			// knows these transactions, so it is never announced them.
			if p, ok := from.(*peer.Peer); ok {
				for _, d := range txs {
					p.AddKnownInventory(&wire.InvVect{Type: wire.InvTypeTx, Hash: d.TxHash})
					p.AddKnownInventory(&wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash})
				}
				if sp := s.peerByID(p.ID()); sp != nil {
					sp.lastTx.Store(time.Now().Unix())
				}
			}
		},
	})
	if err != nil {
		return err
	}
	s.sm = sm

	s.pcfg = &peer.Config{
		Net:              s.cfg.params.Net,
		UserAgentName:    "ternd",
		UserAgentVersion: version(),
		NewestBlock:      func() int32 { return s.core.chain.BestSnapshot().Height },
		FeeFilter:        -1, // sent by the server: it follows the pool and IBD
		Nonces:           s.nonces,
		Listeners:        s.listeners(),
		OnBan:            s.onBan,
		TrickleInterval:  s.trickleInterval,
	}

	var ls []net.Listener
	if !s.cfg.DisableListen {
		addrs := s.cfg.Listeners
		if len(addrs) == 0 {
			addrs = connmgr.DefaultListenAddrs(s.cfg.params.DefaultPort)
		}
		if ls, err = connmgr.Listen(addrs); err != nil {
			if !s.defaultListeners() {
				return err
			}
			// The default port is taken (another node on this host):
			// run without inbound connections rather than not at all.
			srvrLog.Warnf("Cannot listen on the default port: %v; no inbound peers "+
				"(use --listen to choose another)", err)
			ls = nil
		}
		for _, l := range ls {
			srvrLog.Infof("Listening for peers on %v", l.Addr())
		}
	}
	dialer := &connmgr.Dialer{}
	s.dialer = dialer
	if s.cfg.Proxy != "" {
		dialer.Proxy = &connmgr.SOCKS5Proxy{Addr: s.cfg.Proxy}
	}
	if s.cfg.OnionProxy != "" {
		dialer.OnionProxy = &connmgr.SOCKS5Proxy{Addr: s.cfg.OnionProxy}
	}
	cmCfg := &connmgr.Config{
		Listeners:        ls,
		OnAccept:         s.inboundConnected,
		OnConnection:     s.outboundConnected,
		GetNewAddress:    s.am.NewAddress,
		GetFeelerAddress: s.feelerAddress,
		FeelerInterval:   s.feelerInterval,

		ExtraBlockRelayInterval: s.extraBlockInterval,
		Dial:                    dialer.DialContext,
		GroupKey:                addrmgr.NetAddrGroupKey,
		IsBanned:                s.bans.IsBannedAddr,
		IsWhitelisted:           s.isWhitelistedAddr,
		MaxPeers:                s.cfg.MaxPeers,
		MaxInboundPerIP:         defaultMaxInboundPerIP,
		EvictInbound:            s.evictInbound,
		TargetOutbound:          s.targetOutbound,
		RetryDuration:           s.retryInterval,
	}
	if s.testDial != nil {
		cmCfg.Dial = s.testDial
	}
	// Core's block-relay-only connections: 2 beside the 8 full-relay
	// ones, fewer when --maxpeers leaves no room (Core takes them from
	// -maxconnections after the full-relay ones).
	fullRelay := connmgr.DefaultTargetOutbound
	if s.targetOutbound > 0 {
		fullRelay = s.targetOutbound
	}
	cmCfg.TargetBlockRelay = min(connmgr.DefaultTargetBlockRelay, max(s.cfg.MaxPeers-fullRelay, 0))
	if s.targetBlockRelay != 0 {
		cmCfg.TargetBlockRelay = s.targetBlockRelay
	}
	// The anchors file is read (and deleted) at every start, used only
	// when automatic connections are.
	anchors := s.loadAnchors()
	if len(s.cfg.ConnectPeers) > 0 {
		cmCfg.GetNewAddress = nil
	}
	if s.cfg.MaxPeers == 0 {
		// Core: -maxconnections=0 means no connections at all.
		cmCfg.GetNewAddress = nil
		cmCfg.TargetOutbound = -1
		cmCfg.MaxPeers = 1
	}
	if cmCfg.GetNewAddress == nil {
		// No automatic connections (--connect): no block-relay-only
		// connections, anchors or feelers either, as Core.
		cmCfg.TargetBlockRelay = 0
		cmCfg.GetFeelerAddress = nil
		anchors = nil
	}
	cmCfg.Anchors = anchors
	s.cm = connmgr.New(cmCfg)
	for _, a := range append(append([]string(nil), s.cfg.ConnectPeers...), s.cfg.AddPeers...) {
		if err := s.addNode(a, true); err != nil {
			srvrLog.Warnf("Cannot add peer %s: %v", a, err)
		}
	}

	ctx, s.cancel = context.WithCancel(ctx)
	s.ctx = ctx
	s.core.setRelayHooks(relayHooks{
		TxAccepted: s.txAccepted,
		BlockConnected: func(block *wire.MsgBlock, hash chainhash.Hash, height int32) {
			sm.BlockConnected(block, hash, height)
			select {
			case s.feeFilterWake <- struct{}{}:
			default:
			}
		},
	})
	s.wg.Add(7)
	go func() { defer s.wg.Done(); s.banSaveLoop(ctx) }()
	go func() { defer s.wg.Done(); s.rebroadcastLoop(ctx) }()
	go func() { defer s.wg.Done(); s.am.Run(ctx) }()
	go func() { defer s.wg.Done(); sm.Run(ctx) }()
	go func() { defer s.wg.Done(); s.cm.Run(ctx) }()
	go func() { defer s.wg.Done(); s.relayLoop(ctx) }()
	go func() { defer s.wg.Done(); s.feeFilterLoop(ctx) }()
	return nil
}

// Stop unhooks relay, stops the managers, disconnects every peer, waits for
// all goroutines and saves the ban list (peers.json is saved by the
// address manager as it stops).
func (s *server) Stop() error {
	s.core.setRelayHooks(relayHooks{})
	// The block-relay-only peers become the next start's anchors; they
	// are taken before the peers are disconnected.
	s.saveAnchors()
	s.cancel()
	for _, sp := range s.allPeers() {
		sp.Disconnect(nil)
	}
	s.wg.Wait()
	return s.saveBanList()
}

// dnsLookup returns the resolver for DNS seeds; nil on regtest (no seeds)
// and when every connection goes through a proxy (no DNS leaks).
func (s *server) dnsLookup() func(ctx context.Context, host string) ([]netip.Addr, error) {
	if len(s.cfg.params.DNSSeeds) == 0 || s.cfg.Proxy != "" || len(s.cfg.ConnectPeers) > 0 {
		return nil
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
}

// isWhitelisted reports whether host (an IP) is in a --whitelist network.
func (s *server) isWhitelisted(host string) bool {
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range s.cfg.whitelistNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// isFullOutbound reports whether p is an automatic outbound peer, the kind
// netsync's chain-sync eviction may disconnect for lagging (review F18).
// Manual connections (--addpeer, --connect and addnode add have a
// permanent request; addnode onetry has none) are exempt, as in Core, and
// so are whitelisted peers. It is called from the sync manager's event
// goroutine and takes peersMu only briefly.
func (s *server) isFullOutbound(p netsync.Peer) bool {
	sp := s.peerByID(p.ID())
	return sp != nil && !sp.Inbound() && sp.req != nil && !sp.req.Permanent && !sp.whitelisted &&
		!sp.blockRelayOnly() && !sp.feeler()
}

// isBlockRelayOnly reports whether p is an automatic block-relay-only
// peer, which netsync's chain-sync eviction also covers (but never
// protects), as Core. Whitelisted peers are exempt, as in isFullOutbound.
func (s *server) isBlockRelayOnly(p netsync.Peer) bool {
	sp := s.peerByID(p.ID())
	return sp != nil && sp.blockRelayOnly() && !sp.whitelisted
}

// feelerAddress is the connection manager's feeler source: the address
// manager's FeelerAddress, except that a tried entry offered for a
// collision test that is a connected outbound peer is marked good at once
// (it answers; Core does not dial a peer it is connected to) and a new
// table address is drawn instead.
func (s *server) feelerAddress() (net.Addr, error) {
	a, err := s.am.FeelerAddress()
	if err != nil {
		return nil, err
	}
	if s.connectedOutbound(a.String()) {
		if na, perr := addrmgr.ParseNetAddr(a.String(), 0); perr == nil {
			s.am.Good(na)
		}
		return s.am.FeelerAddress()
	}
	return a, nil
}

// connectedOutbound reports whether an outbound peer is connected to the
// address (host:port as dialed).
func (s *server) connectedOutbound(addr string) bool {
	for _, sp := range s.allPeers() {
		if !sp.Inbound() && sp.na != nil && sp.na.String() == addr {
			return true
		}
	}
	return false
}

// isWhitelistedAddr is isWhitelisted for connmgr.
func (s *server) isWhitelistedAddr(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	return err == nil && s.isWhitelisted(host)
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
	p := peer.NewOutboundPeer(pcfg, s.nextID.Add(1), conn)
	s.runPeer(p, req)
}

// runPeer registers p and runs it on its own goroutine until it ends.
func (s *server) runPeer(p *peer.Peer, req *connmgr.ConnReq) {
	host, _, _ := net.SplitHostPort(p.Addr())
	sp := &serverPeer{Peer: p, req: req, whitelisted: s.isWhitelisted(host),
		addrBucket: addrmgr.NewAddrTokenBucket(time.Now()),
		addrKnown:  make(map[string]struct{})}
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
	}()
}

// peerDone removes a disconnected peer and tells the managers.
func (s *server) peerDone(sp *serverPeer, err error) {
	s.peersMu.Lock()
	delete(s.peers, sp.ID())
	if s.ctx.Err() == nil {
		delete(s.anchorPeers, sp.ID())
	}
	s.peersMu.Unlock()
	st := sp.StatsSnapshot()
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
		if v := sp.lastTx.Load(); v > 0 {
			c.LastTx = time.Unix(v, 0)
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

// banListSaveInterval is how often a changed ban list is written, as
// Core's DUMP_BANS_INTERVAL; it is also written at Stop and at once after
// an operator's setban/clearbanned.
const banListSaveInterval = 15 * time.Minute

// banSaveLoop writes the ban list every banSaveInterval when it changed,
// so automatic bans (often made on the sync manager's event goroutine)
// never wait for a marshal and fsync. Stop writes the last changes.
func (s *server) banSaveLoop(ctx context.Context) {
	t := time.NewTicker(s.banSaveInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.saveBanListIfDirty(); err != nil {
				srvrLog.Warnf("Cannot save %s: %v", banListFileName, err)
			}
		}
	}
}

// onBan bans a misbehaving peer's address for --banduration. The list is
// saved later by banSaveLoop (or Stop), not here: this runs on the goroutine
// that detected the offence.
func (s *server) onBan(p *peer.Peer, reason string) {
	host, _, err := net.SplitHostPort(p.Addr())
	if err != nil {
		return
	}
	prefix, err := connmgr.ParseBanTarget(host)
	if err != nil {
		return
	}
	s.bans.Ban(prefix, s.cfg.BanDuration, reason)
	srvrLog.Infof("Banned %s for %v: %s", prefix, s.cfg.BanDuration, reason)
}

// loadBanList reads banlist.json; a missing or damaged file leaves the
// list empty (logged), as Core does.
func (s *server) loadBanList() {
	path := filepath.Join(s.cfg.netDataDir, banListFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			srvrLog.Warnf("Cannot read %s: %v", path, err)
		}
		return
	}
	var entries []connmgr.BanEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		srvrLog.Warnf("Ignoring damaged %s: %v", path, err)
		return
	}
	s.bans.Load(entries)
	if n := len(s.bans.Entries()); n > 0 {
		srvrLog.Infof("Loaded %d bans from %s", n, banListFileName)
	}
}

// saveBanListIfDirty saves the ban list when it changed since the last
// save.
func (s *server) saveBanListIfDirty() error {
	s.banSaveMu.Lock()
	defer s.banSaveMu.Unlock()
	if !s.bans.TakeDirty() {
		return nil
	}
	return s.writeBanListLocked()
}

// saveBanList writes banlist.json now, atomically (temporary file, fsync,
// rename).
func (s *server) saveBanList() error {
	s.banSaveMu.Lock()
	defer s.banSaveMu.Unlock()
	s.bans.TakeDirty()
	return s.writeBanListLocked()
}

// writeBanListLocked writes banlist.json atomically; on failure the list is
// marked changed again so a later save retries. The caller holds banSaveMu
// and has taken the dirty mark.
func (s *server) writeBanListLocked() (err error) {
	defer func() {
		if err != nil {
			s.bans.MarkDirty()
		}
	}()
	data, err := json.Marshal(s.bans.Entries())
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.cfg.netDataDir, banListFileName), data)
}

// writeFileAtomic writes data to path through a temporary file that is
// synced and renamed over it, so a crash leaves the old file or the new
// one, never a torn one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

const (
	// anchorsFileName is the file in the network data dir that keeps the
	// block-relay-only peers from one run to the next (Core's
	// anchors.dat; ours is JSON, like peers.json and banlist.json).
	anchorsFileName = "anchors.dat"

	// maxAnchors is how many anchors are kept (Core's
	// MAX_BLOCK_RELAY_ONLY_ANCHORS).
	maxAnchors = 2

	// maxAnchorsFileBytes bounds the read of anchors.dat: two addresses
	// need far less, so a larger file is damaged and ignored.
	maxAnchorsFileBytes = 16 << 10
)

// anchorsFile is the content of anchors.dat.
type anchorsFile struct {
	Anchors []string `json:"anchors"`
}

// saveAnchors writes the addresses of up to maxAnchors block-relay-only
// peers that completed the handshake to anchors.dat, as Core's
// DumpAnchors at shutdown, so that the next start dials them first and an
// attacker who fills our address tables while we are down cannot take
// every outbound connection. Nothing is written without automatic
// connections (--connect, --maxpeers=0).
func (s *server) saveAnchors() {
	if s.cm == nil || len(s.cfg.ConnectPeers) > 0 || s.cfg.MaxPeers == 0 {
		return
	}
	content := anchorsFile{Anchors: []string{}}
	s.peersMu.Lock()
	ids := make([]int32, 0, len(s.anchorPeers))
	for id := range s.anchorPeers {
		ids = append(ids, id)
	}
	// The longest-connected (lowest id) first.
	slices.Sort(ids)
	for _, id := range ids {
		if len(content.Anchors) == maxAnchors {
			break
		}
		content.Anchors = append(content.Anchors, s.anchorPeers[id])
	}
	s.peersMu.Unlock()
	data, err := json.Marshal(content)
	if err == nil {
		err = writeFileAtomic(filepath.Join(s.cfg.netDataDir, anchorsFileName), data)
	}
	if err != nil {
		srvrLog.Warnf("Cannot save %s: %v", anchorsFileName, err)
		return
	}
	srvrLog.Debugf("Saved %d anchors to %s", len(content.Anchors), anchorsFileName)
}

// loadAnchors reads anchors.dat and deletes it (as Core's ReadAnchors, so
// anchors are tried once and a crash does not keep them), returning at
// most maxAnchors addresses (validAnchor) to dial first as block-relay-only. A
// missing file gives none; a damaged or oversized one is logged and
// ignored.
func (s *server) loadAnchors() []net.Addr {
	path := filepath.Join(s.cfg.netDataDir, anchorsFileName)
	data, err := readFileBounded(path, maxAnchorsFileBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		srvrLog.Warnf("Cannot delete %s: %v", path, rerr)
	}
	if err != nil {
		srvrLog.Warnf("Ignoring %s: %v", path, err)
		return nil
	}
	var content anchorsFile
	if err := json.Unmarshal(data, &content); err != nil {
		srvrLog.Warnf("Ignoring damaged %s: %v", path, err)
		return nil
	}
	var out []net.Addr
	seen := make(map[string]bool)
	for _, a := range content.Anchors {
		if len(out) == maxAnchors {
			break
		}
		na, err := addrmgr.ParseNetAddr(a, 0)
		if err != nil || !validAnchor(na) || seen[na.String()] {
			srvrLog.Debugf("Ignoring anchor %q", a)
			continue
		}
		seen[na.String()] = true
		out = append(out, addrmgr.Addr{NetAddressV2: na})
	}
	if len(out) > 0 {
		srvrLog.Infof("Loaded %d anchors from %s", len(out), anchorsFileName)
	}
	return out
}

// validAnchor reports whether na may be dialed as an anchor: a port, and
// a host that is not the unspecified address. Like Core, loopback and
// private addresses are allowed (a regtest node's peers are on 127.0.0.1);
// anchors.dat is written by the node itself.
func validAnchor(na *wire.NetAddressV2) bool {
	if na.Port == 0 {
		return false
	}
	if na.Network == wire.NetIPv4 || na.Network == wire.NetIPv6 {
		ip, ok := netip.AddrFromSlice(na.Addr)
		return ok && !ip.Unmap().IsUnspecified()
	}
	return true
}

// readFileBounded reads the file at path, failing when it holds more than
// limit bytes.
func readFileBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// listeners returns the peer message callbacks shared by every peer.
func (s *server) listeners() peer.MessageListeners {
	return peer.MessageListeners{
		OnVerAck:  s.onVerAck,
		OnGetAddr: s.onGetAddr,
		OnPong: func(p *peer.Peer, msg *wire.MsgPong) {
			if sp := s.peerByID(p.ID()); sp != nil {
				sp.onPong(msg.Nonce)
			}
		},
		OnAddr: func(p *peer.Peer, msg *wire.MsgAddr) {
			s.onAddrs(p, addrmgr.FromAddrMsg(msg))
		},
		OnAddrV2: func(p *peer.Peer, msg *wire.MsgAddrV2) {
			s.onAddrs(p, msg.AddrList)
		},
		OnInv: func(p *peer.Peer, msg *wire.MsgInv) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
				// Core disconnects a block-relay-only peer that
				// announces a transaction.
				for _, iv := range msg.InvList {
					if isTxInv(iv.Type) {
						p.Disconnect(fmt.Errorf("transaction inv from block-relay-only peer %v", p))
						return
					}
				}
			}
			s.sm.QueueInv(msg, p)
		},
		OnHeaders: func(p *peer.Peer, msg *wire.MsgHeaders) {
			if s.ready(p) {
				s.sm.QueueHeaders(msg, p)
			}
		},
		OnNotFound: func(p *peer.Peer, msg *wire.MsgNotFound) {
			if s.ready(p) {
				s.sm.QueueNotFound(msg, p)
			}
		},
		OnBlock: func(p *peer.Peer, msg *wire.MsgBlock, _ []byte) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil {
				sp.lastBlock.Store(time.Now().Unix())
			}
			done := make(chan struct{}, 1)
			if s.sm.QueueBlock(msg, p, done) == nil {
				s.waitDone(p, done)
			}
		},
		OnTx: func(p *peer.Peer, msg *wire.MsgTx) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
				// We sent relay=false: as Core, a transaction is a
				// protocol violation.
				p.Disconnect(fmt.Errorf("transaction from block-relay-only peer %v", p))
				return
			}
			done := make(chan struct{}, 1)
			if s.sm.QueueTx(msg, p, done) == nil {
				s.waitDone(p, done)
			}
		},
		OnGetData: func(p *peer.Peer, msg *wire.MsgGetData) {
			if s.ready(p) {
				if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
					// No transactions are served on a block-relay-only
					// connection (Core keeps no tx relay state for it).
					msg = blockOnlyGetData(msg)
					if len(msg.InvList) == 0 {
						return
					}
				}
				s.markBroadcast(msg)
				// Disconnected, not Done: this runs on p's read goroutine, and
				// Done closes only after that goroutine returns.
				s.sm.HandleGetData(p, msg, p.Disconnected())
			}
		},
		OnGetHeaders: func(p *peer.Peer, msg *wire.MsgGetHeaders) {
			if s.ready(p) {
				s.sm.HandleGetHeaders(p, msg)
			}
		},
		OnGetBlocks: func(p *peer.Peer, msg *wire.MsgGetBlocks) {
			if s.ready(p) {
				s.sm.HandleGetBlocks(p, msg)
			}
		},
	}
}

// isTxInv reports whether an inventory type names a transaction.
func isTxInv(t wire.InvType) bool {
	switch t {
	case wire.InvTypeTx, wire.InvTypeWitnessTx, wire.InvTypeWTx:
		return true
	}
	return false
}

// blockOnlyGetData returns msg without its transaction requests (msg
// itself when it has none).
func blockOnlyGetData(msg *wire.MsgGetData) *wire.MsgGetData {
	n := 0
	for _, iv := range msg.InvList {
		if !isTxInv(iv.Type) {
			n++
		}
	}
	if n == len(msg.InvList) {
		return msg
	}
	out := &wire.MsgGetData{InvList: make([]*wire.InvVect, 0, n)}
	for _, iv := range msg.InvList {
		if !isTxInv(iv.Type) {
			out.InvList = append(out.InvList, iv)
		}
	}
	return out
}

// ready reports whether the sync manager knows p (messages before the
// handshake is registered are dropped).
func (s *server) ready(p *peer.Peer) bool {
	sp := s.peerByID(p.ID())
	return sp != nil && sp.registered.Load()
}

// waitDone waits for the sync manager to handle a block or transaction
// from p, or for p to be disconnected, so a peer has at most one queued. It
// runs on p's read goroutine, so it must not wait on p.Done (closed only
// after that goroutine returns).
func (s *server) waitDone(p *peer.Peer, done <-chan struct{}) {
	select {
	case <-done:
	case <-p.Disconnected():
	}
}

// onVerAck finishes a handshake: the sync manager learns the peer, an
// outbound peer's address is marked good and asked for more addresses, our
// addresses are advertised and our feefilter is sent.
func (s *server) onVerAck(p *peer.Peer) {
	sp := s.peerByID(p.ID())
	if sp == nil {
		return
	}
	if sp.feeler() {
		// A feeler only shows that the address answers: it moves to the
		// tried table and the connection ends (Core's feeler).
		if sp.na != nil && addrmgr.IsRoutable(sp.na) {
			s.am.Good(sp.na)
			s.am.SetServices(sp.na, p.Services())
			s.noteShadow(sp.na)
		}
		srvrLog.Debugf("Feeler connection to %v completed", p)
		p.Disconnect(errors.New("feeler connection completed"))
		return
	}
	if err := s.sm.NewPeer(p); err == nil {
		sp.registered.Store(true)
	}
	if sp.blockRelayOnly() && sp.na != nil && s.ctx.Err() == nil {
		s.peersMu.Lock()
		if _, ok := s.peers[p.ID()]; ok {
			s.anchorPeers[p.ID()] = sp.na.String()
		}
		s.peersMu.Unlock()
	}
	if !p.Inbound() && sp.na != nil && addrmgr.IsRoutable(sp.na) {
		s.am.Good(sp.na)
		s.am.SetServices(sp.na, p.Services())
		s.noteShadow(sp.na)
	}
	if !p.Inbound() && sp.relaysAddrs() {
		sp.sentGetAddr.Store(true)
		p.QueueMessage(wire.NewMsgGetAddr(), nil)
		sp.addrBucket.Add(addrmgr.GetAddrMax)
	}
	// Our own addresses go out once we are out of initial block download
	// (at once, or when it ends), as Core's AdvertiseLocal.
	sp.nextLocalAdvert.Store(time.Now().UnixNano())
	s.maybeAdvertiseLocal(sp, time.Now())
	s.sendFeeFilter(sp)
	srvrLog.Infof("Connected to peer %v (%s, version %d, services %v, %s)", p, p.UserAgent(),
		p.ProtocolVersion(), p.Services(), sp.connectionType())
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
	for _, na := range kept {
		s.noteShadow(na)
	}
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

// noteShadow remembers an address key for getnodeaddresses.
func (s *server) noteShadow(na *wire.NetAddressV2) {
	if !addrmgr.IsRoutable(na) {
		return
	}
	s.shadowMu.Lock()
	defer s.shadowMu.Unlock()
	if len(s.shadow) >= maxShadowAddrs {
		s.pruneShadowLocked()
		if len(s.shadow) >= maxShadowAddrs {
			return
		}
	}
	s.shadow[na.String()] = struct{}{}
}

// pruneShadowLocked drops keys the address manager no longer holds.
func (s *server) pruneShadowLocked() {
	for k := range s.shadow {
		na, err := addrmgr.ParseNetAddr(k, 0)
		if err != nil || s.am.Lookup(na) == nil {
			delete(s.shadow, k)
		}
	}
}

// loadShadowFromPeersFile reads the address keys of peers.json, which the
// address manager loads as it starts.
func (s *server) loadShadowFromPeersFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	var content struct {
		Addresses []struct {
			Addr string `json:"addr"`
		} `json:"addresses"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxPeersFileBytes)).Decode(&content); err != nil {
		return
	}
	s.shadowMu.Lock()
	defer s.shadowMu.Unlock()
	for _, a := range content.Addresses {
		if len(s.shadow) >= maxShadowAddrs {
			break
		}
		s.shadow[a.Addr] = struct{}{}
	}
}

// knownAddresses returns the addresses the address manager holds, by way
// of the shadow index, pruning keys it forgot.
func (s *server) knownAddresses() []*wire.NetAddressV2 {
	s.shadowMu.Lock()
	defer s.shadowMu.Unlock()
	out := make([]*wire.NetAddressV2, 0, len(s.shadow))
	for k := range s.shadow {
		na, err := addrmgr.ParseNetAddr(k, 0)
		if err != nil {
			delete(s.shadow, k)
			continue
		}
		ka := s.am.Lookup(na)
		if ka == nil {
			delete(s.shadow, k)
			continue
		}
		out = append(out, ka.NetAddress())
	}
	return out
}

// txAccepted is the pool's accept hook: it runs with the pool's lock held,
// so it only queues the transaction for the relay goroutine.
func (s *server) txAccepted(d *mempool.TxDesc) {
	s.relayMu.Lock()
	if len(s.relayQueue) < maxPendingRelay {
		s.relayQueue = append(s.relayQueue, d)
	}
	s.relayMu.Unlock()
	select {
	case s.relayWake <- struct{}{}:
	default:
	}
}

// relayLoop announces accepted transactions to every handshaken peer that
// wants transactions, through each peer's trickle: by wtxid to wtxidrelay
// peers, by txid to the others, skipping peers whose feefilter the
// transaction does not meet. The source peer already knows the inventory,
// so the peer's filter keeps it from being announced back.
func (s *server) relayLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.relayWake:
		}
		s.relayMu.Lock()
		batch := s.relayQueue
		s.relayQueue = nil
		s.relayMu.Unlock()
		if len(batch) == 0 {
			continue
		}
		peers := s.readyPeers()
		for _, d := range batch {
			rate := int64(0)
			if d.VSize > 0 {
				rate = d.Fee * 1000 / d.VSize
			}
			for _, sp := range peers {
				if !sp.RelayTx() || !sp.relaysTxs() || rate < sp.FeeFilter() {
					continue
				}
				if sp.WantsWtxid() {
					sp.QueueInventory(&wire.InvVect{Type: wire.InvTypeWTx, Hash: d.WTxHash})
				} else {
					sp.QueueInventory(&wire.InvVect{Type: wire.InvTypeTx, Hash: d.TxHash})
				}
			}
		}
	}
}

// markBroadcast removes the transactions a peer asks for from the pool's
// unbroadcast set: a peer fetched them, so they reached the network.
func (s *server) markBroadcast(msg *wire.MsgGetData) {
	pool := s.core.pool
	for _, iv := range msg.InvList {
		switch iv.Type {
		case wire.InvTypeTx, wire.InvTypeWitnessTx:
			pool.RemoveUnbroadcast(&iv.Hash)
		case wire.InvTypeWTx:
			if tx, err := pool.FetchTransaction(&iv.Hash); err == nil {
				txid := tx.TxHash()
				pool.RemoveUnbroadcast(&txid)
			}
		}
	}
}

// rebroadcastLoop announces again, every 10 to 15 minutes, the local
// transactions no peer has fetched yet (Core's
// ReattemptInitialBroadcast); peers that know them are skipped by their
// known-inventory filter.
func (s *server) rebroadcastLoop(ctx context.Context) {
	for {
		d := rebroadcastMin + rand.N(rebroadcastJitter)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pool := s.core.pool
		for _, txid := range pool.Unbroadcast() {
			if desc, ok := pool.TxDesc(&txid); ok {
				s.txAccepted(desc)
			} else {
				pool.RemoveUnbroadcast(&txid)
			}
		}
	}
}

// ourFeeFilter is the feefilter we announce: the pool's minimum fee rate,
// or the maximum during initial block download.
func (s *server) ourFeeFilter() int64 {
	if s.sm.IsInitialBlockDownload() {
		return maxFeeFilter
	}
	return int64(s.core.pool.MinFee())
}

// sendFeeFilter sends our feefilter to sp when it changed; none goes to a
// block-relay-only peer (no transactions flow there).
func (s *server) sendFeeFilter(sp *serverPeer) {
	if !sp.relaysTxs() {
		return
	}
	f := s.ourFeeFilter()
	if sp.feeFilterSent.Swap(f) != f {
		sp.QueueMessage(wire.NewMsgFeeFilter(f), nil)
	}
}

// feeFilterLoop resends our feefilter to peers when it changes: every
// feeFilterInterval, and at once after a new tip while the filter sent is
// still the IBD maximum (Core sends the real filter as soon as initial
// block download ends). It also advertises our addresses when they are
// due, or at once when a new tip ended initial block download.
func (s *server) feeFilterLoop(ctx context.Context) {
	t := time.NewTicker(feeFilterInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := time.Now()
			for _, sp := range s.readyPeers() {
				s.sendFeeFilter(sp)
				s.maybeAdvertiseLocal(sp, now)
			}
		case <-s.feeFilterWake:
			now := time.Now()
			for _, sp := range s.readyPeers() {
				if sp.feeFilterSent.Load() == maxFeeFilter {
					s.sendFeeFilter(sp)
				}
				s.maybeAdvertiseLocal(sp, now)
			}
		}
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

// stringAddr is a host:port (a name, an IP or an onion host) as a
// net.Addr, for connection requests.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

// addNode asks the connection manager for a permanent connection to addr
// (--addpeer, --connect, addnode add), redialed until removed.
func (s *server) addNode(addr string, permanent bool) error {
	hostport, err := s.normalizeNodeAddr(addr)
	if err != nil {
		return err
	}
	if !permanent {
		s.oneTry(hostport)
		return nil
	}
	req := &connmgr.ConnReq{Addr: stringAddr(hostport), Permanent: true}
	s.addedMu.Lock()
	if _, ok := s.added[addr]; ok {
		s.addedMu.Unlock()
		return errNodeAlreadyAdded
	}
	s.added[addr] = req
	s.addedMu.Unlock()
	return s.cm.Connect(req)
}

// oneTry dials hostport once (addnode onetry) on its own goroutine. As in
// Core, such a manual connection uses no automatic outbound slot, so it
// is dialed here rather than through the connection manager.
func (s *server) oneTry(hostport string) {
	ctx := s.ctx
	if ctx == nil || ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		dctx, cancel := context.WithTimeout(ctx, oneTryDialTimeout)
		defer cancel()
		conn, err := s.dialer.DialContext(dctx, "tcp", hostport)
		if err != nil {
			srvrLog.Debugf("Cannot connect to %s: %v", hostport, err)
			return
		}
		s.runPeer(peer.NewOutboundPeer(s.pcfg, s.nextID.Add(1), conn), nil)
	}()
}

// errNodeAlreadyAdded is returned by addNode for a duplicate request.
var errNodeAlreadyAdded = errors.New("node already added")

// normalizeNodeAddr adds the network's default port to a bare host.
func (s *server) normalizeNodeAddr(addr string) (string, error) {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr, nil
	}
	if addr == "" {
		return "", errors.New("empty address")
	}
	return net.JoinHostPort(addr, s.cfg.params.DefaultPort), nil
}

// defaultListeners reports whether the listeners are the default (every
// interface on the network's port) rather than chosen with --listen.
func (s *server) defaultListeners() bool {
	l := s.cfg.Listeners
	return len(l) == 0 || (len(l) == 1 && l[0] == net.JoinHostPort("", s.cfg.params.DefaultPort))
}
