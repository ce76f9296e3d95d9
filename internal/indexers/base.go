package indexers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// Key prefixes every index database holds; see doc.go for the layouts.
const (
	prefixVersion = 'V'
	prefixBest    = 'B'
)

// bestSize is the encoded size of the best block record: hash, height
// uint32 BE.
const bestSize = chainhash.HashSize + 4

// Tuning of the background work.
const (
	// maxRecentTxns bounds the blocks kept from notifications until the
	// index goroutine takes them, by their total transaction count (about
	// five full mainnet blocks); beyond it the oldest are dropped and read
	// back from the chain's store instead. At least one block is kept.
	maxRecentTxns = 20000

	// progressInterval is how often catch-up logs its progress.
	progressInterval = 10 * time.Second

	// retryDelay is the pause after a failed pass before the next one.
	retryDelay = 5 * time.Second

	// syncWaitTimeout bounds BlockUntilSyncedToCurrentChain.
	syncWaitTimeout = 10 * time.Second
)

// Chain is what the index needs of the block chain; *blockchain.BlockChain
// implements it. Its methods must be safe for concurrent use and must not
// wait for the chain's notifications to be delivered.
type Chain interface {
	BestSnapshot() *blockchain.BestState
	MainChainHasBlock(hash *chainhash.Hash) bool
	BlockHashByHeight(height int32) (*chainhash.Hash, error)
	HeaderByHash(hash *chainhash.Hash) (wire.BlockHeader, error)
	BlockBytesByHash(hash *chainhash.Hash) ([]byte, error)
}

// BlockPos names a block by hash and height.
type BlockPos struct {
	Hash   chainhash.Hash
	Height int32
}

// indexBase is what TxIndex and FilterIndex share, embedded in both: the
// index's goleveldb database with its schema version and best block
// record, Close, reads under the close check, the atomic write of a batch
// with the new best block, the following of the chain's notifications
// (Notify, Best, Synced, BlockUntilSyncedToCurrentChain) and the index
// goroutine's passes to the chain's tip, catch-up and rewind included.
// What differs between the indexes (what a block adds to the database and
// what removing one takes) the passes ask of the index through
// indexSteps; each index keeps its own records, readers and pass state.
type indexBase struct {
	// name names the index in errors and most log lines ("txindex",
	// "block filter index"); title is the same capitalised, for the
	// lines that start with it; coreName is the index's name in
	// getindexinfo (TxIndexName, FilterIndexName), which the sync
	// progress lines use as Core's do.
	name, title, coreName string

	// dbMu guards db against Close.
	dbMu   sync.RWMutex
	db     *leveldb.DB
	closed bool

	// mu guards best, processed and progress (and what an index
	// publishes together with best; see commit).
	mu   sync.Mutex
	best BlockPos
	// processed is the value of seen that the last pass ending at the
	// chain's tip started from: every notification counted up to it is
	// reflected in the index.
	processed uint64
	// progress is closed and replaced whenever best or processed moves.
	progress chan struct{}

	// seen counts the connect and disconnect notifications received.
	seen atomic.Uint64
	// synced is set once a pass reached the chain's tip (Core's m_synced).
	synced atomic.Bool
	// wake holds a pending request for another pass (capacity one).
	wake chan struct{}

	// recent keeps the blocks brought by notifications.
	recent recentBlocks
}

// indexSteps are an index's own steps in the passes of indexBase. Only
// the index goroutine (Run) calls them, and Open before Run starts.
type indexSteps interface {
	// startPass returns the best block a pass starts from and sets the
	// index's own pass state to match it.
	startPass() BlockPos
	// connectBlock puts the records of the main-chain block hash, the
	// child of best, into batch. moved reports that the chain moved
	// under the pass (the block's parent is not best, or the block was
	// disconnected while it was read): then nothing is added, and the
	// pass ends to start again.
	connectBlock(batch *leveldb.Batch, hash *chainhash.Hash, best BlockPos) (moved bool, err error)
	// disconnectBlock removes what best, a block no longer in the main
	// chain, put in the index, and writes prev, its parent, as the best
	// block.
	disconnectBlock(best, prev BlockPos) error
	// reset starts the index over at the genesis block, written as its
	// best block.
	reset() (BlockPos, error)
	// batchFull reports whether a catch-up batch gathering blocks
	// blocks is to be written now.
	batchFull(batch *leveldb.Batch, blocks int) bool
	// write applies batch with best as the new best block (commit).
	write(batch *leveldb.Batch, best BlockPos) error
}

// open opens (creating if needed) the database in directory path, its
// blocks compressed with comp, and loads it: a database without a schema
// version is new, and fresh writes its version and first best block; an
// existing one must hold version and a best block. Then loaded, if not
// nil, reads what the index keeps beside the best block. A database that
// does not load is closed again. The first pass is then due.
func (x *indexBase) open(path string, comp opt.Compression, version uint32, fresh, loaded func() error) error {
	db, err := leveldb.OpenFile(path, &opt.Options{
		BlockCacheCapacity: 8 << 20,
		WriteBuffer:        8 << 20,
		Filter:             filter.NewBloomFilter(10),
		Compression:        comp,
	})
	if err != nil {
		return indexError(ErrBackend, fmt.Sprintf("open %s: %v", path, err))
	}
	x.db = db
	x.progress = make(chan struct{})
	x.wake = make(chan struct{}, 1)
	err = x.load(version, fresh)
	if err == nil && loaded != nil {
		err = loaded()
	}
	if err != nil {
		db.Close()
		return err
	}
	x.wake <- struct{}{} // the first pass catches up
	log.Infof("%s at height %d (%s)", x.title, x.best.Height, x.best.Hash)
	return nil
}

// load checks the schema version and reads the best block, leaving a new
// database to fresh.
func (x *indexBase) load(version uint32, fresh func() error) error {
	v, err := x.db.Get([]byte{prefixVersion}, nil)
	switch {
	case errors.Is(err, leveldb.ErrNotFound):
		return fresh()
	case err != nil:
		return indexError(ErrBackend, fmt.Sprintf("read version: %v", err))
	case len(v) != 4 || binary.BigEndian.Uint32(v) != version:
		return indexError(ErrVersion, fmt.Sprintf("%s schema version %x, want %d", x.name, v, version))
	}
	raw, err := x.db.Get([]byte{prefixBest}, nil)
	if err != nil {
		return indexError(ErrCorrupt, fmt.Sprintf("read best block: %v", err))
	}
	x.best, err = decodeBest(raw)
	return err
}

// encodeVersion returns the stored form of a schema version.
func encodeVersion(version uint32) []byte {
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], version)
	return v[:]
}

// encodeBest returns the stored form of the best block.
func encodeBest(p BlockPos) []byte {
	b := make([]byte, bestSize)
	copy(b, p.Hash[:])
	binary.BigEndian.PutUint32(b[chainhash.HashSize:], uint32(p.Height))
	return b
}

// decodeBest decodes the stored best block.
func decodeBest(b []byte) (BlockPos, error) {
	var p BlockPos
	if len(b) != bestSize {
		return p, indexError(ErrCorrupt, fmt.Sprintf("best block record of %d bytes, want %d",
			len(b), bestSize))
	}
	copy(p.Hash[:], b)
	p.Height = int32(binary.BigEndian.Uint32(b[chainhash.HashSize:]))
	if p.Height < 0 {
		return p, indexError(ErrCorrupt, "best block record has a negative height")
	}
	return p, nil
}

// genesisHash returns the hash of chain's genesis block.
func genesisHash(chain Chain) (*chainhash.Hash, error) {
	genesis, err := chain.BlockHashByHeight(0)
	if err != nil {
		return nil, indexError(ErrChain, fmt.Sprintf("genesis block: %v", err))
	}
	return genesis, nil
}

// Close closes the database. Further calls fail with ErrClosed.
func (x *indexBase) Close() error {
	x.dbMu.Lock()
	defer x.dbMu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	if err := x.db.Close(); err != nil {
		return indexError(ErrBackend, fmt.Sprintf("close: %v", err))
	}
	return nil
}

// errClosed is the error of an operation on the closed index.
func (x *indexBase) errClosed() error {
	return indexError(ErrClosed, x.name+" is closed")
}

// get reads one key; a missing key returns nil and no error.
func (x *indexBase) get(key []byte) ([]byte, error) {
	x.dbMu.RLock()
	defer x.dbMu.RUnlock()
	if x.closed {
		return nil, x.errClosed()
	}
	v, err := x.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, indexError(ErrBackend, fmt.Sprintf("read: %v", err))
	}
	return v, nil
}

// commit applies batch with the new best block in one atomic write and
// resets batch, then publishes best, with whatever publish (if not nil)
// sets under the same lock, and wakes BlockUntilSyncedToCurrentChain's
// waiters.
func (x *indexBase) commit(batch *leveldb.Batch, best BlockPos, publish func()) error {
	batch.Put([]byte{prefixBest}, encodeBest(best))
	x.dbMu.RLock()
	var err error
	if x.closed {
		err = x.errClosed()
	} else if werr := x.db.Write(batch, nil); werr != nil {
		err = indexError(ErrBackend, fmt.Sprintf("write batch: %v", werr))
	}
	x.dbMu.RUnlock()
	batch.Reset()
	if err != nil {
		return err
	}
	x.mu.Lock()
	x.best = best
	if publish != nil {
		publish()
	}
	x.broadcastLocked()
	x.mu.Unlock()
	return nil
}

// broadcastLocked wakes BlockUntilSyncedToCurrentChain's waiters; x.mu
// must be held.
func (x *indexBase) broadcastLocked() {
	close(x.progress)
	x.progress = make(chan struct{})
}

// Best returns the last block the index reflects.
func (x *indexBase) Best() BlockPos {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.best
}

// Synced reports Core's "synced": a pass of the index has reached the
// chain's tip since the index was opened, so from then on it follows the
// chain's notifications.
func (x *indexBase) Synced() bool { return x.synced.Load() }

// notify takes one chain notification (see the indexes' Notify): it
// remembers the block of a connection, and that of a disconnection when
// keepDisconnected, counts the notification and wakes the index
// goroutine, never waiting on the database.
func (x *indexBase) notify(n *blockchain.Notification, keepDisconnected bool) {
	if n.Type != blockchain.NTBlockConnected && n.Type != blockchain.NTBlockDisconnected {
		return
	}
	if n.Block != nil && (keepDisconnected || n.Type == blockchain.NTBlockConnected) {
		x.recent.remember(n.Hash, n.Block)
	}
	x.seen.Add(1)
	x.kick()
}

// kick asks for another pass without blocking.
func (x *indexBase) kick() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// BlockUntilSyncedToCurrentChain is Core's: false at once while the index
// has not caught up yet; otherwise it waits (bounded by ctx and
// syncWaitTimeout) until every block change notified before the call is
// in the index, and returns true.
func (x *indexBase) BlockUntilSyncedToCurrentChain(ctx context.Context) bool {
	if !x.synced.Load() {
		return false
	}
	target := x.seen.Load()
	timer := time.NewTimer(syncWaitTimeout)
	defer timer.Stop()
	for {
		x.mu.Lock()
		done, ch := x.processed >= target, x.progress
		x.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return true
		case <-timer.C:
			log.Debugf("%s is still behind the chain after %v", x.name, syncWaitTimeout)
			return true
		}
	}
}

// run is the index goroutine (the indexes' Run): each signal on wake
// starts a pass (syncToTip) that brings the index to the chain's tip with
// the index's steps s, and a failed pass is logged and retried after
// retryDelay. It returns when ctx ends.
func (x *indexBase) run(ctx context.Context, chain Chain, s indexSteps) {
	log.Debugf("%s thread start", x.name)
	defer log.Debugf("%s thread exit", x.name)
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.wake:
		}
		if err := x.syncToTip(ctx, chain, s); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Errorf("%s: %v; retrying in %v", x.title, err, retryDelay)
			t := time.NewTimer(retryDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			x.kick()
		}
	}
}

// syncToTip moves the index to the chain's current tip: it rewinds while
// the best block is off the main chain, then adds the main-chain blocks
// above it, writing the records of each block together with the new best
// block (batched during catch-up, one block per write once synced). What
// a pass has gathered is written before it returns, also when it fails.
func (x *indexBase) syncToTip(ctx context.Context, chain Chain, s indexSteps) error {
	startSeen := x.seen.Load()
	tip := chain.BestSnapshot()
	best := s.startPass()
	if best.Hash == tip.Hash {
		x.reached(startSeen, best)
		return nil
	}
	for !chain.MainChainHasBlock(&best.Hash) {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if best, err = x.rewindBlock(chain, s, best); err != nil {
			return err
		}
	}
	catchingUp := !x.synced.Load()
	if catchingUp && tip.Height > best.Height {
		log.Infof("Syncing %s with block chain from height %d to %d", x.coreName, best.Height, tip.Height)
	}
	lastLog := time.Now()
	var batch leveldb.Batch
	written, blocks, again := best, 0, false
	for best.Height < tip.Height && ctx.Err() == nil {
		hash, err := chain.BlockHashByHeight(best.Height + 1)
		if err != nil {
			again = true // the chain moved under us; look again
			break
		}
		moved, err := s.connectBlock(&batch, hash, best)
		if err != nil {
			writeIfAny(s, &batch, written, best)
			return err
		}
		if moved {
			again = true // a reorganisation since the tip was read (see connectBlock)
			break
		}
		best = BlockPos{Hash: *hash, Height: best.Height + 1}
		blocks++
		if !catchingUp || s.batchFull(&batch, blocks) {
			if err := s.write(&batch, best); err != nil {
				return err
			}
			written, blocks = best, 0
		}
		if catchingUp && time.Since(lastLog) >= progressInterval {
			lastLog = time.Now()
			log.Infof("Syncing %s with block chain from height %d of %d (%.1f%%)", x.coreName,
				best.Height, tip.Height, 100*float64(best.Height)/float64(max(tip.Height, 1)))
		}
	}
	if err := writeIfAny(s, &batch, written, best); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if again {
		x.kick()
		return nil
	}
	if best.Hash == tip.Hash {
		x.reached(startSeen, best)
	}
	return nil
}

// writeIfAny writes the gathered batch when best moved past written.
func writeIfAny(s indexSteps, batch *leveldb.Batch, written, best BlockPos) error {
	if best == written && batch.Len() == 0 {
		return nil
	}
	return s.write(batch, best)
}

// reached records that a pass starting after startSeen notifications
// ended at the chain's tip best.
func (x *indexBase) reached(startSeen uint64, best BlockPos) {
	x.mu.Lock()
	if startSeen > x.processed {
		x.processed = startSeen
	}
	x.broadcastLocked()
	x.mu.Unlock()
	if !x.synced.Swap(true) {
		log.Infof("%s is enabled at height %d", x.coreName, best.Height)
	}
}

// rewindBlock takes best, a block no longer in the main chain, out of the
// index (s.disconnectBlock) and returns its parent as the new best block.
// A best block the chain does not know at all (its database was replaced)
// resets the index.
func (x *indexBase) rewindBlock(chain Chain, s indexSteps, best BlockPos) (BlockPos, error) {
	hdr, err := chain.HeaderByHash(&best.Hash)
	if err != nil || best.Height == 0 {
		log.Warnf("%s best block %s (height %d) is unknown to the chain; rebuilding the index",
			x.name, best.Hash, best.Height)
		return s.reset()
	}
	prev := BlockPos{Hash: hdr.PrevBlock, Height: best.Height - 1}
	if err := s.disconnectBlock(best, prev); err != nil {
		return best, err
	}
	log.Debugf("%s rewound block %s at height %d", x.name, best.Hash, best.Height)
	return prev, nil
}
