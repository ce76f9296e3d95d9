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

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/metrics"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/internal/zmq"
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
// transaction pool and block generation, wired together. newNode opens and
// builds all of them; the daemon then runs them as subsystems in start
// order (database, chain, indexes, mempool, ZMQ) and stops them in
// reverse. The RPC server is handed them through rpcadaptors.go once
// newNode returned (it answers -28 until then).
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

	// db, chain, pool and gen are built by newNode in that order and never
	// replaced; after their Stop they must not be used.
	db    *store.Store
	chain *blockchain.BlockChain
	pool  *mempool.TxPool
	gen   *mining.Generator

	// txIndex is the transaction index with --txindex, nil without; the
	// chain notifications reach it and getrawtransaction and getindexinfo
	// read it. ixLoop runs it.
	txIndex *indexers.TxIndex
	ixLoop  loop

	// filterIndex is the BIP158 basic filter index with
	// --blockfilterindex, nil without; the chain notifications reach it,
	// getblockfilter and the BIP157 server read it. fxLoop runs it.
	filterIndex *indexers.FilterIndex
	fxLoop      loop

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

	// expiry runs the pool's expiry and fee-estimate save loop.
	expiry loop
}

// newNode opens the chain database and builds the core on it, in order:
// the chain (loading its index and tip), the optional indexes, the fee
// estimator and the pool (loading mempool.dat), and the block generator.
// progress is told each step (the RPC server's warm-up status). Nothing
// runs yet: the chain sends no notification until something writes to it,
// and the goroutines (index catch-up, pool expiry, ZMQ) start with the
// subsystems. On error what was opened is closed again.
func newNode(cfg *config, zmqn *zmq.Notifier, events *metrics.Events, progress func(string)) (*node, error) {
	s := &node{
		cfg:      cfg,
		params:   cfg.params,
		sigCache: txscript.NewSigCache(sigCacheEntries),
		zmq:      zmqn,
		events:   events,
	}
	if progress == nil {
		progress = func(string) {}
	}
	var opened []func() error
	fail := func(err error) (*node, error) {
		for i := len(opened) - 1; i >= 0; i-- {
			if cerr := opened[i](); cerr != nil {
				srvrLog.Warnf("Closing after a failed start: %v", cerr)
			}
		}
		return nil, err
	}
	progress("Loading block index...")
	db, err := store.Open(filepath.Join(cfg.netDataDir, chainDBDirName), nil)
	if err != nil {
		return fail(fmt.Errorf("cannot open the chain database in %s: %w", cfg.netDataDir, err))
	}
	s.db = db
	opened = append(opened, db.Close)
	if err := s.openChain(); err != nil {
		return fail(err)
	}
	opened = append(opened, s.closeChain)
	if cfg.TxIndex {
		progress("Loading the transaction index...")
		if s.txIndex, err = s.openTxIndex(); err != nil {
			return fail(err)
		}
		opened = append(opened, s.txIndex.Close)
	}
	if cfg.BlockFilterIndex {
		progress("Loading the block filter index...")
		if s.filterIndex, err = s.openFilterIndex(); err != nil {
			return fail(err)
		}
		opened = append(opened, s.filterIndex.Close)
	}
	progress("Loading mempool...")
	s.openMempool()
	return s, nil
}

// subsystems returns the node's parts in start order. Everything is built
// already; starting a part runs its goroutines, stopping it stops them and
// writes and closes what it owns, so the database closes last.
func (s *node) subsystems() []subsystem {
	subs := []subsystem{
		&funcSubsystem{name: "database", stop: s.db.Close},
		&funcSubsystem{name: "chain", stop: s.closeChain},
	}
	if s.cfg.TxIndex {
		subs = append(subs, indexSubsystem("txindex", s.txIndex, &s.ixLoop))
	}
	if s.cfg.BlockFilterIndex {
		subs = append(subs, indexSubsystem("blockfilterindex", s.filterIndex, &s.fxLoop))
	}
	subs = append(subs, &funcSubsystem{name: "mempool", start: s.startMempool, stop: s.stopMempool})
	if s.zmq != nil {
		subs = append(subs, &funcSubsystem{name: "zmq",
			start: func(ctx context.Context) error { return s.zmq.Start(ctx, s.pool) },
			stop:  func() error { s.zmq.Stop(); return nil }})
	}
	return subs
}

// funcSubsystem adapts a pair of functions to the subsystem interface; a
// nil start has nothing to run (the part was built by its constructor).
type funcSubsystem struct {
	name  string
	start func(ctx context.Context) error
	stop  func() error
}

func (f *funcSubsystem) Name() string { return f.name }
func (f *funcSubsystem) Start(ctx context.Context) error {
	if f.start == nil {
		return nil
	}
	return f.start(ctx)
}
func (f *funcSubsystem) Stop() error { return f.stop() }

// openChain loads the chain (creating the genesis state on first run).
// The chain logs its state (tip and best header) as it loads.
func (s *node) openChain() error {
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
	s.chain = chain
	return nil
}

// closeChain flushes the chain's state before the database closes. A chain
// with a write-back UTXO cache offers Close (it flushes the cache and the
// tip it belongs to); one that writes each connect in one batch needs none.
func (s *node) closeChain() error {
	if c, ok := any(s.chain).(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("cannot flush the chain state: %w", err)
		}
	}
	return nil
}

// openTxIndex opens the transaction index under indexes/txindex. Its
// goroutine catches up with the chain in the background once it runs (RPC
// and sync do not wait for it) and then follows the notifications. Without
// --txindex an existing index is left on disk, unused, as in Core.
func (s *node) openTxIndex() (*indexers.TxIndex, error) {
	path := filepath.Join(s.cfg.netDataDir, indexesDirName, indexers.TxIndexName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	ix, err := indexers.OpenTxIndex(path, s.chain)
	if err != nil {
		return nil, fmt.Errorf("cannot open the transaction index in %s: %w", path, err)
	}
	return ix, nil
}

// openFilterIndex opens the basic block filter index under
// indexes/blockfilter/basic (Core's place); it catches up in the
// background once it runs and then follows the notifications. Without
// --blockfilterindex an existing index is left on disk, unused.
func (s *node) openFilterIndex() (*indexers.FilterIndex, error) {
	path := filepath.Join(s.cfg.netDataDir, filepath.FromSlash(indexers.FilterIndexDir))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	fx, err := indexers.OpenFilterIndex(path, s.chain)
	if err != nil {
		return nil, fmt.Errorf("cannot open the block filter index in %s: %w", path, err)
	}
	return fx, nil
}

// loop is one of the node's goroutines, run by start until stop cancels
// it and waits for it to end. Stopping one that never started is safe.
type loop struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// start runs run on its own goroutine with a context stop cancels.
func (l *loop) start(ctx context.Context, run func(context.Context)) {
	ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		run(ctx)
	}()
}

// stop cancels the goroutine and waits for it to end.
func (l *loop) stop() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

// runningIndex is an index as its subsystem drives it.
type runningIndex interface {
	Run(ctx context.Context)
	Close() error
}

// indexSubsystem runs an index's catch-up and follow loop on l and, when
// stopped, ends it (the index writes what it gathered) and closes the
// index's database, before the chain and its store close.
func indexSubsystem(name string, ix runningIndex, l *loop) subsystem {
	return &funcSubsystem{name: name,
		start: func(ctx context.Context) error { l.start(ctx, ix.Run); return nil },
		stop: func() error {
			l.stop()
			return ix.Close()
		}}
}

// openMempool creates the fee estimator (loading fee_estimates.dat) and
// the pool on the chain (loading mempool.dat), and the block generator on
// the pool. A damaged file is not fatal, as in Core: that part starts
// empty.
func (s *node) openMempool() {
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
		srvrLog.Warnf("Cannot load %s: %v", mempoolFileName, err)
	} else if stats.Read > 0 {
		srvrLog.Infof("Loaded %d mempool transactions (%d accepted, %d failed, %d expired)",
			stats.Read, stats.Accepted, stats.Failed, stats.Expired)
	}
	// The loaded transactions are not announced, as in Core: only the
	// unbroadcast ones among them are, by the relay's rebroadcast.
}

// startMempool runs the pool's expiry loop.
func (s *node) startMempool(ctx context.Context) error {
	s.expiry.start(ctx, s.expireLoop)
	return nil
}

// stopMempool stops the expiry loop and writes mempool.dat and the fee
// estimates.
func (s *node) stopMempool() error {
	s.expiry.stop()
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
	if s.txIndex != nil {
		s.txIndex.Notify(n) // never blocks: the index works on its own goroutine
	}
	if s.filterIndex != nil {
		s.filterIndex.Notify(n)
	}
	switch n.Type {
	case blockchain.NTBlockConnected:
		s.followMu.Lock()
		s.flushDisconnectedLocked()
		// The pool tells its fee estimator about the block itself.
		s.RelayTransactions(s.pool.RemoveForBlock(n.Block, n.Height))
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
		s.queueDisconnected(n.Block)
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
	blocks := s.takeDisconnected()
	for i := len(blocks) - 1; i >= 0; i-- {
		s.RelayTransactions(s.pool.AddBackForDisconnect(blocks[i]))
	}
}

// takeDisconnected empties the disconnect pool and returns what it held,
// youngest block first.
func (s *node) takeDisconnected() []*wire.MsgBlock {
	s.discMu.Lock()
	defer s.discMu.Unlock()
	blocks := s.disconnected
	s.disconnected, s.discBytes = nil, 0
	return blocks
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
