package netsync

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestQueueOneMessagePerPeer checks that a peer's inv,
// headers and notfound messages wait until handled, so while the event
// goroutine is busy one peer's read loop holds at most one queued message
// instead of filling the queue with large invs.
func TestQueueOneMessagePerPeer(t *testing.T) {
	h := newHarness(t, nil, nil)
	fp := newFakePeer(t, h.sm, 1, nil)
	_ = h.sm.NewPeer(fp)
	h.sync()
	release := make(chan struct{})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	busy := make(chan struct{})
	go h.sm.do(func() { close(busy); <-release })
	<-busy
	var returned atomic.Int32
	finished := make(chan struct{})
	go func() { // the peer's read loop
		defer close(finished)
		for i := 0; i < 20; i++ {
			inv := wire.NewMsgInv()
			hash := chainhash.Hash{byte(i), 1}
			_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeWTx, &hash))
			switch i % 3 {
			case 0:
				_ = h.sm.QueueInv(inv, fp)
			case 1:
				_ = h.sm.QueueHeaders(wire.NewMsgHeaders(), fp)
			default:
				nf := wire.NewMsgNotFound()
				_ = nf.AddInvVect(wire.NewInvVect(wire.InvTypeWTx, &hash))
				_ = h.sm.QueueNotFound(nf, fp)
			}
			returned.Add(1)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if n := len(h.sm.msgChan); n > 1 {
		t.Fatalf("%d messages of one peer queued, want at most 1", n)
	}
	if n := returned.Load(); n != 0 {
		t.Fatalf("%d messages returned before the busy event goroutine handled them", n)
	}
	released = true
	close(release)
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("peer's messages never handled")
	}
}
