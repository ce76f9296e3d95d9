package blockchain

import (
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/tern-org/ternd/txscript"

	"github.com/tern-org/ternd/wire"
)

// benchOutputs mines past maturity and splits one coinbase into n outputs,
// returning the chain and the outpoints.
func benchOutputs(b *testing.B, n int) (*testHarness, []wire.OutPoint, int64) {
	h := newHarness(b)
	h.quiet = true
	ops, value := benchSplit(h, n)
	return h, ops, value
}

// benchSplit mines past maturity on h and splits one coinbase into n
// outputs, returning the outpoints and their value.
func benchSplit(h *testHarness, n int) ([]wire.OutPoint, int64) {
	base := h.extend(101)
	split := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 0, n)
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{split}, blockOpts{}))
	ops := make([]wire.OutPoint, n)
	for i := range ops {
		ops[i] = wire.OutPoint{Hash: split.TxHash(), Index: uint32(i)}
	}
	return ops, split.TxOut[0].Value
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
	if err := h.chain.FlushUtxoCache(FlushRequired); err != nil {
		b.Fatal(err)
	}
	h.chain.cache.maxBytes = 1
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.chain.cache.m = map[wire.OutPoint]cacheEntry{}
		h.chain.cache.usage = 0
		if e, err := h.chain.cache.fetch(ops[i%len(ops)]); e == nil || err != nil {
			b.Fatal("missing output")
		}
	}
}

// BenchmarkConnectBlockSigned measures ProcessBlock of a block of 500
// P2WPKH spends with real ECDSA signatures, verified by txscript on every
// CPU (no signature cache).
func BenchmarkConnectBlockSigned(b *testing.B) { benchConnectSigned(b, false) }

// BenchmarkConnectBlockSignedCached is BenchmarkConnectBlockSigned with a
// signature cache the block's transactions went through first (as the
// mempool's checks fill it): the interpreter still runs, the ECDSA
// verifications become cache hits.
func BenchmarkConnectBlockSignedCached(b *testing.B) { benchConnectSigned(b, true) }

// benchConnectSigned runs the signed connect benchmark, with a warm shared
// signature cache when cached is set.
func benchConnectSigned(b *testing.B, cached bool) {
	const n = 500
	var sigCache *SigCache
	if cached {
		sigCache = txscript.NewSigCache(10 * n)
	}
	h := &testHarness{t: b, dir: b.TempDir(), params: regtestParams(), quiet: true,
		sigCache: sigCache}
	h.open()
	b.Cleanup(h.close)
	ops, value := benchSplit(h, n)
	key, err := btcec.NewPrivateKey()
	if err != nil {
		b.Fatal(err)
	}
	pub := key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	p2wpkh := append([]byte{txscript.OP_0, 0x14}, pkh...)
	scriptCode := append([]byte{0x76, 0xa9, 0x14}, append(append([]byte{}, pkh...), 0x88, 0xac)...)
	// Move the outputs to P2WPKH first.
	var txs []*wire.MsgTx
	for i, op := range ops {
		tx := spendTx([]wire.OutPoint{op}, value, 0, 1)
		tx.TxOut[0].PkScript = p2wpkh
		txs = append(txs, tx)
		ops[i] = wire.OutPoint{Hash: tx.TxHash()}
	}
	h.mustProcess(h.makeBlock(h.tipNode(), txs, blockOpts{}))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs = txs[:0]
		for j, op := range ops {
			tx := spendTx([]wire.OutPoint{op}, value, 0, 1)
			tx.TxOut[0].PkScript = p2wpkh
			hash, err := txscript.CalcWitnessSigHash(scriptCode, nil, txscript.SigHashAll, tx, 0, value)
			if err != nil {
				b.Fatal(err)
			}
			sig := append(ecdsa.Sign(key, hash).Serialize(), byte(txscript.SigHashAll))
			tx.TxIn[0].Witness = wire.TxWitness{sig, pub}
			txs = append(txs, tx)
			ops[j] = wire.OutPoint{Hash: tx.TxHash()}
		}
		if cached {
			for _, tx := range txs {
				prev := &wire.TxOut{Value: value, PkScript: p2wpkh}
				fetcher := txscript.NewCannedPrevOutputFetcher(p2wpkh, value)
				vm, err := txscript.NewEngine(prev.PkScript, tx, 0, txscript.StandardVerifyFlags,
					sigCache, txscript.NewTxSigHashes(tx, fetcher), value, fetcher)
				if err != nil {
					b.Fatal(err)
				}
				if err := vm.Execute(); err != nil {
					b.Fatal(err)
				}
			}
		}
		blk := h.makeBlock(h.tipNode(), txs, blockOpts{mutate: addWitnessCommitment})
		b.StartTimer()
		h.mustProcess(blk)
	}
	b.ReportMetric(float64(n), "inputs/block")
}

// BenchmarkProcessBlockHeaders measures headers-first header acceptance
// (PoW, context checks, index insert and its record write), in batches of
// 2,000 as a headers message carries.
func BenchmarkProcessBlockHeaders(b *testing.B) {
	h := newHarness(b)
	parent := h.tipNode()
	headers := make([]*wire.BlockHeader, b.N)
	for i := range headers {
		blk := h.makeBlock(parent, nil, blockOpts{})
		headers[i] = &blk.Header
		parent = newBlockNode(&blk.Header, parent)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < len(headers); i += 2000 {
		end := min(i+2000, len(headers))
		if _, err := h.chain.ProcessBlockHeaders(headers[i:end]); err != nil {
			b.Fatal(err)
		}
	}
}
