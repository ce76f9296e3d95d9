package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/zmq"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/metrics"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

const (
	// chainDBDirName is the goleveldb directory inside the network data dir.
	chainDBDirName = "chainstate"

	// indexesDirName holds the optional indexes' databases inside the
	// network data dir (Core's indexes/txindex).
	indexesDirName = "indexes"

	// mempoolFileName is the pool's persistence file in Core's layout.
	mempoolFileName = "mempool.dat"

	// sigCacheEntries bounds the signature cache shared by the chain and
	// the pool (btcd's default --sigcachemaxsize).
	sigCacheEntries = 100000

	// mempoolExpireInterval is how often expired pool entries are removed.
	mempoolExpireInterval = 10 * time.Minute

	// feeEstimatesFileName is the fee estimator's file in Core's layout,
	// saved every feeEstimatesSaveInterval and at shutdown.
	feeEstimatesFileName     = "fee_estimates.dat"
	feeEstimatesSaveInterval = time.Hour
)

// txAnnouncer is where the node hands the transactions the pool accepted
// for announcement to peers; *relay.TxRelay implements it. Announce must
// only queue: it is called from RPC handlers and chain notifications.
type txAnnouncer interface {
	Announce(txs []*mempool.TxDesc)
}

// node is the daemon's core: the chain database, the block chain, the
// transaction pool and block generation, wired together. It owns them and
// hands the node its subsystems in start order (database, chain, mempool);
// the RPC server reaches them through rpcadaptors.go only after start (it
// answers -28 until warm-up ends).
//
// The P2P server reaches it without hooks: it subscribes to the chain's
// notifications after the node (so it sees a block once the pool has
// followed it), hands it its transaction relay while the daemon is built
// (relay), and submits blocks through processBlock, the entry point
// submitblock uses.
type node struct {
	cfg    *config
	params *chaincfg.Params

	// sigCache is shared by the chain and the pool, so a signature checked
	// on admission is not checked again when the block connects.
	sigCache *txscript.SigCache

	// db, chain, pool and gen are set by the subsystems' Start methods in
	// that order and cleared by nothing: after Stop they must not be used.
	db    *store.Store
	chain *blockchain.BlockChain
	pool  *mempool.TxPool
	gen   *mining.Generator

	// txIndex is the transaction index with --txindex, set once it is
	// open; the chain notifications reach it and getrawtransaction and
	// getindexinfo read it. ixCancel and ixWG stop its goroutine.
	txIndex  atomic.Pointer[indexers.TxIndex]
	ixCancel context.CancelFunc
	ixWG     sync.WaitGroup

	// filterIndex is the BIP158 basic filter index with
	// --blockfilterindex, set once it is open; the chain notifications
	// reach it, getblockfilter and the BIP157 server read it. fxCancel
	// and fxWG stop its goroutine.
	filterIndex atomic.Pointer[indexers.FilterIndex]
	fxCancel    context.CancelFunc
	fxWG        sync.WaitGroup

	// feeEst learns fee rates from the pool and the blocks that confirm
	// its transactions; it serves estimatesmartfee.
	feeEst *mempool.FeeEstimator

	// disconnected holds blocks the chain disconnected whose transactions
	// have not gone back to the pool yet (see flushDisconnected); discMu
	// guards it.
	discMu       sync.Mutex
	disconnected []*wire.MsgBlock
	discBytes    int64 // serialized size of disconnected's non-coinbase txs
	discMax      int64 // cap on discBytes (maxDisconnectedTxBytes)

	// followMu serialises the pool's updates for chain changes (putting
	// disconnected blocks back, removing connected ones), which run on
	// different goroutines: a block connected while an invalidateblock's
	// transactions go back waits for them. It is never held while the
	// chain's lock is.
	followMu sync.Mutex

	// zmq publishes the ZMQ notifications (--zmqpub*), nil without them.
	// It reads the pool's event queue and is told of blocks by
	// handleChainNotification.
	zmq *zmq.Notifier

	// poolReady is set once the pool exists, so chain notifications sent
	// while the chain loads (before the pool) are ignored safely.
	poolReady atomic.Pointer[mempool.TxPool]

	// events counts what the pool does with the transactions handed to
	// it (metrics); nil without --metricslisten.
	events *metrics.Events

	// relay receives what RelayTransactions is given. The P2P server
	// sets it once, in newServer, before anything runs; it is nil (what
	// RelayTransactions is given is dropped) in a node without one.
	relay txAnnouncer

	// mineMu serialises block generation so concurrent generate calls
	// build on each other instead of racing for the same height.
	mineMu sync.Mutex

	// localMu guards localBlocks, the blocks being processed through
	// processBlockFrom with how they came ("mined here", "submitblock"),
	// so the tip log line can say so.
	localMu     sync.Mutex
	localBlocks map[chainhash.Hash]string

	// reorging is set by a disconnection and cleared once the chain's new
	// tip is connected: the blocks connected in between came by a
	// reorganisation. It is used only on the notification goroutine.
	reorging bool

	// extraNonce varies the coinbase between generated blocks.
	extraNonce atomic.Uint64

	// wg tracks the server's own goroutines (the pool expiry loop).
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// newNode builds the core. Nothing is opened until the subsystems start.
func newNode(cfg *config) (*node, error) {
	s := &node{
		cfg:      cfg,
		params:   cfg.params,
		sigCache: txscript.NewSigCache(sigCacheEntries),
	}
	if len(cfg.zmqEndpoints) > 0 {
		n, err := zmq.New(zmq.Config{Endpoints: cfg.zmqEndpoints})
		if err != nil {
			return nil, err
		}
		s.zmq = n
	}
	return s, nil
}

// subsystems returns the server's parts in start order.
func (s *node) subsystems() []subsystem {
	subs := []subsystem{
		&funcSubsystem{name: "database", start: s.startDB, stop: s.stopDB},
		&funcSubsystem{name: "chain", start: s.startChain, stop: s.stopChain},
	}
	if s.cfg.TxIndex {
		subs = append(subs, &funcSubsystem{name: "txindex", start: s.startTxIndex, stop: s.stopTxIndex})
	}
	if s.cfg.BlockFilterIndex {
		subs = append(subs, &funcSubsystem{name: "blockfilterindex", start: s.startFilterIndex,
			stop: s.stopFilterIndex})
	}
	subs = append(subs, &funcSubsystem{name: "mempool", start: s.startMempool, stop: s.stopMempool})
	if s.zmq != nil {
		subs = append(subs, &funcSubsystem{name: "zmq",
			start: func(ctx context.Context) error { return s.zmq.Start(ctx, s.pool) },
			stop:  func() error { s.zmq.Stop(); return nil }})
	}
	return subs
}

// funcSubsystem adapts a pair of functions to the subsystem interface.
type funcSubsystem struct {
	name  string
	start func(ctx context.Context) error
	stop  func() error
}

func (f *funcSubsystem) Name() string                    { return f.name }
func (f *funcSubsystem) Start(ctx context.Context) error { return f.start(ctx) }
func (f *funcSubsystem) Stop() error                     { return f.stop() }

// startDB opens the chain database under the network data dir.
func (s *node) startDB(context.Context) error {
	db, err := store.Open(filepath.Join(s.cfg.netDataDir, chainDBDirName), nil)
	if err != nil {
		return fmt.Errorf("cannot open the chain database in %s: %w", s.cfg.netDataDir, err)
	}
	s.db = db
	return nil
}

// stopDB closes the database; every write of the chain is already in it,
// one batch per connected block.
func (s *node) stopDB() error {
	return s.db.Close()
}

// startChain loads the chain (creating the genesis state on first run).
func (s *node) startChain(context.Context) error {
	chain, err := blockchain.New(&blockchain.Config{
		DB:             s.db,
		ChainParams:    s.params,
		SigCache:       s.sigCache,
		Notifications:  s.handleChainNotification,
		UtxoCacheBytes: int64(s.cfg.DBCache) << 20,
	})
	if err != nil {
		return err
	}
	// The chain logged its state (tip and best header) as it loaded.
	s.chain = chain
	return nil
}

// stopChain flushes the chain's state before the database closes. A chain
// with a write-back UTXO cache offers Close (it flushes the cache and the
// tip it belongs to); one that writes each connect in one batch needs none.
func (s *node) stopChain() error {
	if c, ok := any(s.chain).(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("cannot flush the chain state: %w", err)
		}
	}
	return nil
}

// startTxIndex opens the transaction index under indexes/txindex and
// starts its goroutine, which catches up with the chain in the background
// (RPC and sync do not wait for it) and then follows the notifications.
// Without --txindex an existing index is left on disk, unused, as in Core.
func (s *node) startTxIndex(ctx context.Context) error {
	path := filepath.Join(s.cfg.netDataDir, indexesDirName, indexers.TxIndexName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	ix, err := indexers.OpenTxIndex(path, s.chain)
	if err != nil {
		return fmt.Errorf("cannot open the transaction index in %s: %w", path, err)
	}
	ctx, s.ixCancel = context.WithCancel(ctx)
	s.txIndex.Store(ix)
	s.ixWG.Add(1)
	go func() {
		defer s.ixWG.Done()
		ix.Run(ctx)
	}()
	return nil
}

// stopTxIndex stops the index goroutine (which writes what it gathered)
// and closes its database, before the chain and its store close.
func (s *node) stopTxIndex() error {
	ix := s.txIndex.Swap(nil)
	s.ixCancel()
	s.ixWG.Wait()
	if ix == nil {
		return nil
	}
	return ix.Close()
}

// startFilterIndex opens the basic block filter index under
// indexes/blockfilter/basic (Core's place) and starts its goroutine, which
// catches up in the background and then follows the notifications.
// Without --blockfilterindex an existing index is left on disk, unused.
func (s *node) startFilterIndex(ctx context.Context) error {
	path := filepath.Join(s.cfg.netDataDir, filepath.FromSlash(indexers.FilterIndexDir))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	fx, err := indexers.OpenFilterIndex(path, s.chain)
	if err != nil {
		return fmt.Errorf("cannot open the block filter index in %s: %w", path, err)
	}
	ctx, s.fxCancel = context.WithCancel(ctx)
	s.filterIndex.Store(fx)
	s.fxWG.Add(1)
	go func() {
		defer s.fxWG.Done()
		fx.Run(ctx)
	}()
	return nil
}

// stopFilterIndex stops the filter index goroutine (which writes what it
// gathered) and closes its database, before the chain and its store close.
func (s *node) stopFilterIndex() error {
	fx := s.filterIndex.Swap(nil)
	s.fxCancel()
	s.fxWG.Wait()
	if fx == nil {
		return nil
	}
	return fx.Close()
}

// startMempool creates the pool on the chain, loads mempool.dat, and builds
// the block generator on the pool.
func (s *node) startMempool(ctx context.Context) error {
	pol := mempool.DefaultPolicy()
	pol.MinRelayTxFee = mempool.FeeRate(s.cfg.minRelayTxFeeSat)
	pol.IncrementalRelayFee = mempool.FeeRate(s.cfg.incrementalRelayFeeSat)
	pol.DustRelayFee = mempool.FeeRate(s.cfg.dustRelayFeeSat)
	pol.MaxDataCarrierBytes = s.cfg.DataCarrierSize
	pol.MaxMempoolBytes = int64(s.cfg.MaxMempool) * 1000000
	pol.MempoolExpiry = time.Duration(s.cfg.MempoolExpiry) * time.Hour
	chain := s.chain
	s.feeEst = mempool.NewFeeEstimator()
	if err := s.feeEst.Load(filepath.Join(s.cfg.netDataDir, feeEstimatesFileName)); err != nil &&
		!errors.Is(err, fs.ErrNotExist) {
		srvrLog.Warnf("Fee estimates not loaded, starting without history: %v", err)
	}
	pool := mempool.New(&mempool.Config{
		Policy:           pol,
		CoinbaseMaturity: int32(s.params.CoinbaseMaturity),
		FetchUTXO: func(op wire.OutPoint) (*mempool.UTXO, error) {
			e, err := chain.FetchUtxoEntry(op)
			if err != nil || e == nil {
				return nil, err
			}
			return &mempool.UTXO{Amount: e.Amount, PkScript: e.PkScript, Height: e.BlockHeight,
				IsCoinBase: e.IsCoinBase}, nil
		},
		BestHeight:       func() int32 { return chain.BestSnapshot().Height },
		MedianTimePast:   func() time.Time { return chain.BestSnapshot().MedianTime },
		MedianTimePastAt: chain.MedianTimePast,
		Verifier:         &mempool.TxScriptVerifier{SigCache: s.sigCache},
		// The pool feeds the estimator itself, under its lock, with the
		// rule of what it may learn from (mempool's learnFee).
		FeeEstimator: s.feeEst,
		IsCurrent:    chain.IsCurrent,
		EventQueue:   s.poolEventQueue(),
	})
	s.pool = pool
	sel := mining.DefaultSelectOptions()
	sel.MaxWeight = int64(s.cfg.BlockMaxWeight)
	sel.MinFeeRate = mempool.FeeRate(s.cfg.blockMinTxFeeSat)
	s.gen = mining.NewGenerator(&mining.Config{ChainParams: s.params, Select: sel,
		BlockVersion: 0x20000000}, pool)

	stats, err := pool.Load(filepath.Join(s.cfg.netDataDir, mempoolFileName))
	if err != nil {
		// A damaged file is not fatal, as in Core: the pool starts empty.
		srvrLog.Warnf("Cannot load %s: %v", mempoolFileName, err)
	} else if stats.Read > 0 {
		srvrLog.Infof("Loaded %d mempool transactions (%d accepted, %d failed, %d expired)",
			stats.Read, stats.Accepted, stats.Failed, stats.Expired)
	}
	// The loaded transactions are not announced, as in Core: only the
	// unbroadcast ones among them are, by the relay's rebroadcast.
	s.poolReady.Store(pool)

	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go s.expireLoop(ctx)
	return nil
}

// stopMempool stops the expiry loop and writes mempool.dat and the fee
// estimates.
func (s *node) stopMempool() error {
	s.cancel()
	s.wg.Wait()
	s.poolReady.Store(nil)
	s.feeEst.FlushUnconfirmed()
	s.saveFeeEstimates()
	path := filepath.Join(s.cfg.netDataDir, mempoolFileName)
	if err := s.pool.Dump(path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	// The pool logs the dump itself, with the path.
	return nil
}

// saveFeeEstimates writes the estimator's history; a failure is logged
// only, as in Core.
func (s *node) saveFeeEstimates() {
	if err := s.feeEst.Save(filepath.Join(s.cfg.netDataDir, feeEstimatesFileName)); err != nil {
		srvrLog.Warnf("Cannot write %s: %v", feeEstimatesFileName, err)
	}
}

// expireLoop removes expired pool entries and saves the fee estimates
// periodically until ctx ends.
func (s *node) expireLoop(ctx context.Context) {
	defer s.wg.Done()
	expire := time.NewTicker(mempoolExpireInterval)
	defer expire.Stop()
	save := time.NewTicker(feeEstimatesSaveInterval)
	defer save.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			if n := s.pool.Expire(); n > 0 {
				srvrLog.Debugf("Expired %d mempool transactions", n)
			}
		case <-save.C:
			s.saveFeeEstimates()
		}
	}
}

// handleChainNotification keeps the pool and the transaction index in
// step with the chain, and hands the transactions a block unlocked or a
// reorganisation put back to the relay. It is the chain's first receiver
// (Config.Notifications): the P2P server's, subscribed later, sees each
// block after the pool followed it. The chain calls it in order, without
// its lock held.
func (s *node) handleChainNotification(n *blockchain.Notification) {
	if ix := s.txIndex.Load(); ix != nil {
		ix.Notify(n) // never blocks: the index works on its own goroutine
	}
	if fx := s.filterIndex.Load(); fx != nil {
		fx.Notify(n)
	}
	pool := s.poolReady.Load()
	switch n.Type {
	case blockchain.NTBlockConnected:
		s.followMu.Lock()
		s.flushDisconnectedLocked()
		if pool != nil {
			// The pool tells its fee estimator about the block itself.
			s.RelayTransactions(pool.RemoveForBlock(n.Block, n.Height))
		}
		s.followMu.Unlock()
		if s.zmq != nil {
			// Core's hashblock and rawblock go out for the tip at the end
			// of a chain update only, and not in initial block download.
			isTip := s.chain.BestSnapshot().Hash == n.Hash && s.chain.IsCurrent()
			s.zmq.BlockConnected(n.Block, n.Hash, isTip)
		}
		s.logNewTip(n)
	case blockchain.NTBlockDisconnected:
		if s.zmq != nil {
			s.zmq.BlockDisconnected(n.Block, n.Hash)
		}
		if pool != nil {
			s.queueDisconnected(n.Block)
		}
		s.reorging = true
		// The chain logs the reorganisation as a whole at info level.
		chanLog.Debugf("Disconnected block %v height %d", n.Hash, n.Height)
	}
}

// maxDisconnectedTxBytes bounds the transactions of disconnected blocks
// held for the pool during a reorganisation: Core's
// MAX_DISCONNECTED_TX_POOL_BYTES (20 MB), so a deep reorg's memory on this
// side does not grow with its depth.
const maxDisconnectedTxBytes = 20_000_000

// maxPoolEvents bounds the pool's queue of additions and removals kept for
// the ZMQ notifier between two reads (it reads as soon as the pool
// signals); past it the oldest are dropped and the loss is logged.
const maxPoolEvents = 100_000

// poolEventQueue is the pool's event queue bound: maxPoolEvents with ZMQ
// notifications, none without.
func (s *node) poolEventQueue() int {
	if s.zmq == nil {
		return 0
	}
	return maxPoolEvents
}

// queueDisconnected holds a block the chain disconnected until
// flushDisconnected puts its transactions back. The chain disconnects tip
// first, so the blocks arrive youngest first; past discMax bytes the
// youngest ones held are dropped, as Core's disconnect pool drops the most
// recently confirmed transactions: the older ones they spend are kept, and
// pooled spenders of the dropped ones leave the pool when their inputs are
// found missing after the reorganisation.
func (s *node) queueDisconnected(block *wire.MsgBlock) {
	var size int64
	for _, tx := range block.Transactions[min(1, len(block.Transactions)):] {
		size += int64(tx.SerializeSize())
	}
	s.discMu.Lock()
	defer s.discMu.Unlock()
	s.disconnected = append(s.disconnected, block)
	s.discBytes += size
	limit := s.discMax
	if limit <= 0 {
		limit = maxDisconnectedTxBytes
	}
	dropped := 0
	for s.discBytes > limit && len(s.disconnected) > 1 {
		old := s.disconnected[0]
		for _, tx := range old.Transactions[min(1, len(old.Transactions)):] {
			s.discBytes -= int64(tx.SerializeSize())
		}
		s.disconnected[0] = nil
		s.disconnected = s.disconnected[1:]
		dropped++
	}
	if dropped > 0 {
		srvrLog.Infof("Reorganisation deeper than the %d-byte disconnect pool: the "+
			"transactions of %d recently disconnected blocks will not return to the mempool",
			limit, dropped)
	}
}

// flushDisconnected puts the transactions of the blocks disconnected since
// the last call back into the pool, oldest block first.
//
// The chain delivers its notifications after a whole change (a reorg, or
// an invalidateblock of several blocks) is done, so by then the tip is
// already the final one: validating the oldest block's transactions first
// lets a confirmed child find its parent back in the pool, as Core's
// disconnect pool does. It runs before the next connected block's
// RemoveForBlock and after the RPC calls that only disconnect.
func (s *node) flushDisconnected() {
	s.followMu.Lock()
	defer s.followMu.Unlock()
	s.flushDisconnectedLocked()
}

// flushDisconnectedLocked is flushDisconnected with followMu held.
func (s *node) flushDisconnectedLocked() {
	s.discMu.Lock()
	blocks := s.disconnected
	s.disconnected, s.discBytes = nil, 0
	s.discMu.Unlock()
	pool := s.poolReady.Load()
	if pool == nil || len(blocks) == 0 {
		return
	}
	for i := len(blocks) - 1; i >= 0; i-- {
		s.RelayTransactions(pool.AddBackForDisconnect(blocks[i]))
	}
}

// RelayTransactions hands transactions the pool accepted to the relay,
// which announces them to peers once it runs. It only queues (a bounded
// queue), never blocks and never runs under the pool's lock; a node
// without a P2P server drops them.
// The RPC handlers call it with what sendrawtransaction and submitpackage
// accepted; the node calls it with what the chain's changes put back.
func (s *node) RelayTransactions(txs []*mempool.TxDesc) {
	if len(txs) == 0 {
		return
	}
	if s.relay != nil {
		s.relay.Announce(txs)
	}
}

// processBlock submits a block (mined here, from submitblock or from a
// peer) to the chain; the pool and relay follow through the notifications.
func (s *node) processBlock(block *wire.MsgBlock) (isMain, isOrphan bool, err error) {
	return s.processBlockFrom(block, "submitblock")
}

// processBlockFrom is processBlock for a block that came by source ("mined
// here", "submitblock"), which the new tip's log line reports.
func (s *node) processBlockFrom(block *wire.MsgBlock, source string) (isMain, isOrphan bool, err error) {
	hash := block.BlockHash()
	s.localMu.Lock()
	if s.localBlocks == nil {
		s.localBlocks = make(map[chainhash.Hash]string)
	}
	s.localBlocks[hash] = source
	s.localMu.Unlock()
	defer func() {
		s.localMu.Lock()
		delete(s.localBlocks, hash)
		s.localMu.Unlock()
	}()
	isMain, isOrphan, err = s.chain.ProcessBlock(block, blockchain.BFNone)
	s.flushDisconnected()
	return isMain, isOrphan, err
}

// logNewTip logs a block connected to the main chain at info level: height,
// hash, transactions, size and how it came (mined here, submitblock, a
// peer, or a reorganisation). During initial block download, when blocks
// come by the thousand and the sync manager's progress line tells the
// story, it logs at debug level. It runs on the notification goroutine.
func (s *node) logNewTip(n *blockchain.Notification) {
	s.localMu.Lock()
	source, local := s.localBlocks[n.Hash]
	s.localMu.Unlock()
	switch {
	case local:
		// A block mined or submitted here after an invalidateblock is not
		// part of a reorganisation.
		s.reorging = false
	case s.reorging:
		source = "reorg"
		if best := s.chain.BestSnapshot(); n.Height >= best.Height {
			s.reorging = false
		}
	default:
		source = "peer"
	}
	txs, size := 0, 0
	if n.Block != nil {
		txs, size = len(n.Block.Transactions), n.Block.SerializeSize()
	}
	logf := chanLog.Infof
	if !local && !s.chain.IsCurrent() {
		logf = chanLog.Debugf
	}
	logf("New tip %v height %d, %d txs, %d bytes, validated in %v (%s)", n.Hash, n.Height, txs, size,
		n.ValidationTime.Round(time.Microsecond), source)
}

// miningTip describes the tip the next block builds on.
func (s *node) miningTip() mining.Tip {
	best := s.chain.BestSnapshot()
	return mining.Tip{
		Hash:           best.Hash,
		Height:         best.Height,
		MedianTimePast: best.MedianTime,
		Bits:           s.chain.CalcNextRequiredDifficulty(time.Now()),
	}
}

// errMaxTries is returned by generateBlocks when maxTries nonces did not
// solve a block; Core returns the blocks found so far instead of failing.
var errMaxTries = errors.New("max tries reached")

// generateBlocks mines n blocks paying payScript, each with the pool's
// best transactions (or exactly txs, when not nil), and returns their
// hashes. It stops early when ctx ends.
func (s *node) generateBlocks(ctx context.Context, n int, payScript []byte,
	maxTries uint64) ([]chainhash.Hash, error) {
	s.mineMu.Lock()
	defer s.mineMu.Unlock()
	hashes := make([]chainhash.Hash, 0, min(n, 1000))
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return hashes, err
		}
		tmpl, err := s.gen.NewBlockTemplate(payScript, s.miningTip(), s.extraNonce.Add(1))
		if err != nil {
			return hashes, err
		}
		hash, err := s.solveAndSubmit(ctx, tmpl.Block, &maxTries)
		if errors.Is(err, errMaxTries) {
			return hashes, nil
		}
		if err != nil {
			return hashes, err
		}
		hashes = append(hashes, hash)
	}
	return hashes, nil
}

// solveAndSubmit searches nonces for block (counting against *maxTries)
// and processes it. A block the chain refuses is an internal error: the
// template was built from the chain's own state.
func (s *node) solveAndSubmit(ctx context.Context, block *wire.MsgBlock,
	maxTries *uint64) (chainhash.Hash, error) {
	if err := s.solve(ctx, block, maxTries); err != nil {
		return chainhash.Hash{}, err
	}
	hash := block.Header.BlockHash()
	isMain, _, err := s.processBlockFrom(block, "mined here")
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("ProcessNewBlock, block not accepted: %w", err)
	}
	if !isMain {
		srvrLog.Warnf("Generated block %v is not on the main chain", hash)
	}
	return hash, nil
}

// generateBlockMaxTries is generateblock's nonce budget (100 times
// generatetoaddress's default).
const generateBlockMaxTries = 100_000_000

// blockValidityError is generateBlock's error for a block the chain would
// not connect (Core's TestBlockValidity failure).
type blockValidityError struct{ err error }

func (e *blockValidityError) Error() string { return "block not valid: " + e.err.Error() }
func (e *blockValidityError) Unwrap() error { return e.err }

// generateBlock mines one block holding exactly txs after a coinbase that
// pays payScript (generateblock): built on the tip, checked as Core's
// TestBlockValidity (a *blockValidityError when refused), solved, and
// processed when submit is set.
func (s *node) generateBlock(ctx context.Context, payScript []byte, txs []*wire.MsgTx,
	submit bool) (*wire.MsgBlock, error) {
	s.mineMu.Lock()
	defer s.mineMu.Unlock()
	block := s.buildBlock(payScript, txs)
	if err := s.chain.CheckConnectBlockTemplate(block); err != nil {
		return nil, &blockValidityError{err: err}
	}
	tries := uint64(generateBlockMaxTries)
	if !submit {
		if err := s.solve(ctx, block, &tries); err != nil {
			return nil, err
		}
		return block, nil
	}
	if _, err := s.solveAndSubmit(ctx, block, &tries); err != nil {
		return nil, err
	}
	return block, nil
}

// buildBlock assembles an unsolved block on the tip holding txs after a
// coinbase that pays the subsidy and the fees it can compute (inputs from
// the UTXO set or from earlier transactions of the block) to payScript.
// The caller holds mineMu.
func (s *node) buildBlock(payScript []byte, txs []*wire.MsgTx) *wire.MsgBlock {
	tip := s.miningTip()
	height := tip.Height + 1
	created := make(map[wire.OutPoint]int64)
	var fees int64
	hasWitness := false
	for _, tx := range txs {
		var in int64
		known := true
		for _, txIn := range tx.TxIn {
			if v, ok := created[txIn.PreviousOutPoint]; ok {
				in += v
				continue
			}
			e, err := s.chain.FetchUtxoEntry(txIn.PreviousOutPoint)
			if err != nil || e == nil {
				known = false
				break
			}
			in += e.Amount
		}
		var out int64
		for i, o := range tx.TxOut {
			out += o.Value
			created[wire.OutPoint{Hash: tx.TxHash(), Index: uint32(i)}] = o.Value
		}
		if known && in > out {
			fees += in - out
		}
		if tx.HasWitness() {
			hasWitness = true
		}
	}
	coinbase := mining.CoinbaseTx(height, s.extraNonce.Add(1), payScript,
		standalone.CalcBlockSubsidy(height, s.params)+fees)
	block := &wire.MsgBlock{Transactions: append([]*wire.MsgTx{coinbase}, txs...)}
	if hasWitness {
		standalone.AddWitnessCommitment(block)
	}
	ts := time.Now().Truncate(time.Second)
	if minTS := tip.MedianTimePast.Add(time.Second); ts.Before(minTS) {
		ts = minTS
	}
	root, _ := standalone.BlockMerkleRoot(block.Transactions)
	block.Header = wire.BlockHeader{
		Version:    0x20000000,
		PrevBlock:  tip.Hash,
		MerkleRoot: root,
		Timestamp:  ts,
		Bits:       s.chain.CalcNextRequiredDifficulty(ts),
	}
	return block
}

// solve searches nonces for block without submitting it.
func (s *node) solve(ctx context.Context, block *wire.MsgBlock, maxTries *uint64) error {
	target := standalone.CompactToBig(block.Header.Bits)
	for {
		h := block.Header.BlockHash()
		if standalone.HashToBig(&h).Cmp(target) <= 0 {
			return nil
		}
		if *maxTries == 0 {
			return errMaxTries
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		*maxTries--
		block.Header.Nonce++
		if block.Header.Nonce == 0 {
			block.Header.Timestamp = block.Header.Timestamp.Add(time.Second)
		}
	}
}
