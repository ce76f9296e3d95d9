package mempool

import (
	"errors"

	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TxScriptVerifier is the ScriptVerifier the daemon uses: txscript's
// engine under txscript.StandardVerifyFlags or, for the second pass,
// txscript.MandatoryVerifyFlags (the consensus rules of a fully upgraded
// chain). It is safe for concurrent use.
type TxScriptVerifier struct {
	// SigCache, shared with the chain, lets a block's transactions that
	// were verified here skip their signature checks. May be nil.
	SigCache *txscript.SigCache
}

// VerifyScripts runs every input's scripts and returns the first failing
// input with an error whose text is Core's ScriptErrorString.
func (v *TxScriptVerifier) VerifyScripts(tx *wire.MsgTx, prevOuts []*wire.TxOut, standard bool) (int, error) {
	flags := txscript.MandatoryVerifyFlags
	if standard {
		flags = txscript.StandardVerifyFlags
	}
	var fetcher txscript.PrevOutputFetcher
	if len(tx.TxIn) <= smallFetcherInputs {
		fetcher = &inputsFetcher{tx: tx, prevOuts: prevOuts}
	} else {
		m := make(map[wire.OutPoint]*wire.TxOut, len(tx.TxIn))
		for i, in := range tx.TxIn {
			m[in.PreviousOutPoint] = prevOuts[i]
		}
		fetcher = txscript.NewMultiPrevOutFetcher(m)
	}
	// The BIP341 hashes of the spent amounts and scripts serve only
	// taproot inputs; without one they are not computed (the engine
	// computes them itself should it ever need them).
	var hashes *txscript.TxSigHashes
	if spendsWitnessV1(prevOuts) {
		hashes = txscript.NewTxSigHashes(tx, fetcher)
	} else {
		hashes = txscript.NewTxSigHashes(tx, nil)
	}
	for i := range tx.TxIn {
		vm, err := txscript.NewEngine(prevOuts[i].PkScript, tx, i, flags, v.SigCache,
			hashes, prevOuts[i].Value, fetcher)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return i, errors.New(ScriptErrorString(err))
		}
	}
	return 0, nil
}

// smallFetcherInputs is the input count up to which inputsFetcher's linear
// search is cheaper than building a map.
const smallFetcherInputs = 16

// inputsFetcher answers FetchPrevOutput for tx's own inputs from prevOuts
// (by position), without a map.
type inputsFetcher struct {
	tx       *wire.MsgTx
	prevOuts []*wire.TxOut
}

// FetchPrevOutput returns the output the input spending op spends, or nil.
func (f *inputsFetcher) FetchPrevOutput(op wire.OutPoint) *wire.TxOut {
	for i, in := range f.tx.TxIn {
		if in.PreviousOutPoint == op {
			return f.prevOuts[i]
		}
	}
	return nil
}

// spendsWitnessV1 reports whether any spent output may be a taproot
// output: a script starting with OP_1 (a witness version 1 program; this
// errs on the side of computing the BIP341 hashes).
func spendsWitnessV1(prevOuts []*wire.TxOut) bool {
	for _, p := range prevOuts {
		if p != nil && len(p.PkScript) > 0 && p.PkScript[0] == txscript.OP_1 {
			return true
		}
	}
	return false
}

// scriptErrorStrings maps txscript's kinds (Core's ScriptError names) to
// Core's ScriptErrorString texts, which Core puts in reject reasons.
var scriptErrorStrings = map[txscript.ErrorKind]string{
	txscript.ErrEvalFalse:                   "Script evaluated without error but finished with a false/empty top stack element",
	txscript.ErrVerify:                      "Script failed an OP_VERIFY operation",
	txscript.ErrEqualVerify:                 "Script failed an OP_EQUALVERIFY operation",
	txscript.ErrCheckMultiSigVerify:         "Script failed an OP_CHECKMULTISIGVERIFY operation",
	txscript.ErrCheckSigVerify:              "Script failed an OP_CHECKSIGVERIFY operation",
	txscript.ErrNumEqualVerify:              "Script failed an OP_NUMEQUALVERIFY operation",
	txscript.ErrScriptTooBig:                "Script is too big",
	txscript.ErrElementTooBig:               "Push value size limit exceeded",
	txscript.ErrTooManyOperations:           "Operation limit exceeded",
	txscript.ErrStackOverflow:               "Stack size limit exceeded",
	txscript.ErrInvalidSignatureCount:       "Signature count negative or greater than pubkey count",
	txscript.ErrInvalidPubKeyCount:          "Pubkey count negative or limit exceeded",
	txscript.ErrBadOpcode:                   "Opcode missing or not understood",
	txscript.ErrDisabledOpcode:              "Attempted to use a disabled opcode",
	txscript.ErrInvalidStackOperation:       "Operation not valid with the current stack size",
	txscript.ErrInvalidAltStackOperation:    "Operation not valid with the current altstack size",
	txscript.ErrEarlyReturn:                 "OP_RETURN was encountered",
	txscript.ErrUnbalancedConditional:       "Invalid OP_IF construction",
	txscript.ErrNegativeLockTime:            "Negative locktime",
	txscript.ErrUnsatisfiedLockTime:         "Locktime requirement not satisfied",
	txscript.ErrSigHashType:                 "Signature hash type missing or not understood",
	txscript.ErrSigDER:                      "Non-canonical DER signature",
	txscript.ErrMinimalData:                 "Data push larger than necessary",
	txscript.ErrNotPushOnly:                 "Only push operators allowed in signatures",
	txscript.ErrSigHighS:                    "Non-canonical signature: S value is unnecessarily high",
	txscript.ErrSigNullDummy:                "Dummy CHECKMULTISIG argument must be zero",
	txscript.ErrMinimalIf:                   "OP_IF/NOTIF argument must be minimal",
	txscript.ErrNullFail:                    "Signature must be zero for failed CHECK(MULTI)SIG operation",
	txscript.ErrDiscourageUpgradableNOPs:    "NOPx reserved for soft-fork upgrades",
	txscript.ErrDiscourageUpgradableWitness: "Witness version reserved for soft-fork upgrades",
	txscript.ErrDiscourageTaprootVersion:    "Taproot version reserved for soft-fork upgrades",
	txscript.ErrDiscourageOpSuccess:         "OP_SUCCESSx reserved for soft-fork upgrades",
	txscript.ErrDiscourageUpgradablePubKey:  "Public key version reserved for soft-fork upgrades",
	txscript.ErrPubKeyType:                  "Public key is neither compressed or uncompressed",
	txscript.ErrCleanStack:                  "Stack size must be exactly one after execution",
	txscript.ErrWitnessProgramWrongLength:   "Witness program has incorrect length",
	txscript.ErrWitnessProgramEmpty:         "Witness program was passed an empty witness",
	txscript.ErrWitnessProgramMismatch:      "Witness program hash mismatch",
	txscript.ErrWitnessMalleated:            "Witness requires empty scriptSig",
	txscript.ErrWitnessMalleatedP2SH:        "Witness requires only-redeemscript scriptSig",
	txscript.ErrWitnessUnexpected:           "Witness provided for non-witness script",
	txscript.ErrWitnessPubKeyType:           "Using non-compressed keys in segwit",
	txscript.ErrSchnorrSigSize:              "Invalid Schnorr signature size",
	txscript.ErrSchnorrSigHashType:          "Invalid Schnorr signature hash type",
	txscript.ErrSchnorrSig:                  "Invalid Schnorr signature",
	txscript.ErrTaprootWrongControlSize:     "Invalid Taproot control block size",
	txscript.ErrTapscriptValidationWeight:   "Too much signature validation relative to witness weight",
	txscript.ErrTapscriptCheckMultisig:      "OP_CHECKMULTISIG(VERIFY) is not available in tapscript",
	txscript.ErrTapscriptMinimalIf:          "OP_IF/NOTIF argument must be minimal in tapscript",
	txscript.ErrTapscriptEmptyPubKey:        "Empty public key in tapscript",
	txscript.ErrCodeSeparator:               "Using OP_CODESEPARATOR in non-witness script",
	txscript.ErrSigFindAndDelete:            "Signature is found in scriptCode",
}

// ScriptErrorString returns Core's text for a txscript error ("unknown
// error" for kinds Core has no text for, as Core does).
func ScriptErrorString(err error) string {
	var k txscript.ErrorKind
	if errors.As(err, &k) {
		if s, ok := scriptErrorStrings[k]; ok {
			return s
		}
	}
	return "unknown error"
}
