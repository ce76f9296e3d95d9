package txscript

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// testKey returns a deterministic private key.
func testKey(i byte) *btcec.PrivateKey {
	var b [32]byte
	b[31] = i
	b[0] = 0x42
	k, _ := btcec.PrivKeyFromBytes(b[:])
	return k
}

// spendKind builds an output of one standard type and signs its input.
type spendKind struct {
	name     string
	pkScript func() []byte
	sign     func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error
}

func spendKinds(t *testing.T) []spendKind {
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	pk1 := k1.PubKey().SerializeCompressed()
	msScript, err := MultiSigScript([][]byte{pk1, k2.PubKey().SerializeCompressed(),
		k3.PubKey().SerializeCompressed()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	msHash := sha256.Sum256(msScript)
	// A two-leaf tree: leaf A is <key2> CHECKSIG, leaf B is OP_TRUE.
	leafA, _ := NewScriptBuilder().AddData(schnorr.SerializePubKey(k2.PubKey())).
		AddOp(OP_CHECKSIG).Script()
	leafB := []byte{OP_TRUE}
	hA, hB := TapLeafHash(BaseLeafVersion, leafA), TapLeafHash(BaseLeafVersion, leafB)
	root := TapBranchHash(hA[:], hB[:])
	outKey := ComputeTaprootOutputKey(k1.PubKey(), root[:])
	trScript := PayToTaprootScript(schnorr.SerializePubKey(outKey))
	cb := ControlBlock{InternalKey: k1.PubKey(), LeafVersion: BaseLeafVersion,
		OutputKeyYIsOdd: outKey.SerializeCompressed()[0] == 0x03, InclusionProof: hB[:]}

	return []spendKind{
		{"P2PKH", func() []byte { return PayToPubKeyHashScript(hash160(pk1)) },
			func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
				s, err := SignatureScript(tx, idx, PayToPubKeyHashScript(hash160(pk1)), ht, k1, true)
				tx.TxIn[idx].SignatureScript = s
				return err
			}},
		{"P2SH-P2WPKH", func() []byte {
			return PayToScriptHashScript(hash160(PayToWitnessPubKeyHashScript(hash160(pk1))))
		}, func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
			s, w, err := NestedWitnessSignature(tx, sh, idx, amt, ht, k1)
			tx.TxIn[idx].SignatureScript, tx.TxIn[idx].Witness = s, w
			return err
		}},
		{"P2WPKH", func() []byte { return PayToWitnessPubKeyHashScript(hash160(pk1)) },
			func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
				w, err := WitnessSignature(tx, sh, idx, amt,
					PayToWitnessPubKeyHashScript(hash160(pk1)), ht, k1, true)
				tx.TxIn[idx].Witness = w
				return err
			}},
		{"P2WSH-multisig", func() []byte { return PayToWitnessScriptHashScript(msHash[:]) },
			func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
				w, err := WitnessMultiSigSignature(tx, sh, idx, amt, msScript, ht,
					[]*btcec.PrivateKey{k1, k3})
				tx.TxIn[idx].Witness = w
				return err
			}},
		{"P2TR-keypath", func() []byte { return trScript },
			func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
				sig, err := RawTxInTaprootSignature(tx, sh, idx, amt, trScript, root[:], ht, k1)
				tx.TxIn[idx].Witness = wire.TxWitness{sig}
				return err
			}},
		{"P2TR-bip86", func() []byte {
			return PayToTaprootScript(schnorr.SerializePubKey(ComputeTaprootKeyNoScript(k1.PubKey())))
		}, func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
			pk := PayToTaprootScript(schnorr.SerializePubKey(ComputeTaprootKeyNoScript(k1.PubKey())))
			w, err := TaprootWitnessSignature(tx, sh, idx, amt, pk, ht, k1)
			tx.TxIn[idx].Witness = w
			return err
		}},
		{"P2TR-scriptpath", func() []byte { return trScript },
			func(tx *wire.MsgTx, sh *TxSigHashes, idx int, amt int64, ht SigHashType) error {
				sig, err := RawTxInTapscriptSignature(tx, sh, idx, amt, trScript,
					NewBaseTapLeaf(leafA), ht, k2)
				tx.TxIn[idx].Witness = wire.TxWitness{sig, leafA, cb.ToBytes()}
				return err
			}},
	}
}

// TestSignAndVerify signs every standard spend with every hash type and
// verifies it with the standard flags; a changed output must then fail
// (except where the hash type does not cover it).
func TestSignAndVerify(t *testing.T) {
	ecdsaTypes := []SigHashType{SigHashAll, SigHashNone, SigHashSingle,
		SigHashAll | SigHashAnyOneCanPay, SigHashNone | SigHashAnyOneCanPay,
		SigHashSingle | SigHashAnyOneCanPay}
	n := 0
	for _, kind := range spendKinds(t) {
		types := ecdsaTypes
		if kind.name[:4] == "P2TR" {
			types = append([]SigHashType{SigHashDefault}, ecdsaTypes...)
		}
		for _, ht := range types {
			t.Run(fmt.Sprintf("%s/%#x", kind.name, uint32(ht)), func(t *testing.T) {
				const amt = 50000
				pkScript := kind.pkScript()
				tx := wire.NewMsgTx(2)
				fetcher := NewMultiPrevOutFetcher(nil)
				for i := 0; i < 2; i++ {
					op := wire.OutPoint{Hash: chainhash.Hash{byte(i + 1)}, Index: uint32(i)}
					tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
					fetcher.AddPrevOut(op, wire.NewTxOut(amt, pkScript))
				}
				tx.AddTxOut(wire.NewTxOut(30000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
				tx.AddTxOut(wire.NewTxOut(19000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
				sh := NewTxSigHashes(tx, fetcher)
				for i := range tx.TxIn {
					if err := kind.sign(tx, sh, i, amt, ht); err != nil {
						t.Fatal(err)
					}
				}
				verify := func(tx *wire.MsgTx) error {
					hashes := NewTxSigHashes(tx, fetcher)
					for i := range tx.TxIn {
						vm, err := NewEngine(pkScript, tx, i, StandardVerifyFlags, nil,
							hashes, amt, fetcher)
						if err != nil {
							return err
						}
						if err := vm.Execute(); err != nil {
							return fmt.Errorf("input %d: %w", i, err)
						}
					}
					return nil
				}
				if err := verify(tx); err != nil {
					t.Fatalf("signed tx fails: %v", err)
				}
				mutated := tx.Copy()
				mutated.TxOut[1].Value--
				err := verify(mutated)
				covered := ht&sigHashMask != SigHashNone && ht&sigHashMask != SigHashSingle
				if kind.name[:4] == "P2TR" {
					covered = ht&3 != SigHashNone && ht&3 != SigHashSingle
				}
				if covered && err == nil {
					t.Fatal("mutating output 1 still verifies")
				}
				if !covered && ht&3 == SigHashNone && err != nil {
					t.Fatalf("SIGHASH_NONE does not cover outputs, got %v", err)
				}
			})
			n++
		}
	}
	requireCases(t, "sign and verify", n)
}

// TestConcurrentVerify verifies the inputs of signed transactions from
// several goroutines sharing one TxSigHashes and one SigCache, as the
// blockchain's parallel script checks do (run it with -race).
func TestConcurrentVerify(t *testing.T) {
	cache := NewSigCache(50)
	for _, kind := range spendKinds(t) {
		const amt = 50000
		pkScript := kind.pkScript()
		tx := wire.NewMsgTx(2)
		fetcher := NewMultiPrevOutFetcher(nil)
		for i := 0; i < 4; i++ {
			op := wire.OutPoint{Hash: chainhash.Hash{byte(i + 1)}, Index: uint32(i)}
			tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
			fetcher.AddPrevOut(op, wire.NewTxOut(amt, pkScript))
		}
		tx.AddTxOut(wire.NewTxOut(30000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
		sh := NewTxSigHashes(tx, fetcher)
		for i := range tx.TxIn {
			if err := kind.sign(tx, sh, i, amt, SigHashAll); err != nil {
				t.Fatal(err)
			}
		}
		hashes := NewTxSigHashes(tx, fetcher)
		errs := make(chan error, 3*len(tx.TxIn))
		for round := 0; round < 3; round++ {
			for i := range tx.TxIn {
				go func(i int) {
					vm, err := NewEngine(pkScript, tx, i, StandardVerifyFlags, cache, hashes,
						amt, fetcher)
					if err == nil {
						err = vm.Execute()
					}
					errs <- err
				}(i)
			}
		}
		for j := 0; j < cap(errs); j++ {
			if err := <-errs; err != nil {
				t.Errorf("%s: %v", kind.name, err)
			}
		}
	}
}

// TestSigHashSingleBug checks Core's legacy quirk: SIGHASH_SINGLE on an
// input without a matching output signs the number 1, and such a signature
// verifies.
func TestSigHashSingleBug(t *testing.T) {
	k := testKey(5)
	pk := k.PubKey().SerializeCompressed()
	pkScript := PayToPubKeyHashScript(hash160(pk))
	tx := wire.NewMsgTx(1)
	for i := 0; i < 2; i++ {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: uint32(i), Hash: chainhash.Hash{3}},
			Sequence: wire.MaxTxInSequenceNum})
	}
	tx.AddTxOut(wire.NewTxOut(1, nil))
	h, err := CalcSignatureHash(pkScript, SigHashSingle, tx, 1)
	if err != nil || chainhash.Hash(h) != oneHash {
		t.Fatalf("hash %x %v, want the number 1", h, err)
	}
	sigScript, err := SignatureScript(tx, 1, pkScript, SigHashSingle, k, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[1].SignatureScript = sigScript
	vm, err := NewEngine(pkScript, tx, 1, StandardVerifyFlags, nil, nil, 0, nil)
	if err == nil {
		err = vm.Execute()
	}
	if err != nil {
		t.Fatalf("SIGHASH_SINGLE bug signature fails: %v", err)
	}
	n, m, err := CalcMultiSigStats(mustHex("5121" + strings.Repeat("02", 33) + "51ae"))
	if err != nil || n != 1 || m != 1 {
		t.Fatalf("CalcMultiSigStats = %d, %d, %v", n, m, err)
	}
}
