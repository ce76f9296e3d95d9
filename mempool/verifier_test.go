package mempool

import (
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestVerifierFetchersAndHashes checks TxScriptVerifier with P2WPKH and
// taproot key-path inputs, below and above the input count where the
// fetcher switches from a linear search to a map, and with no taproot
// input (the BIP341 hashes are then skipped): valid spends pass, a
// corrupted taproot signature fails at its input.
func TestVerifierFetchersAndHashes(t *testing.T) {
	s := newSigner(t, 7)
	trScript := txscript.PayToTaprootScript(
		schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(s.key.PubKey())))
	v := &TxScriptVerifier{}
	tests := []struct {
		name    string
		inputs  int
		taproot func(i int) bool
	}{
		{"p2wpkh only", 3, func(int) bool { return false }},
		{"mixed small", 4, func(i int) bool { return i%2 == 1 }},
		{"taproot only", 2, func(int) bool { return true }},
		{"mixed large", smallFetcherInputs + 4, func(i int) bool { return i%3 == 0 }},
		{"p2wpkh large", smallFetcherInputs + 1, func(int) bool { return false }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := wire.NewMsgTx(2)
			prevOuts := make([]*wire.TxOut, tc.inputs)
			m := make(map[wire.OutPoint]*wire.TxOut)
			for i := range prevOuts {
				op := wire.OutPoint{Hash: chainhash.Hash{byte(i), 0xcc}, Index: uint32(i)}
				script := s.script
				if tc.taproot(i) {
					script = trScript
				}
				prevOuts[i] = &wire.TxOut{Value: 10000 + int64(i), PkScript: script}
				m[op] = prevOuts[i]
				tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
			}
			tx.AddTxOut(&wire.TxOut{Value: 5000, PkScript: s.script})
			hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(m))
			for i, p := range prevOuts {
				var wit wire.TxWitness
				var err error
				if tc.taproot(i) {
					wit, err = txscript.TaprootWitnessSignature(tx, hashes, i, p.Value, p.PkScript,
						txscript.SigHashDefault, s.key)
				} else {
					wit, err = txscript.WitnessSignature(tx, hashes, i, p.Value, p.PkScript,
						txscript.SigHashAll, s.key, true)
				}
				if err != nil {
					t.Fatal(err)
				}
				tx.TxIn[i].Witness = wit
			}
			if idx, err := v.VerifyScripts(tx, prevOuts, true); err != nil {
				t.Fatalf("input %d: %v", idx, err)
			}
			for i := range prevOuts {
				if !tc.taproot(i) {
					continue
				}
				tx.TxIn[i].Witness[0][5] ^= 1
				idx, err := v.VerifyScripts(tx, prevOuts, true)
				if err == nil || idx != i {
					t.Fatalf("corrupted input %d: idx %d err %v", i, idx, err)
				}
				tx.TxIn[i].Witness[0][5] ^= 1
				break
			}
		})
	}
	if spendsWitnessV1([]*wire.TxOut{{PkScript: s.script}, nil}) ||
		!spendsWitnessV1([]*wire.TxOut{{PkScript: trScript}}) {
		t.Fatal("spendsWitnessV1")
	}
}
