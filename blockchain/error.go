package blockchain

import (
	"errors"
	"strings"

	"github.com/tern-org/ternd/blockchain/standalone"
)

// ErrorKind identifies a kind of error. For consensus rule violations the
// kind's string is Bitcoin Core's reject reason ("bad-txnmrklroot"), so the
// P2P and RPC layers can report it unchanged. ErrorKind implements error so
// callers test a kind with errors.Is(err, blockchain.ErrBadMerkleRoot).
type ErrorKind string

// Error returns the kind's string (the reject reason for rule errors).
func (e ErrorKind) Error() string { return string(e) }

// These constants are the error kinds. Rule kinds carry Core's reject strings;
// those of the context-free rules are standalone's kinds, so the strings have
// one source.
const (
	// ErrDuplicateBlock: the block is already known with its data.
	ErrDuplicateBlock = ErrorKind("duplicate")
	// ErrKnownInvalid: the block (or header) is already known to be invalid.
	ErrKnownInvalid = ErrorKind("duplicate-invalid")
	// ErrHighHash: the header's hash is above its target, or the target is
	// out of range.
	ErrHighHash = ErrorKind(standalone.ErrHighHash)
	// ErrBadDiffBits: the header's bits are not the required difficulty.
	ErrBadDiffBits = ErrorKind("bad-diffbits")
	// ErrTimeTooOld: the timestamp is not above the median time past.
	ErrTimeTooOld = ErrorKind("time-too-old")
	// ErrTimeTooNew: the timestamp is more than two hours in the future.
	ErrTimeTooNew = ErrorKind("time-too-new")
	// ErrTimewarpAttack: BIP94's rule for the first block of a period.
	ErrTimewarpAttack = ErrorKind("time-timewarp-attack")
	// ErrBadVersion: the version is below the BIP34/66/65 threshold.
	ErrBadVersion = ErrorKind("bad-version")
	// ErrPrevBlockNotFound: a header's parent is unknown.
	ErrPrevBlockNotFound = ErrorKind("prev-blk-not-found")
	// ErrInvalidAncestor: the block descends from an invalid block.
	ErrInvalidAncestor = ErrorKind("bad-prevblk")
	// ErrBadMerkleRoot: the header's merkle root does not match.
	ErrBadMerkleRoot = ErrorKind("bad-txnmrklroot")
	// ErrDuplicateTx: the merkle tree is mutated (CVE-2012-2459).
	ErrDuplicateTx = ErrorKind("bad-txns-duplicate")
	// ErrBlockLength: no transactions, or too many, or stripped size too big.
	ErrBlockLength = ErrorKind("bad-blk-length")
	// ErrBlockWeight: the block weighs more than 4,000,000.
	ErrBlockWeight = ErrorKind("bad-blk-weight")
	// ErrNoCoinbase: the first transaction is not a coinbase.
	ErrNoCoinbase = ErrorKind("bad-cb-missing")
	// ErrMultipleCoinbases: a transaction other than the first is a coinbase.
	ErrMultipleCoinbases = ErrorKind("bad-cb-multiple")
	// ErrBadCoinbaseLength: the coinbase script is not 2 to 100 bytes.
	ErrBadCoinbaseLength = ErrorKind(standalone.ErrBadCoinbaseLength)
	// ErrBadCoinbaseHeight: the coinbase does not start with the height (BIP34).
	ErrBadCoinbaseHeight = ErrorKind("bad-cb-height")
	// ErrBadCoinbaseValue: the coinbase pays more than subsidy plus fees.
	ErrBadCoinbaseValue = ErrorKind("bad-cb-amount")
	// ErrTooManySigOps: the block's sigop cost is above 80,000.
	ErrTooManySigOps = ErrorKind("bad-blk-sigops")
	// ErrNoTxInputs: a transaction has no inputs.
	ErrNoTxInputs = ErrorKind(standalone.ErrNoTxInputs)
	// ErrNoTxOutputs: a transaction has no outputs.
	ErrNoTxOutputs = ErrorKind(standalone.ErrNoTxOutputs)
	// ErrTxTooBig: a transaction's stripped size times four is above the
	// block weight limit.
	ErrTxTooBig = ErrorKind(standalone.ErrTxTooBig)
	// ErrNegativeTxOut: an output value is negative.
	ErrNegativeTxOut = ErrorKind(standalone.ErrNegativeTxOut)
	// ErrTxOutTooLarge: an output value is above 21 million coins.
	ErrTxOutTooLarge = ErrorKind(standalone.ErrTxOutTooLarge)
	// ErrTxOutTotalTooLarge: the outputs add up to more than 21 million coins.
	ErrTxOutTotalTooLarge = ErrorKind(standalone.ErrTxOutTotalTooLarge)
	// ErrDuplicateTxInputs: a transaction spends one outpoint twice.
	ErrDuplicateTxInputs = ErrorKind(standalone.ErrDuplicateTxInputs)
	// ErrBadTxInput: a non-coinbase transaction has a null prevout.
	ErrBadTxInput = ErrorKind(standalone.ErrBadTxInput)
	// ErrUnfinalizedTx: a transaction is not final by lock time (BIP113) or
	// by its relative lock times (BIP68).
	ErrUnfinalizedTx = ErrorKind("bad-txns-nonfinal")
	// ErrMissingTxOut: an input spends an unknown or spent output, or one
	// spent earlier in the same block.
	ErrMissingTxOut = ErrorKind("bad-txns-inputs-missingorspent")
	// ErrImmatureSpend: a coinbase output is spent before 100 confirmations.
	ErrImmatureSpend = ErrorKind("bad-txns-premature-spend-of-coinbase")
	// ErrBadTxInputValue: input values are out of range.
	ErrBadTxInputValue = ErrorKind("bad-txns-inputvalues-outofrange")
	// ErrSpendTooHigh: outputs exceed inputs.
	ErrSpendTooHigh = ErrorKind("bad-txns-in-belowout")
	// ErrBadFees: a transaction's fee is out of range.
	ErrBadFees = ErrorKind("bad-txns-fee-outofrange")
	// ErrBadAccumulatedFees: the block's fees are out of range.
	ErrBadAccumulatedFees = ErrorKind("bad-txns-accumulated-fee-outofrange")
	// ErrOverwriteTx: a transaction overwrites unspent outputs (BIP30).
	ErrOverwriteTx = ErrorKind("bad-txns-BIP30")
	// ErrBadWitnessNonceSize: the coinbase witness is not one 32-byte item.
	ErrBadWitnessNonceSize = ErrorKind("bad-witness-nonce-size")
	// ErrWitnessCommitmentMismatch: the witness commitment does not match.
	ErrWitnessCommitmentMismatch = ErrorKind("bad-witness-merkle-match")
	// ErrUnexpectedWitness: witness data in a block without a commitment.
	ErrUnexpectedWitness = ErrorKind("unexpected-witness")
	// ErrScriptValidation: an input's script failed with the consensus flags.
	// The Error's Description is Core's full reason,
	// "mandatory-script-verify-flag-failed (...)".
	ErrScriptValidation = ErrorKind("mandatory-script-verify-flag-failed")
	// ErrBadSignetBlockSig: a signet block's solution does not satisfy the
	// network's challenge (BIP325).
	ErrBadSignetBlockSig = ErrorKind("bad-signet-blksig")
	// ErrBlockNotFound: a requested block, header or height is unknown.
	ErrBlockNotFound = ErrorKind("block-not-found")
	// ErrNotInMainChain: a requested block is not in the main chain.
	ErrNotInMainChain = ErrorKind("not-in-main-chain")
	// ErrCorruptDatabase: stored data could not be decoded or is missing.
	ErrCorruptDatabase = ErrorKind("corrupt-database")
	// ErrInvalidGenesis: the operation cannot apply to the genesis block.
	ErrInvalidGenesis = ErrorKind("genesis")
	// ErrLowWorkHeaders: a headers chain ends below the anti-DoS work
	// threshold (Core's "too-little-chainwork").
	ErrLowWorkHeaders = ErrorKind("too-little-chainwork")
	// ErrUnrequestedBlock: a block processed with BFUnrequested was not
	// stored because its chain has less work than the tip or than
	// MinimumChainWork, or it is too far ahead of the tip (Core's
	// AcceptBlock silently ignores such a block; the sender is not at fault).
	ErrUnrequestedBlock = ErrorKind("unrequested-block")
)

// Error is a blockchain error: a kind and a description. Unwrap returns the
// kind so errors.Is works.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e Error) Unwrap() error { return e.Err }

// ruleError builds an Error of the given kind.
func ruleError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}

// RuleError is an alias kept for btcd-shaped callers: every consensus error
// this package returns is an Error.
type RuleError = Error

// RejectReason returns Bitcoin Core's reject string for err: the kind's
// string, except for script failures ("mandatory-script-verify-flag-failed
// (reason)") and versions ("bad-version(0x00000001)"), whose reasons carry
// details as Core's do. It returns "" when err carries no kind of this package.
func RejectReason(err error) string {
	var e Error
	if errors.As(err, &e) {
		if k, ok := e.Err.(ErrorKind); ok {
			switch k {
			case ErrScriptValidation:
				return e.Description
			case ErrBadVersion:
				// Core's reason carries the version: "bad-version(0x00000001)".
				if i := strings.Index(e.Description, ":"); i > 0 {
					return e.Description[:i]
				}
			}
			return string(k)
		}
	}
	var k ErrorKind
	if errors.As(err, &k) {
		return string(k)
	}
	return ""
}

// isMutation reports whether a block failing with err may just have been
// altered in transit (Core's BLOCK_MUTATED): the header is still fine and the
// block must not be marked invalid.
func isMutation(err error) bool {
	for _, k := range []ErrorKind{ErrBadMerkleRoot, ErrDuplicateTx, ErrBadWitnessNonceSize,
		ErrWitnessCommitmentMismatch, ErrUnexpectedWitness} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
