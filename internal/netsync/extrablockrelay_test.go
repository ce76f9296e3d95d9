package netsync

import (
	"sync/atomic"
	"testing"
	"time"
)

// extraBlockHarness is a synced recent chain whose peers 1..9 are
// block-relay-only, with the extra block-relay-only hooks recorded.
type extraBlockHarness struct {
	*harness
	rc     *remoteChain
	starts atomic.Int32
	extra  atomic.Int32
}

func newExtraBlockHarness(t *testing.T) *extraBlockHarness {
	t.Helper()
	eh := &extraBlockHarness{}
	eh.harness = newHarness(t, nil, func(c *Config) {
		c.IsBlockRelayOnly = func(p Peer) bool { return p.ID() < 10 }
		c.ChainSyncTimeout = 1000 * time.Hour
		c.StartExtraBlockRelay = func() { eh.starts.Add(1) }
		c.ExtraBlockRelay = func() int { return int(eh.extra.Load()) }
	})
	eh.rc = buildChain(t, 3, eh.clock.Now().Add(-30*time.Minute), nil)
	eh.processAll(eh.rc, 3)
	return eh
}

// settle runs a tick at the current fake time, after the events queued
// before, so the extra-peer check due at that time has run when it
// returns (the ticker's own ticks may be late on a busy machine).
func (eh *extraBlockHarness) settle() {
	eh.t.Helper()
	if err := eh.sm.do(eh.sm.tick); err != nil {
		eh.t.Fatal(err)
	}
}

// setBlockTime sets a peer's last block time.
func (eh *extraBlockHarness) setBlockTime(t *testing.T, id int32, at time.Time) {
	t.Helper()
	if err := eh.sm.do(func() { eh.sm.peers[id].lastBlockTime = at }); err != nil {
		t.Fatal(err)
	}
}

// TestStartExtraBlockRelay: with a recent tip the connection manager is
// told once to start the extra block-relay-only connections (Core's
// StartExtraBlockRelayPeers after CanDirectFetch); with an old tip it is
// not.
func TestStartExtraBlockRelay(t *testing.T) {
	eh := newExtraBlockHarness(t)
	waitFor(t, "StartExtraBlockRelay", func() bool { return eh.starts.Load() == 1 })
	for i := 0; i < 3; i++ {
		eh.clock.Advance(extraPeerCheckInterval)
		eh.settle()
	}
	if n := eh.starts.Load(); n != 1 {
		t.Fatalf("StartExtraBlockRelay called %d times", n)
	}

	var starts atomic.Int32
	h := newHarness(t, nil, func(c *Config) {
		c.StartExtraBlockRelay = func() { starts.Add(1) }
		c.ExtraBlockRelay = func() int { return 0 }
		c.MaxTipAge = 1000 * time.Hour
	})
	rc := buildChain(t, 3, h.clock.Now().Add(-48*time.Hour), nil) // 20 intervals ago is 200 min
	h.processAll(rc, 3)
	for i := 0; i < 3; i++ {
		h.clock.Advance(extraPeerCheckInterval)
		h.sync()
		time.Sleep(20 * time.Millisecond)
	}
	if n := starts.Load(); n != 0 {
		t.Fatalf("StartExtraBlockRelay called %d times with an old tip", n)
	}
}

// TestExtraBlockRelayEviction is the block-relay-only half of Core's
// EvictExtraOutboundPeers: with an extra block-relay-only connection the
// youngest block-relay-only peer is evicted, unless it delivered a block
// more recently than the next youngest, which then goes; nothing is
// evicted without an extra connection, nor a peer connected for less than
// 30 seconds.
func TestExtraBlockRelayEviction(t *testing.T) {
	eh := newExtraBlockHarness(t)
	t0 := eh.clock.Now()
	p1 := addPeer(t, eh.harness, 1, false)
	p2 := addPeer(t, eh.harness, 2, false)
	eh.clock.Advance(time.Minute)
	eh.settle()
	if p1.gone.Load() || p2.gone.Load() {
		t.Fatal("evicted without an extra connection")
	}

	// The extra one (3) brings nothing: it goes at the next check. The
	// extra connection is gone with it; a later check while ExtraBlockRelay
	// still says 1 would evict one more.
	p3 := addPeer(t, eh.harness, 3, false)
	eh.extra.Store(1)
	eh.clock.Advance(extraPeerCheckInterval)
	eh.settle()
	if !p3.gone.Load() {
		t.Fatal("the youngest not evicted")
	}
	eh.extra.Store(0)
	if p1.gone.Load() || p2.gone.Load() {
		t.Fatal("an older block-relay-only peer went instead of the youngest")
	}

	// The next extra one (4) delivers a block before the next youngest
	// (2) ever did: 2 goes, 4 stays.
	p4 := addPeer(t, eh.harness, 4, false)
	eh.setBlockTime(t, 1, t0)
	eh.setBlockTime(t, 4, eh.clock.Now())
	eh.extra.Store(1)
	eh.clock.Advance(extraPeerCheckInterval)
	eh.settle()
	if !p2.gone.Load() {
		t.Fatal("the next youngest not evicted")
	}
	eh.extra.Store(0)
	if p4.gone.Load() || p1.gone.Load() {
		t.Fatal("the youngest that brought a block, or the oldest, was evicted")
	}

	// A newcomer connected for less than 30 seconds is kept.
	eh.clock.Advance(extraPeerCheckInterval)
	eh.settle()
	eh.clock.Advance(30 * time.Second)
	eh.settle()
	p5 := addPeer(t, eh.harness, 5, false)
	eh.extra.Store(1)
	eh.clock.Advance(extraPeerCheckInterval - 30*time.Second)
	eh.settle()
	if p5.gone.Load() || p4.gone.Load() || p1.gone.Load() {
		t.Fatal("evicted while the youngest was connected for less than 30 s")
	}
	eh.clock.Advance(extraPeerCheckInterval)
	waitFor(t, "the newcomer evicted once old enough", p5.gone.Load)
}

// TestLastBlockTime: a block new to us sets the delivering peer's last
// block time (Core's m_last_block_time); a known block does not.
func TestLastBlockTime(t *testing.T) {
	eh := newExtraBlockHarness(t)
	fp := addPeer(t, eh.harness, 1, false)
	blockTime := func() (at time.Time) {
		_ = eh.sm.do(func() { at = eh.sm.peers[1].lastBlockTime })
		return at
	}
	known, _ := eh.rc.tip()
	done := make(chan struct{}, 1)
	if err := eh.sm.QueueBlock(known, fp, done); err != nil {
		t.Fatal(err)
	}
	<-done
	if !blockTime().IsZero() {
		t.Fatal("a known block set the last block time")
	}
	eh.rc.extend(t, 1, eh.clock.Now().Add(-20*time.Minute), nil)
	eh.clock.Advance(time.Minute)
	blk, _ := eh.rc.tip()
	if err := eh.sm.QueueBlock(blk, fp, done); err != nil {
		t.Fatal(err)
	}
	<-done
	waitFor(t, "the new tip", func() bool { return eh.height() == 4 })
	if got := blockTime(); !got.Equal(eh.clock.Now()) {
		t.Fatalf("last block time %v, want %v", got, eh.clock.Now())
	}
}
