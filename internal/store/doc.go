/*
Package store is ternd's goleveldb storage for the block chain: block index
records, block bytes, undo data, the UTXO set and the chain tip.

The store knows nothing about consensus. It keeps opaque values under a fixed
key-space layout and offers reads plus one kind of write, the atomic Batch, so
that the blockchain package can move the tip and the UTXO changes of a flush
of its UTXO cache (many blocks' worth) together: after a crash at any moment
leveldb replays its journal and the database holds either the state before
the batch or the state after it, never a mix. Undo data and index records of
blocks past the stored tip may be present; the blockchain package connects
those blocks again at start. Batch methods copy their arguments, so callers
may reuse their buffers.

# Key-space layout

Every key starts with a one-byte prefix naming its bucket:

	'V'                      schema version, 4 bytes big-endian (currently 1)
	'T'                      chain tip the stored UTXO set corresponds to:
	                         32-byte block hash || 4-byte big-endian height
	'i' || hash(32)          block index record (encoded by blockchain: header, height, status)
	'b' || hash(32)          serialized block (wire encoding, with witnesses)
	'r' || hash(32)          undo data of a connected block (spent outputs, encoded by blockchain)
	'u' || txid(32) || n(4)  unspent output n of txid, n big-endian so an iteration visits
	                         a transaction's outputs in order; value encoded by blockchain

Hashes are stored in their internal (little-endian, chainhash.Hash) byte order.
Block data is written when a block is accepted, before it is connected, and is
keyed by hash, so a crash between storing a block and connecting it only leaves
a block that the index records as "data stored" and that chain selection can
connect again on the next start.

# Usage

	s, err := store.Open(dir, nil)
	...
	defer s.Close()
	b := s.NewBatch()
	b.PutUndo(hash, undo)
	b.PutUtxo(txid, 0, entry)
	b.DeleteUtxo(spentTxid, 3)
	b.PutTip(store.Tip{Hash: hash, Height: h})
	err = s.Write(b)

# Concurrency

A Store is safe for concurrent use: reads may run beside a Write and see either
the state before it or after it. Callers that need several reads to agree (the
UTXO set statistics) use ForEachUtxo, which reads from one snapshot. A Batch is
not safe for concurrent use; build it in one goroutine.
*/
package store
