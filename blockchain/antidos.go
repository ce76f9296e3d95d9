package blockchain

import (
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// antiDoSTipBuffer is how many blocks' worth of work below the tip a header
// chain may end and still be stored (Core's 144-block buffer in
// GetAntiDoSWorkThreshold), so forks from near the tip are accepted.
const antiDoSTipBuffer = 144

// AntiDoSWorkThreshold returns the chain work a headers chain must reach to
// be worth storing (Core's GetAntiDoSWorkThreshold): the tip's work less
// 144 blocks of the tip's proof, or Config.MinimumChainWork when that is
// higher. Low-difficulty headers that fork far back (cheap to make in
// numbers) stay below it. Safe for concurrent use.
func (b *BlockChain) AntiDoSWorkThreshold() *big.Int {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return b.antiDoSWorkThreshold()
}

// antiDoSWorkThreshold is AntiDoSWorkThreshold with the chain lock held.
func (b *BlockChain) antiDoSWorkThreshold() *big.Int {
	tip := b.bestChain.Tip()
	buffer := new(big.Int).Mul(standalone.CalcWork(tip.bits), big.NewInt(antiDoSTipBuffer))
	t := new(big.Int).Sub(tip.workSum, buffer)
	if t.Sign() < 0 {
		t.SetInt64(0)
	}
	if b.minChainWork != nil && b.minChainWork.Cmp(t) > 0 {
		t.Set(b.minChainWork)
	}
	return t
}

// HeadersWork returns the work the headers prove together, after checking
// that each links to the one before it and meets its own target under
// powLimit. It needs no chain, so a caller can add up a peer's headers it
// does not store (a simplified headers presync).
func HeadersWork(headers []*wire.BlockHeader, powLimit *big.Int) (*big.Int, error) {
	work := new(big.Int)
	var prev chainhash.Hash
	for i, h := range headers {
		if i > 0 && h.PrevBlock != prev {
			return nil, ruleError(ErrPrevBlockNotFound, fmt.Sprintf("header %d does not "+
				"follow header %d", i, i-1))
		}
		prev = h.BlockHash()
		if err := checkProofOfWork(&prev, h.Bits, powLimit); err != nil {
			return nil, err
		}
		work.Add(work, standalone.CalcWork(h.Bits))
	}
	return work, nil
}

// ProcessBlockHeadersAntiDoS is ProcessBlockHeaders behind Core's low-work
// headers check: when the chain the headers build (from their known parent)
// ends with less work than AntiDoSWorkThreshold, nothing is stored and the
// error is of kind ErrLowWorkHeaders. Headers that are all known already
// pass through. For such an error the caller should not punish the peer
// (Core does not); it may ignore the headers, or, when the message was full
// (2,000 headers) and the peer's chain may go on, keep asking from the last
// header while adding up HeadersWork in a bounded per-peer record (a
// simplified presync) and fetch the chain again once its work passes the
// threshold. Without presync a better chain that forks more than 144
// blocks back and needs more than one message to overtake is not learned
// from this method; ProcessBlockHeaders stores it unconditionally.
func (b *BlockChain) ProcessBlockHeadersAntiDoS(headers []*wire.BlockHeader) (int, error) {
	if len(headers) == 0 {
		return 0, nil
	}
	b.chainLock.RLock()
	last := b.index[headers[len(headers)-1].BlockHash()]
	parent := b.index[headers[0].PrevBlock]
	var threshold *big.Int
	if last == nil && parent != nil {
		threshold = b.antiDoSWorkThreshold()
	}
	var parentWork *big.Int
	if parent != nil {
		parentWork = parent.workSum
	}
	b.chainLock.RUnlock()
	if last == nil && parent == nil {
		return 0, ruleError(ErrPrevBlockNotFound, "previous block "+headers[0].PrevBlock.String()+
			" unknown")
	}
	if threshold != nil {
		work, err := HeadersWork(headers, b.params.PowLimit)
		if err != nil {
			return 0, err
		}
		work.Add(work, parentWork)
		if work.Cmp(threshold) < 0 {
			return 0, ruleError(ErrLowWorkHeaders, fmt.Sprintf("headers chain work %s "+
				"is below the anti-DoS threshold %s", work.Text(16), threshold.Text(16)))
		}
	}
	return b.ProcessBlockHeaders(headers)
}
