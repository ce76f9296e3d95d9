package netsync

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestSyncFromTwoPeers syncs a 320-block chain headers-first from two
// peers and checks both served blocks, with at most 16 in flight each.
func TestSyncFromTwoPeers(t *testing.T) {
	rc := buildChain(t, 320, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	if !h.sm.IsInitialBlockDownload() {
		t.Fatal("fresh chain not in initial block download")
	}
	a := newFakePeer(t, h.sm, 1, rc)
	b := newFakePeer(t, h.sm, 2, rc)
	for _, p := range []*fakePeer{a, b} {
		if err := h.sm.NewPeer(p); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "tip 320", func() bool { return h.height() == 320 })
	if a.served.Load() == 0 || b.served.Load() == 0 {
		t.Fatalf("blocks served: a=%d b=%d, want both", a.served.Load(), b.served.Load())
	}
	for _, p := range []*fakePeer{a, b} {
		for _, iv := range p.getDataItems() {
			if iv.Type != wire.InvTypeWitnessBlock {
				t.Fatalf("requested %v, want MSG_WITNESS_BLOCK", iv.Type)
			}
		}
	}
	st, err := h.sm.Stats()
	if err != nil || st.BlocksInFlight != 0 || st.HeldBlocks != 0 || st.Peers != 2 {
		t.Fatalf("stats %+v %v", st, err)
	}
	t.Logf("served a=%d b=%d", a.served.Load(), b.served.Load())
}

// TestHeadersSyncMultipleMessages needs more than one headers message
// (2,000 a message) before the download.
func TestHeadersSyncMultipleMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2,100 blocks")
	}
	rc := buildChain(t, 2100, time.Now().Add(-60*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	a := newFakePeer(t, h.sm, 1, rc)
	if err := h.sm.NewPeer(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "tip 2100", func() bool { return h.height() == 2100 })
	n := 0
	for _, m := range a.messages() {
		if _, ok := m.(*wire.MsgGetHeaders); ok {
			n++
		}
	}
	if n < 2 {
		t.Fatalf("%d getheaders, want at least 2", n)
	}
}

// TestStallingPeer: a peer that never delivers its blocks holds up the
// window; after the stall timeout (on the injected clock) it is
// disconnected and its blocks come from the other peer.
func TestStallingPeer(t *testing.T) {
	rc := buildChain(t, 120, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, func(c *Config) { c.DownloadWindow = 40 })
	staller := newFakePeer(t, h.sm, 1, rc)
	staller.stall.Store(true)
	good := newFakePeer(t, h.sm, 2, rc)
	// The staller, first in, is the headers sync peer.
	for _, p := range []*fakePeer{staller, good} {
		if err := h.sm.NewPeer(p); err != nil {
			t.Fatal(err)
		}
		h.sync()
	}
	// Let the window fill with the staller holding its first blocks.
	waitFor(t, "staller asked for blocks", func() bool { return len(staller.getDataItems()) > 0 })
	waitFor(t, "window blocked", func() bool {
		var blocked bool
		_ = h.sm.do(func() { blocked = h.sm.windowBlocked })
		return blocked
	})
	if staller.gone.Load() {
		t.Fatal("staller disconnected before the timeout")
	}
	h.clock.Advance(DefaultStallTimeout + time.Second)
	waitFor(t, "staller disconnected", staller.gone.Load)
	waitFor(t, "tip 120", func() bool { return h.height() == 120 })
}

// TestBlockTimeout: a lone peer that never answers a block request is
// dropped after BlockTimeout.
func TestBlockTimeout(t *testing.T) {
	rc := buildChain(t, 5, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, rc)
	p.stall.Store(true)
	if err := h.sm.NewPeer(p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "blocks requested", func() bool { return len(p.getDataItems()) == 5 })
	h.clock.Advance(DefaultStallTimeout * 10)
	h.sync()
	if p.gone.Load() {
		t.Fatal("lone peer dropped as a staller")
	}
	h.clock.Advance(DefaultBlockTimeout)
	waitFor(t, "timed-out peer disconnected", p.gone.Load)
	st, _ := h.sm.Stats()
	if st.Peers != 0 || st.BlocksInFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestOutOfOrderBlocksHeld: blocks delivered in reverse order are held
// and reach the chain in order.
func TestOutOfOrderBlocksHeld(t *testing.T) {
	rc := buildChain(t, 10, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	p.height = 10
	if err := h.sm.NewPeer(p); err != nil {
		t.Fatal(err)
	}
	_ = h.sm.QueueHeaders(rc.headersAfter(nil, chainhash.Hash{}), p)
	waitFor(t, "blocks requested", func() bool { return len(p.getDataItems()) == 10 })
	for i := 10; i >= 2; i-- {
		_ = h.sm.QueueBlock(rc.blocks[i], p, nil)
	}
	h.sync()
	st, _ := h.sm.Stats()
	if st.HeldBlocks != 9 || h.height() != 0 {
		t.Fatalf("held %d height %d, want 9 held at height 0", st.HeldBlocks, h.height())
	}
	_ = h.sm.QueueBlock(rc.blocks[1], p, nil)
	h.sync()
	st, _ = h.sm.Stats()
	if st.HeldBlocks != 0 || h.height() != 10 {
		t.Fatalf("held %d height %d, want none held at height 10", st.HeldBlocks, h.height())
	}
}

// TestHeadersAnnouncement: in steady state a headers announcement leads
// to the block's download, and the new tip is announced to the other
// peers, by headers to one that sent sendheaders and by inv to the rest,
// but not back to its source.
func TestHeadersAnnouncement(t *testing.T) {
	rc := buildChain(t, 10, time.Now().Add(-20*time.Minute), nil)
	h := newHarness(t, nil, nil)
	h.processAll(rc, 9)
	if h.sm.IsInitialBlockDownload() {
		t.Fatal("recent tip still in initial block download")
	}
	src := newFakePeer(t, h.sm, 1, rc)
	src.height = 9
	viaHeaders := newFakePeer(t, h.sm, 2, nil)
	viaHeaders.height, viaHeaders.headers = 9, true
	viaInv := newFakePeer(t, h.sm, 3, nil)
	viaInv.height = 9
	for _, p := range []*fakePeer{src, viaHeaders, viaInv} {
		if err := h.sm.NewPeer(p); err != nil {
			t.Fatal(err)
		}
	}
	h.sync()
	tip, _ := rc.tip()
	ann := wire.NewMsgHeaders()
	_ = ann.AddBlockHeader(&tip.Header)
	if err := h.sm.QueueHeaders(ann, src); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "tip 10", func() bool { return h.height() == 10 })
	hash := tip.BlockHash()
	got := src.getDataItems()
	if len(got) != 1 || got[0].Hash != hash || got[0].Type != wire.InvTypeWitnessBlock {
		t.Fatalf("source asked for %v", got)
	}
	checkAnnounced := func(p *fakePeer, wantHeaders bool) {
		t.Helper()
		for _, m := range p.messages() {
			switch m := m.(type) {
			case *wire.MsgHeaders:
				if wantHeaders && len(m.Headers) == 1 && m.Headers[0].BlockHash() == hash {
					return
				}
			case *wire.MsgInv:
				if !wantHeaders && len(m.InvList) == 1 && m.InvList[0].Hash == hash &&
					m.InvList[0].Type == wire.InvTypeBlock {
					return
				}
			}
		}
		t.Fatalf("peer %d: no announcement (headers %v) in %v", p.id, wantHeaders, p.messages())
	}
	checkAnnounced(viaHeaders, true)
	checkAnnounced(viaInv, false)
	for _, m := range src.messages() {
		if _, ok := m.(*wire.MsgInv); ok {
			t.Fatal("block announced back to its source")
		}
	}
}

// TestInvAnnouncement: an inv of an unknown block leads to getheaders,
// then to the download.
func TestInvAnnouncement(t *testing.T) {
	rc := buildChain(t, 6, time.Now().Add(-20*time.Minute), nil)
	h := newHarness(t, nil, nil)
	h.processAll(rc, 5)
	p := newFakePeer(t, h.sm, 1, rc)
	p.height = 5
	if err := h.sm.NewPeer(p); err != nil {
		t.Fatal(err)
	}
	tip, _ := rc.tip()
	hash := tip.BlockHash()
	inv := wire.NewMsgInv()
	_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hash))
	_ = h.sm.QueueInv(inv, p)
	waitFor(t, "tip 6", func() bool { return h.height() == 6 })
}

// TestInvalidBlock: a block breaking a consensus rule gets its peer
// reported and leaves the tip where it was; later blocks are not taken.
func TestInvalidBlock(t *testing.T) {
	rc := buildChain(t, 8, time.Now().Add(-30*24*time.Hour), func(height int32, b *wire.MsgBlock) {
		if height == 5 {
			b.Transactions[0].TxOut[0].Value++ // pays more than the subsidy
		}
	})
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, rc)
	if err := h.sm.NewPeer(p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "misbehaviour", func() bool { return len(p.misbehaviour()) > 0 })
	h.sync()
	if got := p.misbehaviour()[0]; !strings.Contains(got, "bad-cb-amount") {
		t.Fatalf("reason %q", got)
	}
	if h.height() != 4 {
		t.Fatalf("tip %d, want 4", h.height())
	}
}

// TestInvalidHeader: a header with a wrong difficulty is reported.
func TestInvalidHeader(t *testing.T) {
	rc := buildChain(t, 3, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	p.height = 3
	if err := h.sm.NewPeer(p); err != nil {
		t.Fatal(err)
	}
	msg := rc.headersAfter(nil, chainhash.Hash{})
	msg.Headers[2].Bits = 0x1d00ffff // wrong bits (and too high a hash)
	_ = h.sm.QueueHeaders(msg, p)
	h.sync()
	if m := p.misbehaviour(); len(m) != 1 || !strings.Contains(m[0], "invalid header") {
		t.Fatalf("misbehaviour %v", m)
	}
	// Non-continuous headers are reported too.
	q := newFakePeer(t, h.sm, 2, nil)
	_ = h.sm.NewPeer(q)
	msg = rc.headersAfter(nil, chainhash.Hash{})
	msg.Headers[1], msg.Headers[2] = msg.Headers[2], msg.Headers[1]
	_ = h.sm.QueueHeaders(msg, q)
	h.sync()
	if m := q.misbehaviour(); len(m) != 1 || !strings.Contains(m[0], "non-continuous") {
		t.Fatalf("misbehaviour %v", m)
	}
}

// TestPeerAtFault checks the punishment table.
func TestPeerAtFault(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{errors.New("disk"), false},
	}
	for _, tc := range tests {
		if got := peerAtFault(tc.err); got != tc.want {
			t.Errorf("%v: %v", tc.err, got)
		}
	}
}

// TestShutdown: queue methods fail once Run returned.
func TestShutdown(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.cancel()
	<-h.done
	p := newFakePeer(t, h.sm, 1, nil)
	if err := h.sm.NewPeer(p); !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("NewPeer after stop: %v", err)
	}
	if _, err := h.sm.Stats(); !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("Stats after stop: %v", err)
	}
}

// TestMutatedBlock: a block whose witness was tampered with (same header)
// gets its sender reported, as Core does, but does not mark the block
// invalid: the genuine block from another peer connects.
func TestMutatedBlock(t *testing.T) {
	rc := buildChain(t, 1, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	bad := newFakePeer(t, h.sm, 1, nil)
	bad.height = 1
	_ = h.sm.NewPeer(bad)
	_ = h.sm.QueueHeaders(rc.headersAfter(nil, chainhash.Hash{}), bad)
	waitFor(t, "block requested", func() bool { return len(bad.getDataItems()) == 1 })
	genuine := rc.blocks[1]
	mutated := &wire.MsgBlock{Header: genuine.Header, Transactions: []*wire.MsgTx{genuine.Transactions[0].Copy()}}
	mutated.Transactions[0].TxIn[0].Witness = wire.TxWitness{{1}}
	if mutated.BlockHash() != genuine.BlockHash() {
		t.Fatal("mutation changed the header")
	}
	_ = h.sm.QueueBlock(mutated, bad, nil)
	h.sync()
	if m := bad.misbehaviour(); len(m) != 1 || !strings.Contains(m[0], "unexpected-witness") {
		t.Fatalf("misbehaviour %v", m)
	}
	if h.height() != 0 {
		t.Fatal("mutated block connected")
	}
	_ = h.sm.DonePeer(bad)
	good := newFakePeer(t, h.sm, 2, rc)
	_ = h.sm.NewPeer(good)
	waitFor(t, "genuine block connected", func() bool { return h.height() == 1 })
}

// TestSyncedHeights: a peer that takes them is told the heights we have
// in common (getpeerinfo's synced_headers and synced_blocks).
func TestSyncedHeights(t *testing.T) {
	rc := buildChain(t, 30, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, rc)
	_ = h.sm.NewPeer(p)
	waitFor(t, "synced heights 30/30", func() bool {
		return p.syncedHeaders.Load() == 30 && p.syncedBlocks.Load() == 30
	})
}

// TestUnconnectingHeaders: headers that do not connect lead to a
// getheaders from our best header; a peer that keeps sending them is
// reported.
func TestUnconnectingHeaders(t *testing.T) {
	rc := buildChain(t, 5, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	_ = h.sm.NewPeer(p)
	h.sync()
	msg := wire.NewMsgHeaders()
	_ = msg.AddBlockHeader(&rc.blocks[5].Header)
	before := 0
	for _, m := range p.messages() {
		if _, ok := m.(*wire.MsgGetHeaders); ok {
			before++
		}
	}
	for i := 0; i <= maxUnconnectingHeaders; i++ {
		_ = h.sm.QueueHeaders(msg, p)
	}
	h.sync()
	after := 0
	for _, m := range p.messages() {
		if _, ok := m.(*wire.MsgGetHeaders); ok {
			after++
		}
	}
	if after-before != maxUnconnectingHeaders {
		t.Fatalf("%d getheaders for unconnecting headers, want %d", after-before, maxUnconnectingHeaders)
	}
	if m := p.misbehaviour(); len(m) != 1 {
		t.Fatalf("misbehaviour %v", m)
	}
}

// TestUnrequestedBlockDuringIBD: a block nobody asked for, with an
// unknown header, is ignored during initial block download.
func TestUnrequestedBlockDuringIBD(t *testing.T) {
	rc := buildChain(t, 1, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	p := newFakePeer(t, h.sm, 1, nil)
	_ = h.sm.NewPeer(p)
	_ = h.sm.QueueBlock(rc.blocks[1], p, nil)
	h.sync()
	hash := rc.blocks[1].BlockHash()
	if h.height() != 0 || h.chain.HaveBlock(&hash) {
		t.Fatal("unrequested block taken during initial block download")
	}
}

// TestNoStallAtChainEnd: with nothing waiting beyond the window a slow
// peer is not a staller; only the block timeout moves its blocks.
func TestNoStallAtChainEnd(t *testing.T) {
	rc := buildChain(t, 40, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	slow := newFakePeer(t, h.sm, 1, rc)
	slow.stall.Store(true)
	good := newFakePeer(t, h.sm, 2, rc)
	for _, p := range []*fakePeer{slow, good} {
		_ = h.sm.NewPeer(p)
		h.sync()
	}
	waitFor(t, "good peer's blocks in", func() bool {
		st, _ := h.sm.Stats()
		return st.BlocksInFlight == len(slow.getDataItems()) && st.BlocksInFlight > 0
	})
	h.clock.Advance(10 * DefaultStallTimeout)
	h.sync()
	time.Sleep(5 * time.Millisecond)
	if slow.gone.Load() {
		t.Fatal("slow peer taken for a staller at the chain's end")
	}
	h.clock.Advance(DefaultBlockTimeout)
	waitFor(t, "slow peer timed out", slow.gone.Load)
	waitFor(t, "tip 40", func() bool { return h.height() == 40 })
}

// TestReorgToPeerFork: a peer on a longer fork is synced from the fork
// point and the chain reorganises to it.
func TestReorgToPeerFork(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	a := buildChain(t, 10, start, nil)
	b := &remoteChain{blocks: append([]*wire.MsgBlock(nil), a.blocks[:6]...),
		byHash: make(map[chainhash.Hash]int)}
	for i, blk := range b.blocks {
		b.byHash[blk.BlockHash()] = i
	}
	b.extend(t, 7, start.Add(30*time.Second), nil)
	h := newHarness(t, nil, nil)
	h.processAll(a, 10)
	p := newFakePeer(t, h.sm, 1, b)
	_ = h.sm.NewPeer(p)
	tip, height := b.tip()
	waitFor(t, "reorg to the fork", func() bool {
		best := h.chain.BestSnapshot()
		return best.Height == height && best.Hash == tip.BlockHash()
	})
	if got := len(p.getDataItems()); got != 7 {
		t.Fatalf("%d blocks requested, want the 7 of the fork", got)
	}
}
