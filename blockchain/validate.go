package blockchain

import (
	"bytes"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// Consensus constants.
const (
	// SatoshiPerBitcoin is the number of satoshis in one bitcoin.
	SatoshiPerBitcoin = standalone.SatoshiPerBitcoin
	// MaxSatoshi is the largest amount (21 million coins), Core's MAX_MONEY.
	MaxSatoshi = standalone.MaxSatoshi
	// MaxBlockWeight is the BIP141 block weight limit.
	MaxBlockWeight = standalone.MaxBlockWeight
	// MaxBlockSigOpsCost is the BIP141 block sigop cost limit.
	MaxBlockSigOpsCost = standalone.MaxBlockSigOpsCost
	// MaxTimeOffsetSeconds is how far past the node's clock a block's
	// timestamp may be (Core's MAX_FUTURE_BLOCK_TIME).
	MaxTimeOffsetSeconds = 2 * 60 * 60
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

// CheckTransactionSanity runs the context-free checks of a transaction
// (Core's CheckTransaction, standalone.CheckTransactionSanity) and returns a
// violation as this package's Error, whose kind carries the same reject
// string.
func CheckTransactionSanity(tx *wire.MsgTx) error {
	return chainRuleError(standalone.CheckTransactionSanity(tx))
}

// chainRuleError converts a standalone rule violation into this package's
// Error, keeping its description. Each standalone kind's string is one of
// this package's kinds (a test checks it), so the reject reason is kept.
// standalone returns its RuleError unwrapped, so a type assertion finds it
// without the allocation errors.As would cost on every call.
func chainRuleError(err error) error {
	re, ok := err.(standalone.RuleError)
	if !ok {
		return err
	}
	return ruleError(ErrorKind(re.Err), re.Description)
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
	root, mutated := standalone.CalcMerkleRoot(scratch)
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
	if !standalone.IsCoinBaseTx(block.Transactions[0]) {
		return ruleError(ErrNoCoinbase, "first tx is not coinbase")
	}
	for _, tx := range block.Transactions[1:] {
		if standalone.IsCoinBaseTx(tx) {
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
		sigOps += standalone.CountLegacySigOps(tx)
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
		if !standalone.IsFinalTx(tx, height, cutoff) {
			return ruleError(ErrUnfinalizedTx, "non-final transaction "+tx.TxHash().String())
		}
	}
	if height >= p.BIP0034Height {
		want := standalone.CoinbaseHeightScript(height)
		if !bytes.HasPrefix(block.Transactions[0].TxIn[0].SignatureScript, want) {
			return ruleError(ErrBadCoinbaseHeight, "block height mismatch in coinbase")
		}
	}
	haveWitness := false
	if height >= p.SegwitHeight {
		cb := block.Transactions[0]
		if idx := standalone.WitnessCommitmentIndex(cb); idx >= 0 {
			w := cb.TxIn[0].Witness
			if len(w) != 1 || len(w[0]) != 32 {
				return ruleError(ErrBadWitnessNonceSize, "invalid witness reserved value size")
			}
			root := standalone.WitnessMerkleRoot(block.Transactions, b.recentTxids[block])
			c := standalone.WitnessCommitment(&root, w[0])
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
// transaction's BIP68 relative lock times are met (standalone.SequenceLock).
type SequenceLock = standalone.SequenceLock

// calcSequenceLock computes tx's BIP68 lock for a block whose parent is
// prev; prevHeights[i] is the height of the block that created input i's
// output (prev.height+1 for one not yet in a block). The coins' median times
// are read from prev's ancestors.
func calcSequenceLock(tx *wire.MsgTx, prevHeights []int32, prev *blockNode) SequenceLock {
	lock, _ := standalone.CalcSequenceLock(tx, prevHeights, func(h int32) (int64, error) {
		return prev.Ancestor(h).CalcPastMedianTime(), nil
	})
	return lock
}

// moneyRange reports whether v is a valid amount.
func moneyRange(v int64) bool { return v >= 0 && v <= MaxSatoshi }

// now returns the configured clock's time.
func (b *BlockChain) now() time.Time { return b.timeSource() }
