package bench

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/btcutil/v2/gcs/builder"
	btcchainhash "github.com/btcsuite/btcd/chainhash/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/tern-org/ternd/blockfilter"
	"github.com/tern-org/ternd/wire"
)

// filterBlock returns a block of n one-input, two-output P2WPKH
// transactions after a coinbase, with distinct random scripts, and the
// scripts its inputs spend (all seeded): about two thousand filter items
// per thousand transactions, as a block of payments has.
func filterBlock(n int, seed int64) (*wire.MsgBlock, [][]byte) {
	rng := rand.New(rand.NewSource(seed))
	p2wpkh := func() []byte {
		s := make([]byte, 22)
		s[1] = 20
		rng.Read(s[2:])
		return s
	}
	blk := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, Bits: 0x207fffff}}
	cb := wire.NewMsgTx(2)
	cb.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: 0xffffffff}, SignatureScript: []byte{1, 1}})
	cb.AddTxOut(wire.NewTxOut(50e8, p2wpkh()))
	blk.Transactions = append(blk.Transactions, cb)
	var spent [][]byte
	for i := 0; i < n; i++ {
		tx := wire.NewMsgTx(2)
		var prev wire.OutPoint
		rng.Read(prev.Hash[:])
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: prev, Witness: wire.TxWitness{make([]byte, 72), make([]byte, 33)}})
		tx.AddTxOut(wire.NewTxOut(1000, p2wpkh()))
		tx.AddTxOut(wire.NewTxOut(2000, p2wpkh()))
		blk.Transactions = append(blk.Transactions, tx)
		spent = append(spent, p2wpkh())
	}
	return blk, spent
}

// btcdBlock decodes blk's encoding with btcd's wire package.
func btcdBlock(t testing.TB, blk *wire.MsgBlock) *btcwire.MsgBlock {
	var b btcwire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(blk.Bytes())); err != nil {
		t.Fatal(err)
	}
	return &b
}

// TestBasicFilterSameAsBtcd checks that ternd's blockfilter and btcd's
// gcs/builder make the same basic filter of the same block.
func TestBasicFilterSameAsBtcd(t *testing.T) {
	for _, n := range []int{0, 1, 100, 2000} {
		blk, spent := filterBlock(n, 158)
		hash := blk.BlockHash()
		ours, err := blockfilter.BuildBasic(blk, &hash, spent)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := builder.BuildBasicFilter(btcdBlock(t, blk), spent)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := theirs.NBytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours.Bytes(), raw) {
			t.Fatalf("%d txs: filters differ\nternd %x\nbtcd  %x", n, ours.Bytes()[:16], raw[:16])
		}
	}
}

// BenchmarkBasicFilter builds the basic filter of a 2,000-transaction
// block (about 6,000 items) with both libraries.
func BenchmarkBasicFilter(b *testing.B) {
	blk, spent := filterBlock(2000, 158)
	hash := blk.BlockHash()
	bblk := btcdBlock(b, blk)
	b.Run("ternd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := blockfilter.BuildBasic(blk, &hash, spent); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := builder.BuildBasicFilter(bblk, spent); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFilterMatchAny matches 100 watched scripts against that
// block's filter with both libraries, a light client's work per block.
func BenchmarkFilterMatchAny(b *testing.B) {
	blk, spent := filterBlock(2000, 158)
	hash := blk.BlockHash()
	ours, _ := blockfilter.BuildBasic(blk, &hash, spent)
	theirs, _ := builder.BuildBasicFilter(btcdBlock(b, blk), spent)
	_, queries := filterBlock(100, 7) // none of them in the block
	key := blockfilter.BlockKey(&hash)
	bhash := btcchainhash.Hash(hash)
	bkey := builder.DeriveKey(&bhash)
	if ok, _ := ours.MatchAny(key, queries); ok {
		b.Fatal("a false positive: pick other queries")
	}
	b.Run("ternd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ours.MatchAny(key, queries); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("btcd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := theirs.MatchAny(bkey, queries); err != nil {
				b.Fatal(err)
			}
		}
	})
}
