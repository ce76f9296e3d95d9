package blockchain

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// ForEachUtxo calls fn for every unspent output at the tip, in outpoint
// order, from one snapshot of the UTXO set (the cache is flushed first),
// and returns the tip that snapshot belongs to. fn's error stops the walk
// and is returned, which is how a caller bounds or cancels it; the entry
// is fn's to keep. Safe for concurrent use with block processing, which
// it does not hold up beyond the flush.
func (b *BlockChain) ForEachUtxo(fn func(op wire.OutPoint, e *UtxoEntry) error) (chainhash.Hash, int32, error) {
	if err := b.FlushUtxoCache(FlushRequired); err != nil {
		return chainhash.Hash{}, 0, err
	}
	var tip store.Tip
	seen := false
	err := b.db.ForEachUtxo(func(t store.Tip, txid chainhash.Hash, idx uint32, v []byte) error {
		tip, seen = t, true
		e, _, err := decodeUtxoEntry(v)
		if err != nil {
			return err
		}
		return fn(wire.OutPoint{Hash: txid, Index: idx}, e)
	})
	if err != nil {
		return chainhash.Hash{}, 0, err
	}
	if !seen {
		best := b.BestSnapshot()
		return best.Hash, best.Height, nil
	}
	return tip.Hash, tip.Height, nil
}
