// Package txscript implements the Bitcoin transaction script language: the
// interpreter that decides whether a transaction input may spend a previous
// output, the signature hashes it signs (legacy, BIP143 and BIP341), standard
// script templates, sigop counting, address encoding and signing helpers.
//
// # Verifying an input
//
// The blockchain and mempool verify each input of a transaction with an
// Engine:
//
//	fetcher := txscript.NewMultiPrevOutFetcher(prevOuts) // every spent output
//	hashes := txscript.NewTxSigHashes(tx, fetcher)       // once per transaction
//	for i, in := range tx.TxIn {
//		prev := fetcher.FetchPrevOutput(in.PreviousOutPoint)
//		vm, err := txscript.NewEngine(prev.PkScript, tx, i,
//			txscript.StandardVerifyFlags, sigCache, hashes, prev.Value, fetcher)
//		if err == nil {
//			err = vm.Execute()
//		}
//		...
//	}
//
// The TxSigHashes value holds the BIP143 and BIP341 midstates so that a
// transaction with N inputs costs O(N) hashing, and the SigCache (shared between
// the mempool and the blockchain, safe for concurrent use) remembers signatures
// that were already checked so a block's transactions that were in the pool are
// not verified twice.
//
// # The interpreter
//
// Engine.verify follows Core's VerifyScript and evalScript its EvalScript, so
// each can be read side by side with Core's interpreter.cpp. evalScript walks
// the script with a ScriptTokenizer and makes, for every opcode, executed or
// not, Core's checks in Core's order: the push size, the op count of legacy
// and witness v0 scripts (non-push opcodes above OP_16; tapscript has none),
// disabled opcodes (which fail even in an unexecuted branch) and
// OP_CODESEPARATOR under CONST_SCRIPTCODE. An opcode in an executed branch, or
// any of OP_IF through OP_ENDIF, then runs its handler, and the main and alt
// stacks together may hold at most 1,000 items after it. Tapscript's
// OP_SUCCESSx opcodes never reach evalScript: executeWitnessScript scans for
// them first and succeeds at once (or fails under DISCOURAGE_OP_SUCCESS).
//
// The handlers are in opcodeTable, an array of 256 opcodeHandler functions
// indexed by the opcode byte that stands in for Core's switch. It is built
// once when the package is initialised and never changed, so engines share it
// without locking. Opcodes without a meaning of their own map to
// opcodeInvalid (BAD_OPCODE), as Core's default case does. Each handler is a
// short function of the engine, the opcode and its pushed data, grouped in
// files by Core's sections: op_push.go (push value), op_control.go (NOPs, lock
// times, conditionals, VERIFY, RETURN), op_stack.go, op_splice.go (splice and
// bitwise logic), op_numeric.go and op_crypto.go (hashes, OP_CODESEPARATOR,
// CHECKSIG, CHECKSIGADD, CHECKMULTISIG). What Core keeps in EvalScript's
// locals (the position, pbegincodehash, the op count, the sigversion, the
// MINIMALDATA flag, the condition and alt stacks) is the engine's execState,
// reset for each script, so a handler can be tested alone on an engine given
// a stack.
//
// # Errors
//
// Every script failure is an *Error whose kind (ErrorKind) is named after the
// matching Bitcoin Core ScriptError, without the SCRIPT_ERR_ prefix (for example
// ErrEvalFalse is "EVAL_FALSE"), so errors.Is(err, txscript.ErrEvalFalse) works
// and the kind's string can be compared with Core's test vectors directly.
//
// # Flags
//
// ScriptFlags selects the rules to enforce, with btcd's names; each flag's
// comment gives Core's name. MandatoryVerifyFlags are the consensus rules of a
// fully upgraded chain; StandardVerifyFlags adds policy rules for the mempool.
//
// # Addresses
//
// Address is implemented by AddressPubKeyHash, AddressScriptHash,
// AddressWitnessPubKeyHash, AddressWitnessScriptHash, AddressTaproot and
// AddressWitnessUnknown. DecodeAddress parses a string for a network's
// parameters, PayToAddrScript builds its output script, and ExtractPkScriptAddrs
// goes the other way.
//
// # Signing
//
// For tests and regtest tools: SignatureScript (P2PKH), NestedWitnessSignature
// (P2SH-P2WPKH), WitnessSignature (P2WPKH), WitnessMultiSigSignature (P2WSH
// multisig), TaprootWitnessSignature and RawTxInTaprootSignature (P2TR key
// path, without or with a script tree) and RawTxInTapscriptSignature (P2TR
// script path), with any hash type. ComputeTaprootOutputKey, TapLeafHash,
// TapBranchHash and ControlBlock build taproot outputs and spends.
//
// # Standard scripts and sigops
//
// GetScriptClass classifies output scripts; GetSigOpCount (legacy),
// GetPreciseSigOpCount (P2SH redeem scripts) and GetWitnessSigOpCount count
// signature operations as Core does for block limits.
//
// # Concurrency
//
// An Engine is used by one goroutine. TxSigHashes is read-only after
// construction and may be shared. SigCache is safe for concurrent use.
package txscript
