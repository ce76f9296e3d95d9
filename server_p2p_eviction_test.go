package main

import (
	"net"
	"testing"

	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// TestP2PIsFullOutbound checks which peers the server offers to netsync's
// chain-sync eviction: automatic outbound ones only, never
// manual (permanent or onetry), whitelisted or inbound peers.
func TestP2PIsFullOutbound(t *testing.T) {
	s := offlineServer(t)
	auto := &connmgr.ConnReq{}
	manual := &connmgr.ConnReq{Permanent: true}
	tests := []struct {
		name        string
		inbound     bool
		req         *connmgr.ConnReq
		whitelisted bool
		want        bool
	}{
		{"automatic outbound", false, auto, false, true},
		{"addnode/--addpeer/--connect", false, manual, false, false},
		{"addnode onetry", false, nil, false, false},
		{"whitelisted outbound", false, auto, true, false},
		{"inbound", true, nil, false, false},
	}
	for i, tc := range tests {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		cfg := &peer.Config{Net: wire.TestNet}
		id := int32(i + 1)
		var p *peer.Peer
		if tc.inbound {
			p = peer.NewInboundPeer(cfg, id, b)
		} else {
			p = peer.NewOutboundPeer(cfg, id, b)
		}
		s.peersMu.Lock()
		s.peers[id] = &serverPeer{Peer: p, req: tc.req, whitelisted: tc.whitelisted}
		s.peersMu.Unlock()
		if got := s.isFullOutbound(p); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	gone := peer.NewOutboundPeer(&peer.Config{Net: wire.TestNet}, 99, b)
	if s.isFullOutbound(gone) {
		t.Error("unknown peer counted as automatic outbound")
	}
	t.Logf("%d cases", len(tests))
}
