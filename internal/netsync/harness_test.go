package netsync

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// opTrue is an anyone-can-spend output script.
var opTrue = []byte{0x51}

// fakeClock is an injectable clock, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// remoteChain is a linear chain of regtest blocks played by fake peers.
type remoteChain struct {
	blocks []*wire.MsgBlock // blocks[0] is genesis
	byHash map[chainhash.Hash]int
}

// buildChain builds n regtest blocks on genesis, one minute apart from
// start; bad, when not nil, may spoil a block (by height) before solving.
func buildChain(t testing.TB, n int, start time.Time, bad func(height int32, b *wire.MsgBlock)) *remoteChain {
	t.Helper()
	params := &chaincfg.RegressionNetParams
	rc := &remoteChain{byHash: make(map[chainhash.Hash]int)}
	rc.blocks = append(rc.blocks, params.GenesisBlock)
	rc.byHash[*params.GenesisHash] = 0
	return rc.extend(t, n, start, bad)
}

// extend adds n blocks to the chain.
func (rc *remoteChain) extend(t testing.TB, n int, start time.Time, bad func(int32, *wire.MsgBlock)) *remoteChain {
	t.Helper()
	params := &chaincfg.RegressionNetParams
	for i := 0; i < n; i++ {
		height := int32(len(rc.blocks))
		prev := rc.blocks[height-1]
		cb := mining.CoinbaseTx(height, uint64(i), opTrue, standalone.CalcBlockSubsidy(height, params))
		blk := &wire.MsgBlock{
			Header: wire.BlockHeader{
				Version:   0x20000000,
				PrevBlock: prev.BlockHash(),
				Timestamp: start.Add(time.Duration(height) * time.Minute),
				Bits:      params.PowLimitBits,
			},
			Transactions: []*wire.MsgTx{cb},
		}
		if bad != nil {
			bad(height, blk)
		}
		blk.Header.MerkleRoot, _ = standalone.BlockMerkleRoot(blk.Transactions)
		if err := mining.SolveBlock(context.Background(), &blk.Header); err != nil {
			t.Fatalf("solve: %v", err)
		}
		rc.blocks = append(rc.blocks, blk)
		rc.byHash[blk.BlockHash()] = int(height)
	}
	return rc
}

// tip returns the chain's last block and height.
func (rc *remoteChain) tip() (*wire.MsgBlock, int32) {
	return rc.blocks[len(rc.blocks)-1], int32(len(rc.blocks) - 1)
}

// headersAfter answers a getheaders.
func (rc *remoteChain) headersAfter(loc []*chainhash.Hash, stop chainhash.Hash) *wire.MsgHeaders {
	start := 0
	for _, h := range loc {
		if i, ok := rc.byHash[*h]; ok {
			start = i
			break
		}
	}
	msg := wire.NewMsgHeaders()
	for i := start + 1; i < len(rc.blocks) && len(msg.Headers) < wire.MaxBlockHeadersPerMsg; i++ {
		h := rc.blocks[i].Header
		_ = msg.AddBlockHeader(&h)
		if rc.blocks[i].BlockHash() == stop {
			break
		}
	}
	return msg
}

// fakePeer records what the manager queues to it and, when it has a
// remote chain, answers getheaders and getdata from it on its own
// goroutine, as a remote node would.
type fakePeer struct {
	id       int32
	services wire.ServiceFlag
	height   int32
	headers  bool
	wtxid    bool
	inbound  bool
	remote   *remoteChain
	txs      map[chainhash.Hash]*wire.MsgTx // served by txid and wtxid
	// stall makes it ignore block requests.
	stall atomic.Bool

	sm       *SyncManager
	inbox    chan wire.Message
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	sent     []wire.Message
	misbehav []string
	gone     atomic.Bool
	served   atomic.Int32

	syncedHeaders, syncedBlocks atomic.Int32

	// known and lastTx are what the manager marks on a transaction's
	// source (txSource); guarded by mu.
	known  map[wire.InvVect]bool
	lastTx time.Time
}

// AddKnownInventory implements txSource.
func (fp *fakePeer) AddKnownInventory(iv *wire.InvVect) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.known == nil {
		fp.known = make(map[wire.InvVect]bool)
	}
	fp.known[*iv] = true
}

// SetLastTx implements txSource.
func (fp *fakePeer) SetLastTx(t time.Time) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.lastTx = t
}

// knows reports whether the manager marked the inventory as known.
func (fp *fakePeer) knows(typ wire.InvType, hash chainhash.Hash) bool {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.known[wire.InvVect{Type: typ, Hash: hash}]
}

// lastTxTime returns the time the manager last recorded.
func (fp *fakePeer) lastTxTime() time.Time {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.lastTx
}

// newFakePeer makes a full witness peer; call run to start its remote.
func newFakePeer(t testing.TB, sm *SyncManager, id int32, remote *remoteChain) *fakePeer {
	fp := &fakePeer{id: id, services: wire.SFNodeNetwork | wire.SFNodeWitness, remote: remote,
		sm: sm, inbox: make(chan wire.Message, 100000), stop: make(chan struct{}),
		txs: make(map[chainhash.Hash]*wire.MsgTx)}
	if remote != nil {
		_, fp.height = remote.tip()
	}
	fp.wg.Add(1)
	go fp.loop()
	t.Cleanup(func() { close(fp.stop); fp.wg.Wait() })
	return fp
}

func (fp *fakePeer) ID() int32                  { return fp.id }
func (fp *fakePeer) Addr() string               { return "fake" }
func (fp *fakePeer) Services() wire.ServiceFlag { return fp.services }
func (fp *fakePeer) StartingHeight() int32      { return fp.height }
func (fp *fakePeer) WantsHeaders() bool         { return fp.headers }
func (fp *fakePeer) WantsWtxid() bool           { return fp.wtxid }
func (fp *fakePeer) Disconnect(error)           { fp.gone.Store(true) }
func (fp *fakePeer) Inbound() bool              { return fp.inbound }

func (fp *fakePeer) SetSyncedHeights(headers, blocks int32) {
	fp.syncedHeaders.Store(headers)
	fp.syncedBlocks.Store(blocks)
}

func (fp *fakePeer) Misbehaving(score uint32, reason string) {
	fp.mu.Lock()
	fp.misbehav = append(fp.misbehav, reason)
	fp.mu.Unlock()
}

func (fp *fakePeer) QueueMessage(msg wire.Message, done chan<- struct{}) error {
	fp.mu.Lock()
	fp.sent = append(fp.sent, msg)
	fp.mu.Unlock()
	if done != nil {
		done <- struct{}{}
	}
	if fp.remote != nil || len(fp.txs) > 0 {
		select {
		case fp.inbox <- msg:
		default:
		}
	}
	return nil
}

// loop plays the remote node.
func (fp *fakePeer) loop() {
	defer fp.wg.Done()
	for {
		select {
		case <-fp.stop:
			return
		case msg := <-fp.inbox:
			if fp.gone.Load() {
				continue
			}
			switch m := msg.(type) {
			case *wire.MsgGetHeaders:
				if fp.remote != nil {
					_ = fp.sm.QueueHeaders(fp.remote.headersAfter(m.BlockLocatorHashes, m.HashStop), fp)
				}
			case *wire.MsgGetData:
				fp.serveGetData(m)
			}
		}
	}
}

// serveGetData answers block and transaction requests.
func (fp *fakePeer) serveGetData(m *wire.MsgGetData) {
	nf := wire.NewMsgNotFound()
	for _, iv := range m.InvList {
		switch iv.Type {
		case wire.InvTypeWitnessBlock, wire.InvTypeBlock:
			if fp.stall.Load() || fp.remote == nil {
				continue
			}
			i, ok := fp.remote.byHash[iv.Hash]
			if !ok {
				_ = nf.AddInvVect(iv)
				continue
			}
			done := make(chan struct{}, 1)
			fp.served.Add(1)
			if fp.sm.QueueBlock(fp.remote.blocks[i], fp, done) != nil {
				return
			}
			select {
			case <-done:
			case <-fp.stop:
				return
			}
		default:
			if tx, ok := fp.txs[iv.Hash]; ok {
				_ = fp.sm.QueueTx(tx, fp, nil)
			} else {
				_ = nf.AddInvVect(iv)
			}
		}
	}
	if len(nf.InvList) > 0 {
		_ = fp.sm.QueueNotFound(nf, fp)
	}
}

// messages returns the messages queued to the peer so far.
func (fp *fakePeer) messages() []wire.Message {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return append([]wire.Message(nil), fp.sent...)
}

// misbehaviour returns the reasons reported so far.
func (fp *fakePeer) misbehaviour() []string {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return append([]string(nil), fp.misbehav...)
}

// getDataItems returns every item the peer was asked for with getdata.
func (fp *fakePeer) getDataItems() []wire.InvVect {
	var out []wire.InvVect
	for _, m := range fp.messages() {
		if gd, ok := m.(*wire.MsgGetData); ok {
			for _, iv := range gd.InvList {
				out = append(out, *iv)
			}
		}
	}
	return out
}

// nopPool is a TxPool for block tests: it has nothing.
type nopPool struct{}

func (nopPool) ProcessTransaction(*wire.MsgTx, bool, mempool.Tag) ([]*mempool.TxDesc, []chainhash.Hash, error) {
	return nil, nil, mempool.ErrNoVerifier
}
func (nopPool) HaveTransaction(*chainhash.Hash) bool { return false }
func (nopPool) FetchTransaction(*chainhash.Hash) (*wire.MsgTx, error) {
	return nil, mempool.ErrNoVerifier
}
func (nopPool) RemoveOrphansByTag(mempool.Tag) int { return 0 }
func (nopPool) OrphanChildren(chainhash.Hash, mempool.Tag) []*wire.MsgTx {
	return nil
}
func (nopPool) RemoveOrphan(chainhash.Hash) bool { return false }
func (nopPool) SubmitPackage([]*wire.MsgTx, mempool.FeeRate) *mempool.PackageSubmitResult {
	return &mempool.PackageSubmitResult{PackageErr: mempool.ErrNoVerifier}
}

// harness is a regtest chain on a temporary store with a running manager.
type harness struct {
	t      testing.TB
	chain  *blockchain.BlockChain
	sm     *SyncManager
	clock  *fakeClock
	cancel context.CancelFunc
	done   chan struct{}
}

// newHarness opens a chain and starts a manager configured by tweak.
func newHarness(t testing.TB, pool TxPool, tweak func(*Config)) *harness {
	t.Helper()
	return newHarnessParams(t, &chaincfg.RegressionNetParams, pool, tweak)
}

// newHarnessParams is newHarness on a chain with params.
func newHarnessParams(t testing.TB, params *chaincfg.Params, pool TxPool, tweak func(*Config)) *harness {
	t.Helper()
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: newFakeClock(time.Now())}
	var smp atomic.Pointer[SyncManager]
	h.chain, err = blockchain.New(&blockchain.Config{
		DB:          db,
		ChainParams: params,
		Notifications: func(n *blockchain.Notification) {
			if n.Type == blockchain.NTBlockConnected {
				if sm := smp.Load(); sm != nil {
					sm.BlockConnected(n.Block, n.Hash, n.Height)
				}
			}
		},
	})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if pool == nil {
		pool = nopPool{}
	}
	cfg := &Config{Chain: h.chain, TxPool: pool, Now: h.clock.Now, TickInterval: 2 * time.Millisecond}
	if tweak != nil {
		tweak(cfg)
	}
	h.sm, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	smp.Store(h.sm)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan struct{})
	go func() { h.sm.Run(ctx); close(h.done) }()
	t.Cleanup(func() {
		cancel()
		<-h.done
		db.Close()
	})
	return h
}

// height returns the chain's tip height.
func (h *harness) height() int32 { return h.chain.BestSnapshot().Height }

// waitFor polls cond (every millisecond, up to 30 s of wall time).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// sync waits until the event goroutine handled everything queued before.
func (h *harness) sync() {
	h.t.Helper()
	if err := h.sm.do(func() {}); err != nil {
		h.t.Fatal(err)
	}
}

// processAll feeds the chain the remote's blocks 1..upto directly.
func (h *harness) processAll(rc *remoteChain, upto int) {
	h.t.Helper()
	for i := 1; i <= upto; i++ {
		if _, _, err := h.chain.ProcessBlock(rc.blocks[i], blockchain.BFNone); err != nil {
			h.t.Fatalf("block %d: %v", i, err)
		}
	}
}
