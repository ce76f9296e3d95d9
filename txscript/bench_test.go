package txscript

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// signedSpend returns a two-input transaction spending outputs of the given
// kind, signed with SIGHASH_ALL (default for taproot).
func signedSpend(b *testing.B, kindName string) (*wire.MsgTx, *MultiPrevOutFetcher, []byte) {
	b.Helper()
	t := &testing.T{}
	for _, kind := range spendKinds(t) {
		if kind.name != kindName {
			continue
		}
		pkScript := kind.pkScript()
		tx := wire.NewMsgTx(2)
		fetcher := NewMultiPrevOutFetcher(nil)
		for i := 0; i < 2; i++ {
			op := wire.OutPoint{Hash: chainhash.Hash{byte(i + 1)}, Index: uint32(i)}
			tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
			fetcher.AddPrevOut(op, wire.NewTxOut(50000, pkScript))
		}
		tx.AddTxOut(wire.NewTxOut(90000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
		ht := SigHashAll
		if kindName[:4] == "P2TR" {
			ht = SigHashDefault
		}
		sh := NewTxSigHashes(tx, fetcher)
		for i := range tx.TxIn {
			if err := kind.sign(tx, sh, i, 50000, ht); err != nil {
				b.Fatal(err)
			}
		}
		return tx, fetcher, pkScript
	}
	b.Fatalf("no kind %s", kindName)
	return nil, nil, nil
}

// benchVerify measures verifying input 0 (engine creation included, the
// per-transaction sighash midstates not, no signature cache).
func benchVerify(b *testing.B, kind string) {
	tx, fetcher, pkScript := signedSpend(b, kind)
	benchInput0(b, tx, fetcher, pkScript)
}

// benchInput0 measures verifying input 0 of tx, which spends 50000 satoshis
// to pkScript, with the standard flags.
func benchInput0(b *testing.B, tx *wire.MsgTx, fetcher *MultiPrevOutFetcher, pkScript []byte) {
	hashes := NewTxSigHashes(tx, fetcher)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, err := NewEngine(pkScript, tx, 0, StandardVerifyFlags, nil, hashes, 50000, fetcher)
		if err != nil {
			b.Fatal(err)
		}
		if err := vm.Execute(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyP2PKH(b *testing.B)       { benchVerify(b, "P2PKH") }
func BenchmarkVerifyP2WPKH(b *testing.B)      { benchVerify(b, "P2WPKH") }
func BenchmarkVerifyP2TRKeyPath(b *testing.B) { benchVerify(b, "P2TR-keypath") }

// BenchmarkVerifyP2WPKHCached measures a verification answered by the
// signature cache (the block-connect path for a tx already in the pool).
func BenchmarkVerifyP2WPKHCached(b *testing.B) {
	tx, fetcher, pkScript := signedSpend(b, "P2WPKH")
	hashes := NewTxSigHashes(tx, fetcher)
	cache := NewSigCache(100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, _ := NewEngine(pkScript, tx, 0, StandardVerifyFlags, cache, hashes, 50000, fetcher)
		if err := vm.Execute(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAVerify is the raw btcec cost under every ECDSA input: the
// floor for P2PKH and P2WPKH.
func BenchmarkECDSAVerify(b *testing.B) {
	key := testKey(1)
	hash := sha256.Sum256([]byte("msg"))
	sig := ecdsa.Sign(key, hash[:])
	pub := key.PubKey()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !sig.Verify(hash[:], pub) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkSchnorrVerify is the raw btcec BIP340 cost: the floor for P2TR.
func BenchmarkSchnorrVerify(b *testing.B) {
	key := testKey(1)
	hash := sha256.Sum256([]byte("msg"))
	sig, _ := schnorr.Sign(key, hash[:])
	pub := key.PubKey()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !sig.Verify(hash[:], pub) {
			b.Fatal("verify failed")
		}
	}
}

// manyInputTx returns a transaction with n inputs and outputs.
func manyInputTx(n int) (*wire.MsgTx, *MultiPrevOutFetcher) {
	tx := wire.NewMsgTx(2)
	fetcher := NewMultiPrevOutFetcher(nil)
	pk := PayToWitnessPubKeyHashScript(make([]byte, 20))
	for i := 0; i < n; i++ {
		op := wire.OutPoint{Hash: chainhash.Hash{byte(i), byte(i >> 8)}, Index: uint32(i)}
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
		tx.AddTxOut(wire.NewTxOut(1000, pk))
		fetcher.AddPrevOut(op, wire.NewTxOut(2000, PayToTaprootScript(make([]byte, 32))))
	}
	return tx, fetcher
}

// BenchmarkSigHashManyInputs computes every input's BIP143 and BIP341
// signature hash of an n-input transaction, midstates included; ns/input
// staying flat as n grows shows the cost is linear.
func BenchmarkSigHashManyInputs(b *testing.B) {
	scriptCode := PayToPubKeyHashScript(make([]byte, 20))
	for _, n := range []int{10, 100, 1000} {
		tx, fetcher := manyInputTx(n)
		b.Run(fmt.Sprintf("bip143/inputs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sh := NewTxSigHashes(tx, fetcher)
				for j := 0; j < n; j++ {
					calcWitnessSigHash(scriptCode, sh, SigHashAll, tx, j, 2000)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/input")
		})
		b.Run(fmt.Sprintf("bip341/inputs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sh := NewTxSigHashes(tx, fetcher)
				for j := 0; j < n; j++ {
					prev := fetcher.FetchPrevOutput(tx.TxIn[j].PreviousOutPoint)
					calcTaprootSigHash(sh, SigHashDefault, tx, j, prev.Value, prev.PkScript,
						&taprootSigHashOpts{})
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/input")
		})
	}
	// Legacy hashing is quadratic by design (each input hashes the whole
	// transaction); measured for comparison at 1,000 inputs.
	tx, _ := manyInputTx(1000)
	b.Run("legacy/inputs=1000", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j := 0; j < 1000; j++ {
				calcLegacySigHash(scriptCode, SigHashAll, tx, j)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/input")
	})
}

func BenchmarkVerifyP2TRScriptPath(b *testing.B) { benchVerify(b, "P2TR-scriptpath") }
func BenchmarkVerifyP2WSHMultisig(b *testing.B)  { benchVerify(b, "P2WSH-multisig") }
func BenchmarkVerifyP2SHP2WPKH(b *testing.B)     { benchVerify(b, "P2SH-P2WPKH") }

// arithmeticScript is a witness script of 185 non-push opcodes and no
// signature: arithmetic, comparisons, stack shuffles, the alt stack, IF/ELSE
// and a hash, so its cost is the interpreter's dispatch and not btcec.
func arithmeticScript(b *testing.B) []byte {
	b.Helper()
	sb := NewScriptBuilder()
	for i := 0; i < 10; i++ {
		sb.AddOp(OP_2).AddOp(OP_3).AddOp(OP_ADD).AddOp(OP_DUP).AddOp(OP_5).
			AddOp(OP_NUMEQUALVERIFY)
		sb.AddOp(OP_1SUB).AddOp(OP_4).AddOp(OP_SWAP).AddOp(OP_SUB).AddOp(OP_0NOTEQUAL)
		sb.AddOp(OP_NOTIF).AddOp(OP_1).AddOp(OP_ELSE).AddOp(OP_0).AddOp(OP_ENDIF)
		sb.AddOp(OP_TOALTSTACK).AddOp(OP_7).AddOp(OP_2).AddOp(OP_9).AddOp(OP_WITHIN).
			AddOp(OP_VERIFY).AddOp(OP_FROMALTSTACK)
		sb.AddOp(OP_SIZE).AddOp(OP_SWAP).AddOp(OP_DROP).AddOp(OP_1).AddOp(OP_EQUALVERIFY)
	}
	sb.AddOp(OP_DEPTH).AddOp(OP_SHA256).AddOp(OP_SIZE).AddOp(OP_NIP).AddOp(OP_DROP).
		AddOp(OP_1)
	script, err := sb.Script()
	if err != nil {
		b.Fatal(err)
	}
	return script
}

// BenchmarkVerifyArithmetic verifies a P2WSH spend of arithmeticScript.
func BenchmarkVerifyArithmetic(b *testing.B) {
	script := arithmeticScript(b)
	sh := sha256.Sum256(script)
	pkScript := PayToWitnessScriptHashScript(sh[:])
	tx := wire.NewMsgTx(2)
	op := wire.OutPoint{Hash: chainhash.Hash{1}, Index: 0}
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum,
		Witness: wire.TxWitness{script}})
	tx.AddTxOut(wire.NewTxOut(40000, PayToWitnessPubKeyHashScript(make([]byte, 20))))
	fetcher := NewMultiPrevOutFetcher(nil)
	fetcher.AddPrevOut(op, wire.NewTxOut(50000, pkScript))
	benchInput0(b, tx, fetcher, pkScript)
}
