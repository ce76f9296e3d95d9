package mining

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestTemplateFromPool fills a real pool with signed P2WPKH spends (some in
// chains) and checks the template built from it: every transaction, parents
// first, fees collected, and a block that passes the chain's sanity checks
// once solved.
func TestTemplateFromPool(t *testing.T) {
	var k [32]byte
	k[0], k[31] = 1, 9
	key, _ := btcec.PrivKeyFromBytes(k[:])
	script := append([]byte{0x00, 0x14}, txscript.Hash160(key.PubKey().SerializeCompressed())...)
	utxos := map[wire.OutPoint]*mempool.UTXO{}
	for i := 0; i < 20; i++ {
		var h chainhash.Hash
		binary.LittleEndian.PutUint32(h[:], uint32(i+1))
		utxos[wire.OutPoint{Hash: h}] = &mempool.UTXO{Amount: 1000000, PkScript: script, Height: 5}
	}
	mtp := time.Unix(1700000000, 0)
	pool := mempool.New(&mempool.Config{
		Policy:           mempool.DefaultPolicy(),
		CoinbaseMaturity: 100,
		FetchUTXO:        func(op wire.OutPoint) (*mempool.UTXO, error) { return utxos[op], nil },
		BestHeight:       func() int32 { return 200 },
		MedianTimePast:   func() time.Time { return mtp },
		MedianTimePastAt: func(int32) (time.Time, error) { return mtp, nil },
		Verifier:         &mempool.TxScriptVerifier{},
	})
	spend := func(op wire.OutPoint, amt, out int64) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum})
		tx.AddTxOut(&wire.TxOut{Value: out, PkScript: script})
		f := txscript.NewCannedPrevOutputFetcher(script, amt)
		w, err := txscript.WitnessSignature(tx, txscript.NewTxSigHashes(tx, f), 0, amt, script,
			txscript.SigHashAll, key, true)
		if err != nil {
			t.Fatal(err)
		}
		tx.TxIn[0].Witness = w
		return tx
	}
	var totalFees int64
	n := 0
	for op, u := range utxos {
		amt := u.Amount
		prev := op
		depth := 1 + n%4
		for d := 0; d < depth; d++ {
			fee := int64(200 + 300*((n*7+d*13)%11))
			tx := spend(prev, amt, amt-fee)
			if _, _, err := pool.ProcessTransaction(tx, false, 0); err != nil {
				t.Fatal(err)
			}
			totalFees += fee
			amt -= fee
			prev = wire.OutPoint{Hash: tx.TxHash()}
		}
		n++
	}
	params := &chaincfg.RegressionNetParams
	gen := NewGenerator(&Config{ChainParams: params}, pool)
	tip := Tip{Height: 200, MedianTimePast: mtp, Bits: params.PowLimitBits}
	tmpl, err := gen.NewBlockTemplate(script, tip, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := tmpl.Block
	if len(b.Transactions)-1 != pool.Count() || tmpl.TotalFees != totalFees {
		t.Fatalf("template has %d of %d txs, fees %d want %d", len(b.Transactions)-1,
			pool.Count(), tmpl.TotalFees, totalFees)
	}
	seen := map[chainhash.Hash]bool{}
	for _, tx := range b.Transactions[1:] {
		for _, in := range tx.TxIn {
			if _, ok := utxos[in.PreviousOutPoint]; !ok && !seen[in.PreviousOutPoint.Hash] {
				t.Fatal("child before parent")
			}
		}
		seen[tx.TxHash()] = true
	}
	if err := SolveBlock(context.Background(), &b.Header); err != nil {
		t.Fatal(err)
	}
	if err := blockchain.CheckBlockSanity(b, params.PowLimit, blockchain.BFNone); err != nil {
		t.Fatalf("sanity: %v", err)
	}
	// The pool empties when the block connects.
	for op := range utxos {
		delete(utxos, op)
	}
	pool.RemoveForBlock(b, 1)
	if pool.Count() != 0 {
		t.Fatalf("pool has %d after the block", pool.Count())
	}
	t.Logf("%d transactions, %d sat fees", len(b.Transactions)-1, totalFees)
}
