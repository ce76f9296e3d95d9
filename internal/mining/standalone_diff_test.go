package mining

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/difftest"
	"github.com/tern-org/ternd/wire"
)

// This differential test runs the template code's copies of the finality
// rule, the witness commitment and the coinbase sigop count side by side
// with blockchain/standalone. It lives only until the copies are deleted.

func TestDiffStandalone(t *testing.T) {
	txs, err := difftest.CoreTxs()
	if err != nil || len(txs) == 0 {
		t.Fatalf("tx vectors: %d, %v", len(txs), err)
	}
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 100000; i++ {
		txs = append(txs, difftest.RandomTx(rng))
	}
	sigDiff := 0
	for _, c := range txs {
		for i := 0; i < 4; i++ {
			h, cut := int32(rng.Intn(1200)), int64(500000000+rng.Intn(1200))
			if i == 0 {
				h, cut = int32(c.Tx.LockTime), int64(c.Tx.LockTime)
			}
			if isFinalTx(c.Tx, h, cut) != standalone.IsFinalTx(c.Tx, h, cut) {
				t.Fatalf("finality at %d/%d", h, cut)
			}
		}
		if coinbaseSigOps(c.Tx) != int64(4*standalone.CountLegacySigOps(c.Tx)) {
			sigDiff++
		}
	}
	t.Logf("mining vs standalone: %d txs, %d finality checks agree; the byte-scanning "+
		"coinbase sigop count differs from Core's legacy count on %d", len(txs), 4*len(txs), sigDiff)

	blocks := 0
	for i := 0; i < 20000; i++ {
		var blk [3]*wire.MsgBlock
		cb := CoinbaseTx(int32(rng.Intn(1000)), rng.Uint64(), []byte{0x51}, 50)
		for j := range blk {
			blk[j] = &wire.MsgBlock{Transactions: []*wire.MsgTx{cb.Copy()}}
			for n := rng.Intn(4); n > 0; n-- {
				blk[j].Transactions = append(blk[j].Transactions, txs[rng.Intn(len(txs))].Tx)
			}
		}
		for j := 1; j < 3; j++ {
			blk[j].Transactions = append(blk[j].Transactions[:1], blk[0].Transactions[1:]...)
		}
		a := AddWitnessCommitment(blk[0])
		chaingen.AddWitnessCommitment(blk[1])
		b := standalone.AddWitnessCommitment(blk[2])
		var w [3]bytes.Buffer
		for j := range blk {
			if err := blk[j].Transactions[0].Serialize(&w[j]); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(a, b) || !bytes.Equal(w[0].Bytes(), w[2].Bytes()) ||
			!bytes.Equal(w[1].Bytes(), w[2].Bytes()) {
			t.Fatalf("witness commitment differs")
		}
		blocks++
	}
	t.Logf("mining and chaingen vs standalone: %d witness commitments agree", blocks)
}
