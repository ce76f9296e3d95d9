package blockchain

import (
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// preciousSeqBase is where the data sequence of ordinary blocks starts.
// Blocks marked precious take sequences below it, counting down, so that
// among tips of equal work the last one marked wins, then the earlier
// ones, then the one that got its data first (Core's negative
// nSequenceId).
const preciousSeqBase = 1 << 62

// preciousState is Core's m_block_reverse_sequence_id and
// m_last_precious_chainwork. It is guarded by the chain lock.
type preciousState struct {
	nextSeq  uint64
	lastWork *big.Int
}

// PreciousBlock treats a block as if it were received before others with
// the same work, and moves to it when it ties the tip (Core's
// preciousblock): a later call overrides an earlier one, and the marks
// reset once the chain grows past the work they were made at. A block
// with less work than the tip changes nothing.
func (b *BlockChain) PreciousBlock(hash *chainhash.Hash) error {
	b.lockWrite()
	defer b.unlockAndNotify()
	n := b.index[*hash]
	if n == nil {
		return ruleError(ErrBlockNotFound, "block "+hash.String()+" not found")
	}
	tip := b.bestChain.Tip()
	if n.workSum.Cmp(tip.workSum) < 0 {
		return nil
	}
	p := &b.precious
	if p.lastWork == nil || tip.workSum.Cmp(p.lastWork) > 0 {
		p.nextSeq = preciousSeqBase - 1
	}
	p.lastWork = new(big.Int).Set(tip.workSum)
	if n.chainData {
		n.sequence = p.nextSeq
		if p.nextSeq > 1 {
			p.nextSeq--
		}
	}
	// activateBestChain moves only to more work; a tie won by the new mark
	// is moved to here, and a failure there falls back to the best chain.
	if cand := b.bestCandidate(); cand != tip && cand.workSum.Cmp(tip.workSum) == 0 {
		if _, err := b.reorganizeTo(cand); err != nil {
			log.Infof("Precious block %s failed to connect: %v", cand.hash, err)
		}
	}
	return b.activateBestChain(nil)
}
