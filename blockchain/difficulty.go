package blockchain

import (
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// bigOne is 1 as a big.Int; oneLsh256 is 2^256.
var (
	bigOne    = big.NewInt(1)
	oneLsh256 = new(big.Int).Lsh(bigOne, 256)
)

// maxTimewarp is BIP94's allowance, in seconds, for the first block of a
// difficulty period to be earlier than its parent.
const maxTimewarp = 600

// HashToBig converts a hash (little-endian bytes) into a big integer.
func HashToBig(hash *chainhash.Hash) *big.Int {
	var buf [chainhash.HashSize]byte
	for i := 0; i < chainhash.HashSize; i++ {
		buf[i] = hash[chainhash.HashSize-1-i]
	}
	return new(big.Int).SetBytes(buf[:])
}

// CompactToBig converts the compact "bits" form of a target into a big
// integer, as Core's arith_uint256::SetCompact: a 3-byte mantissa with a sign
// bit and a one-byte base-256 exponent.
func CompactToBig(compact uint32) *big.Int {
	mantissa := compact & 0x007fffff
	isNegative := compact&0x00800000 != 0
	exponent := uint(compact >> 24)
	var bn *big.Int
	if exponent <= 3 {
		mantissa >>= 8 * (3 - exponent)
		bn = big.NewInt(int64(mantissa))
	} else {
		bn = big.NewInt(int64(mantissa))
		bn.Lsh(bn, 8*(exponent-3))
	}
	if isNegative {
		bn = bn.Neg(bn)
	}
	return bn
}

// compactOverflows reports whether bits decode to a value above 2^256, which
// Core's SetCompact flags as overflow.
func compactOverflows(compact uint32) bool {
	mantissa := compact & 0x007fffff
	exponent := compact >> 24
	return mantissa != 0 && (exponent > 34 ||
		(mantissa > 0xff && exponent > 33) ||
		(mantissa > 0xffff && exponent > 32))
}

// BigToCompact converts a big integer to the compact form (Core's GetCompact).
func BigToCompact(n *big.Int) uint32 {
	if n.Sign() == 0 {
		return 0
	}
	var mantissa uint32
	exponent := uint(len(n.Bytes()))
	if exponent <= 3 {
		mantissa = uint32(new(big.Int).Abs(n).Uint64())
		mantissa <<= 8 * (3 - exponent)
	} else {
		tn := new(big.Int).Abs(n)
		mantissa = uint32(tn.Rsh(tn, 8*(exponent-3)).Uint64())
	}
	if mantissa&0x00800000 != 0 {
		mantissa >>= 8
		exponent++
	}
	compact := uint32(exponent<<24) | mantissa
	if n.Sign() < 0 {
		compact |= 0x00800000
	}
	return compact
}

// CalcWork returns the expected number of hashes to find a block with the
// given bits: 2^256 / (target+1). Invalid targets count as no work.
func CalcWork(bits uint32) *big.Int {
	target := CompactToBig(bits)
	if target.Sign() <= 0 || compactOverflows(bits) {
		return big.NewInt(0)
	}
	denom := new(big.Int).Add(target, bigOne)
	return new(big.Int).Div(oneLsh256, denom)
}

// checkProofOfWork checks that bits encode a target in (0, powLimit] and that
// the hash is at or below it (Core's CheckProofOfWork, "high-hash").
func checkProofOfWork(hash *chainhash.Hash, bits uint32, powLimit *big.Int) error {
	target := CompactToBig(bits)
	if target.Sign() <= 0 || compactOverflows(bits) || target.Cmp(powLimit) > 0 {
		return ruleError(ErrHighHash, "proof of work target out of range")
	}
	if HashToBig(hash).Cmp(target) > 0 {
		return ruleError(ErrHighHash, "proof of work failed: hash "+hash.String()+
			" is above its target")
	}
	return nil
}

// CheckProofOfWork is the exported form of the context-free PoW check, for
// callers (netsync) that pre-check headers.
func CheckProofOfWork(hash *chainhash.Hash, bits uint32, powLimit *big.Int) error {
	return checkProofOfWork(hash, bits, powLimit)
}

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
	newTarget := CompactToBig(baseBits)
	newTarget.Mul(newTarget, big.NewInt(actual))
	newTarget.Div(newTarget, big.NewInt(targetTimespan))
	if newTarget.Cmp(p.PowLimit) > 0 {
		newTarget.Set(p.PowLimit)
	}
	return BigToCompact(newTarget)
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
