package standalone

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// Consensus constants of transactions and blocks.
const (
	// SatoshiPerBitcoin is the number of satoshis in one bitcoin.
	SatoshiPerBitcoin = 100000000
	// MaxSatoshi is the largest amount (21 million coins), Core's MAX_MONEY.
	MaxSatoshi = 21000000 * SatoshiPerBitcoin
	// MaxBlockWeight is the BIP141 block weight limit.
	MaxBlockWeight = 4000000
	// MaxBlockSigOpsCost is the BIP141 block sigop cost limit.
	MaxBlockSigOpsCost = 80000
	// MinCoinbaseScriptLen and MaxCoinbaseScriptLen bound a coinbase script.
	MinCoinbaseScriptLen = 2
	MaxCoinbaseScriptLen = 100
)

// IsCoinBaseTx reports whether tx is a coinbase: one input spending the null
// outpoint (zero hash, index 0xffffffff).
func IsCoinBaseTx(tx *wire.MsgTx) bool {
	if len(tx.TxIn) != 1 {
		return false
	}
	p := &tx.TxIn[0].PreviousOutPoint
	return p.Index == wire.MaxPrevOutIndex && p.Hash == (chainhash.Hash{})
}

// CheckTransactionSanity applies Core's CheckTransaction: inputs and outputs
// present, the stripped size within a block, output values and their total
// within MaxSatoshi, no outpoint spent twice, a coinbase script of 2 to 100
// bytes, and no null outpoint spent by any other transaction. The checks run
// in Core's order, so the first violation is the one Core reports.
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
	if err := checkOutputValues(tx); err != nil {
		return err
	}
	if err := checkDuplicateInputs(tx); err != nil {
		return err
	}
	if IsCoinBaseTx(tx) {
		l := len(tx.TxIn[0].SignatureScript)
		if l < MinCoinbaseScriptLen || l > MaxCoinbaseScriptLen {
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

// checkOutputValues checks each output value and the running total against
// the money range; the total is checked after each addition, as Core does,
// so it cannot overflow.
func checkOutputValues(tx *wire.MsgTx) error {
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
	return nil
}

// checkDuplicateInputs rejects a transaction that spends one outpoint twice.
// A single input cannot repeat, so it skips the set for the common case.
func checkDuplicateInputs(tx *wire.MsgTx) error {
	if len(tx.TxIn) < 2 {
		return nil
	}
	seen := make(map[wire.OutPoint]struct{}, len(tx.TxIn))
	for _, in := range tx.TxIn {
		if _, dup := seen[in.PreviousOutPoint]; dup {
			return ruleError(ErrDuplicateTxInputs, "transaction spends "+
				in.PreviousOutPoint.String()+" twice")
		}
		seen[in.PreviousOutPoint] = struct{}{}
	}
	return nil
}
