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
// (Notify, Best, Synced, BlockUntilSyncedToCurrentChain) and the record
// of a pass that reached the tip. Each index keeps its own records, their
// readers and its passes.
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
