package itest

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// lockedTx spends coin to one P2WPKH output paying 2,000 sat, with the
// given lock time and input sequence.
func lockedTx(t *testing.T, w *Wallet, coin Coin, lockTime uint32, sequence uint32) *wire.MsgTx {
	t.Helper()
	tx := w.Build([]Coin{coin}, wire.NewTxOut(coin.Value-2000, w.PkScript(KindP2WPKH)))
	tx.LockTime = lockTime
	tx.TxIn[0].Sequence = sequence
	if err := w.Sign(tx, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestTimeLocks: absolute (nLockTime) and relative (BIP68) locks are
// enforced by ternd's pool at the next block's height, as Core's; the
// transactions accepted relay to btcd, and the blocks ternd mines with them
// are accepted by btcd.
func TestTimeLocks(t *testing.T) {
	needProcesses(t)
	w := NewWallet(20)
	b, n := startPair(t, w, 110)
	mine := func() string {
		t.Helper()
		var h []string
		n.MustCall(t, "generatetoaddress", &h, 1, w.Address(KindP2WPKH))
		WaitTip(t, 30*time.Second, h[0], b)
		return h[0]
	}

	// Height 110: a lock time of 110 is final for the next block (lock
	// times below the block's height are), 111 is not.
	a := lockedTx(t, w, w.CoinbaseCoin(t, b, 1), 110, wire.MaxTxInSequenceNum-1)
	n.MustSendTx(t, a)
	c2 := w.CoinbaseCoin(t, b, 2)
	early := lockedTx(t, w, c2, 111, wire.MaxTxInSequenceNum-1)
	wantReject(t, "lock time 111 at height 110", n.SendTx(early), -26, "non-final")
	d, dOut := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 3)}, []Kind{KindP2WPKH}, 2)
	n.MustSendTx(t, d)
	waitInPool(t, 20*time.Second, txids(a, d), b)
	blk := mine() // Height 111 confirms a and d.
	if got := blockTxids(n.Block(t, blk)); !got[a.TxHash().String()] || !got[d.TxHash().String()] {
		t.Fatal("block 111 lacks a or d")
	}
	n.MustSendTx(t, early) // Now final.

	// d's output confirmed at 111; a 3-block relative lock allows height
	// 114 and later.
	rel := lockedTx(t, w, dOut[0], 0, 3)
	wantReject(t, "relative lock at height 111", n.SendTx(rel), -26, "non-BIP68-final")
	blk = mine() // Height 112 confirms early.
	if !blockTxids(b.Block(t, blk))[early.TxHash().String()] {
		t.Fatal("block 112 lacks the lock-time transaction")
	}
	wantReject(t, "relative lock at height 112", n.SendTx(rel), -26, "non-BIP68-final")
	mine()
	n.MustSendTx(t, rel)
	waitInPool(t, 20*time.Second, txids(rel), b)
	blk = mine() // Height 114.
	if !blockTxids(b.Block(t, blk))[rel.TxHash().String()] {
		t.Fatal("block 114 lacks the relative-locked transaction")
	}
	checkPool(t, n, map[string]bool{})
	checkPool(t, b, map[string]bool{})
}
