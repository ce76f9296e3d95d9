package blockchain_test

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// ibdChain is a generated regtest chain for the initial block download
// benchmark: serialized blocks and the number of transactions in them.
type ibdChain struct {
	blocks [][]byte
	txs    int
}

var (
	ibdOnce        sync.Once
	ibdCache       *ibdChain
	ibdSignedOnce  sync.Once
	ibdSignedCache *ibdChain
)

// makeIBDChain generates (once per process) a chain of nBlocks blocks after
// genesis holding about txPerBlock one-input one-output OP_TRUE spends per
// block after the first 102: 101 blocks to mature a coinbase, one block
// splitting it into poolSize outputs, then blocks whose transactions spend
// the oldest outputs of that pool first (so an output lives about
// poolSize/txPerBlock blocks before it is spent, like coins in real use).
func makeIBDChain(nBlocks, txPerBlock, poolSize int) *ibdChain {
	return makeIBDChainWith(nBlocks, txPerBlock, poolSize, nil)
}

// p2wpkhSigner pays the pool to one key's P2WPKH script and signs spends.
type p2wpkhSigner struct {
	key        *btcec.PrivateKey
	pub        []byte
	pkScript   []byte
	scriptCode []byte
}

// newP2WPKHSigner makes a signer with a fixed key.
func newP2WPKHSigner() *p2wpkhSigner {
	key, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
	pub := key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	return &p2wpkhSigner{
		key:        key,
		pub:        pub,
		pkScript:   append([]byte{0x00, 0x14}, pkh...),
		scriptCode: append(append([]byte{0x76, 0xa9, 0x14}, pkh...), 0x88, 0xac),
	}
}

// sign gives input 0 of tx (spending value) its witness.
func (s *p2wpkhSigner) sign(tx *wire.MsgTx, value int64) {
	hash, err := txscript.CalcWitnessSigHash(s.scriptCode, nil, txscript.SigHashAll, tx, 0, value)
	if err != nil {
		panic(err) // generated input
	}
	sig := append(ecdsa.Sign(s.key, hash).Serialize(), byte(txscript.SigHashAll))
	tx.TxIn[0].Witness = wire.TxWitness{sig, s.pub}
}

// makeIBDChainWith is makeIBDChain; with a signer every pool output pays
// to its P2WPKH script and every spend carries a real signature.
func makeIBDChainWith(nBlocks, txPerBlock, poolSize int, signer *p2wpkhSigner) *ibdChain {
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
	opts := chaingen.Options{}
	if signer != nil {
		for _, o := range split.TxOut {
			o.PkScript = signer.pkScript
		}
		opts.WitnessCommitment = true
	}
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
			if signer != nil {
				tx.TxOut[0].PkScript = signer.pkScript
				signer.sign(tx, in.value)
			}
			txs = append(txs, tx)
			pool = append(pool, coin{wire.OutPoint{Hash: tx.TxHash()}, tx.TxOut[0].Value})
		}
		opts.Fees = fee * int64(len(txs))
		add(g.NextBlock(txs, opts))
	}
	return c
}

// BenchmarkIBD connects a 2,000-block regtest chain with 100,697
// transactions (52 spends in each block after the first 102, and the
// coinbases) from a fresh store, deserializing each block from its bytes
// as if it came from a peer, and closes the store (so every change reaches
// leveldb) inside the timed region. It reports blocks/s, tx/s, the peak
// heap in use (sampled every 50 ms) and the process CPU seconds per run.
func BenchmarkIBD(b *testing.B) {
	ibdOnce.Do(func() { ibdCache = makeIBDChain(2000, 52, 10000) })
	runIBD(b, ibdCache, 0)
}

// BenchmarkIBDSmallCache is BenchmarkIBD with a 256 KiB UTXO cache (a fifth of the set), which
// flushes (and empties itself) many times during the run, so inputs are read
// back from leveldb: the cost of a --dbcache far below the UTXO set.
func BenchmarkIBDSmallCache(b *testing.B) {
	ibdOnce.Do(func() { ibdCache = makeIBDChain(2000, 52, 10000) })
	runIBD(b, ibdCache, 256<<10)
}

// BenchmarkIBDSigned is BenchmarkIBD with P2WPKH spends carrying real
// ECDSA signatures (verified by txscript on every CPU, no signature cache):
// the script-bound regime of a real sync. Making the chain signs 100,000
// transactions once per process (several seconds).
func BenchmarkIBDSigned(b *testing.B) {
	ibdSignedOnce.Do(func() {
		ibdSignedCache = makeIBDChainWith(2000, 52, 10000, newP2WPKHSigner())
	})
	runIBD(b, ibdSignedCache, 0)
}

// runIBD connects chain c from a fresh store with the given
// Config.UtxoCacheBytes.
func runIBD(b *testing.B, c *ibdChain, cacheBytes int64) {
	params := chaincfg.RegressionNetParams
	b.ReportAllocs()
	var peak atomic.Uint64
	var elapsed, cpu time.Duration
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
		start, startCPU := time.Now(), processCPUTime()
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
		cpu += processCPUTime() - startCPU
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
	// CPU seconds (all goroutines) per run: steadier than wall time when
	// other processes share the machine.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
}

// closeChain flushes the chain's state when it has a Close method.
func closeChain(c *blockchain.BlockChain) error {
	if cl, ok := any(c).(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}
