package netsync

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// serveHarness is a synced chain of n blocks and a peer to serve.
func serveHarness(t *testing.T, n int) (*harness, *remoteChain, *fakePool, *fakePeer) {
	rc := buildChain(t, n, time.Now().Add(-2*time.Hour), func(_ int32, b *wire.MsgBlock) {
		standalone.AddWitnessCommitment(b) // so blocks carry a witness to strip
	})
	pool := newFakePool()
	h := newHarness(t, pool, nil)
	h.processAll(rc, n)
	p := newFakePeer(t, h.sm, 1, nil)
	return h, rc, pool, p
}

// lastMessage returns the last message queued to p.
func lastMessage(t *testing.T, p *fakePeer) wire.Message {
	t.Helper()
	msgs := p.messages()
	if len(msgs) == 0 {
		t.Fatal("nothing sent")
	}
	return msgs[len(msgs)-1]
}

// TestServeGetHeaders answers from the locator's fork point, up to the
// stop hash, and the single header of an empty locator.
func TestServeGetHeaders(t *testing.T) {
	h, rc, _, p := serveHarness(t, 12)
	tests := []struct {
		name      string
		locator   []int // heights
		stop      int   // -1: none
		wantFirst int
		wantCount int
	}{
		{"from genesis", []int{0}, -1, 1, 12},
		{"from 5", []int{5, 3, 0}, -1, 6, 7},
		{"stop at 8", []int{5}, 8, 6, 3},
		{"unknown locator", nil, -1, 1, 12},
		{"empty locator", []int{}, 7, 7, 1},
		{"at tip", []int{12}, -1, 0, 0},
	}
	for _, tc := range tests {
		msg := wire.NewMsgGetHeaders()
		if tc.locator == nil {
			bogus := chainhash.Hash{9}
			_ = msg.AddBlockLocatorHash(&bogus)
		}
		for _, ht := range tc.locator {
			hash := rc.blocks[ht].BlockHash()
			_ = msg.AddBlockLocatorHash(&hash)
		}
		if tc.stop >= 0 {
			msg.HashStop = rc.blocks[tc.stop].BlockHash()
		}
		h.sm.HandleGetHeaders(p, msg)
		hdrs, ok := lastMessage(t, p).(*wire.MsgHeaders)
		if !ok || len(hdrs.Headers) != tc.wantCount {
			t.Fatalf("%s: got %v", tc.name, lastMessage(t, p))
		}
		if tc.wantCount > 0 && hdrs.Headers[0].BlockHash() != rc.blocks[tc.wantFirst].BlockHash() {
			t.Fatalf("%s: wrong first header", tc.name)
		}
	}
	t.Logf("%d cases", len(tests))
}

// TestServeGetBlocks answers with an inv of the hashes after the fork.
func TestServeGetBlocks(t *testing.T) {
	h, rc, _, p := serveHarness(t, 12)
	genesis := rc.blocks[0].BlockHash()
	msg := wire.NewMsgGetBlocks(&chainhash.Hash{})
	_ = msg.AddBlockLocatorHash(&genesis)
	h.sm.HandleGetBlocks(p, msg)
	inv, ok := lastMessage(t, p).(*wire.MsgInv)
	if !ok || len(inv.InvList) != 12 || inv.InvList[11].Hash != rc.blocks[12].BlockHash() ||
		inv.InvList[0].Type != wire.InvTypeBlock {
		t.Fatalf("got %v", lastMessage(t, p))
	}
}

// TestServeGetData serves blocks with and without witness by the inv type,
// transactions by txid and wtxid, a notfound for the other transactions
// and nothing for an unknown block.
func TestServeGetData(t *testing.T) {
	h, rc, pool, p := serveHarness(t, 3)
	tx := witnessTx(1)
	pool.have[tx.TxHash()] = tx
	pool.have[tx.WitnessHash()] = tx
	b1, b2 := rc.blocks[1].BlockHash(), rc.blocks[2].BlockHash()
	txid, wtxid := tx.TxHash(), tx.WitnessHash()
	missing := chainhash.Hash{7}
	gd := wire.NewMsgGetData()
	for _, iv := range []*wire.InvVect{
		wire.NewInvVect(wire.InvTypeBlock, &b1),
		wire.NewInvVect(wire.InvTypeWitnessBlock, &b2),
		wire.NewInvVect(wire.InvTypeTx, &txid),
		wire.NewInvVect(wire.InvTypeWTx, &wtxid),
		wire.NewInvVect(wire.InvTypeWTx, &txid), // a txid is no wtxid
		wire.NewInvVect(wire.InvTypeWitnessBlock, &missing),
	} {
		_ = gd.AddInvVect(iv)
	}
	h.sm.HandleGetData(p, gd, nil)
	msgs := p.messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages: %v", len(msgs), msgs)
	}
	if blk, ok := msgs[0].(*wire.MsgBlock); !ok || blk.BlockHash() != b1 ||
		blk.Transactions[0].HasWitness() {
		t.Fatal("MSG_BLOCK: want the block without witness")
	}
	raw, err := wire.EncodeMessage(msgs[1], wire.ProtocolVersion, wire.TestNet, wire.WitnessEncoding)
	if err != nil {
		t.Fatal(err)
	}
	var blk wire.MsgBlock
	if _, err := blk.DeserializeBytes(raw[wire.MessageHeaderSize:]); err != nil || msgs[1].Command() != "block" ||
		blk.BlockHash() != b2 || !blk.Transactions[0].HasWitness() {
		t.Fatalf("MSG_WITNESS_BLOCK: want the block with its witness (%v)", err)
	}
	if got, ok := msgs[2].(*wire.MsgTx); !ok || got.TxHash() != txid || got.HasWitness() {
		t.Fatal("MSG_TX: want the tx without witness")
	}
	if !tx.HasWitness() {
		t.Fatal("serving stripped the pool's transaction")
	}
	if got, ok := msgs[3].(*wire.MsgTx); !ok || got.WitnessHash() != wtxid {
		t.Fatal("tx by wtxid")
	}
	nf, ok := msgs[4].(*wire.MsgNotFound)
	// The unknown block is ignored, as Core does; only the transaction
	// gets a notfound.
	if !ok || len(nf.InvList) != 1 || nf.InvList[0].Hash != txid {
		t.Fatalf("notfound %v", msgs[4])
	}
}

// TestNoGetHeadersDuringIBD: getheaders is not answered while syncing.
func TestNoGetHeadersDuringIBD(t *testing.T) {
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	h.sm.HandleGetHeaders(p, wire.NewMsgGetHeaders())
	if len(p.messages()) != 0 {
		t.Fatal("answered during initial block download")
	}
}
