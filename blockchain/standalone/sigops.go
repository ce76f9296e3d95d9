package standalone

import (
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file counts a transaction's signature operations as Core's
// consensus code does (GetLegacySigOpCount, GetP2SHSigOpCount,
// GetTransactionSigOpCost). How one script's sigops are counted, and what a
// P2SH or witness program is, are txscript's.

// CountLegacySigOps returns Core's GetLegacySigOpCount of tx: the inaccurate
// counts (each CHECKMULTISIG 20) of every input and output script, as
// limited by the block sanity check.
func CountLegacySigOps(tx *wire.MsgTx) int {
	n := 0
	for _, in := range tx.TxIn {
		n += txscript.GetSigOpCount(in.SignatureScript)
	}
	for _, out := range tx.TxOut {
		n += txscript.GetSigOpCount(out.PkScript)
	}
	return n
}

// CountP2SHSigOps returns Core's GetP2SHSigOpCount of a non-coinbase tx: the
// accurate counts of the redeem scripts of inputs that spend P2SH outputs.
// prevOuts[i] is the output input i spends.
func CountP2SHSigOps(tx *wire.MsgTx, prevOuts []*wire.TxOut) int {
	n := 0
	for i, in := range tx.TxIn {
		pk := prevOuts[i].PkScript
		if txscript.IsPayToScriptHash(pk) {
			n += txscript.GetPreciseSigOpCount(in.SignatureScript, pk, true)
		}
	}
	return n
}

// CountWitnessSigOps returns the sum over a non-coinbase tx's inputs of
// Core's CountWitnessSigOps (unweighted): one for P2WPKH, the accurate count
// of the witness script for P2WSH, nested in P2SH or not; zero for taproot
// and unknown versions. prevOuts[i] is the output input i spends.
func CountWitnessSigOps(tx *wire.MsgTx, prevOuts []*wire.TxOut) int {
	n := 0
	for i, in := range tx.TxIn {
		n += txscript.GetWitnessSigOpCount(in.SignatureScript, prevOuts[i].PkScript, in.Witness)
	}
	return n
}

// TxSigOpCost returns Core's GetTransactionSigOpCost with the P2SH and
// WITNESS flags: legacy and P2SH sigops weigh WitnessScaleFactor, witness
// sigops one. prevOuts[i] is the output input i spends; a coinbase spends
// nothing, so it only has legacy sigops and prevOuts is not read.
func TxSigOpCost(tx *wire.MsgTx, prevOuts []*wire.TxOut) int {
	cost := CountLegacySigOps(tx) * wire.WitnessScaleFactor
	if IsCoinBaseTx(tx) {
		return cost
	}
	return cost + CountP2SHSigOps(tx, prevOuts)*wire.WitnessScaleFactor +
		CountWitnessSigOps(tx, prevOuts)
}
