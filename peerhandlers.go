package main

// The messages the server handles itself (the rest go to the sync
// manager) and the end of a handshake.

import (
	"errors"
	"fmt"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// listeners returns the peer message callbacks shared by every peer.
func (s *server) listeners() peer.MessageListeners {
	return peer.MessageListeners{
		OnVerAck:  s.onVerAck,
		OnGetAddr: s.onGetAddr,
		OnAddr: func(p *peer.Peer, msg *wire.MsgAddr) {
			s.onAddrs(p, addrmgr.FromAddrMsg(msg))
		},
		OnAddrV2: func(p *peer.Peer, msg *wire.MsgAddrV2) {
			s.onAddrs(p, msg.AddrList)
		},
		OnInv: func(p *peer.Peer, msg *wire.MsgInv) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
				// Core disconnects a block-relay-only peer that
				// announces a transaction.
				for _, iv := range msg.InvList {
					if isTxInv(iv.Type) {
						p.Disconnect(fmt.Errorf("transaction inv from block-relay-only peer %v", p))
						return
					}
				}
			}
			s.sm.QueueInv(msg, p)
		},
		OnHeaders: func(p *peer.Peer, msg *wire.MsgHeaders) {
			if s.ready(p) {
				s.sm.QueueHeaders(msg, p)
			}
		},
		OnNotFound: func(p *peer.Peer, msg *wire.MsgNotFound) {
			if s.ready(p) {
				s.sm.QueueNotFound(msg, p)
			}
		},
		OnBlock: func(p *peer.Peer, msg *wire.MsgBlock, _ []byte) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil {
				sp.lastBlock.Store(time.Now().Unix())
			}
			done := make(chan struct{}, 1)
			if s.sm.QueueBlock(msg, p, done) == nil {
				s.waitDone(p, done)
			}
		},
		OnTx: func(p *peer.Peer, msg *wire.MsgTx) {
			if !s.ready(p) {
				return
			}
			if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
				// We sent relay=false: as Core, a transaction is a
				// protocol violation.
				p.Disconnect(fmt.Errorf("transaction from block-relay-only peer %v", p))
				return
			}
			done := make(chan struct{}, 1)
			if s.sm.QueueTx(msg, p, done) == nil {
				s.waitDone(p, done)
			}
		},
		OnGetData: func(p *peer.Peer, msg *wire.MsgGetData) {
			if s.ready(p) {
				if sp := s.peerByID(p.ID()); sp != nil && !sp.relaysTxs() {
					// No transactions are served on a block-relay-only
					// connection (Core keeps no tx relay state for it).
					msg = blockOnlyGetData(msg)
					if len(msg.InvList) == 0 {
						return
					}
				}
				s.relay.MarkBroadcast(msg)
				// Disconnected, not Done: this runs on p's read goroutine, and
				// Done closes only after that goroutine returns.
				s.sm.HandleGetData(p, msg, p.Disconnected())
			}
		},
		OnGetHeaders: func(p *peer.Peer, msg *wire.MsgGetHeaders) {
			if s.ready(p) {
				s.sm.HandleGetHeaders(p, msg)
			}
		},
		OnGetBlocks: func(p *peer.Peer, msg *wire.MsgGetBlocks) {
			if s.ready(p) {
				s.sm.HandleGetBlocks(p, msg)
			}
		},
		OnMessage: s.onOtherMessage,
	}
}

// onCompactMessage routes the BIP152 messages to the sync manager; it
// reports false for any other message.
func (s *server) onCompactMessage(p *peer.Peer, msg wire.Message) bool {
	switch m := msg.(type) {
	case *wire.MsgSendCmpct:
		s.sm.QueueSendCmpct(m, p)
	case *wire.MsgCmpctBlock:
		if sp := s.peerByID(p.ID()); sp != nil {
			sp.lastBlock.Store(time.Now().Unix())
		}
		s.sm.QueueCmpctBlock(m, p)
	case *wire.MsgBlockTxns:
		s.sm.QueueBlockTxns(m, p)
	case *wire.MsgGetBlockTxns:
		s.sm.HandleGetBlockTxns(p, m, p.Disconnected())
	default:
		return false
	}
	return true
}

// isTxInv reports whether an inventory type names a transaction.
func isTxInv(t wire.InvType) bool {
	switch t {
	case wire.InvTypeTx, wire.InvTypeWitnessTx, wire.InvTypeWTx:
		return true
	}
	return false
}

// blockOnlyGetData returns msg without its transaction requests (msg
// itself when it has none).
func blockOnlyGetData(msg *wire.MsgGetData) *wire.MsgGetData {
	n := 0
	for _, iv := range msg.InvList {
		if !isTxInv(iv.Type) {
			n++
		}
	}
	if n == len(msg.InvList) {
		return msg
	}
	out := &wire.MsgGetData{InvList: make([]*wire.InvVect, 0, n)}
	for _, iv := range msg.InvList {
		if !isTxInv(iv.Type) {
			out.InvList = append(out.InvList, iv)
		}
	}
	return out
}

// ready reports whether the sync manager knows p (messages before the
// handshake is registered are dropped).
func (s *server) ready(p *peer.Peer) bool {
	sp := s.peerByID(p.ID())
	return sp != nil && sp.registered.Load()
}

// waitDone waits for the sync manager to handle a block or transaction
// from p, or for p to be disconnected, so a peer has at most one queued. It
// runs on p's read goroutine, so it must not wait on p.Done (closed only
// after that goroutine returns).
func (s *server) waitDone(p *peer.Peer, done <-chan struct{}) {
	select {
	case <-done:
	case <-p.Disconnected():
	}
}

// onVerAck finishes a handshake: the sync manager learns the peer, an
// outbound peer's address is marked good and asked for more addresses, our
// addresses are advertised and our feefilter is sent.
func (s *server) onVerAck(p *peer.Peer) {
	sp := s.peerByID(p.ID())
	if sp == nil {
		return
	}
	if sp.feeler() {
		// A feeler only shows that the address answers: it moves to the
		// tried table and the connection ends (Core's feeler).
		if sp.na != nil && addrmgr.IsRoutable(sp.na) {
			s.am.Good(sp.na)
			s.am.SetServices(sp.na, p.Services())
		}
		srvrLog.Debugf("Feeler connection to %v completed", p)
		p.Disconnect(errors.New("feeler connection completed"))
		return
	}
	if err := s.sm.NewPeer(p); err == nil {
		sp.registered.Store(true)
	}
	// Core sends sendcmpct right after the handshake: we speak version 2
	// and, until the peer gives us a block, ask for low-bandwidth mode.
	if !s.cfg.NoCmpctBlocks && p.Services()&wire.SFNodeWitness != 0 {
		p.QueueMessage(wire.NewMsgSendCmpct(false, netsync.CompactBlockVersion), nil)
	}
	if sp.blockRelayOnly() && sp.na != nil && s.ctx.Err() == nil {
		s.peersMu.Lock()
		if _, ok := s.peers[p.ID()]; ok {
			s.anchorPeers[p.ID()] = sp.na
		}
		s.peersMu.Unlock()
	}
	if !p.Inbound() && sp.na != nil && addrmgr.IsRoutable(sp.na) {
		s.am.Good(sp.na)
		s.am.SetServices(sp.na, p.Services())
	}
	if !p.Inbound() && sp.relaysAddrs() {
		sp.sentGetAddr.Store(true)
		p.QueueMessage(wire.NewMsgGetAddr(), nil)
		sp.addrBucket.Add(addrmgr.GetAddrMax)
	}
	// Our own addresses go out once we are out of initial block download
	// (at once, or when it ends), as Core's AdvertiseLocal.
	sp.nextLocalAdvert.Store(time.Now().UnixNano())
	s.maybeAdvertiseLocal(sp, time.Now())
	s.relay.PeerReady(sp)
	srvrLog.Infof("Connected to peer %v (%s, version %d, services %v, %s)", p, p.UserAgent(),
		p.ProtocolVersion(), p.Services(), sp.connectionType())
}
