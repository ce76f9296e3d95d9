package rpcserver

import (
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// testWallet holds one P2WPKH key, for signed transactions in tests.
type testWallet struct {
	key      *btcec.PrivateKey
	pkScript []byte
	addr     string
}

// newTestWallet derives a deterministic key from seed.
func newTestWallet(t testing.TB, seed byte) *testWallet {
	t.Helper()
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed
	}
	key, _ := btcec.PrivKeyFromBytes(b)
	w := &testWallet{key: key}
	pkh := txscript.Hash160(key.PubKey().SerializeCompressed())
	w.pkScript = txscript.PayToWitnessPubKeyHashScript(pkh)
	a, err := txscript.NewAddressWitnessPubKeyHash(pkh, regtestParams(t))
	if err != nil {
		t.Fatal(err)
	}
	w.addr = a.EncodeAddress()
	return w
}

// prevOut is an output a test transaction spends.
type prevOut struct {
	op    wire.OutPoint
	value int64
}

// spend builds a version 2 transaction spending prevs (all paying the
// wallet) to outs, every input with sequence seq, signed.
func (w *testWallet) spend(t testing.TB, prevs []prevOut, outs []*wire.TxOut, seq uint32) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(2)
	m := make(map[wire.OutPoint]*wire.TxOut)
	for _, p := range prevs {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: p.op, Sequence: seq})
		m[p.op] = &wire.TxOut{Value: p.value, PkScript: w.pkScript}
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(m))
	for i, p := range prevs {
		wit, err := txscript.WitnessSignature(tx, hashes, i, p.value, w.pkScript, txscript.SigHashAll, w.key, true)
		if err != nil {
			t.Fatal(err)
		}
		tx.TxIn[i].Witness = wit
	}
	return tx
}

// regtestParams returns the regtest parameters.
func regtestParams(testing.TB) *chaincfg.Params { return &chaincfg.RegressionNetParams }

// txHex serializes tx.
func txHex(tx *wire.MsgTx) string { return hex.EncodeToString(tx.Bytes()) }
