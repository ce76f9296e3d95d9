package rpcserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/internal/testwallet"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// This file tests the handlers against stubs of the interfaces in
// interface.go: a two-block chain, a pool, a fee estimator, a generator, a
// relay and a P2P side, all in memory, without a node.

// errNotStubbed is returned by the stubs' methods no test relies on.
var errNotStubbed = errors.New("not stubbed")

// testRPCChain is a main chain of blocks kept in memory; it satisfies
// Chain, BlockStore, UtxoSet and ChainManager.
type testRPCChain struct {
	mu      sync.Mutex
	params  *chaincfg.Params
	blocks  []*wire.MsgBlock
	spent   map[chainhash.Hash][]*blockchain.UtxoEntry
	utxos   map[wire.OutPoint]*blockchain.UtxoEntry
	current bool

	processed   []*wire.MsgBlock
	invalidated []chainhash.Hash
}

// newTestRPCChain returns the network's genesis block followed by
// blocks, current (out of initial block download).
func newTestRPCChain(params *chaincfg.Params, blocks ...*wire.MsgBlock) *testRPCChain {
	return &testRPCChain{
		params:  params,
		blocks:  append([]*wire.MsgBlock{params.GenesisBlock}, blocks...),
		spent:   make(map[chainhash.Hash][]*blockchain.UtxoEntry),
		utxos:   make(map[wire.OutPoint]*blockchain.UtxoEntry),
		current: true,
	}
}

// height returns the main-chain height of hash, -1 when unknown.
func (c *testRPCChain) height(hash *chainhash.Hash) int32 {
	for i, b := range c.blocks {
		if b.BlockHash() == *hash {
			return int32(i)
		}
	}
	return -1
}

func (c *testRPCChain) BestSnapshot() *blockchain.BestState {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := int32(len(c.blocks) - 1)
	tip := c.blocks[h]
	return &blockchain.BestState{Hash: tip.BlockHash(), Height: h, Bits: tip.Header.Bits,
		Timestamp: tip.Header.Timestamp, MedianTime: tip.Header.Timestamp.Add(-time.Minute),
		ChainWork: big.NewInt(2 * int64(h+1)), NumTxns: uint64(len(tip.Transactions))}
}

func (c *testRPCChain) BestHeader() (chainhash.Hash, int32) {
	best := c.BestSnapshot()
	return best.Hash, best.Height
}

func (c *testRPCChain) IsCurrent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

func (c *testRPCChain) HaveHeader(hash *chainhash.Hash) bool    { return c.height(hash) >= 0 }
func (c *testRPCChain) IsKnownOrphan(hash *chainhash.Hash) bool { return false }

func (c *testRPCChain) BlockHashByHeight(height int32) (*chainhash.Hash, error) {
	if height < 0 || int(height) >= len(c.blocks) {
		return nil, fmt.Errorf("no block at height %d", height)
	}
	h := c.blocks[height].BlockHash()
	return &h, nil
}

func (c *testRPCChain) BlockInfoByHash(hash *chainhash.Hash) (*blockchain.BlockInfo, error) {
	h := c.height(hash)
	if h < 0 {
		return nil, fmt.Errorf("block %v not found", hash)
	}
	b := c.blocks[h]
	info := &blockchain.BlockInfo{
		Hash: *hash, Header: b.Header, Height: h, ChainWork: big.NewInt(2 * int64(h+1)),
		MedianTime: b.Header.Timestamp.Add(-time.Minute), InMainChain: true,
		Confirmations: int32(len(c.blocks)) - h, NumTxns: uint32(len(b.Transactions)),
		Status: blockchain.BlockStatus{HeaderValid: true, HaveData: true, Valid: true},
	}
	if int(h)+1 < len(c.blocks) {
		next := c.blocks[h+1].BlockHash()
		info.NextHash = &next
	}
	return info, nil
}

func (c *testRPCChain) ChainTips() []blockchain.ChainTip {
	best := c.BestSnapshot()
	return []blockchain.ChainTip{{Height: best.Height, Hash: best.Hash, Status: "active"}}
}

func (c *testRPCChain) CalcNextRequiredDifficulty(time.Time) uint32    { return c.params.PowLimitBits }
func (c *testRPCChain) CheckConnectBlockTemplate(*wire.MsgBlock) error { return nil }

func (c *testRPCChain) BlockByHash(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	if h := c.height(hash); h >= 0 {
		return c.blocks[h], nil
	}
	return nil, fmt.Errorf("block %v not found", hash)
}

func (c *testRPCChain) BlockBytesByHash(hash *chainhash.Hash) ([]byte, error) {
	b, err := c.BlockByHash(hash)
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (c *testRPCChain) SpentOutputs(hash *chainhash.Hash) ([]*blockchain.UtxoEntry, error) {
	return c.spent[*hash], nil
}

func (c *testRPCChain) FetchUtxoEntry(op wire.OutPoint) (*blockchain.UtxoEntry, error) {
	return c.utxos[op], nil
}

func (c *testRPCChain) UtxoSetStats() (*blockchain.UtxoStats, error) { return nil, errNotStubbed }

func (c *testRPCChain) ProcessBlock(block *wire.MsgBlock) (bool, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.processed = append(c.processed, block)
	return true, false, nil
}

func (c *testRPCChain) ProcessBlockHeader(*wire.BlockHeader) error { return nil }

func (c *testRPCChain) InvalidateBlock(hash *chainhash.Hash) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidated = append(c.invalidated, *hash)
	return nil
}

func (c *testRPCChain) ReconsiderBlock(*chainhash.Hash) error { return nil }
func (c *testRPCChain) VerifyChain(int32) error               { return nil }

// testRPCPool is a pool of descriptors; it satisfies TxPool, TxAcceptor,
// TxPrioritiser and MempoolDumper. ProcessLocalTransaction accepts with
// fee unless acceptErr is set or the fee passes the cap it is given.
type testRPCPool struct {
	mu          sync.Mutex
	descs       map[chainhash.Hash]*mempool.TxDesc
	info        mempool.Info
	minFee      mempool.FeeRate
	fee         int64
	acceptErr   error
	maxFees     []int64
	unbroadcast []chainhash.Hash
	deltas      map[chainhash.Hash]int64
	updated     time.Time
	orphans     []mempool.OrphanInfo
}

func newTestRPCPool() *testRPCPool {
	return &testRPCPool{descs: make(map[chainhash.Hash]*mempool.TxDesc),
		deltas: make(map[chainhash.Hash]int64), fee: 1000, updated: time.Unix(1700000000, 0)}
}

// add pools tx with fee.
func (p *testRPCPool) add(tx *wire.MsgTx, fee int64) *mempool.TxDesc {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := &mempool.TxDesc{Tx: tx, TxHash: tx.TxHash(), WTxHash: tx.WitnessHash(),
		Added: time.Unix(1700000000, 0), Height: 1, Fee: fee, VSize: tx.VSize(), Weight: tx.Weight(),
		AncestorCount: 1, AncestorSize: tx.VSize(), AncestorFees: fee,
		DescendantCount: 1, DescendantSize: tx.VSize(), DescendantFees: fee,
		ChunkFee: fee, ChunkSize: tx.VSize(), ChunkWeight: 4 * tx.VSize()}
	p.descs[d.TxHash] = d
	return d
}

func (p *testRPCPool) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.descs)
}

func (p *testRPCPool) IsTransactionInPool(txid *chainhash.Hash) bool {
	_, ok := p.TxDesc(txid)
	return ok
}

func (p *testRPCPool) FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error) {
	if d, ok := p.TxDesc(hash); ok {
		return d.Tx, nil
	}
	return nil, errors.New("not in pool")
}

func (p *testRPCPool) Spender(wire.OutPoint) *wire.MsgTx { return nil }
func (p *testRPCPool) LastUpdated() time.Time            { return p.updated }

func (p *testRPCPool) TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.descs[*txid]
	return d, ok
}

func (p *testRPCPool) TxDescs() []*mempool.TxDesc {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*mempool.TxDesc, 0, len(p.descs))
	for _, d := range p.descs {
		out = append(out, d)
	}
	return out
}

func (p *testRPCPool) TxHashes() []chainhash.Hash {
	var out []chainhash.Hash
	for _, d := range p.TxDescs() {
		out = append(out, d.TxHash)
	}
	return out
}

func (p *testRPCPool) TxHashesAndSequence() ([]chainhash.Hash, uint64) {
	return p.TxHashes(), 42
}

func (p *testRPCPool) Ancestors(txid *chainhash.Hash) ([]*mempool.TxDesc, bool) {
	_, ok := p.TxDesc(txid)
	return nil, ok
}

func (p *testRPCPool) Descendants(txid *chainhash.Hash) ([]*mempool.TxDesc, bool) {
	return p.Ancestors(txid)
}

func (p *testRPCPool) Info() mempool.Info {
	info := p.info
	info.Size = p.Count()
	return info
}

func (p *testRPCPool) MinFee() mempool.FeeRate       { return p.minFee }
func (p *testRPCPool) Unbroadcast() []chainhash.Hash { return p.unbroadcast }

// chunks groups the stub's descriptors as the pool would (one cluster per
// descriptor here, unless Depends link them), weights four per vbyte.
func (p *testRPCPool) chunks() []mempool.MiningChunk {
	p.mu.Lock()
	descs := make([]*mempool.TxDesc, 0, len(p.descs))
	for _, d := range p.descs {
		descs = append(descs, d)
	}
	p.mu.Unlock()
	sort.Slice(descs, func(i, j int) bool { return descs[i].TxHash.String() < descs[j].TxHash.String() })
	return mempool.ChunkDescs(descs)
}

func (p *testRPCPool) Cluster(txid *chainhash.Hash) (*mempool.ClusterInfo, bool) {
	for _, ch := range p.chunks() {
		for _, d := range ch.Txs {
			if d.TxHash != *txid {
				continue
			}
			info := &mempool.ClusterInfo{VSize: ch.VSize, Weight: 4 * ch.VSize, Fee: ch.Fee}
			c := mempool.Chunk{Fee: ch.Fee, VSize: ch.VSize, Weight: 4 * ch.VSize}
			for _, x := range ch.Txs {
				info.Txids = append(info.Txids, x.TxHash)
				c.Txids = append(c.Txids, x.TxHash)
			}
			info.Chunks = []mempool.Chunk{c}
			return info, true
		}
	}
	return nil, false
}

func (p *testRPCPool) FeeRateDiagram() []mempool.DiagramPoint {
	out := []mempool.DiagramPoint{{}}
	for _, ch := range p.chunks() {
		last := out[len(out)-1]
		out = append(out, mempool.DiagramPoint{Weight: last.Weight + 4*ch.VSize, Fee: last.Fee + ch.Fee})
	}
	return out
}

func (p *testRPCPool) ProcessLocalTransaction(tx *wire.MsgTx, maxFee int64) ([]*mempool.TxDesc, error) {
	p.mu.Lock()
	p.maxFees = append(p.maxFees, maxFee)
	err, fee := p.acceptErr, p.fee
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if maxFee > 0 && fee > maxFee {
		return nil, mempool.Error{Err: mempool.ErrMaxFeeExceeded, Description: "max-fee-exceeded"}
	}
	return []*mempool.TxDesc{p.add(tx, fee)}, nil
}

func (p *testRPCPool) AddUnbroadcast(txid *chainhash.Hash) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unbroadcast = append(p.unbroadcast, *txid)
}

func (p *testRPCPool) TestAccept(*wire.MsgTx) (*mempool.AcceptResult, error) {
	return nil, errNotStubbed
}

func (p *testRPCPool) TestAcceptPackage([]*wire.MsgTx) *mempool.PackageTestResult { return nil }

func (p *testRPCPool) SubmitPackage([]*wire.MsgTx, mempool.FeeRate) *mempool.PackageSubmitResult {
	return nil
}

func (p *testRPCPool) PrioritiseTransaction(txid *chainhash.Hash, delta int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deltas[*txid] += delta
}

func (p *testRPCPool) HasDust(*chainhash.Hash) bool { return false }

func (p *testRPCPool) FeeDeltas() map[chainhash.Hash]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[chainhash.Hash]int64, len(p.deltas))
	for h, d := range p.deltas {
		out[h] = d
	}
	return out
}

func (p *testRPCPool) DumpMempool() (string, error) { return "/data/mempool.dat", nil }

// testRPCFeeEstimator answers every target with rate (sat/kvB), or err.
type testRPCFeeEstimator struct {
	rate int64
	err  error
}

func (f *testRPCFeeEstimator) HighestTarget() int { return 1008 }

func (f *testRPCFeeEstimator) EstimateSmartFeeFloor(target int, _ bool, minFee int64) (int64, int, error) {
	if f.err != nil {
		return 0, target, f.err
	}
	return max(f.rate, minFee), target, nil
}

// testRPCGenerator builds coinbase-only templates on the stub chain and
// pretends to mine.
type testRPCGenerator struct {
	chain     *testRPCChain
	templates int
	invalid   error
}

func (g *testRPCGenerator) MiningTip() mining.Tip {
	best := g.chain.BestSnapshot()
	return mining.Tip{Hash: best.Hash, Height: best.Height, MedianTimePast: best.MedianTime,
		Bits: g.chain.params.PowLimitBits}
}

func (g *testRPCGenerator) NewBlockTemplate(payScript []byte, tip mining.Tip) (*mining.BlockTemplate, error) {
	g.templates++
	cb := mining.CoinbaseTx(tip.Height+1, 0, payScript, 50e8)
	block := &wire.MsgBlock{
		Header: wire.BlockHeader{Version: 0x20000000, PrevBlock: tip.Hash,
			Timestamp: time.Unix(1700000600, 0), Bits: tip.Bits},
		Transactions: []*wire.MsgTx{cb},
	}
	return &mining.BlockTemplate{Block: block, Fees: []int64{0}, SigOpCosts: []int64{0},
		Height: tip.Height + 1}, nil
}

func (g *testRPCGenerator) GenerateBlocks(_ context.Context, n int, _ []byte, _ uint64) ([]chainhash.Hash, error) {
	out := make([]chainhash.Hash, n)
	for i := range out {
		out[i][0] = byte(i + 1)
	}
	return out, nil
}

func (g *testRPCGenerator) GenerateBlock(_ context.Context, payScript []byte, txs []*wire.MsgTx,
	_ bool) (*wire.MsgBlock, error) {
	if g.invalid != nil {
		return nil, &BlockValidityError{Err: g.invalid}
	}
	tmpl, _ := g.NewBlockTemplate(payScript, g.MiningTip())
	tmpl.Block.Transactions = append(tmpl.Block.Transactions, txs...)
	return tmpl.Block, nil
}

// testRPCRelay records what it is asked to relay.
type testRPCRelay struct {
	mu      sync.Mutex
	relayed []chainhash.Hash
}

func (r *testRPCRelay) RelayTransactions(txs []*mempool.TxDesc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range txs {
		r.relayed = append(r.relayed, d.TxHash)
	}
}

// testRPCPeers is the P2P side: peers, addnode requests, bans and known
// addresses; it satisfies PeerServer, ConnManager, BanManager and
// AddrManager.
type testRPCPeers struct {
	mu        sync.Mutex
	running   bool
	peers     []PeerInfo
	inbound   int
	outbound  int
	pings     int
	added     map[string]bool
	bans      map[string]BanEntry
	addrs     []*wire.NetAddressV2
	addErr    error
	addedAddr []string
	services  wire.ServiceFlag // LocalServices; 0: network and witness
	v2        map[string]bool  // AddNode's v2 choice by address
	inactive  bool             // SetNetworkActive(false)
	fetched   []string         // FetchBlockFromPeer's hash:peer requests
}

func newTestRPCPeers() *testRPCPeers {
	return &testRPCPeers{running: true, added: make(map[string]bool), bans: make(map[string]BanEntry)}
}

func (p *testRPCPeers) Running() bool { return p.running }

func (p *testRPCPeers) ConnectionCounts() (int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inbound, p.outbound
}

func (p *testRPCPeers) Peers() []PeerInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PeerInfo(nil), p.peers...)
}

func (p *testRPCPeers) PingPeers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pings++
}

func (p *testRPCPeers) NetTotals() (uint64, uint64) { return 100, 200 }

func (p *testRPCPeers) LocalAddresses() []*wire.NetAddressV2 {
	na, _ := wire.NewNetAddressV2(wire.NetIPv4, []byte{11, 1, 2, 3}, 8333, 0, time.Now())
	return []*wire.NetAddressV2{na}
}

func (p *testRPCPeers) LocalServices() wire.ServiceFlag {
	if p.services != 0 {
		return p.services
	}
	return wire.SFNodeNetwork | wire.SFNodeWitness
}

func (p *testRPCPeers) AddNode(addr string, permanent, v2 bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.v2 == nil {
		p.v2 = make(map[string]bool)
	}
	p.v2[addr] = v2
	if !permanent {
		return nil
	}
	if p.added[addr] {
		return ErrNodeAlreadyAdded
	}
	p.added[addr] = true
	return nil
}

func (p *testRPCPeers) RemoveAddedNode(addr string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ok := p.added[addr]
	delete(p.added, addr)
	return ok
}

func (p *testRPCPeers) AddedNodes() []AddedNode {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []AddedNode
	for name := range p.added {
		out = append(out, AddedNode{Name: name})
	}
	return out
}

func (p *testRPCPeers) DisconnectAddr(addr string) bool {
	for _, pi := range p.Peers() {
		if pi.Addr == addr {
			return true
		}
	}
	return false
}

func (p *testRPCPeers) DisconnectID(id int32) bool {
	for _, pi := range p.Peers() {
		if pi.ID == id {
			return true
		}
	}
	return false
}

// banKey parses an address or subnet as setban does.
func banKey(s string) (string, error) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return "", ErrInvalidSubnet
		}
		return pfx.Masked().String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", ErrInvalidSubnet
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), nil
}

func (p *testRPCPeers) BanSubnet(subnet string, bantime int64, absolute bool) error {
	key, err := banKey(subnet)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.bans[key]; ok {
		return ErrAlreadyBanned
	}
	created := time.Now()
	until := created.Add(24 * time.Hour)
	switch {
	case absolute:
		until = time.Unix(bantime, 0)
	case bantime > 0:
		until = created.Add(time.Duration(bantime) * time.Second)
	}
	p.bans[key] = BanEntry{Subnet: key, Created: created, Until: until}
	return nil
}

func (p *testRPCPeers) Unban(subnet string) error {
	key, err := banKey(subnet)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.bans[key]; !ok {
		return ErrNotBanned
	}
	delete(p.bans, key)
	return nil
}

func (p *testRPCPeers) ClearBans() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.bans)
	return nil
}

func (p *testRPCPeers) BanEntries() []BanEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []BanEntry
	for _, e := range p.bans {
		out = append(out, e)
	}
	return out
}

// Addresses returns the stub's addresses of network (0: all), at most max
// (0: all), in order: the handler's parameters must reach the manager.
func (p *testRPCPeers) Addresses(max int, network wire.NetworkID) []*wire.NetAddressV2 {
	var out []*wire.NetAddressV2
	for _, na := range p.addrs {
		if network != 0 && na.Network != network {
			continue
		}
		if max > 0 && len(out) == max {
			break
		}
		out = append(out, na)
	}
	return out
}

func (p *testRPCPeers) AddPeerAddress(host string, port uint16, tried bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addedAddr = append(p.addedAddr, fmt.Sprintf("%s:%d:%v", host, port, tried))
	return p.addErr
}

// testRPCShutdown counts shutdown requests.
type testRPCShutdown struct{ n int }

func (s *testRPCShutdown) RequestShutdown() { s.n++ }

// handlerEnv is a Server on stubs, out of warm-up.
type handlerEnv struct {
	srv      *Server
	chain    *testRPCChain
	pool     *testRPCPool
	fees     *testRPCFeeEstimator
	gen      *testRPCGenerator
	relay    *testRPCRelay
	peers    *testRPCPeers
	shutdown *testRPCShutdown
	wallet   *testwallet.Wallet
	spend    *wire.MsgTx // the non-coinbase transaction of block 1
}

// newHandlerEnv builds the stubs on params' genesis block and one block
// holding a coinbase and a signed spend, then the server; adjust, when
// not nil, changes the stubs or the configuration first.
func newHandlerEnv(t testing.TB, params *chaincfg.Params, adjust func(*handlerEnv, *Config)) *handlerEnv {
	t.Helper()
	w := testwallet.MustNew(t, 7, regtestParams(t))
	prev := wire.OutPoint{Hash: chainhash.Hash{9}, Index: 0}
	spend := w.MustSign(t, 2, []testwallet.PrevOut{{OutPoint: prev, Value: 100000}}, []*wire.TxOut{{Value: 90000, PkScript: w.PkScript}}, 0)
	cb := mining.CoinbaseTx(1, 0, w.PkScript, 50e8+10000)
	block := &wire.MsgBlock{
		Header: wire.BlockHeader{Version: 0x20000000, PrevBlock: *params.GenesisHash,
			Timestamp: time.Unix(1700000000, 0), Bits: params.PowLimitBits},
		Transactions: []*wire.MsgTx{cb, spend},
	}
	root, _ := standalone.BlockMerkleRoot(block.Transactions)
	block.Header.MerkleRoot = root
	e := &handlerEnv{
		chain:    newTestRPCChain(params, block),
		pool:     newTestRPCPool(),
		fees:     &testRPCFeeEstimator{rate: 2500},
		relay:    &testRPCRelay{},
		peers:    newTestRPCPeers(),
		shutdown: &testRPCShutdown{},
		wallet:   w,
		spend:    spend,
	}
	e.chain.spent[block.BlockHash()] = []*blockchain.UtxoEntry{{Amount: 100000, PkScript: w.PkScript,
		BlockHeight: 0}}
	e.gen = &testRPCGenerator{chain: e.chain}
	cfg := Config{
		ChainParams: params, Version: "0.1.0", SubVersion: "/Satoshi:30.0.0/ternd:0.1.0/",
		ClientVersion: 300000, DataCarrierSize: 83, BlockMinTxFee: 1000,
		MinRelayTxFee: 100, IncrementalRelayFee: 100, Shutdown: e.shutdown, Loggers: testLoggers(),
		Backends: Backends{
			Chain: e.chain, BlockStore: e.chain, UtxoSet: e.chain, ChainManager: e.chain,
			TxPool: e.pool, TxAcceptor: e.pool, TxPrioritiser: e.pool, MempoolDumper: e.pool,
			FeeEstimator: e.fees, Generator: e.gen, Relay: e.relay,
			PeerServer: e.peers, ConnManager: e.peers, BanManager: e.peers, AddrManager: e.peers,
		},
	}
	if adjust != nil {
		adjust(e, &cfg)
	}
	e.srv = mustNew(t, cfg)
	e.srv.SetWarmupFinished()
	return e
}

// call runs method with positional params.
func (e *handlerEnv) call(t *testing.T, method string, params ...any) (json.RawMessage, *rpcjson.RPCError) {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return e.srv.Execute(context.Background(), method, raw)
}

// mustCall runs method and decodes its result into out (when not nil).
func (e *handlerEnv) mustCall(t *testing.T, out any, method string, params ...any) json.RawMessage {
	t.Helper()
	res, rerr := e.call(t, method, params...)
	if rerr != nil {
		t.Fatalf("%s%v: %d %s", method, params, rerr.Code, rerr.Message)
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			t.Fatalf("%s: decode %s: %v", method, res, err)
		}
	}
	return res
}

// hash renders a hash as Core's hex.
func hashHex(h chainhash.Hash) string { return h.String() }

// TestHandlerParamErrors checks Core's codes and messages for bad
// parameters: -1 (usage), -3 (type), -5 (not found), -8 (invalid), -22
// (decode), -32601 and -32602.
func TestHandlerParamErrors(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	unknown := strings.Repeat("0", 63) + "1"
	tests := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string // prefix of the message
	}{
		{"missing height", "getblockhash", nil, rpcjson.ErrRPCMisc, "getblockhash height"},
		{"too many params", "getblockcount", []any{1}, rpcjson.ErrRPCMisc, "getblockcount"},
		{"height of wrong type", "getblockhash", []any{"x"}, rpcjson.ErrRPCType, "JSON value of type string"},
		{"height out of range", "getblockhash", []any{2}, rpcjson.ErrRPCInvalidParameter, "Block height out of range"},
		{"negative height", "getblockhash", []any{-1}, rpcjson.ErrRPCInvalidParameter, "Block height out of range"},
		{"short hash", "getblock", []any{"zz"}, rpcjson.ErrRPCInvalidParameter,
			"blockhash must be of length 64 (not 2, for 'zz')"},
		{"hash not hex", "getblock", []any{strings.Repeat("g", 64)}, rpcjson.ErrRPCInvalidParameter,
			"blockhash must be hexadecimal string"},
		{"unknown block", "getblock", []any{unknown}, rpcjson.ErrRPCInvalidAddressOrKey, "Block not found"},
		{"unknown header", "getblockheader", []any{unknown}, rpcjson.ErrRPCInvalidAddressOrKey, "Block not found"},
		{"verbosity of wrong type", "getblock", []any{hashHex(*regtestParams(t).GenesisHash), "x"},
			rpcjson.ErrRPCType, "JSON value of type string"},
		{"bad transaction hex", "sendrawtransaction", []any{"zz"}, rpcjson.ErrRPCDeserialization,
			"TX decode failed. Make sure the tx has at least one input."},
		{"fee rate too high", "sendrawtransaction", []any{txHex(e.spend), 1}, rpcjson.ErrRPCInvalidParameter,
			"Fee rates larger than or equal to 1BTC/kvB are not accepted"},
		{"negative fee rate", "sendrawtransaction", []any{txHex(e.spend), -0.1}, rpcjson.ErrRPCType,
			"Amount out of range"},
		{"verbose with sequence", "getrawmempool", []any{true, true}, rpcjson.ErrRPCInvalidParameter,
			"Verbose results cannot contain mempool sequence values."},
		{"entry not pooled", "getmempoolentry", []any{unknown}, rpcjson.ErrRPCInvalidAddressOrKey,
			"Transaction not in mempool"},
		{"conf_target 0", "estimatesmartfee", []any{0}, rpcjson.ErrRPCInvalidParameter,
			"Invalid conf_target, must be between 1 and 1008"},
		{"estimate_mode", "estimatesmartfee", []any{2, "fast"}, rpcjson.ErrRPCInvalidParameter,
			"Invalid estimate_mode parameter"},
		{"addnode command", "addnode", []any{"1.2.3.4", "connect"}, rpcjson.ErrRPCMisc,
			`addnode "node" "command"`},
		{"setban command", "setban", []any{"1.2.3.4", "ban"}, rpcjson.ErrRPCMisc, `setban "subnet" "command"`},
		{"setban subnet", "setban", []any{"not-an-ip", "add"}, -30, "Error: Invalid IP/Subnet"},
		{"address count", "getnodeaddresses", []any{-1}, rpcjson.ErrRPCInvalidParameter, "Address count out of range"},
		{"address network", "getnodeaddresses", []any{0, "tor"}, rpcjson.ErrRPCInvalidParameter,
			"Network not recognized: tor"},
		{"address and nodeid", "disconnectnode", []any{"1.2.3.4:8333", 5}, rpcjson.ErrRPCInvalidParams,
			"Only one of address and nodeid should be provided."},
		{"unknown peer", "disconnectnode", []any{"", 5}, -29, "Node not found in connected nodes"},
		{"unknown logging category", "logging", []any{[]string{"nope"}}, rpcjson.ErrRPCInvalidParameter,
			"unknown logging category nope"},
		{"unknown method", "getwalletinfo", nil, rpcjson.ErrRPCMethodNotFound, "Method not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, rerr := e.call(t, tc.method, tc.params...)
			if rerr == nil {
				t.Fatalf("want %d, got %s", tc.code, res)
			}
			if rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
				t.Fatalf("got %d %q, want %d %q...", rerr.Code, rerr.Message, tc.code, tc.msg)
			}
		})
	}
}

// TestHandlerChain checks the blockchain methods' results against the stub
// chain: getblockchaininfo, getbestblockhash, getblockcount, getblockhash
// and getblock at verbosity 0, 1 and 2.
func TestHandlerChain(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	block := e.chain.blocks[1]
	hash := block.BlockHash()
	tests := []struct {
		name   string
		method string
		params []any
		check  func(t *testing.T, raw json.RawMessage)
	}{
		{"getblockchaininfo", "getblockchaininfo", nil, func(t *testing.T, raw json.RawMessage) {
			var r struct {
				Chain         string   `json:"chain"`
				Blocks        int32    `json:"blocks"`
				Headers       int32    `json:"headers"`
				BestBlockHash string   `json:"bestblockhash"`
				Bits          string   `json:"bits"`
				Progress      float64  `json:"verificationprogress"`
				IBD           bool     `json:"initialblockdownload"`
				ChainWork     string   `json:"chainwork"`
				Pruned        bool     `json:"pruned"`
				Warnings      []string `json:"warnings"`
			}
			json.Unmarshal(raw, &r)
			if r.Chain != "regtest" || r.Blocks != 1 || r.Headers != 1 || r.BestBlockHash != hash.String() ||
				r.Bits != "207fffff" || r.Progress != 1 || r.IBD || r.ChainWork != fmt.Sprintf("%064x", 4) ||
				r.Warnings == nil {
				t.Fatalf("%s", raw)
			}
		}},
		{"getbestblockhash", "getbestblockhash", nil, wantJSON(`"` + hash.String() + `"`)},
		{"getblockcount", "getblockcount", nil, wantJSON(`1`)},
		{"getblockhash 0", "getblockhash", []any{0}, wantJSON(`"` + regtestParams(t).GenesisHash.String() + `"`)},
		{"getblockhash 1", "getblockhash", []any{1}, wantJSON(`"` + hash.String() + `"`)},
		{"getblock verbosity 0", "getblock", []any{hash.String(), 0},
			wantJSON(`"` + hex.EncodeToString(block.Bytes()) + `"`)},
		{"getblock verbose false", "getblock", []any{hash.String(), false},
			wantJSON(`"` + hex.EncodeToString(block.Bytes()) + `"`)},
		{"getblock verbosity 1", "getblock", []any{hash.String()}, func(t *testing.T, raw json.RawMessage) {
			var r struct {
				Hash          string   `json:"hash"`
				Confirmations int32    `json:"confirmations"`
				Height        int32    `json:"height"`
				VersionHex    string   `json:"versionHex"`
				NTx           int      `json:"nTx"`
				Previous      string   `json:"previousblockhash"`
				Next          *string  `json:"nextblockhash"`
				Size          int      `json:"size"`
				Weight        int64    `json:"weight"`
				Tx            []string `json:"tx"`
			}
			json.Unmarshal(raw, &r)
			if r.Hash != hash.String() || r.Confirmations != 1 || r.Height != 1 || r.VersionHex != "20000000" ||
				r.NTx != 2 || r.Previous != regtestParams(t).GenesisHash.String() || r.Next != nil ||
				r.Size != block.SerializeSize() || len(r.Tx) != 2 || r.Tx[1] != e.spend.TxHash().String() {
				t.Fatalf("%s", raw)
			}
		}},
		{"getblock verbosity 2", "getblock", []any{hash.String(), 2}, func(t *testing.T, raw json.RawMessage) {
			var r struct {
				Tx []struct {
					Txid string   `json:"txid"`
					Hex  string   `json:"hex"`
					Fee  *float64 `json:"fee"`
					Vin  []struct {
						Prevout *struct{} `json:"prevout"`
					} `json:"vin"`
				} `json:"tx"`
			}
			json.Unmarshal(raw, &r)
			// The fee comes from the undo data; prevouts only at 3.
			if len(r.Tx) != 2 || r.Tx[0].Fee != nil || r.Tx[1].Txid != e.spend.TxHash().String() ||
				r.Tx[1].Hex != txHex(e.spend) || r.Tx[1].Fee == nil || *r.Tx[1].Fee != 0.0001 ||
				r.Tx[1].Vin[0].Prevout != nil {
				t.Fatalf("%s", raw)
			}
		}},
		{"getblock verbosity 3", "getblock", []any{hash.String(), 3}, func(t *testing.T, raw json.RawMessage) {
			if !strings.Contains(string(raw), `"prevout":{"generated":false,"height":0,"value":0.00100000`) {
				t.Fatalf("%s", raw)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, e.mustCall(t, nil, tc.method, tc.params...))
		})
	}
}

// wantJSON returns a check that the result is exactly want.
func wantJSON(want string) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, raw json.RawMessage) {
		t.Helper()
		if string(raw) != want {
			t.Fatalf("got %s, want %s", raw, want)
		}
	}
}

// TestHandlerMempool checks getmempoolinfo, getrawmempool and
// estimatesmartfee against the stub pool and estimator.
func TestHandlerMempool(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), func(e *handlerEnv, _ *Config) {
		e.pool.info = mempool.Info{Bytes: 110, Usage: 1000, TotalFee: 1500, MaxMempool: 300000000,
			MempoolMinFee: 1000, MinRelayTxFee: 100, IncrementalRelayFee: 100, UnbroadcastCount: 1,
			ClusterLimitCount: 64, ClusterLimitSize: 101000, Optimal: true}
		e.pool.minFee = 1000
	})
	d := e.pool.add(e.spend, 1500)
	txid := d.TxHash.String()
	tests := []struct {
		name   string
		method string
		params []any
		check  func(t *testing.T, raw json.RawMessage)
	}{
		{"getmempoolinfo", "getmempoolinfo", nil, wantJSON(`{"loaded":true,"size":1,"bytes":110,"usage":1000,` +
			`"total_fee":0.00001500,"maxmempool":300000000,"mempoolminfee":0.00001000,"minrelaytxfee":0.00000100,` +
			`"incrementalrelayfee":0.00000100,"unbroadcastcount":1,"fullrbf":false,"permitbaremultisig":true,` +
			`"maxdatacarriersize":83,"limitclustercount":64,"limitclustersize":101000,"optimal":true}`)},
		{"getrawmempool", "getrawmempool", nil, wantJSON(`["` + txid + `"]`)},
		{"getrawmempool sequence", "getrawmempool", []any{false, true},
			wantJSON(`{"mempool_sequence":42,"txids":["` + txid + `"]}`)},
		{"getrawmempool verbose", "getrawmempool", []any{true}, func(t *testing.T, raw json.RawMessage) {
			var r map[string]struct {
				VSize int64  `json:"vsize"`
				Wtxid string `json:"wtxid"`
				Fees  struct {
					Base float64 `json:"base"`
				} `json:"fees"`
				Depends []string `json:"depends"`
				RBF     bool     `json:"bip125-replaceable"`
			}
			json.Unmarshal(raw, &r)
			got, ok := r[txid]
			// The spend's sequence 0 signals BIP125.
			if !ok || len(r) != 1 || got.VSize != e.spend.VSize() || got.Wtxid != d.WTxHash.String() ||
				got.Fees.Base != 0.000015 || got.Depends == nil || !got.RBF {
				t.Fatalf("%s", raw)
			}
		}},
		{"getmempoolcluster", "getmempoolcluster", []any{txid}, wantJSON(fmt.Sprintf(
			`{"clusterweight":%d,"txcount":1,"chunks":[{"chunkfee":0.00001500,"chunkweight":%d,"txs":["%s"]}]}`,
			4*e.spend.VSize(), 4*e.spend.VSize(), txid))},
		{"getmempoolfeeratediagram", "getmempoolfeeratediagram", nil, wantJSON(fmt.Sprintf(
			`[{"weight":0,"fee":0.00000000},{"weight":%d,"fee":0.00001500}]`, 4*e.spend.VSize()))},
		{"getmempoolentry chunk", "getmempoolentry", []any{txid}, func(t *testing.T, raw json.RawMessage) {
			var r struct {
				ChunkWeight int64 `json:"chunkweight"`
				Fees        struct {
					Chunk float64 `json:"chunk"`
				} `json:"fees"`
			}
			json.Unmarshal(raw, &r)
			if r.ChunkWeight != 4*e.spend.VSize() || r.Fees.Chunk != 0.000015 {
				t.Fatalf("%s", raw)
			}
		}},
		{"estimatesmartfee", "estimatesmartfee", []any{6}, wantJSON(`{"feerate":0.00002500,"blocks":6}`)},
		{"estimatesmartfee floored", "estimatesmartfee", []any{6, "conservative"},
			wantJSON(`{"feerate":0.00002500,"blocks":6}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, e.mustCall(t, nil, tc.method, tc.params...))
		})
	}
	// Without data the estimator answers Core's errors and no fee rate.
	e.fees.err = mempool.ErrFeeEstimateInsufficient
	e.mustCall(t, nil, "estimatesmartfee", 2)
	if raw := e.mustCall(t, nil, "estimatesmartfee", 2); string(raw) !=
		`{"errors":["`+string(mempool.ErrFeeEstimateInsufficient)+`"],"blocks":2}` {
		t.Fatalf("estimatesmartfee without data: %s", raw)
	}
}

// TestHandlerSendRawTransaction checks sendrawtransaction: an accepted
// transaction is relayed and kept for rebroadcast; a rejection is Core's
// -26 (-25 for missing inputs or a fee above maxfeerate); maxfeerate
// becomes the pool's fee cap (old bitcoind's boolean allowhighfees too:
// true lifts it, false keeps the default); outputs already in the chain
// are -27.
func TestHandlerSendRawTransaction(t *testing.T) {
	tests := []struct {
		name      string
		acceptErr error
		params    []any // after the hex
		code      rpcjson.RPCErrorCode
		msg       string
		maxFee    int64 // the cap the pool was given
	}{
		{"accepted", nil, nil, 0, "", 10000000 * 110 / 1000},
		{"accepted with maxfeerate 0", nil, []any{0}, 0, "", 0},
		{"legacy allowhighfees true", nil, []any{true}, 0, "", 0},
		{"legacy allowhighfees false", nil, []any{false}, 0, "", 10000000 * 110 / 1000},
		{"rejected", mempool.Error{Err: mempool.ErrInsufficientFee,
			Description: "min relay fee not met, 0 < 110", Reason: "min relay fee not met"},
			nil, rpcjson.ErrRPCVerifyRejected, "min relay fee not met, 0 < 110", 1100000},
		{"missing inputs", mempool.Error{Err: mempool.ErrMissingInputs, Description: "bad-txns-inputs-missingorspent"},
			nil, rpcjson.ErrRPCVerify, "bad-txns-inputs-missingorspent", 1100000},
		{"fee above maxfeerate", nil, []any{"0.00001"}, rpcjson.ErrRPCVerify,
			"Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)", 1000 * 110 / 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHandlerEnv(t, regtestParams(t), func(e *handlerEnv, _ *Config) {
				e.pool.acceptErr = tc.acceptErr
			})
			if e.spend.VSize() != 110 {
				t.Fatalf("spend vsize %d; the caps above assume 110", e.spend.VSize())
			}
			txid := e.spend.TxHash()
			res, rerr := e.call(t, "sendrawtransaction", append([]any{txHex(e.spend)}, tc.params...)...)
			if len(e.pool.maxFees) != 1 || e.pool.maxFees[0] != tc.maxFee {
				t.Fatalf("pool caps %v, want %d", e.pool.maxFees, tc.maxFee)
			}
			if tc.code != 0 {
				if rerr == nil || rerr.Code != tc.code || rerr.Message != tc.msg {
					t.Fatalf("got %s %v, want %d %q", res, rerr, tc.code, tc.msg)
				}
				if len(e.relay.relayed) != 0 || len(e.pool.unbroadcast) != 0 {
					t.Fatalf("rejected transaction relayed %v, unbroadcast %v", e.relay.relayed, e.pool.unbroadcast)
				}
				return
			}
			if rerr != nil || string(res) != `"`+txid.String()+`"` {
				t.Fatalf("got %s %v", res, rerr)
			}
			if len(e.relay.relayed) != 1 || e.relay.relayed[0] != txid {
				t.Fatalf("relayed %v", e.relay.relayed)
			}
			if len(e.pool.unbroadcast) != 1 || e.pool.unbroadcast[0] != txid {
				t.Fatalf("unbroadcast %v", e.pool.unbroadcast)
			}
			// Sent again, it is in the pool: its txid, without a second
			// acceptance.
			if res, rerr := e.call(t, "sendrawtransaction", txHex(e.spend)); rerr != nil ||
				string(res) != `"`+txid.String()+`"` || len(e.pool.maxFees) != 1 {
				t.Fatalf("again: %s %v", res, rerr)
			}
		})
	}
	// Outputs already in the UTXO set.
	e := newHandlerEnv(t, regtestParams(t), nil)
	e.chain.utxos[wire.OutPoint{Hash: e.spend.TxHash()}] = &blockchain.UtxoEntry{Amount: 90000}
	if _, rerr := e.call(t, "sendrawtransaction", txHex(e.spend)); rerr == nil ||
		rerr.Code != rpcjson.ErrRPCVerifyAlreadyInChain || rerr.Message != "Transaction outputs already in utxo set" {
		t.Fatalf("already in chain: %v", rerr)
	}
}

// TestHandlerNet checks the network methods against the stub P2P side.
func TestHandlerNet(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), func(e *handlerEnv, _ *Config) {
		e.peers.inbound, e.peers.outbound = 1, 1
		e.peers.peers = []PeerInfo{
			{ID: 7, Addr: "8.8.8.8:8333", Services: wire.SFNodeNetwork | wire.SFNodeWitness, Inbound: true,
				ConnectionType: "inbound", PingTime: 1500 * time.Millisecond, FeeFilter: 1000,
				BytesSentByMsg: map[string]uint64{"ping": 32}, WantsWtxid: true, Whitelisted: true,
				Transport: "v1"},
			{ID: 3, Addr: "10.0.0.1:18444", ConnectionType: "manual", RelayTxes: true, AddrRelay: true,
				ConnTime: time.Unix(1700000000, 0), Transport: "v2", SessionID: strings.Repeat("ab", 32)},
		}
		na, _ := wire.NewNetAddressV2(wire.NetIPv4, []byte{11, 4, 0, 1}, 18444, wire.SFNodeNetwork,
			time.Unix(1700000000, 0))
		na6, _ := wire.NewNetAddressV2(wire.NetIPv6, netip.MustParseAddr("2001:4860::8888").AsSlice(), 8333,
			0, time.Unix(1700000000, 0))
		e.peers.addrs = []*wire.NetAddressV2{na, na6}
	})
	tests := []struct {
		name   string
		method string
		params []any
		check  func(t *testing.T, raw json.RawMessage)
	}{
		{"getconnectioncount", "getconnectioncount", nil, wantJSON(`2`)},
		{"getpeerinfo", "getpeerinfo", nil, func(t *testing.T, raw json.RawMessage) {
			var r []map[string]any
			json.Unmarshal(raw, &r)
			if len(r) != 2 || r[0]["id"] != 3.0 || r[1]["id"] != 7.0 {
				t.Fatalf("order: %s", raw)
			}
			p := r[1]
			if p["addr"] != "8.8.8.8:8333" || p["network"] != "ipv4" || p["services"] != "0000000000000009" ||
				p["pingtime"] != 1.5 || p["minping"] != nil || p["inbound"] != true ||
				p["connection_type"] != "inbound" || p["minfeefilter"] != 0.00001 || p["wtxidrelay"] != true ||
				p["transport_protocol_type"] != "v1" || p["presynced_headers"] != -1.0 ||
				fmt.Sprint(p["permissions"]) != "[noban relay mempool download addr]" ||
				fmt.Sprint(p["bytessent_per_msg"]) != "map[ping:32]" {
				t.Fatalf("peer 7: %v", p)
			}
			q := r[0]
			if q["network"] != "not_publicly_routable" || q["relaytxes"] != true || q["addr_relay_enabled"] != true ||
				q["conntime"] != 1700000000.0 || q["lastsend"] != 0.0 || fmt.Sprint(q["permissions"]) != "[]" ||
				q["transport_protocol_type"] != "v2" || q["session_id"] != strings.Repeat("ab", 32) ||
				p["session_id"] != "" {
				t.Fatalf("peer 3: %v", q)
			}
		}},
		{"getnetworkinfo", "getnetworkinfo", nil, func(t *testing.T, raw json.RawMessage) {
			var r struct {
				Version        int      `json:"version"`
				Subversion     string   `json:"subversion"`
				LocalServices  string   `json:"localservices"`
				Names          []string `json:"localservicesnames"`
				Connections    int      `json:"connections"`
				ConnectionsIn  int      `json:"connections_in"`
				ConnectionsOut int      `json:"connections_out"`
				RelayFee       float64  `json:"relayfee"`
				Local          []struct {
					Address string `json:"address"`
					Port    uint16 `json:"port"`
				} `json:"localaddresses"`
				Networks []struct {
					Name      string `json:"name"`
					Reachable bool   `json:"reachable"`
				} `json:"networks"`
			}
			json.Unmarshal(raw, &r)
			if r.Version != 300000 || r.Subversion != "/Satoshi:30.0.0/ternd:0.1.0/" || r.LocalServices != "0000000000000009" ||
				fmt.Sprint(r.Names) != "[NETWORK WITNESS]" || r.Connections != 2 || r.ConnectionsIn != 1 ||
				r.ConnectionsOut != 1 || r.RelayFee != 0.000001 || len(r.Local) != 1 ||
				r.Local[0].Address != "11.1.2.3" || r.Local[0].Port != 8333 || len(r.Networks) != 5 ||
				!r.Networks[0].Reachable || r.Networks[2].Reachable {
				t.Fatalf("%s", raw)
			}
		}},
		{"getnettotals", "getnettotals", nil, func(t *testing.T, raw json.RawMessage) {
			if !strings.HasPrefix(string(raw), `{"timemillis":`) ||
				!strings.Contains(string(raw), `"totalbytesrecv":200,"totalbytessent":100`) {
				t.Fatalf("%s", raw)
			}
		}},
		{"getnodeaddresses all", "getnodeaddresses", []any{0}, wantJSON(`[` +
			`{"time":1700000000,"services":1,"address":"11.4.0.1","port":18444,"network":"ipv4"},` +
			`{"time":1700000000,"services":0,"address":"2001:4860::8888","port":8333,"network":"ipv6"}]`)},
		{"getnodeaddresses default count", "getnodeaddresses", nil, func(t *testing.T, raw json.RawMessage) {
			if strings.Count(string(raw), `"address"`) != 1 {
				t.Fatalf("%s", raw)
			}
		}},
		{"getnodeaddresses ipv6", "getnodeaddresses", []any{0, "ipv6"}, func(t *testing.T, raw json.RawMessage) {
			if strings.Count(string(raw), `"address"`) != 1 || !strings.Contains(string(raw), `"ipv6"`) {
				t.Fatalf("%s", raw)
			}
		}},
		{"ping", "ping", nil, wantJSON(`null`)},
		{"disconnectnode by address", "disconnectnode", []any{"8.8.8.8:8333"}, wantJSON(`null`)},
		{"disconnectnode by id", "disconnectnode", []any{"", 3}, wantJSON(`null`)},
		{"addpeeraddress", "addpeeraddress", []any{"11.5.0.1", 8333}, wantJSON(`{"success":true}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, e.mustCall(t, nil, tc.method, tc.params...))
		})
	}
	if e.peers.pings != 1 {
		t.Fatalf("ping sent %d times", e.peers.pings)
	}
	e.peers.addErr = ErrNotTried
	if raw := e.mustCall(t, nil, "addpeeraddress", "11.5.0.2", 8333, true); string(raw) !=
		`{"error":"failed-adding-to-tried","success":false}` {
		t.Fatalf("addpeeraddress tried: %s", raw)
	}
	e.peers.addErr = ErrAddressRefused
	if raw := e.mustCall(t, nil, "addpeeraddress", "127.0.0.1", 8333); string(raw) != `{"success":false}` {
		t.Fatalf("addpeeraddress refused: %s", raw)
	}
	if fmt.Sprint(e.peers.addedAddr) != "[11.5.0.1:8333:false 11.5.0.2:8333:true 127.0.0.1:8333:false]" {
		t.Fatalf("addresses added: %v", e.peers.addedAddr)
	}

	// Before the P2P server runs, Core's -31.
	e.peers.running = false
	for _, m := range []string{"getconnectioncount", "getpeerinfo", "ping", "getaddednodeinfo"} {
		if _, rerr := e.call(t, m); rerr == nil || rerr.Code != -31 ||
			rerr.Message != "Error: Peer-to-peer functionality missing or disabled" {
			t.Errorf("%s before start: %v", m, rerr)
		}
	}
}

// TestHandlerAddNode walks addnode's add, duplicate, onetry and remove.
func TestHandlerAddNode(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	steps := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
		want   string
	}{
		{"add", "addnode", []any{"11.1.1.1", "add"}, 0, "", `null`},
		{"add again", "addnode", []any{"11.1.1.1", "add"}, -23, "Error: Node already added", ""},
		{"onetry", "addnode", []any{"11.2.2.2:8333", "onetry"}, 0, "", `null`},
		{"listed", "getaddednodeinfo", nil, 0, "",
			`[{"addednode":"11.1.1.1","connected":false,"addresses":[]}]`},
		{"listed by name", "getaddednodeinfo", []any{"11.1.1.1"}, 0, "",
			`[{"addednode":"11.1.1.1","connected":false,"addresses":[]}]`},
		{"unknown name", "getaddednodeinfo", []any{"11.9.9.9"}, rpcjson.ErrRPCClientNodeNotAdded,
			"Error: Node has not been added.", ""},
		{"remove", "addnode", []any{"11.1.1.1", "remove"}, 0, "", `null`},
		{"remove again", "addnode", []any{"11.1.1.1", "remove"}, rpcjson.ErrRPCClientNodeNotAdded,
			"Error: Node could not be removed. It has not been added previously.", ""},
		{"empty list", "getaddednodeinfo", nil, 0, "", `[]`},
	}
	for _, st := range steps {
		res, rerr := e.call(t, st.method, st.params...)
		switch {
		case st.code != 0 && (rerr == nil || rerr.Code != st.code || rerr.Message != st.msg):
			t.Fatalf("%s: got %s %v, want %d %q", st.name, res, rerr, st.code, st.msg)
		case st.code == 0 && (rerr != nil || string(res) != st.want):
			t.Fatalf("%s: got %s %v, want %s", st.name, res, rerr, st.want)
		}
	}
}

// TestHandlerAddNodeV2Transport checks addnode's v2transport argument as
// Core: it defaults to whether the node speaks v2, false dials v1, and
// asking for v2 from a node that has it off is an error.
func TestHandlerAddNodeV2Transport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v2On    bool
		params  []any
		code    rpcjson.RPCErrorCode
		wantV2  bool
		addrKey string
	}{
		{"default with v2 on", true, []any{"11.3.3.3", "onetry"}, 0, true, "11.3.3.3"},
		{"v1 asked with v2 on", true, []any{"11.3.3.4", "add", false}, 0, false, "11.3.3.4"},
		{"v2 asked with v2 on", true, []any{"11.3.3.5", "add", true}, 0, true, "11.3.3.5"},
		{"default with v2 off", false, []any{"11.3.3.6", "onetry"}, 0, false, "11.3.3.6"},
		{"v2 asked with v2 off", false, []any{"11.3.3.7", "onetry", true}, rpcjson.ErrRPCInvalidParameter, false, ""},
		{"not a boolean", true, []any{"11.3.3.8", "add", "yes"}, rpcjson.ErrRPCType, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHandlerEnv(t, regtestParams(t), nil)
			if tc.v2On {
				e.peers.services = wire.SFNodeNetwork | wire.SFNodeWitness | wire.SFNodeP2PV2
			}
			_, rerr := e.call(t, "addnode", tc.params...)
			if tc.code != 0 {
				if rerr == nil || rerr.Code != tc.code {
					t.Fatalf("got %v, want code %d", rerr, tc.code)
				}
				if len(e.peers.v2) != 0 {
					t.Fatalf("a refused addnode reached the manager: %v", e.peers.v2)
				}
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got, ok := e.peers.v2[tc.addrKey]; !ok || got != tc.wantV2 {
				t.Fatalf("AddNode v2 = %v (called %v), want %v", got, ok, tc.wantV2)
			}
		})
	}
}

// TestHandlerSetBan walks setban, listbanned and clearbanned.
func TestHandlerSetBan(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	steps := []struct {
		name   string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
	}{
		{"ban a subnet for an hour", []any{"11.9.0.0/16", "add", 3600}, 0, ""},
		{"ban it again", []any{"11.9.0.0/16", "add"}, -23, "Error: IP/Subnet already banned"},
		{"ban until a time", []any{"11.10.0.1", "add", 2000000000, true}, 0, ""},
		{"unban", []any{"11.10.0.1", "remove"}, 0, ""},
		{"unban again", []any{"11.10.0.1", "remove"}, -30,
			"Error: Unban failed. Requested address/subnet was not previously manually banned."},
		{"unban a bad subnet", []any{"x", "remove"}, -30, "Error: Invalid IP/Subnet"},
	}
	for _, st := range steps {
		res, rerr := e.call(t, "setban", st.params...)
		switch {
		case st.code != 0 && (rerr == nil || rerr.Code != st.code || rerr.Message != st.msg):
			t.Fatalf("%s: got %s %v, want %d %q", st.name, res, rerr, st.code, st.msg)
		case st.code == 0 && (rerr != nil || string(res) != `null`):
			t.Fatalf("%s: got %s %v", st.name, res, rerr)
		}
	}
	var bans []struct {
		Address       string `json:"address"`
		BanDuration   int64  `json:"ban_duration"`
		TimeRemaining int64  `json:"time_remaining"`
	}
	e.mustCall(t, &bans, "listbanned")
	if len(bans) != 1 || bans[0].Address != "11.9.0.0/16" || bans[0].BanDuration != 3600 ||
		bans[0].TimeRemaining < 3590 || bans[0].TimeRemaining > 3600 {
		t.Fatalf("listbanned %+v", bans)
	}
	e.mustCall(t, nil, "clearbanned")
	if raw := e.mustCall(t, nil, "listbanned"); string(raw) != `[]` {
		t.Fatalf("after clearbanned: %s", raw)
	}
}

// TestHandlerGetBlockTemplatePeers checks Core's -9 "not connected" on
// mainnet: it answers with no peer and no longer with one connected peer
// (inbound or outbound), counted by the P2P server as Core's GetNodeCount;
// test chains never need peers.
func TestHandlerGetBlockTemplatePeers(t *testing.T) {
	req := map[string]any{"rules": []string{"segwit"}}
	tests := []struct {
		name     string
		params   *chaincfg.Params
		in, out  int
		noP2P    bool
		current  bool
		code     rpcjson.RPCErrorCode
		msg      string
		template bool
	}{
		{"mainnet without peers", &chaincfg.MainNetParams, 0, 0, false, true,
			rpcjson.ErrRPCClientNotConnected, "Bitcoin Core is not connected!", false},
		{"mainnet without a P2P server", &chaincfg.MainNetParams, 0, 0, true, true,
			rpcjson.ErrRPCClientNotConnected, "Bitcoin Core is not connected!", false},
		{"mainnet with one outbound peer", &chaincfg.MainNetParams, 0, 1, false, true, 0, "", true},
		{"mainnet with one inbound peer", &chaincfg.MainNetParams, 1, 0, false, true, 0, "", true},
		{"mainnet with a peer in initial download", &chaincfg.MainNetParams, 0, 1, false, false,
			rpcjson.ErrRPCClientInInitialDownld, "Bitcoin Core is in initial sync and waiting for blocks...", false},
		{"regtest without peers", regtestParams(t), 0, 0, false, false, 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHandlerEnv(t, tc.params, func(e *handlerEnv, cfg *Config) {
				e.peers.inbound, e.peers.outbound = tc.in, tc.out
				e.chain.current = tc.current
				if tc.noP2P {
					cfg.PeerServer, cfg.ConnManager, cfg.BanManager, cfg.AddrManager = nil, nil, nil, nil
				}
			})
			res, rerr := e.call(t, "getblocktemplate", req)
			if tc.code != 0 {
				if rerr == nil || rerr.Code != tc.code || rerr.Message != tc.msg {
					t.Fatalf("got %s %v, want %d %q", res, rerr, tc.code, tc.msg)
				}
				if e.gen.templates != 0 {
					t.Fatal("a template was built")
				}
				return
			}
			var r struct {
				Height   int32  `json:"height"`
				Previous string `json:"previousblockhash"`
				Value    int64  `json:"coinbasevalue"`
				Rules    []string
				Commit   string `json:"default_witness_commitment"`
			}
			if rerr != nil || json.Unmarshal(res, &r) != nil {
				t.Fatalf("got %s %v", res, rerr)
			}
			if r.Height != 2 || r.Previous != e.chain.blocks[1].BlockHash().String() || r.Value != 50e8 ||
				r.Commit == "" || e.gen.templates != 1 {
				t.Fatalf("template %s", res)
			}
		})
	}
}

// TestHandlerMining checks generatetoaddress, generateblock's
// TestBlockValidity error and submitblock's BIP22 results on stubs.
func TestHandlerMining(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	var hashes []string
	e.mustCall(t, &hashes, "generatetoaddress", 2, e.wallet.Addr)
	if len(hashes) != 2 || hashes[0] != (chainhash.Hash{1}).String() {
		t.Fatalf("generatetoaddress %v", hashes)
	}
	if _, rerr := e.call(t, "generatetoaddress", 1, "bcrt1qnotanaddress"); rerr == nil ||
		rerr.Code != rpcjson.ErrRPCInvalidAddressOrKey || rerr.Message != "Error: Invalid address" {
		t.Fatalf("bad address: %v", rerr)
	}
	var gen map[string]string
	e.mustCall(t, &gen, "generateblock", e.wallet.Addr, []string{txHex(e.spend)}, false)
	if gen["hash"] == "" || gen["hex"] == "" {
		t.Fatalf("generateblock %v", gen)
	}
	e.gen.invalid = blockchain.Error{Err: blockchain.ErrBadMerkleRoot, Description: "bad merkle root"}
	if _, rerr := e.call(t, "generateblock", e.wallet.Addr, []string{}); rerr == nil ||
		rerr.Code != rpcjson.ErrRPCVerify || rerr.Message != "TestBlockValidity failed: bad-txnmrklroot" {
		t.Fatalf("invalid block: %v", rerr)
	}
	// submitblock: a known block is a duplicate, a new one is processed.
	known := hex.EncodeToString(e.chain.blocks[1].Bytes())
	if raw := e.mustCall(t, nil, "submitblock", known); string(raw) != `"duplicate"` {
		t.Fatalf("known block: %s", raw)
	}
	tmpl, _ := e.gen.NewBlockTemplate(e.wallet.PkScript, e.gen.MiningTip())
	if raw := e.mustCall(t, nil, "submitblock", hex.EncodeToString(tmpl.Block.Bytes())); string(raw) != `null` ||
		len(e.chain.processed) != 1 {
		t.Fatalf("new block: %s", raw)
	}
	e.mustCall(t, nil, "invalidateblock", e.chain.blocks[1].BlockHash().String())
	if len(e.chain.invalidated) != 1 {
		t.Fatal("invalidateblock did not reach the chain")
	}
}

// TestHandlerControl checks uptime, help and stop.
func TestHandlerControl(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), func(_ *handlerEnv, cfg *Config) {
		cfg.StartTime = time.Now().Add(-90 * time.Second)
	})
	var up int64
	e.mustCall(t, &up, "uptime")
	if up < 90 || up > 100 {
		t.Fatalf("uptime %d", up)
	}
	var help string
	e.mustCall(t, &help, "help")
	for _, want := range []string{"== Blockchain ==", "getblockcount", "== Network ==", "getpeerinfo",
		"== Control ==", "stop", "== Rawtransactions ==", "sendrawtransaction"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	e.mustCall(t, &help, "help", "getblockhash")
	if !strings.HasPrefix(help, "getblockhash height\n\nReturns hash of block in best-block-chain") {
		t.Errorf("help getblockhash: %q", help)
	}
	var stopped string
	e.mustCall(t, &stopped, "stop")
	if stopped != "ternd stopping" || e.shutdown.n != 1 {
		t.Fatalf("stop: %q, %d requests", stopped, e.shutdown.n)
	}
}

// TestHandlerTable checks which methods New registers for which
// dependencies: the control methods always, the node's with Chain, the
// network ones with PeerServer.
func TestHandlerTable(t *testing.T) {
	tests := []struct {
		name          string
		adjust        func(*handlerEnv, *Config)
		chain, net    bool
		wantInControl string
	}{
		{"everything", nil, true, true, "stop"},
		{"no P2P", func(_ *handlerEnv, c *Config) { c.PeerServer = nil }, true, false, "stop"},
		{"no node", func(_ *handlerEnv, c *Config) { c.Chain = nil }, false, true, "stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHandlerEnv(t, regtestParams(t), tc.adjust)
			_, chainOK := e.srv.method("getblockcount")
			_, netOK := e.srv.method("getpeerinfo")
			_, ctlOK := e.srv.method(tc.wantInControl)
			if chainOK != tc.chain || netOK != tc.net || !ctlOK {
				t.Fatalf("getblockcount %v getpeerinfo %v %s %v", chainOK, netOK, tc.wantInControl, ctlOK)
			}
		})
	}
}

// BenchmarkExecuteGetBlock measures getblock at verbosity 2 through the
// method table on the stub chain (parameters, the handler, TxToUniv of
// each transaction, the JSON encoding).
func BenchmarkExecuteGetBlock(b *testing.B) {
	e := newHandlerEnv(b, regtestParams(b), nil)
	params := json.RawMessage(`["` + e.chain.blocks[1].BlockHash().String() + `",2]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, rerr := e.srv.Execute(context.Background(), "getblock", params); rerr != nil {
			b.Fatal(rerr)
		}
	}
}

// BenchmarkExecuteSendRawTransaction measures sendrawtransaction through
// the method table, up to the stub pool (decoding, the UTXO check, the fee
// cap, the relay hand-off).
func BenchmarkExecuteSendRawTransaction(b *testing.B) {
	e := newHandlerEnv(b, regtestParams(b), nil)
	params := json.RawMessage(`["` + txHex(e.spend) + `"]`)
	txid := e.spend.TxHash()
	b.ReportAllocs()
	for b.Loop() {
		if _, rerr := e.srv.Execute(context.Background(), "sendrawtransaction", params); rerr != nil {
			b.Fatal(rerr)
		}
		e.pool.mu.Lock()
		delete(e.pool.descs, txid)
		e.pool.unbroadcast = e.pool.unbroadcast[:0]
		e.pool.maxFees = e.pool.maxFees[:0]
		e.pool.mu.Unlock()
		e.relay.relayed = e.relay.relayed[:0]
	}
}

// FuzzHandlers runs every method of the table on the stubs with arbitrary
// parameters: a handler may refuse them but never panic (the server
// reports a recovered panic as -32603 "Internal error"). The methods
// whose stubs have no answer are left out.
func FuzzHandlers(f *testing.F) {
	e := newHandlerEnv(f, regtestParams(f), nil)
	skip := map[string]bool{"testmempoolaccept": true, "submitpackage": true, "gettxoutsetinfo": true}
	var names []string
	for _, m := range e.srv.sortedMethods() {
		if !skip[m.Name] {
			names = append(names, m.Name)
		}
	}
	hash := e.chain.blocks[1].BlockHash().String()
	for i, seed := range []string{`[]`, `["` + hash + `",2]`, `[1]`, `[-1]`, `{"verbose":true}`,
		`["` + txHex(e.spend) + `","0.5"]`, `[{"rules":["segwit"]}]`, `["11.0.0.0/8","add",1,true]`,
		`[null,null,null]`, `[[{"txid":"00","vout":-1}]]`} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, m uint8, params string) {
		method := names[int(m)%len(names)]
		// The waitfor methods wait as long as asked (0: for ever) unless
		// the request ends; a short deadline ends each call.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, rerr := e.srv.Execute(ctx, method, json.RawMessage(params))
		if rerr != nil && rerr.Code == rpcjson.ErrRPCInternal && rerr.Message == "Internal error" {
			t.Fatalf("%s %s: handler panicked", method, params)
		}
	})
}

// TestAttachBackends checks the start-up path of a daemon that serves RPC
// before its chain exists: built without backends, the node's methods
// answer -28 during warm-up and are not in the table; Attach adds them,
// they answer once warm-up ends, and a second Attach is refused.
func TestAttachBackends(t *testing.T) {
	var backends Backends
	e := newHandlerEnv(t, regtestParams(t), func(_ *handlerEnv, cfg *Config) {
		backends, cfg.Backends = cfg.Backends, Backends{}
	})
	if _, rerr := e.call(t, "getblockcount"); rerr == nil || rerr.Code != rpcjson.ErrRPCMethodNotFound {
		t.Fatalf("getblockcount without backends: %+v", rerr)
	}
	e.srv.SetWarmup("Loading block index...")
	if _, rerr := e.call(t, "getblockcount"); rerr == nil || rerr.Code != rpcjson.ErrRPCInWarmup ||
		rerr.Message != "Loading block index..." {
		t.Fatalf("getblockcount in warm-up: %+v", rerr)
	}
	if err := e.srv.Attach(backends); err != nil {
		t.Fatal(err)
	}
	if _, rerr := e.call(t, "getpeerinfo"); rerr == nil || rerr.Code != rpcjson.ErrRPCInWarmup {
		t.Fatalf("getpeerinfo attached, still in warm-up: %+v", rerr)
	}
	e.srv.SetWarmupFinished()
	var height int32
	e.mustCall(t, &height, "getblockcount")
	if height != e.chain.BestSnapshot().Height {
		t.Fatalf("getblockcount %d, want %d", height, e.chain.BestSnapshot().Height)
	}
	e.mustCall(t, nil, "getpeerinfo")
	if err := e.srv.Attach(backends); err == nil {
		t.Fatal("second Attach accepted")
	}
}
