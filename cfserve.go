package main

// BIP157 serving: the server hands getcfilters, getcfheaders and
// getcfcheckpt to netsync's FilterServer, which reads the node's basic
// block filter index.

import (
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// newFilterServer returns the BIP157 server: of the filter index with
// --peerblockfilters (which needs --blockfilterindex, so the index is
// open), and otherwise one that serves nothing, so that a peer asking for
// filters is disconnected as by Core.
func (s *server) newFilterServer() *netsync.FilterServer {
	if !s.cfg.PeerBlockFilters || s.core.filterIndex == nil {
		return netsync.NewFilterServer(s.sm, nil)
	}
	return netsync.NewFilterServer(s.sm, s.core.filterIndex)
}

// onOtherMessage receives the messages the peer has no listener of its
// own for: BIP152's go to the sync manager, the rest (BIP157's) to the
// filter server.
func (s *server) onOtherMessage(p *peer.Peer, msg wire.Message) {
	if !s.ready(p) || s.onCompactMessage(p, msg) {
		return
	}
	s.cfServer.HandleMessage(p, msg)
}
