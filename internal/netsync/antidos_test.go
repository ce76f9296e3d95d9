package netsync

import (
	"math/big"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// regtestWithMinWork returns regtest parameters whose MinimumChainWork is
// the work of a chain of blocks regtest blocks past genesis.
func regtestWithMinWork(blocks int64) *chaincfg.Params {
	p := chaincfg.RegressionNetParams
	p.MinimumChainWork = new(big.Int).Mul(standalone.CalcWork(p.PowLimitBits), big.NewInt(blocks+1))
	return &p
}

// TestLowWorkHeadersIgnored checks that headers forking far
// below the tip (less work than the tip minus 144 blocks) are not stored,
// and the peer is not punished for them.
func TestLowWorkHeadersIgnored(t *testing.T) {
	start := time.Now().Add(-5 * time.Hour)
	rc := buildChain(t, 200, start, nil)
	side := buildChain(t, 5, start.Add(17*time.Second), nil)
	h := newHarness(t, nil, nil)
	h.processAll(rc, 200)
	p := newFakePeer(t, h.sm, 1, nil)
	_ = h.sm.NewPeer(p)
	msg := wire.NewMsgHeaders()
	for _, b := range side.blocks[1:] {
		hdr := b.Header
		_ = msg.AddBlockHeader(&hdr)
	}
	_ = h.sm.QueueHeaders(msg, p)
	h.sync()
	last := side.blocks[5].BlockHash()
	if h.chain.HaveHeader(&last) {
		t.Fatal("low-work headers stored")
	}
	if m := p.misbehaviour(); len(m) != 0 || p.gone.Load() {
		t.Fatalf("peer punished for low-work headers: %v gone=%v", m, p.gone.Load())
	}
}

// TestUnrequestedLowWorkBlockIgnored checks, for blocks, that outside
// initial block download an unrequested block on a fork with less work
// than the tip is not stored (Core's AcceptBlock), and not punished.
func TestUnrequestedLowWorkBlockIgnored(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	rc := buildChain(t, 20, start, nil)
	side := buildChain(t, 1, start.Add(13*time.Second), nil)
	h := newHarness(t, nil, nil)
	h.processAll(rc, 20)
	if h.sm.IsInitialBlockDownload() {
		t.Fatal("still in initial block download with a recent tip")
	}
	p := newFakePeer(t, h.sm, 1, nil)
	_ = h.sm.NewPeer(p)
	_ = h.sm.QueueBlock(side.blocks[1], p, nil)
	h.sync()
	hash := side.blocks[1].BlockHash()
	if h.chain.HaveBlock(&hash) || h.chain.HaveHeader(&hash) {
		t.Fatal("unrequested low-work block stored")
	}
	if m := p.misbehaviour(); len(m) != 0 {
		t.Fatalf("peer punished: %v", m)
	}
	// An unrequested block extending the tip is still taken.
	more := buildChain(t, 0, start, nil)
	more.blocks = append(more.blocks[:0], rc.blocks...)
	for i, b := range more.blocks {
		more.byHash[b.BlockHash()] = i
	}
	more.extend(t, 1, start, nil)
	_ = h.sm.QueueBlock(more.blocks[21], p, nil)
	h.sync()
	if h.height() != 21 {
		t.Fatalf("height %d, want 21 after an unrequested tip extension", h.height())
	}
}

// TestIBDNeedsMinimumChainWork checks that a recent tip below the
// network's MinimumChainWork keeps the node in initial block download.
func TestIBDNeedsMinimumChainWork(t *testing.T) {
	rc := buildChain(t, 10, time.Now().Add(-time.Hour), nil)
	h := newHarnessParams(t, regtestWithMinWork(50), nil, nil)
	h.processAll(rc, 10)
	if !h.sm.IsInitialBlockDownload() {
		t.Fatal("left initial block download below the minimum chain work")
	}
	h2 := newHarnessParams(t, regtestWithMinWork(10), nil, nil)
	h2.processAll(rc, 10)
	if h2.sm.IsInitialBlockDownload() {
		t.Fatal("still in initial block download at the minimum chain work with a recent tip")
	}
}

// TestPresyncLowWorkHeaders checks the headers presync: on a chain whose
// MinimumChainWork is past the first 2,000 headers, those are refused,
// counted without being stored, and once the peer's chain proves enough
// work it is downloaded again and synced.
func TestPresyncLowWorkHeaders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2,100 blocks")
	}
	rc := buildChain(t, 2100, time.Now().Add(-60*24*time.Hour), nil)
	h := newHarnessParams(t, regtestWithMinWork(2050), nil, nil)
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
	// getheaders from genesis, the presync's next, the redownload from
	// genesis and its next: at least 4.
	if n < 4 {
		t.Fatalf("%d getheaders, want at least 4 (presync then redownload)", n)
	}
	if m := a.misbehaviour(); len(m) != 0 {
		t.Fatalf("peer punished: %v", m)
	}
}

// TestPresyncRedownloadCheck: redownloaded headers must match the hashes
// remembered during the presync; the presync ends past its last header.
func TestPresyncRedownloadCheck(t *testing.T) {
	rc := buildChain(t, 6, time.Now().Add(-time.Hour), nil)
	other := buildChain(t, 6, time.Now().Add(-time.Hour+7*time.Second), nil)
	hdrs := func(c *remoteChain) []*wire.BlockHeader {
		var out []*wire.BlockHeader
		for _, b := range c.blocks[1:] {
			h := b.Header
			out = append(out, &h)
		}
		return out
	}
	newState := func() *peerState {
		return &peerState{presync: &presyncState{height: 6, redownload: true,
			marks: map[int32]chainhash.Hash{3: rc.blocks[3].BlockHash(), 6: rc.blocks[6].BlockHash()}}}
	}
	ps := newState()
	if !ps.checkRedownload(hdrs(rc)[:4], 0) || ps.presync == nil {
		t.Fatal("matching partial redownload refused or ended early")
	}
	if !ps.checkRedownload(hdrs(rc)[4:], 4) || ps.presync != nil {
		t.Fatal("matching redownload refused or presync not ended")
	}
	if newState().checkRedownload(hdrs(other), 0) {
		t.Fatal("a different chain passed the redownload check")
	}
}
