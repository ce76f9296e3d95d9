package standalone

import (
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// oneLsh256 is 2^256, the size of the hash space CalcWork divides.
var oneLsh256 = new(big.Int).Lsh(big.NewInt(1), 256)

// HashToBig converts a hash (little-endian bytes) into a big integer, to
// compare with a target.
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

// CompactOverflows reports whether bits decode to a value above 2^256, which
// Core's SetCompact flags as overflow.
func CompactOverflows(compact uint32) bool {
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
	if target.Sign() <= 0 || CompactOverflows(bits) {
		return big.NewInt(0)
	}
	denom := new(big.Int).Add(target, big.NewInt(1))
	return new(big.Int).Div(oneLsh256, denom)
}

// CheckProofOfWork checks that bits encode a target in (0, powLimit] and that
// hash is at or below it (Core's CheckProofOfWork). Both failures are of kind
// ErrHighHash, Core's "high-hash".
func CheckProofOfWork(hash *chainhash.Hash, bits uint32, powLimit *big.Int) error {
	target := CompactToBig(bits)
	if target.Sign() <= 0 || CompactOverflows(bits) || target.Cmp(powLimit) > 0 {
		return ruleError(ErrHighHash, "proof of work target out of range")
	}
	if HashToBig(hash).Cmp(target) > 0 {
		return ruleError(ErrHighHash, "proof of work failed: hash "+hash.String()+
			" is above its target")
	}
	return nil
}
