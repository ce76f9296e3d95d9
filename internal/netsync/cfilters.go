package netsync

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// This file serves BIP157 compact block filters to light clients:
// getcfilters, getcfheaders and getcfcheckpt, with Bitcoin Core's checks
// (net_processing's PrepareBlockFilterRequest) in one place.

// FilterSource is what serving filters needs of the basic block filter
// index; the daemon adapts *indexers.FilterIndex to it. Its methods must
// be safe for concurrent use.
type FilterSource interface {
	// SyncedTo reports whether the index holds the main-chain block at
	// height and every one below it.
	SyncedTo(height int32) bool
	// Filter returns the serialized basic filter of a block.
	Filter(hash *chainhash.Hash) ([]byte, error)
	// FilterHeader returns the filter hash and filter header of a block.
	FilterHeader(hash *chainhash.Hash) (filterHash, header chainhash.Hash, err error)
}

// FilterServer answers BIP157 requests from the chain and a FilterSource.
// Its methods run on the requesting peer's read goroutine and are safe for
// concurrent use.
type FilterServer struct {
	sm  *SyncManager
	src FilterSource
}

// NewFilterServer returns a server of the filters src holds, for the
// chain of sm. A nil src serves nothing: as Core without
// -peerblockfilters, every request then disconnects the peer (it asked a
// node that does not advertise NODE_COMPACT_FILTERS).
func NewFilterServer(sm *SyncManager, src FilterSource) *FilterServer {
	return &FilterServer{sm: sm, src: src}
}

// HandleMessage answers msg when it is a BIP157 request and reports
// whether it was one.
func (fs *FilterServer) HandleMessage(p Peer, msg wire.Message) bool {
	switch m := msg.(type) {
	case *wire.MsgGetCFilters:
		fs.HandleGetCFilters(p, m)
	case *wire.MsgGetCFHeaders:
		fs.HandleGetCFHeaders(p, m)
	case *wire.MsgGetCFCheckpt:
		fs.HandleGetCFCheckpt(p, m)
	default:
		return false
	}
	return true
}

// prepare is Core's PrepareBlockFilterRequest, with the index's readiness
// added: it returns the stop block's height when the request can be
// answered. A request for an unsupported filter type, for a stop block
// that is unknown or may not be served (BlockRequestAllowed), or whose
// range starts above the stop block or spans maxRange blocks or more,
// disconnects the peer. A request the node cannot answer in full (a stop
// block off the active chain, or not indexed yet) gets no answer, as Core
// does when its index lookup fails.
func (fs *FilterServer) prepare(p Peer, cmd string, typ wire.FilterType, start uint32,
	stop *chainhash.Hash, maxRange uint32) (int32, bool) {

	fail := func(format string, args ...any) (int32, bool) {
		err := syncError(ErrBadFilterRequest, fmt.Sprintf("%s from %s: ", cmd, p.Addr())+
			fmt.Sprintf(format, args...))
		log.Debugf("%v; disconnecting", err)
		p.Disconnect(err)
		return 0, false
	}
	if fs.src == nil || typ != wire.GCSFilterRegular {
		return fail("unsupported filter type %d", typ)
	}
	var best *blockchain.BlockInfo
	if !fs.sm.blockRequestAllowed(stop, &best) {
		return fail("invalid stop hash %s", stop)
	}
	chain := fs.sm.chain
	stopHeight, err := chain.BlockHeightByHash(stop)
	if err != nil || !chain.MainChainHasBlock(stop) {
		log.Debugf("Not answering %s from %s: stop block %s is not on the active chain",
			cmd, p.Addr(), stop)
		return 0, false
	}
	if int64(start) > int64(stopHeight) {
		return fail("start height %d above stop height %d", start, stopHeight)
	}
	if uint32(stopHeight)-start >= maxRange {
		return fail("%d blocks requested, max %d", uint32(stopHeight)-start+1, maxRange)
	}
	if !fs.src.SyncedTo(stopHeight) {
		log.Debugf("Not answering %s from %s: filters up to height %d are not indexed yet",
			cmd, p.Addr(), stopHeight)
		return 0, false
	}
	return stopHeight, true
}

// mainChainRange returns the hashes of the main-chain blocks from start
// to the stop block at stopHeight, or false when the chain changed under
// the request.
func (fs *FilterServer) mainChainRange(start, stopHeight int32, stop *chainhash.Hash) ([]chainhash.Hash, bool) {
	hashes := make([]chainhash.Hash, 0, stopHeight-start+1)
	for h := start; h <= stopHeight; h++ {
		hash, err := fs.sm.chain.BlockHashByHeight(h)
		if err != nil {
			return nil, false
		}
		hashes = append(hashes, *hash)
	}
	return hashes, hashes[len(hashes)-1] == *stop
}

// HandleGetCFilters answers getcfilters with one cfilter per block, up to
// wire.MaxGetCFiltersReqRange blocks.
func (fs *FilterServer) HandleGetCFilters(p Peer, msg *wire.MsgGetCFilters) {
	stopHeight, ok := fs.prepare(p, wire.CmdGetCFilters, msg.FilterType, msg.StartHeight,
		&msg.StopHash, wire.MaxGetCFiltersReqRange)
	if !ok {
		return
	}
	hashes, ok := fs.mainChainRange(int32(msg.StartHeight), stopHeight, &msg.StopHash)
	if !ok {
		return
	}
	replies := make([]*wire.MsgCFilter, len(hashes))
	for i := range hashes {
		f, err := fs.src.Filter(&hashes[i])
		if err != nil {
			log.Debugf("Not answering getcfilters from %s: %v", p.Addr(), err)
			return
		}
		replies[i] = wire.NewMsgCFilter(msg.FilterType, &hashes[i], f)
	}
	for _, r := range replies {
		if p.QueueMessage(r, nil) != nil {
			return
		}
	}
}

// HandleGetCFHeaders answers getcfheaders with the filter hashes of up to
// wire.MaxCFHeadersPerMsg blocks and the filter header before them.
func (fs *FilterServer) HandleGetCFHeaders(p Peer, msg *wire.MsgGetCFHeaders) {
	stopHeight, ok := fs.prepare(p, wire.CmdGetCFHeaders, msg.FilterType, msg.StartHeight,
		&msg.StopHash, wire.MaxCFHeadersPerMsg)
	if !ok {
		return
	}
	start := int32(msg.StartHeight)
	from := max(start-1, 0)
	hashes, ok := fs.mainChainRange(from, stopHeight, &msg.StopHash)
	if !ok {
		return
	}
	reply := &wire.MsgCFHeaders{FilterType: msg.FilterType, StopHash: msg.StopHash}
	if start > 0 {
		_, prev, err := fs.src.FilterHeader(&hashes[0])
		if err != nil {
			log.Debugf("Not answering getcfheaders from %s: %v", p.Addr(), err)
			return
		}
		reply.PrevFilterHeader = prev
		hashes = hashes[1:]
	}
	vals := make([]chainhash.Hash, len(hashes))
	reply.FilterHashes = make([]*chainhash.Hash, len(hashes))
	for i := range hashes {
		fh, _, err := fs.src.FilterHeader(&hashes[i])
		if err != nil {
			log.Debugf("Not answering getcfheaders from %s: %v", p.Addr(), err)
			return
		}
		vals[i] = fh
		reply.FilterHashes[i] = &vals[i]
	}
	_ = p.QueueMessage(reply, nil)
}

// HandleGetCFCheckpt answers getcfcheckpt with the filter headers of the
// main-chain blocks at every wire.CFCheckptInterval-th height up to the
// stop block.
func (fs *FilterServer) HandleGetCFCheckpt(p Peer, msg *wire.MsgGetCFCheckpt) {
	stopHeight, ok := fs.prepare(p, wire.CmdGetCFCheckpt, msg.FilterType, 0, &msg.StopHash,
		^uint32(0))
	if !ok {
		return
	}
	n := int(stopHeight) / wire.CFCheckptInterval
	reply := &wire.MsgCFCheckpt{FilterType: msg.FilterType, StopHash: msg.StopHash,
		FilterHeaders: make([]*chainhash.Hash, n)}
	vals := make([]chainhash.Hash, n)
	for i := range n {
		hash, err := fs.sm.chain.BlockHashByHeight(int32((i + 1) * wire.CFCheckptInterval))
		if err == nil {
			_, vals[i], err = fs.src.FilterHeader(hash)
		}
		if err != nil {
			log.Debugf("Not answering getcfcheckpt from %s: %v", p.Addr(), err)
			return
		}
		reply.FilterHeaders[i] = &vals[i]
	}
	if !fs.sm.chain.MainChainHasBlock(&msg.StopHash) {
		return // reorganised while we read
	}
	_ = p.QueueMessage(reply, nil)
}
