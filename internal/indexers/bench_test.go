package indexers

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/wire"
)

// benchBlock returns a block of n two-input, two-output witness
// transactions (about 220 bytes each, a typical P2WPKH spend), not valid
// for any chain but shaped like a full one.
func benchBlock(n int) *wire.MsgBlock {
	blk := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, Bits: 0x207fffff}}
	for i := 0; i < n; i++ {
		tx := wire.NewMsgTx(2)
		for j := 0; j < 2; j++ {
			tx.AddTxIn(&wire.TxIn{
				PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{byte(i), byte(i >> 8), byte(j)}},
				Witness:          wire.TxWitness{make([]byte, 72), make([]byte, 33)},
				Sequence:         wire.MaxTxInSequenceNum,
			})
			tx.AddTxOut(&wire.TxOut{Value: int64(i), PkScript: make([]byte, 22)})
		}
		blk.Transactions = append(blk.Transactions, tx)
	}
	return blk
}

// benchChain serves one block at height 1 to FetchTx.
type benchChain struct {
	hash chainhash.Hash
	raw  []byte
}

func (c *benchChain) BestSnapshot() *blockchain.BestState {
	return &blockchain.BestState{Hash: c.hash, Height: 1}
}
func (c *benchChain) MainChainHasBlock(h *chainhash.Hash) bool { return *h == c.hash }
func (c *benchChain) BlockHashByHeight(int32) (*chainhash.Hash, error) {
	h := c.hash
	return &h, nil
}
func (c *benchChain) HeaderByHash(*chainhash.Hash) (wire.BlockHeader, error) {
	return wire.BlockHeader{}, errors.New("no headers")
}
func (c *benchChain) BlockBytesByHash(*chainhash.Hash) ([]byte, error) { return c.raw, nil }

// openBenchIndex opens an index database in a temporary directory with
// chain c, without the version bookkeeping OpenTxIndex needs a chain for.
func openBenchIndex(b *testing.B, c Chain) *TxIndex {
	db, err := leveldb.OpenFile(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	x := &TxIndex{chain: c, indexBase: indexBase{db: db, progress: make(chan struct{}), wake: make(chan struct{}, 1)}}
	b.Cleanup(func() { x.Close() })
	return x
}

// BenchmarkIndexBlock measures indexing one 2,000-transaction block the
// way the index goroutine does once synced: txids, byte ranges, and one
// leveldb batch with the best block.
func BenchmarkIndexBlock(b *testing.B) {
	blk := benchBlock(2000)
	x := openBenchIndex(b, nil)
	var batch leveldb.Batch
	var bt blockTxs
	b.ReportAllocs()
	b.SetBytes(int64(blk.SerializeSize()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		blk.Header.Nonce = uint32(i)
		describe(blk, &bt)
		addBlock(&batch, int32(i+1), &bt)
		if err := x.write(&batch, BlockPos{Hash: blk.BlockHash(), Height: int32(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(blk.Transactions)), "ns/tx")
}

// BenchmarkNotify measures what the chain's notification path pays per
// connected block with the index on.
func BenchmarkNotify(b *testing.B) {
	blk := benchBlock(2000)
	x := openBenchIndex(b, nil)
	n := &blockchain.Notification{Type: blockchain.NTBlockConnected, Block: blk}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Hash = chainhash.Hash{byte(i), byte(i >> 8), byte(i >> 16)}
		x.Notify(n)
		select {
		case <-x.wake:
		default:
		}
	}
}

// BenchmarkFetchTx measures a lookup: the entry, the stored block's bytes
// (served from memory here) and decoding and checking the transaction.
func BenchmarkFetchTx(b *testing.B) {
	blk := benchBlock(2000)
	c := &benchChain{hash: blk.BlockHash(), raw: blk.Bytes()}
	x := openBenchIndex(b, c)
	var batch leveldb.Batch
	var bt blockTxs
	describe(blk, &bt)
	addBlock(&batch, 1, &bt)
	if err := x.write(&batch, BlockPos{Hash: c.hash, Height: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := x.FetchTx(&bt.txids[i%len(bt.txids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCatchUp measures the background catch-up of a new index over an
// existing regtest chain of 131 blocks holding 6,000 spends (blocks of 600
// one-input transactions), read back from the chain's store.
func BenchmarkCatchUp(b *testing.B) {
	e := newTestEnv(b)
	blocks := e.mine(101)
	const fan, perBlock = 10, 600
	var spends int
	for i := 0; i < fan; i++ {
		fanTx := chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(blocks[i])}, 50e8, 1e6, perBlock)
		e.mineTx(fanTx)
		var txs []*wire.MsgTx
		for o := 0; o < perBlock; o++ {
			op := wire.OutPoint{Hash: fanTx.TxHash(), Index: uint32(o)}
			txs = append(txs, chaingen.SpendTx([]wire.OutPoint{op}, fanTx.TxOut[o].Value, 1000, 1))
		}
		e.mineTx(txs...)
		spends += perBlock
	}
	tip := e.chain.BestSnapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.dir = b.TempDir()
		x := e.startIndex()
		e.waitSynced(x)
		if x.Best().Hash != tip.Hash {
			b.Fatalf("best %d", x.Best().Height)
		}
		e.stopIndex()
	}
	b.ReportMetric(float64(b.N*spends)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(b.N*int(tip.Height))/b.Elapsed().Seconds(), "blocks/s")
}
