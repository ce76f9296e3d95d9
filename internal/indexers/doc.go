/*
Package indexers holds ternd's optional chain indexes: the transaction
index behind --txindex (Bitcoin Core's -txindex), a map from every
confirmed transaction's txid to where it lies in the chain's stored
blocks, so getrawtransaction finds a confirmed transaction without being
told its block; and the block filter index behind --blockfilterindex
(Core's -blockfilterindex=basic), the BIP158 basic filter and filter
header of every block, which getblockfilter and BIP157 peers read.

# Storage

The index lives in its own goleveldb database, indexes/txindex under the
network data dir as in Core, so it can be dropped or rebuilt without
touching the chain database and a node started without --txindex simply
leaves it alone (it is not deleted; enabling the flag again catches it up
from where it stopped). Keys:

	'V'              schema version, 4 bytes big-endian (currently 1)
	'B'              best block: 32-byte hash || 4-byte big-endian height
	't' || txid(32)  location: height || offset || length, each 4 bytes
	                 big-endian; offset and length are the transaction's
	                 byte range inside the serialized block

An entry names the block by height, which keeps it at 12 bytes; a reader
maps the height to the main chain's block, reads that block from the chain
and checks the transaction found at the range hashes to the txid, so an
entry that a reorganisation has made stale (the index not having caught up
yet) reads as not found instead of returning another transaction. The
genesis block is not indexed, as in Core.

Every write is one atomic leveldb batch holding the entries of one or more
blocks together with the new best block, so after a crash the entries
always match the best block. Disconnected blocks' entries are deleted (Core
keeps them); a txid that occurs twice in the chain (BIP30's duplicate
coinbases) points at its last block.

# Following the chain

The daemon calls Notify from the chain's notification callback. Notify only
remembers the block (a few blocks, bounded by maxRecentTxns) and wakes the
index goroutine, Run; the database work happens there, off the
block-connection path, as Core's index runs from its validation-interface
queue. Each pass of Run moves the index to the chain's current tip: while
its best block is not in the main chain it rewinds (deleting that block's
entries and stepping to the parent), then it adds the main-chain blocks
above it. The first pass is the catch-up of a new index, or of one that fell
behind (a crash, or a run without --txindex); it batches many blocks per
write and logs its progress every ten seconds. Blocks not remembered from a
notification are read back from the chain's store.

Synced reports Core's "synced" (a pass reached the tip); getindexinfo
reports it with the best height. BlockUntilSyncedToCurrentChain is what
getrawtransaction calls before a lookup, as Core: false while catching up,
otherwise it waits briefly for the notifications already delivered.

# The block filter index

FilterIndex lives in indexes/blockfilter/basic and follows the chain the
same way (Notify, Run, Synced, BlockUntilSyncedToCurrentChain). Keys:

	'V'              schema version, 4 bytes big-endian (currently 1)
	'B'              best block: 32-byte hash || 4-byte big-endian height
	'f' || hash(32)  the block's serialized basic filter
	'h' || hash(32)  filter hash || filter header, 32 bytes each

Entries are keyed by block hash, so a disconnected block's entries stay
right for that block: a rewind only moves the best block back (the
block's filter stays readable, as in Core), and a block connected again is
simply written again. A new index starts with the genesis block's filter.
Each connected block's filter is built from the block and the scripts of
the outputs it spent, read from the chain's undo data (SpentOutputs); its
header chains on the parent's, and the filter, the header and the new
best block go into one batch (several blocks per batch while catching
up). SyncedTo(height) tells the BIP157 server whether the main-chain block
at height is indexed yet: Core does not answer a request the index cannot
serve in full.

# One base, two indexes

TxIndex (txindex.go) and FilterIndex (filterindex.go) embed indexBase
(base.go), which holds what they share, so each rule is written once:
opening the database, the schema version and best block records, Close,
reads under the close check, the atomic write of a batch with the new
best block, Notify's bookkeeping, Best, Synced,
BlockUntilSyncedToCurrentChain, and Run's passes with their catch-up and
rewind. A pass asks the index for its own steps through indexSteps (start
a pass, connect a block, disconnect one, reset to genesis, whether a
catch-up batch is full, write a batch), so each index holds only its
records and their readers: the txindex its entries by txid (Lookup,
FetchTx), the filter index its filters and filter headers (Filter, Entry,
FilterHeader, SyncedTo), the header of its best block and the genesis
filter of a new index. The index's names, passed into the base, keep each
index's own error messages and log lines ("txindex is closed", "block
filter index is closed").

# Usage

	x, err := indexers.OpenTxIndex(filepath.Join(netDir, "indexes", "txindex"), chain)
	...
	// In the chain's Config.Notifications: x.Notify(n)
	go x.Run(ctx)
	...
	tx, loc, err := x.FetchTx(&txid) // errors.Is(err, indexers.ErrTxNotFound)
	...
	cancel()  // stop Run and wait for it
	x.Close()

# Concurrency

TxIndex and FilterIndex are safe for concurrent use. Notify never blocks
on the database. Run must run in one goroutine at a time; Close must
follow its return.
*/
package indexers
