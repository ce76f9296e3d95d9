package main

// BIP157 serving: the server hands getcfilters, getcfheaders and
// getcfcheckpt to netsync's FilterServer, which reads the node's basic
// block filter index through nodeFilterSource.

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// newFilterServer returns the BIP157 server: of the filter index with
// --peerblockfilters, and otherwise one that serves nothing, so that a
// peer asking for filters is disconnected as by Core.
func (s *server) newFilterServer() *netsync.FilterServer {
	if !s.cfg.PeerBlockFilters {
		return netsync.NewFilterServer(s.sm, nil)
	}
	return netsync.NewFilterServer(s.sm, nodeFilterSource{s.core})
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

// nodeFilterSource satisfies netsync.FilterSource with the node's filter
// index, which opens after the server is built (while nothing is open it
// holds nothing, and requests are not answered).
type nodeFilterSource struct{ n *node }

func (x nodeFilterSource) SyncedTo(height int32) bool {
	fx := x.n.filterIndex.Load()
	return fx != nil && fx.SyncedTo(height)
}

func (x nodeFilterSource) Filter(hash *chainhash.Hash) ([]byte, error) {
	fx := x.n.filterIndex.Load()
	if fx == nil {
		return nil, indexers.ErrClosed
	}
	return fx.Filter(hash)
}

func (x nodeFilterSource) FilterHeader(hash *chainhash.Hash) (chainhash.Hash, chainhash.Hash, error) {
	fx := x.n.filterIndex.Load()
	if fx == nil {
		return chainhash.Hash{}, chainhash.Hash{}, indexers.ErrClosed
	}
	return fx.FilterHeader(hash)
}
