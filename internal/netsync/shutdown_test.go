package netsync

import (
	"errors"
	"testing"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// TestShutdownSignalsQueuedDone checks that blocks and
// transactions still queued when Run stops get their done signalled, so
// the peers' read loops waiting on them are released; and Queue calls
// after Run ended fail and signal done too.
func TestShutdownSignalsQueuedDone(t *testing.T) {
	const trials = 20
	for i := 0; i < trials; i++ {
		h := newHarness(t, nil, nil)
		fp := newFakePeer(t, h.sm, 1, nil)
		release := make(chan struct{})
		busy := make(chan struct{})
		go h.sm.do(func() { close(busy); <-release })
		<-busy
		blockDone := make(chan struct{}, 1)
		txDone := make(chan struct{}, 1)
		queued := make(chan struct{}, 2)
		go func() {
			h.sm.QueueBlock(chaincfg.RegressionNetParams.GenesisBlock, fp, blockDone)
			queued <- struct{}{}
		}()
		go func() {
			h.sm.QueueTx(wire.NewMsgTx(2), fp, txDone)
			queued <- struct{}{}
		}()
		<-queued
		<-queued
		h.cancel()
		close(release)
		<-h.done
		for _, d := range []chan struct{}{blockDone, txDone} {
			select {
			case <-d:
			case <-time.After(2 * time.Second):
				t.Fatalf("trial %d: queued event's done never signalled after Run returned", i)
			}
		}
		late := make(chan struct{}, 1)
		if err := h.sm.QueueBlock(chaincfg.RegressionNetParams.GenesisBlock, fp, late); !errors.Is(err, ErrShuttingDown) {
			t.Fatalf("QueueBlock after Run: err %v, want ErrShuttingDown", err)
		}
		select {
		case <-late:
		default:
			t.Fatal("QueueBlock after Run did not signal done")
		}
	}
}

// TestShutdownReleasesBlockedSenders checks that senders blocked on a full
// queue return when Run stops, and their done is signalled.
func TestShutdownReleasesBlockedSenders(t *testing.T) {
	h := newHarness(t, nil, nil)
	fp := newFakePeer(t, h.sm, 1, nil)
	release := make(chan struct{})
	busy := make(chan struct{})
	go h.sm.do(func() { close(busy); <-release })
	<-busy
	const n = msgQueueSize + 50
	dones := make([]chan struct{}, n)
	for i := range dones {
		dones[i] = make(chan struct{}, 1)
		go h.sm.QueueTx(wire.NewMsgTx(2), fp, dones[i])
	}
	time.Sleep(50 * time.Millisecond)
	h.cancel()
	close(release)
	<-h.done
	deadline := time.After(5 * time.Second)
	for i, d := range dones {
		select {
		case <-d:
		case <-deadline:
			t.Fatalf("sender %d never released", i)
		}
	}
}
