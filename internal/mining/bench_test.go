package mining

import (
	"math/rand"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// benchPool builds n transactions: a quarter in chains of up to 25, the
// rest independent, each a one-input, one-output segwit-sized transaction.
func benchPool(n int) testPool {
	rng := rand.New(rand.NewSource(3))
	descs := make(testPool, 0, n)
	pay := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	var parent *mempool.TxDesc
	for i := 0; i < n; i++ {
		tx := wire.NewMsgTx(2)
		var prev chainhash.Hash
		rng.Read(prev[:])
		op := wire.OutPoint{Hash: prev}
		chained := i < n/4 && parent != nil && parent.AncestorCount < 25
		if chained {
			op = wire.OutPoint{Hash: parent.TxHash}
		}
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Witness: wire.TxWitness{make([]byte, 71), make([]byte, 33)}})
		tx.AddTxOut(&wire.TxOut{Value: 1000, PkScript: pay})
		d := &mempool.TxDesc{Tx: tx, TxHash: tx.TxHash(), VSize: tx.VSize(), Weight: tx.Weight(),
			Fee: int64(110 + rng.Intn(20000)), SigOpCost: 1}
		d.AncestorCount, d.AncestorSize, d.AncestorFees, d.AncestorSigOps = 1, d.VSize, d.Fee, 1
		if chained {
			d.Depends = []chainhash.Hash{parent.TxHash}
			d.AncestorCount += parent.AncestorCount
			d.AncestorSize += parent.AncestorSize
			d.AncestorFees += parent.AncestorFees
			d.AncestorSigOps += parent.AncestorSigOps
		}
		descs = append(descs, d)
		parent = d
	}
	return descs
}

// BenchmarkTemplate2500 builds a full template (selection, coinbase,
// commitment, merkle root) from 2,500 candidates.
func BenchmarkTemplate2500(b *testing.B) {
	pool := benchPool(2500)
	gen := NewGenerator(&Config{ChainParams: &chaincfg.RegressionNetParams}, pool)
	pay := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	tip := Tip{Height: 1000, MedianTimePast: time.Unix(1700000000, 0), Bits: 0x207fffff}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tmpl, err := gen.NewBlockTemplate(pay, tip, uint64(i))
		if err != nil || len(tmpl.Block.Transactions) != 2501 {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelectFullBlock selects from 40,000 candidates, more than fit a
// block, so the weight budget binds.
func BenchmarkSelectFullBlock(b *testing.B) {
	pool := benchPool(40000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := SelectTransactions(pool, DefaultSelectOptions())
		if len(res.Txs) == 0 || len(res.Txs) == len(pool) {
			b.Fatal("budget did not bind")
		}
	}
}
