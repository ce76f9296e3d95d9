package indexers

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// TxIndexName is the index's name in getindexinfo and in its directory
// (indexes/txindex under the network data dir, as Core).
const TxIndexName = "txindex"

// prefixTx is the key prefix of the entries, beside prefixVersion and
// prefixBest; see doc.go for the layout.
const prefixTx = 't'

// SchemaVersion is the layout version this code writes and reads.
const SchemaVersion = 1

// Encoded sizes of the records.
const (
	entrySize = 12                     // height, offset, length: 3 x uint32 BE
	txKeySize = 1 + chainhash.HashSize // 't' || txid
)

// maxBatchEntries is how many transaction entries a catch-up batch
// gathers before it is written with its best block.
const maxBatchEntries = 50000

// Location is where an indexed transaction lies: the main-chain block at
// Height (BlockHash, as the chain named it at lookup time) and the byte
// range of the transaction inside that block's serialization.
type Location struct {
	BlockHash chainhash.Hash
	Height    int32
	Offset    uint32
	Len       uint32
}

// TxIndex maps every confirmed transaction's txid to its location, as
// Core's -txindex. It follows the chain from notifications (Notify) and
// catches up from its own best block in Run; see doc.go. What it shares
// with FilterIndex (the database, the best block, Close, Best, Synced,
// BlockUntilSyncedToCurrentChain, the passes) is indexBase's.
//
// All methods are safe for concurrent use. Run must be running for the
// index to move; Close may be called only after Run has returned (or was
// never started).
type TxIndex struct {
	chain Chain
	indexBase

	// bt is the block being indexed; only Run's goroutine uses it.
	bt blockTxs
}

// OpenTxIndex opens (creating if needed) the index database in directory
// path for chain. A new index starts at the genesis block, whose coinbase
// is not indexed (as in Core), and catches up once Run runs.
func OpenTxIndex(path string, chain Chain) (*TxIndex, error) {
	x := &TxIndex{chain: chain, indexBase: indexBase{
		name: "txindex", title: "Transaction index", coreName: TxIndexName}}
	if err := x.open(path, opt.NoCompression, SchemaVersion, x.initialise, nil); err != nil {
		return nil, err
	}
	return x, nil
}

// initialise writes the version and the genesis block as best block of a
// new database.
func (x *TxIndex) initialise() error {
	genesis, err := genesisHash(x.chain)
	if err != nil {
		return err
	}
	var b leveldb.Batch
	b.Put([]byte{prefixVersion}, encodeVersion(SchemaVersion))
	x.best = BlockPos{Hash: *genesis}
	b.Put([]byte{prefixBest}, encodeBest(x.best))
	if err := x.db.Write(&b, &opt.WriteOptions{Sync: true}); err != nil {
		return indexError(ErrBackend, fmt.Sprintf("initialise: %v", err))
	}
	return nil
}

// txKey returns 't' || txid in buf.
func txKey(buf *[txKeySize]byte, txid *chainhash.Hash) []byte {
	buf[0] = prefixTx
	copy(buf[1:], txid[:])
	return buf[:]
}

// encodeEntry writes a transaction's location into buf.
func encodeEntry(buf *[entrySize]byte, height int32, off, n uint32) []byte {
	binary.BigEndian.PutUint32(buf[0:], uint32(height))
	binary.BigEndian.PutUint32(buf[4:], off)
	binary.BigEndian.PutUint32(buf[8:], n)
	return buf[:]
}

// decodeEntry decodes a stored location (without its block hash).
func decodeEntry(b []byte) (Location, error) {
	if len(b) != entrySize {
		return Location{}, indexError(ErrCorrupt, fmt.Sprintf("tx entry of %d bytes, want %d",
			len(b), entrySize))
	}
	l := Location{
		Height: int32(binary.BigEndian.Uint32(b[0:])),
		Offset: binary.BigEndian.Uint32(b[4:]),
		Len:    binary.BigEndian.Uint32(b[8:]),
	}
	if l.Height <= 0 {
		return Location{}, indexError(ErrCorrupt, fmt.Sprintf("tx entry at height %d", l.Height))
	}
	return l, nil
}

// write applies batch with the new best block in one atomic write, then
// publishes best.
func (x *TxIndex) write(batch *leveldb.Batch, best BlockPos) error {
	return x.commit(batch, best, nil)
}

// Notify takes one chain notification; the daemon calls it from the
// chain's notification callback. It only remembers the block (that of a
// disconnection too, whose entries a rewind deletes) and wakes the index
// goroutine, so it never waits on the database: the indexing runs off the
// block-connection path, as Core's runs from its validation-interface
// queue.
func (x *TxIndex) Notify(n *blockchain.Notification) { x.notify(n, true) }

// blockTxs is what indexing needs of one block.
type blockTxs struct {
	prev  chainhash.Hash
	txids []chainhash.Hash
	locs  []wire.TxLoc
}

// txLocs returns where each transaction of blk lies in its serialization
// (the form the chain stores: witness data included where present).
func txLocs(blk *wire.MsgBlock, locs []wire.TxLoc) []wire.TxLoc {
	off := wire.MaxBlockHeaderPayload + wire.VarIntSerializeSize(uint64(len(blk.Transactions)))
	for _, tx := range blk.Transactions {
		n := tx.SerializeSize()
		locs = append(locs, wire.TxLoc{TxStart: off, TxLen: n})
		off += n
	}
	return locs
}

// describe fills bt from a decoded block.
func describe(blk *wire.MsgBlock, bt *blockTxs) {
	bt.prev = blk.Header.PrevBlock
	bt.locs = txLocs(blk, bt.locs[:0])
	bt.txids = bt.txids[:0]
	for _, tx := range blk.Transactions {
		bt.txids = append(bt.txids, tx.TxHash())
	}
}

// loadBlock fills bt for the block hash: from a notification when one
// brought it, else from the chain's store.
func (x *TxIndex) loadBlock(hash *chainhash.Hash, bt *blockTxs) error {
	if blk := x.recent.take(hash); blk != nil {
		describe(blk, bt)
		return nil
	}
	raw, err := x.chain.BlockBytesByHash(hash)
	if err != nil {
		return indexError(ErrChain, fmt.Sprintf("block %s: %v", hash, err))
	}
	var blk wire.MsgBlock
	locs, err := blk.DeserializeTxLoc(bytes.NewBuffer(raw))
	if err != nil {
		return indexError(ErrChain, fmt.Sprintf("stored block %s: %v", hash, err))
	}
	describe(&blk, bt)
	bt.locs = append(bt.locs[:0], locs...)
	return nil
}

// addBlock puts the entries of a block at height into batch. Core skips
// the genesis block, whose coinbase cannot be spent.
func addBlock(batch *leveldb.Batch, height int32, bt *blockTxs) {
	if height == 0 {
		return
	}
	var k [txKeySize]byte
	var v [entrySize]byte
	for i := range bt.txids {
		batch.Put(txKey(&k, &bt.txids[i]), encodeEntry(&v, height, uint32(bt.locs[i].TxStart),
			uint32(bt.locs[i].TxLen)))
	}
}

// Run keeps the index at the chain's tip until ctx ends: a first pass
// catches up from the index's best block (rewinding blocks no longer in
// the main chain), and each notification then starts another pass. A
// failed pass is logged and retried after retryDelay. Run writes what it
// has gathered before it returns.
func (x *TxIndex) Run(ctx context.Context) { x.run(ctx, x.chain, x) }

// startPass starts a pass at the best block.
func (x *TxIndex) startPass() BlockPos { return x.Best() }

// connectBlock puts the entries of the block hash, the child of best,
// into batch, unless a reorganisation made its parent another.
func (x *TxIndex) connectBlock(batch *leveldb.Batch, hash *chainhash.Hash, best BlockPos) (bool, error) {
	if err := x.loadBlock(hash, &x.bt); err != nil {
		return false, err
	}
	if x.bt.prev != best.Hash {
		return true, nil
	}
	addBlock(batch, best.Height+1, &x.bt)
	return false, nil
}

// batchFull reports whether a catch-up batch holds maxBatchEntries.
func (x *TxIndex) batchFull(batch *leveldb.Batch, _ int) bool {
	return batch.Len() >= maxBatchEntries
}

// disconnectBlock removes the entries of best, a block no longer in the
// main chain, with prev as the new best block. When the block's bytes
// cannot be read its entries stay (lookups check the transaction they
// find, so a stale entry only reads as not found).
func (x *TxIndex) disconnectBlock(best, prev BlockPos) error {
	var batch leveldb.Batch
	var bt blockTxs
	if err := x.loadBlock(&best.Hash, &bt); err != nil {
		log.Warnf("txindex cannot read disconnected block %s: %v; its entries stay", best.Hash, err)
	} else {
		var k [txKeySize]byte
		for i := range bt.txids {
			v, err := x.get(txKey(&k, &bt.txids[i]))
			if err != nil {
				return err
			}
			// A txid seen again later (BIP30's duplicate coinbases)
			// points at its last block; only this block's entries go.
			if l, err := decodeEntry(v); err == nil && l.Height == best.Height {
				batch.Delete(txKey(&k, &bt.txids[i]))
			}
		}
	}
	return x.write(&batch, prev)
}

// reset deletes every entry and sets the best block to genesis.
func (x *TxIndex) reset() (BlockPos, error) {
	genesis, err := genesisHash(x.chain)
	if err != nil {
		return BlockPos{}, err
	}
	x.dbMu.RLock()
	if x.closed {
		x.dbMu.RUnlock()
		return BlockPos{}, x.errClosed()
	}
	var batch leveldb.Batch
	it := x.db.NewIterator(util.BytesPrefix([]byte{prefixTx}), nil)
	for err == nil && it.Next() {
		batch.Delete(it.Key())
		if batch.Len() >= maxBatchEntries {
			err = x.db.Write(&batch, nil)
			batch.Reset()
		}
	}
	it.Release()
	if err == nil {
		err = it.Error()
	}
	x.dbMu.RUnlock()
	if err != nil {
		return BlockPos{}, indexError(ErrBackend, fmt.Sprintf("reset: %v", err))
	}
	best := BlockPos{Hash: *genesis}
	return best, x.write(&batch, best)
}

// Lookup returns where the transaction txid was confirmed, or an error of
// kind ErrTxNotFound. The block hash is the main chain's at the entry's
// height at call time; FetchTx checks the transaction is really there.
func (x *TxIndex) Lookup(txid *chainhash.Hash) (Location, error) {
	var k [txKeySize]byte
	v, err := x.get(txKey(&k, txid))
	if err != nil {
		return Location{}, err
	}
	if v == nil {
		return Location{}, indexError(ErrTxNotFound, "transaction "+txid.String()+" is not indexed")
	}
	l, err := decodeEntry(v)
	if err != nil {
		return Location{}, err
	}
	hash, err := x.chain.BlockHashByHeight(l.Height)
	if err != nil {
		return Location{}, indexError(ErrTxNotFound, fmt.Sprintf("transaction %s: no main-chain "+
			"block at height %d", txid, l.Height))
	}
	l.BlockHash = *hash
	return l, nil
}

// FetchTx returns the confirmed transaction txid and where it lies, read
// from the chain's stored block. An entry whose block a reorganisation
// replaced before the index caught up reads as ErrTxNotFound.
func (x *TxIndex) FetchTx(txid *chainhash.Hash) (*wire.MsgTx, Location, error) {
	l, err := x.Lookup(txid)
	if err != nil {
		return nil, Location{}, err
	}
	raw, err := x.chain.BlockBytesByHash(&l.BlockHash)
	if err != nil {
		return nil, Location{}, indexError(ErrChain, fmt.Sprintf("block %s: %v", l.BlockHash, err))
	}
	end := uint64(l.Offset) + uint64(l.Len)
	notThere := indexError(ErrTxNotFound, fmt.Sprintf("transaction %s is not in block %s",
		txid, l.BlockHash))
	if end > uint64(len(raw)) {
		return nil, Location{}, notThere
	}
	tx := new(wire.MsgTx)
	n, err := tx.DeserializeBytes(raw[l.Offset:end])
	if err != nil || n != int(l.Len) || tx.TxHash() != *txid {
		return nil, Location{}, notThere
	}
	return tx, l, nil
}
