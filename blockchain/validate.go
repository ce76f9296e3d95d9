package blockchain

import (
	"bytes"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// Consensus constants.
const (
	// SatoshiPerBitcoin is the number of satoshis in one bitcoin.
	SatoshiPerBitcoin = 100000000
	// MaxSatoshi is the largest amount (21 million coins), Core's MAX_MONEY.
	MaxSatoshi = 21000000 * SatoshiPerBitcoin
	// MaxBlockWeight is the BIP141 block weight limit.
	MaxBlockWeight = 4000000
	// MaxTimeOffsetSeconds is how far past the node's clock a block's
	// timestamp may be (Core's MAX_FUTURE_BLOCK_TIME).
	MaxTimeOffsetSeconds = 2 * 60 * 60
	// baseSubsidy is the first-era block subsidy.
	baseSubsidy = 50 * SatoshiPerBitcoin
	// lockTimeThreshold splits nLockTime into heights (below) and times.
	lockTimeThreshold = 500000000
	// minCoinbaseScriptLen and maxCoinbaseScriptLen bound the coinbase script.
	minCoinbaseScriptLen = 2
	maxCoinbaseScriptLen = 100
)

// BehaviorFlags modify how a block is processed.
type BehaviorFlags uint32

const (
	// BFNone is the default: every check.
	BFNone BehaviorFlags = 0
	// BFNoPoWCheck skips the proof-of-work check, for block templates that
	// are checked before they are solved (CheckConnectBlockTemplate).
	BFNoPoWCheck BehaviorFlags = 1 << iota
	// BFUnrequested marks a block a peer sent without our asking (Core's
	// AcceptBlock with fRequested false): it is stored only when its chain
	// has at least the tip's work, is at most MinBlocksToKeep blocks ahead
	// of the tip and reaches MinimumChainWork; otherwise ProcessBlock
	// refuses it with ErrUnrequestedBlock, storing nothing (not even its
	// header), so cheap low-work blocks cannot fill the disk.
	BFUnrequested
)

// MinBlocksToKeep is Core's MIN_BLOCKS_TO_KEEP: an unrequested block more
// than this many blocks ahead of the tip is not stored (fTooFarAhead).
const MinBlocksToKeep = 288

// IsCoinBaseTx reports whether tx is a coinbase: one input spending the null
// outpoint (zero hash, index 0xffffffff).
func IsCoinBaseTx(tx *wire.MsgTx) bool {
	if len(tx.TxIn) != 1 {
		return false
	}
	p := &tx.TxIn[0].PreviousOutPoint
	return p.Index == wire.MaxPrevOutIndex && p.Hash == (chainhash.Hash{})
}

// CalcBlockSubsidy returns the subsidy of a block at height: 50 coins halved
// every SubsidyReductionInterval blocks, zero after 64 halvings.
func CalcBlockSubsidy(height int32, params *chaincfg.Params) int64 {
	if params.SubsidyReductionInterval == 0 {
		return baseSubsidy
	}
	halvings := height / params.SubsidyReductionInterval
	if halvings >= 64 {
		return 0
	}
	return baseSubsidy >> uint(halvings)
}

// CheckTransactionSanity runs the context-free checks of a transaction
// (Core's CheckTransaction).
func CheckTransactionSanity(tx *wire.MsgTx) error {
	if len(tx.TxIn) == 0 {
		return ruleError(ErrNoTxInputs, "transaction has no inputs")
	}
	if len(tx.TxOut) == 0 {
		return ruleError(ErrNoTxOutputs, "transaction has no outputs")
	}
	if tx.SerializeSizeStripped()*wire.WitnessScaleFactor > MaxBlockWeight {
		return ruleError(ErrTxTooBig, "transaction is larger than a block")
	}
	var total int64
	for _, out := range tx.TxOut {
		if out.Value < 0 {
			return ruleError(ErrNegativeTxOut, fmt.Sprintf("output value %d is negative", out.Value))
		}
		if out.Value > MaxSatoshi {
			return ruleError(ErrTxOutTooLarge, fmt.Sprintf("output value %d is too large", out.Value))
		}
		total += out.Value
		if total > MaxSatoshi {
			return ruleError(ErrTxOutTotalTooLarge, "total output value is too large")
		}
	}
	if len(tx.TxIn) > 1 {
		seen := make(map[wire.OutPoint]struct{}, len(tx.TxIn))
		for _, in := range tx.TxIn {
			if _, dup := seen[in.PreviousOutPoint]; dup {
				return ruleError(ErrDuplicateTxInputs, "transaction spends "+
					in.PreviousOutPoint.String()+" twice")
			}
			seen[in.PreviousOutPoint] = struct{}{}
		}
	}
	if IsCoinBaseTx(tx) {
		l := len(tx.TxIn[0].SignatureScript)
		if l < minCoinbaseScriptLen || l > maxCoinbaseScriptLen {
			return ruleError(ErrBadCoinbaseLength, fmt.Sprintf("coinbase script length %d "+
				"is outside [2, 100]", l))
		}
		return nil
	}
	for _, in := range tx.TxIn {
		p := &in.PreviousOutPoint
		if p.Index == wire.MaxPrevOutIndex && p.Hash == (chainhash.Hash{}) {
			return ruleError(ErrBadTxInput, "input spends the null outpoint")
		}
	}
	return nil
}

// CheckBlockSanity runs the context-free checks of a block (Core's
// CheckBlock): proof of work, merkle root and its mutation, size, coinbase
// placement, each transaction, and legacy sigops.
func CheckBlockSanity(block *wire.MsgBlock, powLimit *big.Int, flags BehaviorFlags) error {
	return checkBlockSanity(block, powLimit, flags, blockTxHashes(block))
}

// blockTxHashes returns the txids of a block's transactions.
func blockTxHashes(block *wire.MsgBlock) []chainhash.Hash {
	hashes := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions {
		hashes[i] = tx.TxHash()
	}
	return hashes
}

// checkBlockSanity is CheckBlockSanity with the txids already computed.
func checkBlockSanity(block *wire.MsgBlock, powLimit *big.Int, flags BehaviorFlags,
	txHashes []chainhash.Hash) error {

	header := &block.Header
	if flags&BFNoPoWCheck == 0 {
		hash := header.BlockHash()
		if err := checkProofOfWork(&hash, header.Bits, powLimit); err != nil {
			return err
		}
	}
	scratch := make([]chainhash.Hash, len(txHashes), len(txHashes)+1)
	copy(scratch, txHashes)
	root, mutated := CalcMerkleRoot(scratch)
	if root != header.MerkleRoot {
		return ruleError(ErrBadMerkleRoot, "hashMerkleRoot mismatch")
	}
	if mutated {
		return ruleError(ErrDuplicateTx, "duplicate transaction")
	}
	n := len(block.Transactions)
	if n == 0 || n*wire.WitnessScaleFactor > MaxBlockWeight ||
		block.SerializeSizeStripped()*wire.WitnessScaleFactor > MaxBlockWeight {
		return ruleError(ErrBlockLength, "size limits failed")
	}
	if !IsCoinBaseTx(block.Transactions[0]) {
		return ruleError(ErrNoCoinbase, "first tx is not coinbase")
	}
	for _, tx := range block.Transactions[1:] {
		if IsCoinBaseTx(tx) {
			return ruleError(ErrMultipleCoinbases, "more than one coinbase")
		}
	}
	sigOps := 0
	for i, tx := range block.Transactions {
		if err := CheckTransactionSanity(tx); err != nil {
			e := err.(Error)
			e.Description = fmt.Sprintf("transaction %s: %s", txHashes[i], e.Description)
			return e
		}
		sigOps += legacyTxSigOps(tx)
	}
	if sigOps*wire.WitnessScaleFactor > MaxBlockSigOpsCost {
		return ruleError(ErrTooManySigOps, "out-of-bounds SigOpCount")
	}
	return nil
}

// checkBlockHeaderContext runs the header checks that need the parent
// (Core's ContextualCheckBlockHeader).
func (b *BlockChain) checkBlockHeaderContext(header *wire.BlockHeader, parent *blockNode) error {
	height := parent.height + 1
	want := b.calcNextRequiredDifficulty(parent, header.Timestamp)
	if header.Bits != want {
		return ruleError(ErrBadDiffBits, fmt.Sprintf("incorrect proof of work: bits %08x, "+
			"want %08x", header.Bits, want))
	}
	ts := header.Timestamp.Unix()
	if ts <= parent.CalcPastMedianTime() {
		return ruleError(ErrTimeTooOld, "block's timestamp is too early")
	}
	if b.params.EnforceBIP94 && height%b.blocksPerRetarget() == 0 &&
		ts < parent.timestamp-maxTimewarp {
		return ruleError(ErrTimewarpAttack, "block's timestamp is too early on diff "+
			"adjustment block")
	}
	if ts > b.now().Unix()+MaxTimeOffsetSeconds {
		return ruleError(ErrTimeTooNew, "block timestamp too far in the future")
	}
	p := b.params
	v := header.Version
	if (v < 2 && height >= p.BIP0034Height) || (v < 3 && height >= p.BIP0066Height) ||
		(v < 4 && height >= p.BIP0065Height) {
		return ruleError(ErrBadVersion, fmt.Sprintf("bad-version(0x%08x): rejected "+
			"nVersion=0x%08x block", uint32(v), uint32(v)))
	}
	return nil
}

// IsFinalizedTransaction reports whether tx is final in a block at height
// with the given lock-time cutoff (Core's IsFinalTx).
func IsFinalizedTransaction(tx *wire.MsgTx, height int32, cutoff int64) bool {
	lt := int64(tx.LockTime)
	if lt == 0 {
		return true
	}
	limit := cutoff
	if lt < lockTimeThreshold {
		limit = int64(height)
	}
	if lt < limit {
		return true
	}
	for _, in := range tx.TxIn {
		if in.Sequence != wire.MaxTxInSequenceNum {
			return false
		}
	}
	return true
}

// blockWeight returns stripped size × 3 + total size (BIP141).
func blockWeight(block *wire.MsgBlock) int {
	return block.SerializeSizeStripped()*(wire.WitnessScaleFactor-1) + block.SerializeSize()
}

// checkBlockContext runs the block checks that need the parent (Core's
// ContextualCheckBlock): finality, BIP34 height, witness commitment and
// weight.
func (b *BlockChain) checkBlockContext(block *wire.MsgBlock, parent *blockNode) error {
	height := parent.height + 1
	p := b.params
	cutoff := block.Header.Timestamp.Unix()
	if height >= p.CSVHeight {
		cutoff = parent.CalcPastMedianTime()
	}
	for _, tx := range block.Transactions {
		if !IsFinalizedTransaction(tx, height, cutoff) {
			return ruleError(ErrUnfinalizedTx, "non-final transaction "+tx.TxHash().String())
		}
	}
	if height >= p.BIP0034Height {
		want := coinbaseHeightPrefix(height)
		if !bytes.HasPrefix(block.Transactions[0].TxIn[0].SignatureScript, want) {
			return ruleError(ErrBadCoinbaseHeight, "block height mismatch in coinbase")
		}
	}
	haveWitness := false
	if height >= p.SegwitHeight {
		cb := block.Transactions[0]
		if idx := WitnessCommitmentIndex(cb); idx >= 0 {
			w := cb.TxIn[0].Witness
			if len(w) != 1 || len(w[0]) != 32 {
				return ruleError(ErrBadWitnessNonceSize, "invalid witness reserved value size")
			}
			root := witnessMerkleRoot(block.Transactions, b.recentTxids[block])
			c := WitnessCommitment(&root, w[0])
			if !bytes.Equal(c[:], cb.TxOut[idx].PkScript[6:38]) {
				return ruleError(ErrWitnessCommitmentMismatch, "witness merkle commitment mismatch")
			}
			haveWitness = true
		}
	}
	if !haveWitness {
		for _, tx := range block.Transactions {
			if tx.HasWitness() {
				return ruleError(ErrUnexpectedWitness, "unexpected witness data found")
			}
		}
	}
	if w := blockWeight(block); w > MaxBlockWeight {
		return ruleError(ErrBlockWeight, fmt.Sprintf("weight limit failed: %d", w))
	}
	return nil
}

// SequenceLock is the earliest block height and median time past at which a
// transaction's BIP68 relative lock times are met: a block is valid for the
// transaction when its height is above BlockHeight and its parent's median
// time past is above Seconds. -1 means no constraint.
type SequenceLock struct {
	Seconds     int64
	BlockHeight int32
}

// calcSequenceLock computes tx's BIP68 lock for a block whose parent is
// prev; prevHeights[i] is the height of the block that created input i's
// output (prev.height+1 for one not yet in a block). Ancestors of prev give
// the coins' median times.
func calcSequenceLock(tx *wire.MsgTx, prevHeights []int32, prev *blockNode) *SequenceLock {
	lock := &SequenceLock{Seconds: -1, BlockHeight: -1}
	// Core compares the version as unsigned: BIP68 applies to every
	// version of 2 and above, 0xffffffff included.
	if uint32(tx.Version) < 2 || IsCoinBaseTx(tx) {
		return lock
	}
	for i, in := range tx.TxIn {
		seq := in.Sequence
		if seq&wire.SequenceLockTimeDisabled != 0 {
			continue
		}
		h := prevHeights[i]
		val := int64(seq & wire.SequenceLockTimeMask)
		if seq&wire.SequenceLockTimeIsSeconds != 0 {
			ah := h - 1
			if ah < 0 {
				ah = 0
			}
			coinTime := prev.Ancestor(ah).CalcPastMedianTime()
			t := coinTime + val<<wire.SequenceLockTimeGranularity - 1
			if t > lock.Seconds {
				lock.Seconds = t
			}
		} else {
			bh := h + int32(val) - 1
			if bh > lock.BlockHeight {
				lock.BlockHeight = bh
			}
		}
	}
	return lock
}

// SequenceLockActive reports whether lock is met by a block at blockHeight
// whose parent has the given median time past (Core's EvaluateSequenceLocks).
func SequenceLockActive(lock *SequenceLock, blockHeight int32, medianTimePast int64) bool {
	return lock.Seconds < medianTimePast && lock.BlockHeight < blockHeight
}

// moneyRange reports whether v is a valid amount.
func moneyRange(v int64) bool { return v >= 0 && v <= MaxSatoshi }

// now returns the configured clock's time.
func (b *BlockChain) now() time.Time { return b.timeSource() }
