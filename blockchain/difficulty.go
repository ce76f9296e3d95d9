package blockchain

import (
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
)

// maxTimewarp is BIP94's allowance, in seconds, for the first block of a
// difficulty period to be earlier than its parent.
const maxTimewarp = 600

// blocksPerRetarget returns the difficulty adjustment interval.
func (b *BlockChain) blocksPerRetarget() int32 {
	return int32(b.params.TargetTimespan / b.params.TargetTimePerBlock)
}

// calcNextRequiredDifficulty returns the bits a block after lastNode with the
// given timestamp must carry (Core's GetNextWorkRequired). lastNode nil means
// the genesis block.
func (b *BlockChain) calcNextRequiredDifficulty(lastNode *blockNode, newBlockTime time.Time) uint32 {
	p := b.params
	if lastNode == nil {
		return p.PowLimitBits
	}
	// Without retargeting and with a genesis at the limit (regtest), every
	// rule below yields the limit; skip testnet's walk back up to 2,015
	// headers that the minimum-difficulty rule would do for every header.
	if p.PoWNoRetargeting && p.GenesisBlock != nil && p.GenesisBlock.Header.Bits == p.PowLimitBits {
		return p.PowLimitBits
	}
	interval := b.blocksPerRetarget()
	if (lastNode.height+1)%interval != 0 {
		if p.ReduceMinDifficulty {
			// Testnet's rule: a block more than twice the target spacing
			// after its parent may have the minimum difficulty.
			if newBlockTime.Unix() > lastNode.timestamp+int64(2*p.TargetTimePerBlock/time.Second) {
				return p.PowLimitBits
			}
			// Otherwise the last block that did not use that exception.
			n := lastNode
			for n.parent != nil && n.height%interval != 0 && n.bits == p.PowLimitBits {
				n = n.parent
			}
			return n.bits
		}
		return lastNode.bits
	}
	if p.PoWNoRetargeting {
		return lastNode.bits
	}
	firstNode := lastNode.Ancestor(lastNode.height - (interval - 1))
	if firstNode == nil {
		return lastNode.bits
	}
	targetTimespan := int64(p.TargetTimespan / time.Second)
	actual := lastNode.timestamp - firstNode.timestamp
	if actual < targetTimespan/4 {
		actual = targetTimespan / 4
	}
	if actual > targetTimespan*4 {
		actual = targetTimespan * 4
	}
	// BIP94 bases the new target on the period's first block rather than
	// its last, so that a min-difficulty last block cannot drag it down.
	baseBits := lastNode.bits
	if p.EnforceBIP94 {
		baseBits = firstNode.bits
	}
	newTarget := standalone.CompactToBig(baseBits)
	newTarget.Mul(newTarget, big.NewInt(actual))
	newTarget.Div(newTarget, big.NewInt(targetTimespan))
	if newTarget.Cmp(p.PowLimit) > 0 {
		newTarget.Set(p.PowLimit)
	}
	return standalone.BigToCompact(newTarget)
}

// CalcNextRequiredDifficulty returns the bits the next block on the current
// tip must carry if it has the given timestamp (for mining templates).
// It is safe for concurrent use.
func (b *BlockChain) CalcNextRequiredDifficulty(timestamp time.Time) uint32 {
	b.chainLock.RLock()
	defer b.chainLock.RUnlock()
	return b.calcNextRequiredDifficulty(b.bestChain.Tip(), timestamp)
}

// GetDifficulty returns the difficulty of bits relative to the network's
// proof-of-work limit, as Core's getdifficulty (a float, 1.0 at the limit of
// mainnet-style 0x1d00ffff).
func GetDifficulty(bits uint32) float64 {
	shift := int(bits>>24) & 0xff
	diff := float64(0x0000ffff) / float64(bits&0x00ffffff)
	for shift < 29 {
		diff *= 256.0
		shift++
	}
	for shift > 29 {
		diff /= 256.0
		shift--
	}
	return diff
}

// checkProofOfWork is standalone.CheckProofOfWork with its violation as this
// package's Error ("high-hash").
func checkProofOfWork(hash *chainhash.Hash, bits uint32, powLimit *big.Int) error {
	return chainRuleError(standalone.CheckProofOfWork(hash, bits, powLimit))
}
