package txscript_test

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This example pays a P2WPKH address, signs the spend and verifies it the way
// the mempool does.
func Example_signAndVerify() {
	key, _ := btcec.PrivKeyFromBytes([]byte("an example private key, 32 bytes"))
	addr, _ := txscript.NewAddressWitnessPubKeyHash(
		txscript.Hash160(key.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
	pkScript, _ := txscript.PayToAddrScript(addr)

	prevOut := wire.OutPoint{Hash: chainhash.Hash{1}, Index: 0}
	fetcher := txscript.NewMultiPrevOutFetcher(map[wire.OutPoint]*wire.TxOut{
		prevOut: wire.NewTxOut(100000, pkScript),
	})
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&prevOut, nil, nil))
	tx.AddTxOut(wire.NewTxOut(90000, pkScript))

	hashes := txscript.NewTxSigHashes(tx, fetcher)
	witness, err := txscript.WitnessSignature(tx, hashes, 0, 100000, pkScript,
		txscript.SigHashAll, key, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	tx.TxIn[0].Witness = witness

	vm, err := txscript.NewEngine(pkScript, tx, 0, txscript.StandardVerifyFlags,
		txscript.NewSigCache(1000), txscript.NewTxSigHashes(tx, fetcher), 100000, fetcher)
	if err == nil {
		err = vm.Execute()
	}
	fmt.Println(addr.EncodeAddress()[:6], "verified:", err == nil)
	// Output: bcrt1q verified: true
}
