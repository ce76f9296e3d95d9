package mempool

import (
	"time"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// sequenceLocksOK evaluates BIP68 relative lock times of tx for the block
// after tipHeight (Core's CheckSequenceLocksAtTip) with
// standalone.CalcSequenceLock. coinHeights holds the height of each spent
// output; an output of a pooled parent counts as confirmed in the next
// block, as Core assumes, so its lock counts from the tip's median time past
// mtp. Older median times come from the chain (Config.MedianTimePastAt).
func (mp *TxPool) sequenceLocksOK(tx *wire.MsgTx, coinHeights []int32, tipHeight int32, mtp time.Time) (bool, error) {
	lock, err := standalone.CalcSequenceLock(tx, coinHeights, func(h int32) (int64, error) {
		if h >= tipHeight {
			return mtp.Unix(), nil
		}
		t, err := mp.cfg.MedianTimePastAt(h)
		return t.Unix(), err
	})
	if err != nil {
		return false, err
	}
	return standalone.SequenceLockActive(lock, tipHeight+1, mtp.Unix()), nil
}
