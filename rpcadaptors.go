package main

import (
	"context"
	"errors"
	"github.com/tern-org/ternd/internal/zmq"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/internal/rpcserver"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// This file holds the small adaptors through which internal/rpcserver's
// handlers reach the node's core and its P2P server (the interfaces of
// rpcserver/interface.go). The RPC server is built before the subsystems
// start, while the chain, the pool and the managers only exist once they
// have, so every adaptor holds the core or the server and reads the part
// it needs at each call. The RPC server answers -28 until warm-up ends,
// by which time every part exists.

// rpcChain satisfies rpcserver.Chain, BlockStore, UtxoSet and
// ChainManager with the node's chain. The changes it makes put the
// transactions of disconnected blocks back into the pool before they
// return, as the P2P path does.
type rpcChain struct{ n *node }

func (c rpcChain) BestSnapshot() *blockchain.BestState     { return c.n.chain.BestSnapshot() }
func (c rpcChain) BestHeader() (chainhash.Hash, int32)     { return c.n.chain.BestHeader() }
func (c rpcChain) IsCurrent() bool                         { return c.n.chain.IsCurrent() }
func (c rpcChain) HaveHeader(hash *chainhash.Hash) bool    { return c.n.chain.HaveHeader(hash) }
func (c rpcChain) IsKnownOrphan(hash *chainhash.Hash) bool { return c.n.chain.IsKnownOrphan(hash) }
func (c rpcChain) ChainTips() []blockchain.ChainTip        { return c.n.chain.ChainTips() }

func (c rpcChain) BlockHashByHeight(height int32) (*chainhash.Hash, error) {
	return c.n.chain.BlockHashByHeight(height)
}

func (c rpcChain) BlockInfoByHash(hash *chainhash.Hash) (*blockchain.BlockInfo, error) {
	return c.n.chain.BlockInfoByHash(hash)
}

func (c rpcChain) CalcNextRequiredDifficulty(t time.Time) uint32 {
	return c.n.chain.CalcNextRequiredDifficulty(t)
}

func (c rpcChain) CheckConnectBlockTemplate(block *wire.MsgBlock) error {
	return c.n.chain.CheckConnectBlockTemplate(block)
}

func (c rpcChain) BlockByHash(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	return c.n.chain.BlockByHash(hash)
}

func (c rpcChain) BlockBytesByHash(hash *chainhash.Hash) ([]byte, error) {
	return c.n.chain.BlockBytesByHash(hash)
}

func (c rpcChain) SpentOutputs(hash *chainhash.Hash) ([]*blockchain.UtxoEntry, error) {
	return c.n.chain.SpentOutputs(hash)
}

func (c rpcChain) FetchUtxoEntry(op wire.OutPoint) (*blockchain.UtxoEntry, error) {
	return c.n.chain.FetchUtxoEntry(op)
}

func (c rpcChain) UtxoSetStats() (*blockchain.UtxoStats, error) { return c.n.chain.UtxoSetStats() }

func (c rpcChain) ForEachUtxo(fn func(wire.OutPoint, *blockchain.UtxoEntry) error) (chainhash.Hash, int32, error) {
	return c.n.chain.ForEachUtxo(fn)
}

func (c rpcChain) ProcessBlock(block *wire.MsgBlock) (bool, bool, error) {
	return c.n.processBlock(block)
}

func (c rpcChain) ProcessBlockHeader(h *wire.BlockHeader) error {
	return c.n.chain.ProcessBlockHeader(h)
}

// InvalidateBlock invalidates hash; the blocks it disconnected (and no
// block connected after them) give their transactions back to the pool.
func (c rpcChain) InvalidateBlock(hash *chainhash.Hash) error {
	err := c.n.chain.InvalidateBlock(hash)
	c.n.flushDisconnected()
	return err
}

// ReconsiderBlock reconsiders hash, then flushes as InvalidateBlock.
func (c rpcChain) ReconsiderBlock(hash *chainhash.Hash) error {
	err := c.n.chain.ReconsiderBlock(hash)
	c.n.flushDisconnected()
	return err
}

func (c rpcChain) VerifyChain(depth int32) error { return c.n.chain.VerifyChain(depth) }

// PreciousBlock is preciousblock, flushed as InvalidateBlock: the pool
// takes back the transactions of the blocks a reorganisation disconnects.
func (c rpcChain) PreciousBlock(hash *chainhash.Hash) error {
	err := c.n.chain.PreciousBlock(hash)
	c.n.flushDisconnected()
	return err
}

// rpcTxPool satisfies rpcserver.TxPool, TxAcceptor, TxPrioritiser and
// MempoolDumper with the node's pool.
type rpcTxPool struct{ n *node }

func (p rpcTxPool) Count() int { return p.n.pool.Count() }
func (p rpcTxPool) IsTransactionInPool(h *chainhash.Hash) bool {
	return p.n.pool.IsTransactionInPool(h)
}
func (p rpcTxPool) Spender(op wire.OutPoint) *wire.MsgTx { return p.n.pool.Spender(op) }
func (p rpcTxPool) LastUpdated() time.Time               { return p.n.pool.LastUpdated() }
func (p rpcTxPool) TxDescs() []*mempool.TxDesc           { return p.n.pool.TxDescs() }
func (p rpcTxPool) TxHashes() []chainhash.Hash           { return p.n.pool.TxHashes() }
func (p rpcTxPool) TxHashesAndSequence() ([]chainhash.Hash, uint64) {
	return p.n.pool.TxHashesAndSequence()
}
func (p rpcTxPool) Info() mempool.Info                  { return p.n.pool.Info() }
func (p rpcTxPool) MinFee() mempool.FeeRate             { return p.n.pool.MinFee() }
func (p rpcTxPool) Unbroadcast() []chainhash.Hash       { return p.n.pool.Unbroadcast() }
func (p rpcTxPool) AddUnbroadcast(txid *chainhash.Hash) { p.n.pool.AddUnbroadcast(txid) }
func (p rpcTxPool) HasDust(txid *chainhash.Hash) bool   { return p.n.pool.HasDust(txid) }
func (p rpcTxPool) FeeDeltas() map[chainhash.Hash]int64 { return p.n.pool.FeeDeltas() }
func (p rpcTxPool) Orphans() []mempool.OrphanInfo       { return p.n.pool.Orphans() }

func (p rpcTxPool) Cluster(txid *chainhash.Hash) (*mempool.ClusterInfo, bool) {
	return p.n.pool.Cluster(txid)
}

func (p rpcTxPool) FeeRateDiagram() []mempool.DiagramPoint { return p.n.pool.FeeRateDiagram() }

func (p rpcTxPool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	return p.n.pool.FetchTransaction(hash)
}

func (p rpcTxPool) TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool) {
	return p.n.pool.TxDesc(txid)
}

func (p rpcTxPool) Ancestors(txid *chainhash.Hash) ([]*mempool.TxDesc, bool) {
	return p.n.pool.Ancestors(txid)
}

func (p rpcTxPool) Descendants(txid *chainhash.Hash) ([]*mempool.TxDesc, bool) {
	return p.n.pool.Descendants(txid)
}

func (p rpcTxPool) ProcessLocalTransaction(tx *wire.MsgTx, maxFee int64) ([]*mempool.TxDesc, error) {
	acc, err := p.n.pool.ProcessLocalTransaction(tx, maxFee)
	p.n.observeTx("rpc", acc, err)
	return acc, err
}

func (p rpcTxPool) TestAccept(tx *wire.MsgTx) (*mempool.AcceptResult, error) {
	return p.n.pool.TestAccept(tx)
}

func (p rpcTxPool) TestAcceptPackage(txs []*wire.MsgTx) *mempool.PackageTestResult {
	return p.n.pool.TestAcceptPackage(txs)
}

func (p rpcTxPool) SubmitPackage(txs []*wire.MsgTx, maxFeeRate mempool.FeeRate) *mempool.PackageSubmitResult {
	return p.n.pool.SubmitPackage(txs, maxFeeRate)
}

func (p rpcTxPool) PrioritiseTransaction(txid *chainhash.Hash, delta int64) {
	p.n.pool.PrioritiseTransaction(txid, delta)
}

// DumpMempool writes mempool.dat in the network data dir.
func (p rpcTxPool) DumpMempool() (string, error) {
	path := filepath.Join(p.n.cfg.netDataDir, mempoolFileName)
	return path, p.n.pool.Dump(path)
}

// rpcFeeEstimator satisfies rpcserver.FeeEstimator with the node's
// estimator.
type rpcFeeEstimator struct{ n *node }

func (f rpcFeeEstimator) HighestTarget() int { return f.n.feeEst.HighestTarget() }

func (f rpcFeeEstimator) EstimateRawFee(target int, threshold float64) ([]mempool.RawFeeHorizon, error) {
	return f.n.feeEst.EstimateRawFee(target, threshold)
}

func (f rpcFeeEstimator) EstimateSmartFeeFloor(target int, conservative bool, minFee int64) (int64, int, error) {
	return f.n.feeEst.EstimateSmartFeeFloor(target, conservative, minFee)
}

// rpcGenerator satisfies rpcserver.BlockGenerator with the node's block
// generation.
type rpcGenerator struct{ n *node }

func (g rpcGenerator) MiningTip() mining.Tip { return g.n.miningTip() }

// NewBlockTemplate builds a template for getblocktemplate (extra nonce 0:
// the miner varies the coinbase).
func (g rpcGenerator) NewBlockTemplate(payScript []byte, tip mining.Tip) (*mining.BlockTemplate, error) {
	return g.n.gen.NewBlockTemplate(payScript, tip, 0)
}

func (g rpcGenerator) GenerateBlocks(ctx context.Context, n int, payScript []byte,
	maxTries uint64) ([]chainhash.Hash, error) {
	return g.n.generateBlocks(ctx, n, payScript, maxTries)
}

// GenerateBlock mines one block of exactly txs; a block the chain refuses
// is reported as rpcserver's BlockValidityError.
func (g rpcGenerator) GenerateBlock(ctx context.Context, payScript []byte, txs []*wire.MsgTx,
	submit bool) (*wire.MsgBlock, error) {
	block, err := g.n.generateBlock(ctx, payScript, txs, submit)
	var verr *blockValidityError
	if errors.As(err, &verr) {
		return nil, &rpcserver.BlockValidityError{Err: verr.err}
	}
	return block, err
}

// rpcTxIndex satisfies rpcserver.TxIndex with the node's transaction
// index, open with --txindex once its subsystem started.
type rpcTxIndex struct{ n *node }

func (x rpcTxIndex) Open() bool { return x.n.txIndex != nil }

func (x rpcTxIndex) Name() string { return indexers.TxIndexName }

func (x rpcTxIndex) Synced() bool {
	ix := x.n.txIndex
	return ix != nil && ix.Synced()
}

func (x rpcTxIndex) BestHeight() int32 {
	if ix := x.n.txIndex; ix != nil {
		return ix.Best().Height
	}
	return 0
}

func (x rpcTxIndex) BlockUntilSyncedToCurrentChain(ctx context.Context) bool {
	ix := x.n.txIndex
	return ix != nil && ix.BlockUntilSyncedToCurrentChain(ctx)
}

// FetchTx reads a confirmed transaction; one the index does not hold is
// rpcserver.ErrTxNotIndexed.
func (x rpcTxIndex) FetchTx(txid *chainhash.Hash) (*wire.MsgTx, chainhash.Hash, error) {
	ix := x.n.txIndex
	if ix == nil {
		return nil, chainhash.Hash{}, rpcserver.ErrTxNotIndexed
	}
	tx, loc, err := ix.FetchTx(txid)
	if errors.Is(err, indexers.ErrTxNotFound) {
		return nil, chainhash.Hash{}, rpcserver.ErrTxNotIndexed
	}
	return tx, loc.BlockHash, err
}

// rpcFilterIndex satisfies rpcserver.FilterIndex with the node's basic
// block filter index, open with --blockfilterindex once its subsystem
// started.
type rpcFilterIndex struct{ n *node }

func (x rpcFilterIndex) Open() bool { return x.n.filterIndex != nil }

func (x rpcFilterIndex) Name() string { return indexers.FilterIndexName }

func (x rpcFilterIndex) Synced() bool {
	fx := x.n.filterIndex
	return fx != nil && fx.Synced()
}

func (x rpcFilterIndex) BestHeight() int32 {
	if fx := x.n.filterIndex; fx != nil {
		return fx.Best().Height
	}
	return 0
}

func (x rpcFilterIndex) BlockUntilSyncedToCurrentChain(ctx context.Context) bool {
	fx := x.n.filterIndex
	return fx != nil && fx.BlockUntilSyncedToCurrentChain(ctx)
}

// Filter reads a block's filter and header; one the index does not hold
// is rpcserver.ErrFilterNotIndexed.
func (x rpcFilterIndex) Filter(hash *chainhash.Hash) ([]byte, chainhash.Hash, error) {
	fx := x.n.filterIndex
	if fx == nil {
		return nil, chainhash.Hash{}, rpcserver.ErrFilterNotIndexed
	}
	filter, err := fx.Filter(hash)
	if err == nil {
		var e indexers.FilterEntry
		if e, err = fx.Entry(hash); err == nil {
			return filter, e.Header, nil
		}
	}
	if errors.Is(err, indexers.ErrFilterNotFound) {
		return nil, chainhash.Hash{}, rpcserver.ErrFilterNotIndexed
	}
	return nil, chainhash.Hash{}, err
}

// rpcPeers satisfies rpcserver.PeerServer and ConnManager with the P2P
// server.
type rpcPeers struct{ s *server }

// Running reports whether Start has built the managers.
func (p rpcPeers) Running() bool { return p.s.cm != nil && p.s.am != nil }

func (p rpcPeers) LocalAddresses() []*wire.NetAddressV2 { return p.s.localAddrs }
func (p rpcPeers) LocalServices() wire.ServiceFlag      { return p.s.localServices() }

func (p rpcPeers) ConnectionCounts() (inbound, outbound int) {
	for _, sp := range p.s.allPeers() {
		if sp.Inbound() {
			inbound++
		} else {
			outbound++
		}
	}
	return inbound, outbound
}

func (p rpcPeers) PingPeers() {
	for _, sp := range p.s.readyPeers() {
		sp.Ping()
	}
}

// NetTotals adds the connected peers' traffic to the disconnected ones'.
func (p rpcPeers) NetTotals() (sent, recv uint64) {
	sent, recv = p.s.bytesSent.Load(), p.s.bytesRecv.Load()
	for _, sp := range p.s.allPeers() {
		st := sp.StatsSnapshot()
		sent += st.BytesSent
		recv += st.BytesRecv
	}
	return sent, recv
}

// Peers describes the peers that completed the handshake (Core lists
// fully connected peers only).
func (p rpcPeers) Peers() []rpcserver.PeerInfo {
	peers := p.s.allPeers()
	out := make([]rpcserver.PeerInfo, 0, len(peers))
	for _, sp := range peers {
		st := sp.StatsSnapshot()
		if !st.HandshakeDone {
			continue
		}
		pi := rpcserver.PeerInfo{
			ID: st.ID, Addr: st.Addr, Services: st.Services,
			// Core relays no transactions and no addresses on a
			// block-relay-only connection.
			RelayTxes: st.RelayTx && sp.relaysTxs(), AddrRelay: sp.relaysAddrs(),
			LastSend: st.LastSend, LastRecv: st.LastRecv,
			LastTx: unixTime(st.LastTx), LastBlock: sp.lastBlock.Load(),
			BytesSent: st.BytesSent, BytesRecv: st.BytesRecv,
			ConnTime: st.ConnTime, TimeOffset: st.TimeOffset,
			PingTime: st.PingTime, MinPing: st.MinPing, PingWait: st.PingWait,
			Version: st.Version, SubVer: st.UserAgent, Inbound: st.Inbound,
			StartingHeight: st.StartingHeight, SyncedHeaders: st.SyncedHeaders,
			SyncedBlocks: st.SyncedBlocks, AddrProcessed: sp.addrProcessed.Load(),
			AddrLimited: sp.addrRateLimited.Load(), Whitelisted: sp.whitelisted,
			FeeFilter: st.FeeFilter, ConnectionType: sp.connectionType(),
			Transport: st.TransportProtocol, SessionID: st.SessionID,
			BytesSentByMsg: make(map[string]uint64, len(st.SentByCmd)),
			BytesRecvByMsg: make(map[string]uint64, len(st.RecvByCmd)),
			BanScore:       st.BanScore, WantsWtxid: st.WantsWtxid, WantsAddrV2: st.WantsAddrV2,
			WantsHeaders: st.WantsHeaders,
		}
		pi.HBTo, pi.HBFrom = p.s.sm.CompactBlockState(st.ID)
		for cmd, cs := range st.SentByCmd {
			pi.BytesSentByMsg[cmd] = cs.Bytes
		}
		for cmd, cs := range st.RecvByCmd {
			pi.BytesRecvByMsg[cmd] = cs.Bytes
		}
		out = append(out, pi)
	}
	return out
}

// AddNode asks for a connection to addr (addnode onetry or add), with
// the v2 transport when v2 is set.
func (p rpcPeers) AddNode(addr string, permanent, v2 bool) error {
	err := p.s.addNode(addr, permanent, v2)
	if errors.Is(err, errNodeAlreadyAdded) {
		return rpcserver.ErrNodeAlreadyAdded
	}
	return err
}

// RemoveAddedNode drops an addnode request and its connection.
func (p rpcPeers) RemoveAddedNode(addr string) bool {
	p.s.addedMu.Lock()
	req, ok := p.s.added[addr]
	delete(p.s.added, addr)
	p.s.addedMu.Unlock()
	if ok {
		p.s.cm.Remove(req.ID())
	}
	return ok
}

// AddedNodes lists the addnode requests with their connected peers.
func (p rpcPeers) AddedNodes() []rpcserver.AddedNode {
	p.s.addedMu.Lock()
	reqs := make(map[string]*connmgr.ConnReq, len(p.s.added))
	for name, req := range p.s.added {
		reqs[name] = req
	}
	p.s.addedMu.Unlock()
	byReq := make(map[uint64]*serverPeer)
	for _, sp := range p.s.allPeers() {
		if sp.req != nil {
			byReq[sp.req.ID()] = sp
		}
	}
	out := make([]rpcserver.AddedNode, 0, len(reqs))
	for name, req := range reqs {
		n := rpcserver.AddedNode{Name: name}
		if sp, ok := byReq[req.ID()]; ok && sp.Connected() {
			n.Connected, n.Addr = true, sp.Addr()
		}
		out = append(out, n)
	}
	return out
}

// DisconnectAddr disconnects the peer at addr (its address or the one it
// was dialed at).
func (p rpcPeers) DisconnectAddr(addr string) bool {
	for _, sp := range p.s.allPeers() {
		if sp.Addr() == addr || (sp.req != nil && sp.req.Addr.String() == addr) {
			p.disconnect(sp)
			return true
		}
	}
	return false
}

// DisconnectID disconnects the peer with the id.
func (p rpcPeers) DisconnectID(id int32) bool {
	sp := p.s.peerByID(id)
	if sp == nil {
		return false
	}
	p.disconnect(sp)
	return true
}

// SetNetworkActive is setnetworkactive: off, the connection manager dials
// nothing and refuses inbound connections, and every peer is
// disconnected; on, it connects again (permanent peers after their
// backoff, automatic ones as the outbound loop refills).
func (p rpcPeers) SetNetworkActive(active bool) {
	p.s.cm.SetNetworkActive(active)
	if active {
		return
	}
	for _, sp := range p.s.allPeers() {
		p.disconnect(sp)
	}
}

// NetworkActive reports whether networking is on.
func (p rpcPeers) NetworkActive() bool { return p.s.cm.NetworkActive() }

// FetchBlockFromPeer is getblockfrompeer: the block is requested from the
// peer through the sync manager, which counts it as requested so that a
// block off the best chain is stored too.
func (p rpcPeers) FetchBlockFromPeer(hash *chainhash.Hash, id int32) error {
	sp := p.s.peerByID(id)
	if sp == nil {
		return rpcserver.ErrPeerNotFound
	}
	if err := p.s.sm.RequestBlock(sp, *hash); err != nil {
		if errors.Is(err, netsync.ErrUnknownPeer) {
			return rpcserver.ErrPeerNotFound
		}
		return err
	}
	return nil
}

// disconnect closes a peer; closing through the connection manager
// redials a permanent request after its backoff, as Core's
// ThreadOpenAddedConnections does.
func (p rpcPeers) disconnect(sp *serverPeer) {
	if sp.req != nil {
		p.s.cm.Disconnect(sp.req.ID())
	}
	sp.Disconnect(nil)
}

// rpcBans satisfies rpcserver.BanManager with the P2P server's ban list;
// every change is saved to banlist.json before it returns.
type rpcBans struct{ s *server }

// BanSubnet is setban add: an operator's ban (spared by the list's cap)
// for bantime seconds, until bantime when absolute, or for --bantime;
// far times saturate (connmgr.MaxBanUntil) rather than overflow. The
// connected peers inside the subnet are disconnected.
func (b rpcBans) BanSubnet(subnet string, bantime int64, absolute bool) error {
	prefix, err := connmgr.ParseBanTarget(subnet)
	if err != nil {
		return rpcserver.ErrInvalidSubnet
	}
	for _, e := range b.s.bans.Entries() {
		if e.Subnet == prefix || (prefix.Bits() == prefix.Addr().BitLen() && e.Subnet.Contains(prefix.Addr())) {
			return rpcserver.ErrAlreadyBanned
		}
	}
	now := time.Now()
	until := now.Add(b.s.cfg.BanDuration)
	switch {
	case absolute && bantime > 0:
		until = connmgr.BanUntilAfter(time.Unix(0, 0), bantime)
	case bantime > 0:
		until = connmgr.BanUntilAfter(now, bantime)
	}
	b.s.bans.ManualBanUntil(prefix, until, "manually added")
	for _, sp := range b.s.allPeers() {
		host, _, err := net.SplitHostPort(sp.Addr())
		if err != nil {
			continue
		}
		if ip, err := netip.ParseAddr(host); err == nil && prefix.Contains(ip.Unmap()) {
			rpcPeers{b.s}.disconnect(sp)
		}
	}
	return b.s.saveBanList()
}

// Unban is setban remove.
func (b rpcBans) Unban(subnet string) error {
	prefix, err := connmgr.ParseBanTarget(subnet)
	if err != nil {
		return rpcserver.ErrInvalidSubnet
	}
	if !b.s.bans.Unban(prefix) {
		return rpcserver.ErrNotBanned
	}
	return b.s.saveBanList()
}

// ClearBans is clearbanned.
func (b rpcBans) ClearBans() error {
	b.s.bans.Clear()
	return b.s.saveBanList()
}

// BanEntries is listbanned's source.
func (b rpcBans) BanEntries() []rpcserver.BanEntry {
	entries := b.s.bans.Entries()
	out := make([]rpcserver.BanEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, rpcserver.BanEntry{Subnet: e.Subnet.String(), Created: e.Created, Until: e.Until})
	}
	return out
}

// rpcAddrs satisfies rpcserver.AddrManager with the P2P server's address
// manager.
type rpcAddrs struct{ s *server }

func (a rpcAddrs) Addresses(max int, network wire.NetworkID) []*wire.NetAddressV2 {
	return a.s.am.Addresses(max, 0, network)
}

// CountsByNetwork returns the new and tried table sizes by network.
func (a rpcAddrs) CountsByNetwork() map[wire.NetworkID][2]int {
	out := make(map[wire.NetworkID][2]int)
	for id, c := range a.s.am.CountsByNetwork() {
		out[id] = [2]int{c.New, c.Tried}
	}
	return out
}

// AddPeerAddress is addpeeraddress: a routable address is added to the
// new table (and with tried, marked good), and relayed to up to two peers
// as a fresh address so that tests can follow its gossip.
func (a rpcAddrs) AddPeerAddress(host string, port uint16, tried bool) error {
	s := a.s
	na, err := addrmgr.ParseNetAddr(net.JoinHostPort(host, strconv.Itoa(int(port))),
		wire.SFNodeNetwork|wire.SFNodeWitness)
	if err != nil || !addrmgr.IsRoutable(na) {
		return rpcserver.ErrAddressRefused
	}
	na.Timestamp = time.Now()
	if s.am.AddAddresses([]*wire.NetAddressV2{na}, na) == 0 && s.am.Lookup(na) == nil {
		return rpcserver.ErrAddressRefused
	}
	if tried {
		// Core's Good fails when the address does not reach the tried
		// table: here when its tried slot is taken and it waits in new
		// for a feeler to test the occupant (test-before-evict).
		if err := s.am.Good(na); err != nil || !s.am.InTried(na) {
			return rpcserver.ErrNotTried
		}
	}
	s.relayAddr(na, 0)
	return nil
}

// shutdownFunc satisfies rpcserver.ShutdownRequester with a function.
type shutdownFunc func()

func (f shutdownFunc) RequestShutdown() { f() }

// unixTime is t in Unix seconds, 0 for the zero time (never).
func unixTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// rpcZMQ lists the node's ZMQ notifications for getzmqnotifications.
type rpcZMQ struct{ n *zmq.Notifier }

// Endpoints lists the notifier's topics and addresses.
func (z rpcZMQ) Endpoints() []rpcserver.ZMQEndpoint {
	var out []rpcserver.ZMQEndpoint
	for _, ep := range z.n.Endpoints() {
		out = append(out, rpcserver.ZMQEndpoint{Topic: ep.Topic, Address: ep.Address, HWM: ep.HWM})
	}
	return out
}
