package mempool

import (
	"runtime"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// benchTxs builds n independent 1-input P2WPKH-shaped transactions with
// varied fees, each spending its own confirmed coin.
func benchTxs(h *harness, n int) []*wire.MsgTx {
	coins := h.fund(n, 1000000, 10, false)
	txs := make([]*wire.MsgTx, n)
	for i := range txs {
		txs[i] = h.tx(coins[i:i+1], 1000000-int64(500+i%5000))
	}
	return txs
}

// BenchmarkAcceptIndependent measures transactions accepted per second
// for independent one-input transactions (scripts by the fake verifier).
func BenchmarkAcceptIndependent(b *testing.B) {
	h := newHarness(b, nil)
	txs := benchTxs(h, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := h.pool.ProcessTransaction(txs[i], true, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkAcceptChains measures acceptance of chains 25 deep, where each
// transaction updates the descendant figures of all its ancestors.
func BenchmarkAcceptChains(b *testing.B) {
	h := newHarness(b, nil)
	chains := (b.N + 24) / 25
	coins := h.fund(chains, 10000000, 10, false)
	txs := make([]*wire.MsgTx, 0, chains*25)
	for c := 0; c < chains; c++ {
		prev := coins[c : c+1]
		for i := 0; i < 25; i++ {
			tx := h.tx(prev, prev[0].amount-1000)
			txs = append(txs, tx)
			prev = outs(tx)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := h.pool.ProcessTransaction(txs[i], true, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkPoolMemory reports the heap bytes a pooled transaction costs
// (runtime.MemStats before and after filling a pool of 20,000) next to the
// pool's own estimate used for --maxmempool.
func BenchmarkPoolMemory(b *testing.B) {
	const n = 20000
	for i := 0; i < b.N; i++ {
		h := newHarness(b, nil)
		txs := benchTxs(h, n)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, tx := range txs {
			if _, _, err := h.pool.ProcessTransaction(tx, true, 1); err != nil {
				b.Fatal(err)
			}
		}
		// Drop the benchmark's own references to the transactions, so
		// they are counted as the pool's.
		runtime.GC()
		runtime.ReadMemStats(&after)
		usage, _ := h.pool.Usage()
		txBytes := 0
		for _, tx := range txs {
			txBytes += tx.SerializeSize()
		}
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heapB/tx")
		b.ReportMetric(float64(usage)/n, "estB/tx")
		b.ReportMetric(float64(txBytes)/n, "serB/tx")
		runtime.KeepAlive(h)
	}
}

// BenchmarkMiningDescs measures the snapshot a template starts from, over
// a pool of 2,500 transactions (100 chains of 25).
func BenchmarkMiningDescs(b *testing.B) {
	h := newHarness(b, nil)
	coins := h.fund(100, 10000000, 10, false)
	for c := 0; c < 100; c++ {
		prev := coins[c : c+1]
		for i := 0; i < 25; i++ {
			tx := h.tx(prev, prev[0].amount-int64(1000+c*7+i))
			h.mustAccept(tx)
			prev = outs(tx)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(h.pool.MiningDescs()) != 2500 {
			b.Fatal("size")
		}
	}
}

// BenchmarkSubmitPackageCPFP measures submitpackage's child-pays-for-parent
// path: a zero-fee TRUC parent refused alone, then judged with its child
// by package fee rate and added (scripts by the fake verifier).
func BenchmarkSubmitPackageCPFP(b *testing.B) {
	h := newHarness(b, nil)
	coins := h.fund(b.N, 100000, 10, false)
	pkgs := make([][]*wire.MsgTx, b.N)
	for i := range pkgs {
		parent := h.tx(coins[i:i+1], 100000)
		parent.Version = 3
		child := h.tx(outs(parent), 95000)
		child.Version = 3
		pkgs[i] = []*wire.MsgTx{parent, child}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := h.pool.SubmitPackage(pkgs[i], 0); res.PackageErr != nil {
			b.Fatal(res.PackageErr)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkg/s")
}
