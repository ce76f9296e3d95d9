package standalone

import (
	"testing"

	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestSigOpCounts checks the legacy, P2SH and witness counts and their
// BIP141 weighting.
func TestSigOpCounts(t *testing.T) {
	key := make([]byte, 33)
	key[0] = 2
	multi := []byte{txscript.OP_1}
	for i := 0; i < 3; i++ {
		multi = append(append(multi, 33), key...)
	}
	multi = append(multi, txscript.OP_3, txscript.OP_CHECKMULTISIG)
	p2pkh := txscript.PayToPubKeyHashScript(make([]byte, 20))
	p2sh := txscript.PayToScriptHashScript(make([]byte, 20))
	p2wpkh := txscript.PayToWitnessPubKeyHashScript(make([]byte, 20))
	p2wsh := txscript.PayToWitnessScriptHashScript(make([]byte, 32))
	push := func(s []byte) []byte { return append([]byte{byte(len(s))}, s...) }
	p2shMulti := append([]byte{txscript.OP_0, txscript.OP_PUSHDATA1, byte(len(multi))}, multi...)

	tests := []struct {
		name                    string
		sigScript, pkScript     []byte
		witness                 wire.TxWitness
		outScript               []byte
		legacy, p2shN, witnessN int
	}{
		{"p2pkh spend", nil, p2pkh, nil, p2pkh, 1, 0, 0},
		{"bare multisig output", nil, p2pkh, nil, multi, 20, 0, 0},
		{"p2sh multisig", p2shMulti, p2sh, nil, p2pkh, 1, 3, 0},
		{"p2sh non-push scriptSig", []byte{txscript.OP_CHECKSIG}, p2sh, nil, p2pkh, 2, 0, 0},
		{"p2wpkh", nil, p2wpkh, wire.TxWitness{{1}, {2}}, p2pkh, 1, 0, 1},
		{"p2wsh multisig", nil, p2wsh, wire.TxWitness{multi}, p2pkh, 1, 0, 3},
		{"p2sh-p2wpkh", push(p2wpkh), p2sh, wire.TxWitness{{1}}, p2pkh, 1, 0, 1},
		{"taproot", nil, txscript.PayToTaprootScript(make([]byte, 32)), wire.TxWitness{multi},
			p2pkh, 1, 0, 0},
		{"truncated push stops the count", []byte{txscript.OP_CHECKSIG, txscript.OP_PUSHDATA1},
			p2pkh, nil, p2pkh, 2, 0, 0},
	}
	for _, tc := range tests {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: 1},
			SignatureScript: tc.sigScript, Witness: tc.witness})
		tx.AddTxOut(wire.NewTxOut(1, tc.outScript))
		prev := []*wire.TxOut{wire.NewTxOut(1, tc.pkScript)}
		if got := CountLegacySigOps(tx); got != tc.legacy {
			t.Errorf("%s: legacy %d, want %d", tc.name, got, tc.legacy)
		}
		if got := CountP2SHSigOps(tx, prev); got != tc.p2shN {
			t.Errorf("%s: P2SH %d, want %d", tc.name, got, tc.p2shN)
		}
		if got := CountWitnessSigOps(tx, prev); got != tc.witnessN {
			t.Errorf("%s: witness %d, want %d", tc.name, got, tc.witnessN)
		}
		want := (tc.legacy+tc.p2shN)*wire.WitnessScaleFactor + tc.witnessN
		if got := TxSigOpCost(tx, prev); got != want {
			t.Errorf("%s: cost %d, want %d", tc.name, got, want)
		}
	}

	// A coinbase only has legacy sigops; its prevouts are not read.
	cb := wire.NewMsgTx(1)
	cb.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript: []byte{txscript.OP_CHECKSIG, txscript.OP_CHECKSIG}})
	cb.AddTxOut(wire.NewTxOut(1, []byte{txscript.OP_CHECKSIG, txscript.OP_CHECKMULTISIG}))
	if got := TxSigOpCost(cb, nil); got != 23*wire.WitnessScaleFactor {
		t.Errorf("coinbase cost %d", got)
	}
}
