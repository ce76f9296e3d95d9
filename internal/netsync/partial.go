package netsync

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// ReconstructionSource is where a compact block's transactions are looked
// for: *mempool.TxPool implements it, visiting its pooled transactions,
// its orphans and the ring of recently replaced or evicted ones.
type ReconstructionSource interface {
	// ForEachReconstructionTx calls fn with every candidate and its
	// wtxid until fn returns false; fn must not call the source.
	ForEachReconstructionTx(fn func(wtxid *chainhash.Hash, tx *wire.MsgTx) bool)
}

// partialBlock is a compact block being rebuilt (Core's
// PartiallyDownloadedBlock): the transactions found so far at their
// positions, nil where one is still missing.
type partialBlock struct {
	header wire.BlockHeader
	txs    []*wire.MsgTx
	// fromPool counts the transactions matched by short id, prefilled
	// those sent in the compact block, for logs.
	fromPool, prefilled int
}

// newPartialBlock checks a compact block and fills what it can from src
// (nil: nothing), as Core's InitData. A malformed message returns
// ErrInvalidCompactBlock; two short ids that are equal in the message
// return ErrShortIDCollision. Two candidates with the same short id leave
// that position missing, to be requested.
func newPartialBlock(msg *wire.MsgCmpctBlock, src ReconstructionSource) (*partialBlock, error) {
	nShort, nPre := len(msg.ShortIDs), len(msg.PrefilledTxs)
	if nShort == 0 && nPre == 0 {
		return nil, syncError(ErrInvalidCompactBlock, "compact block with no transactions")
	}
	if nShort+nPre > wire.MaxCmpctBlockTxs {
		return nil, syncError(ErrInvalidCompactBlock, fmt.Sprintf("compact block with %d transactions",
			nShort+nPre))
	}
	pb := &partialBlock{header: msg.Header, txs: make([]*wire.MsgTx, nShort+nPre), prefilled: nPre}
	last := -1
	for i, p := range msg.PrefilledTxs {
		idx := int(p.Index)
		// Core: each prefilled index after the last, and at most the
		// count of short ids plus the prefilled ones before it.
		if p.Tx == nil || idx <= last || idx > nShort+i {
			return nil, syncError(ErrInvalidCompactBlock, fmt.Sprintf("prefilled transaction %d "+
				"at index %d out of place", i, idx))
		}
		pb.txs[idx] = p.Tx
		last = idx
	}
	// slot maps a short id to its position in the block.
	slot := make(map[uint64]int, nShort)
	pos := 0
	for _, id := range msg.ShortIDs {
		for pb.txs[pos] != nil {
			pos++
		}
		slot[id&shortIDMask] = pos
		pos++
	}
	if len(slot) != nShort {
		return nil, syncError(ErrShortIDCollision, "compact block repeats a short id")
	}
	if src == nil || nShort == 0 {
		return pb, nil
	}
	k0, k1 := ShortIDKeys(&msg.Header, msg.Nonce)
	// matched holds the wtxid found for each position; a second candidate
	// with another wtxid empties the position for good (collided).
	matched := make(map[int]chainhash.Hash)
	collided := make(map[int]bool)
	src.ForEachReconstructionTx(func(wtxid *chainhash.Hash, tx *wire.MsgTx) bool {
		i, ok := slot[ShortID(k0, k1, wtxid)]
		if !ok || collided[i] {
			return true
		}
		if w, seen := matched[i]; seen {
			if w != *wtxid {
				pb.txs[i] = nil
				collided[i] = true
				pb.fromPool--
			}
			return true
		}
		matched[i] = *wtxid
		pb.txs[i] = tx
		pb.fromPool++
		// Core stops at the first full match rather than looking for a
		// second candidate of every short id.
		return pb.fromPool < nShort
	})
	return pb, nil
}

// missing returns the positions still empty, in order.
func (pb *partialBlock) missing() []uint16 {
	var out []uint16
	for i, tx := range pb.txs {
		if tx == nil {
			out = append(out, uint16(i))
		}
	}
	return out
}

// fill completes the block with the transactions of a blocktxn, in the
// order of missing(), as Core's FillBlock: a count that does not match
// returns ErrInvalidBlockTxns (the peer's fault), a merkle root that does
// not match the header ErrReconstructionFailed (a short id matched the
// wrong transaction, or the peer lied: the full block settles it). The
// partial block is left unchanged, so a failure can be retried.
func (pb *partialBlock) fill(txs []*wire.MsgTx) (*wire.MsgBlock, error) {
	block := &wire.MsgBlock{Header: pb.header, Transactions: make([]*wire.MsgTx, len(pb.txs))}
	next := 0
	for i, tx := range pb.txs {
		if tx == nil {
			if next >= len(txs) || txs[next] == nil {
				return nil, syncError(ErrInvalidBlockTxns, fmt.Sprintf("blocktxn has %d "+
					"transactions, more are missing", len(txs)))
			}
			tx = txs[next]
			next++
		}
		block.Transactions[i] = tx
	}
	if next != len(txs) {
		return nil, syncError(ErrInvalidBlockTxns, fmt.Sprintf("blocktxn has %d transactions, "+
			"%d were missing", len(txs), next))
	}
	root, mutated := standalone.BlockMerkleRoot(block.Transactions)
	if mutated || root != pb.header.MerkleRoot {
		return nil, syncError(ErrReconstructionFailed, "rebuilt block does not match its merkle root")
	}
	return block, nil
}
