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

// passVerifier accepts every script: the template benchmarks measure
// selection, not signatures.
type passVerifier struct{}

func (passVerifier) VerifyScripts(*wire.MsgTx, []*wire.TxOut, bool) (int, error) { return 0, nil }

// realPool50000 fills a mempool with 50,000 one-input P2WPKH-shaped
// transactions, a quarter of them in chains of 25 and every eighth
// independent one sharing a zero-fee parent with a sibling (clusters of
// three for the linearization), at fee rates from 1 to 200 sat/vB.
func realPool50000(b *testing.B) *mempool.TxPool {
	rng := rand.New(rand.NewSource(5))
	pay := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	utxos := map[wire.OutPoint]*mempool.UTXO{}
	mtp := time.Unix(1700000000, 0)
	pool := mempool.New(&mempool.Config{
		Policy:           mempool.DefaultPolicy(),
		CoinbaseMaturity: 100,
		FetchUTXO:        func(op wire.OutPoint) (*mempool.UTXO, error) { return utxos[op], nil },
		BestHeight:       func() int32 { return 200 },
		MedianTimePast:   func() time.Time { return mtp },
		MedianTimePastAt: func(int32) (time.Time, error) { return mtp, nil },
		Verifier:         passVerifier{},
	})
	spend := func(op wire.OutPoint, value, fee int64, outs int) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum,
			Witness: wire.TxWitness{make([]byte, 71), make([]byte, 33)}})
		for range outs {
			tx.AddTxOut(&wire.TxOut{Value: (value - fee) / int64(outs), PkScript: pay})
		}
		return tx
	}
	coin := func(i int) wire.OutPoint {
		var h chainhash.Hash
		rng.Read(h[:])
		op := wire.OutPoint{Hash: h}
		utxos[op] = &mempool.UTXO{Amount: 10_000_000, PkScript: pay, Height: 5}
		return op
	}
	add := func(tx *wire.MsgTx) {
		if _, _, err := pool.ProcessTransaction(tx, false, 0); err != nil {
			b.Fatal(err)
		}
	}
	for n := 0; n < 50000; {
		switch {
		case n < 12500:
			prev, value := coin(n), int64(10_000_000)
			for range 25 {
				tx := spend(prev, value, 110*(1+rng.Int63n(200)), 1)
				add(tx)
				prev, value = wire.OutPoint{Hash: tx.TxHash()}, tx.TxOut[0].Value
			}
			n += 25
		case n%8 == 0:
			parent := spend(coin(n), 10_000_000, 0, 2)
			parent.TxOut[1].Value = parent.TxOut[0].Value
			// The zero-fee parent enters with its children: a package.
			kids := []*wire.MsgTx{parent}
			for k := range 2 {
				kids = append(kids, spend(wire.OutPoint{Hash: parent.TxHash(), Index: uint32(k)},
					parent.TxOut[k].Value, 110*(1+rng.Int63n(200)), 1))
			}
			pool.PrioritiseTransaction(ptrHash(parent.TxHash()), 1000)
			add(parent)
			add(kids[1])
			add(kids[2])
			n += 3
		default:
			add(spend(coin(n), 10_000_000, 110*(1+rng.Int63n(200)), 1))
			n++
		}
	}
	return pool
}

func ptrHash(h chainhash.Hash) *chainhash.Hash { return &h }

// BenchmarkTemplatePool50000 builds a template from a real pool of 50,000
// transactions, more than a block holds: the chunk listing, both
// selections (the budget binds), the coinbase and the merkle root.
func BenchmarkTemplatePool50000(b *testing.B) {
	pool := realPool50000(b)
	gen := NewGenerator(&Config{ChainParams: &chaincfg.RegressionNetParams}, pool)
	pay := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	tip := Tip{Height: 1000, MedianTimePast: time.Unix(1700000000, 0), Bits: 0x207fffff}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tmpl, err := gen.NewBlockTemplate(pay, tip, uint64(i))
		if err != nil || len(tmpl.Block.Transactions) < 5000 {
			b.Fatal(err)
		}
	}
}
