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

The mempool reads FetchUtxoEntry, BestSnapshot, MedianTimePast,
CalcSequenceLock (with SequenceLockActive), CheckTransactionSanity,
IsFinalizedTransaction and TxSigOpCost, and follows NTBlockConnected and
NTBlockDisconnected notifications. Mining uses CalcNextRequiredDifficulty,
CalcBlockSubsidy, the merkle and witness commitment helpers and
CheckConnectBlockTemplate. The RPC server has BlockByHash, BlockBytesByHash,
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
for mutations, which say nothing about the header). A reorganisation stages
all its changes in one view and writes them in one batch, so a failure in
the new branch leaves the old chain as it was.

# Crash safety

The tip, the UTXO changes and the undo data of each connect (or of a whole
reorganisation) are written in one goleveldb batch. Block bytes are stored
before they are connected; on start New connects any stored blocks with more
work than the stored tip.

# Concurrency

A BlockChain is safe for concurrent use: one writer at a time, readers under
a shared lock. Notifications are delivered in order after the writer
releases the lock, so a receiver may call query methods.

# Script checks

Every input is verified by the txscript interpreter (engine.go) with the
consensus flags in force at the block's height, on ScriptWorkers goroutines,
sharing the Config's SigCache with the mempool. The interpreter sits behind
the small scriptEngine interface, the one place validation meets it.
Sigop counting is done here (sigops.go), as Core's consensus code does it.

# Not yet implemented

There is no minimum-chain-work or checkpoint
defence against low-work header spam, and no assumevalid: every script of
every block is verified. The UTXO cache is a write-through read cache (each
connect writes its batch), which keeps crash recovery trivial at some cost
in initial sync speed.
*/
package blockchain
