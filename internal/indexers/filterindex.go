package indexers

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockfilter"
	"github.com/tern-org/ternd/wire"
)

// FilterIndexName is the basic filter index's name in getindexinfo, as
// Core's.
const FilterIndexName = "basic block filter index"

// FilterIndexDir is the index's directory under the network data dir,
// Core's indexes/blockfilter/basic.
const FilterIndexDir = "indexes/blockfilter/basic"

// Key prefixes of the filter index database beside prefixVersion and
// prefixBest; see doc.go for the layout.
const (
	prefixFilter       = 'f'
	prefixFilterHeader = 'h'
)

// FilterSchemaVersion is the filter index layout this code writes and
// reads.
const FilterSchemaVersion = 1

// maxFilterBatchBlocks is how many blocks a catch-up batch gathers before
// it is written with its best block.
const maxFilterBatchBlocks = 500

// FilterChain is what the filter index needs of the block chain:
// *blockchain.BlockChain implements it. SpentOutputs gives a connected
// block's spent outputs from its undo data.
type FilterChain interface {
	Chain
	SpentOutputs(hash *chainhash.Hash) ([]*blockchain.UtxoEntry, error)
}

// FilterEntry is what the index keeps of a block beside its filter: the
// filter's hash and the block's filter header.
type FilterEntry struct {
	FilterHash chainhash.Hash
	Header     chainhash.Hash
}

// FilterIndex keeps the BIP158 basic filter and filter header of every
// main-chain block, as Core's -blockfilterindex. It follows the chain
// from notifications (Notify) and catches up from its own best block in
// Run, rewinding over blocks a reorganisation disconnected; see doc.go.
// What it shares with TxIndex (the database, the best block, Close, Best,
// Synced, BlockUntilSyncedToCurrentChain, the passes) is indexBase's.
//
// All methods are safe for concurrent use. Close may be called only
// after Run has returned (or was never started).
type FilterIndex struct {
	chain FilterChain
	indexBase

	// bestHeader is the filter header of best, published with it (under
	// mu, by write).
	bestHeader chainhash.Hash
	// header is the filter header of the pass's last block, written or
	// still in the batch; only Run's goroutine (and Open) use it.
	header chainhash.Hash
}

// OpenFilterIndex opens (creating if needed) the filter index database
// in directory path for chain. A new index holds the genesis block's
// filter and catches up from there once Run runs.
func OpenFilterIndex(path string, chain FilterChain) (*FilterIndex, error) {
	x := &FilterIndex{chain: chain, indexBase: indexBase{
		name: "block filter index", title: "Block filter index", coreName: FilterIndexName}}
	err := x.open(path, opt.DefaultCompression, FilterSchemaVersion, x.initialise, x.loadHeader)
	if err != nil {
		return nil, err
	}
	return x, nil
}

// initialise writes the version of a new database and indexes the
// genesis block.
func (x *FilterIndex) initialise() error {
	var batch leveldb.Batch
	batch.Put([]byte{prefixVersion}, encodeVersion(FilterSchemaVersion))
	_, err := x.resetIn(&batch)
	return err
}

// loadHeader reads the filter header of the best block.
func (x *FilterIndex) loadHeader() error {
	e, err := x.Entry(&x.best.Hash)
	if err != nil {
		return indexError(ErrCorrupt, fmt.Sprintf("best block %s has no filter: %v", x.best.Hash, err))
	}
	x.bestHeader, x.header = e.Header, e.Header
	return nil
}

// filterKey returns prefix || hash.
func filterKey(prefix byte, hash *chainhash.Hash) []byte {
	k := make([]byte, 1+chainhash.HashSize)
	k[0] = prefix
	copy(k[1:], hash[:])
	return k
}

// Filter returns the serialized basic filter of the block hash, or an
// error of kind ErrFilterNotFound when the index does not hold it.
func (x *FilterIndex) Filter(hash *chainhash.Hash) ([]byte, error) {
	v, err := x.get(filterKey(prefixFilter, hash))
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, indexError(ErrFilterNotFound, "no filter for block "+hash.String())
	}
	return v, nil
}

// Entry returns the filter hash and filter header of the block hash, or
// an error of kind ErrFilterNotFound.
func (x *FilterIndex) Entry(hash *chainhash.Hash) (FilterEntry, error) {
	v, err := x.get(filterKey(prefixFilterHeader, hash))
	if err != nil {
		return FilterEntry{}, err
	}
	if v == nil {
		return FilterEntry{}, indexError(ErrFilterNotFound, "no filter header for block "+hash.String())
	}
	if len(v) != 2*chainhash.HashSize {
		return FilterEntry{}, indexError(ErrCorrupt, fmt.Sprintf("filter header record of %d bytes",
			len(v)))
	}
	var e FilterEntry
	copy(e.FilterHash[:], v)
	copy(e.Header[:], v[chainhash.HashSize:])
	return e, nil
}

// FilterHeader returns the filter hash and filter header of the block
// hash (Entry's fields), the form BIP157 serving reads.
func (x *FilterIndex) FilterHeader(hash *chainhash.Hash) (chainhash.Hash, chainhash.Hash, error) {
	e, err := x.Entry(hash)
	return e.FilterHash, e.Header, err
}

// SyncedTo reports whether the index holds the main-chain block at height
// (it has caught up that far on the current chain): what a BIP157 request
// up to that block needs before it is answered.
func (x *FilterIndex) SyncedTo(height int32) bool {
	best := x.Best()
	return best.Height >= height && x.chain.MainChainHasBlock(&best.Hash)
}

// Notify takes one chain notification; the daemon calls it from the
// chain's notification callback. It only remembers the block of a
// connection and wakes the index goroutine, so it never waits on the
// database.
func (x *FilterIndex) Notify(n *blockchain.Notification) { x.notify(n, false) }

// loadBlock returns the block hash: from a notification when one brought
// it, else from the chain's store.
func (x *FilterIndex) loadBlock(hash *chainhash.Hash) (*wire.MsgBlock, error) {
	if blk := x.recent.take(hash); blk != nil {
		return blk, nil
	}
	raw, err := x.chain.BlockBytesByHash(hash)
	if err != nil {
		return nil, indexError(ErrChain, fmt.Sprintf("block %s: %v", hash, err))
	}
	blk := new(wire.MsgBlock)
	if _, err := blk.DeserializeBytes(raw); err != nil {
		return nil, indexError(ErrChain, fmt.Sprintf("stored block %s: %v", hash, err))
	}
	return blk, nil
}

// buildFilter returns the basic filter of the block hash, with the spent
// scripts from the chain's undo data (the genesis block spends nothing).
func (x *FilterIndex) buildFilter(blk *wire.MsgBlock, hash *chainhash.Hash, height int32) ([]byte, error) {
	var scripts [][]byte
	if height > 0 {
		spent, err := x.chain.SpentOutputs(hash)
		if err != nil {
			return nil, indexError(ErrChain, fmt.Sprintf("spent outputs of block %s: %v", hash, err))
		}
		scripts = make([][]byte, len(spent))
		for i, e := range spent {
			scripts[i] = e.PkScript
		}
	}
	f, err := blockfilter.BuildBasic(blk, hash, scripts)
	if err != nil {
		return nil, indexError(ErrChain, fmt.Sprintf("filter of block %s: %v", hash, err))
	}
	return f.Bytes(), nil
}

// addFilter puts the filter and header of a block into batch and returns
// its header.
func addFilter(batch *leveldb.Batch, hash *chainhash.Hash, raw []byte,
	prevHeader *chainhash.Hash) chainhash.Hash {

	fh := blockfilter.FilterHash(raw)
	hdr := blockfilter.MakeHeader(&fh, prevHeader)
	var v [2 * chainhash.HashSize]byte
	copy(v[:], fh[:])
	copy(v[chainhash.HashSize:], hdr[:])
	batch.Put(filterKey(prefixFilter, hash), raw)
	batch.Put(filterKey(prefixFilterHeader, hash), v[:])
	return hdr
}

// write applies batch with the new best block in one atomic write, then
// publishes best and its header, the pass's.
func (x *FilterIndex) write(batch *leveldb.Batch, best BlockPos) error {
	return x.commit(batch, best, func() { x.bestHeader = x.header })
}

// reset indexes the genesis block and makes it the best block. Entries of
// other blocks stay: they are keyed by block hash, so they stay right for
// their block and are overwritten when it is indexed again.
func (x *FilterIndex) reset() (BlockPos, error) {
	var batch leveldb.Batch
	return x.resetIn(&batch)
}

// resetIn is reset writing the genesis block's filter in batch with what
// batch holds already: a new database's version goes in the same atomic
// write, so a crash leaves either no index or one at genesis.
func (x *FilterIndex) resetIn(batch *leveldb.Batch) (BlockPos, error) {
	genesis, err := genesisHash(x.chain)
	if err != nil {
		return BlockPos{}, err
	}
	blk, err := x.loadBlock(genesis)
	if err != nil {
		return BlockPos{}, err
	}
	raw, err := x.buildFilter(blk, genesis, 0)
	if err != nil {
		return BlockPos{}, err
	}
	x.header = addFilter(batch, genesis, raw, &chainhash.Hash{})
	best := BlockPos{Hash: *genesis}
	return best, x.write(batch, best)
}

// Run keeps the index at the chain's tip until ctx ends, as TxIndex.Run:
// a first pass catches up from the index's best block, each notification
// starts another, and a failed pass is retried after retryDelay.
func (x *FilterIndex) Run(ctx context.Context) { x.run(ctx, x.chain, x) }

// startPass starts a pass at the best block and its filter header.
func (x *FilterIndex) startPass() BlockPos {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.header = x.bestHeader
	return x.best
}

// connectBlock puts the filter and filter header of the block hash, the
// child of best, into batch, unless a reorganisation made its parent
// another or disconnected it while it was read.
func (x *FilterIndex) connectBlock(batch *leveldb.Batch, hash *chainhash.Hash, best BlockPos) (bool, error) {
	blk, err := x.loadBlock(hash)
	if err == nil && blk.Header.PrevBlock != best.Hash {
		return true, nil
	}
	var raw []byte
	if err == nil {
		raw, err = x.buildFilter(blk, hash, best.Height+1)
	}
	if err != nil {
		if !x.chain.MainChainHasBlock(hash) {
			return true, nil
		}
		return false, err
	}
	x.header = addFilter(batch, hash, raw, &x.header)
	return false, nil
}

// batchFull reports whether a catch-up batch holds maxFilterBatchBlocks.
func (x *FilterIndex) batchFull(_ *leveldb.Batch, blocks int) bool {
	return blocks >= maxFilterBatchBlocks
}

// disconnectBlock steps the best block back to prev, best being no longer
// in the main chain. The block's own entries stay (keyed by its hash they
// remain right, and getblockfilter answers for a stale block as Core
// does).
func (x *FilterIndex) disconnectBlock(_, prev BlockPos) error {
	e, err := x.Entry(&prev.Hash)
	if err != nil {
		return err
	}
	x.header = e.Header
	var batch leveldb.Batch
	return x.write(&batch, prev)
}
