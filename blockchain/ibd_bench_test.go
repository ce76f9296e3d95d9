package blockchain_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// ibdChain is a generated regtest chain for the initial block download
// benchmark: serialized blocks and the number of transactions in them.
type ibdChain struct {
	blocks [][]byte
	txs    int
}

var (
	ibdOnce  sync.Once
	ibdCache *ibdChain
)

// makeIBDChain generates (once per process) a chain of nBlocks blocks after
// genesis holding about txPerBlock one-input one-output OP_TRUE spends per
// block after the first 102: 101 blocks to mature a coinbase, one block
// splitting it into poolSize outputs, then blocks whose transactions spend
// the oldest outputs of that pool first (so an output lives about
// poolSize/txPerBlock blocks before it is spent, like coins in real use).
func makeIBDChain(nBlocks, txPerBlock, poolSize int) *ibdChain {
	params := chaincfg.RegressionNetParams
	g := chaingen.New(&params)
	c := &ibdChain{}
	add := func(blk *wire.MsgBlock) {
		c.blocks = append(c.blocks, blk.Bytes())
		c.txs += len(blk.Transactions)
	}
	first := g.NextBlock(nil, chaingen.Options{})
	add(first)
	for i := 1; i < 101; i++ {
		add(g.NextBlock(nil, chaingen.Options{}))
	}
	cbValue := first.Transactions[0].TxOut[0].Value
	split := chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(first)}, cbValue, 0, poolSize)
	add(g.NextBlock([]*wire.MsgTx{split}, chaingen.Options{}))
	type coin struct {
		op    wire.OutPoint
		value int64
	}
	pool := make([]coin, 0, poolSize)
	h := split.TxHash()
	for i := range split.TxOut {
		pool = append(pool, coin{wire.OutPoint{Hash: h, Index: uint32(i)}, split.TxOut[i].Value})
	}
	const fee = 100
	for len(c.blocks) < nBlocks {
		txs := make([]*wire.MsgTx, 0, txPerBlock)
		for j := 0; j < txPerBlock; j++ {
			in := pool[0]
			pool = pool[1:]
			tx := chaingen.SpendTx([]wire.OutPoint{in.op}, in.value, fee, 1)
			txs = append(txs, tx)
			pool = append(pool, coin{wire.OutPoint{Hash: tx.TxHash()}, tx.TxOut[0].Value})
		}
		add(g.NextBlock(txs, chaingen.Options{Fees: fee * int64(len(txs))}))
	}
	return c
}

// BenchmarkIBD connects a 2,000-block regtest chain with 100,000
// transactions from a fresh store, deserializing each block from its bytes
// as if it came from a peer, and closes the store (so every change reaches
// leveldb) inside the timed region. It reports blocks/s, tx/s and the peak
// heap in use (sampled every 50 ms).
func BenchmarkIBD(b *testing.B) { runIBD(b, 0) }

// BenchmarkIBDSmallCache is BenchmarkIBD with a 256 KiB UTXO cache (a fifth of the set), which
// flushes (and empties itself) many times during the run, so inputs are read
// back from leveldb: the cost of a --dbcache far below the UTXO set.
func BenchmarkIBDSmallCache(b *testing.B) { runIBD(b, 256<<10) }

// runIBD runs the IBD benchmark with the given Config.UtxoCacheBytes.
func runIBD(b *testing.B, cacheBytes int64) {
	ibdOnce.Do(func() { ibdCache = makeIBDChain(2000, 50, 10000) })
	c := ibdCache
	params := chaincfg.RegressionNetParams
	b.ReportAllocs()
	var peak atomic.Uint64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		start := time.Now()
		b.StartTimer()
		db, err := store.Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		chain, err := blockchain.New(&blockchain.Config{DB: db, ChainParams: &params,
			UtxoCacheBytes: cacheBytes})
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range c.blocks {
			blk := new(wire.MsgBlock)
			if _, err := blk.DeserializeBytes(raw); err != nil {
				b.Fatal(err)
			}
			if _, _, err := chain.ProcessBlock(blk, blockchain.BFNone); err != nil {
				b.Fatal(err)
			}
		}
		if err := closeChain(chain); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		elapsed += time.Since(start)
		close(stop)
		wg.Wait()
		if got := chain.BestSnapshot().Height; got != int32(len(c.blocks)) {
			b.Fatalf("tip height %d, want %d", got, len(c.blocks))
		}
	}
	secs := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(float64(len(c.blocks))/secs, "blocks/s")
	b.ReportMetric(float64(c.txs)/secs, "tx/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peakheap-MiB")
}

// closeChain flushes the chain's state when it has a Close method.
func closeChain(c *blockchain.BlockChain) error {
	if cl, ok := any(c).(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}
