package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/internal/relay"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

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

	// cfServer answers BIP157 filter requests (cfserve.go).
	cfServer *netsync.FilterServer

	// localAddrs are the --externalip addresses advertised to peers.
	localAddrs []*wire.NetAddressV2

	nextID atomic.Int32

	peersMu sync.Mutex
	peers   map[int32]*serverPeer
	// anchorPeers are the addresses of the block-relay-only peers that
	// completed the handshake, by peer id (guarded by peersMu). A peer
	// ended by the shutdown stays, so Stop can save them as anchors
	// after the node's context already disconnected the peers.
	anchorPeers map[int32]*wire.NetAddressV2

	// addedMu guards added, the addnode/--addpeer/--connect requests by
	// the address string they were given with.
	addedMu sync.Mutex
	added   map[string]*connmgr.ConnReq

	// v1Only holds the host:port addresses to dial with v1 although v2 is
	// on: those whose v2 handshake failed (Core's fallback, which then
	// reconnects with v1) and manual ones added with v2transport=false.
	// It forgets the oldest past maxKnownAddrs.
	v1Only *knownAddrs

	// relay announces transactions and sends our feefilter; built in
	// newServer.
	relay *relay.TxRelay

	// advertWake asks localAdvertLoop to look at once (a new tip may end
	// initial block download).
	advertWake chan struct{}

	// bytesSent and bytesRecv total the traffic of disconnected peers.
	bytesSent atomic.Uint64
	bytesRecv atomic.Uint64

	// trafficMu guards closedTraffic, the messages and bytes by command
	// of the disconnected peers, and orders it with the peer set's
	// changes (peerDone) so the metrics' totals only grow. It is taken
	// before peersMu.
	trafficMu     sync.Mutex
	closedTraffic cmdTraffic

	// banSaveInterval is how often the ban save loop writes a changed
	// list (banListSaveInterval; tests shorten it).
	banSaveInterval time.Duration

	// evictSeed keys the network-group hash of inbound eviction, so that
	// which groups it protects cannot be predicted from outside.
	evictSeed uint64

	// dialer reaches addresses directly or through --proxy / --onion.
	dialer *connmgr.Dialer

	// bound, when set before build, holds the P2P listeners the daemon
	// bound before opening anything on disk (bindListeners); build then
	// binds none itself.
	bound *boundListeners

	// testDial, targetOutbound, targetBlockRelay, feelerInterval,
	// extraBlockInterval, retryInterval and trickleInterval override,
	// when set before build, the connection manager's dial function, its
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

// newServer makes the P2P server on the node's core (nil in tests that
// exercise the server's own state) and hands the core its transaction
// relay; build then builds its managers from the configuration.
func newServer(cfg *config, core *node) (*server, error) {
	s := &server{
		cfg:    cfg,
		core:   core,
		bans:   connmgr.NewBanList(),
		nonces: peer.NewNonceSet(),
		peers:  make(map[int32]*serverPeer),

		anchorPeers: make(map[int32]*wire.NetAddressV2),
		added:       make(map[string]*connmgr.ConnReq),

		advertWake:      make(chan struct{}, 1),
		v1Only:          newKnownAddrs(),
		banSaveInterval: banListSaveInterval,
		evictSeed:       rand.Uint64(),
	}
	// The relay's pool and IBD query are read only once it runs, after
	// this server started (the sync manager is built by Start); until
	// then Announce only queues.
	var err error
	s.relay, err = relay.New(&relay.Config{
		Peers:                  s.relayPeers,
		Pool:                   relayPool{core},
		IsInitialBlockDownload: func() bool { return s.sm.IsInitialBlockDownload() },
	})
	if err != nil {
		return nil, err
	}
	if core != nil {
		core.relay = s.relay
	}
	return s, nil
}

// relayPool is the node's pool as the relay sees it, read through the core
// when the relay calls (a server built without a core, as the address and
// ban tests build it, never runs its relay).
type relayPool struct{ core *node }

func (p relayPool) Unbroadcast() []chainhash.Hash { return p.core.pool.Unbroadcast() }
func (p relayPool) TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool) {
	return p.core.pool.TxDesc(txid)
}
func (p relayPool) RemoveUnbroadcast(txid *chainhash.Hash) { p.core.pool.RemoveUnbroadcast(txid) }
func (p relayPool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	return p.core.pool.FetchTransaction(hash)
}
func (p relayPool) MinFee() mempool.FeeRate { return p.core.pool.MinFee() }

// v2Enabled reports whether the node speaks the BIP324 v2 transport (on
// unless --nov2transport).
func (s *server) v2Enabled() bool { return !s.cfg.NoV2Transport }

// localServices are the services we advertise: the defaults, NODE_P2P_V2
// while v2 is on, and NODE_COMPACT_FILTERS with --peerblockfilters.
func (s *server) localServices() wire.ServiceFlag {
	services := peer.DefaultServices
	if s.v2Enabled() {
		services |= wire.SFNodeP2PV2
	}
	if s.cfg.PeerBlockFilters {
		services |= wire.SFNodeCF
	}
	return services
}

// Name implements subsystem.
func (s *server) Name() string { return "peers" }

// defaultPort returns the network's P2P port as a number.
func (s *server) defaultPort() uint16 {
	p, _ := strconv.ParseUint(s.cfg.params.DefaultPort, 10, 16)
	return uint16(p)
}

// build loads the ban list, builds the address manager (reading
// peers.json), the sync manager, the BIP157 filter server and the
// connection manager (with the anchors read from anchors.dat), and binds
// the listeners the daemon did not bind already. Nothing runs until Start.
// The daemon calls it right after newServer, once the core is built.
func (s *server) build() error {
	if s.core == nil || s.core.chain == nil || s.core.pool == nil {
		return errors.New("the chain and the mempool must be built before the peers")
	}
	s.loadBanList()
	for _, e := range s.cfg.ExternalIPs {
		na, err := addrmgr.ParseNetAddr(e, s.localServices())
		if err != nil {
			return fmt.Errorf("--externalip=%s: %w", e, err)
		}
		na.Timestamp = time.Now()
		s.localAddrs = append(s.localAddrs, na)
	}

	dataDir := s.cfg.netDataDir
	seeds := make([]string, 0, len(s.cfg.params.DNSSeeds))
	for _, d := range s.cfg.params.DNSSeeds {
		seeds = append(seeds, d.Host)
	}
	s.am = addrmgr.New(&addrmgr.Config{DataDir: dataDir, DefaultPort: s.defaultPort(),
		DNSSeeds: seeds, Lookup: s.dnsLookup()})

	sm, err := netsync.New(&netsync.Config{
		Chain:            s.core.chain,
		TxPool:           observedPool{TxPool: s.core.pool, obs: s.core},
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
		Relay:                s.relay,
		NoCompactBlocks:      s.cfg.NoCmpctBlocks,
	})
	if err != nil {
		return err
	}
	s.sm = sm
	s.cfServer = s.newFilterServer()

	s.pcfg = &peer.Config{
		Net:              s.cfg.params.Net,
		Services:         s.localServices(),
		UserAgentName:    "ternd",
		UserAgentVersion: version(),
		NewestBlock:      func() int32 { return s.core.chain.BestSnapshot().Height },
		FeeFilter:        -1, // sent by the server: it follows the pool and IBD
		Nonces:           s.nonces,
		Listeners:        s.listeners(),
		OnBan:            s.onBan,
		TrickleInterval:  s.trickleInterval,
		V2Transport:      s.v2Enabled(),
		RecvBudget:       peer.NewRecvBudget(peer.DefaultRecvBudget),
	}

	var ls []net.Listener
	if s.bound != nil {
		ls = s.bound.p2p
		if s.bound.p2pWarning != nil {
			srvrLog.Warnf("%v", s.bound.p2pWarning)
		}
		for _, l := range ls {
			srvrLog.Infof("Listening for peers on %v", l.Addr())
		}
	} else if !s.cfg.DisableListen {
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
	return nil
}

// Start queues the --connect and --addpeer peers, subscribes to the
// chain's notifications after the core, and runs the address manager,
// the sync manager, the connection manager (listening and dialing), the
// relay and the ban-list and address-advert loops, all built by build.
func (s *server) Start(ctx context.Context) error {
	if s.cm == nil {
		return errors.New("the P2P server was not built")
	}
	for _, a := range append(append([]string(nil), s.cfg.ConnectPeers...), s.cfg.AddPeers...) {
		if err := s.addNode(a, true, s.v2Enabled()); err != nil {
			srvrLog.Warnf("Cannot add peer %s: %v", a, err)
		}
	}

	ctx, s.cancel = context.WithCancel(ctx)
	s.ctx = ctx
	s.core.chain.Subscribe(s.onChainNotification)
	s.core.chain.SubscribePoWValid(s.onPoWValidBlock)
	s.wg.Add(6)
	go func() { defer s.wg.Done(); s.banSaveLoop(ctx) }()
	go func() { defer s.wg.Done(); s.am.Run(ctx) }()
	go func() { defer s.wg.Done(); s.sm.Run(ctx) }()
	go func() { defer s.wg.Done(); s.cm.Run(ctx) }()
	go func() { defer s.wg.Done(); s.relay.Run(ctx) }()
	go func() { defer s.wg.Done(); s.localAdvertLoop(ctx) }()
	return nil
}

// onChainNotification announces each block connected to the main chain
// (the sync manager tells peers by compact block, headers or inv) and lets
// the relay and the address adverts know the tip moved (it may end initial
// block download). The chain calls it after the node's own receiver, so
// the pool has already followed the block. Once the server stopped it
// does nothing.
func (s *server) onChainNotification(n *blockchain.Notification) {
	if n.Type != blockchain.NTBlockConnected || s.ctx.Err() != nil {
		return
	}
	s.sm.BlockConnected(n.Block, n.Hash, n.Height)
	s.relay.TipChanged()
	select {
	case s.advertWake <- struct{}{}:
	default:
	}
}

// onPoWValidBlock hands the sync manager a block that passed its checks
// and extends the tip, before it is connected, so the high-bandwidth
// compact block peers get it at once. It runs under the chain's lock and
// only queues messages.
func (s *server) onPoWValidBlock(block *wire.MsgBlock, hash chainhash.Hash, height int32) {
	if s.ctx.Err() != nil {
		return
	}
	s.sm.NewPoWValidBlock(block, hash, height)
}

// Stop stops the managers, disconnects every peer, waits for all
// goroutines and saves the ban list (peers.json is saved by the address
// manager as it stops).
func (s *server) Stop() error {
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
// netsync's chain-sync eviction may disconnect for lagging.
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

// defaultListeners reports whether the listeners are the default (every
// interface on the network's port) rather than chosen with --listen.
func (s *server) defaultListeners() bool {
	l := s.cfg.Listeners
	return len(l) == 0 || (len(l) == 1 && l[0] == net.JoinHostPort("", s.cfg.params.DefaultPort))
}
