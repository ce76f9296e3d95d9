package mempool

import (
	"time"

	"github.com/tern-org/ternd/wire"
)

// isFinalTx reports whether tx may be included in a block at height whose
// lock-time cutoff is mtp (Core's IsFinalTx with BIP113's median time).
func isFinalTx(tx *wire.MsgTx, height int32, mtp time.Time) bool {
	if tx.LockTime == 0 {
		return true
	}
	limit := int64(height)
	if tx.LockTime >= lockTimeThresh {
		limit = mtp.Unix()
	}
	if int64(tx.LockTime) < limit {
		return true
	}
	for _, in := range tx.TxIn {
		if in.Sequence != maxTxInSequence {
			return false
		}
	}
	return true
}

// sequenceLocksOK evaluates BIP68 relative lock times of tx for the block
// after tipHeight (Core's CheckSequenceLocksAtTip). coinHeights holds the
// height of each spent output; an output of a pooled parent counts as
// confirmed in the next block, as Core assumes.
func (mp *TxPool) sequenceLocksOK(tx *wire.MsgTx, coinHeights []int32, tipHeight int32, mtp time.Time) (bool, error) {
	if uint32(tx.Version) < 2 { // unsigned, as Core: BIP68 applies to 0xffffffff too
		return true, nil
	}
	minHeight := int32(-1)
	minTime := int64(-1)
	for i, in := range tx.TxIn {
		if in.Sequence&seqDisableFlag != 0 {
			continue
		}
		h := coinHeights[i]
		if in.Sequence&seqTypeFlag != 0 {
			prev := h - 1
			if prev < 0 {
				prev = 0
			}
			var coinTime int64
			if prev >= tipHeight {
				// Not yet mined: it would be in the next block, whose
				// lock-time cutoff is the tip's median time past.
				coinTime = mtp.Unix()
			} else {
				t, err := mp.cfg.MedianTimePastAt(prev)
				if err != nil {
					return false, err
				}
				coinTime = t.Unix()
			}
			lock := coinTime + int64(in.Sequence&seqLockMask)<<seqGranularity - 1
			if lock > minTime {
				minTime = lock
			}
		} else {
			lock := h + int32(in.Sequence&seqLockMask) - 1
			if lock > minHeight {
				minHeight = lock
			}
		}
	}
	return minHeight < tipHeight+1 && minTime < mtp.Unix(), nil
}
