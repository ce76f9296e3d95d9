package chaingen_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/chaingen"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// TestGeneratedChain feeds generated blocks (a spend, a witness commitment
// and a winning side branch) to a real chain through the public API.
func TestGeneratedChain(t *testing.T) {
	params := chaincfg.RegressionNetParams
	db, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var connected, disconnected int
	chain, err := blockchain.New(&blockchain.Config{
		DB:          db,
		ChainParams: &params,
		TimeSource:  func() time.Time { return time.Unix(1900000000, 0) },
		Notifications: func(n *blockchain.Notification) {
			switch n.Type {
			case blockchain.NTBlockConnected:
				connected++
			case blockchain.NTBlockDisconnected:
				disconnected++
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := chaingen.New(&params)
	var blocks []*wire.MsgBlock
	for i := 0; i < 101; i++ {
		blocks = append(blocks, g.NextBlock(nil, chaingen.Options{}))
	}
	tx := chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(blocks[0])}, 50e8, 1000, 2)
	blocks = append(blocks, g.NextBlock([]*wire.MsgTx{tx}, chaingen.Options{Fees: 1000, WitnessCommitment: true}))
	for _, blk := range blocks {
		if _, _, err := chain.ProcessBlock(blk, blockchain.BFNone); err != nil {
			t.Fatalf("block at %d: %v", len(blocks), err)
		}
	}
	// A side branch from height 100 that overtakes the tip.
	s1, err := g.BlockOn(blocks[99].BlockHash(), nil, chaingen.Options{TimeDelta: 601})
	if err != nil {
		t.Fatal(err)
	}
	s2 := g.NextBlock(nil, chaingen.Options{})
	s3 := g.NextBlock(nil, chaingen.Options{})
	for _, blk := range []*wire.MsgBlock{s1, s2, s3} {
		if _, _, err := chain.ProcessBlock(blk, blockchain.BFNone); err != nil {
			t.Fatal(err)
		}
	}
	best := chain.BestSnapshot()
	if best.Hash != s3.BlockHash() || best.Height != 103 {
		t.Fatalf("tip %s/%d", best.Hash, best.Height)
	}
	if connected != 105 || disconnected != 2 {
		t.Fatalf("%d connected, %d disconnected", connected, disconnected)
	}
	if hash, height := g.Tip(); hash != s3.BlockHash() || height != 103 {
		t.Fatalf("generator tip %s/%d", hash, height)
	}
	if _, err := g.BlockOn(wire.OutPoint{}.Hash, nil, chaingen.Options{}); !errors.Is(err, chaingen.ErrUnknownParent) {
		t.Fatalf("unknown parent: %v", err)
	}
}
