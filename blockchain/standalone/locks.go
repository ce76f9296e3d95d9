package standalone

import "github.com/tern-org/ternd/wire"

// LockTimeThreshold splits nLockTime into block heights (below it) and Unix
// times (at or above it).
const LockTimeThreshold = 500000000

// IsFinalTx reports whether tx may be included in a block at height whose
// lock-time cutoff is blockTime (Core's IsFinalTx): the block's timestamp
// before BIP113, the median time past of its parent after. A lock time at
// or past the cutoff is still final when every input opts out with a
// maximum sequence number.
func IsFinalTx(tx *wire.MsgTx, height int32, blockTime int64) bool {
	lt := int64(tx.LockTime)
	if lt == 0 {
		return true
	}
	limit := blockTime
	if lt < LockTimeThreshold {
		limit = int64(height)
	}
	if lt < limit {
		return true
	}
	for _, in := range tx.TxIn {
		if in.Sequence != wire.MaxTxInSequenceNum {
			return false
		}
	}
	return true
}

// SequenceLock is the earliest block height and median time past at which a
// transaction's BIP68 relative lock times are met: a block is valid for the
// transaction when its height is above BlockHeight and its parent's median
// time past is above Seconds. -1 means no constraint.
type SequenceLock struct {
	Seconds     int64
	BlockHeight int32
}

// MedianTimeFunc returns the median time past (Unix seconds) of the block at
// height on the chain being evaluated. CalcSequenceLock asks it only for
// inputs with a time-based lock.
type MedianTimeFunc func(height int32) (int64, error)

// CalcSequenceLock computes tx's BIP68 lock (Core's CalculateSequenceLocks).
// prevHeights[i] is the height of the block that created input i's output
// (the next block's height for an output not yet in a block); medianTime
// gives the median time past of the block before it, from which a
// time-based lock counts. A coinbase and a transaction of version below 2
// (compared unsigned, as Core does) have no lock. An error from medianTime
// is returned as is.
func CalcSequenceLock(tx *wire.MsgTx, prevHeights []int32, medianTime MedianTimeFunc) (SequenceLock, error) {
	lock := SequenceLock{Seconds: -1, BlockHeight: -1}
	if uint32(tx.Version) < 2 || IsCoinBaseTx(tx) {
		return lock, nil
	}
	for i, in := range tx.TxIn {
		seq := in.Sequence
		if seq&wire.SequenceLockTimeDisabled != 0 {
			continue
		}
		h := prevHeights[i]
		val := int64(seq & wire.SequenceLockTimeMask)
		if seq&wire.SequenceLockTimeIsSeconds == 0 {
			if bh := h + int32(val) - 1; bh > lock.BlockHeight {
				lock.BlockHeight = bh
			}
			continue
		}
		coinTime, err := medianTime(max(h-1, 0))
		if err != nil {
			return lock, err
		}
		if t := coinTime + val<<wire.SequenceLockTimeGranularity - 1; t > lock.Seconds {
			lock.Seconds = t
		}
	}
	return lock, nil
}

// SequenceLockActive reports whether lock is met by a block at blockHeight
// whose parent has the given median time past (Core's EvaluateSequenceLocks).
func SequenceLockActive(lock SequenceLock, blockHeight int32, medianTimePast int64) bool {
	return lock.Seconds < medianTimePast && lock.BlockHeight < blockHeight
}
