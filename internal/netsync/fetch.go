package netsync

import (
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// ErrUnknownPeer is RequestBlock's error for a peer the manager does not
// know (not connected, or its handshake not finished).
var ErrUnknownPeer = errors.New("Peer does not exist")

// RequestBlock asks peer p for the block hash (getblockfrompeer). The
// request counts as one of the manager's own, so the block is stored when
// it arrives even off the best chain, and a peer that does not answer is
// handled as any stalling peer.
func (sm *SyncManager) RequestBlock(p Peer, hash chainhash.Hash) error {
	errc := make(chan error, 1)
	if err := sm.send(syncMsg{func() { errc <- sm.requestBlockFrom(p, hash) }}); err != nil {
		return err
	}
	select {
	case err := <-errc:
		return err
	case <-sm.quit:
		return ErrShuttingDown
	}
}

// requestBlockFrom records the request and sends the getdata. It runs on
// the event goroutine.
func (sm *SyncManager) requestBlockFrom(p Peer, hash chainhash.Hash) error {
	ps := sm.peers[p.ID()]
	if ps == nil {
		return ErrUnknownPeer
	}
	if _, ok := sm.inFlight[hash]; !ok {
		height, _ := sm.heightOf(hash)
		sm.inFlight[hash] = &blockRequest{peer: ps, height: height, at: sm.cfg.Now()}
		ps.requested[hash] = struct{}{}
	}
	gd := wire.NewMsgGetData()
	if err := gd.AddInvVect(wire.NewInvVect(wire.InvTypeWitnessBlock, &hash)); err != nil {
		return err
	}
	return p.QueueMessage(gd, nil)
}
