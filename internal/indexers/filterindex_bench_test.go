package indexers

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/wire"
)

// benchFilterChain mines a chain for the filter index: 101 blocks, then
// fan blocks each splitting a coinbase into perBlock outputs, each
// followed by a block spending every one of them to a new output. Every
// output script is distinct (a 20-byte push, OP_DROP, OP_TRUE: the size of
// P2WPKH, and spendable without a signature), so each filter holds about
// two items per spend, as a block of P2WPKH payments does. It returns the
// number of spends.
func benchFilterChain(e *testEnv, fan, perBlock int) int {
	blocks := e.mine(101)
	next := uint64(0)
	script := func() []byte {
		next++
		s := make([]byte, 23)
		s[0] = 20 // push 20 bytes
		for i := 0; i < 8; i++ {
			s[1+i] = byte(next >> (8 * i))
		}
		s[21], s[22] = 0x75, 0x51 // OP_DROP OP_TRUE
		return s
	}
	spends := 0
	for i := 0; i < fan; i++ {
		fanTx := chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(blocks[i])}, 50e8, 1e6, perBlock)
		for _, out := range fanTx.TxOut {
			out.PkScript = script()
		}
		e.mineTx(fanTx)
		var txs []*wire.MsgTx
		for o := 0; o < perBlock; o++ {
			op := wire.OutPoint{Hash: fanTx.TxHash(), Index: uint32(o)}
			tx := chaingen.SpendTx([]wire.OutPoint{op}, fanTx.TxOut[o].Value, 1000, 1)
			tx.TxOut[0].PkScript = script()
			txs = append(txs, tx)
		}
		e.mineTx(txs...)
		spends += perBlock
	}
	return spends
}

// dirSize returns the bytes of the files under dir.
func dirSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkFilterCatchUp measures building the basic filter index over
// an existing regtest chain of 141 blocks holding 20,000 spends of
// distinct scripts (benchFilterChain): blocks and spent outputs read back
// from the chain's store, filters built and written in batches. It
// reports the rate and the index's size on disk per block.
func BenchmarkFilterCatchUp(b *testing.B) {
	e := newTestEnv(b)
	spends := benchFilterChain(e, 20, 1000)
	tip := e.chain.BestSnapshot()
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.dir = b.TempDir()
		x := e.startFilterIndex()
		e.waitFilterSynced(x)
		if x.Best().Hash != tip.Hash {
			b.Fatalf("best %d", x.Best().Height)
		}
		e.stopFilterIndex()
		size = dirSize(b, e.filterDir())
	}
	b.ReportMetric(float64(b.N*spends)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(b.N*int(tip.Height+1))/b.Elapsed().Seconds(), "blocks/s")
	b.ReportMetric(float64(size)/float64(tip.Height+1), "disk-B/block")
}

// BenchmarkFilterRead1000 measures reading the filters of 1,000
// main-chain blocks from the index (a full getcfilters answer's lookups)
// and their filter hashes and headers (a getcfheaders answer's).
func BenchmarkFilterRead1000(b *testing.B) {
	e := newTestEnv(b)
	e.mine(1000)
	x := e.startFilterIndex()
	e.waitFilterSynced(x)
	hashes := make([]chainhash.Hash, 1000)
	for i := range hashes {
		h, err := e.chain.BlockHashByHeight(int32(i + 1))
		if err != nil {
			b.Fatal(err)
		}
		hashes[i] = *h
	}
	b.Run("filters", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range hashes {
				if _, err := x.Filter(&hashes[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("headers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range hashes {
				if _, _, err := x.FilterHeader(&hashes[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
