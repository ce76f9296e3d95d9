package netsync

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// evictionHarness is a synced (recent) chain of three blocks and a manager
// that treats the peers in full as automatic outbound ones.
func evictionHarness(t *testing.T, full map[int32]bool) (*harness, *remoteChain) {
	t.Helper()
	h := newHarness(t, nil, func(c *Config) {
		c.IsFullOutbound = func(p Peer) bool { return full[p.ID()] }
	})
	rc := buildChain(t, 3, h.clock.Now().Add(-30*time.Minute), nil)
	h.processAll(rc, 3)
	if h.sm.IsInitialBlockDownload() {
		t.Fatal("still in initial block download")
	}
	return h, rc
}

// addPeer connects a silent peer (it answers nothing by itself).
func addPeer(t *testing.T, h *harness, id int32, inbound bool) *fakePeer {
	t.Helper()
	fp := newFakePeer(t, h.sm, id, nil)
	fp.inbound = inbound
	if err := h.sm.NewPeer(fp); err != nil {
		t.Fatal(err)
	}
	h.sync()
	return fp
}

// getHeaders returns the getheaders messages sent to fp.
func getHeaders(fp *fakePeer) []*wire.MsgGetHeaders {
	var out []*wire.MsgGetHeaders
	for _, m := range fp.messages() {
		if gh, ok := m.(*wire.MsgGetHeaders); ok {
			out = append(out, gh)
		}
	}
	return out
}

// chainSyncOf returns a copy of the peer's eviction state (ok false when
// the manager no longer knows it).
func chainSyncOf(t *testing.T, h *harness, id int32) (cs chainSyncState, ok bool) {
	t.Helper()
	if err := h.sm.do(func() {
		if ps := h.sm.peers[id]; ps != nil {
			cs, ok = ps.chainSync, true
		}
	}); err != nil {
		t.Fatal(err)
	}
	return cs, ok
}

// waitTimedOnTip waits until the chain-sync timer of peer id runs against
// rc's tip. A timer being set is not enough: a peer is timed from the tick
// after its first getheaders, before its headers come, against the tip of
// then; a tick that runs only after advanceTip, still before the clock
// moves, re-arms it against the new tip rather than probing it.
func waitTimedOnTip(t *testing.T, h *harness, id int32, rc *remoteChain) {
	t.Helper()
	blk, _ := rc.tip()
	tip := blk.BlockHash()
	waitFor(t, "the chain-sync timer on our tip", func() bool {
		cs, _ := chainSyncOf(t, h, id)
		return !cs.timeout.IsZero() && cs.workHash == tip
	})
}

// advanceTip connects one more block, so the tip moves past every peer.
func advanceTip(t *testing.T, h *harness, rc *remoteChain) {
	t.Helper()
	rc.extend(t, 1, h.clock.Now().Add(-30*time.Minute), nil)
	blk, _ := rc.tip()
	if _, _, err := h.chain.ProcessBlock(blk, blockchain.BFNone); err != nil {
		t.Fatal(err)
	}
}

// sendHeaders hands the manager, from fp, the headers of rc's blocks
// from..to (heights).
func sendHeaders(t *testing.T, h *harness, fp *fakePeer, rc *remoteChain, from, to int) {
	t.Helper()
	msg := wire.NewMsgHeaders()
	for i := from; i <= to; i++ {
		hdr := rc.blocks[i].Header
		_ = msg.AddBlockHeader(&hdr)
	}
	if err := h.sm.QueueHeaders(msg, fp); err != nil {
		t.Fatal(err)
	}
}

// TestChainSyncEviction: an automatic outbound peer that completes the
// handshake and never shows our tip's work is timed (20 min), probed with
// one getheaders from the timed tip's parent, and disconnected 2 minutes
// later, while our tip moves on (Core's ConsiderEviction).
// Manual and whitelisted outbound peers (IsFullOutbound false) and
// inbound peers are never timed, probed or disconnected.
func TestChainSyncEviction(t *testing.T) {
	h, rc := evictionHarness(t, map[int32]bool{1: true, 4: true})
	silent := addPeer(t, h, 1, false)
	manual := addPeer(t, h, 2, false)
	whitelisted := addPeer(t, h, 3, false)
	inbound := addPeer(t, h, 4, true) // IsFullOutbound says yes; inbound wins
	exempt := []*fakePeer{manual, whitelisted, inbound}
	for _, fp := range append([]*fakePeer{silent}, exempt...) {
		if n := len(getHeaders(fp)); n != 1 {
			t.Fatalf("peer %d: %d getheaders after connecting, want 1", fp.id, n)
		}
	}
	timed := rc.blocks[3].BlockHash()
	waitFor(t, "the chain-sync timer", func() bool {
		cs, _ := chainSyncOf(t, h, silent.id)
		return !cs.timeout.IsZero()
	})
	cs, _ := chainSyncOf(t, h, silent.id)
	if cs.workHash != timed || !cs.timeout.Equal(h.clock.Now().Add(DefaultChainSyncTimeout)) {
		t.Fatalf("timer %+v, want on %v", cs, timed)
	}
	advanceTip(t, h, rc)

	h.clock.Advance(DefaultChainSyncTimeout - time.Second)
	h.sync()
	time.Sleep(20 * time.Millisecond) // some ticks
	if len(getHeaders(silent)) != 1 || silent.gone.Load() {
		t.Fatal("probed or disconnected before the timeout")
	}
	h.clock.Advance(2 * time.Second)
	waitFor(t, "the getheaders probe", func() bool { return len(getHeaders(silent)) == 2 })
	probe := getHeaders(silent)[1]
	if len(probe.BlockLocatorHashes) == 0 || *probe.BlockLocatorHashes[0] != rc.blocks[2].BlockHash() {
		t.Fatalf("probe locator starts at %v, want the timed tip's parent", probe.BlockLocatorHashes)
	}
	if silent.gone.Load() {
		t.Fatal("disconnected at the probe")
	}
	h.clock.Advance(DefaultHeadersResponseTime + time.Second)
	waitFor(t, "the disconnection", silent.gone.Load)
	if _, ok := chainSyncOf(t, h, silent.id); ok {
		t.Fatal("evicted peer still known")
	}
	h.clock.Advance(time.Hour)
	h.sync()
	time.Sleep(20 * time.Millisecond)
	for _, fp := range exempt {
		if fp.gone.Load() || len(getHeaders(fp)) != 1 {
			t.Errorf("exempt peer %d: gone %v, %d getheaders", fp.id, fp.gone.Load(), len(getHeaders(fp)))
		}
		if cs, _ := chainSyncOf(t, h, fp.id); !cs.timeout.IsZero() {
			t.Errorf("exempt peer %d timed", fp.id)
		}
	}
}

// TestChainSyncProbeAnswered: a peer answering the probe with headers
// reaching the timed tip is kept and timed again against our new tip;
// headers reaching our tip clear its timer. Four other peers take the
// protected places first, so the peer stays subject to eviction.
func TestChainSyncProbeAnswered(t *testing.T) {
	h, rc := evictionHarness(t, map[int32]bool{1: true, 2: true, 3: true, 4: true, 5: true})
	for id := int32(2); id <= 5; id++ {
		sendHeaders(t, h, addPeer(t, h, id, false), rc, 3, 3)
	}
	fp := addPeer(t, h, 1, false)
	waitFor(t, "the chain-sync timer", func() bool {
		cs, _ := chainSyncOf(t, h, fp.id)
		return !cs.timeout.IsZero()
	})
	advanceTip(t, h, rc) // tip 4; the timer stays on 3
	h.clock.Advance(DefaultChainSyncTimeout + time.Second)
	waitFor(t, "the getheaders probe", func() bool { return len(getHeaders(fp)) == 2 })

	// The answer reaches the timed tip (3) but not our tip (4).
	sendHeaders(t, h, fp, rc, 3, 3)
	waitFor(t, "a new timer", func() bool {
		cs, _ := chainSyncOf(t, h, fp.id)
		return cs.workHash == rc.blocks[4].BlockHash()
	})
	cs, _ := chainSyncOf(t, h, fp.id)
	if cs.sentGetHeaders || cs.protect || cs.timeout.Before(h.clock.Now().Add(DefaultChainSyncTimeout-time.Second)) {
		t.Fatalf("new timer %+v", cs)
	}
	h.clock.Advance(DefaultHeadersResponseTime + time.Second)
	h.sync()
	time.Sleep(20 * time.Millisecond)
	if fp.gone.Load() {
		t.Fatal("peer that answered the probe was disconnected")
	}

	// Headers up to our tip clear the timer.
	sendHeaders(t, h, fp, rc, 4, 4)
	waitFor(t, "the timer cleared", func() bool {
		cs, _ := chainSyncOf(t, h, fp.id)
		return cs.timeout.IsZero()
	})
	if cs, _ := chainSyncOf(t, h, fp.id); cs.protect {
		t.Fatal("a fifth peer was protected")
	}
	h.clock.Advance(2 * time.Hour)
	h.sync()
	time.Sleep(20 * time.Millisecond)
	if fp.gone.Load() {
		t.Fatal("peer at our tip was disconnected")
	}
}

// TestChainSyncProtection: the first four outbound peers that show a chain
// with our tip's work are protected for good; a fifth one is not, and is
// evicted when it lags; a protected peer leaving frees its place.
func TestChainSyncProtection(t *testing.T) {
	full := map[int32]bool{}
	for id := int32(1); id <= 6; id++ {
		full[id] = true
	}
	h, rc := evictionHarness(t, full)
	var peers []*fakePeer
	for id := int32(1); id <= 5; id++ {
		fp := addPeer(t, h, id, false)
		sendHeaders(t, h, fp, rc, 3, 3) // our tip
		peers = append(peers, fp)
	}
	protected := func() (n int) {
		_ = h.sm.do(func() { n = h.sm.protectedOutbound })
		return n
	}
	if n := protected(); n != maxProtectedOutbound {
		t.Fatalf("%d protected, want %d", n, maxProtectedOutbound)
	}
	for i, fp := range peers {
		cs, _ := chainSyncOf(t, h, fp.id)
		if cs.protect != (i < maxProtectedOutbound) {
			t.Fatalf("peer %d: protect %v", fp.id, cs.protect)
		}
	}
	advanceTip(t, h, rc) // nobody announces it
	waitTimedOnTip(t, h, 5, rc)
	h.clock.Advance(DefaultChainSyncTimeout + time.Second)
	waitFor(t, "the probe", func() bool { return len(getHeaders(peers[4])) == 2 })
	h.clock.Advance(DefaultHeadersResponseTime + time.Second)
	waitFor(t, "the fifth peer evicted", peers[4].gone.Load)
	for _, fp := range peers[:4] {
		if fp.gone.Load() || len(getHeaders(fp)) != 1 {
			t.Errorf("protected peer %d: gone %v, %d getheaders", fp.id, fp.gone.Load(), len(getHeaders(fp)))
		}
	}

	// A protected peer leaves; a newcomer at our tip takes its place.
	if err := h.sm.DonePeer(peers[0]); err != nil {
		t.Fatal(err)
	}
	if n := protected(); n != maxProtectedOutbound-1 {
		t.Fatalf("%d protected after one left", n)
	}
	fp := addPeer(t, h, 6, false)
	sendHeaders(t, h, fp, rc, 4, 4)
	if cs, _ := chainSyncOf(t, h, 6); !cs.protect || protected() != maxProtectedOutbound {
		t.Fatalf("newcomer not protected (%d protected)", protected())
	}
}

// TestLearnedBlockKeepsMostWork: the best known block only moves to more
// work (an announcement of an older block leaves it).
func TestLearnedBlockKeepsMostWork(t *testing.T) {
	h, rc := evictionHarness(t, nil)
	fp := addPeer(t, h, 1, false)
	sendHeaders(t, h, fp, rc, 3, 3)
	inv := wire.NewMsgInv()
	old := rc.blocks[1].BlockHash()
	_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &old))
	if err := h.sm.QueueInv(inv, fp); err != nil {
		t.Fatal(err)
	}
	var best chainhash.Hash
	_ = h.sm.do(func() { best = h.sm.peers[1].bestKnownHash })
	if best != rc.blocks[3].BlockHash() {
		t.Fatalf("best known %v, want block 3", best)
	}
}

// TestOutboundServices is Core's HasAllDesirableServiceFlags check: an
// automatic outbound peer must serve witness blocks, the whole chain or,
// near the tip, recent ones (NODE_NETWORK_LIMITED); manual and inbound
// peers are not checked. A pruned peer kept is asked for headers, so
// chain-sync eviction can judge it.
func TestOutboundServices(t *testing.T) {
	const (
		network = wire.SFNodeNetwork
		witness = wire.SFNodeWitness
		limited = wire.SFNodeNetworkLimited
	)
	tests := []struct {
		name     string
		services wire.ServiceFlag
		full     bool
		inbound  bool
		staleTip bool // our tip is days old
		keep     bool
		headers  bool // asked for headers
	}{
		{"full witness", network | witness, true, false, false, true, true},
		{"no witness", network, true, false, false, false, false},
		{"nothing", 0, true, false, false, false, false},
		{"witness only", witness, true, false, false, false, false},
		{"pruned near the tip", limited | witness, true, false, false, true, true},
		{"pruned, tip 2 days old", limited | witness, true, false, true, false, false},
		{"manual, nothing", 0, false, false, false, true, false},
		{"inbound, nothing", 0, true, true, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, func(c *Config) {
				c.IsFullOutbound = func(Peer) bool { return tc.full }
				c.MaxTipAge = 1000 * time.Hour // not in IBD either way
			})
			age := 30 * time.Minute
			if tc.staleTip {
				age = 48 * time.Hour
			}
			rc := buildChain(t, 3, h.clock.Now().Add(-age), nil)
			h.processAll(rc, 3)
			// One full peer first, so the headers sync is over.
			addPeer(t, h, 9, true)
			fp := newFakePeer(t, h.sm, 1, nil)
			fp.services, fp.inbound = tc.services, tc.inbound
			if err := h.sm.NewPeer(fp); err != nil {
				t.Fatal(err)
			}
			h.sync()
			if fp.gone.Load() == tc.keep {
				t.Fatalf("disconnected %v, want %v", fp.gone.Load(), !tc.keep)
			}
			if got := len(getHeaders(fp)) > 0; got != tc.headers {
				t.Fatalf("asked for headers %v, want %v", got, tc.headers)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestChainSyncNoProbeDuringPresync: a peer in a headers presync is not
// sent the probe (it would restart the presync) but is timed all the same.
func TestChainSyncNoProbeDuringPresync(t *testing.T) {
	h, _ := evictionHarness(t, map[int32]bool{1: true})
	fp := addPeer(t, h, 1, false)
	if err := h.sm.do(func() { h.sm.peers[1].presync = &presyncState{} }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the chain-sync timer", func() bool {
		cs, _ := chainSyncOf(t, h, fp.id)
		return !cs.timeout.IsZero()
	})
	h.clock.Advance(DefaultChainSyncTimeout + time.Second)
	waitFor(t, "the probe skipped", func() bool {
		cs, _ := chainSyncOf(t, h, fp.id)
		return cs.sentGetHeaders
	})
	if n := len(getHeaders(fp)); n != 1 {
		t.Fatalf("%d getheaders, want only the first", n)
	}
	h.clock.Advance(DefaultHeadersResponseTime + time.Second)
	waitFor(t, "the disconnection", fp.gone.Load)
}
