package testwallet

import (
	"testing"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestSignVerifies checks that what Sign produces passes the script engine
// with consensus flags, for each version the tests use, and that the same
// seed gives the same key.
func TestSignVerifies(t *testing.T) {
	w, err := New(7, &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	if w2, _ := New(7, &chaincfg.RegressionNetParams); w2.Addr != w.Addr {
		t.Fatal("the same seed gave another key")
	}
	prevs := []PrevOut{{wire.OutPoint{Index: 0}, 5000}, {wire.OutPoint{Index: 1}, 7000}}
	for _, version := range []int32{1, 2, 3} {
		tx, err := w.Sign(version, prevs, []*wire.TxOut{{Value: 11000, PkScript: w.PkScript}}, 0xfffffffd)
		if err != nil {
			t.Fatal(err)
		}
		if tx.Version != version || len(tx.TxIn) != 2 || tx.TxIn[1].Sequence != 0xfffffffd {
			t.Fatalf("version %d: built %+v", version, tx)
		}
		m := map[wire.OutPoint]*wire.TxOut{}
		for _, p := range prevs {
			m[p.OutPoint] = &wire.TxOut{Value: p.Value, PkScript: w.PkScript}
		}
		fetcher := txscript.NewMultiPrevOutFetcher(m)
		hashes := txscript.NewTxSigHashes(tx, fetcher)
		for i, p := range prevs {
			vm, err := txscript.NewEngine(w.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, p.Value, fetcher)
			if err != nil {
				t.Fatal(err)
			}
			if err := vm.Execute(); err != nil {
				t.Fatalf("version %d input %d: %v", version, i, err)
			}
		}
	}
}
