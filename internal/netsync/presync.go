package netsync

import (
	"errors"
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/wire"
)

// The presync's bounds.
const (
	// presyncMarkInterval is how often (in headers) a presync remembers
	// a header's hash, to check the redownload against.
	presyncMarkInterval = 1000
	// maxPresyncMarks bounds a presync to 4,000,000 headers (Core bounds
	// it by the headers the time since genesis allows).
	maxPresyncMarks = 4000
)

// presyncState is a simplified form of Core's headers presync
// (HeadersSyncState). Headers whose chain is below the chain's anti-DoS
// work threshold are not stored; when a peer's full headers message is
// refused so, its chain is followed without storing anything but one hash
// every presyncMarkInterval headers, adding up its work. Once the work
// reaches the threshold the chain is asked for again from the fork point
// and stored, each remembered hash checked on the way (as each header
// commits to all before it, the redownloaded chain is the one whose work
// was counted). A peer that serves a different chain the second time is
// disconnected. Memory per peer: a few hundred hashes.
type presyncState struct {
	parent     chainhash.Hash // the known block the chain builds on
	last       chainhash.Hash // the last header seen
	height     int32          // the height of last
	work       *big.Int       // the chain work at last
	marks      map[int32]chainhash.Hash
	redownload bool
}

// startPresync begins a presync of headers, refused for low work, whose
// parent is known.
func (sm *SyncManager) startPresync(ps *peerState, headers []*wire.BlockHeader) {
	info, err := sm.chain.BlockInfoByHash(&headers[0].PrevBlock)
	if err != nil {
		return
	}
	ps.presync = &presyncState{
		parent: headers[0].PrevBlock,
		last:   headers[0].PrevBlock,
		height: info.Height,
		work:   new(big.Int).Set(info.ChainWork),
		marks:  make(map[int32]chainhash.Hash),
	}
	log.Debugf("Presyncing low-work headers from peer %s (id %d) after height %d",
		ps.p.Addr(), ps.id, info.Height)
	sm.continuePresync(ps, headers)
}

// continuePresync counts the next headers of a presync (they follow its
// last header).
func (sm *SyncManager) continuePresync(ps *peerState, headers []*wire.BlockHeader) {
	st := ps.presync
	work, err := blockchain.HeadersWork(headers, sm.chain.ChainParams().PowLimit)
	if err != nil {
		ps.presync = nil
		sm.punishBlockError(ps, err, "header")
		return
	}
	st.work.Add(st.work, work)
	for _, h := range headers {
		st.height++
		st.last = h.BlockHash()
		if st.height%presyncMarkInterval == 0 {
			st.marks[st.height] = st.last
		}
	}
	if len(st.marks) > maxPresyncMarks {
		log.Debugf("Abandoning presync with peer %s: too many headers", ps.p.Addr())
		ps.presync = nil
		sm.presyncEnded(ps)
		return
	}
	if st.work.Cmp(sm.chain.AntiDoSWorkThreshold()) >= 0 {
		st.marks[st.height] = st.last
		st.redownload = true
		log.Debugf("Presync with peer %s reached enough work at height %d; downloading it",
			ps.p.Addr(), st.height)
		sm.sendGetHeaders(ps, &st.parent)
		return
	}
	if len(headers) < wire.MaxBlockHeadersPerMsg {
		// The peer's chain ends short of the work needed: ignore it.
		ps.presync = nil
		sm.presyncEnded(ps)
		return
	}
	sm.sendGetHeadersLocator(ps, []chainhash.Hash{st.last})
}

// presyncEnded finishes the headers sync with a sync peer whose chain
// turned out not to be worth storing.
func (sm *SyncManager) presyncEnded(ps *peerState) {
	if ps == sm.syncPeer {
		sm.headersDone()
	}
}

// checkRedownload checks redownloaded headers (their parent known, at
// parentHeight) against the presync's remembered hashes. It reports
// whether they match; the presync ends once its last header is passed.
func (ps *peerState) checkRedownload(headers []*wire.BlockHeader, parentHeight int32) bool {
	st := ps.presync
	for i, h := range headers {
		height := parentHeight + 1 + int32(i)
		if want, ok := st.marks[height]; ok && h.BlockHash() != want {
			return false
		}
	}
	if parentHeight+int32(len(headers)) >= st.height {
		ps.presync = nil
	}
	return true
}

// processHeaders stores headers (their parent known) from ps behind the
// anti-DoS work threshold, presyncing a low-work chain that may go on.
// It returns how many were stored, and an error for the peer's fault.
func (sm *SyncManager) processHeaders(ps *peerState, headers []*wire.BlockHeader) (int, error) {
	if st := ps.presync; st != nil && st.redownload {
		parentHeight, ok := sm.heightOf(headers[0].PrevBlock)
		if !ok {
			return 0, nil
		}
		if !ps.checkRedownload(headers, parentHeight) {
			ps.presync = nil
			sm.disconnect(ps, ErrBadPresync, "redownloaded headers differ from the presynced chain")
			return 0, errPeerGone
		}
		return sm.chain.ProcessBlockHeaders(headers)
	}
	n, err := sm.chain.ProcessBlockHeadersAntiDoS(headers)
	if errors.Is(err, blockchain.ErrLowWorkHeaders) {
		// Core does not punish low-work headers.
		if len(headers) == wire.MaxBlockHeadersPerMsg {
			sm.startPresync(ps, headers)
		} else {
			log.Debugf("Ignoring %d low-work headers from peer %s", len(headers), ps.p.Addr())
			sm.presyncEnded(ps)
		}
		return 0, errLowWork
	}
	return n, err
}

// Sentinels of processHeaders, handled by handleHeaders.
var (
	errLowWork  = errors.New("low-work headers")
	errPeerGone = errors.New("peer disconnected")
)

// sendGetHeadersLocator asks ps for the headers after locator, which may
// name headers we did not store (a presync).
func (sm *SyncManager) sendGetHeadersLocator(ps *peerState, locator []chainhash.Hash) {
	msg := wire.NewMsgGetHeaders()
	for i := range locator {
		if msg.AddBlockLocatorHash(&locator[i]) != nil {
			break
		}
	}
	ps.sentGetHeaders = true
	if ps == sm.syncPeer {
		sm.headersAskedAt = sm.cfg.Now()
	}
	_ = ps.p.QueueMessage(msg, nil)
}
