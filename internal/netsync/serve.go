package netsync

import (
	"errors"
	"io"
	"math"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// The Handle methods answer a peer's requests. They run on the caller's
// goroutine (the peer's read loop), read only the chain and the pool
// (both safe for concurrent use), and are safe for concurrent use, so a
// slow peer being served never delays the sync or other peers.

// locatorOf converts a wire locator.
func locatorOf(hashes []*chainhash.Hash) blockchain.BlockLocator {
	loc := make(blockchain.BlockLocator, 0, len(hashes))
	for _, h := range hashes {
		loc = append(loc, *h)
	}
	return loc
}

// HandleGetHeaders answers getheaders with up to 2,000 main-chain headers
// after the locator's fork point. As Core, it does not answer during
// initial block download (our headers would be of no use), and an empty
// locator asks for the one header of HashStop.
func (sm *SyncManager) HandleGetHeaders(p Peer, msg *wire.MsgGetHeaders) {
	if sm.IsInitialBlockDownload() {
		log.Debugf("Ignoring getheaders from %s during initial block download", p.Addr())
		return
	}
	reply := wire.NewMsgHeaders()
	if len(msg.BlockLocatorHashes) == 0 {
		if sm.chain.MainChainHasBlock(&msg.HashStop) {
			if h, err := sm.chain.HeaderByHash(&msg.HashStop); err == nil {
				_ = reply.AddBlockHeader(&h)
			}
		}
		_ = p.QueueMessage(reply, nil)
		return
	}
	var stop *chainhash.Hash
	if msg.HashStop != (chainhash.Hash{}) {
		stop = &msg.HashStop
	}
	headers := sm.chain.LocateHeaders(locatorOf(msg.BlockLocatorHashes), stop)
	// With no locator hash known the chain starts at genesis; Core starts
	// after it (FindForkInGlobalIndex falls back to genesis as the fork).
	if len(headers) > 0 && headers[0].BlockHash() == *sm.chain.ChainParams().GenesisHash {
		headers = headers[1:]
	}
	reply.Headers = make([]*wire.BlockHeader, 0, len(headers))
	for i := range headers {
		if reply.AddBlockHeader(&headers[i]) != nil {
			break
		}
	}
	_ = p.QueueMessage(reply, nil)
}

// HandleGetBlocks answers getblocks with an inv of up to 500 main-chain
// block hashes after the locator's fork point, stopping at HashStop.
func (sm *SyncManager) HandleGetBlocks(p Peer, msg *wire.MsgGetBlocks) {
	var stop *chainhash.Hash
	if msg.HashStop != (chainhash.Hash{}) {
		stop = &msg.HashStop
	}
	hashes := sm.chain.LocateBlocks(locatorOf(msg.BlockLocatorHashes), stop, maxGetBlocksInv+1)
	if len(hashes) > 0 && hashes[0] == *sm.chain.ChainParams().GenesisHash {
		hashes = hashes[1:]
	}
	if len(hashes) > maxGetBlocksInv {
		hashes = hashes[:maxGetBlocksInv]
	}
	if len(hashes) == 0 {
		return
	}
	inv := wire.NewMsgInvSizeHint(uint(len(hashes)))
	for i := range hashes {
		_ = inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &hashes[i]))
	}
	_ = p.QueueMessage(inv, nil)
}

// StaleRelayAgeLimit is Core's STALE_RELAY_AGE_LIMIT: a block off the
// active chain is served only while it is less than this much older than
// the best header, in time and in work (measured in block intervals).
const StaleRelayAgeLimit = 30 * 24 * time.Hour

// blockRequestAllowed is Core's BlockRequestAllowed: a block may be served
// when it is on the active chain, or when it was fully validated (our
// "valid" status, Core's BLOCK_VALID_SCRIPTS), is not marked invalid, and
// is less than StaleRelayAgeLimit older than the best header both by
// timestamp and by proof-equivalent time. Serving any other stored block
// (a stale fork, a block never validated, an invalid one) would let a peer
// fingerprint the node by what it happens to keep. best caches
// the best header's index entry across the items of one getdata.
func (sm *SyncManager) blockRequestAllowed(hash *chainhash.Hash, best **blockchain.BlockInfo) bool {
	if sm.chain.MainChainHasBlock(hash) {
		return true // the common case, without BlockInfoByHash's allocations
	}
	info, err := sm.chain.BlockInfoByHash(hash)
	if err != nil || !info.Status.HaveData {
		return false
	}
	if info.InMainChain {
		return true
	}
	if !info.Status.Valid || info.Status.Invalid {
		return false
	}
	if *best == nil {
		bestHash, _ := sm.chain.BestHeader()
		if *best, err = sm.chain.BlockInfoByHash(&bestHash); err != nil {
			return false
		}
	}
	b := *best
	if b.Header.Timestamp.Sub(info.Header.Timestamp) >= StaleRelayAgeLimit {
		return false
	}
	return proofEquivalentTime(b.ChainWork, info.ChainWork, b.Header.Bits,
		sm.chain.ChainParams().TargetTimePerBlock) < StaleRelayAgeLimit
}

// proofEquivalentTime is Core's GetBlockProofEquivalentTime(to, from, tip):
// the work between from and to, in the time the tip's difficulty takes to
// produce it at the target spacing. It saturates instead of overflowing.
func proofEquivalentTime(toWork, fromWork *big.Int, tipBits uint32, spacing time.Duration) time.Duration {
	if toWork == nil || fromWork == nil {
		return 0
	}
	proof := standalone.CalcWork(tipBits)
	if proof.Sign() <= 0 {
		return 0
	}
	r := new(big.Int).Sub(toWork, fromWork)
	r.Mul(r, big.NewInt(int64(spacing/time.Second)))
	r.Quo(r, proof)
	const maxSecs = math.MaxInt64 / int64(time.Second)
	if r.CmpAbs(big.NewInt(maxSecs)) > 0 {
		if r.Sign() < 0 {
			return -time.Duration(maxSecs) * time.Second
		}
		return time.Duration(maxSecs) * time.Second
	}
	return time.Duration(r.Int64()) * time.Second
}

// HandleGetData serves blocks (MSG_BLOCK without witness, MSG_WITNESS_BLOCK
// with) from the chain and transactions (MSG_TX by txid without witness,
// MSG_WITNESS_TX by txid and MSG_WTX by wtxid with witness) from the pool,
// and sends one notfound for the transactions it does not have. Each item
// is written (or dropped) before the next is read, so serving a peer
// queues at most one block for it; quit (the peer's done channel), when it
// closes, stops the loop.
//
// A block is served only when blockRequestAllowed; otherwise, as Bitcoin
// Core's ProcessGetBlockData, the request is ignored without a notfound,
// the same silence as for a block we do not have at all, so the answer
// does not reveal whether a stale or invalid block is stored (btcd would
// send notfound; we follow Core).
func (sm *SyncManager) HandleGetData(p Peer, msg *wire.MsgGetData, quit <-chan struct{}) {
	notFound := wire.NewMsgNotFound()
	done := make(chan struct{}, 1)
	var best *blockchain.BlockInfo
	for i, iv := range msg.InvList {
		if i >= maxGetDataItems {
			break
		}
		var out wire.Message
		switch iv.Type {
		case wire.InvTypeWitnessBlock:
			if !sm.blockRequestAllowed(&iv.Hash, &best) {
				log.Debugf("Ignoring request from %s for block %v (unknown, or not "+
					"in the main chain and not recent and valid)", p.Addr(), iv.Hash)
				continue
			}
			// The stored bytes are the witness serialization: send them
			// as they are, without decoding and encoding the block.
			if raw, err := sm.chain.BlockBytesByHash(&iv.Hash); err == nil {
				out = &rawBlockMsg{raw: raw}
			}
		case wire.InvTypeCmpctBlock:
			if !sm.blockRequestAllowed(&iv.Hash, &best) {
				continue
			}
			out = sm.serveCmpctBlock(&iv.Hash)
		case wire.InvTypeBlock:
			if !sm.blockRequestAllowed(&iv.Hash, &best) {
				log.Debugf("Ignoring request from %s for block %v (unknown, or not "+
					"in the main chain and not recent and valid)", p.Addr(), iv.Hash)
				continue
			}
			if blk, err := sm.chain.BlockByHash(&iv.Hash); err == nil {
				out = stripBlockWitness(blk)
			}
		case wire.InvTypeTx, wire.InvTypeWitnessTx, wire.InvTypeWTx:
			if tx, err := sm.pool.FetchTransaction(&iv.Hash); err == nil {
				match := tx.TxHash() == iv.Hash
				if iv.Type == wire.InvTypeWTx {
					match = tx.WitnessHash() == iv.Hash
				}
				if match {
					if iv.Type == wire.InvTypeTx {
						tx = stripWitness(tx)
					}
					out = tx
				}
			}
		}
		if out == nil {
			if iv.Type != wire.InvTypeBlock && iv.Type != wire.InvTypeWitnessBlock &&
				iv.Type != wire.InvTypeCmpctBlock {
				_ = notFound.AddInvVect(iv)
			}
			continue
		}
		if p.QueueMessage(out, done) != nil {
			return
		}
		select {
		case <-done:
		case <-quit:
			return
		case <-sm.quit:
			return
		}
	}
	if len(notFound.InvList) > 0 {
		_ = p.QueueMessage(notFound, nil)
	}
}

// stripWitness returns tx without its witnesses (tx itself when it has
// none): the witness encoding of such a transaction is the legacy one, so
// the peer's witness-encoding writer sends what MSG_TX asks for.
func stripWitness(tx *wire.MsgTx) *wire.MsgTx {
	if !tx.HasWitness() {
		return tx
	}
	out := *tx
	out.TxIn = make([]*wire.TxIn, len(tx.TxIn))
	for i, in := range tx.TxIn {
		c := *in
		c.Witness = nil
		out.TxIn[i] = &c
	}
	return &out
}

// stripBlockWitness returns blk with every transaction's witness removed.
func stripBlockWitness(blk *wire.MsgBlock) *wire.MsgBlock {
	out := &wire.MsgBlock{Header: blk.Header, Transactions: make([]*wire.MsgTx, len(blk.Transactions))}
	for i, tx := range blk.Transactions {
		out.Transactions[i] = stripWitness(tx)
	}
	return out
}

// rawBlockMsg is a block message made of a stored block's bytes (witness
// serialization), so serving a block costs no decoding or encoding. It is
// for sending only.
type rawBlockMsg struct{ raw []byte }

// Command returns "block".
func (m *rawBlockMsg) Command() string { return wire.CmdBlock }

// MaxPayloadLength is a block's limit (wire.MaxBlockPayload).
func (m *rawBlockMsg) MaxPayloadLength(pver uint32) uint32 {
	return wire.MaxBlockPayload
}

// BtcEncode writes the stored bytes.
func (m *rawBlockMsg) BtcEncode(w io.Writer, _ uint32, _ wire.MessageEncoding) error {
	_, err := w.Write(m.raw)
	return err
}

// BtcDecode refuses: a raw block message is only sent.
func (m *rawBlockMsg) BtcDecode(io.Reader, uint32, wire.MessageEncoding) error {
	return errors.New("netsync: a raw block message cannot be decoded")
}
