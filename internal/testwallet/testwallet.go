// Package testwallet signs transactions for tests: one deterministic P2WPKH
// key, its output script and address, and a signer for version 2 or any
// other version of transaction spending outputs that pay it. The daemon's
// tests and internal/rpcserver's use it; nothing in the product does. It
// does no logging, so it has no logger.
package testwallet

import (
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// Wallet holds one P2WPKH key.
type Wallet struct {
	Key      *btcec.PrivateKey
	PkScript []byte // the P2WPKH output script paying Key
	Addr     string // PkScript's address on the wallet's network
}

// New derives the key whose 32 bytes are all seed, so that a test's
// transactions are the same on every run.
func New(seed byte, params *chaincfg.Params) (*Wallet, error) {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed
	}
	key, _ := btcec.PrivKeyFromBytes(b)
	pkh := txscript.Hash160(key.PubKey().SerializeCompressed())
	a, err := txscript.NewAddressWitnessPubKeyHash(pkh, params)
	if err != nil {
		return nil, err
	}
	return &Wallet{Key: key, PkScript: txscript.PayToWitnessPubKeyHashScript(pkh), Addr: a.EncodeAddress()}, nil
}

// PrevOut is an output paying the wallet that a transaction spends.
type PrevOut struct {
	OutPoint wire.OutPoint
	Value    int64
}

// Sign builds a transaction of the given version spending prevs (all
// paying the wallet) to outs, with sequence seq on every input, and signs
// every input (SIGHASH_ALL).
func (w *Wallet) Sign(version int32, prevs []PrevOut, outs []*wire.TxOut, seq uint32) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(version)
	m := make(map[wire.OutPoint]*wire.TxOut, len(prevs))
	for _, p := range prevs {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: p.OutPoint, Sequence: seq})
		m[p.OutPoint] = &wire.TxOut{Value: p.Value, PkScript: w.PkScript}
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	hashes := txscript.NewTxSigHashes(tx, txscript.NewMultiPrevOutFetcher(m))
	for i, p := range prevs {
		wit, err := txscript.WitnessSignature(tx, hashes, i, p.Value, w.PkScript, txscript.SigHashAll, w.Key, true)
		if err != nil {
			return nil, err
		}
		tx.TxIn[i].Witness = wit
	}
	return tx, nil
}

// MustNew is New for a test: an error fails tb.
func MustNew(tb testing.TB, seed byte, params *chaincfg.Params) *Wallet {
	tb.Helper()
	w, err := New(seed, params)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// MustSign is Sign for a test: an error fails tb.
func (w *Wallet) MustSign(tb testing.TB, version int32, prevs []PrevOut, outs []*wire.TxOut, seq uint32) *wire.MsgTx {
	tb.Helper()
	tx, err := w.Sign(version, prevs, outs, seq)
	if err != nil {
		tb.Fatal(err)
	}
	return tx
}
