/*
Package blockchain validates blocks and keeps the chain state of ternd: the
block index of every known header, the main chain, the UTXO set (in
internal/store behind an in-memory cache), undo data, chain selection by
cumulative work with reorganisations, orphan blocks, and the event hub of
block connected/disconnected notifications.

# Usage

	db, err := store.Open(dir, nil)
	chain, err := blockchain.New(&blockchain.Config{
		DB:            db,
		ChainParams:   &chaincfg.RegressionNetParams,
		Notifications: func(n *blockchain.Notification) { ... },
	})
	isMain, isOrphan, err := chain.ProcessBlock(block, blockchain.BFNone)
	if errors.Is(err, blockchain.ErrBadMerkleRoot) { ... }
	reason := blockchain.RejectReason(err) // "bad-txnmrklroot"

Headers-first sync calls ProcessBlockHeaders first, BlocksToFetch to learn
what to download, and ProcessBlock for the bodies in any order: a block whose
header is known is stored and the chain moves as soon as a better chain has
all its data. Locators: LatestBlockLocator, BlockLocatorFromHash; answers to
getheaders/getblocks: LocateHeaders, LocateBlocks.

The mempool reads FetchUtxoEntry, BestSnapshot, MedianTimePast and
CalcSequenceLock, and follows NTBlockConnected and NTBlockDisconnected
notifications. Mining uses CalcNextRequiredDifficulty and
CheckConnectBlockTemplate. The context-free rules (transaction sanity,
finality and sequence locks, sigop counts, merkle roots and the witness
commitment, proof of work, subsidy) live in blockchain/standalone, which the
chain, the pool and mining share; this package applies them with its state
(median times from its index, spent outputs from its UTXO view). The RPC server has BlockByHash, BlockBytesByHash,
BlockHashByHeight, BlockHeightByHash, HeaderByHash, BlockInfoByHash,
ChainTips, UtxoSetStats, GetDifficulty, InvalidateBlock, ReconsiderBlock,
VerifyChain, BestHeader and IsCurrent.

# Rules

Context-free (CheckBlockSanity, Core's CheckBlock): proof of work, merkle
root and the CVE-2012-2459 mutation, size, one leading coinbase, each
transaction's sanity, legacy sigops. Contextual header rules
(checkBlockHeaderContext): required difficulty (retargeting, testnet's
20-minute rule, BIP94 on testnet4, none on regtest), time above the median
time past and at most two hours ahead, the BIP94 timewarp rule, version
thresholds of BIP34/66/65. Contextual block rules (checkBlockContext):
finality by median time past (BIP113), the BIP34 height, the BIP141 witness
commitment and nonce, no witness without commitment, weight. Connect rules
(checkConnectBlock, Core's ConnectBlock): BIP30, inputs exist and are
mature, value ranges, BIP68 sequence locks, sigop cost, fees and subsidy,
and every input's scripts with the flags in force at the height, checked on
several goroutines.

A block that breaks a rule is marked invalid with its descendants (except
for mutations, which say nothing about the header).

# Reorganisations

A reorganisation (Core's ActivateBestChainStep) disconnects the old branch
back to the fork in chunks of at most reorgChunkBlocks (16) blocks and
reorgChunkBytes (32 MiB), each staged in one view and applied to the UTXO
cache with the tip moved to the chunk's end, then connects the new branch
block by block. Notifications are still delivered after the whole change,
but only the first chunk of them keeps its block in memory; the others are
read back from the store as they are delivered. So the chain holds about
two chunks of blocks, with their undo data and UTXO changes, whatever the
depth. Every intermediate tip is a real chain state, and a cache flush
(when the cache is full, or at the end of every change that disconnected
blocks) stores one of them with its UTXO set in one batch; after a crash
New replays from it to the best stored chain, finishing the reorganisation.

When a block of the new branch breaks a rule it is marked invalid with its
descendants, the chain is left on its parent, and activateBestChain moves
to the best valid chain measured against the tip it started from: back to
the old branch (connected again) unless the valid part of the new one, or
another chain, has more work. A block connected and disconnected again in
one operation cancels its two notifications, so receivers see what a
reorganisation staged in one view showed them: the old tip's blocks
disconnected (tip first), then the final branch's connected, and nothing
at all when the chain came back to where it was.

# UTXO cache and crash safety

The UTXO set lives in the store behind a write-back cache (utxoCache in
utxo.go, Core's CCoinsViewCache): a connected block's changes are staged in
a view and, once the block is part of the chain, applied to the cache only.
Cache entries carry Core's DIRTY and FRESH flags, so an output created and
spent between two flushes never touches leveldb. A flush writes every dirty
entry together with the tip they belong to in ONE atomic goleveldb batch, so
the stored UTXO set always corresponds exactly to the stored tip.

Block bytes (when a block is accepted) and undo data with the block's index
record (when it connects) are written as blocks arrive; they are harmless
while the stored tip does not move. After a crash, New finds the flushed tip
and connects again (replays) the stored blocks after it, so the chain comes
back to where it was, never to a mix of two states.

The cache is flushed when it grows past Config.UtxoCacheBytes (default
DefaultUtxoCacheBytes; the daemon's --dbcache) or Config.UtxoCacheEntries,
and then trimmed to half its budget, oldest outputs first; when Config.UtxoFlushInterval (default
DefaultUtxoFlushInterval) has passed since the last flush, keeping its now
clean entries; after every reorganisation (replay only moves to more work,
so the stored tip must not stay on a branch that was left, as after
InvalidateBlock); before UtxoSetStats walks the stored set; and by
FlushUtxoCache and Close. The daemon should call Close before it closes the
store; if it does not, the next start replays the blocks since the last
flush. A stored tip found marked invalid (a crash between InvalidateBlock's
mark and its flush) is first disconnected back to its last valid ancestor.

A connected block costs one store write in a sync (its header record, bytes,
index record and undo data in one batch). The connect path computes each
txid once per block (from the sanity checks), carves spent outputs, undo
entries, script jobs and new UTXO entries from block-sized allocations,
builds each transaction's signature-hash midstates once (the BIP341 spent
output hashes only when it spends taproot outputs), and shares the
signature cache with the mempool, so signatures already checked there are
cache hits. BenchmarkIBD (2,000 blocks, 100,000 transactions from a fresh
store), BenchmarkIBDSmallCache, BenchmarkIBDSigned, BenchmarkConnectBlock
and BenchmarkConnectBlockSigned(Cached) measure it.

# Concurrency

A BlockChain is safe for concurrent use: one writer at a time (writeMu),
readers under a shared lock. Notifications are delivered in order after the
writer releases the lock, so a receiver may call query methods; the next
writer may work meanwhile but delivers only after it.

# Script checks

Every input is verified by the txscript interpreter (engine.go) with the
consensus flags in force at the block's height, on ScriptWorkers goroutines,
sharing the Config's SigCache with the mempool. The interpreter sits behind
the small scriptEngine interface, the one place validation meets it.
Sigop counting is done here (sigops.go), as Core's consensus code does it.

# Low-work headers

ProcessBlockHeadersAntiDoS stores a headers message only when the chain it
builds reaches AntiDoSWorkThreshold (Core's GetAntiDoSWorkThreshold: the
tip's work less 144 blocks' worth, or Config.MinimumChainWork if higher), so
cheap low-difficulty headers forking far back cannot fill the index; below
it the error is ErrLowWorkHeaders and nothing is stored. HeadersWork adds up
headers the caller does not store. ProcessBlockHeaders itself is unchanged
and stores every valid header, so the caller chooses: netsync should use the
anti-DoS form for peers' headers messages, ignore (not punish) a low-work
refusal, and keep any per-peer presync state bounded (the last header and
the running work).

# Not yet implemented

Core's full headers presync (commitments while the peer's low-work chain is
downloaded twice) is not implemented: a better chain forking more than 144
blocks back that needs more than one headers message to overtake the tip is
refused by ProcessBlockHeadersAntiDoS. There are no checkpoints and no
assumevalid: every script of every block is verified.
*/
package blockchain
