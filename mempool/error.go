package mempool

import (
	"errors"
	"fmt"

	"github.com/tern-org/ternd/blockchain/standalone"
)

// ErrorKind identifies a kind of rejection. Each kind's string is Bitcoin Core
// v30's reject reason, word for word, so the RPC and P2P edges can report it
// unchanged (for example in testmempoolaccept's "reject-reason").
type ErrorKind string

// These constants are the kinds of errors the pool returns. Their values are
// Core's reject reasons from validation.cpp, policy.cpp, tx_check.cpp and
// policy/rbf.cpp.
const (
	// Structure (Core's CheckTransaction, consensus): standalone's kinds,
	// so CheckTransactionSanity maps a violation by its string.
	ErrNoInputs            = ErrorKind(standalone.ErrNoTxInputs)
	ErrNoOutputs           = ErrorKind(standalone.ErrNoTxOutputs)
	ErrOversize            = ErrorKind(standalone.ErrTxTooBig)
	ErrNegativeOutput      = ErrorKind(standalone.ErrNegativeTxOut)
	ErrOutputTooLarge      = ErrorKind(standalone.ErrTxOutTooLarge)
	ErrOutputTotalTooLarge = ErrorKind(standalone.ErrTxOutTotalTooLarge)
	ErrDuplicateInputs     = ErrorKind(standalone.ErrDuplicateTxInputs)
	ErrNullPrevOut         = ErrorKind(standalone.ErrBadTxInput)
	ErrCoinbase            = ErrorKind("coinbase")

	// Standardness (Core's IsStandardTx and PreChecks, policy).
	ErrTxSizeSmall          = ErrorKind("tx-size-small")
	ErrVersion              = ErrorKind("version")
	ErrTxSize               = ErrorKind("tx-size")
	ErrScriptSigSize        = ErrorKind("scriptsig-size")
	ErrScriptSigNotPushOnly = ErrorKind("scriptsig-not-pushonly")
	ErrScriptPubKey         = ErrorKind("scriptpubkey")
	ErrBareMultisig         = ErrorKind("bare-multisig")
	ErrDatacarrier          = ErrorKind("datacarrier")
	ErrDust                 = ErrorKind("dust")
	ErrNonStandardInputs    = ErrorKind("bad-txns-nonstandard-inputs")
	ErrNonStandardWitness   = ErrorKind("bad-witness-nonstandard")
	ErrTooManySigOps        = ErrorKind("bad-txns-too-many-sigops")

	// Finality.
	ErrNonFinal       = ErrorKind("non-final")
	ErrNonBIP68Final  = ErrorKind("non-BIP68-final")
	ErrAlreadyInPool  = ErrorKind("txn-already-in-mempool")
	ErrSameNonWitness = ErrorKind("txn-same-nonwitness-data-in-mempool")
	ErrAlreadyKnown   = ErrorKind("txn-already-known")

	// Inputs (Core's CheckTxInputs).
	ErrMissingInputs          = ErrorKind("bad-txns-inputs-missingorspent")
	ErrPrematureCoinbaseSpend = ErrorKind("bad-txns-premature-spend-of-coinbase")
	ErrInputValuesOutOfRange  = ErrorKind("bad-txns-inputvalues-outofrange")
	ErrInBelowOut             = ErrorKind("bad-txns-in-belowout")
	ErrFeeOutOfRange          = ErrorKind("bad-txns-fee-outofrange")

	// Fees and pool limits.
	ErrMinRelayFee   = ErrorKind("min relay fee not met")
	ErrMempoolMinFee = ErrorKind("mempool min fee not met")
	ErrMempoolFull   = ErrorKind("mempool full")
	ErrTooLongChain  = ErrorKind("too-long-mempool-chain")

	// ErrMaxFeeExceeded is a local transaction whose fee is above the cap
	// its submitter set (sendrawtransaction's maxfeerate); the reason is
	// testmempoolaccept's.
	ErrMaxFeeExceeded = ErrorKind("max-fee-exceeded")

	// Conflicts and replacement (Core's policy/rbf.cpp).
	ErrMempoolConflict   = ErrorKind("txn-mempool-conflict")
	ErrSpendsConflicting = ErrorKind("bad-txns-spends-conflicting-tx")
	// ErrReplacementAddsUnconfirmed is the pre-v31 rule against a
	// replacement spending new unconfirmed outputs; the fee-rate diagram
	// check has replaced it and the pool no longer returns it.
	ErrReplacementAddsUnconfirmed = ErrorKind("replacement-adds-unconfirmed")
	ErrInsufficientFee            = ErrorKind("insufficient fee")
	ErrTooManyReplacements        = ErrorKind("too many potential replacements")

	// ErrTRUCViolation is a breach of the version 3 (BIP431) topology and
	// size rules.
	ErrTRUCViolation = ErrorKind("TRUC-violation")

	// Scripts. Both render Core v30's "mempool-script-verify-flag-failed (...)"
	// reason; the kind tells whether the scripts also fail under the consensus
	// flags alone (ErrScriptConsensus) or only under policy (ErrScriptPolicy).
	ErrScriptPolicy    = ErrorKind("mempool-script-verify-flag-failed")
	ErrScriptConsensus = ErrorKind("mandatory-script-verify-flag-failed")

	// Orphans (missing inputs kept for later): ErrMissingInputs is returned
	// to the caller; these say why an orphan was not kept.
	ErrOrphanTooLarge = ErrorKind("orphan-too-large")
	ErrOrphanRejected = ErrorKind("orphan-rejected")

	// ErrNoVerifier means the pool has no script verifier configured, so it
	// refuses every transaction instead of accepting unverified scripts.
	ErrNoVerifier = ErrorKind("no-script-verifier")
)

// Error implements the error interface so a kind can be compared with
// errors.Is.
func (e ErrorKind) Error() string { return string(e) }

// Error is a rejection: a kind (Err), Core's reject reason (Reason, which is
// the kind's string unless it carries details, as script failures do) and a
// human-readable Description in Core's "reason, debug" form.
type Error struct {
	Err         error
	Description string
	Reason      string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the kind so errors.Is(err, mempool.ErrDust) works.
func (e Error) Unwrap() error { return e.Err }

// txRuleError builds an Error whose reason is the kind's string and whose
// description appends the optional debug text the way Core's
// ValidationState::ToString does ("reason, debug").
func txRuleError(kind ErrorKind, format string, args ...any) Error {
	desc := string(kind)
	if format != "" {
		desc += ", " + fmt.Sprintf(format, args...)
	}
	return Error{Err: kind, Description: desc, Reason: string(kind)}
}

// scriptError builds a script failure of the given kind carrying the script
// engine's message in Core's "mempool-script-verify-flag-failed (msg)" form.
func scriptError(kind ErrorKind, msg string, input int, txid string) Error {
	reason := fmt.Sprintf("mempool-script-verify-flag-failed (%s)", msg)
	return Error{
		Err:         kind,
		Description: fmt.Sprintf("%s, input %d of %s", reason, input, txid),
		Reason:      reason,
	}
}

// RejectReason returns Core's reject reason for err (for example
// "min relay fee not met" or "mempool-script-verify-flag-failed (...)"), or
// err.Error() when err is not a pool rejection.
func RejectReason(err error) string {
	var e Error
	if errors.As(err, &e) {
		if e.Reason != "" {
			return e.Reason
		}
		if k, ok := e.Err.(ErrorKind); ok {
			return string(k)
		}
	}
	var k ErrorKind
	if errors.As(err, &k) {
		return string(k)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
