package netsync

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// blockRelayHarness is evictionHarness with the peers in block marked
// block-relay-only and those in full full-relay outbound.
func blockRelayHarness(t *testing.T, full, block map[int32]bool) (*harness, *remoteChain) {
	t.Helper()
	h := newHarness(t, nil, func(c *Config) {
		c.IsFullOutbound = func(p Peer) bool { return full[p.ID()] }
		c.IsBlockRelayOnly = func(p Peer) bool { return block[p.ID()] }
	})
	rc := buildChain(t, 3, h.clock.Now().Add(-30*time.Minute), nil)
	h.processAll(rc, 3)
	if h.sm.IsInitialBlockDownload() {
		t.Fatal("still in initial block download")
	}
	return h, rc
}

// TestBlockRelayOnlyChainSync: a block-relay-only peer is never protected
// from chain-sync eviction, even at our tip (Core protects full-relay
// peers only), and once it lags it is timed, probed and disconnected like
// a full outbound peer.
func TestBlockRelayOnlyChainSync(t *testing.T) {
	h, rc := blockRelayHarness(t, nil, map[int32]bool{1: true})
	fp := addPeer(t, h, 1, false)
	sendHeaders(t, h, fp, rc, 3, 3) // our tip
	h.sync()
	var protected int
	var blockRelay bool
	_ = h.sm.do(func() {
		protected = h.sm.protectedOutbound
		if ps := h.sm.peers[1]; ps != nil {
			blockRelay = ps.blockRelayOnly && !ps.fullOutbound
		}
	})
	if cs, _ := chainSyncOf(t, h, 1); cs.protect || protected != 0 || !blockRelay {
		t.Fatalf("protect %v, %d protected, block-relay-only %v", cs.protect, protected, blockRelay)
	}
	advanceTip(t, h, rc) // it does not announce the new tip
	waitTimedOnTip(t, h, 1, rc)
	h.clock.Advance(DefaultChainSyncTimeout + time.Second)
	waitFor(t, "the getheaders probe", func() bool { return len(getHeaders(fp)) == 2 })
	h.clock.Advance(DefaultHeadersResponseTime + time.Second)
	waitFor(t, "the disconnection", fp.gone.Load)
}

// TestBlockRelayOnlyServices: a block-relay-only peer without the
// desirable services is disconnected at once, as a full outbound one.
func TestBlockRelayOnlyServices(t *testing.T) {
	tests := []struct {
		name     string
		services wire.ServiceFlag
		keep     bool
	}{
		{"full witness", wire.SFNodeNetwork | wire.SFNodeWitness, true},
		{"no witness", wire.SFNodeNetwork, false},
		{"nothing", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := blockRelayHarness(t, nil, map[int32]bool{1: true})
			fp := newFakePeer(t, h.sm, 1, nil)
			fp.services = tc.services
			if err := h.sm.NewPeer(fp); err != nil {
				t.Fatal(err)
			}
			h.sync()
			if fp.gone.Load() == tc.keep {
				t.Fatalf("disconnected %v, want %v", fp.gone.Load(), !tc.keep)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}
