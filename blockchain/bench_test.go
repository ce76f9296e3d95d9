package blockchain

import (
	"testing"

	"github.com/tern-org/ternd/wire"
)

// benchOutputs mines past maturity and splits one coinbase into n outputs,
// returning the chain and the outpoints.
func benchOutputs(b *testing.B, n int) (*testHarness, []wire.OutPoint, int64) {
	h := newHarness(b)
	h.quiet = true
	base := h.extend(101)
	split := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 0, n)
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{split}, blockOpts{}))
	ops := make([]wire.OutPoint, n)
	for i := range ops {
		ops[i] = wire.OutPoint{Hash: split.TxHash(), Index: uint32(i)}
	}
	return h, ops, split.TxOut[0].Value
}

// BenchmarkConnectBlock measures ProcessBlock of a block of 1,000
// one-input transactions (validation, UTXO view, undo data and the atomic
// write; scripts through the test engine).
func BenchmarkConnectBlock(b *testing.B) {
	const n = 1000
	h, ops, value := benchOutputs(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs := make([]*wire.MsgTx, n)
		for j, op := range ops {
			txs[j] = spendTx([]wire.OutPoint{op}, value, 0, 1)
			ops[j] = wire.OutPoint{Hash: txs[j].TxHash()}
		}
		blk := h.makeBlock(h.tipNode(), txs, blockOpts{})
		b.StartTimer()
		h.mustProcess(blk)
	}
	b.ReportMetric(float64(n), "txs/block")
}

// BenchmarkUtxoCacheFetch measures a UTXO lookup that hits the cache.
func BenchmarkUtxoCacheFetch(b *testing.B) {
	h, ops, _ := benchOutputs(b, 1000)
	for _, op := range ops {
		if e, err := h.chain.FetchUtxoEntry(op); e == nil || err != nil {
			b.Fatal("missing output")
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.chain.cache.fetch(ops[i%len(ops)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUtxoStoreFetch measures a UTXO lookup that misses the cache and
// reads leveldb.
func BenchmarkUtxoStoreFetch(b *testing.B) {
	h, ops, _ := benchOutputs(b, 1000)
	h.chain.cache.max = 1
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.chain.cache.m = map[wire.OutPoint]*UtxoEntry{}
		if e, err := h.chain.cache.fetch(ops[i%len(ops)]); e == nil || err != nil {
			b.Fatal("missing output")
		}
	}
}
