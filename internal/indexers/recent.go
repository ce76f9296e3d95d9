package indexers

import (
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// recentBlocks keeps the blocks brought by chain notifications until an
// index goroutine takes them, so an index that keeps up never reads a
// block back from the chain's store. It is bounded by the blocks' total
// transaction count (maxRecentTxns); beyond it the oldest are dropped and
// read back from the store instead. At least one block is kept. It is safe
// for concurrent use.
type recentBlocks struct {
	mu     sync.Mutex
	blocks map[chainhash.Hash]*wire.MsgBlock
	order  []chainhash.Hash
	txns   int
}

// remember keeps a notified block, dropping the oldest beyond
// maxRecentTxns.
func (r *recentBlocks) remember(hash chainhash.Hash, blk *wire.MsgBlock) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.blocks == nil {
		r.blocks = make(map[chainhash.Hash]*wire.MsgBlock)
	}
	if _, ok := r.blocks[hash]; ok {
		return
	}
	r.blocks[hash] = blk
	r.order = append(r.order, hash)
	r.txns += len(blk.Transactions)
	for r.txns > maxRecentTxns && len(r.blocks) > 1 && len(r.order) > 0 {
		old := r.order[0]
		r.order = r.order[1:]
		if b, ok := r.blocks[old]; ok {
			r.txns -= len(b.Transactions)
			delete(r.blocks, old)
		}
	}
	// Taken blocks leave their hash in the order; compact it so it stays
	// proportional to what is kept.
	if len(r.order) > 2*len(r.blocks)+16 {
		kept := make([]chainhash.Hash, 0, len(r.blocks))
		for _, h := range r.order {
			if _, ok := r.blocks[h]; ok {
				kept = append(kept, h)
			}
		}
		r.order = kept
	}
}

// take returns and forgets a notified block, or nil.
func (r *recentBlocks) take(hash *chainhash.Hash) *wire.MsgBlock {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.blocks[*hash]
	if !ok {
		return nil
	}
	delete(r.blocks, *hash)
	r.txns -= len(b.Transactions)
	return b
}
