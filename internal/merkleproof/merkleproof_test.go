package merkleproof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// testBlock returns a block of n distinct transactions with its merkle
// root set.
func testBlock(n int) *wire.MsgBlock {
	block := &wire.MsgBlock{}
	var ids []chainhash.Hash
	for i := 0; i < n; i++ {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, nil, nil))
		tx.AddTxOut(wire.NewTxOut(int64(i), nil))
		block.Transactions = append(block.Transactions, tx)
		ids = append(ids, tx.TxHash())
	}
	for len(ids) > 1 {
		if len(ids)%2 == 1 {
			ids = append(ids, ids[len(ids)-1])
		}
		var next []chainhash.Hash
		for i := 0; i < len(ids); i += 2 {
			next = append(next, hashPair(&ids[i], &ids[i+1]))
		}
		ids = next
	}
	block.Header.MerkleRoot = ids[0]
	return block
}

// TestRoundTrip builds proofs for every subset pattern of blocks of
// several sizes and checks that each extracts to the block's root and
// exactly the chosen transactions.
func TestRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7, 9, 16, 17, 33} {
		block := testBlock(n)
		for _, step := range []int{1, 2, 3, 5, 100} {
			match := func(i int) bool { return i%step == 0 }
			mb := Build(block, match)
			root, ids, idx, err := Extract(mb)
			if err != nil || root != block.Header.MerkleRoot {
				t.Fatalf("n=%d step=%d: root %v err %v", n, step, root, err)
			}
			var want []uint32
			for i := 0; i < n; i++ {
				if match(i) {
					want = append(want, uint32(i))
				}
			}
			if len(idx) != len(want) {
				t.Fatalf("n=%d step=%d: %d matches, want %d", n, step, len(idx), len(want))
			}
			for k, i := range idx {
				if i != want[k] || ids[k] != block.Transactions[i].TxHash() {
					t.Fatalf("n=%d step=%d: match %d is %d", n, step, k, i)
				}
			}
		}
	}
}

// TestMalformed checks that altered proofs are refused.
func TestMalformed(t *testing.T) {
	block := testBlock(5)
	tests := []struct {
		name   string
		change func(*wire.MsgMerkleBlock)
	}{
		{"no transactions", func(mb *wire.MsgMerkleBlock) { mb.Transactions = 0 }},
		{"more hashes than transactions", func(mb *wire.MsgMerkleBlock) { mb.Transactions = 1 }},
		{"missing hash", func(mb *wire.MsgMerkleBlock) { mb.Hashes = mb.Hashes[:len(mb.Hashes)-1] }},
		{"extra hash", func(mb *wire.MsgMerkleBlock) { mb.Hashes = append(mb.Hashes, mb.Hashes[0]) }},
		{"extra flag byte", func(mb *wire.MsgMerkleBlock) { mb.Flags = append(mb.Flags, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mb := Build(block, func(i int) bool { return i == 4 })
			tc.change(mb)
			if _, _, _, err := Extract(mb); !errors.Is(err, ErrBadProof) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// FuzzExtract checks that no merkleblock payload panics Extract.
func FuzzExtract(f *testing.F) {
	var buf bytes.Buffer
	Build(testBlock(9), func(i int) bool { return i == 3 }).BtcEncode(&buf, 0, wire.BaseEncoding)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		var mb wire.MsgMerkleBlock
		if err := mb.BtcDecode(bytes.NewReader(b), 0, wire.BaseEncoding); err != nil {
			return
		}
		Extract(&mb)
	})
}

// BenchmarkBuild measures a one-transaction proof in a 2,000-transaction
// block, gettxoutproof's work.
func BenchmarkBuild(b *testing.B) {
	block := testBlock(2000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Build(block, func(j int) bool { return j == 1234 })
	}
}
